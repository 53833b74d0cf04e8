package offchain_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/channels/offchain"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

const chainID = "pastel-wallet-test"

const (
	A = pb.Party_PARTY_A
	B = pb.Party_PARTY_B
)

func key(i byte) secp256k1.PrivKey {
	k, err := secp256k1.PrivKeyFromBytes(bytes.Repeat([]byte{i}, 32))
	if err != nil {
		panic(err)
	}
	return k
}

// duo is two wallets in two homes sharing one channel.
type duo struct {
	t      testing.TB
	wa, wb *offchain.Wallet
	ka, kb secp256k1.PrivKey
	homeA  string
	homeB  string
	id     []byte
	env    offchain.Env
}

func newDuo(t testing.TB, depA, depB uint64) *duo {
	t.Helper()
	d := &duo{t: t, ka: key(1), kb: key(2), homeA: t.TempDir(), homeB: t.TempDir()}
	var err error
	if d.wa, err = offchain.Open(d.homeA); err != nil {
		t.Fatal(err)
	}
	if d.wb, err = offchain.Open(d.homeB); err != nil {
		t.Fatal(err)
	}
	prop, err := offchain.NewProposal(chainID, d.ka, d.kb.PubKey().Address(), depA, depB, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := d.wb.AcceptProposal(roundTripProposal(t, prop), d.kb)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.wa.RecordOpen(roundTripProposal(t, signed), d.ka); err != nil {
		t.Fatal(err)
	}
	d.id = prop.ChannelId
	d.env = offchain.Env{Env: state.Env{Height: 100, Limits: state.DefaultLimits, DepositA: depA, DepositB: depB}, MinExpiryDelta: 10}
	return d
}

// roundTripProposal passes a proposal through its file form.
func roundTripProposal(t testing.TB, p *pb.OpenProposal) *pb.OpenProposal {
	t.Helper()
	path := filepath.Join(t.TempDir(), "proposal.json")
	if err := offchain.WriteMessage(path, p); err != nil {
		t.Fatal(err)
	}
	b, err := offchain.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := offchain.DecodeProposal(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (d *duo) wallets(p pb.Party) (*offchain.Wallet, secp256k1.PrivKey, *offchain.Wallet, secp256k1.PrivKey) {
	if p == A {
		return d.wa, d.ka, d.wb, d.kb
	}
	return d.wb, d.kb, d.wa, d.ka
}

// exchange runs one full update from proposer through the file form.
func (d *duo) exchange(proposer pb.Party, op *pb.Op, pol offchain.Policy) error {
	wp, kp, wq, kq := d.wallets(proposer)
	upd, err := wp.Propose(d.id, kp, op, d.env)
	if err != nil {
		return err
	}
	ack, err := wq.Accept(roundTripUpdate(d.t, upd), kq, d.env, pol)
	if err != nil {
		_ = wp.Retract(d.id) // the test's counterparty refused and holds nothing
		return err
	}
	return wp.Complete(roundTripUpdate(d.t, ack))
}

func roundTripUpdate(t testing.TB, u *pb.Update) *pb.Update {
	t.Helper()
	path := filepath.Join(os.TempDir(), "pastel-upd-"+strings.ReplaceAll(t.Name(), "/", "_")+".json")
	defer os.Remove(path)
	if err := offchain.WriteMessage(path, u); err != nil {
		t.Fatal(err)
	}
	b, err := offchain.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := offchain.DecodeUpdate(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func load(t testing.TB, home string, id []byte) *pb.WalletChannel {
	t.Helper()
	w, err := offchain.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	wc, err := w.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	return wc
}

func TestPaymentsBetweenTwoWalletsSurviveRestart(t *testing.T) {
	d := newDuo(t, 1000, 500)
	for i := 0; i < 10; i++ {
		if err := d.exchange(A, &pb.Op{Kind: state.OpPay, Party: A, Amount: 7}, offchain.Policy{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.exchange(B, &pb.Op{Kind: state.OpPay, Party: B, Amount: 20}, offchain.Policy{}); err != nil {
		t.Fatal(err)
	}
	// Fresh processes: reopen both homes.
	a, b := load(t, d.homeA, d.id), load(t, d.homeB, d.id)
	if !proto.Equal(a.Latest, b.Latest) || a.Latest.State.Version != 11 {
		t.Fatalf("A has v%d, B has v%d", a.Latest.State.Version, b.Latest.State.Version)
	}
	if mine, theirs := offchain.Balances(a); mine != 1000-70+20 || theirs != 500+70-20 {
		t.Fatalf("balances %d/%d", mine, theirs)
	}
	if err := state.VerifyState(chainID, a.Latest, d.ka.PubKey(), d.kb.PubKey()); err != nil {
		t.Fatal(err)
	}
	if a.Pending != nil || b.Pending != nil {
		t.Fatal("pending left behind")
	}
}

func TestCrashAfterProposeKeepsTheSignedState(t *testing.T) {
	d := newDuo(t, 1000, 1000)
	upd, err := d.wa.Propose(d.id, d.ka, &pb.Op{Kind: state.OpPay, Party: A, Amount: 100}, d.env)
	if err != nil {
		t.Fatal(err)
	}
	// A crashes after sending; a new process must not sign another v1.
	wa2, _ := offchain.Open(d.homeA)
	if _, err := wa2.Propose(d.id, d.ka, &pb.Op{Kind: state.OpPay, Party: A, Amount: 1}, d.env); !errors.Is(err, offchain.ErrPending) {
		t.Fatalf("second proposal over a pending one: %v", err)
	}
	ack, err := d.wb.Accept(upd, d.kb, d.env, offchain.Policy{})
	if err != nil {
		t.Fatal(err)
	}
	if err := wa2.Complete(ack); err != nil {
		t.Fatal(err)
	}
	if err := wa2.Complete(ack); err != nil { // delivered twice: harmless
		t.Fatal(err)
	}
	if got := load(t, d.homeA, d.id).Latest.State.BalanceB; got != 1100 {
		t.Fatalf("B's balance in A's wallet %d", got)
	}
}

func TestAcceptRefusesBadUpdates(t *testing.T) {
	d := newDuo(t, 1000, 1000)
	if err := d.exchange(A, &pb.Op{Kind: state.OpPay, Party: A, Amount: 10}, offchain.Policy{}); err != nil {
		t.Fatal(err)
	}
	old := load(t, d.homeA, d.id).Latest
	propose := func(op *pb.Op) *pb.Update {
		upd, err := d.wa.Propose(d.id, d.ka, op, d.env)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.wa.Retract(d.id); err != nil {
			t.Fatal(err)
		}
		return upd
	}
	pay := func() *pb.Update { return propose(&pb.Op{Kind: state.OpPay, Party: A, Amount: 5}) }
	h := state.Hash(bytes.Repeat([]byte{9}, 32))
	cases := []struct {
		name string
		upd  func() *pb.Update
		pol  offchain.Policy
		want error
	}{
		{"state not what the op gives", func() *pb.Update {
			u := pay()
			u.State.State.BalanceA += 5
			u.State.State.BalanceB -= 5
			return u
		}, offchain.Policy{}, offchain.ErrMismatch},
		{"op changed after signing", func() *pb.Update { u := pay(); u.Op.Amount = 1; return u }, offchain.Policy{}, offchain.ErrMismatch},
		{"forged proposer signature", func() *pb.Update { u := pay(); u.State.SigA = d.kb.Sign([]byte("x")); return u }, offchain.Policy{}, offchain.ErrRefused},
		{"another chain", func() *pb.Update { u := pay(); u.ChainId = "other"; return u }, offchain.Policy{}, offchain.ErrRefused},
		{"replayed old update", func() *pb.Update {
			return &pb.Update{ChainId: chainID, ChannelId: d.id, Op: &pb.Op{Kind: state.OpPay, Party: A, Amount: 10}, State: old}
		}, offchain.Policy{}, offchain.ErrMismatch},
		{"lock expiring too soon", func() *pb.Update {
			return propose(&pb.Op{Kind: state.OpLock, Party: A, Amount: 5, Hash: h, Expiry: d.env.Height + 3})
		}, offchain.Policy{}, offchain.ErrRefused},
		{"bet without consent", func() *pb.Update {
			return propose(&pb.Op{Kind: state.OpBet, Bet: &pb.Bet{Oracle: key(3).PubKey().Address().String(), EventId: []byte("e"), EventHash: h, Deadline: 200, StakeA: 5, StakeB: 5, PayoutA: []uint64{10, 0}}})
		}, offchain.Policy{}, offchain.ErrRefused},
		{"final refused by policy", func() *pb.Update { return propose(&pb.Op{Kind: state.OpFinal}) }, offchain.Policy{RefuseFinal: true}, offchain.ErrRefused},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := load(t, d.homeB, d.id)
			_, err := d.wb.Accept(tc.upd(), d.kb, d.env, tc.pol)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !proto.Equal(before, load(t, d.homeB, d.id)) {
				t.Fatal("refused update changed the wallet")
			}
		})
	}
	// A wallet does not propose the counterparty's payments.
	if _, err := d.wa.Propose(d.id, d.ka, &pb.Op{Kind: state.OpPay, Party: B, Amount: 1}, d.env); err == nil {
		t.Fatal("proposed a payment from the counterparty")
	}
	// Nor sign with another key.
	if _, err := d.wa.Propose(d.id, d.kb, &pb.Op{Kind: state.OpPay, Party: A, Amount: 1}, d.env); err == nil {
		t.Fatal("signed with the wrong key")
	}
}

func TestHashLockRoundTripOffChain(t *testing.T) {
	d := newDuo(t, 1000, 1000)
	pre, h, err := d.wb.NewSecret(d.id) // B invoices
	if err != nil {
		t.Fatal(err)
	}
	lock := &pb.Op{Kind: state.OpLock, Party: A, Amount: 40, Hash: h, Expiry: d.env.Height + 50}
	if err := d.exchange(A, lock, offchain.Policy{}); err != nil {
		t.Fatal(err)
	}
	if err := d.exchange(B, &pb.Op{Kind: state.OpFulfill, Hash: h, Preimage: pre}, offchain.Policy{}); err != nil {
		t.Fatal(err)
	}
	a := load(t, d.homeA, d.id)
	if len(a.Latest.State.Locks) != 0 || a.Latest.State.BalanceB != 1040 || offchain.Preimage(a, h) == nil {
		t.Fatalf("after fulfil: %v", a.Latest.State)
	}
	// An expired lock comes back to its sender.
	h2 := state.Hash(bytes.Repeat([]byte{7}, 32))
	if err := d.exchange(A, &pb.Op{Kind: state.OpLock, Party: A, Amount: 5, Hash: h2, Expiry: d.env.Height + 20}, offchain.Policy{}); err != nil {
		t.Fatal(err)
	}
	if err := d.exchange(A, &pb.Op{Kind: state.OpExpire, Hash: h2}, offchain.Policy{}); err == nil {
		t.Fatal("expired a live lock")
	}
	d.env.Height += 21
	// B learnt the preimage (say, registered it in time): it refuses to give
	// the lock back off-chain.
	if err := d.wb.AddPreimage(d.id, bytes.Repeat([]byte{7}, 32)); err != nil {
		t.Fatal(err)
	}
	if err := d.exchange(A, &pb.Op{Kind: state.OpExpire, Hash: h2}, offchain.Policy{}); !errors.Is(err, offchain.ErrRefused) {
		t.Fatalf("expire of a lock whose preimage the receiver knows: %v", err)
	}
	h3 := state.Hash(bytes.Repeat([]byte{8}, 32))
	if err := d.exchange(B, &pb.Op{Kind: state.OpFulfill, Hash: h2, Preimage: bytes.Repeat([]byte{7}, 32)}, offchain.Policy{}); err != nil {
		t.Fatal(err)
	}
	if err := d.exchange(A, &pb.Op{Kind: state.OpLock, Party: A, Amount: 5, Hash: h3, Expiry: d.env.Height + 20}, offchain.Policy{}); err != nil {
		t.Fatal(err)
	}
	d.env.Height += 21
	if err := d.exchange(A, &pb.Op{Kind: state.OpExpire, Hash: h3}, offchain.Policy{}); err != nil {
		t.Fatal(err)
	}
	if err := d.exchange(B, &pb.Op{Kind: state.OpFinal}, offchain.Policy{}); err != nil {
		t.Fatal(err)
	}
	if err := d.exchange(A, &pb.Op{Kind: state.OpPay, Party: A, Amount: 1}, offchain.Policy{}); err == nil {
		t.Fatal("update after final")
	}
}

func TestHTTPEndpoint(t *testing.T) {
	d := newDuo(t, 1000, 1000)
	srv := httptest.NewServer(offchain.Handler(d.wb, d.kb, func(context.Context, []byte) (offchain.Env, error) { return d.env, nil }, offchain.Policy{}))
	defer srv.Close()
	for i := 0; i < 3; i++ {
		upd, err := d.wa.Propose(d.id, d.ka, &pb.Op{Kind: state.OpPay, Party: A, Amount: 3}, d.env)
		if err != nil {
			t.Fatal(err)
		}
		ack, err := offchain.Send(context.Background(), srv.Client(), srv.URL, upd)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.wa.Complete(ack); err != nil {
			t.Fatal(err)
		}
	}
	if got := load(t, d.homeB, d.id).Latest.State.BalanceB; got != 1009 {
		t.Fatalf("B has %d", got)
	}
	// A refused proposal comes back as an error, nothing changes.
	upd, _ := d.wa.Propose(d.id, d.ka, &pb.Op{Kind: state.OpPay, Party: A, Amount: 3}, d.env)
	upd.State.State.BalanceB++
	upd.State.State.BalanceA--
	if _, err := offchain.Send(context.Background(), srv.Client(), srv.URL, upd); !errors.Is(err, offchain.ErrRefused) {
		t.Fatalf("tampered update: %v", err)
	}
	res, err := http.Post(srv.URL+offchain.UpdatePath, "application/json", strings.NewReader("{not json"))
	if err != nil || res.StatusCode != http.StatusBadRequest {
		t.Fatalf("garbage: %v %v", err, res.Status)
	}
	res.Body.Close()
}

func TestAtomicWriteLeavesOldOrNew(t *testing.T) {
	d := newDuo(t, 10, 10)
	before := load(t, d.homeA, d.id)
	// A crash between temp write and rename leaves a stray temp file: the
	// channel file is untouched and the stray file is ignored.
	stray := filepath.Join(d.wa.Dir(), "."+filepath.Base(d.wa.Dir())+".tmp-123")
	if err := os.WriteFile(stray, []byte("{torn"), 0o600); err != nil {
		t.Fatal(err)
	}
	ids, err := d.wa.List()
	if err != nil || len(ids) != 1 {
		t.Fatalf("list %v %v", ids, err)
	}
	if !proto.Equal(before, load(t, d.homeA, d.id)) {
		t.Fatal("file changed")
	}
	entries, _ := os.ReadDir(d.wa.Dir())
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") && e.Name() != filepath.Base(stray) {
			t.Fatalf("temp file left behind: %s", e.Name())
		}
	}
	// A corrupt channel file is reported, not half-read.
	if err := os.WriteFile(filepath.Join(d.wa.Dir(), filepath.Base(d.wa.Dir())+"x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(d.wa.Dir(), hexID(d.id)+".json")
	if err := os.WriteFile(path, []byte(`{"chain_id": 5}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := d.wa.Load(d.id); err == nil {
		t.Fatal("corrupt file loaded")
	}
}

func hexID(id []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(id))
	for _, b := range id {
		out = append(out, digits[b>>4], digits[b&15])
	}
	return string(out)
}
