package score

import (
	"errors"
	"math/big"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

func TestNewGraphBadInput(t *testing.T) {
	tests := []struct {
		name  string
		edges []Edge
		ids   []string
		want  error
		msg   string
	}{
		{"weight above one", []Edge{{"a", "b", One + 1}}, nil, ErrWeightRange,
			`score: edge weight outside [-1, 1]: "a" -> "b" weight 1.000000001 (1000000001 parts per 10^9)`},
		{"weight below minus one", []Edge{{"a", "b", -One - 1}}, nil, ErrWeightRange,
			`score: edge weight outside [-1, 1]: "a" -> "b" weight -1.000000001 (-1000000001 parts per 10^9)`},
		{"self-edge", []Edge{{"a", "b", 1}, {"c", "c", One}}, nil, ErrSelfEdge,
			`score: self-edge "c" -> "c"`},
		{"first bad edge in sorted order", []Edge{{"z", "z", 1}, {"b", "c", 5 * One}, {"b", "a", -5 * One}, {"q", "q", 1}}, nil, ErrWeightRange,
			`score: edge weight outside [-1, 1]: "b" -> "a" weight -5 (-5000000000 parts per 10^9)`},
		{"duplicate edge", []Edge{{"a", "b", 1}, {"b", "a", 1}, {"a", "b", 1}}, nil, ErrDuplicateEdge,
			`score: duplicate edge "a" -> "b"`},
		{"duplicate edge with another weight", []Edge{{"x", "y", 1}, {"a", "c", 1}, {"x", "y", -1}, {"a", "c", 2}}, nil, ErrDuplicateEdge,
			`score: duplicate edge "a" -> "c"`},
		{"empty from", []Edge{{"", "b", 1}}, nil, ErrEmptyIdentity, "score: empty identity in edge list"},
		{"empty to", []Edge{{"a", "", 1}}, nil, ErrEmptyIdentity, "score: empty identity in edge list"},
		{"empty identity", nil, []string{"a", ""}, ErrEmptyIdentity, "score: empty identity in identity list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := NewGraph(tc.edges, tc.ids)
			if g != nil || !errors.Is(err, tc.want) || err.Error() != tc.msg {
				t.Errorf("got %v, want %q", err, tc.msg)
			}
			// The same error whatever the input order.
			rev := slices.Clone(tc.edges)
			slices.Reverse(rev)
			if _, err2 := NewGraph(rev, tc.ids); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("reversed input: %v", err2)
			}
		})
	}
}

func TestNewGraphLayout(t *testing.T) {
	g := mustGraph(t, edges("b", "a", .5, "a", "c", -1.0, "a", "b", 1.0, "c", "b", 0.0), "d", "a", "d")
	if got := g.Identities(); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("identities %q", got)
	}
	if g.Len() != 4 || g.NumEdges() != 4 || !g.Has("d") || g.Has("e") {
		t.Fatalf("len %d edges %d", g.Len(), g.NumEdges())
	}
	// Out-edges in (From, To) order, in-edges in (To, From) order.
	type e struct {
		a, b int32
		w    int32
	}
	var out, in []e
	for i := int32(0); i < 4; i++ {
		for k := g.outStart[i]; k < g.outStart[i+1]; k++ {
			out = append(out, e{i, g.outTo[k], g.outW[k]})
		}
		for k := g.inStart[i]; k < g.inStart[i+1]; k++ {
			in = append(in, e{g.inFrom[k], i, g.inW[k]})
		}
	}
	wantOut := []e{{0, 1, int32(One)}, {0, 2, -int32(One)}, {1, 0, int32(One / 2)}, {2, 1, 0}}
	wantIn := []e{{1, 0, int32(One / 2)}, {0, 1, int32(One)}, {2, 1, 0}, {0, 2, -int32(One)}}
	if !slices.Equal(out, wantOut) || !slices.Equal(in, wantIn) {
		t.Errorf("out %v\nin %v", out, in)
	}
}

func TestScoreString(t *testing.T) {
	for _, tc := range []struct {
		s    Score
		want string
	}{{0, "0"}, {One, "1"}, {-One, "-1"}, {s(.23), "0.23"}, {1, "0.000000001"}, {-1, "-0.000000001"}, {3*One + 5, "3.000000005"}} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%d: %q, want %q", int64(tc.s), got, tc.want)
		}
	}
}

func TestFixedPointHelpers(t *testing.T) {
	for _, tc := range []struct{ a, b, want int64 }{{7, 2, 3}, {-7, 2, -4}, {-6, 2, -3}, {0, 5, 0}, {-1, int64(One), -1}} {
		if got := floorDiv(tc.a, tc.b); got != tc.want {
			t.Errorf("floorDiv(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	// meanFloor at the extremes: 16 predecessors at score One, weight ±One.
	big := i128{}
	for k := 0; k < 1<<4; k++ {
		big = big.add(trustTerm(uint64(One)*uint64(One), One))
	}
	if got := meanFloor(big, 16*uint64(One)); got != One {
		t.Errorf("meanFloor max = %v", got)
	}
	if got := meanFloor(big.neg(), 16*uint64(One)); got != -One {
		t.Errorf("meanFloor min = %v", got)
	}
	if fraction(3, 3) != ^uint64(0) || fraction(1, 2) != 1<<63 {
		t.Error("fraction")
	}
}

// meanFloor against math/big on the whole valid domain |num| ≤ den·10^18,
// including the corners where only one of its two divisions leaves a
// remainder.
func TestMeanFloorMatchesBig(t *testing.T) {
	check := func(t interface{ Fatalf(string, ...any) }, neg bool, hi, lo, den uint64) {
		mag := new(big.Int).Lsh(new(big.Int).SetUint64(hi), 64)
		mag.Or(mag, new(big.Int).SetUint64(lo))
		limit := new(big.Int).Mul(new(big.Int).SetUint64(den), big.NewInt(int64(One)*int64(One)))
		if mag.Cmp(limit) > 0 {
			mag.Mod(mag, limit)
		}
		num := i128{}
		if mag.BitLen() > 0 {
			num.lo = new(big.Int).And(mag, new(big.Int).SetUint64(^uint64(0))).Uint64()
			num.hi = new(big.Int).Rsh(mag, 64).Uint64()
		}
		want := new(big.Int).Set(mag)
		if neg {
			num = num.neg()
			want.Neg(want)
		}
		want.Div(want, new(big.Int).Mul(new(big.Int).SetUint64(den), big.NewInt(int64(One))))
		if got := meanFloor(num, den); int64(got) != want.Int64() {
			t.Fatalf("meanFloor(%s%v, %d) = %d, want %v", map[bool]string{true: "-"}[neg], mag, den, got, want)
		}
	}
	// q1 = 5·10^9 exactly divisible by One, remainder 1: -5.000000000333 → -6.
	check(t, true, 0, 3*5*uint64(One)+1, 3)
	check(t, true, 0, 3*5*uint64(One), 3)
	check(t, false, 0, 3*5*uint64(One)+1, 3)
	rapid.Check(t, func(t *rapid.T) {
		den := rapid.OneOf(rapid.Uint64Range(1, 10), rapid.Uint64Range(1, 1<<62)).Draw(t, "den")
		check(t, rapid.Bool().Draw(t, "neg"), rapid.Uint64Range(0, 1<<40).Draw(t, "hi"), rapid.Uint64().Draw(t, "lo"), den)
	})
}
