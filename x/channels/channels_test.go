package channels_test

import (
	"bytes"
	"encoding/hex"
	"math"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/channels"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

const (
	A = pb.Party_PARTY_A
	B = pb.Party_PARTY_B
)

func TestOpenLocksDepositsAndReopenGetsNewID(t *testing.T) {
	c := newChain(t, 3)
	ka, kb, kc := c.Keys[0], c.Keys[1], c.Keys[2]
	p := c.open(ka, kb, 1000, 500)
	if got := c.account(ka).Locked; got != 1000 {
		t.Fatalf("A locked %d", got)
	}
	if got := c.account(kb).Locked; got != 500 {
		t.Fatalf("B locked %d", got)
	}
	ch := c.channel(p.id)
	if ch.Status != pb.Status_STATUS_OPEN || ch.DisputeWindow != window || ch.Counter != 0 {
		t.Fatalf("channel %v", ch)
	}

	// The counterparty's signature over counter 0 is spent: replaying the
	// same MsgOpen is refused, and so is any other counter with it.
	m, _ := c.openMsg(ka, kb, 1000, 500, 0)
	c.expectRefused(ka, channels.ErrCounter, msg(channels.MsgOpenType, m))
	m.Counter = 1
	c.expectRefused(ka, state.ErrBadSignature, msg(channels.MsgOpenType, m))
	// Bad deposits.
	m, _ = c.openMsg(ka, kb, 0, 0, 1)
	c.expectRefused(ka, types.ErrInvalidAmount, msg(channels.MsgOpenType, m))
	m, _ = c.openMsg(ka, kb, math.MaxUint64, 1, 1)
	c.expectRefused(ka, state.ErrAmount, msg(channels.MsgOpenType, m))
	m, _ = c.openMsg(ka, kb, 1, 2*funds, 1)
	c.expectRefused(ka, types.ErrInsufficientFunds, msg(channels.MsgOpenType, m))
	m, _ = c.openMsg(ka, ka, 1, 1, 0)
	c.expectRefused(ka, types.ErrInvalidRequest, msg(channels.MsgOpenType, m))
	// An approval used after its last height is refused.
	m, _ = c.openMsg(ka, kb, 1, 1, 1)
	c.advanceTo(int64(m.ValidUntil))
	c.expectRefused(ka, channels.ErrExpired, msg(channels.MsgOpenType, m))

	// Top-up: a party adds to its own deposit; others may not.
	c.ok(c.deliver(kb, msg(channels.MsgTopUpType, &pb.MsgTopUp{ChannelId: p.id, Amount: 250})))
	if ch := c.channel(p.id); ch.DepositB != 750 || ch.EscrowB != 750 || c.account(kb).Locked != 750 {
		t.Fatalf("after top-up: deposit %d escrow %d locked %d", ch.DepositB, ch.EscrowB, c.account(kb).Locked)
	}
	c.expectRefused(kc, channels.ErrNotParty, msg(channels.MsgTopUpType, &pb.MsgTopUp{ChannelId: p.id, Amount: 1}))
	c.expectRefused(kb, state.ErrAmount, msg(channels.MsgTopUpType, &pb.MsgTopUp{ChannelId: p.id, Amount: math.MaxUint64}))

	// Roles swapped: the pair's counter is shared, so the id is new.
	q := c.open(kb, ka, 10, 10)
	if c.channel(q.id).Counter != 1 || bytes.Equal(q.id, p.id) {
		t.Fatalf("swapped roles reused counter or id")
	}

	// Close p cooperatively (accounting for the top-up), reopen: a new id,
	// the old record stays as a tombstone.
	p.update(&pb.Op{Kind: state.OpDeposit, Party: B, Amount: 250})
	p.pay(A, 100)
	final := p.update(&pb.Op{Kind: state.OpFinal})
	c.ok(c.deliver(kb, coopMsg(final)))
	if ch := c.channel(p.id); ch.Status != pb.Status_STATUS_CLOSED || ch.PaidA != 900 || ch.PaidB != 850 {
		t.Fatalf("after close: %v", ch)
	}
	r := c.open(ka, kb, 7, 7)
	if bytes.Equal(r.id, p.id) || bytes.Equal(r.id, q.id) || c.channel(r.id).Counter != 2 {
		t.Fatalf("reopened channel reused an id")
	}
	if c.channel(p.id).Status != pb.Status_STATUS_CLOSED {
		t.Fatal("tombstone lost")
	}
}

// setupDispute opens A–B with 1000 each and co-signs versions 1..n, each
// paying 100 from A to B.
func setupDispute(t *testing.T, n int) (*chain, *pair) {
	c := newChain(t, 3)
	p := c.open(c.Keys[0], c.Keys[1], 1000, 1000)
	for i := 0; i < n; i++ {
		p.pay(A, 100)
	}
	return c, p
}

func TestStaleCloseRefutedInWindowAndItsSettlementFails(t *testing.T) {
	c, p := setupDispute(t, 3)
	ka, kb, tower := p.a, p.b, c.Keys[2]
	// A cheats: it closes with version 1 (A 900, B 1100).
	c.ok(c.deliver(ka, closeMsg(p.id, p.states[0])))
	registeredAt := uint64(c.Height)
	ch := c.channel(p.id)
	if ch.Status != pb.Status_STATUS_DISPUTE || ch.DisputeDeadline != registeredAt+window || ch.Registered.Version != 1 {
		t.Fatalf("after close: %v", ch)
	}
	// Its settlement fails while the window is open...
	c.expectRefused(ka, channels.ErrWindowOpen, settleMsg(p.id))
	// ...and B refutes with version 3 inside the window.
	c.ok(c.deliver(kb, disputeMsg(p.states[2])))
	c.advanceTo(int64(ch.DisputeDeadline))
	balA, balB := c.account(ka).Balance, c.account(kb).Balance
	c.ok(c.deliver(tower, settleMsg(p.id)))
	ch = c.channel(p.id)
	if ch.Status != pb.Status_STATUS_CLOSED || ch.Registered.Version != 3 || ch.PaidA != 700 || ch.PaidB != 1300 {
		t.Fatalf("settled %v", ch)
	}
	if got := c.account(ka).Balance - balA; got != 700 {
		t.Fatalf("A received %d, want 700 (version 3, not the stale 900)", got)
	}
	if got := c.account(kb).Balance - balB; got != 1300 {
		t.Fatalf("B received %d, want 1300", got)
	}
	if c.account(ka).Locked != 0 || c.account(kb).Locked != 0 {
		t.Fatal("coins still locked after settlement")
	}
	// The stale state can never be settled again.
	c.expectRefused(ka, channels.ErrWrongStatus, settleMsg(p.id))
	c.expectRefused(ka, channels.ErrWrongStatus, closeMsg(p.id, p.states[0]))
}

func TestDisputeRules(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, c *chain, p *pair)
	}{
		{"equal version refused", func(t *testing.T, c *chain, p *pair) {
			c.ok(c.deliver(p.a, closeMsg(p.id, p.states[1])))
			log := c.expectRefused(p.b, state.ErrStaleVersion, disputeMsg(p.states[1]))
			if !bytes.Contains([]byte(log), []byte("version 2 <= registered 2")) {
				t.Fatalf("message %q", log)
			}
			c.expectRefused(p.b, state.ErrStaleVersion, disputeMsg(p.states[0]))
		}},
		{"refute at the last block of the window accepted", func(t *testing.T, c *chain, p *pair) {
			c.ok(c.deliver(p.a, closeMsg(p.id, p.states[0])))
			c.advanceTo(int64(c.channel(p.id).DisputeDeadline) - 1)
			c.ok(c.deliver(p.b, disputeMsg(p.states[3])))
			if uint64(c.Height) != c.channel(p.id).DisputeDeadline {
				t.Fatalf("refute landed at %d, deadline %d", c.Height, c.channel(p.id).DisputeDeadline)
			}
		}},
		{"refute after the window refused", func(t *testing.T, c *chain, p *pair) {
			c.ok(c.deliver(p.a, closeMsg(p.id, p.states[0])))
			c.advanceTo(int64(c.channel(p.id).DisputeDeadline))
			c.expectRefused(p.b, channels.ErrWindowClosed, disputeMsg(p.states[3]))
			c.ok(c.deliver(p.b, settleMsg(p.id)))
			if c.channel(p.id).Registered.Version != 1 {
				t.Fatal("late refute took effect")
			}
		}},
		{"settle before the window refused", func(t *testing.T, c *chain, p *pair) {
			c.ok(c.deliver(p.a, closeMsg(p.id, p.states[3])))
			c.advanceTo(int64(c.channel(p.id).DisputeDeadline) - 1)
			c.expectRefused(p.a, channels.ErrWindowOpen, settleMsg(p.id)) // lands at the deadline itself
			c.ok(c.deliver(p.a, settleMsg(p.id)))                         // deadline + 1
		}},
		{"registering after settlement refused", func(t *testing.T, c *chain, p *pair) {
			c.ok(c.deliver(p.a, closeMsg(p.id, p.states[0])))
			c.advanceTo(int64(c.channel(p.id).DisputeDeadline))
			c.ok(c.deliver(p.a, settleMsg(p.id)))
			c.expectRefused(p.b, channels.ErrWrongStatus, disputeMsg(p.states[3]))
			c.expectRefused(p.b, channels.ErrWrongStatus, closeMsg(p.id, p.states[3]))
			final := p.update(&pb.Op{Kind: state.OpFinal})
			c.expectRefused(p.b, channels.ErrWrongStatus, coopMsg(final))
		}},
		{"repeated refutes do not extend the window", func(t *testing.T, c *chain, p *pair) {
			c.ok(c.deliver(p.a, closeMsg(p.id, p.states[0])))
			deadline := c.channel(p.id).DisputeDeadline
			for i := 1; i < 4; i++ {
				c.ok(c.deliver(c.Keys[2], disputeMsg(p.states[i])))
				if d := c.channel(p.id).DisputeDeadline; d != deadline {
					t.Fatalf("refute %d moved the deadline %d -> %d", i, deadline, d)
				}
			}
			c.advanceTo(int64(deadline))
			c.expectRefused(p.b, channels.ErrWindowClosed, disputeMsg(p.update(&pb.Op{Kind: state.OpPay, Party: A, Amount: 1})))
			c.ok(c.deliver(p.b, settleMsg(p.id)))
			if ch := c.channel(p.id); ch.Registered.Version != 4 || ch.PaidB != 1400 {
				t.Fatalf("settled %d paying B %d", ch.Registered.Version, ch.PaidB)
			}
		}},
		{"anyone may refute, only a party may close", func(t *testing.T, c *chain, p *pair) {
			c.expectRefused(c.Keys[2], channels.ErrNotParty, closeMsg(p.id, p.states[3]))
			c.expectRefused(c.Keys[2], channels.ErrWrongStatus, disputeMsg(p.states[3])) // nothing to refute yet
			c.ok(c.deliver(p.a, closeMsg(p.id, p.states[0])))
			c.ok(c.deliver(c.Keys[2], disputeMsg(p.states[3])))
			if ch := c.channel(p.id); ch.RegisteredBy != addr(c.Keys[2]).String() {
				t.Fatalf("registered by %s", ch.RegisteredBy)
			}
		}},
		{"close without a state returns the deposits", func(t *testing.T, c *chain, p *pair) {
			c.ok(c.deliver(p.b, closeMsg(p.id, nil)))
			c.ok(c.deliver(p.a, disputeMsg(p.states[0]))) // any signed version beats version 0
			c.advanceTo(int64(c.channel(p.id).DisputeDeadline))
			c.ok(c.deliver(p.b, settleMsg(p.id)))
			if ch := c.channel(p.id); ch.PaidA != 900 || ch.PaidB != 1100 {
				t.Fatalf("paid %d/%d", ch.PaidA, ch.PaidB)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, p := setupDispute(t, 4)
			tc.run(t, c, p)
		})
	}
}

