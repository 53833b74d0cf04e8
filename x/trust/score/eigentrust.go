package score

import (
	"errors"
	"fmt"
)

// ErrNotConverged is wrapped by EigenTrust's error when the iteration cap is
// reached first; the result is still returned (see EigenTrust).
var ErrNotConverged = errors.New("score: eigentrust did not converge")

// unit is the total EigenTrust mass inside the iteration: parts per 10^18,
// nine more digits than a Score, so that per-edge rounding is invisible in
// the Score that is returned.
const unit uint64 = 1_000_000_000_000_000_000

// EigenParams shapes the EigenTrust iteration.
type EigenParams struct {
	// Alpha is the weight a of the pre-trust vector p in
	// t ← (1−a)·Cᵀt + a·p. In (0, One]. Larger is more Sybil-resistant and
	// converges faster (the error shrinks by 1−a per iteration) but listens
	// less to the graph.
	Alpha Score
	// Epsilon: stop when the L1 change of t in one iteration is < Epsilon.
	// In [1, One]. The distance to the exact fixed point is then at most
	// Epsilon·(1−a)/a in L1.
	Epsilon Score
	// MaxIterations caps the work at MaxIterations·(edges + identities). ≥ 1.
	MaxIterations int
}

// DefaultEigenParams returns Alpha 0.2, Epsilon 10^-6 and 100 iterations
// (about 60 are needed at these settings).
func DefaultEigenParams() EigenParams {
	return EigenParams{Alpha: One / 5, Epsilon: One / 1_000_000, MaxIterations: 100}
}

// Validate reports whether p is within its documented ranges.
func (p EigenParams) Validate() error {
	switch {
	case p.Alpha <= 0 || p.Alpha > One:
		return fmt.Errorf("%w: EigenTrust Alpha %v outside (0, 1]", ErrParams, p.Alpha)
	case p.Epsilon < 1 || p.Epsilon > One:
		return fmt.Errorf("%w: EigenTrust Epsilon %v outside [0.000000001, 1]", ErrParams, p.Epsilon)
	case p.MaxIterations < 1:
		return fmt.Errorf("%w: EigenTrust MaxIterations %d < 1", ErrParams, p.MaxIterations)
	}
	return nil
}

// EigenResult is a global EigenTrust vector: one share of the total trust per
// identity, summing to One less rounding (at most a few parts per 10^9).
type EigenResult struct {
	// Iterations is the number of iterations run.
	Iterations int
	// Delta is the L1 change of the last iteration, rounded up to a Score.
	Delta Score
	// Converged reports Delta < Epsilon.
	Converged bool

	g    *Graph
	mass []uint64 // parts per 10^18
	top  uint64   // max(mass)
}

