package score

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Errors returned by NewGraph. Each is wrapped with the offending edge or
// identity; test with errors.Is.
var (
	ErrEmptyIdentity   = errors.New("score: empty identity")
	ErrWeightRange     = errors.New("score: edge weight outside [-1, 1]")
	ErrSelfEdge        = errors.New("score: self-edge")
	ErrDuplicateEdge   = errors.New("score: duplicate edge")
	ErrTooLarge        = errors.New("score: graph too large")
	ErrUnknownIdentity = errors.New("score: unknown identity")
)

// Edge is one signed trust statement: From trusts To with Weight in
// [-One, One]. Negative weights are distrust; zero is an explicit neutral
// statement (it counts in DATT's mean, and as no trust in EigenTrust).
type Edge struct {
	From, To string
	Weight   Score
}

// Graph is an immutable trust graph: the identities sorted and interned to
// dense indexes 0..Len()-1 in identity order, and the edges in compressed
// sparse rows both ways (out-edges sorted by target, in-edges by source).
// Build it once per epoch with NewGraph; it is safe for concurrent readers.
type Graph struct {
	ids []string // sorted, unique; the position is the identity's index

	outStart []int32 // out-edges of i are outTo/outW[outStart[i]:outStart[i+1]]
	outTo    []int32
	outW     []int32 // weights fit int32: |w| ≤ 10^9 < 2^31

	inStart []int32 // in-edges of i are inFrom/inW[inStart[i]:inStart[i+1]]
	inFrom  []int32
	inW     []int32
}

// NewGraph validates edges and builds the graph. The order of edges does not
// matter (it is sorted here); identities adds identities that may have no edges
// yet, such as seeds or newly registered masternodes, and may repeat.
//
// It rejects an empty identity (ErrEmptyIdentity), a weight outside
// [-One, One] (ErrWeightRange), an edge from an identity to itself
// (ErrSelfEdge) and two edges with the same From and To (ErrDuplicateEdge),
// whatever their weights. Range and self-edge errors are reported before
// duplicates; among several bad edges the error names the first in
// (From, To, Weight) order, so it does not depend on input order.
func NewGraph(edges []Edge, identities []string) (*Graph, error) {
	if len(edges) >= math.MaxInt32 {
		return nil, fmt.Errorf("%w: %d edges, at most %d", ErrTooLarge, len(edges), math.MaxInt32-1)
	}
	if err := checkEdges(edges); err != nil {
		return nil, err
	}

	// Intern to provisional indexes in input order. The map is only looked
	// up, never iterated, so its order cannot leak into the result.
	idx := make(map[string]int32, len(identities)+len(edges)/32+1)
	var names []string
	intern := func(s string) int32 {
		if i, ok := idx[s]; ok {
			return i
		}
		i := int32(len(names))
		idx[s] = i
		names = append(names, s)
		return i
	}
	from := make([]int32, len(edges))
	to := make([]int32, len(edges))
	prev, prevIdx := "", int32(-1)
	for k, e := range edges {
		if prevIdx < 0 || e.From != prev { // edges from a store arrive grouped by From
			prev, prevIdx = e.From, intern(e.From)
		}
		from[k] = prevIdx
		to[k] = intern(e.To)
	}
	for _, s := range identities {
		if s == "" {
			return nil, fmt.Errorf("%w in identity list", ErrEmptyIdentity)
		}
		intern(s)
	}
	if len(names) >= math.MaxInt32 {
		return nil, fmt.Errorf("%w: %d identities, at most %d", ErrTooLarge, len(names), math.MaxInt32-1)
	}
	idx = nil

	// Renumber in identity order, so that index order is identity order.
	order := make([]int32, len(names))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(names[a], names[b]) })
	renum := make([]int32, len(names))
	g := &Graph{ids: make([]string, len(names))}
	for newI, old := range order {
		renum[old] = int32(newI)
		g.ids[newI] = names[old]
	}
	for k := range from {
		from[k], to[k] = renum[from[k]], renum[to[k]]
	}
	order, renum, names = nil, nil, nil

	// Stable counting sorts by From, then To, then From give in-edges in
	// (To, From) order and out-edges in (From, To) order: O(edges +
	// identities), no comparisons. Input from a store is already sorted by
	// From, which skips the first pass.
	n := len(g.ids)
	weight := make([]int32, len(edges)) // sequential copy: the gathers below stay in cache
	for k := range edges {
		weight[k] = int32(edges[k].Weight)
	}
	byFrom := make([]int32, len(edges))
	for k := range byFrom {
		byFrom[k] = int32(k)
	}
	buf := make([]int32, len(edges))
	if !slices.IsSorted(from) {
		countingSort(buf, byFrom, from, n, nil)
		byFrom, buf = buf, byFrom
	}
	g.inStart = make([]int32, n+1)
	byTo := countingSort(buf, byFrom, to, n, g.inStart)
	g.inFrom, g.inW = make([]int32, len(edges)), make([]int32, len(edges))
	for k, e := range byTo {
		g.inFrom[k], g.inW[k] = from[e], weight[e]
	}
	g.outStart = make([]int32, n+1)
	byFromTo := countingSort(byFrom, byTo, from, n, g.outStart)
	g.outTo, g.outW = make([]int32, len(edges)), make([]int32, len(edges))
	for k, e := range byFromTo {
		g.outTo[k], g.outW[k] = to[e], weight[e]
	}
	for i := 0; i < n; i++ {
		row := g.outTo[g.outStart[i]:g.outStart[i+1]]
		for k := 1; k < len(row); k++ {
			if row[k] == row[k-1] {
				return nil, fmt.Errorf("%w %q -> %q", ErrDuplicateEdge, g.ids[i], g.ids[row[k]])
			}
		}
	}
	return g, nil
}