func TestCooperativeFinalOverridesDisputeAndSecondCloseFails(t *testing.T) {
	c, p := setupDispute(t, 2)
	c.ok(c.deliver(p.a, closeMsg(p.id, p.states[0])))
	// A non-final state cannot close at once.
	c.expectRefused(p.b, state.ErrNotAllowed, coopMsg(p.states[1]))
	p.pay(A, 50)
	final := p.update(&pb.Op{Kind: state.OpFinal})
	balB := c.account(p.b).Balance
	c.ok(c.deliver(c.Keys[2], coopMsg(final))) // anyone holding the final state may submit it
	ch := c.channel(p.id)
	if ch.Status != pb.Status_STATUS_CLOSED || ch.Registered.Version != final.State.Version || ch.PaidA != 750 || ch.PaidB != 1250 {
		t.Fatalf("after cooperative close: %v", ch)
	}
	if got := c.account(p.b).Balance - balB; got != 1250 {
		t.Fatalf("B received %d", got)
	}
	c.expectRefused(p.a, channels.ErrWrongStatus, coopMsg(final))
	c.expectRefused(p.a, channels.ErrWrongStatus, settleMsg(p.id))
	c.expectRefused(p.b, channels.ErrWrongStatus, disputeMsg(final))

	// A final state older than the registered one does not override it.
	c2, p2 := setupDispute(t, 3)
	old := &pb.State{ChannelId: p2.id, Version: 1, DepositA: 1000, DepositB: 1000, BalanceA: 1000, BalanceB: 1000, Final: true}
	c2.ok(c2.deliver(p2.b, closeMsg(p2.id, p2.states[2])))
	c2.expectRefused(p2.a, state.ErrStaleVersion, coopMsg(p2.sign(old)))
}

