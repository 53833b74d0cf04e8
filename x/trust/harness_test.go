package trust_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/app/apptest"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/trust"
	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// The harness drives the real app through ABCI, as app/app_test.go does.

const (
	chainID = apptest.ChainID
	fee     = 20_000
	funds   = 1_000_000_000_000
)

var bg = context.Background()

// testKey returns the i-th deterministic test key.
func testKey(i int) secp256k1.PrivKey { return apptest.Key(i) }

func addr(k secp256k1.PrivKey) types.Address { return k.PubKey().Address() }

// chain is the app test harness (app/apptest) with the trust module's
// helpers.
type chain struct {
	*apptest.Chain
}

// trustGenesis has the default parameters with epoch_blocks set, and seeds
// with pre-trust 1.
func trustGenesis(epochBlocks int64, seeds ...types.Address) trust.Genesis {
	p := trust.DefaultParams()
	p.EpochBlocks = epochBlocks
	g := trust.Genesis{Params: p, Seeds: []trust.GenesisSeed{}}
	for _, s := range seeds {
		g.Seeds = append(g.Seeds, trust.GenesisSeed{Address: s.String(), PreTrust: trust.Dec(score.One)})
	}
	return g
}

// newChain funds nkeys keys and uses tg as the trust section.
func newChain(t testing.TB, nkeys int, tg trust.Genesis) *chain {
	t.Helper()
	return &chain{apptest.New(t, "", nkeys, funds, func(g app.GenesisState) {
		g[trust.ModuleName], _ = json.Marshal(tg)
	})}
}

func (c *chain) addr(i int) types.Address { return addr(c.Keys[i]) }

func (c *chain) block(txs ...[]byte) *abci.ResponseFinalizeBlock {
	c.T.Helper()
	res := c.Block(txs...)
	if !bytes.Equal(res.AppHash, c.App.Hash()) {
		c.T.Fatalf("height %d: FinalizeBlock AppHash %X != committed %X", c.Height, res.AppHash, c.App.Hash())
	}
	return res
}

// mustBlock runs a block and requires every transaction to succeed.
func (c *chain) mustBlock(txs ...[]byte) *abci.ResponseFinalizeBlock {
	c.T.Helper()
	res := c.block(txs...)
	for i, r := range res.TxResults {
		if r.Code != 0 {
			c.T.Fatalf("height %d tx %d: code %d %s", c.Height, i, r.Code, r.Log)
		}
	}
	return res
}

// untilEpoch runs empty blocks until the block at a multiple of every has
// been committed (the next one if the chain is at one already).
func (c *chain) untilEpoch(every int64) {
	c.T.Helper()
	for {
		c.block()
		if c.Height%every == 0 {
			return
		}
	}
}

// signed signs msgs with key i at its next nonce and advances the nonce
// (a transaction that fails in a message still uses its nonce).
func (c *chain) signed(i int, msgs ...*txpb.Msg) []byte {
	c.T.Helper()
	k := c.Keys[i]
	raw, err := tx.Sign(chainID, &txpb.TxBody{Messages: msgs, Fee: fee * uint64(len(msgs)), Nonce: c.Nonces[addr(k)]}, k)
	if err != nil {
		c.T.Fatal(err)
	}
	c.Nonces[addr(k)]++
	return raw
}

func msg(typ string, m proto.Message) *txpb.Msg {
	out, err := tx.Msg(typ, m)
	if err != nil {
		panic(err)
	}
	return out
}

func setMsg(to types.Address, w score.Score) *txpb.Msg {
	return msg(trust.MsgSetTrustType, &trustpb.MsgSetTrust{Target: to.String(), Weight: int64(w)})
}

func removeMsg(to types.Address) *txpb.Msg {
	return msg(trust.MsgRemoveTrustType, &trustpb.MsgRemoveTrust{Target: to.String()})
}

func (c *chain) query(path string, prove bool) *abci.ResponseQuery {
	c.T.Helper()
	q, err := c.App.Query(bg, &abci.RequestQuery{Path: path, Prove: prove})
	if err != nil {
		c.T.Fatal(err)
	}
	return q
}

func (c *chain) queryJSON(path string, v any) {
	c.T.Helper()
	q := c.query(path, false)
	if q.Code != 0 {
		c.T.Fatalf("query %s: code %d %s", path, q.Code, q.Log)
	}
	if err := json.Unmarshal(q.Value, v); err != nil {
		c.T.Fatalf("query %s: %v in %s", path, err, q.Value)
	}
}

// score reads a's stored scores with an IAVL proof checked against the
// committed AppHash.
func (c *chain) score(a types.Address) (*trustpb.NodeScore, bool) {
	c.T.Helper()
	q := c.query("/trust/score/"+a.String(), true)
	if q.Code != 0 {
		c.T.Fatalf("score query: %d %s", q.Code, q.Log)
	}
	if err := store.VerifyProof(c.App.Hash(), q.Key, q.Value, q.ProofOps); err != nil {
		c.T.Fatalf("score proof for %s: %v", a, err)
	}
	if len(q.Value) == 0 {
		return &trustpb.NodeScore{}, false
	}
	var r trustpb.NodeScore
	if err := proto.Unmarshal(q.Value, &r); err != nil {
		c.T.Fatal(err)
	}
	return &r, true
}

// trustState dumps every key and value under the trust prefix.
func (c *chain) trustState() string {
	kv := store.NewPrefix(c.App.CommittedContext().Store(), []byte(trust.ModuleName+"/"))
	it := kv.Iterator(nil, nil)
	defer it.Close()
	var b strings.Builder
	for ; it.Valid(); it.Next() {
		fmt.Fprintf(&b, "%x=%x\n", it.Key(), it.Value())
	}
	return b.String()
}

func (c *chain) ctx() *types.Context { return c.App.CommittedContext() }

func s(f float64) score.Score { return score.Score(f*float64(score.One) + 0.5*sign(f)) }

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}
