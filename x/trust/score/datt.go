package score

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// ErrParams reports parameters outside their documented ranges.
var ErrParams = errors.New("score: bad parameters")

// DATTParams bounds and shapes the DATT expansion.
type DATTParams struct {
	// MaxRank is the deepest rank scored; the seeds are rank 0, so 0 scores
	// only the seeds. Must be ≥ 0.
	MaxRank int
	// MaxNodes is the most identities scored, seeds included. Must be at
	// least the number of seeds.
	MaxNodes int
	// Decay multiplies every score at rank ≥ 1, once per rank, so a node at
	// rank r carries the decay r times along its path. In (0, One]; One means
	// no decay.
	Decay Score
	// MinPropagate is the smallest score that propagates: a node scored below
	// it (in particular a negative or zero score) is scored but is nobody's
	// predecessor. In [1, One].
	MinPropagate Score
}

// DefaultDATTParams returns MaxRank 8, MaxNodes 2^20, no decay and
// MinPropagate 0.001.
func DefaultDATTParams() DATTParams {
	return DATTParams{MaxRank: 8, MaxNodes: 1 << 20, Decay: One, MinPropagate: One / 1000}
}

// Validate reports whether p is within its documented ranges.
func (p DATTParams) Validate() error {
	switch {
	case p.MaxRank < 0:
		return fmt.Errorf("%w: DATT MaxRank %d < 0", ErrParams, p.MaxRank)
	case p.MaxNodes < 1:
		return fmt.Errorf("%w: DATT MaxNodes %d < 1", ErrParams, p.MaxNodes)
	case p.Decay <= 0 || p.Decay > One:
		return fmt.Errorf("%w: DATT Decay %v outside (0, 1]", ErrParams, p.Decay)
	case p.MinPropagate < 1 || p.MinPropagate > One:
		return fmt.Errorf("%w: DATT MinPropagate %v outside [0.000000001, 1]", ErrParams, p.MinPropagate)
	}
	return nil
}

// Truncation says why a DATT expansion stopped before reaching every
// identity reachable through propagating nodes.
type Truncation int

const (
	// Complete: every identity reachable from the seeds through nodes that
	// propagate was scored.
	Complete Truncation = iota
	// StoppedAtMaxRank: nodes at MaxRank propagate to unscored identities.
	StoppedAtMaxRank
	// StoppedAtMaxNodes: the rank that crossed MaxNodes was scored only in
	// part (highest scores first, ties by identity) and expansion stopped.
	StoppedAtMaxNodes
)

func (t Truncation) String() string {
	switch t {
	case Complete:
		return "complete"
	case StoppedAtMaxRank:
		return "stopped at max rank"
	case StoppedAtMaxNodes:
		return "stopped at max nodes"
	}
	return fmt.Sprintf("Truncation(%d)", int(t))
}

// DATTResult holds the DATT scores of one expansion. Identities not reached
// have no score (Lookup reports ok == false).
type DATTResult struct {
	// Ranks is the deepest rank that holds a scored identity.
	Ranks int
	// Scored is the number of identities scored, seeds included.
	Scored int
	// Truncated says whether and why the expansion stopped early.
	Truncated Truncation

	g      *Graph
	params DATTParams
	score  []Score
	rank   []int32 // -1: not scored
}

