package channels_test

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/channels"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

// event is an oracle's announcement and the preimages only it knows.
type event struct {
	ann       *pb.EventAnnouncement
	preimages [][]byte
	oracle    string
	hash      []byte
}

func announce(t testing.TB, k secp256k1.PrivKey, id string, outcomes int, deadline uint64) *event {
	t.Helper()
	var pre [][]byte
	for i := 0; i < outcomes; i++ {
		pre = append(pre, state.Hash([]byte(id+"/outcome/"+string(rune('0'+i)))))
	}
	a, err := state.Announce(chainID, k, []byte(id), pre, deadline)
	if err != nil {
		t.Fatal(err)
	}
	terms, err := state.VerifyAnnouncement(chainID, a)
	if err != nil {
		t.Fatal(err)
	}
	return &event{ann: a, preimages: pre, oracle: terms.Oracle, hash: state.EventHash(chainID, terms)}
}

func (e *event) bet(stakeA, stakeB uint64, payoutA ...uint64) *pb.Bet {
	return &pb.Bet{Oracle: e.oracle, EventId: e.ann.EventId, EventHash: e.hash, Deadline: e.ann.Deadline, StakeA: stakeA, StakeB: stakeB, PayoutA: payoutA}
}

func (c *chain) publish(from secp256k1.PrivKey, a *pb.EventAnnouncement) {
	c.T.Helper()
	c.ok(c.deliver(from, msg(channels.MsgPublishEventType, &pb.MsgPublishEvent{Announcement: a})))
}

func revealMsg(e *event, preimage []byte) *pb.MsgRevealOutcome {
	return &pb.MsgRevealOutcome{Oracle: e.oracle, EventId: e.ann.EventId, Preimage: preimage}
}

func resolveMsg(id []byte, e *event) *pb.MsgResolveBet {
	return &pb.MsgResolveBet{ChannelId: id, Oracle: e.oracle, EventId: e.ann.EventId}
}

func TestOracleBets(t *testing.T) {
	c := newChain(t, 5)
	ka, kb, ko, anyone := c.Keys[0], c.Keys[1], c.Keys[2], c.Keys[3]
	c.ok(c.deliver(ko, msg(channels.MsgOracleBondType, &pb.MsgOracleBond{Amount: 5000})))
	deadline := uint64(c.Height) + 30
	win := announce(t, ko, "match-1", 3, deadline)   // revealed honestly
	cheat := announce(t, ko, "match-2", 2, deadline) // the oracle equivocates
	silent := announce(t, ko, "match-3", 2, deadline)

	p := c.open(ka, kb, 1000, 1000)
	p.update(&pb.Op{Kind: state.OpBet, Bet: win.bet(100, 100, 200, 0, 50)})
	s := p.update(&pb.Op{Kind: state.OpBet, Bet: cheat.bet(100, 100, 200, 0)})
	q := c.open(ka, c.Keys[4], 1000, 1000)
	sq := q.update(&pb.Op{Kind: state.OpBet, Bet: silent.bet(300, 100, 400, 0)})

	t.Run("unknown preimage refused", func(t *testing.T) {
		c.T = t
		c.expectRefused(anyone, channels.ErrEventNotFound, msg(channels.MsgRevealOutcomeType, revealMsg(win, win.preimages[0])))
		c.publish(anyone, win.ann)
		c.publish(anyone, cheat.ann)
		c.expectRefused(anyone, channels.ErrDuplicate, msg(channels.MsgPublishEventType, &pb.MsgPublishEvent{Announcement: win.ann}))
		c.expectRefused(anyone, state.ErrUnknownPreimage, msg(channels.MsgRevealOutcomeType, revealMsg(win, secret(1))))
		c.expectRefused(anyone, state.ErrUnknownPreimage, msg(channels.MsgRevealOutcomeType, revealMsg(win, cheat.preimages[0])))
		forged := proto.Clone(win.ann).(*pb.EventAnnouncement)
		forged.Deadline++
		c.expectRefused(anyone, state.ErrBadSignature, msg(channels.MsgPublishEventType, &pb.MsgPublishEvent{Announcement: forged}))
	})
	t.Run("reveal decides the bet after its deadline", func(t *testing.T) {
		c.T = t
		c.ok(c.deliver(ko, msg(channels.MsgRevealOutcomeType, revealMsg(win, win.preimages[2]))))
		c.expectRefused(anyone, channels.ErrDuplicate, msg(channels.MsgRevealOutcomeType, revealMsg(win, win.preimages[2])))
		c.closeAndSettle(p, s)
		if ch := c.channel(p.id); ch.Status != pb.Status_STATUS_SETTLED || ch.PaidA != 800 || ch.PaidB != 800 {
			t.Fatalf("settled %v", ch)
		}
		c.expectRefused(anyone, channels.ErrNotYet, msg(channels.MsgResolveBetType, resolveMsg(p.id, win)))
	})
	t.Run("equivocation proven", func(t *testing.T) {
		c.T = t
		c.ok(c.deliver(ko, msg(channels.MsgRevealOutcomeType, revealMsg(cheat, cheat.preimages[0]))))
		fc := c.bank().Account(c.ctx(), bank.FeeCollector).Balance
		// The second outcome's preimage could only come from the oracle.
		c.ok(c.deliver(anyone, msg(channels.MsgRevealOutcomeType, revealMsg(cheat, cheat.preimages[1]))))
		o := c.keeper().Oracle(c.ctx(), addr(ko))
		if !o.Flagged || o.Bond != 0 || o.Slashed != 5000 {
			t.Fatalf("oracle after fraud: %v", o)
		}
		if c.account(ko).Locked != 0 {
			t.Fatal("bond still locked")
		}
		if got := c.bank().Account(c.ctx(), bank.FeeCollector).Balance - fc; got != 5000+fee {
			t.Fatalf("fee collector got %d, want the bond 5000 plus the fee", got)
		}
		c.expectRefused(ko, channels.ErrOracle, msg(channels.MsgOracleBondType, &pb.MsgOracleBond{Amount: 1}))
		c.expectRefused(anyone, channels.ErrDuplicate, msg(channels.MsgRevealOutcomeType, revealMsg(cheat, cheat.preimages[1])))
	})
	t.Run("no reveal refunds, cheated event refunds", func(t *testing.T) {
		c.T = t
		c.closeAndSettle(q, sq)
		c.advanceTo(int64(deadline))
		c.ok(c.deliver(anyone, msg(channels.MsgResolveBetType, resolveMsg(q.id, silent))))
		if ch := c.channel(q.id); ch.Status != pb.Status_STATUS_CLOSED || ch.PaidA != 1000 || ch.PaidB != 1000 {
			t.Fatalf("silent event: %v", ch)
		}
		c.ok(c.deliver(anyone, msg(channels.MsgResolveBetType, resolveMsg(p.id, cheat))))
		c.ok(c.deliver(anyone, msg(channels.MsgResolveBetType, resolveMsg(p.id, win))))
		ch := c.channel(p.id)
		// Bet on "win": the oracle is flagged by then, so it refunds too
		// (100/100); "cheat" refunds (100/100).
		if ch.Status != pb.Status_STATUS_CLOSED || ch.PaidA != 1000 || ch.PaidB != 1000 {
			t.Fatalf("after bets: %v", ch)
		}
		c.expectRefused(anyone, channels.ErrResolved, msg(channels.MsgResolveBetType, resolveMsg(p.id, win)))
	})
	c.T = t
}

