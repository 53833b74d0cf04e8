package score

import (
	"cmp"
	"slices"
)

// NodeScore is one identity's score.
type NodeScore struct {
	ID    string
	Score Score
}

// TopN returns the n highest scores, highest first; equal scores are ordered
// by identity, ascending, so the result does not depend on the input order.
// It does not modify scores. n ≤ 0 returns nothing; n beyond len(scores)
// returns them all.
func TopN(scores []NodeScore, n int) []NodeScore {
	if n <= 0 {
		return nil
	}
	out := slices.Clone(scores)
	slices.SortFunc(out, compareRanked)
	return out[:min(n, len(out)):min(n, len(out))]
}

// compareRanked orders by score descending, then identity ascending.
func compareRanked(a, b NodeScore) int {
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}
