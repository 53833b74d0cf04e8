package score

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// rowsOf turns a graph built by NewGraph back into the input of
// NewGraphRows (fresh slices).
func rowsOf(g *Graph) (ids []string, start, to, w []int32) {
	return slices.Clone(g.ids), slices.Clone(g.outStart), slices.Clone(g.outTo), slices.Clone(g.outW)
}

// TestNewGraphRowsEqualsNewGraph: the rows path builds exactly the graph
// NewGraph builds, and ComputeEpochGraph gives exactly ComputeEpoch's
// results, on random graphs with negative, zero and missing rows.
func TestNewGraphRowsEqualsNewGraph(t *testing.T) {
	for trial := 0; trial < 50; trial++ {
		rng := rand.New(rand.NewPCG(uint64(trial), 3))
		n := 2 + rng.IntN(120)
		var edges []Edge
		for i := 0; i < n; i++ {
			deg := rng.IntN(8)
			seen := map[int]bool{i: true}
			for d := 0; d < deg; d++ {
				j := rng.IntN(n)
				if seen[j] {
					continue
				}
				seen[j] = true
				w := Score(rng.Int64N(2*int64(One)+1)) - One
				if rng.IntN(10) == 0 {
					w = 0
				}
				edges = append(edges, Edge{From: fmt.Sprintf("id%04d", i), To: fmt.Sprintf("id%04d", j), Weight: w})
			}
		}
		rng.Shuffle(len(edges), func(a, b int) { edges[a], edges[b] = edges[b], edges[a] })
		seeds := []Seed{{ID: "id0000", PreTrust: One}, {ID: fmt.Sprintf("id%04d", n-1), PreTrust: One / 3}}
		want, err := NewGraph(edges, SeedIDs(seeds))
		if err != nil {
			t.Fatal(err)
		}
		got, err := NewGraphRows(rowsOf(want))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d: graphs differ", trial)
		}
		if !slices.Equal(got.Edges(), sortedEdges(edges)) {
			t.Fatalf("trial %d: Edges differ", trial)
		}
		e1, err1 := ComputeEpoch(edges, seeds, DefaultParams())
		e2, err2 := ComputeEpochGraph(got, seeds, DefaultParams())
		if (err1 == nil) != (err2 == nil) || !slices.Equal(e1.Nodes, e2.Nodes) {
			t.Fatalf("trial %d: epochs differ: %v %v", trial, err1, err2)
		}
	}
}

func sortedEdges(edges []Edge) []Edge {
	out := slices.Clone(edges)
	slices.SortFunc(out, compareEdges)
	return out
}

func TestNewGraphRowsBadInput(t *testing.T) {
	ids := []string{"a", "b", "c"}
	tests := []struct {
		name         string
		ids          []string
		start, to, w []int32
		want         error
	}{
		{"unsorted ids", []string{"b", "a"}, []int32{0, 0, 0}, nil, nil, ErrRows},
		{"repeated id", []string{"a", "a"}, []int32{0, 0, 0}, nil, nil, ErrRows},
		{"empty id", []string{"", "a"}, []int32{0, 0, 0}, nil, nil, ErrEmptyIdentity},
		{"short starts", ids, []int32{0, 0}, nil, nil, ErrRows},
		{"end mismatch", ids, []int32{0, 1, 1, 1}, []int32{1, 2}, []int32{1, 1}, ErrRows},
		{"row backwards", ids, []int32{0, 2, 1, 2}, []int32{1, 2}, []int32{1, 1}, ErrRows},
		{"target out of range", ids, []int32{0, 1, 1, 1}, []int32{3}, []int32{1}, ErrRows},
		{"self-edge", ids, []int32{0, 0, 1, 1}, []int32{1}, []int32{1}, ErrSelfEdge},
		{"weight", ids, []int32{0, 1, 1, 1}, []int32{1}, []int32{int32(One) + 1}, ErrWeightRange},
		{"duplicate", ids, []int32{0, 2, 2, 2}, []int32{1, 1}, []int32{1, 2}, ErrDuplicateEdge},
		{"unsorted row", ids, []int32{0, 2, 2, 2}, []int32{2, 1}, []int32{1, 2}, ErrRows},
	}
	for _, tc := range tests {
		if g, err := NewGraphRows(tc.ids, tc.start, tc.to, tc.w); g != nil || !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}
