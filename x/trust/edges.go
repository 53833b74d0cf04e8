package trust

import (
	"slices"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// An account's out-edges live in one value, OutEdges at o/<from>, sorted by
// target with one entry per target holding the manual edge, the automatic
// edge, or both. Every change is a read-modify-write of that value, which
// MaxEdgesPerAccount + MaxAutoEdgesPerAccount bound (at most 2,000
// entries by the parameter limits, 128 at the defaults).

// outEdgesOf returns from's stored out-edges (empty if none).
func outEdgesOf(kv types.KVStore, from types.Address) *trustpb.OutEdges {
	var o trustpb.OutEdges
	getProto(kv, key(prefixOut, from), &o)
	return &o
}

func (k Keeper) saveOutEdges(ctx *types.Context, from types.Address, o *trustpb.OutEdges) {
	kv := k.kv(ctx)
	if len(o.Edges) == 0 {
		kv.Delete(key(prefixOut, from))
	} else {
		setProto(kv, key(prefixOut, from), o)
	}
	setU64(kv, keyEdgeVersion, getU64(kv, keyEdgeVersion)+1)
}

// find returns the index of to in o, or where it would go.
func find(o *trustpb.OutEdges, to types.Address) (int, bool) {
	return slices.BinarySearchFunc(o.Edges, to, func(e *trustpb.OutEdge, t types.Address) int {
		return types.Address(e.Target).Compare(t)
	})
}

func counts(o *trustpb.OutEdges) (manual, auto uint32) {
	for _, e := range o.Edges {
		if e.HasManual {
			manual++
		}
		if e.HasAuto {
			auto++
		}
	}
	return manual, auto
}

// Edge returns from's manual edge weight to to.
func (k Keeper) Edge(ctx *types.Context, from, to types.Address) (score.Score, bool) {
	o := outEdgesOf(k.kv(ctx), from)
	if i, ok := find(o, to); ok && o.Edges[i].HasManual {
		return score.Score(o.Edges[i].Manual), true
	}
	return 0, false
}

// AutoEdge returns from's automatic edge to to (its entry, with weight and
// outcome counts).
func (k Keeper) AutoEdge(ctx *types.Context, from, to types.Address) (*trustpb.OutEdge, bool) {
	o := outEdgesOf(k.kv(ctx), from)
	if i, ok := find(o, to); ok && o.Edges[i].HasAuto {
		return o.Edges[i], true
	}
	return nil, false
}

// EdgeCount returns how many manual and automatic edges a holds.
func (k Keeper) EdgeCount(ctx *types.Context, a types.Address) (manual, auto uint32) {
	return counts(outEdgesOf(k.kv(ctx), a))
}

// SetEdge creates or overwrites from's manual edge to to. It refuses a
// self-edge, a weight outside [-1, 1] and a new edge beyond
// MaxEdgesPerAccount; on error nothing is written. It returns the previous
// weight, if any.
func (k Keeper) SetEdge(ctx *types.Context, from, to types.Address, w score.Score) (prev score.Score, existed bool, err error) {
	if from == to {
		return 0, false, ErrSelfEdge.Wrapf("%s cannot set an edge to itself", from)
	}
	if w < -score.One || w > score.One {
		return 0, false, ErrWeightRange.Wrapf("%v (%d parts per 10^9)", w, int64(w))
	}
	o := outEdgesOf(k.kv(ctx), from)
	i, found := find(o, to)
	if found && o.Edges[i].HasManual {
		prev, existed = score.Score(o.Edges[i].Manual), true
	} else if manual, _ := counts(o); manual >= k.Params(ctx).MaxEdgesPerAccount {
		return 0, false, ErrTooManyEdges.Wrapf("%s already has %d trust edges, the maximum; remove one first (pasteld trust remove TARGET)", from, manual)
	}
	if !found {
		o.Edges = slices.Insert(o.Edges, i, &trustpb.OutEdge{Target: to[:]})
	}
	o.Edges[i].HasManual, o.Edges[i].Manual = true, int64(w)
	k.saveOutEdges(ctx, from, o)
	return prev, existed, nil
}

// RemoveEdge deletes from's manual edge to to (an automatic edge between
// the two, if any, stays and counts again). It fails with ErrNoEdge if
// there is none.
func (k Keeper) RemoveEdge(ctx *types.Context, from, to types.Address) (prev score.Score, err error) {
	o := outEdgesOf(k.kv(ctx), from)
	i, found := find(o, to)
	if !found || !o.Edges[i].HasManual {
		return 0, ErrNoEdge.Wrapf("%s has no trust edge to %s", from, to)
	}
	prev = score.Score(o.Edges[i].Manual)
	if o.Edges[i].HasAuto {
		o.Edges[i].HasManual, o.Edges[i].Manual = false, 0
	} else {
		o.Edges = slices.Delete(o.Edges, i, i+1)
	}
	k.saveOutEdges(ctx, from, o)
	return prev, nil
}

// OutEdge is one of an account's outgoing edges as a query reports it.
type OutEdge struct {
	To     types.Address
	Weight score.Score
	// Auto is true for an automatic edge; Effective is false for an
	// automatic edge hidden by a manual edge to the same target.
	Auto, Effective bool
	// Height, Good and Bad are the automatic edge's last update and its
	// outcome counts.
	Height    int64
	Good, Bad uint64
}

// OutEdges lists a's manual edges, then its automatic edges, each by
// target.
func (k Keeper) OutEdges(ctx *types.Context, a types.Address) []OutEdge {
	return listOutEdges(outEdgesOf(k.kv(ctx), a))
}

func listOutEdges(o *trustpb.OutEdges) []OutEdge {
	var out []OutEdge
	for _, e := range o.Edges {
		if e.HasManual {
			out = append(out, OutEdge{To: types.Address(e.Target), Weight: score.Score(e.Manual), Effective: true})
		}
	}
	for _, e := range o.Edges {
		if e.HasAuto {
			out = append(out, OutEdge{To: types.Address(e.Target), Weight: score.Score(e.Auto), Auto: true, Effective: !e.HasManual,
				Height: e.AutoHeight, Good: e.Good, Bad: e.Bad})
		}
	}
	return out
}
