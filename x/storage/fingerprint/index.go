package fingerprint

// Index is an in-memory near-duplicate index of (fingerprint, id) pairs,
// for masternodes and wallets; the chain keeps the same index in its store
// (see BandKeys). Lookups are exact: Near returns every stored pair within
// the distance, as a scan of all pairs would. The zero Index is empty and
// ready; it allocates 6 MiB of bucket headers on first use, then about
// 130 bytes per pair (measured at 10^6 pairs with 4-byte ids). An Index
// is not safe for concurrent writes; concurrent lookups without writes
// are safe.
type Index struct {
	buckets *[bands][1 << bandBits][]entry
	slots   []slot
	free    []uint32
	n       int
}

// entry is one pair in one band's bucket. The hash is kept beside the slot
// number so candidates are checked without touching the slot.
type entry struct {
	h    Hash
	slot uint32
}

type slot struct {
	h    Hash
	id   string
	used bool
}

// Len is the number of pairs stored.
func (x *Index) Len() int { return x.n }

// Add stores (h, id) and reports whether it was new.
func (x *Index) Add(h Hash, id string) bool {
	if x.buckets == nil {
		x.buckets = new([bands][1 << bandBits][]entry)
	}
	if _, ok := x.find(h, id); ok {
		return false
	}
	var s uint32
	if n := len(x.free); n > 0 {
		s = x.free[n-1]
		x.free = x.free[:n-1]
		x.slots[s] = slot{h, id, true}
	} else {
		s = uint32(len(x.slots))
		x.slots = append(x.slots, slot{h, id, true})
	}
	for b := range bands {
		bk := &x.buckets[b][bandOf(h, b)]
		*bk = append(*bk, entry{h, s})
	}
	x.n++
	return true
}

// Remove deletes (h, id) and reports whether it was there.
func (x *Index) Remove(h Hash, id string) bool {
	s, ok := x.find(h, id)
	if !ok {
		return false
	}
	for b := range bands {
		bk := &x.buckets[b][bandOf(h, b)]
		for i, e := range *bk {
			if e.slot == s {
				last := len(*bk) - 1
				(*bk)[i] = (*bk)[last]
				*bk = (*bk)[:last]
				break
			}
		}
	}
	x.slots[s] = slot{}
	x.free = append(x.free, s)
	x.n--
	return true
}

func (x *Index) find(h Hash, id string) (uint32, bool) {
	if x.buckets == nil {
		return 0, false
	}
	for _, e := range x.buckets[0][bandOf(h, 0)] {
		if e.h == h && x.slots[e.slot].id == id {
			return e.slot, true
		}
	}
	return 0, false
}

// Near returns every stored pair within maxDistance of h, nearest first
// (then by hash and id). A negative maxDistance finds nothing.
func (x *Index) Near(h Hash, maxDistance int) []Match {
	if maxDistance < 0 || x.buckets == nil {
		return nil
	}
	d := clampDistance(maxDistance)
	r := radii(d)
	var out []Match
	for b := range bands {
		if r[b] < 0 {
			continue
		}
		neighbours(bandOf(h, b), r[b], func(v uint16) {
			for _, e := range x.buckets[b][v] {
				dist := Distance(h, e.h)
				if dist <= d && firstBand(h, e.h, b, &r) {
					out = append(out, Match{x.slots[e.slot].id, e.h, dist})
				}
			}
		})
	}
	sortMatches(out)
	return out
}

// NearAny returns every stored pair within maxDistance of any of hs, each
// once with its distance to the nearest of hs. It is the lookup for the
// fingerprints of Probes.
func (x *Index) NearAny(hs []Hash, maxDistance int) []Match {
	var all []Match
	for _, h := range hs {
		all = append(all, x.Near(h, maxDistance)...)
	}
	return mergeNearest(all)
}
