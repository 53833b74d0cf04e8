package score

import (
	"errors"
	"fmt"
)

// ErrRows reports compressed rows that NewGraphRows cannot take: identities
// out of order, bad row boundaries or targets out of range.
var ErrRows = errors.New("score: malformed rows")

// NewGraphRows builds the graph that NewGraph builds from the same edges and
// identities, for a caller that already holds them interned and sorted, as
// the chain's walk over the store does. It skips NewGraph's hash interning
// and sorting, which dominate NewGraph's cost on large graphs.
//
// ids must be sorted and unique (the identity with index i is ids[i]); the
// out-edges of ids[i] are to[start[i]:start[i+1]] with weights
// w[start[i]:start[i+1]] in parts per 10^9, each row sorted by target. Every
// identity that an edge names must be in ids, by index. NewGraphRows keeps
// ids, start, to and w (the caller must not modify them afterwards).
//
// It rejects the same inputs as NewGraph (empty identity, weight outside
// [-One, One], self-edge, duplicate edge), reported for the first bad edge in
// row order, and malformed rows (ErrRows).
func NewGraphRows(ids []string, start, to, w []int32) (*Graph, error) {
	n := len(ids)
	if n >= 1<<31-1 || len(to) >= 1<<31-1 {
		return nil, fmt.Errorf("%w: %d identities, %d edges", ErrTooLarge, n, len(to))
	}
	if len(start) != n+1 || start[0] != 0 || int(start[n]) != len(to) || len(w) != len(to) {
		return nil, fmt.Errorf("%w: %d row starts for %d identities, %d targets, %d weights", ErrRows, len(start), n, len(to), len(w))
	}
	for i, s := range ids {
		if s == "" {
			return nil, fmt.Errorf("%w in identity list", ErrEmptyIdentity)
		}
		if i > 0 && ids[i-1] >= s {
			return nil, fmt.Errorf("%w: identity %q after %q", ErrRows, s, ids[i-1])
		}
	}
	for i := 0; i < n; i++ {
		lo, hi := start[i], start[i+1]
		if lo > hi {
			return nil, fmt.Errorf("%w: row %d ends before it starts", ErrRows, i)
		}
		for k := lo; k < hi; k++ {
			v, wk := to[k], w[k]
			switch {
			case v < 0 || int(v) >= n:
				return nil, fmt.Errorf("%w: target %d of %q out of range", ErrRows, v, ids[i])
			case int(v) == i:
				return nil, fmt.Errorf("%w %q -> %q", ErrSelfEdge, ids[i], ids[i])
			case wk < -int32(One) || wk > int32(One):
				return nil, fmt.Errorf("%w: %q -> %q weight %v (%d parts per 10^9)", ErrWeightRange, ids[i], ids[v], Score(wk), wk)
			case k > lo && to[k-1] == v:
				return nil, fmt.Errorf("%w %q -> %q", ErrDuplicateEdge, ids[i], ids[v])
			case k > lo && to[k-1] > v:
				return nil, fmt.Errorf("%w: out-edges of %q not sorted by target", ErrRows, ids[i])
			}
		}
	}
	g := &Graph{ids: ids, outStart: start, outTo: to, outW: w}
	// In-edges in (To, From) order: a stable counting sort by target of the
	// edges, which are in (From, To) order already; the same as NewGraph.
	g.inStart = make([]int32, n+1)
	for _, v := range to {
		g.inStart[v+1]++
	}
	for i := 0; i < n; i++ {
		g.inStart[i+1] += g.inStart[i]
	}
	next := make([]int32, n)
	copy(next, g.inStart[:n])
	g.inFrom, g.inW = make([]int32, len(to)), make([]int32, len(to))
	for i := 0; i < n; i++ {
		for k := start[i]; k < start[i+1]; k++ {
			v := to[k]
			at := next[v]
			next[v]++
			g.inFrom[at], g.inW[at] = int32(i), w[k]
		}
	}
	return g, nil
}

// Edges returns every edge of g in (From, To) order.
func (g *Graph) Edges() []Edge {
	out := make([]Edge, 0, len(g.outTo))
	for i := range g.ids {
		for k := g.outStart[i]; k < g.outStart[i+1]; k++ {
			out = append(out, Edge{From: g.ids[i], To: g.ids[g.outTo[k]], Weight: Score(g.outW[k])})
		}
	}
	return out
}
