package channels_test

import (
	"bytes"
	"testing"

	"github.com/pastelchain/pastel/x/channels"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

// scenario exercises every message type; it must produce the same AppHash
// at every height whether or not the app restarts between blocks.
func scenario(t *testing.T, reopen bool) [][]byte {
	c := newChain(t, 5)
	c.ReopenEachBlock = reopen
	ka, kb, kc, ko := c.Keys[0], c.Keys[1], c.Keys[2], c.Keys[3]
	c.ok(c.deliver(ko, msg(channels.MsgOracleBondType, &pb.MsgOracleBond{Amount: 100})))
	ev := announce(t, ko, "det", 2, uint64(c.Height)+15)
	p := c.open(ka, kb, 1000, 1000)
	q := c.open(kb, kc, 500, 500)
	c.ok(c.deliver(kc, msg(channels.MsgTopUpType, &pb.MsgTopUp{ChannelId: q.id, Amount: 50})))
	p.pay(A, 10)
	h := state.Hash(secret(1))
	p.withLocks(&pb.Lock{Amount: 20, Hash: h, Expiry: uint64(c.Height) + 30, Sender: A})
	s := p.update(&pb.Op{Kind: state.OpBet, Bet: ev.bet(5, 5, 10, 0)})
	q.pay(B, 7)
	c.ok(c.deliver(kc, coopMsg(q.update(&pb.Op{Kind: state.OpFinal}))))
	c.publish(kc, ev.ann)
	c.ok(c.deliver(ko, msg(channels.MsgRevealOutcomeType, revealMsg(ev, ev.preimages[0]))))
	c.ok(c.deliver(kb, preimageMsg(secret(1))))
	c.ok(c.deliver(ka, closeMsg(p.id, p.states[0])))
	c.ok(c.deliver(kc, disputeMsg(s)))
	c.advanceTo(int64(ev.ann.Deadline) + 1)
	c.ok(c.deliver(kc, settleMsg(p.id)))
	c.ok(c.deliver(kc, unlockMsg(p.id, h)))
	c.ok(c.deliver(kc, msg(channels.MsgResolveBetType, resolveMsg(p.id, ev))))
	if ch := c.channel(p.id); ch.Status != pb.Status_STATUS_CLOSED || ch.PaidA != 1000-10-20+5 || ch.PaidB != 1000+10+20-5 {
		t.Fatalf("final %v", ch)
	}
	return c.hashes
}

func TestRestartBetweenBlocksGivesSameAppHash(t *testing.T) {
	straight := scenario(t, false)
	restarted := scenario(t, true)
	if len(straight) != len(restarted) {
		t.Fatalf("%d vs %d blocks", len(straight), len(restarted))
	}
	for i := range straight {
		if !bytes.Equal(straight[i], restarted[i]) {
			t.Fatalf("block %d: AppHash %X vs %X", i+1, straight[i], restarted[i])
		}
	}
}