func TestSignatureReplayRefused(t *testing.T) {
	c := newChain(t, 3)
	ka, kb := c.Keys[0], c.Keys[1]
	p1 := c.open(ka, kb, 1000, 1000)
	p2 := c.open(ka, kb, 1000, 1000) // same pair, both open: counters 0 and 1
	s1 := p1.pay(A, 100)

	relabel := func(s *pb.SignedState, id []byte) *pb.SignedState {
		cp := proto.Clone(s).(*pb.SignedState)
		cp.State.ChannelId = id
		return cp
	}
	otherChain := func(st *pb.State) *pb.SignedState {
		return &pb.SignedState{State: st, SigA: ka.Sign(state.StateSignBytes("other-chain", st)), SigB: kb.Sign(state.StateSignBytes("other-chain", st))}
	}
	st2 := &pb.State{ChannelId: p2.id, Version: 1, DepositA: 1000, DepositB: 1000, BalanceA: 900, BalanceB: 1100}
	// B's signature on p2's open terms, reused as its state signature.
	terms := &pb.OpenTerms{PartyA: addr(ka).String(), PartyB: addr(kb).String(), DepositA: 1000, DepositB: 1000, Counter: 1}
	openSig := kb.Sign(state.OpenSignBytes(chainID, p2.id, terms))
	wrongType := &pb.SignedState{State: st2, SigA: state.SignState(chainID, ka, st2), SigB: openSig}
	oneKey := &pb.SignedState{State: st2, SigA: state.SignState(chainID, ka, st2), SigB: state.SignState(chainID, ka, st2)}

	cases := []struct {
		name string
		id   []byte
		s    *pb.SignedState
		want *types.Error
	}{
		{"across channel ids: relabelled state", p2.id, relabel(s1, p2.id), state.ErrBadSignature},
		{"across channel ids: as is", p2.id, s1, state.ErrWrongChannel},
		{"across chain ids", p2.id, otherChain(st2), state.ErrBadSignature},
		{"across message types: open signature as state signature", p2.id, wrongType, state.ErrBadSignature},
		{"one key signing for both parties", p2.id, oneKey, state.ErrBadSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.T = t
			c.expectRefused(ka, tc.want, closeMsg(tc.id, tc.s))
		})
	}
	c.T = t

	t.Run("across message types: state signature as open signature", func(t *testing.T) {
		c.T = t
		defer func() { c.T = nil }()
		m, id := c.openMsg(ka, kb, 5, 5, 2)
		m.CounterpartySig = state.SignState(chainID, kb, &pb.State{ChannelId: id, DepositA: 5, DepositB: 5, BalanceA: 5, BalanceB: 5})
		c.expectRefused(ka, state.ErrBadSignature, msg(channels.MsgOpenType, m))
	})
	c.T = t

	t.Run("across a reopened channel", func(t *testing.T) {
		c.T = t
		final := p1.update(&pb.Op{Kind: state.OpFinal})
		c.ok(c.deliver(ka, coopMsg(final)))
		p3 := c.open(ka, kb, 1000, 1000) // counter 2: same parties, same deposits
		// Every state of the closed channel, relabelled, fails on the new one.
		for _, s := range append(p1.states, final) {
			c.expectRefused(kb, state.ErrBadSignature, closeMsg(p3.id, relabel(s, p3.id)))
		}
		// And the old open approval cannot open a fourth channel.
		m, _ := c.openMsg(ka, kb, 1000, 1000, 0)
		m.Counter = 3
		c.expectRefused(ka, state.ErrBadSignature, msg(channels.MsgOpenType, m))
		// The new channel's own states work.
		c.ok(c.deliver(kb, closeMsg(p3.id, p3.pay(B, 1))))
	})
}

