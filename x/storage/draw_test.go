package storage

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
)

// TestDrawTreeMatchesPrefixSums checks the Fenwick tree against the obvious
// definition: after random weight changes, fwFind(t) is the first stripe
// whose running total of weights exceeds t, and the offset is t minus the
// weights before it.
func TestDrawTreeMatchesPrefixSums(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := types.NewContext(store.NewMemTree(), "draw", 1, time.Unix(0, 0))
		k := Keeper{}
		n := rapid.IntRange(1, 40).Draw(rt, "stripes")
		// Sequence numbers spread out as after many deleted stripes, and
		// near the top of the tree.
		seqs := make([]uint64, n)
		for i := range seqs {
			seqs[i] = rapid.Uint64Range(1, 1000).Draw(rt, "gap")
			if i > 0 {
				seqs[i] += seqs[i-1]
			}
		}
		if rapid.Bool().Draw(rt, "top") {
			seqs[n-1] = fwSize
		}
		// Stripes are numbered one by one, weight changes in between: the
		// root moves up as numbers pass it, over weights already there.
		weights := map[uint64]uint64{}
		numbered := 0
		number := func() {
			k.fwExtend(ctx, k.counter(ctx, keyStripeSeq), seqs[numbered])
			k.setCounter(ctx, keyStripeSeq, seqs[numbered])
			numbered++
		}
		number()
		for range rapid.IntRange(1, 100).Draw(rt, "changes") {
			if numbered < n && rapid.IntRange(0, 3).Draw(rt, "number") == 0 {
				number()
			}
			s := seqs[rapid.IntRange(0, numbered-1).Draw(rt, "which")]
			if weights[s] > 0 && rapid.Bool().Draw(rt, "down") {
				k.fwAdd(ctx, s, -1)
				weights[s]--
			} else {
				d := rapid.Uint64Range(1, 5).Draw(rt, "up")
				k.fwAdd(ctx, s, int64(d))
				weights[s] += d
			}
		}
		var total uint64
		for _, w := range weights {
			total += w
		}
		// Slow: walk the stripes in sequence order (seqs is ascending).
		ordered := seqs
		for x := uint64(0); x < total; x++ {
			rest := x
			var want uint64
			for _, s := range ordered {
				if rest < weights[s] {
					want = s
					break
				}
				rest -= weights[s]
			}
			got, off := k.fwFind(ctx, x)
			if got != want || off != rest {
				rt.Fatalf("t=%d: tree says stripe %d offset %d, prefix sums %d offset %d", x, got, off, want, rest)
			}
		}
		refs := map[uint64]string{}
		if err := k.checkDrawTree(ctx, weights, refs); err != nil {
			rt.Fatal(err)
		}
	})
}