// DATT computes distributed transitive trust outward from seeds, rank by rank.
//
// The seeds are rank 0 with score One. Rank r holds every unscored identity
// with an edge from a rank r-1 identity that propagates (score ≥
// MinPropagate); its score is the score-weighted mean, over those
// predecessors p, of the path product s(p)·w(p,v), times the decay:
//
//	s(v) = Decay · Σ_p s(p)·(s(p)·w(p,v)) / Σ_p s(p)
//
// computed exactly and rounded once toward negative infinity (then once more
// for a Decay below One). A scored identity keeps its score: later ranks and
// cycles never overwrite it.
//
// Work is bounded by the parameters, not by the graph: at most MaxNodes
// identities are scored and only their out-edges are read. On reaching a
// bound the expansion truncates deterministically (see Truncation) and
// returns no error; errors are for bad seeds or parameters only.
func DATT(g *Graph, seeds []string, p DATTParams) (*DATTResult, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	seedIdx, err := g.seedIndexes(seeds)
	if err != nil {
		return nil, err
	}
	if len(seedIdx) > p.MaxNodes {
		return nil, fmt.Errorf("%w: %d seeds > DATT MaxNodes %d", ErrParams, len(seedIdx), p.MaxNodes)
	}
	n := g.Len()
	r := &DATTResult{g: g, params: p, score: make([]Score, n), rank: make([]int32, n)}
	for i := range r.rank {
		r.rank[i] = -1
	}
	frontier := make([]int32, 0, len(seedIdx))
	for _, s := range seedIdx {
		r.score[s], r.rank[s] = One, 0
		frontier = append(frontier, s) // One ≥ MinPropagate
	}
	r.Scored = len(seedIdx)

	num := make([]i128, n) // Σ s(p)²·w(p,v), exact
	den := make([]uint64, n)
	var cand []int32
	for rank := int32(1); len(frontier) > 0; rank++ {
		if int(rank) > p.MaxRank {
			if r.reachesUnscored(frontier) {
				r.Truncated = StoppedAtMaxRank
			}
			break
		}
		cand = cand[:0]
		for _, u := range frontier {
			su := r.score[u]
			s2 := uint64(su) * uint64(su)
			for k := g.outStart[u]; k < g.outStart[u+1]; k++ {
				v := g.outTo[k]
				switch r.rank[v] {
				case -1: // first touch: v is a candidate of this rank
					r.rank[v] = rank
					num[v], den[v] = i128{}, 0
					cand = append(cand, v)
				case rank:
				default: // scored at an earlier rank: first rank wins
					continue
				}
				num[v] = num[v].add(trustTerm(s2, Score(g.outW[k])))
				den[v] += uint64(su)
			}
		}
		if len(cand) == 0 {
			break
		}
		// Sums are order-independent; sorting makes the next frontier and any
		// truncation independent of edge order too.
		slices.Sort(cand)
		for _, v := range cand {
			s := meanFloor(num[v], den[v])
			if p.Decay != One {
				s = Score(floorDiv(int64(s)*int64(p.Decay), int64(One)))
			}
			r.score[v] = s
		}
		if room := p.MaxNodes - r.Scored; len(cand) > room {
			slices.SortFunc(cand, func(a, b int32) int {
				if c := cmp.Compare(r.score[b], r.score[a]); c != 0 {
					return c
				}
				return cmp.Compare(a, b)
			})
			for _, v := range cand[room:] {
				r.rank[v], r.score[v] = -1, 0
			}
			if room > 0 {
				r.Ranks = int(rank)
			}
			r.Scored += room
			r.Truncated = StoppedAtMaxNodes
			break
		}
		r.Scored += len(cand)
		r.Ranks = int(rank)
		frontier = frontier[:0]
		for _, v := range cand {
			if r.score[v] >= p.MinPropagate {
				frontier = append(frontier, v)
			}
		}
	}
	return r, nil
}

func (r *DATTResult) reachesUnscored(frontier []int32) bool {
	g := r.g
	for _, u := range frontier {
		for k := g.outStart[u]; k < g.outStart[u+1]; k++ {
			if r.rank[g.outTo[k]] < 0 {
				return true
			}
		}
	}
	return false
}

// Lookup returns id's score and rank; ok is false if id was not reached (or
// is not in the graph).
func (r *DATTResult) Lookup(id string) (s Score, rank int, ok bool) {
	i, found := r.g.index(id)
	if !found || r.rank[i] < 0 {
		return 0, -1, false
	}
	return r.score[i], int(r.rank[i]), true
}

// Scores returns the scored identities and their scores, sorted by identity.
func (r *DATTResult) Scores() []NodeScore {
	out := make([]NodeScore, 0, r.Scored)
	for i, rk := range r.rank {
		if rk >= 0 {
			out = append(out, NodeScore{r.g.ids[i], r.score[i]})
		}
	}
	return out
}

// propagates reports whether identity i is a predecessor for later ranks.
func (r *DATTResult) propagates(i int32) bool {
	return r.rank[i] >= 0 && r.score[i] >= r.params.MinPropagate
}