func TestBadAmountsRefused(t *testing.T) {
	c := newChain(t, 3)
	p := c.open(c.Keys[0], c.Keys[1], 1000, 1000)
	h := state.Hash(secret(1))
	base := func() *pb.State {
		return &pb.State{ChannelId: p.id, Version: 1, DepositA: 1000, DepositB: 1000, BalanceA: 1000, BalanceB: 1000}
	}
	with := func(f func(*pb.State)) *pb.State { s := base(); f(s); return s }
	neg := func(v int64) uint64 { return uint64(v) } // what a careless encoder makes of a negative amount
	cases := []struct {
		name string
		st   *pb.State
	}{
		{"balances below deposits", with(func(s *pb.State) { s.BalanceA = 900 })},
		{"balances above deposits", with(func(s *pb.State) { s.BalanceB = 1001 })},
		{"balance overflowing the sum", with(func(s *pb.State) { s.BalanceA, s.BalanceB = math.MaxUint64, 2001 })},
		{"negative balance", with(func(s *pb.State) { s.BalanceA, s.BalanceB = neg(-100), 2100 })},
		{"negative lock", with(func(s *pb.State) {
			s.BalanceA = 1100
			s.Locks = []*pb.Lock{{Amount: neg(-100), Hash: h, Expiry: 100, Sender: A}}
		})},
		{"overflowing locks", with(func(s *pb.State) {
			s.BalanceA = 0
			s.Locks = []*pb.Lock{{Amount: math.MaxUint64, Hash: h, Expiry: 100, Sender: A}, {Amount: 1001, Hash: state.Hash(secret(2)), Expiry: 100, Sender: A}}
		})},
		{"zero lock", with(func(s *pb.State) { s.Locks = []*pb.Lock{{Amount: 0, Hash: h, Expiry: 100, Sender: A}} })},
		{"bet payout above the pot", with(func(s *pb.State) {
			s.BalanceA, s.BalanceB = 900, 900
			s.Bets = []*pb.Bet{{Oracle: addr(c.Keys[2]).String(), EventId: []byte("e"), EventHash: h, Deadline: 9, StakeA: 100, StakeB: 100, PayoutA: []uint64{201, 0}}}
		})},
		{"overflowing bet stakes", with(func(s *pb.State) {
			s.Bets = []*pb.Bet{{Oracle: addr(c.Keys[2]).String(), EventId: []byte("e"), EventHash: h, Deadline: 9, StakeA: math.MaxUint64, StakeB: 1, PayoutA: []uint64{0, 0}}}
		})},
		{"deposits above the channel's", with(func(s *pb.State) { s.DepositA, s.BalanceA = 5000, 5000 })},
		{"overflowing deposits", with(func(s *pb.State) { s.DepositA, s.BalanceA, s.BalanceB = math.MaxUint64, math.MaxUint64, 1000 })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.T = t
			// Correctly signed by both: only the amounts are wrong.
			c.expectRefused(p.a, state.ErrAmount, closeMsg(p.id, p.sign(tc.st)))
			final := proto.Clone(tc.st).(*pb.State)
			final.Final, final.Locks, final.Bets = true, nil, nil
			if state.Validate(final, state.DefaultLimits) != nil {
				c.expectRefused(p.a, state.ErrAmount, coopMsg(p.sign(final)))
			}
		})
	}
	c.T = t
	// The off-chain side refuses the same things before anyone signs.
	env := c.env()
	env.DepositA, env.DepositB = 1000, 1000
	for _, op := range []*pb.Op{
		{Kind: state.OpPay, Party: A, Amount: 1001},
		{Kind: state.OpPay, Party: B, Amount: neg(-5)},
		{Kind: state.OpLock, Party: A, Amount: math.MaxUint64, Hash: h, Expiry: 100},
		{Kind: state.OpDeposit, Party: A, Amount: 1},
		{Kind: state.OpPay, Party: A, Amount: 0},
	} {
		if _, err := state.Apply(base(), op, env); err == nil {
			t.Errorf("op %v accepted", op)
		}
	}
}

