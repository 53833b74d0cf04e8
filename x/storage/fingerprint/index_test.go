package fingerprint

import (
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/pastelchain/pastel/store"
)

// pair is one stored (fingerprint, id).
type pair struct {
	h  Hash
	id string
}

// bruteNear is the obvious search the index must agree with.
func bruteNear(ps []pair, h Hash, d int) []Match {
	var out []Match
	for _, p := range ps {
		if dist := Distance(p.h, h); dist <= d {
			out = append(out, Match{p.id, p.h, dist})
		}
	}
	sortMatches(out)
	return out
}

// flip returns h with n distinct random bits flipped.
func flip(t *rapid.T, h Hash, n int, label string) Hash {
	perm := rapid.Permutation(seq64()).Draw(t, label)
	for _, b := range perm[:n] {
		h ^= 1 << b
	}
	return h
}

func seq64() []int {
	s := make([]int, 64)
	for i := range s {
		s[i] = i
	}
	return s
}

// drawPairs draws random fingerprints plus neighbours of q planted at every
// distance from 0 to 20, so each search radius has hits and near misses.
func drawPairs(t *rapid.T, q Hash) []pair {
	var ps []pair
	for i, h := range rapid.SliceOfN(rapid.Uint64(), 0, 200).Draw(t, "random") {
		ps = append(ps, pair{Hash(h), fmt.Sprint("r", i)})
	}
	for i, d := range rapid.SliceOfN(rapid.IntRange(0, 20), 0, 60).Draw(t, "planted") {
		ps = append(ps, pair{flip(t, q, d, fmt.Sprint("flip", i)), fmt.Sprint("p", i)})
	}
	// The same hash under two ids, and a duplicate add.
	if len(ps) > 0 {
		ps = append(ps, pair{ps[0].h, "twin"})
	}
	return ps
}

func TestNearMatchesBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		q := Hash(rapid.Uint64().Draw(t, "query"))
		ps := drawPairs(t, q)
		var x Index
		kv := store.NewMemTree()
		for _, p := range ps {
			x.Add(p.h, p.id)
			AddToStore(kv, p.h, []byte(p.id))
		}
		d := rapid.OneOf(rapid.IntRange(-1, 24), rapid.IntRange(25, 70)).Draw(t, "d")
		want := bruteNear(ps, q, d)
		if got := x.Near(q, d); !slices.Equal(got, want) {
			t.Fatalf("Near(%v, %d):\n got %v\nwant %v", q, d, got, want)
		}
		got, err := NearInStore(kv, q, d)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("NearInStore(%v, %d):\n got %v\nwant %v", q, d, got, want)
		}
	})
}

// TestIndexOperations runs random adds, removes and lookups on the index,
// the store and a plain list, and requires the same answers.
func TestIndexOperations(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var x Index
		kv := store.NewMemTree()
		var model []pair
		centre := Hash(rapid.Uint64().Draw(t, "centre"))
		// Hashes near one centre, so lookups find something.
		hashGen := rapid.Custom(func(t *rapid.T) Hash { return flip(t, centre, rapid.IntRange(0, 16).Draw(t, "n"), "bits") })
		idGen := rapid.SampledFrom([]string{"a", "b", "c", "", "\x00\xff"})
		t.Repeat(map[string]func(*rapid.T){
			"add": func(t *rapid.T) {
				p := pair{hashGen.Draw(t, "h"), idGen.Draw(t, "id")}
				isNew := !slices.Contains(model, p)
				if got := x.Add(p.h, p.id); got != isNew {
					t.Fatalf("Add(%v, %q) = %v, want %v", p.h, p.id, got, isNew)
				}
				if isNew {
					model = append(model, p)
				}
				AddToStore(kv, p.h, []byte(p.id))
			},
			"remove": func(t *rapid.T) {
				var p pair
				if len(model) > 0 && rapid.Bool().Draw(t, "existing") {
					p = rapid.SampledFrom(model).Draw(t, "p")
				} else {
					p = pair{hashGen.Draw(t, "h"), idGen.Draw(t, "id")}
				}
				i := slices.Index(model, p)
				if got := x.Remove(p.h, p.id); got != (i >= 0) {
					t.Fatalf("Remove(%v, %q) = %v, want %v", p.h, p.id, got, i >= 0)
				}
				if i >= 0 {
					model = slices.Delete(model, i, i+1)
				}
				RemoveFromStore(kv, p.h, []byte(p.id))
			},
			"near": func(t *rapid.T) {
				q, d := hashGen.Draw(t, "q"), rapid.IntRange(0, 20).Draw(t, "d")
				want := bruteNear(model, q, d)
				if got := x.Near(q, d); !slices.Equal(got, want) {
					t.Fatalf("Near(%v, %d):\n got %v\nwant %v", q, d, got, want)
				}
				got, err := NearInStore(kv, q, d)
				if err != nil || !slices.Equal(got, want) {
					t.Fatalf("NearInStore(%v, %d) = %v, %v\nwant %v", q, d, got, err, want)
				}
			},
			"": func(t *rapid.T) {
				if x.Len() != len(model) {
					t.Fatalf("Len = %d, want %d", x.Len(), len(model))
				}
			},
		})
	})
}

