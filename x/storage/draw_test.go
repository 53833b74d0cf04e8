package storage

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
)

// TestDrawTreeMatchesPrefixSums checks the draw tree against the obvious
// definition: after random weight changes, drawFind(t) is the first stripe
// whose running total of weights exceeds t, and the offset is t minus the
// weights before it; past the total it finds nothing.
func TestDrawTreeMatchesPrefixSums(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := types.NewContext(store.NewMemTree(), "draw", 1, time.Unix(0, 0))
		k := Keeper{}
		n := rapid.IntRange(1, 40).Draw(rt, "stripes")
		// Sequence numbers spread out as after many deleted stripes, some
		// sharing a node, some far apart, and perhaps the last one there is.
		seqs := make([]uint64, n)
		for i := range seqs {
			seqs[i] = rapid.SampledFrom([]uint64{1, 2, 63, 64, 65, 4095, 4096, 1 << 20, 1 << 30}).Draw(rt, "gap")
			if i > 0 {
				seqs[i] += seqs[i-1]
			}
		}
		if seqs[n-1] >= maxStripeSeq || rapid.Bool().Draw(rt, "top") {
			seqs[n-1] = maxStripeSeq
		}
		for i := n - 2; i >= 0 && seqs[i] >= seqs[i+1]; i-- {
			seqs[i] = seqs[i+1] - 1
		}
		weights := map[uint64]uint64{}
		for range rapid.IntRange(1, 100).Draw(rt, "changes") {
			s := seqs[rapid.IntRange(0, n-1).Draw(rt, "which")]
			if weights[s] > 0 && rapid.Bool().Draw(rt, "down") {
				d := rapid.Uint64Range(1, weights[s]).Draw(rt, "down by")
				k.drawAdd(ctx, s, -int64(d))
				weights[s] -= d
			} else {
				d := rapid.Uint64Range(1, 300).Draw(rt, "up")
				k.drawAdd(ctx, s, int64(d))
				weights[s] += d
			}
		}
		var total uint64
		for _, w := range weights {
			total += w
		}
		// Slow: walk the stripes in sequence order (seqs is ascending).
		check := func(x uint64) {
			rest := x
			var want uint64
			for _, s := range seqs {
				if rest < weights[s] {
					want = s
					break
				}
				rest -= weights[s]
			}
			got, off, ok := k.drawFind(ctx, x)
			if !ok || got != want || off != rest {
				rt.Fatalf("t=%d: tree says stripe %d offset %d (%v), prefix sums %d offset %d", x, got, off, ok, want, rest)
			}
		}
		for range 50 {
			if total > 0 {
				check(rapid.Uint64Range(0, total-1).Draw(rt, "t"))
			}
		}
		if total > 0 {
			check(0)
			check(total - 1)
		}
		if _, _, ok := k.drawFind(ctx, total); ok {
			rt.Fatalf("drawFind(%d) found a stripe past the total", total)
		}
		refs := map[uint64]string{}
		if err := k.checkDrawTree(ctx, weights, refs); err != nil {
			rt.Fatal(err)
		}
		// A weight the records do not call for is caught.
		k.drawAdd(ctx, seqs[0], 1)
		if err := k.checkDrawTree(ctx, weights, refs); err == nil {
			rt.Fatal("checkDrawTree accepted a tree one off its records")
		}
	})
}

// TestDrawNodeEncoding: encode and decodeDrawNode agree, and a stored node
// must be as encode writes it.
func TestDrawNodeEncoding(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		var n drawNode
		for i := range rapid.IntRange(0, drawFan).Draw(rt, "set") {
			n[rapid.IntRange(0, drawFan-1).Draw(rt, fmt.Sprint("slot", i))] = rapid.Uint64().Draw(rt, "w")
		}
		v := n.encode()
		if n == (drawNode{}) {
			if v != nil {
				rt.Fatalf("an empty node encodes as %x, want nothing (deleted)", v)
			}
			return
		}
		got, err := decodeDrawNode(v)
		if err != nil || got != n {
			rt.Fatalf("round trip: %v, %v", got, err)
		}
	})
	for _, bad := range [][]byte{{}, {0}, {1, 0}, {0x80}, append(make([]byte, 0), bytes.Repeat([]byte{1}, drawFan+1)...)} {
		if _, err := decodeDrawNode(bad); err == nil {
			t.Errorf("decodeDrawNode(%x) accepted", bad)
		}
	}
}

// TestCheckDrawTreeWantsCanonicalNodes: a node holding the right weights
// in a longer uvarint spelling (another AppHash) is reported.
func TestCheckDrawTreeWantsCanonicalNodes(t *testing.T) {
	ctx := types.NewContext(store.NewMemTree(), "draw", 1, time.Unix(0, 0))
	k := Keeper{}
	k.drawAdd(ctx, 1, 1)
	weights := map[uint64]uint64{1: 1}
	if err := k.checkDrawTree(ctx, weights, map[uint64]string{}); err != nil {
		t.Fatal(err)
	}
	if v := k.kv(ctx).Get(drawKey(0, 0)); !bytes.Equal(v, []byte{0, 1}) {
		t.Fatalf("node 0/0 stored as %x, want 0001", v)
	}
	k.kv(ctx).Set(drawKey(0, 0), []byte{0, 0x81, 0})
	if err := k.checkDrawTree(ctx, weights, map[uint64]string{}); err == nil {
		t.Fatal("checkDrawTree accepted a node spelled 00 8100 for weights 0, 1")
	}
}
