package trust_test

import (
	"testing"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/trust"
	"github.com/pastelchain/pastel/x/trust/score"
)

// trustForStorage is the interface the storage and rewards modules are
// expected to declare where they use trust; the Keeper must satisfy it.
type trustForStorage interface {
	Score(ctx *types.Context, a types.Address) (combined score.Score, known bool)
	IsDistrusted(ctx *types.Context, a types.Address) bool
	RecordOutcome(ctx *types.Context, from, to types.Address, good bool) error
	VotingPower(ctx *types.Context, a types.Address, collateral uint64, standing trust.Standing) int64
}

var _ trustForStorage = trust.Keeper{}

// TestConsumerView reads scores the way another module would, from a chain
// after an epoch: known and distrusted identities, and voting power that
// follows trust and standing.
func TestConsumerView(t *testing.T) {
	c := newChain(t, 4, trustGenesis(3, testKeyAddr(0)))
	c.block()
	c.mustBlock(c.signed(0, setMsg(c.addr(1), score.One), setMsg(c.addr(2), -score.One)))
	c.untilEpoch(3)
	var k trustForStorage = trust.Keeper{}
	ctx := c.ctx()
	s1, ok1 := k.Score(ctx, c.addr(1))
	s2, ok2 := k.Score(ctx, c.addr(2))
	_, ok3 := k.Score(ctx, c.addr(3))
	if !ok1 || !ok2 || ok3 || s1 <= 0 || s2 >= 0 {
		t.Fatalf("scores: %v %v / %v %v / unknown %v", s1, ok1, s2, ok2, ok3)
	}
	if k.IsDistrusted(ctx, c.addr(1)) || !k.IsDistrusted(ctx, c.addr(2)) || k.IsDistrusted(ctx, c.addr(3)) {
		t.Fatal("IsDistrusted")
	}
	const collateral = 1_000_000 * 1_000_000_000 // 1M PSL
	p1 := k.VotingPower(ctx, c.addr(1), collateral, trust.InGoodStanding)
	p3 := k.VotingPower(ctx, c.addr(3), collateral, trust.InGoodStanding)
	if p1 <= p3 || p3 != collateral/1_000_000_000/2 {
		t.Fatalf("power: trusted %d, unknown %d", p1, p3)
	}
	if k.VotingPower(ctx, c.addr(2), collateral, trust.InGoodStanding) != 0 || k.VotingPower(ctx, c.addr(1), collateral, trust.Jailed) != 0 {
		t.Fatal("distrusted or jailed node has power")
	}
	if pp := k.VotingPower(ctx, c.addr(1), collateral, trust.Penalized); pp != p1/2 {
		t.Fatalf("penalized %d, good %d", pp, p1)
	}
}
