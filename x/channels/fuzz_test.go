package channels_test

import (
	"errors"
	"testing"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/channels"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

// FuzzMessages feeds arbitrary bytes to every channels message type the way
// the app does (strict decode, stateless Validate, handler) against a chain
// with open, disputed and settled channels and a published event. Nothing
// may panic, every refusal must be a registered error (never an internal
// one), and after an accepted message the supply and escrow invariants
// must still hold.
func FuzzMessages(f *testing.F) {
	c := newChain(f, 4)
	ka, kb, ko := c.Keys[0], c.Keys[1], c.Keys[2]
	for _, k := range c.Keys {
		c.ok(c.deliver(k, preimageMsg(state.Hash([]byte(addr(k).String())))))
	}
	open := c.open(ka, kb, 1000, 1000)
	open.pay(A, 10)
	h := state.Hash(secret(1))
	open.withLocks(&pb.Lock{Amount: 5, Hash: h, Expiry: 40, Sender: B})
	disputed := c.open(ka, kb, 500, 500)
	disputed.pay(B, 1)
	disputed.pay(B, 1)
	c.ok(c.deliver(ka, closeMsg(disputed.id, disputed.states[0])))
	settled := c.open(kb, ka, 300, 300)
	c.closeAndSettle(settled, settled.withLocks(&pb.Lock{Amount: 7, Hash: h, Expiry: 50, Sender: A}))
	ev := announce(f, ko, "ev", 3, 60)
	c.publish(ka, ev.ann)

	routes := channels.NewModule().Routes()
	add := func(i int, tm *txpb.Msg) {
		for j, r := range routes {
			if r.Type == tm.Type {
				f.Add(uint8(j), uint8(i), tm.Value)
			}
		}
	}
	add(0, closeMsg(open.id, open.latest))
	add(1, disputeMsg(disputed.latest))
	add(0, coopMsg(open.update(&pb.Op{Kind: state.OpPay, Party: A, Amount: 1})))
	add(2, settleMsg(disputed.id))
	add(3, unlockMsg(settled.id, h))
	add(3, preimageMsg(secret(1)))
	add(2, msg(channels.MsgRevealOutcomeType, revealMsg(ev, ev.preimages[1])))
	add(2, msg(channels.MsgPublishEventType, &pb.MsgPublishEvent{Announcement: ev.ann}))
	add(2, msg(channels.MsgOracleBondType, &pb.MsgOracleBond{Amount: 9}))
	add(0, msg(channels.MsgTopUpType, &pb.MsgTopUp{ChannelId: open.id, Amount: 3}))
	add(1, msg(channels.MsgResolveBetType, resolveMsg(settled.id, ev)))
	m, _ := c.openMsg(ka, kb, 10, 10, c.keeper().NextCounter(c.ctx(), addr(ka), addr(kb)))
	add(0, msg(channels.MsgOpenType, m))

	f.Fuzz(func(t *testing.T, route, signer uint8, value []byte) {
		r := routes[int(route)%len(routes)]
		m := r.New()
		if err := tx.DecodeMsg(value, m); err != nil {
			return
		}
		if err := r.Validate(m); err != nil {
			requireRegistered(t, err)
			return
		}
		ctx := c.App.CommittedContext() // a cache over the committed state
		ctx.Height++
		if err := r.Handler(ctx, addr(c.Keys[int(signer)%len(c.Keys)]), m); err != nil {
			requireRegistered(t, err)
			return
		}
		if err := c.bank().CheckInvariant(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.keeper().CheckInvariant(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func requireRegistered(t *testing.T, err error) {
	t.Helper()
	var e *types.Error
	if !errors.As(err, &e) {
		t.Fatalf("unregistered error (would be an internal error): %v", err)
	}
}
