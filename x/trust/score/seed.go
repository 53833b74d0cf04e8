package score

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// Errors about the seed list.
var (
	ErrNoSeeds       = errors.New("score: no seeds")
	ErrDuplicateSeed = errors.New("score: duplicate seed")
	ErrPreTrust      = errors.New("score: seed pre-trust outside (0, 1]")
)

// Seed is a pre-trusted identity (from genesis or governance). DATT starts
// from every seed with score One whatever its PreTrust; EigenTrust teleports
// to the seeds in proportion to PreTrust, which must be in (0, One].
type Seed struct {
	ID       string
	PreTrust Score
}

// SeedIDs returns the identities of seeds, in the given order.
func SeedIDs(seeds []Seed) []string {
	ids := make([]string, len(seeds))
	for k, s := range seeds {
		ids[k] = s.ID
	}
	return ids
}

// resolveSeeds returns the seeds' indexes in sorted order and their pre-trust
// in the same order. Errors name the first bad seed in identity order.
func (g *Graph) resolveSeeds(seeds []Seed) ([]int32, []uint64, error) {
	sorted := slices.Clone(seeds)
	slices.SortFunc(sorted, func(a, b Seed) int { return cmp.Compare(a.ID, b.ID) })
	idx, err := g.seedIndexes(SeedIDs(sorted))
	if err != nil {
		return nil, nil, err
	}
	weight := make([]uint64, len(sorted))
	for k, s := range sorted {
		if s.PreTrust <= 0 || s.PreTrust > One {
			return nil, nil, fmt.Errorf("%w: %q has %v", ErrPreTrust, s.ID, s.PreTrust)
		}
		weight[k] = uint64(s.PreTrust)
	}
	return idx, weight, nil
}
