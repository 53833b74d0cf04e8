package score

// Slow, obvious versions of DATT and EigenTrust: maps keyed by identity,
// dense matrices and math/big, written straight from the definitions in
// doc.go. The fast code must agree with them on random small graphs.

import (
	"errors"
	"math/big"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

type dumbDATTResult struct {
	score     map[string]Score
	rank      map[string]int
	truncated Truncation
}

// dumbDATT scores rank by rank. Unlike DATT it looks for predecessors among
// all earlier ranks, not just the previous one, and scans every edge for every
// identity.
func dumbDATT(es []Edge, seeds []string, p DATTParams) dumbDATTResult {
	nodes := slices.Clone(seeds)
	for _, e := range es {
		nodes = append(nodes, e.From, e.To)
	}
	slices.Sort(nodes)
	nodes = slices.Compact(nodes)
	res := dumbDATTResult{score: map[string]Score{}, rank: map[string]int{}}
	for _, s := range seeds {
		res.score[s], res.rank[s] = One, 0
	}
	one := big.NewInt(int64(One))
	for r := 1; ; r++ {
		var cands []NodeScore
		for _, v := range nodes {
			if _, done := res.score[v]; done {
				continue
			}
			num, den := new(big.Int), new(big.Int)
			found := false
			for _, e := range es {
				ps, ok := res.score[e.From]
				if e.To != v || !ok || res.rank[e.From] >= r || ps < p.MinPropagate {
					continue
				}
				found = true
				term := big.NewInt(int64(ps))
				term.Mul(term, big.NewInt(int64(ps)))
				term.Mul(term, big.NewInt(int64(e.Weight)))
				num.Add(num, term)
				den.Add(den, big.NewInt(int64(ps)))
			}
			if !found {
				continue
			}
			q := new(big.Int).Div(num, den.Mul(den, one)) // Euclidean = floor for a positive divisor
			sc := Score(q.Int64())
			if p.Decay != One {
				sc = Score(new(big.Int).Div(new(big.Int).Mul(q, big.NewInt(int64(p.Decay))), one).Int64())
			}
			cands = append(cands, NodeScore{v, sc})
		}
		if len(cands) == 0 {
			return res
		}
		if r > p.MaxRank {
			res.truncated = StoppedAtMaxRank
			return res
		}
		room := p.MaxNodes - len(res.score)
		if len(cands) > room {
			slices.SortFunc(cands, compareRanked)
			cands = cands[:room]
			res.truncated = StoppedAtMaxNodes
		}
		for _, c := range cands {
			res.score[c.ID], res.rank[c.ID] = c.Score, r
		}
		if res.truncated != Complete {
			return res
		}
	}
}

// denseEigen runs the EigenTrust iteration for exactly iterations steps on a
// dense matrix in decimal fixed point with 30 fractional digits, pulling
// t'[j] = a·p[j] + Σ_i (1−a)·t[i]·C[i][j].
func denseEigen(es []Edge, seeds []Seed, p EigenParams, iterations int) map[string]Score {
	nodes, pos, rowSum, pre := denseSetup(es, seeds)
	n := len(nodes)
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(30), nil)
	one := big.NewInt(int64(One))
	keep := big.NewInt(int64(One - p.Alpha))
	var preSum int64
	for _, w := range pre {
		preSum += w
	}
	pv := make([]*big.Int, n) // p in units of 10^-30
	for j := range pv {
		pv[j] = new(big.Int).Div(new(big.Int).Mul(scale, big.NewInt(pre[j])), big.NewInt(preSum))
	}
	t := make([]*big.Int, n)
	for j := range t {
		t[j] = new(big.Int).Set(pv[j])
	}
	for it := 0; it < iterations; it++ {
		next := make([]*big.Int, n)
		for j := 0; j < n; j++ {
			acc := new(big.Int).Div(new(big.Int).Mul(big.NewInt(int64(p.Alpha)), pv[j]), one)
			for i := 0; i < n; i++ {
				x := new(big.Int).Mul(keep, t[i])
				if rowSum[i] == 0 { // no positive trust: the row is p
					x.Mul(x, pv[j])
					x.Div(x, new(big.Int).Mul(one, scale))
				} else {
					x.Mul(x, big.NewInt(pos[i][j]))
					x.Div(x, new(big.Int).Mul(one, big.NewInt(rowSum[i])))
				}
				acc.Add(acc, x)
			}
			next[j] = acc
		}
		t = next
	}
	out := map[string]Score{}
	perScore := new(big.Int).Exp(big.NewInt(10), big.NewInt(21), nil)
	for j, id := range nodes {
		out[id] = Score(new(big.Int).Div(t[j], perScore).Int64())
	}
	return out
}

