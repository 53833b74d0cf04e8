package trust_test

import (
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/trust"
	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// edgeOf reads from's manual edge to `to` from the proven out-edges of from.
func edgeOf(t *testing.T, c *chain, from, to types.Address) (score.Score, bool) {
	t.Helper()
	q := c.query("/trust/outedges/"+from.String(), true)
	if q.Code != 0 {
		t.Fatalf("outedges query: %s", q.Log)
	}
	if err := store.VerifyProof(c.App.Hash(), q.Key, q.Value, q.ProofOps); err != nil {
		t.Fatalf("outedges proof: %v", err)
	}
	var o trustpb.OutEdges
	if err := proto.Unmarshal(q.Value, &o); err != nil {
		t.Fatal(err)
	}
	for _, e := range o.Edges {
		if types.Address(e.Target) == to && e.HasManual {
			return score.Score(e.Manual), true
		}
	}
	return 0, false
}

func eventAttr(evs []abci.Event, typ, key string) (string, bool) {
	for _, e := range evs {
		if e.Type != typ {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == key {
				return a.Value, true
			}
		}
	}
	return "", false
}

func TestEdgeSetUpdateRemove(t *testing.T) {
	c := newChain(t, 3, trustGenesis(1000))
	c.block()
	a, b, d := c.addr(0), c.addr(1), c.addr(2)

	res := c.mustBlock(c.signed(0, setMsg(b, s(.8))))
	if w, ok := edgeOf(t, c, a, b); !ok || w != s(.8) {
		t.Fatalf("after set: %v %v", w, ok)
	}
	if act, _ := eventAttr(res.TxResults[0].Events, "trust_edge", "action"); act != "create" {
		t.Fatalf("action %q", act)
	}

	// An update overwrites: the last statement wins and the event says what
	// it replaced.
	res = c.mustBlock(c.signed(0, setMsg(b, s(-1))))
	if w, _ := edgeOf(t, c, a, b); w != -score.One {
		t.Fatalf("after update: %v", w)
	}
	if prev, _ := eventAttr(res.TxResults[0].Events, "trust_edge", "previous"); prev != "0.8" {
		t.Fatalf("previous %q", prev)
	}
	// Two messages in one transaction apply in order.
	c.mustBlock(c.signed(0, setMsg(d, s(.1)), setMsg(d, s(.2))))
	if w, _ := edgeOf(t, c, a, d); w != s(.2) {
		t.Fatalf("in-tx order: %v", w)
	}
	if m, _ := (trust.Keeper{}).EdgeCount(c.ctx(), a); m != 2 {
		t.Fatalf("count %d", m)
	}
	var ev trust.EdgesView
	c.queryJSON("/trust/edges/"+a.String(), &ev)
	if len(ev.Edges) != 2 || ev.Manual != 2 || ev.Edges[0].Kind != "manual" {
		t.Fatalf("edges view %+v", ev)
	}

	c.mustBlock(c.signed(0, removeMsg(b)))
	if _, ok := edgeOf(t, c, a, b); ok {
		t.Fatal("edge still there after remove")
	}
	if m, _ := (trust.Keeper{}).EdgeCount(c.ctx(), a); m != 1 {
		t.Fatalf("count after remove %d", m)
	}
	// Removing again fails, charges the fee, and changes no trust state.
	before := c.trustState()
	res = c.block(c.signed(0, removeMsg(b)))
	if r := res.TxResults[0]; r.Code != trust.ErrNoEdge.Code || r.Codespace != trust.Codespace || !strings.Contains(r.Log, "no trust edge") {
		t.Fatalf("second remove: %d %s %s", r.Code, r.Codespace, r.Log)
	}
	if c.trustState() != before {
		t.Fatal("failed remove changed trust state")
	}
}

func TestEdgeLimit(t *testing.T) {
	tg := trustGenesis(1000)
	tg.Params.MaxEdgesPerAccount = 3
	c := newChain(t, 6, tg)
	c.block()
	a := c.addr(0)
	c.mustBlock(c.signed(0, setMsg(c.addr(1), s(.5)), setMsg(c.addr(2), s(.5)), setMsg(c.addr(3), s(.5))))
	before := c.trustState()
	res := c.block(c.signed(0, setMsg(c.addr(4), s(.5))))
	r := res.TxResults[0]
	if r.Code != trust.ErrTooManyEdges.Code || !strings.Contains(r.Log, "already has 3 trust edges") {
		t.Fatalf("4th edge: %d %s", r.Code, r.Log)
	}
	if c.trustState() != before {
		t.Fatal("refused edge changed trust state")
	}
	// Updating an existing edge at the limit is fine; so is a new edge after
	// a removal, in the same transaction.
	c.mustBlock(c.signed(0, setMsg(c.addr(1), s(.9))))
	c.mustBlock(c.signed(0, removeMsg(c.addr(2)), setMsg(c.addr(4), s(.4))))
	if w, ok := edgeOf(t, c, a, c.addr(4)); !ok || w != s(.4) {
		t.Fatalf("edge after removal: %v %v", w, ok)
	}
	// A transaction whose second message breaks the limit keeps nothing of
	// the first.
	before = c.trustState()
	res = c.block(c.signed(0, setMsg(c.addr(1), s(.1)), setMsg(c.addr(5), s(.5))))
	if res.TxResults[0].Code != trust.ErrTooManyEdges.Code {
		t.Fatalf("code %d %s", res.TxResults[0].Code, res.TxResults[0].Log)
	}
	if c.trustState() != before {
		t.Fatal("partial effect of a failed transaction")
	}
}

// TestBadTrustInputChangesNothing: every kind of bad trust message gets a
// specific code and a message, through CheckTx and in a block; the trust
// state does not change, and only a message that passed the stateless
// checks costs its fee and nonce.
func TestBadTrustInputChangesNothing(t *testing.T) {
	c := newChain(t, 3, trustGenesis(1000))
	c.block()
	a, b := c.addr(0), c.addr(1)
	c.mustBlock(c.signed(0, setMsg(b, s(.5))))

	raw := func(m *txpb.Msg) *txpb.Msg { return m }
	cases := []struct {
		name    string
		msg     *txpb.Msg
		want    *types.Error
		charged bool
		logHas  string
	}{
		{"weight above 1", setMsg(b, score.One+1), trust.ErrWeightRange, false, "-1 to 1"},
		{"weight below -1", setMsg(b, -2*score.One), trust.ErrWeightRange, false, "-1 to 1"},
		{"self edge", setMsg(a, s(.5)), trust.ErrSelfEdge, true, "cannot set an edge to itself"},
		{"target not an address", raw(msg(trust.MsgSetTrustType, &trustpb.MsgSetTrust{Target: "pastel1nothing", Weight: 1})), types.ErrInvalidAddress, false, "target"},
		{"target hex", raw(msg(trust.MsgSetTrustType, &trustpb.MsgSetTrust{Target: "0x" + strings.Repeat("ab", 20), Weight: 1})), types.ErrInvalidAddress, false, "target"},
		{"empty target", raw(msg(trust.MsgSetTrustType, &trustpb.MsgSetTrust{Weight: 1})), types.ErrInvalidAddress, false, "target"},
		{"remove bad target", raw(msg(trust.MsgRemoveTrustType, &trustpb.MsgRemoveTrust{Target: "bob"})), types.ErrInvalidAddress, false, "target"},
		{"remove missing edge", removeMsg(c.addr(2)), trust.ErrNoEdge, true, "no trust edge"},
		{"garbage message bytes", &txpb.Msg{Type: trust.MsgSetTrustType, Value: []byte{0xff, 0x01}}, types.ErrTxDecode, false, "SetTrust"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nonce := c.Nonces[a]
			rawTx := c.signed(0, tc.msg)
			c.Nonces[a] = nonce // CheckTx must refuse it without using the nonce
			ck, _ := c.App.CheckTx(bg, &abci.RequestCheckTx{Tx: rawTx})
			if ck.Code != tc.want.Code || !strings.Contains(ck.Log, tc.logHas) {
				t.Fatalf("CheckTx: code %d (%s), want %d containing %q", ck.Code, ck.Log, tc.want.Code, tc.logHas)
			}
			before, hash := c.trustState(), c.App.Hash()
			acc0 := c.App.Bank().Account(c.ctx(), a)
			res := c.block(rawTx)
			if r := res.TxResults[0]; r.Code != tc.want.Code {
				t.Fatalf("FinalizeBlock: code %d (%s)", r.Code, r.Log)
			}
			if c.trustState() != before {
				t.Fatal("trust state changed")
			}
			acc := c.App.Bank().Account(c.ctx(), a)
			if tc.charged {
				if acc.Nonce != acc0.Nonce+1 || acc.Balance != acc0.Balance-fee {
					t.Fatalf("nonce %d->%d balance %d->%d: want the fee and nonce only", acc0.Nonce, acc.Nonce, acc0.Balance, acc.Balance)
				}
				c.Nonces[a]++
			} else if string(hash) != string(c.App.Hash()) {
				t.Fatal("state changed for a transaction refused before the fee")
			}
		})
	}
	if w, _ := edgeOf(t, c, a, b); w != s(.5) {
		t.Fatalf("the good edge changed: %v", w)
	}
	// Malformed query input gets an error, not a panic or an empty answer.
	for _, p := range []string{"/trust/score/nope", "/trust/outedges/y", "/trust/top/0", "/trust/top/abc", "/trust/why/zz", "/trust/viewpoint/a/b", "/trust/nosuch"} {
		if q := c.query(p, false); q.Code == 0 || q.Log == "" {
			t.Errorf("query %s: code %d", p, q.Code)
		}
	}
	if q := c.query("/trust/why/"+b.String(), true); q.Code == 0 {
		t.Errorf("proof of a computed query: code %d", q.Code)
	}
}
