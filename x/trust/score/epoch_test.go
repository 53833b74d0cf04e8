package score

import (
	"errors"
	"slices"
	"testing"
)

func TestComputeEpoch(t *testing.T) {
	p := DefaultParams()
	p.Eigen = EigenParams{Alpha: One / 2, Epsilon: 10, MaxIterations: 100}
	e, err := ComputeEpoch(referenceDATT, []Seed{{"0", One}}, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Nodes) != 7 || e.Nodes[0].ID != "0" || e.Nodes[6].ID != "6" {
		t.Fatalf("nodes %v", e.Nodes)
	}
	n5, ok := e.Lookup("5")
	if !ok || n5.DATT != s(.23) || n5.Rank != 2 {
		t.Errorf("5: %+v", n5)
	}
	n0, _ := e.Lookup("0")
	if n0.EigenNorm != One || n0.DATT != One || n0.Combined != One {
		t.Errorf("the seed holds the most trust: %+v", n0)
	}
	var sum Score
	for _, nr := range e.Nodes {
		sum += nr.Eigen
		if want := combine(nr.DATT, nr.EigenNorm, p.DATTWeight); nr.Combined != want || nr.EigenNorm > One || nr.EigenNorm < 0 {
			t.Errorf("%s: %+v", nr.ID, nr)
		}
	}
	if sum > One || sum < One-10 {
		t.Errorf("EigenTrust sums to %v", sum)
	}
	if top := TopN(e.Combined(), 2); top[0].ID != "0" || top[1].ID != "2" {
		t.Errorf("top 2: %v", top)
	}

	// Non-convergence returns the whole epoch with the error.
	p.Eigen.MaxIterations = 2
	p.Eigen.Epsilon = 1
	e, err = ComputeEpoch(referenceDATT, []Seed{{"0", One}}, p)
	if !errors.Is(err, ErrNotConverged) || e == nil || len(e.Nodes) != 7 {
		t.Errorf("got %v, %v", e, err)
	}
	// Other errors return no epoch.
	bad := DefaultParams()
	bad.DATTWeight = One + 1
	if e, err := ComputeEpoch(referenceDATT, []Seed{{"0", One}}, bad); e != nil || !errors.Is(err, ErrParams) {
		t.Errorf("got %v, %v", e, err)
	}
	if e, err := ComputeEpoch(append(slices.Clone(referenceDATT), Edge{"0", "1", 1}), []Seed{{"0", One}}, DefaultParams()); e != nil || !errors.Is(err, ErrDuplicateEdge) {
		t.Errorf("got %v, %v", e, err)
	}
}

func TestCombine(t *testing.T) {
	for _, tc := range []struct{ datt, eig, w, want Score }{
		{One, One, One / 2, One},
		{0, 0, One / 2, 0},
		{s(.23), s(.5), One / 2, s(.365)},
		{-One, 0, One / 2, -One / 2},
		{-1, 0, One / 2, -1}, // -0.5 parts per 10^9 rounds down
		{s(-.4), One, One / 4, s(.65)},
		{s(.3), s(.9), One, s(.3)},
		{s(.3), s(.9), 0, s(.9)},
	} {
		if got := combine(tc.datt, tc.eig, tc.w); got != tc.want {
			t.Errorf("combine(%v, %v, %v) = %v, want %v", tc.datt, tc.eig, tc.w, got, tc.want)
		}
	}
}
