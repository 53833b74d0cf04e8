package score

import (
	"errors"
	"testing"
)

func mustEigen(t testing.TB, g *Graph, seeds []Seed, p EigenParams) *EigenResult {
	t.Helper()
	r, err := EigenTrust(g, seeds, p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func abs(x Score) Score {
	if x < 0 {
		return -x
	}
	return x
}

// The reference vector: local trust in arbitrary units scales away in
// the row normalization (100 → 1, 75 → 0.75), and so does pre-trust.
func TestEigenTrustReference(t *testing.T) {
	g := mustGraph(t, edges("ek", "sd", 1.0, "vm", "sd", 1.0, "ek", "vm", .75))
	seeds := []Seed{{"ek", One / 2}, {"vm", One}}
	p := EigenParams{Alpha: One / 2, Epsilon: 10, MaxIterations: 100}
	r := mustEigen(t, g, seeds, p)
	// Exactly 28/129, 39/129, 62/129 (solved by hand; see also
	// TestEigenTrustMatchesExactSolution).
	want := map[string]Score{"ek": s(.217054), "sd": s(.302326), "vm": s(.480620)}
	for id, w := range want {
		got, ok := r.Lookup(id)
		if !ok || abs(got-w) > 1000 { // 10^-6
			t.Errorf("%s: %v, want %v", id, got, w)
		}
	}
	exact := map[string]Score{"ek": 217_054_263, "sd": 302_325_581, "vm": 480_620_155}
	for id, w := range exact {
		// Distance to the fixed point ≤ Epsilon·(1−a)/a = 10, plus rounding.
		if got, _ := r.Lookup(id); abs(got-w) > 12 {
			t.Errorf("%s: %v, want %v within 12 parts per 10^9", id, got, w)
		}
	}
	if !r.Converged || r.Delta >= p.Epsilon {
		t.Errorf("converged %v delta %v after %d iterations", r.Converged, r.Delta, r.Iterations)
	}
}

func TestEigenTrustFallsBackToSeeds(t *testing.T) {
	// x has only distrust, y nothing at all: both rows become the pre-trust
	// vector, so all their trust goes to the seed s; nothing reaches z.
	g := mustGraph(t, edges("s", "x", .5, "s", "y", .5, "x", "z", -1.0), "s")
	r := mustEigen(t, g, []Seed{{"s", One}}, EigenParams{Alpha: One / 2, Epsilon: 1, MaxIterations: 200})
	// t_s = a + (1−a)(t_x + t_y), t_x = t_y = (1−a)·t_s/2, sum 1 → t_s = 2/3.
	want := map[string]Score{"s": 666_666_666, "x": 166_666_666, "y": 166_666_666, "z": 0}
	for id, w := range want {
		if got, _ := r.Lookup(id); abs(got-w) > 3 {
			t.Errorf("%s: %v, want %v", id, got, w)
		}
	}
}

func TestEigenTrustNotConverged(t *testing.T) {
	g := mustGraph(t, referenceDATT)
	p := EigenParams{Alpha: One / 100, Epsilon: 1, MaxIterations: 3}
	r, err := EigenTrust(g, []Seed{{"0", One}}, p)
	if !errors.Is(err, ErrNotConverged) || r == nil || r.Converged || r.Iterations != 3 {
		t.Fatalf("got %v, %+v", err, r)
	}
	const prefix = "score: eigentrust did not converge in 3 iterations (delta "
	if msg := err.Error(); len(msg) < len(prefix) || msg[:len(prefix)] != prefix {
		t.Errorf("message %q", msg)
	}
	var sum Score
	for _, ns := range r.Scores() {
		sum += ns.Score
	}
	if sum > One || sum < One-10 {
		t.Errorf("last vector sums to %v", sum)
	}
}

func TestEigenTrustBadInput(t *testing.T) {
	g := mustGraph(t, referenceDATT)
	ok := EigenParams{Alpha: One / 2, Epsilon: 10, MaxIterations: 10}
	tests := []struct {
		name   string
		seeds  []Seed
		params func(*EigenParams)
		want   error
		msg    string
	}{
		{"no seeds", nil, nil, ErrNoSeeds, "score: no seeds"},
		{"zero pre-trust", []Seed{{"0", 0}}, nil, ErrPreTrust, `score: seed pre-trust outside (0, 1]: "0" has 0`},
		{"pre-trust above one", []Seed{{"1", One}, {"0", 2 * One}}, nil, ErrPreTrust, `score: seed pre-trust outside (0, 1]: "0" has 2`},
		{"unknown seed", []Seed{{"x", One}}, nil, ErrUnknownIdentity, `score: unknown identity: seed "x" (pass the seeds to NewGraph as identities)`},
		{"duplicate seed", []Seed{{"0", One}, {"0", 1}}, nil, ErrDuplicateSeed, `score: duplicate seed "0"`},
		{"zero alpha", []Seed{{"0", One}}, func(p *EigenParams) { p.Alpha = 0 }, ErrParams, "score: bad parameters: EigenTrust Alpha 0 outside (0, 1]"},
		{"zero epsilon", []Seed{{"0", One}}, func(p *EigenParams) { p.Epsilon = 0 }, ErrParams, "score: bad parameters: EigenTrust Epsilon 0 outside [0.000000001, 1]"},
		{"no iterations", []Seed{{"0", One}}, func(p *EigenParams) { p.MaxIterations = 0 }, ErrParams, "score: bad parameters: EigenTrust MaxIterations 0 < 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			if tc.params != nil {
				tc.params(&p)
			}
			r, err := EigenTrust(g, tc.seeds, p)
			if r != nil || !errors.Is(err, tc.want) || err.Error() != tc.msg {
				t.Errorf("got %v, want %q", err, tc.msg)
			}
		})
	}
}

func TestEigenTrustAlphaOne(t *testing.T) {
	// a = 1: t = p after one iteration, whatever the graph.
	g := mustGraph(t, referenceDATT)
	r := mustEigen(t, g, []Seed{{"0", One}, {"5", One / 3}}, EigenParams{Alpha: One, Epsilon: 1, MaxIterations: 5})
	if got, _ := r.Lookup("0"); got != 750_000_000 {
		t.Errorf("seed 0: %v", got)
	}
	if got, _ := r.Lookup("5"); got != 249_999_999 && got != 250_000_000 {
		t.Errorf("seed 5: %v", got)
	}
	if r.Iterations != 1 {
		t.Errorf("%d iterations", r.Iterations)
	}
}