func TestNearAny(t *testing.T) {
	var x Index
	kv := store.NewMemTree()
	a, b := Hash(0), Hash(0xff)
	x.Add(a, "a")
	x.Add(b, "b")
	AddToStore(kv, a, []byte("a"))
	AddToStore(kv, b, []byte("b"))
	// Both probes reach "a"; it is reported once, at the nearer distance.
	probes := []Hash{0b111, 0b1, 0xffff}
	want := []Match{{"a", a, 1}, {"b", b, 5}}
	if got := x.NearAny(probes, 8); !slices.Equal(got, want) {
		t.Fatalf("NearAny = %v, want %v", got, want)
	}
	got, err := NearAnyInStore(kv, probes, 8)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("NearAnyInStore = %v, %v, want %v", got, err, want)
	}
}

func TestRadiiCoverEveryNeighbour(t *testing.T) {
	// The pigeonhole argument of bands.go, checked exhaustively over how a
	// distance can split across the four bands.
	for d := range 65 {
		r := radii(d)
		var split [bands]int
		var walk func(b, left int)
		walk = func(b, left int) {
			if b == bands {
				for i := range bands {
					if split[i] <= r[i] {
						return
					}
				}
				t.Fatalf("d=%d: split %v escapes radii %v", d, split, r)
			}
			for k := 0; k <= min(left, bandBits); k++ {
				split[b] = k
				walk(b+1, left-k)
			}
		}
		walk(0, d)
	}
}

func TestRangesAreTheNeighbours(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		v, radius := uint16(rng.Uint32()), rng.IntN(5)
		var got []uint16
		for _, r := range ranges(v, radius) {
			for x := uint32(r.lo); x <= uint32(r.hi); x++ {
				got = append(got, uint16(x))
			}
		}
		var want []uint16
		for x := range 1 << 16 {
			if bits.OnesCount16(uint16(x)^v) <= radius {
				want = append(want, uint16(x))
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("ranges(%x, %d) covers %d values, want %d", v, radius, len(got), len(want))
		}
	}
}

func TestStoreRejectsForeignKeys(t *testing.T) {
	for _, k := range [][]byte{{0, 0, 0}, {1, 0xab, 0xcd, 0, 0, 0, 0, 0, 0, 0, 0}} {
		kv := store.NewMemTree()
		kv.Set(k, []byte{})
		_, err := NearInStore(kv, Hash(0xabcd0000), 64)
		if !errors.Is(err, ErrIndexKey) {
			t.Errorf("key %x: err = %v, want ErrIndexKey", k, err)
		}
	}
}

func TestBandKeysLayout(t *testing.T) {
	h := Hash(0x0123456789abcdef)
	keys := BandKeys(h, []byte("id"))
	want := []string{
		"00cdef0123456789abcdef6964",
		"0189ab0123456789abcdef6964",
		"0245670123456789abcdef6964",
		"0301230123456789abcdef6964",
	}
	for i, k := range keys {
		if got := fmt.Sprintf("%x", k); got != want[i] {
			t.Errorf("key %d = %s, want %s", i, got, want[i])
		}
	}
}