// lockState builds a co-signed state of p with the given locks taken from
// the senders' balances.
func (p *pair) withLocks(locks ...*pb.Lock) *pb.SignedState {
	for _, l := range locks {
		p.update(&pb.Op{Kind: state.OpLock, Party: l.Sender, Amount: l.Amount, Hash: l.Hash, Expiry: l.Expiry})
	}
	return p.latest
}

// closeAndSettle registers s unilaterally (by a), waits out the window and
// settles (by a third party).
func (c *chain) closeAndSettle(p *pair, s *pb.SignedState) {
	c.T.Helper()
	c.ok(c.deliver(p.a, closeMsg(p.id, s)))
	c.advanceTo(int64(c.channel(p.id).DisputeDeadline))
	c.ok(c.deliver(c.Keys[len(c.Keys)-1], settleMsg(p.id)))
}

func TestHashLocks(t *testing.T) {
	c := newChain(t, 4)
	ka, kb, kc := c.Keys[0], c.Keys[1], c.Keys[2]
	p := c.open(ka, kb, 1000, 1000)
	now := uint64(c.Height)
	e1, e2, e3 := now+20, now+22, now+40
	h1, h2, h3 := state.Hash(secret(1)), state.Hash(secret(2)), state.Hash(secret(3))
	s := p.withLocks(
		&pb.Lock{Amount: 100, Hash: h1, Expiry: e1, Sender: A},
		&pb.Lock{Amount: 50, Hash: h2, Expiry: e2, Sender: A},
		&pb.Lock{Amount: 30, Hash: h3, Expiry: e3, Sender: B},
	)
	// Unlocking while the channel is open is refused.
	c.expectRefused(kc, channels.ErrWrongStatus, unlockMsg(p.id, h1))
	c.closeAndSettle(p, s)
	ch := c.channel(p.id)
	if ch.Status != pb.Status_STATUS_SETTLED || ch.PaidA != 850 || ch.PaidB != 970 || ch.EscrowA+ch.EscrowB != 180 {
		t.Fatalf("after settle: %v", ch)
	}

	// A second channel, settled with a lock of its own.
	q := c.open(ka, kc, 100, 100)
	h4 := state.Hash(secret(4))
	c.closeAndSettle(q, q.withLocks(&pb.Lock{Amount: 10, Hash: h4, Expiry: e3, Sender: A}))

	t.Run("lock on another channel refused", func(t *testing.T) {
		c.T = t
		c.expectRefused(kc, channels.ErrNoSuchLock, unlockMsg(p.id, h4))
		c.expectRefused(kb, channels.ErrNoSuchLock, unlockMsg(q.id, h1))
	})
	t.Run("preimage at the expiry block pays the receiver", func(t *testing.T) {
		c.T = t
		c.advanceTo(int64(e1) - 1)
		c.ok(c.deliver(kb, preimageMsg(secret(1)))) // lands at e1, the last allowed block
		if got := c.keeper().Preimage(c.ctx(), h1); got == nil || got.Height != e1 {
			t.Fatalf("registry: %v", got)
		}
		c.expectRefused(kb, channels.ErrDuplicate, preimageMsg(secret(1)))
		c.advanceTo(int64(e3) + 5) // long after expiry: registration time is what counts
		balB := c.account(kb).Balance
		c.ok(c.deliver(kc, unlockMsg(p.id, h1)))
		if got := c.account(kb).Balance - balB; got != 100 {
			t.Fatalf("receiver got %d", got)
		}
	})
	t.Run("preimage one block after expiry refunds", func(t *testing.T) {
		c.T = t
		// e2 is long past; the preimage registers now, after the expiry.
		c.ok(c.deliver(kb, preimageMsg(secret(2))))
		balA := c.account(ka).Balance
		c.ok(c.deliver(kc, unlockMsg(p.id, h2)))
		if got := c.account(ka).Balance - balA; got != 50 {
			t.Fatalf("sender refunded %d", got)
		}
	})
	t.Run("unlock twice refused", func(t *testing.T) {
		c.T = t
		c.expectRefused(kc, channels.ErrResolved, unlockMsg(p.id, h1))
		c.expectRefused(kc, channels.ErrResolved, unlockMsg(p.id, h2))
	})
	t.Run("the last lock closes the channel", func(t *testing.T) {
		c.T = t
		c.ok(c.deliver(kc, unlockMsg(p.id, h3))) // expired unclaimed: back to B
		ch := c.channel(p.id)
		if ch.Status != pb.Status_STATUS_CLOSED || ch.PaidA != 900 || ch.PaidB != 1100 || ch.EscrowA+ch.EscrowB != 0 {
			t.Fatalf("final: %v", ch)
		}
		c.expectRefused(kc, channels.ErrResolved, unlockMsg(p.id, h3))
	})
	c.T = t
}

