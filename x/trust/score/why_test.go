package score

import (
	"errors"
	"slices"
	"testing"
)

func TestWhy(t *testing.T) {
	g := mustGraph(t, append(slices.Clone(referenceDATT), edges("3", "x", -1.0, "5", "x", 1.0, "x", "y", 1.0)...), "unreached")
	r := mustDATT(t, g, []string{"0"}, DefaultDATTParams())

	ex, err := r.Why("5")
	if err != nil {
		t.Fatal(err)
	}
	wantContrib := []Contribution{
		{From: "1", FromScore: s(.1), Weight: s(.5), Product: s(.05)},
		{From: "3", FromScore: s(.8), Weight: s(.3), Product: s(.24)},
		{From: "4", FromScore: s(.5), Weight: s(.5), Product: s(.25)},
	}
	// 3 has the largest term 0.8²·0.3 = 0.192 (4: 0.125, 1: 0.005).
	wantPath := []PathStep{{"0", One, 0}, {"3", s(.8), s(.8)}, {"5", s(.23), s(.3)}}
	if ex.ID != "5" || ex.Score != s(.23) || ex.Rank != 2 || !slices.Equal(ex.Contributions, wantContrib) || !slices.Equal(ex.Path, wantPath) {
		t.Errorf("got %+v", ex)
	}

	// x is distrusted by 3 at rank 2; 5's trust comes a rank too late. The
	// path follows the distrust.
	ex, err = r.Why("x")
	if err != nil {
		t.Fatal(err)
	}
	wantPath = []PathStep{{"0", One, 0}, {"3", s(.8), s(.8)}, {"x", s(-.8), -One}}
	if ex.Score != s(-.8) || len(ex.Contributions) != 1 || !slices.Equal(ex.Path, wantPath) {
		t.Errorf("got %+v", ex)
	}

	ex, err = r.Why("0")
	if err != nil || ex.Rank != 0 || len(ex.Contributions) != 0 || !slices.Equal(ex.Path, []PathStep{{"0", One, 0}}) {
		t.Errorf("seed: %+v, %v", ex, err)
	}
	for id, want := range map[string]error{"y": ErrNotScored, "unreached": ErrNotScored, "nobody": ErrUnknownIdentity} {
		if _, err := r.Why(id); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", id, err, want)
		}
	}
	if _, err := r.Why("y"); err.Error() != `score: identity not reached by DATT: "y" (complete)` {
		t.Errorf("message %q", err)
	}
}
