package fingerprint

import (
	"cmp"
	"math/bits"
	"slices"
)

// The index splits a hash into bands of 16 bits and finds neighbours by
// looking up band values, as in multi-index hashing (Norouzi, Punjani and
// Fleet, "Fast Search in Hamming Space with Multi-Index Hashing", CVPR 2012).
//
// Pigeonhole, refined: write the search radius d = 4q + a with 0 ≤ a < 4.
// If dist(h, g) ≤ d then some band j ≤ a has band distance ≤ q or some
// band j > a has band distance ≤ q-1; otherwise the total would be at least
// (a+1)(q+1) + (3-a)q = d+1. So searching bands 0..a within q and the
// others within q-1 finds every neighbour: recall is exact. At d = 10 that
// is 3·137 + 17 = 428 band values, each holding n/65536 entries on average.
const (
	bands    = 4
	bandBits = 64 / bands
)

func bandOf(h Hash, b int) uint16 { return uint16(h >> (bandBits * b)) }

// radii returns, for each band, the band distance to search within for
// hashes within d of the query; -1 means the band need not be searched.
func radii(d int) [bands]int {
	var r [bands]int
	q, a := d/bands, d%bands
	for b := range r {
		r[b] = q - 1
		if b <= a {
			r[b] = q
		}
		r[b] = min(r[b], bandBits)
	}
	return r
}

// firstBand reports whether band z is the first band in which g falls
// within the radius, that is where the search reports g, so that a hash
// found through several bands is reported once.
func firstBand(h, g Hash, z int, r *[bands]int) bool {
	for b := range z {
		if bits.OnesCount16(bandOf(h, b)^bandOf(g, b)) <= r[b] {
			return false
		}
	}
	return true
}

// masksByWeight[w] lists the 16-bit masks with w bits set, ascending.
var masksByWeight = func() (m [bandBits + 1][]uint16) {
	for v := range 1 << bandBits {
		w := bits.OnesCount16(uint16(v))
		m[w] = append(m[w], uint16(v))
	}
	return m
}()

// neighbours calls fn for every band value within radius of v.
func neighbours(v uint16, radius int, fn func(uint16)) {
	for w := 0; w <= radius; w++ {
		for _, m := range masksByWeight[w] {
			fn(v ^ m)
		}
	}
}

// valueRange is an inclusive range of band values.
type valueRange struct{ lo, hi uint16 }

// ranges returns the band values within radius of v as ascending runs of
// consecutive values, so a sorted store reads each run with one seek.
func ranges(v uint16, radius int) []valueRange {
	var vs []uint16
	neighbours(v, radius, func(x uint16) { vs = append(vs, x) })
	slices.Sort(vs)
	var out []valueRange
	for _, x := range vs {
		if n := len(out); n > 0 && uint32(out[n-1].hi)+1 == uint32(x) {
			out[n-1].hi = x
			continue
		}
		out = append(out, valueRange{x, x})
	}
	return out
}

// Match is a stored fingerprint near a query.
type Match struct {
	// ID is the identifier stored with the fingerprint (for the store,
	// its bytes).
	ID string
	// Hash is the stored fingerprint.
	Hash Hash
	// Distance is the Hamming distance from the query (from the nearest
	// query, for the NearAny functions).
	Distance int
}

// sortMatches orders matches nearest first, then by hash and id, so every
// caller sees the same order.
func sortMatches(ms []Match) {
	slices.SortFunc(ms, func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.Hash, b.Hash), cmp.Compare(a.ID, b.ID))
	})
}

// mergeNearest keeps, for each (hash, id), the smallest distance, sorted.
func mergeNearest(ms []Match) []Match {
	sortMatches(ms)
	type key struct {
		h  Hash
		id string
	}
	seen := make(map[key]bool, len(ms))
	out := ms[:0]
	for _, m := range ms {
		k := key{m.Hash, m.ID}
		if !seen[k] {
			seen[k] = true
			out = append(out, m)
		}
	}
	return out
}

// clampDistance limits a search radius to what 64 bits allow.
func clampDistance(d int) int { return min(d, 64) }