// TestPreimageOneBlockAfterExpiryRefunds pins the boundary exactly: the
// same lock, registration at expiry+1, refunds — even if unlocked at once.
func TestPreimageOneBlockAfterExpiryRefunds(t *testing.T) {
	for _, late := range []bool{false, true} {
		c := newChain(t, 3)
		p := c.open(c.Keys[0], c.Keys[1], 500, 500)
		exp := uint64(c.Height) + 12
		h := state.Hash(secret(9))
		c.closeAndSettle(p, p.withLocks(&pb.Lock{Amount: 77, Hash: h, Expiry: exp, Sender: A}))
		at := int64(exp) - 1 // registers at exp
		if late {
			at = int64(exp) // registers at exp + 1
		}
		c.advanceTo(at)
		c.ok(c.deliver(c.Keys[1], preimageMsg(secret(9))))
		c.ok(c.deliver(c.Keys[2], unlockMsg(p.id, h)))
		ch := c.channel(p.id)
		wantB := uint64(500 + 77)
		if late {
			wantB = 500
		}
		if ch.PaidB != wantB {
			t.Fatalf("late=%v: B paid %d, want %d", late, ch.PaidB, wantB)
		}
	}
}

func TestMultiHopDownstreamClaimsAtLastBlockUpstreamStillClaims(t *testing.T) {
	for _, offchainReveal := range []bool{false, true} {
		name := "on-chain reveal by C"
		if offchainReveal {
			name = "off-chain reveal to B, B registers"
		}
		t.Run(name, func(t *testing.T) {
			c := newChain(t, 4)
			ka, kb, kc := c.Keys[0], c.Keys[1], c.Keys[2]
			ab := c.open(ka, kb, 1000, 1000)
			bc := c.open(kb, kc, 1000, 1000) // B is party A of bc
			h := state.Hash(secret(7))
			now := uint64(c.Height)
			in := &pb.Lock{Amount: 200, Hash: h, Expiry: now + 30, Sender: A}          // A -> B
			out := &pb.Lock{Amount: 200, Hash: h, Expiry: now + 30 - delta, Sender: A} // B -> C
			// The wallet rules: C and B accept only locks they can claim in
			// time, and B forwards only with the delta.
			if err := state.CheckIncoming(in, now, delta); err != nil {
				t.Fatal(err)
			}
			if err := state.CheckForward(in, out, delta); err != nil {
				t.Fatal(err)
			}
			tooTight := proto.Clone(out).(*pb.Lock)
			tooTight.Expiry++
			if err := state.CheckForward(in, tooTight, delta); err == nil {
				t.Fatal("forward with less than the minimum delta accepted")
			}
			sAB := ab.withLocks(in)
			sBC := bc.withLocks(out)

			if !offchainReveal {
				// C registers at the last block its lock allows.
				c.advanceTo(int64(out.Expiry) - 1)
				c.ok(c.deliver(kc, preimageMsg(secret(7))))
			} else {
				// C reveals to B off-chain at the last block and B pays it
				// off-chain; A does not cooperate, so B registers the
				// preimage at the last block the upstream lock allows.
				c.advanceTo(int64(out.Expiry))
				sBC = bc.update(&pb.Op{Kind: state.OpFulfill, Hash: h, Preimage: secret(7)})
				c.advanceTo(int64(in.Expiry) - 1)
				c.ok(c.deliver(kb, preimageMsg(secret(7))))
			}
			if reg := c.keeper().Preimage(c.ctx(), h); reg == nil || (!offchainReveal && reg.Height != out.Expiry) || reg.Height > in.Expiry {
				t.Fatalf("registered %v", reg)
			}
			// Both channels close unilaterally long after both expiries.
			c.advanceTo(int64(in.Expiry) + 10)
			c.closeAndSettle(bc, sBC)
			c.closeAndSettle(ab, sAB)
			if !offchainReveal {
				c.ok(c.deliver(c.Keys[3], unlockMsg(bc.id, h)))
			}
			c.ok(c.deliver(c.Keys[3], unlockMsg(ab.id, h)))
			if got := c.channel(bc.id).PaidB; got != 1200 {
				t.Fatalf("C (downstream) got %d, want 1200", got)
			}
			if got := c.channel(ab.id).PaidB; got != 1200 {
				t.Fatalf("B (upstream receiver) got %d, want 1200", got)
			}
			if c.channel(ab.id).Status != pb.Status_STATUS_CLOSED || c.channel(bc.id).Status != pb.Status_STATUS_CLOSED {
				t.Fatal("channels not closed")
			}
		})
	}
}

