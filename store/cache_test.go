package store

import (
	"bytes"
	"fmt"
	"sort"
	"testing"

	"pgregory.net/rapid"

	"github.com/pastelchain/pastel/types"
)

// TestCacheMatchesMap runs random writes through a cache over a tree (and a
// prefix view) and checks every read and iteration against a plain map.
func TestCacheMatchesMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tree := NewMemTree()
		model := map[string][]byte{}
		keyGen := rapid.SliceOfN(rapid.ByteRange(0, 4), 1, 3)
		for _, k := range rapid.SliceOf(keyGen).Draw(t, "base") {
			tree.Set(k, []byte{1})
			model[string(k)] = []byte{1}
		}
		cache := NewCache(tree)
		nops := rapid.IntRange(0, 40).Draw(t, "nops")
		for i := 0; i < nops; i++ {
			k := keyGen.Draw(t, "key")
			if rapid.Bool().Draw(t, "set") {
				v := []byte{byte(i), 7}
				cache.Set(k, v)
				model[string(k)] = v
			} else {
				cache.Delete(k)
				delete(model, string(k))
			}
		}
		start := keyGen.Draw(t, "start")
		end := keyGen.Draw(t, "end")
		if bytes.Compare(start, end) > 0 {
			start, end = end, start
		}
		// Open bounds too: the cache's ordered index serves them apart.
		if rapid.IntRange(0, 3).Draw(t, "open start") == 0 {
			start = nil
		}
		if rapid.IntRange(0, 3).Draw(t, "open end") == 0 {
			end = nil
		}
		check := func(name string, s types.KVStore) {
			var want []string
			for k := range model {
				if k >= string(start) && (end == nil || k < string(end)) {
					want = append(want, k)
				}
			}
			sort.Strings(want)
			var got []string
			it := s.Iterator(start, end)
			for ; it.Valid(); it.Next() {
				got = append(got, string(it.Key()))
				if !bytes.Equal(it.Value(), model[string(it.Key())]) {
					t.Fatalf("%s: value of %x", name, it.Key())
				}
			}
			it.Close()
			if len(got) != len(want) {
				t.Fatalf("%s: iterated %x, want %x", name, got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s: iterated %x, want %x", name, got, want)
				}
			}
			var rev []string
			rit := s.ReverseIterator(start, end)
			for ; rit.Valid(); rit.Next() {
				rev = append(rev, string(rit.Key()))
			}
			rit.Close()
			for i := range rev {
				if rev[i] != want[len(want)-1-i] {
					t.Fatalf("%s: reverse %x, want reverse of %x", name, rev, want)
				}
			}
		}
		check("cache", cache)
		// A cache over the cache (a transaction's over its block's) sees
		// the same, and its own writes flush into the outer one.
		inner := NewCache(cache)
		k := keyGen.Draw(t, "inner key")
		if rapid.Bool().Draw(t, "inner set") {
			inner.Set(k, []byte{9})
			model[string(k)] = []byte{9}
		} else {
			inner.Delete(k)
			delete(model, string(k))
		}
		check("nested cache", inner)
		inner.Write()
		check("cache after nested write", cache)
		cache.Write()
		check("tree after write", tree)
		for k, v := range model {
			if !bytes.Equal(tree.Get([]byte(k)), v) {
				t.Fatalf("tree[%x] after write", k)
			}
		}
	})
}

func TestPrefixIsolates(t *testing.T) {
	tree := NewMemTree()
	a := NewPrefix(tree, []byte("a/"))
	b := NewPrefix(tree, []byte("b/"))
	a.Set([]byte("k"), []byte("1"))
	b.Set([]byte("k"), []byte("2"))
	if string(a.Get([]byte("k"))) != "1" || string(b.Get([]byte("k"))) != "2" {
		t.Fatal("prefixes share keys")
	}
	n := 0
	for it := a.Iterator(nil, nil); it.Valid(); it.Next() {
		if string(it.Key()) != "k" {
			t.Fatalf("key %q not stripped", it.Key())
		}
		n++
	}
	if n != 1 {
		t.Fatalf("prefix iterator saw %d keys", n)
	}
}

// BenchmarkCacheIterator opens a narrow iterator (one key of the parent, no
// written key in range) on a cache holding n writes, as a ring walk does
// inside a block of registrations: "ordered" is the cache, "sort-all" the
// previous way (range over every written key and sort those in range) as
// the baseline, in the same run.
func BenchmarkCacheIterator(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		tree := NewMemTree()
		tree.Set([]byte("ring/x"), []byte{1})
		c := NewCache(tree)
		for i := range n {
			c.Set(fmt.Appendf(nil, "w/%08d", i), []byte{1})
		}
		start, end := []byte("ring/"), []byte("ring0")
		b.Run(fmt.Sprintf("ordered/writes=%d", n), func(b *testing.B) {
			for b.Loop() {
				it := c.Iterator(start, end)
				if !it.Valid() {
					b.Fatal("empty")
				}
				it.Close()
			}
		})
		b.Run(fmt.Sprintf("sort-all/writes=%d", n), func(b *testing.B) {
			for b.Loop() {
				var keys []string
				for k := range c.dirty {
					if k >= string(start) && k < string(end) {
						keys = append(keys, k)
					}
				}
				sort.Strings(keys)
				it := newMergeIterator(tree.Iterator(start, end), c, keys, true)
				if !it.Valid() {
					b.Fatal("empty")
				}
				it.Close()
			}
		})
	}
}