// EigenTrust computes t = (1−a)·Cᵀt + a·p by power iteration from t = p.
//
// C is the local trust, row-normalized: C[i][j] = w(i,j)/Σ_k w(i,k) over
// positive edges only (negative and zero edges count as no trust). A row
// without positive trust is replaced by p: the identity passes its trust to
// the seeds. p is the pre-trust, p[s] = PreTrust(s)/Σ PreTrust, zero off the
// seeds.
//
// Arithmetic: t is held in parts per 10^18 and C as 64-bit binary fractions
// (⌊2^64·w/Σw⌋); every product and division rounds down, so mass is never
// created, and the lost mass is below one part per 10^9 per iteration. The
// returned scores are ⌊t·10^9⌋. Each iteration costs O(edges + identities)
// over a compressed sparse row copy of the positive edges.
//
// If the L1 change is still ≥ Epsilon after MaxIterations, EigenTrust returns
// the last vector together with an error wrapping ErrNotConverged, e.g.
// "score: eigentrust did not converge in 50 iterations (delta 1234 >= epsilon
// 10)" with both numbers in parts per 10^9. A caller that can use an
// approximate vector checks errors.Is(err, ErrNotConverged); any other error
// comes with a nil result.
func EigenTrust(g *Graph, pretrust []Seed, p EigenParams) (*EigenResult, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	seedIdx, seedW, err := g.resolveSeeds(pretrust)
	if err != nil {
		return nil, err
	}
	var totalW uint64
	for _, w := range seedW {
		totalW += w
	}

	n := g.Len()
	start, to, frac := g.positiveRows()

	alpha := uint64(p.Alpha)
	keep := fraction(uint64(One-p.Alpha), uint64(One)) // (1−a) as a binary fraction
	teleport := make([]uint64, len(seedIdx))           // a·p[s], parts per 10^18
	t := make([]uint64, n)
	for k, s := range seedIdx {
		t[s] = mulDiv(unit, seedW[k], totalW)
		teleport[k] = mulDiv(alpha*(unit/uint64(One)), seedW[k], totalW)
	}
	next := make([]uint64, n)
	eps := uint64(p.Epsilon) * (unit / uint64(One))

	r := &EigenResult{g: g}
	var delta uint64
	for r.Iterations < p.MaxIterations {
		r.Iterations++
		clear(next)
		var dangling uint64
		for i := 0; i < n; i++ {
			ti := t[i]
			if ti == 0 {
				continue
			}
			m := mulHi(ti, keep)
			lo, hi := start[i], start[i+1]
			if lo == hi {
				dangling += m
				continue
			}
			for k := lo; k < hi; k++ {
				next[to[k]] += mulHi(m, frac[k])
			}
		}
		for k, s := range seedIdx {
			next[s] += teleport[k] + mulDiv(dangling, seedW[k], totalW)
		}
		delta = 0
		for i := range next {
			if next[i] > t[i] {
				delta += next[i] - t[i]
			} else {
				delta += t[i] - next[i]
			}
		}
		t, next = next, t
		if delta < eps {
			r.Converged = true
			break
		}
	}
	r.mass = t
	for _, m := range t {
		r.top = max(r.top, m)
	}
	perScore := unit / uint64(One)
	r.Delta = Score((delta + perScore - 1) / perScore)
	if !r.Converged {
		return r, fmt.Errorf("%w in %d iterations (delta %d >= epsilon %d)", ErrNotConverged, r.Iterations, r.Delta, p.Epsilon)
	}
	return r, nil
}

// positiveRows returns the positive edges as compressed sparse rows with
// their row-normalized weights as binary fractions of 2^64.
func (g *Graph) positiveRows() (start []int32, to []int32, frac []uint64) {
	n := g.Len()
	start = make([]int32, n+1)
	var m int
	for _, w := range g.outW {
		if w > 0 {
			m++
		}
	}
	to = make([]int32, 0, m)
	frac = make([]uint64, 0, m)
	for i := 0; i < n; i++ {
		lo, hi := g.outStart[i], g.outStart[i+1]
		var sum uint64
		for k := lo; k < hi; k++ {
			if w := g.outW[k]; w > 0 {
				sum += uint64(w)
			}
		}
		for k := lo; k < hi; k++ {
			if w := g.outW[k]; w > 0 {
				to = append(to, g.outTo[k])
				frac = append(frac, fraction(uint64(w), sum))
			}
		}
		start[i+1] = int32(len(to))
	}
	return start, to, frac
}

// Lookup returns id's share of the global trust; ok is false if id is not in
// the graph.
func (r *EigenResult) Lookup(id string) (Score, bool) {
	i, ok := r.g.index(id)
	if !ok {
		return 0, false
	}
	return r.share(i), true
}

func (r *EigenResult) share(i int32) Score { return Score(r.mass[i] / (unit / uint64(One))) }

// Scores returns every identity's share, sorted by identity.
func (r *EigenResult) Scores() []NodeScore {
	out := make([]NodeScore, len(r.mass))
	for i := range r.mass {
		out[i] = NodeScore{r.g.ids[i], r.share(int32(i))}
	}
	return out
}

// Normalized returns every identity's trust relative to the most trusted
// one, ⌊One·t(i)/max t⌋ (so the maximum is One), sorted by identity.
func (r *EigenResult) Normalized() []NodeScore {
	out := make([]NodeScore, len(r.mass))
	for i := range r.mass {
		out[i] = NodeScore{r.g.ids[i], r.normalized(int32(i))}
	}
	return out
}

func (r *EigenResult) normalized(i int32) Score {
	if r.top == 0 {
		return 0
	}
	return Score(mulDiv(r.mass[i], uint64(One), r.top))
}