// TestBothPartiesLoseStateAfterClose: after A registers its latest state,
// both wallets lose every file. A third party learns everything it needs
// from chain queries (with proofs) and settles; the pending lock resolves.
func TestBothPartiesLoseStateAfterClose(t *testing.T) {
	c := newChain(t, 4)
	p := c.open(c.Keys[0], c.Keys[1], 1000, 1000)
	p.pay(A, 300)
	h := state.Hash(secret(5))
	s := p.withLocks(&pb.Lock{Amount: 100, Hash: h, Expiry: uint64(c.Height) + 50, Sender: A})
	c.ok(c.deliver(p.b, preimageMsg(secret(5))))
	c.ok(c.deliver(p.a, closeMsg(p.id, s)))
	id := hex.EncodeToString(p.id)
	p = nil // both wallets are gone

	q, err := c.App.Query(bg, &abci.RequestQuery{Path: "/channels/channel/" + id, Prove: true})
	if err != nil || q.Code != 0 {
		t.Fatalf("query: %v %s", err, q.Log)
	}
	if err := store.VerifyProof(c.App.Hash(), q.Key, q.Value, q.ProofOps); err != nil {
		t.Fatalf("proof: %v", err)
	}
	ch := &pb.Channel{}
	if err := proto.Unmarshal(q.Value, ch); err != nil {
		t.Fatal(err)
	}
	tower := c.Keys[3]
	c.advanceTo(int64(ch.DisputeDeadline))
	c.ok(c.deliver(tower, settleMsg(ch.Id)))
	for _, l := range ch.Registered.Locks {
		c.ok(c.deliver(tower, unlockMsg(ch.Id, l.Hash)))
	}
	got := c.channel(ch.Id)
	if got.Status != pb.Status_STATUS_CLOSED || got.PaidA != 600 || got.PaidB != 1400 {
		t.Fatalf("settled: %v", got)
	}
}