// exactEigen solves (I − (1−a)·Cᵀ)·t = a·p exactly by Gaussian elimination
// over the rationals: the fixed point the iteration converges to.
func exactEigen(es []Edge, seeds []Seed, alpha Score) map[string]*big.Rat {
	nodes, pos, rowSum, pre := denseSetup(es, seeds)
	n := len(nodes)
	var preSum int64
	for _, w := range pre {
		preSum += w
	}
	a := big.NewRat(int64(alpha), int64(One))
	keep := new(big.Rat).Sub(big.NewRat(1, 1), a)
	m := make([][]*big.Rat, n) // augmented n × (n+1)
	for j := 0; j < n; j++ {
		m[j] = make([]*big.Rat, n+1)
		pj := big.NewRat(pre[j], preSum)
		for i := 0; i < n; i++ {
			c := pj
			if rowSum[i] != 0 {
				c = big.NewRat(pos[i][j], rowSum[i])
			}
			e := new(big.Rat).Neg(new(big.Rat).Mul(keep, c))
			if i == j {
				e.Add(e, big.NewRat(1, 1))
			}
			m[j][i] = e
		}
		m[j][n] = new(big.Rat).Mul(a, pj)
	}
	for col := 0; col < n; col++ {
		piv := col
		for m[piv][col].Sign() == 0 {
			piv++
		}
		m[col], m[piv] = m[piv], m[col]
		for r := 0; r < n; r++ {
			if r == col || m[r][col].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Quo(m[r][col], m[col][col])
			for c := col; c <= n; c++ {
				m[r][c] = new(big.Rat).Sub(m[r][c], new(big.Rat).Mul(f, m[col][c]))
			}
		}
	}
	out := map[string]*big.Rat{}
	for j, id := range nodes {
		out[id] = new(big.Rat).Quo(m[j][n], m[j][j])
	}
	return out
}

func denseSetup(es []Edge, seeds []Seed) (nodes []string, pos [][]int64, rowSum, pre []int64) {
	for _, s := range seeds {
		nodes = append(nodes, s.ID)
	}
	for _, e := range es {
		nodes = append(nodes, e.From, e.To)
	}
	slices.Sort(nodes)
	nodes = slices.Compact(nodes)
	at := func(id string) int { i, _ := slices.BinarySearch(nodes, id); return i }
	n := len(nodes)
	pos = make([][]int64, n)
	for i := range pos {
		pos[i] = make([]int64, n)
	}
	rowSum = make([]int64, n)
	for _, e := range es {
		if e.Weight > 0 {
			pos[at(e.From)][at(e.To)] = int64(e.Weight)
			rowSum[at(e.From)] += int64(e.Weight)
		}
	}
	pre = make([]int64, n)
	for _, s := range seeds {
		pre[at(s.ID)] = int64(s.PreTrust)
	}
	return nodes, pos, rowSum, pre
}

// case_ is a random small input.
type case_ struct {
	edges []Edge
	seeds []Seed
	p     Params
}