func TestOracleHonestPayoutConflictingAnnouncementsAndUnbond(t *testing.T) {
	c := newChain(t, 4)
	ka, kb, ko := c.Keys[0], c.Keys[1], c.Keys[2]
	c.ok(c.deliver(ko, msg(channels.MsgOracleBondType, &pb.MsgOracleBond{Amount: 700})))
	deadline := uint64(c.Height) + 20
	ev := announce(t, ko, "race", 2, deadline)
	p := c.open(ka, kb, 500, 500)
	s := p.update(&pb.Op{Kind: state.OpBet, Bet: ev.bet(200, 100, 0, 300)})
	c.publish(ka, ev.ann)
	c.ok(c.deliver(kb, msg(channels.MsgRevealOutcomeType, revealMsg(ev, ev.preimages[1]))))
	c.closeAndSettle(p, s)
	c.expectRefused(ko, channels.ErrNotYet, msg(channels.MsgOracleUnbondType, &pb.MsgOracleUnbond{}))
	c.advanceTo(int64(deadline))
	c.ok(c.deliver(kb, msg(channels.MsgResolveBetType, resolveMsg(p.id, ev))))
	if ch := c.channel(p.id); ch.PaidA != 300+300 || ch.PaidB != 400 {
		t.Fatalf("honest outcome 1 pays A 300: %v", ch)
	}
	// Unbond after the last deadline plus the delay.
	c.advanceTo(int64(deadline) + 5)
	c.ok(c.deliver(ko, msg(channels.MsgOracleUnbondType, &pb.MsgOracleUnbond{})))
	if c.account(ko).Locked != 0 {
		t.Fatal("bond not returned")
	}
	// A second, different signed list for the same event is fraud too.
	other := announce(t, ko, "race", 3, deadline)
	c.publish(ka, other.ann)
	if o := c.keeper().Oracle(c.ctx(), addr(ko)); !o.Flagged {
		t.Fatalf("conflicting announcements not flagged: %v", o)
	}
	if e := c.keeper().Event(c.ctx(), addr(ko), []byte("race")); !e.Equivocated || !bytes.Contains([]byte(e.Fraud), []byte("two different announcements")) {
		t.Fatalf("event %v", e)
	}
}