func TestTopUpKeepsOldStatesValid(t *testing.T) {
	c := newChain(t, 3)
	p := c.open(c.Keys[0], c.Keys[1], 1000, 1000)
	old := p.pay(A, 100)
	c.ok(c.deliver(p.b, msg(channels.MsgTopUpType, &pb.MsgTopUp{ChannelId: p.id, Amount: 500})))
	// A closes with the state signed before the top-up: it stays valid and
	// the top-up goes back to B on settlement.
	c.closeAndSettle(p, old)
	if ch := c.channel(p.id); ch.PaidA != 900 || ch.PaidB != 1600 {
		t.Fatalf("paid %d/%d", ch.PaidA, ch.PaidB)
	}
}

func TestQueries(t *testing.T) {
	c := newChain(t, 3)
	ka, kb := c.Keys[0], c.Keys[1]
	q := func(path string) *abci.ResponseQuery {
		r, err := c.App.Query(bg, &abci.RequestQuery{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	next := q("/channels/next/" + addr(ka).String() + "/" + addr(kb).String())
	if next.Code != 0 || !bytes.Contains(next.Value, []byte(hex.EncodeToString(state.ChannelID(chainID, addr(ka), addr(kb), 0)))) {
		t.Fatalf("next: %s %s", next.Log, next.Value)
	}
	p := c.open(ka, kb, 10, 10)
	if r := q("/channels/party/" + addr(kb).String()); !bytes.Contains(r.Value, []byte(hex.EncodeToString(p.id))) {
		t.Fatalf("party listing %s", r.Value)
	}
	if r := q("/channels/params"); !bytes.Contains(r.Value, []byte(`"dispute_window":"5"`)) {
		t.Fatalf("params %s", r.Value)
	}
	if r := q("/channels/channel/zz"); r.Code == 0 {
		t.Fatal("bad id accepted")
	}
	if r := q("/channels/nonsense"); r.Code != types.ErrNotFound.Code {
		t.Fatalf("unknown query: %d", r.Code)
	}
	_ = bank.FeeCollector
}