func drawCase(t *rapid.T, maxNodes int) case_ {
	names := rapid.SliceOfNDistinct(rapid.StringMatching(`[a-z]{1,3}`), 1, maxNodes, rapid.ID[string]).Draw(t, "names")
	n := len(names)
	weight := rapid.OneOf(
		rapid.Int64Range(-int64(One), int64(One)),
		rapid.Int64Range(int64(One)/2, int64(One)), // mostly trust, so expansions go deep
		rapid.SampledFrom([]int64{-int64(One), -1, 0, 1, int64(One)}),
	)
	var c case_
	seen := map[[2]int]bool{}
	for k, m := 0, rapid.IntRange(0, n*(n-1)).Draw(t, "edges"); k < m; k++ {
		i, j := rapid.IntRange(0, n-1).Draw(t, "from"), rapid.IntRange(0, n-1).Draw(t, "to")
		if i == j || seen[[2]int{i, j}] {
			continue
		}
		seen[[2]int{i, j}] = true
		c.edges = append(c.edges, Edge{names[i], names[j], Score(weight.Draw(t, "weight"))})
	}
	for _, i := range rapid.SliceOfNDistinct(rapid.IntRange(0, n-1), 1, min(n, 3), rapid.ID[int]).Draw(t, "seeds") {
		c.seeds = append(c.seeds, Seed{names[i], Score(rapid.Int64Range(1, int64(One)).Draw(t, "pretrust"))})
	}
	c.p = Params{
		DATT: DATTParams{
			MaxRank:      rapid.IntRange(0, 6).Draw(t, "maxRank"),
			MaxNodes:     rapid.IntRange(len(c.seeds), n+1).Draw(t, "maxNodes"),
			Decay:        Score(rapid.OneOf(rapid.Just(int64(One)), rapid.Int64Range(1, int64(One))).Draw(t, "decay")),
			MinPropagate: Score(rapid.OneOf(rapid.Just(int64(1)), rapid.SampledFrom([]int64{int64(One) / 4, int64(One) / 2, int64(One)}), rapid.Int64Range(1, int64(One))).Draw(t, "minPropagate")),
		},
		Eigen: EigenParams{
			Alpha:         Score(rapid.Int64Range(int64(One)/10, int64(One)).Draw(t, "alpha")),
			Epsilon:       Score(rapid.Int64Range(1, 1_000_000).Draw(t, "epsilon")),
			MaxIterations: rapid.IntRange(1, 120).Draw(t, "maxIterations"),
		},
		DATTWeight: Score(rapid.Int64Range(0, int64(One)).Draw(t, "dattWeight")),
	}
	return c
}

func TestDATTMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := drawCase(t, 10)
		ids := SeedIDs(c.seeds)
		g, err := NewGraph(c.edges, ids)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DATT(g, ids, c.p.DATT)
		if err != nil {
			t.Fatal(err)
		}
		want := dumbDATT(c.edges, ids, c.p.DATT)
		if got.Truncated != want.truncated || got.Scored != len(want.score) {
			t.Fatalf("truncation %v with %d scored, reference %v with %d", got.Truncated, got.Scored, want.truncated, len(want.score))
		}
		for _, id := range g.Identities() {
			s, r, ok := got.Lookup(id)
			ws, wok := want.score[id]
			if ok != wok || s != ws || (ok && r != want.rank[id]) {
				t.Fatalf("%q: %v rank %d (%v), reference %v rank %d (%v)", id, s, r, ok, ws, want.rank[id], wok)
			}
			if ok {
				checkWhy(t, got, id, c.p.DATT)
			}
		}
	})
}

// checkWhy recomputes a score from its explanation and checks its path.
func checkWhy(t *rapid.T, r *DATTResult, id string, p DATTParams) {
	ex, err := r.Why(id)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Rank == 0 {
		if len(ex.Contributions) != 0 || len(ex.Path) != 1 || ex.Score != One {
			t.Fatalf("seed %q explained as %+v", id, ex)
		}
		return
	}
	num, den := new(big.Int), new(big.Int)
	for _, c := range ex.Contributions {
		if fs, fr, _ := r.Lookup(c.From); fs != c.FromScore || fr != ex.Rank-1 || fs < p.MinPropagate {
			t.Fatalf("%q: contribution %+v does not match its score %v rank %d", id, c, fs, fr)
		}
		num.Add(num, new(big.Int).Mul(big.NewInt(int64(c.FromScore)), new(big.Int).Mul(big.NewInt(int64(c.FromScore)), big.NewInt(int64(c.Weight)))))
		den.Add(den, big.NewInt(int64(c.FromScore)))
	}
	q := num.Div(num, den.Mul(den, big.NewInt(int64(One))))
	q.Mul(q, big.NewInt(int64(p.Decay)))
	q.Div(q, big.NewInt(int64(One)))
	if Score(q.Int64()) != ex.Score {
		t.Fatalf("%q: contributions give %v, score %v", id, q, ex.Score)
	}
	if len(ex.Path) != ex.Rank+1 || ex.Path[len(ex.Path)-1].ID != id || ex.Path[0].Score != One {
		t.Fatalf("%q: path %+v", id, ex.Path)
	}
	for k, st := range ex.Path {
		if s, r, _ := r.Lookup(st.ID); s != st.Score || r != k {
			t.Fatalf("%q: path step %d %+v has score %v rank %d", id, k, st, s, r)
		}
	}
}

func TestEigenTrustMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := drawCase(t, 8)
		g, err := NewGraph(c.edges, SeedIDs(c.seeds))
		if err != nil {
			t.Fatal(err)
		}
		got, err := EigenTrust(g, c.seeds, c.p.Eigen)
		if err != nil && !errors.Is(err, ErrNotConverged) {
			t.Fatal(err)
		}
		dense := denseEigen(c.edges, c.seeds, c.p.Eigen, got.Iterations)
		for _, ns := range got.Scores() {
			if d := abs(ns.Score - dense[ns.ID]); d > 2 {
				t.Fatalf("%q: %v, dense reference %v after %d iterations", ns.ID, ns.Score, dense[ns.ID], got.Iterations)
			}
		}
		if !got.Converged {
			return
		}
		// ‖t − t*‖₁ ≤ Delta·(1−a)/a, plus rounding.
		a := c.p.Eigen.Alpha
		tol := Score(mulDiv(uint64(got.Delta), uint64(One-a), uint64(a))) + 3
		exact := exactEigen(c.edges, c.seeds, a)
		var l1 Score
		for _, ns := range got.Scores() {
			x := new(big.Rat).Mul(exact[ns.ID], big.NewRat(int64(One), 1))
			want := Score(new(big.Int).Quo(x.Num(), x.Denom()).Int64())
			l1 += abs(ns.Score - want)
		}
		if l1 > tol+Score(g.Len()) {
			t.Fatalf("L1 distance to the fixed point %v > %v (delta %v, %d iterations)", l1, tol, got.Delta, got.Iterations)
		}
	})
}

// Shuffling the edges and seeds changes nothing: not the scores, not the
// explanations, not the errors.
func TestShuffledInputSameResult(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := drawCase(t, 12)
		if rapid.Bool().Draw(t, "duplicate") && len(c.edges) > 0 { // sometimes bad input
			e := c.edges[rapid.IntRange(0, len(c.edges)-1).Draw(t, "dup")]
			e.Weight = -e.Weight
			c.edges = append(c.edges, e)
		}
		e1, err1 := ComputeEpoch(c.edges, c.seeds, c.p)
		shuffled := rapid.Permutation(c.edges).Draw(t, "shuffled")
		seeds := rapid.Permutation(c.seeds).Draw(t, "seeds")
		e2, err2 := ComputeEpoch(shuffled, seeds, c.p)
		if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
			t.Fatalf("errors differ: %v / %v", err1, err2)
		}
		if e1 == nil || e2 == nil {
			if e1 != e2 {
				t.Fatalf("one epoch is nil: %v / %v", e1, e2)
			}
			return
		}
		if !slices.Equal(e1.Nodes, e2.Nodes) {
			t.Fatalf("results differ:\n%v\n%v", e1.Nodes, e2.Nodes)
		}
		for _, nr := range e1.Nodes {
			w1, err1 := e1.DATT.Why(nr.ID)
			w2, err2 := e2.DATT.Why(nr.ID)
			if (err1 == nil) != (err2 == nil) || (err1 == nil && !slices.Equal(w1.Path, w2.Path)) {
				t.Fatalf("%q explained differently", nr.ID)
			}
		}
		top1, top2 := TopN(e1.Combined(), 3), TopN(e2.Combined(), 3)
		if !slices.Equal(top1, top2) {
			t.Fatalf("top 3 differ")
		}
	})
}

func TestTopN(t *testing.T) {
	in := []NodeScore{{"c", 5}, {"a", 5}, {"b", 9}, {"d", -1}, {"e", 5}}
	want := []NodeScore{{"b", 9}, {"a", 5}, {"c", 5}}
	if got := TopN(in, 3); !slices.Equal(got, want) {
		t.Errorf("got %v", got)
	}
	if got := TopN(in, 99); len(got) != 5 || got[4] != (NodeScore{"d", -1}) {
		t.Errorf("got %v", got)
	}
	if got := TopN(in, 0); got != nil {
		t.Errorf("got %v", got)
	}
	if in[0].ID != "c" {
		t.Error("TopN modified its input")
	}
}
