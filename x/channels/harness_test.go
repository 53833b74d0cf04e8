package channels_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/app/apptest"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/bank/bankpb"
	"github.com/pastelchain/pastel/x/channels"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

const (
	chainID = apptest.ChainID
	fee     = 50_000
	funds   = 1_000_000_000_000
	window  = 5 // dispute window of the test chain, in blocks
	delta   = 3 // min expiry delta of the test chain
)

// chain drives the real app through ABCI with the app test harness, one
// block per call, and checks the bank's supply invariant and the channels
// escrow invariant after every block.
type chain struct {
	*apptest.Chain
	supply uint64
	hashes [][]byte
}

func addr(k secp256k1.PrivKey) types.Address { return k.PubKey().Address() }

// testParams are the test chain's: a 5-block window, a 3-block delta, 4
// locks and 2 bets per state, a 5-block unbond delay.
var testParams = channels.GenesisParams{DisputeWindow: window, MinExpiryDelta: delta, MaxLocks: 4, MaxBets: 2, OracleUnbondDelay: 5}

func newChain(t testing.TB, nkeys int) *chain { return newChainWith(t, nkeys, testParams) }

func newChainWith(t testing.TB, nkeys int, params channels.GenesisParams) *chain {
	t.Helper()
	c := &chain{Chain: apptest.New(t, "", nkeys, funds, func(g app.GenesisState) {
		g["channels"], _ = json.Marshal(channels.Genesis{Params: params})
	})}
	c.block()
	c.supply = c.bank().Supply(c.ctx())
	return c
}

func (c *chain) ctx() *types.Context { return c.App.CommittedContext() }
func (c *chain) bank() bank.Keeper   { return c.App.Bank() }
func (c *chain) keeper() channels.Keeper {
	return channels.NewModule().Keeper
}

func (c *chain) block(txs ...[]byte) *abci.ResponseFinalizeBlock {
	c.T.Helper()
	res := c.Block(txs...)
	c.hashes = append(c.hashes, res.AppHash)
	if !c.SkipChecks { // benchmarks skip these with apptest's own checks
		c.checkInvariants()
	}
	return res
}

// checkInvariants: supply conserved, balances + locked = supply, and every
// channel's escrow matches what it owes.
func (c *chain) checkInvariants() {
	c.T.Helper()
	ctx := c.ctx()
	if err := c.bank().CheckInvariant(ctx); err != nil {
		c.T.Fatalf("height %d: %v", c.Height, err)
	}
	if c.supply != 0 && c.bank().Supply(ctx) != c.supply {
		c.T.Fatalf("height %d: supply %d, want %d", c.Height, c.bank().Supply(ctx), c.supply)
	}
	if err := c.keeper().CheckInvariant(ctx); err != nil {
		c.T.Fatalf("height %d: %v", c.Height, err)
	}
}

// advanceTo commits empty blocks until the last committed height is h.
func (c *chain) advanceTo(h int64) {
	c.T.Helper()
	for c.Height < h {
		c.block()
	}
}

func msg(typ string, m proto.Message) *txpb.Msg {
	x, err := tx.Msg(typ, m)
	if err != nil {
		panic(err)
	}
	return x
}

// deliver puts one transaction from k with msgs in the next block and
// returns its result.
func (c *chain) deliver(k secp256k1.PrivKey, msgs ...*txpb.Msg) *abci.ExecTxResult {
	c.T.Helper()
	nonce := c.bank().Account(c.ctx(), addr(k)).Nonce
	raw, err := tx.Sign(chainID, &txpb.TxBody{Messages: msgs, Fee: fee * uint64(len(msgs)), Nonce: nonce}, k)
	if err != nil {
		c.T.Fatal(err)
	}
	return c.block(raw).TxResults[0]
}

func (c *chain) ok(r *abci.ExecTxResult) {
	c.T.Helper()
	if r.Code != 0 {
		c.T.Fatalf("height %d: tx failed: code %d: %s", c.Height, r.Code, r.Log)
	}
}

// refused requires r to have failed with want's code and a message.
func (c *chain) refused(r *abci.ExecTxResult, want *types.Error) {
	c.T.Helper()
	if r.Code != want.Code || r.Codespace != want.Codespace {
		c.T.Fatalf("height %d: got code %s/%d (%s), want %s/%d (%s)", c.Height, r.Codespace, r.Code, r.Log, want.Codespace, want.Code, want.Msg)
	}
	if r.Log == "" {
		c.T.Fatal("refusal without a message")
	}
}

func (c *chain) account(k secp256k1.PrivKey) *bankpb.Account {
	return c.bank().Account(c.ctx(), addr(k))
}

func (c *chain) channel(id []byte) *pb.Channel {
	ch := c.keeper().Channel(c.ctx(), id)
	if ch == nil {
		c.T.Fatalf("channel %x not found", id)
	}
	return ch
}

// wallet is one party's off-chain view of a channel: the latest co-signed
// state, built with the same state package wallets use.
type pair struct {
	c      *chain
	id     []byte
	a, b   secp256k1.PrivKey
	latest *pb.SignedState
	states []*pb.SignedState // every co-signed version, oldest first
}

