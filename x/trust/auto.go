package trust

import (
	"fmt"
	"slices"

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
	o := outEdgesOf(k.kv(ctx), from)
	i, found := find(o, to)
	if !found || !o.Edges[i].HasAuto {
		if _, auto := counts(o); auto >= p.MaxAutoEdgesPerAccount {
			v := weakestAuto(o)
			ctx.EmitEvent("trust_auto_edge_evicted", "truster", from.String(), "target", types.Address(o.Edges[v].Target).String())
			if o.Edges[v].HasManual {
				o.Edges[v].HasAuto, o.Edges[v].Auto, o.Edges[v].Good, o.Edges[v].Bad, o.Edges[v].AutoHeight = false, 0, 0, 0, 0
			} else {
				o.Edges = slices.Delete(o.Edges, v, v+1)
			}
			i, found = find(o, to)
		}
		if !found {
			o.Edges = slices.Insert(o.Edges, i, &trustpb.OutEdge{Target: to[:]})
		}
	}
	e := o.Edges[i]
	w := score.Score(e.Auto)
	if good {
		w = StepTowards(w, score.One, score.Score(p.AutoGoodStep))
		e.Good++
	} else {
		w = StepTowards(w, -score.One, score.Score(p.AutoBadStep))
		e.Bad++
	}
	e.HasAuto, e.Auto, e.AutoHeight = true, int64(w), ctx.Height
	k.saveOutEdges(ctx, from, o)
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

// weakestAuto returns the index of the automatic edge closest to neutral
// (see RecordOutcome); o has at least one.
func weakestAuto(o *trustpb.OutEdges) int {
	best := -1
	var bestW score.Score
	for i, e := range o.Edges {
		if !e.HasAuto {
			continue
		}
		w := score.Score(e.Auto)
		if w < 0 {
			w = -w
		}
		// Entries are in address order, so ties keep the lower address.
		if best < 0 || w < bestW || (w == bestW && e.AutoHeight < o.Edges[best].AutoHeight) {
			best, bestW = i, w
		}
	}
	if best < 0 {
		panic("trust: no automatic edge to evict")
	}
	return best
}
