package storage

import (
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
)

// TestHoldingsMatchASet checks the holdings containers against a plain set:
// after random adds and removes (dense enough to cross from sparse to dense
// containers and back), eachHolding lists exactly the set from any start,
// every container decodes, and its encoding is the canonical one. The
// awaiting marks (mw/, the same containers) are edited in the same run
// against a set of their own: neither index sees the other's edits.
func TestHoldingsMatchASet(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := types.NewContext(store.NewMemTree(), "hold", 1, time.Unix(0, 0))
		k := Keeper{}
		model := map[uint32]map[uint64]bool{1: {}, 2: {}}
		awaiting := map[uint32]map[uint64]bool{1: {}, 2: {}}
		// Sequence numbers in three containers, bunched so a container can
		// pass holdSpan/16 entries.
		seqAt := func(c, o int) uint64 { return uint64(c)*holdSpan + uint64(o) }
		for range rapid.IntRange(1, 1500).Draw(rt, "ops") {
			num := uint32(rapid.IntRange(1, 2).Draw(rt, "mn"))
			seq := seqAt(rapid.IntRange(0, 2).Draw(rt, "container"), rapid.IntRange(0, 400).Draw(rt, "offset"))
			if seq == 0 {
				continue // sequence numbers start at 1
			}
			holds := rapid.IntRange(0, 3).Draw(rt, "op") > 0
			m, set := model, k.setHolding
			if rapid.Bool().Draw(rt, "awaiting") {
				m, set = awaiting, k.setAwaiting
			}
			set(ctx, num, seq, holds)
			if holds {
				m[num][seq] = true
			} else {
				delete(m[num], seq)
			}
		}
		check := func(num uint32, set map[uint64]bool, each func(*types.Context, uint32, uint64, func(uint64) bool), what string) {
			var want []uint64
			for s := range set {
				want = append(want, s)
			}
			slices.Sort(want)
			from := seqAt(rapid.IntRange(0, 2).Draw(rt, "from container"), rapid.IntRange(0, 400).Draw(rt, "from offset"))
			var got []uint64
			each(ctx, num, from, func(s uint64) bool { got = append(got, s); return true })
			i, _ := slices.BinarySearch(want, from)
			if !slices.Equal(got, want[i:]) {
				rt.Fatalf("masternode %d from %d: %s %v, the set %v", num, from, what, got, want[i:])
			}
		}
		for _, num := range []uint32{1, 2} {
			check(num, model[num], k.eachHolding, "holdings")
			check(num, awaiting[num], k.eachAwaiting, "awaiting")
		}
		for _, prefix := range [][]byte{pMnCommit, pMnAwaiting} {
			it := k.kv(ctx).Iterator(prefix, types.PrefixEnd(prefix))
			for ; it.Valid(); it.Next() {
				offs, err := decodeHold(it.Value())
				if err != nil {
					rt.Fatal(err)
				}
				if enc := encodeHold(offs); !slices.Equal(enc, it.Value()) || len(offs) == 0 {
					rt.Fatalf("container %x is not in canonical form (%d offsets)", it.Key(), len(offs))
				}
			}
			it.Close()
		}
	})
}

// TestHoldingsTurnDense: a container with holdSpan/16 entries or more is a
// bitmap, and turns back into a list below that.
func TestHoldingsTurnDense(t *testing.T) {
	ctx := types.NewContext(store.NewMemTree(), "hold", 1, time.Unix(0, 0))
	k := Keeper{}
	for s := uint64(1); s <= holdSpan/16; s++ {
		k.setHolding(ctx, 7, s, true)
	}
	if v := k.kv(ctx).Get(holdKey(7, 1)); len(v) != holdSpan/8+1 || v[0] != holdDense {
		t.Fatalf("%d entries: container of %d bytes, kind %d; want a dense bitmap", holdSpan/16, len(v), v[0])
	}
	k.setHolding(ctx, 7, 5, false)
	if v := k.kv(ctx).Get(holdKey(7, 1)); len(v) != 1+2*(holdSpan/16-1) || v[0] != holdSparse {
		t.Fatalf("%d entries: container of %d bytes, kind %d; want a sorted list", holdSpan/16-1, len(v), v[0])
	}
	var n int
	k.eachHolding(ctx, 7, 0, func(uint64) bool { n++; return true })
	if n != holdSpan/16-1 {
		t.Fatalf("%d holdings listed, want %d", n, holdSpan/16-1)
	}
}