func (c *chain) env() state.Env {
	p := c.keeper().Params(c.ctx())
	return state.Env{ChainID: chainID, Height: uint64(c.Height), Limits: state.Limits{MaxLocks: int(p.MaxLocks), MaxBets: int(p.MaxBets)}}
}

// open opens a channel between a (opener) and b through the real MsgOpen.
func (c *chain) open(a, b secp256k1.PrivKey, depA, depB uint64) *pair {
	c.T.Helper()
	r, id := c.tryOpen(a, b, depA, depB)
	c.ok(r)
	p := &pair{c: c, id: id, a: a, b: b}
	p.latest = &pb.SignedState{State: state.Initial(id, depA, depB)}
	return p
}

func (c *chain) openMsg(a, b secp256k1.PrivKey, depA, depB uint64, counter uint64) (*pb.MsgOpen, []byte) {
	id := state.ChannelID(chainID, addr(a), addr(b), counter)
	until := uint64(c.Height) + 10
	terms := &pb.OpenTerms{PartyA: addr(a).String(), PartyB: addr(b).String(), DepositA: depA, DepositB: depB, Counter: counter, ValidUntil: until}
	sig := b.Sign(state.OpenSignBytes(chainID, id, terms))
	return &pb.MsgOpen{CounterpartyPubKey: b.PubKey().Bytes(), Deposit: depA, CounterpartyDeposit: depB, Counter: counter, CounterpartySig: sig, ValidUntil: until}, id
}

func (c *chain) tryOpen(a, b secp256k1.PrivKey, depA, depB uint64) (*abci.ExecTxResult, []byte) {
	counter := c.keeper().NextCounter(c.ctx(), addr(a), addr(b))
	m, id := c.openMsg(a, b, depA, depB, counter)
	return c.deliver(a, msg(channels.MsgOpenType, m)), id
}

// sign co-signs st.
func (p *pair) sign(st *pb.State) *pb.SignedState {
	return &pb.SignedState{State: st, SigA: state.SignState(chainID, p.a, st), SigB: state.SignState(chainID, p.b, st)}
}

// update applies op off-chain, co-signs and remembers the result.
func (p *pair) update(op *pb.Op) *pb.SignedState {
	p.c.T.Helper()
	env := p.c.env()
	ch := p.c.channel(p.id)
	env.DepositA, env.DepositB = ch.DepositA, ch.DepositB
	st, err := state.Apply(p.latest.State, op, env)
	if err != nil {
		p.c.T.Fatalf("off-chain %s: %v", op.Kind, err)
	}
	p.latest = p.sign(st)
	p.states = append(p.states, p.latest)
	return p.latest
}

func (p *pair) pay(from pb.Party, amount uint64) *pb.SignedState {
	return p.update(&pb.Op{Kind: state.OpPay, Party: from, Amount: amount})
}

func closeMsg(id []byte, s *pb.SignedState) *txpb.Msg {
	return msg(channels.MsgCloseType, &pb.MsgClose{ChannelId: id, State: s})
}
func disputeMsg(s *pb.SignedState) *txpb.Msg {
	return msg(channels.MsgDisputeType, &pb.MsgDispute{State: s})
}
func settleMsg(id []byte) *txpb.Msg { return msg(channels.MsgSettleType, &pb.MsgSettle{ChannelId: id}) }
func coopMsg(s *pb.SignedState) *txpb.Msg {
	return msg(channels.MsgCooperativeCloseType, &pb.MsgCooperativeClose{State: s})
}
func preimageMsg(p []byte) *txpb.Msg {
	return msg(channels.MsgRegisterPreimageType, &pb.MsgRegisterPreimage{Preimage: p})
}
func unlockMsg(id, hash []byte) *txpb.Msg {
	return msg(channels.MsgUnlockType, &pb.MsgUnlock{ChannelId: id, Hash: hash})
}

func secret(i int) []byte { return bytes.Repeat([]byte{0xA0 + byte(i)}, 32) }

// snapshot is every key and value of the channels module plus every
// account's locked coins: what a refused message must not change.
func (c *chain) snapshot() []byte {
	var out []byte
	st := c.ctx().Store()
	it := st.Iterator([]byte("channels/"), types.PrefixEnd([]byte("channels/")))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		out = append(out, it.Key()...)
		out = append(out, it.Value()...)
	}
	for _, k := range c.Keys {
		out = append(out, []byte(types.U64(c.account(k).Locked))...)
	}
	return out
}

// expectRefused sends msgs from k and requires the want error and no change
// besides the fee and nonce.
func (c *chain) expectRefused(k secp256k1.PrivKey, want *types.Error, msgs ...*txpb.Msg) string {
	c.T.Helper()
	before := c.snapshot()
	r := c.deliver(k, msgs...)
	c.refused(r, want)
	if !bytes.Equal(before, c.snapshot()) {
		c.T.Fatalf("refused message (%s) changed the channels state or locked coins", r.Log)
	}
	return r.Log
}

var _ = errors.Is

var bg = context.Background()
