package trust

import (
	"fmt"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// RecordOutcome moves from's automatic edge to to after an interaction the
// chain has verified: good is a passed storage challenge or a chunk served
// and verified, bad a failed or missed one. Other modules call it (storage
// challenges, chunk transfer confirmations); it is not a message, so nobody
// can report outcomes the chain did not see.
//
// The update is an exponential moving average in fixed point, starting at
// 0 for a new edge:
//
//	good: w ← w + ⌊g·(1 − w)⌋       g = AutoGoodStep (default 0.05)
//	bad:  w ← w + ⌊b·(−1 − w)⌋      b = AutoBadStep  (default 0.2)
//
// Each step is a convex combination of w and ±1, so w stays in [−1, 1]
// whatever the sequence; one failure undoes about four successes at the
// defaults. The edge also counts its good and bad outcomes.
//
// An automatic edge is the edge from → to in the epoch only while from has
// no manual edge to to: an explicit statement wins. Automatic edges are
// bounded per account by MaxAutoEdgesPerAccount: a new target beyond it
// evicts the automatic edge closest to neutral (smallest |w|, then the
// least recently updated, then the lowest address), which costs one scan of
// at most that many edges. With MaxAutoEdgesPerAccount = 0 RecordOutcome
// does nothing. It fails only for a self-edge, writing nothing.
func (k Keeper) RecordOutcome(ctx *types.Context, from, to types.Address, good bool) error {
	if from == to {
		return ErrSelfEdge.Wrapf("outcome of %s about itself", from)
	}
	p := k.Params(ctx)
	if p.MaxAutoEdgesPerAccount == 0 {
		return nil
	}
	kv := k.kv(ctx)
	e, ok := k.AutoEdge(ctx, from, to)
	if !ok {
		c := k.EdgeCount(ctx, from)
		if c.Auto >= p.MaxAutoEdgesPerAccount {
			victim := k.weakestAuto(ctx, from)
			kv.Delete(key(prefixAuto, from, victim))
			ctx.EmitEvent("trust_auto_edge_evicted", "truster", from.String(), "target", victim.String())
		} else {
			c.Auto++
			k.setEdgeCount(ctx, from, c)
		}
		e = &trustpb.AutoEdge{}
	}
	w := score.Score(e.Weight)
	if good {
		w = StepTowards(w, score.One, score.Score(p.AutoGoodStep))
		e.Good++
	} else {
		w = StepTowards(w, -score.One, score.Score(p.AutoBadStep))
		e.Bad++
	}
	e.Weight, e.Height = int64(w), ctx.Height
	setProto(kv, key(prefixAuto, from, to), e)
	k.edgesChanged(ctx)
	ctx.EmitEvent("trust_auto_edge", "truster", from.String(), "target", to.String(), "weight", w.String(), "good", fmt.Sprint(good))
	return nil
}

// StepTowards returns w + ⌊step·(target − w)⌋ in parts per 10^9: w moved the
// fraction step of the way to target. For w, target in [−1, 1] and step in
// [0, 1] the result lies between w and target.
func StepTowards(w, target, step score.Score) score.Score {
	d := int64(target - w) // |d| ≤ 2·10^9, |step·d| ≤ 2·10^18 < 2^63
	return w + score.Score(floorDiv(int64(step)*d, int64(score.One)))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// weakestAuto returns from's automatic edge closest to neutral (see
// RecordOutcome).
func (k Keeper) weakestAuto(ctx *types.Context, from types.Address) types.Address {
	var best types.Address
	var bestW score.Score
	var bestH int64
	found := false
	forEach(k.kv(ctx), key(prefixAuto, from), func(to types.Address, v []byte) {
		var e trustpb.AutoEdge
		mustUnmarshal(v, &e)
		w := score.Score(e.Weight)
		if w < 0 {
			w = -w
		}
		// Keys come in address order, so ties keep the lower address.
		if !found || w < bestW || (w == bestW && e.Height < bestH) {
			best, bestW, bestH, found = to, w, e.Height, true
		}
	})
	if !found {
		panic(fmt.Sprintf("trust: %s counts automatic edges but has none", from))
	}
	return best
}
