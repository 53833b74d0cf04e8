package score

import (
	"errors"
	"fmt"
	"testing"
)

// s converts a decimal literal such as 0.23 to a Score. Tests only: the
// constants are exact in parts per 10^9 after rounding to nearest.
func s(f float64) Score {
	if f < 0 {
		return -Score(-f*float64(One) + 0.5)
	}
	return Score(f*float64(One) + 0.5)
}

func edges(list ...any) []Edge {
	var out []Edge
	for k := 0; k < len(list); k += 3 {
		out = append(out, Edge{From: list[k].(string), To: list[k+1].(string), Weight: s(list[k+2].(float64))})
	}
	return out
}

func mustGraph(t testing.TB, e []Edge, ids ...string) *Graph {
	t.Helper()
	g, err := NewGraph(e, ids)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func mustDATT(t testing.TB, g *Graph, seeds []string, p DATTParams) *DATTResult {
	t.Helper()
	r, err := DATT(g, seeds, p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The reference vector.
var referenceDATT = edges(
	"0", "1", .1, "0", "2", .9, "0", "3", .8, "0", "4", .5,
	"1", "5", .5, "2", "6", .9, "3", "5", .3, "4", "5", .5,
)

func TestDATTReference(t *testing.T) {
	r := mustDATT(t, mustGraph(t, referenceDATT), []string{"0"}, DefaultDATTParams())
	want := []struct {
		id    string
		score Score
		rank  int
	}{
		{"0", One, 0},
		{"1", s(.1), 1}, {"2", s(.9), 1}, {"3", s(.8), 1}, {"4", s(.5), 1},
		// (0.1·0.05 + 0.8·0.24 + 0.5·0.25) / (0.1 + 0.8 + 0.5) = 0.322/1.4
		{"5", s(.23), 2},
		// 0.9·(0.9·0.9) / 0.9
		{"6", s(.81), 2},
	}
	for _, w := range want {
		got, rank, ok := r.Lookup(w.id)
		if !ok || got != w.score || rank != w.rank {
			t.Errorf("node %s: score %v rank %d ok %v, want %v rank %d", w.id, got, rank, ok, w.score, w.rank)
		}
	}
	if r.Truncated != Complete || r.Scored != 7 || r.Ranks != 2 {
		t.Errorf("got %v, %d scored, %d ranks; want complete, 7, 2", r.Truncated, r.Scored, r.Ranks)
	}
}

func TestDATTRules(t *testing.T) {
	type want struct {
		score Score
		rank  int // -1: not scored
	}
	tests := []struct {
		name   string
		edges  []Edge
		seeds  []string
		params func(*DATTParams)
		want   map[string]want
	}{
		{
			name:  "negative edge stops propagation",
			edges: edges("s", "a", -.5, "a", "b", 1.0, "s", "c", .9, "c", "d", .9),
			seeds: []string{"s"},
			want:  map[string]want{"a": {s(-.5), 1}, "b": {0, -1}, "c": {s(.9), 1}, "d": {s(.81), 2}},
		},
		{
			name:  "direct distrust is not overwritten by a longer trusted path",
			edges: edges("s", "a", .9, "s", "b", -.8, "a", "b", 1.0, "b", "c", 1.0),
			seeds: []string{"s"},
			want:  map[string]want{"a": {s(.9), 1}, "b": {s(-.8), 1}, "c": {0, -1}},
		},
		{
			name: "cycle never overwrites direct trust",
			edges: edges("s", "a", .3, "s", "c", .9, "c", "a", 1.0,
				"a", "b", 1.0, "b", "a", 1.0, "b", "s", -1.0),
			seeds: []string{"s"},
			// a keeps its rank-1 score 0.3 although c (0.9) trusts it fully
			// at rank 2 and b trusts it back; b's distrust of the seed is
			// ignored.
			want: map[string]want{"s": {One, 0}, "a": {s(.3), 1}, "c": {s(.9), 1}, "b": {s(.3), 2}},
		},
		{
			name:  "mixed signs average within a rank",
			edges: edges("s", "a", 1.0, "s", "b", .5, "a", "c", -1.0, "b", "c", 1.0),
			seeds: []string{"s"},
			// (1·(1·-1) + 0.5·(0.5·1)) / 1.5 = -0.75/1.5
			want: map[string]want{"c": {s(-.5), 2}},
		},
		{
			name:  "near-zero scores do not propagate",
			edges: edges("s", "a", .001, "a", "b", 1.0, "s", "c", .002, "c", "d", 1.0),
			seeds: []string{"s"},
			params: func(p *DATTParams) {
				p.MinPropagate = s(.002)
			},
			want: map[string]want{"a": {s(.001), 1}, "b": {0, -1}, "c": {s(.002), 1}, "d": {s(.002), 2}},
		},
		{
			name:  "zero weight scores zero and stops",
			edges: edges("s", "a", 0.0, "a", "b", 1.0),
			seeds: []string{"s"},
			want:  map[string]want{"a": {0, 1}, "b": {0, -1}},
		},
		{
			name:  "decay once per rank",
			edges: edges("s", "a", 1.0, "a", "b", 1.0, "b", "c", .5),
			seeds: []string{"s"},
			params: func(p *DATTParams) {
				p.Decay = s(.9)
			},
			// a: 0.9; b: 0.9·0.9 = 0.81; c: 0.9·(0.81·0.5) = 0.3645
			want: map[string]want{"a": {s(.9), 1}, "b": {s(.81), 2}, "c": {s(.3645), 3}},
		},
		{
			name:  "several seeds; a seed's distrust of another seed is ignored",
			edges: edges("s1", "s2", -1.0, "s1", "a", .6, "s2", "a", .2, "s2", "b", .4),
			seeds: []string{"s2", "s1"},
			// a: (1·0.6 + 1·0.2)/2
			want: map[string]want{"s1": {One, 0}, "s2": {One, 0}, "a": {s(.4), 1}, "b": {s(.4), 1}},
		},
		{
			name:  "negative mean rounds toward minus infinity",
			edges: edges("s", "a", 1.0, "s", "b", 1.0, "s", "c", 1.0, "a", "x", -.000000001, "b", "x", 0.0, "c", "x", 0.0),
			seeds: []string{"s"},
			// -1e-9/3 → -1 part per 10^9, not 0
			want: map[string]want{"x": {-1, 2}},
		},
		{
			name:  "max rank",
			edges: edges("s", "a", 1.0, "a", "b", 1.0, "b", "c", 1.0),
			seeds: []string{"s"},
			params: func(p *DATTParams) {
				p.MaxRank = 2
			},
			want: map[string]want{"b": {One, 2}, "c": {0, -1}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultDATTParams()
			if tc.params != nil {
				tc.params(&p)
			}
			r := mustDATT(t, mustGraph(t, tc.edges), tc.seeds, p)
			for id, w := range tc.want {
				got, rank, ok := r.Lookup(id)
				if ok != (w.rank >= 0) || got != w.score || rank != w.rank {
					t.Errorf("%s: score %v rank %d ok %v, want %v rank %d", id, got, rank, ok, w.score, w.rank)
				}
			}
		})
	}
}

func TestDATTTruncation(t *testing.T) {
	// s → a,b,c,d at rank 1 with distinct weights, each → one more node.
	e := edges("s", "a", .4, "s", "b", .9, "s", "c", .9, "s", "d", .1,
		"a", "a2", 1.0, "b", "b2", 1.0, "c", "c2", 1.0, "d", "d2", 1.0)
	g := mustGraph(t, e)
	p := DefaultDATTParams()

	p.MaxNodes = 3 // the seed + 2 of rank 1: highest scores first, ties by identity
	r := mustDATT(t, g, []string{"s"}, p)
	if r.Truncated != StoppedAtMaxNodes || r.Scored != 3 || r.Ranks != 1 {
		t.Fatalf("got %v, %d scored, %d ranks", r.Truncated, r.Scored, r.Ranks)
	}
	if got := fmt.Sprint(r.Scores()); got != "[{b 0.9} {c 0.9} {s 1}]" {
		t.Errorf("scores %s", got)
	}

	p.MaxNodes = 5 // exactly the seed and rank 1: rank 2 is dropped entirely
	r = mustDATT(t, g, []string{"s"}, p)
	if r.Truncated != StoppedAtMaxNodes || r.Scored != 5 || r.Ranks != 1 {
		t.Fatalf("got %v, %d scored, %d ranks", r.Truncated, r.Scored, r.Ranks)
	}

	p = DefaultDATTParams()
	p.MaxRank = 1
	r = mustDATT(t, g, []string{"s"}, p)
	if r.Truncated != StoppedAtMaxRank || r.Scored != 5 {
		t.Fatalf("got %v, %d scored", r.Truncated, r.Scored)
	}
	p.MaxRank = 2
	if r = mustDATT(t, g, []string{"s"}, p); r.Truncated != Complete || r.Scored != 9 {
		t.Fatalf("got %v, %d scored", r.Truncated, r.Scored)
	}
}

func TestDATTBadInput(t *testing.T) {
	g := mustGraph(t, referenceDATT, "lonely")
	ok := DefaultDATTParams()
	tests := []struct {
		name   string
		seeds  []string
		params func(*DATTParams)
		want   error
		msg    string
	}{
		{"no seeds", nil, nil, ErrNoSeeds, "score: no seeds"},
		{"unknown seed", []string{"0", "nobody"}, nil, ErrUnknownIdentity, `score: unknown identity: seed "nobody" (pass the seeds to NewGraph as identities)`},
		{"duplicate seed", []string{"1", "0", "1"}, nil, ErrDuplicateSeed, `score: duplicate seed "1"`},
		{"more seeds than max nodes", []string{"0", "1"}, func(p *DATTParams) { p.MaxNodes = 1 }, ErrParams, "score: bad parameters: 2 seeds > DATT MaxNodes 1"},
		{"negative max rank", []string{"0"}, func(p *DATTParams) { p.MaxRank = -1 }, ErrParams, "score: bad parameters: DATT MaxRank -1 < 0"},
		{"zero decay", []string{"0"}, func(p *DATTParams) { p.Decay = 0 }, ErrParams, "score: bad parameters: DATT Decay 0 outside (0, 1]"},
		{"decay above one", []string{"0"}, func(p *DATTParams) { p.Decay = One + 1 }, ErrParams, "score: bad parameters: DATT Decay 1.000000001 outside (0, 1]"},
		{"zero threshold", []string{"0"}, func(p *DATTParams) { p.MinPropagate = 0 }, ErrParams, "score: bad parameters: DATT MinPropagate 0 outside [0.000000001, 1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			if tc.params != nil {
				tc.params(&p)
			}
			_, err := DATT(g, tc.seeds, p)
			if !errors.Is(err, tc.want) || err.Error() != tc.msg {
				t.Errorf("got %v, want %q", err, tc.msg)
			}
		})
	}
	// A seed without edges is fine.
	r := mustDATT(t, g, []string{"lonely"}, ok)
	if r.Scored != 1 || r.Truncated != Complete {
		t.Errorf("lonely seed: %d scored, %v", r.Scored, r.Truncated)
	}
}