// checkEdges reports the first bad edge in (From, To, Weight) order, or an
// empty identity, before any work is done.
func checkEdges(edges []Edge) error {
	var worst *Edge
	for k := range edges {
		e := &edges[k]
		if e.From == "" || e.To == "" {
			return fmt.Errorf("%w in edge list", ErrEmptyIdentity)
		}
		if e.From != e.To && e.Weight >= -One && e.Weight <= One {
			continue
		}
		if worst == nil || compareEdges(*e, *worst) < 0 {
			worst = e
		}
	}
	switch {
	case worst == nil:
		return nil
	case worst.From == worst.To:
		return fmt.Errorf("%w %q -> %q", ErrSelfEdge, worst.From, worst.To)
	default:
		return fmt.Errorf("%w: %q -> %q weight %v (%d parts per 10^9)", ErrWeightRange, worst.From, worst.To, worst.Weight, int64(worst.Weight))
	}
}

func compareEdges(a, b Edge) int {
	if c := cmp.Compare(a.From, b.From); c != 0 {
		return c
	}
	if c := cmp.Compare(a.To, b.To); c != 0 {
		return c
	}
	return cmp.Compare(a.Weight, b.Weight)
}

// countingSort writes perm into out (same length), stably reordered by
// key[perm[k]] ∈ [0, n), and returns out. If start is not nil (len n+1) it
// receives the bucket boundaries.
func countingSort(out, perm, key []int32, n int, start []int32) []int32 {
	if start == nil {
		start = make([]int32, n+1)
	}
	for _, e := range perm {
		start[key[e]+1]++
	}
	for i := 0; i < n; i++ {
		start[i+1] += start[i]
	}
	next := slices.Clone(start[:n])
	for _, e := range perm {
		b := key[e]
		out[next[b]] = e
		next[b]++
	}
	return out
}

// Len returns the number of identities.
func (g *Graph) Len() int { return len(g.ids) }

// NumEdges returns the number of edges.
func (g *Graph) NumEdges() int { return len(g.outTo) }

// Identities returns the identities in sorted order.
func (g *Graph) Identities() []string { return slices.Clone(g.ids) }

// Has reports whether id is an identity of the graph.
func (g *Graph) Has(id string) bool {
	_, ok := g.index(id)
	return ok
}

func (g *Graph) index(id string) (int32, bool) {
	i, ok := slices.BinarySearch(g.ids, id)
	return int32(i), ok
}

// seedIndexes resolves seed identities to indexes, sorted, rejecting an empty
// list, duplicates and identities the graph does not have. Errors name the
// first bad seed in identity order.
func (g *Graph) seedIndexes(seeds []string) ([]int32, error) {
	if len(seeds) == 0 {
		return nil, ErrNoSeeds
	}
	sorted := slices.Clone(seeds)
	slices.Sort(sorted)
	out := make([]int32, len(sorted))
	for k, s := range sorted {
		if k > 0 && s == sorted[k-1] {
			return nil, fmt.Errorf("%w %q", ErrDuplicateSeed, s)
		}
		i, ok := g.index(s)
		if !ok {
			return nil, fmt.Errorf("%w: seed %q (pass the seeds to NewGraph as identities)", ErrUnknownIdentity, s)
		}
		out[k] = i
	}
	return out, nil
}
