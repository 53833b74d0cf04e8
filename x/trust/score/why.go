package score

import (
	"errors"
	"fmt"
)

// ErrNotScored is returned by Why for an identity DATT did not reach.
var ErrNotScored = errors.New("score: identity not reached by DATT")

// Explanation answers "why does this identity have this DATT score".
type Explanation struct {
	ID    string
	Score Score
	Rank  int // 0 for a seed
	// Contributions are the predecessors that produced Score, sorted by
	// identity: every propagating identity of the previous rank with an edge
	// to ID. Score = Decay · Σ FromScore·(FromScore·Weight) / Σ FromScore,
	// rounded as documented on DATT. Empty for a seed.
	Contributions []Contribution
	// Path is the strongest chain of trust from a seed down to ID, seed first:
	// at each step the predecessor with the largest term FromScore²·Weight
	// (the most negative one if the step's score is negative), ties to the
	// smaller identity.
	Path []PathStep
}

// Contribution is one predecessor's part in a DATT score.
type Contribution struct {
	From      string
	FromScore Score
	Weight    Score // of the edge From → the explained identity
	Product   Score // ⌊FromScore·Weight/One⌋: the trust this path carries
}

// PathStep is one identity on an explanation's path.
type PathStep struct {
	ID     string
	Score  Score
	Weight Score // of the edge from the previous step; 0 for the seed
}

// Why explains id's score. It returns ErrUnknownIdentity for an identity
// outside the graph and ErrNotScored for one the expansion did not reach.
// It costs O(in-degree) per step of the path.
func (r *DATTResult) Why(id string) (*Explanation, error) {
	i, ok := r.g.index(id)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownIdentity, id)
	}
	if r.rank[i] < 0 {
		return nil, fmt.Errorf("%w: %q (%v)", ErrNotScored, id, r.Truncated)
	}
	ex := &Explanation{ID: id, Score: r.score[i], Rank: int(r.rank[i])}
	g := r.g
	for k := g.inStart[i]; k < g.inStart[i+1]; k++ {
		p := g.inFrom[k]
		if r.rank[p] < r.rank[i] && r.propagates(p) {
			w := Score(g.inW[k])
			ex.Contributions = append(ex.Contributions, Contribution{
				From:      g.ids[p],
				FromScore: r.score[p],
				Weight:    w,
				Product:   Score(floorDiv(int64(r.score[p])*int64(w), int64(One))),
			})
		}
	}
	// Walk up the strongest predecessors, then reverse.
	for v := i; ; {
		step := PathStep{ID: g.ids[v], Score: r.score[v]}
		if r.rank[v] == 0 {
			ex.Path = append(ex.Path, step)
			break
		}
		var best int32 = -1
		var bestTerm i128
		var bestW Score
		wantMin := r.score[v] < 0
		for k := g.inStart[v]; k < g.inStart[v+1]; k++ {
			p := g.inFrom[k]
			if r.rank[p] >= r.rank[v] || !r.propagates(p) {
				continue
			}
			sp := uint64(r.score[p])
			t := trustTerm(sp*sp, Score(g.inW[k]))
			c := t.cmp(bestTerm)
			if best < 0 || (!wantMin && c > 0) || (wantMin && c < 0) { // in-edges are in identity order: ties keep the first
				best, bestTerm, bestW = p, t, Score(g.inW[k])
			}
		}
		step.Weight = bestW
		ex.Path = append(ex.Path, step)
		v = best
	}
	for a, b := 0, len(ex.Path)-1; a < b; a, b = a+1, b-1 {
		ex.Path[a], ex.Path[b] = ex.Path[b], ex.Path[a]
	}
	return ex, nil
}
