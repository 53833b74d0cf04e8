package storage

import (
	"fmt"
	"math/bits"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// The challenge draw picks one confirmed commitment uniformly among all of
// them, without a list of them by masternode: every stripe record gets a
// sequence number (sq/<seq> names the stripe), and a Fenwick tree over the
// sequence numbers (fw/<node>) holds how many confirmed commitments each
// stripe has. Drawing a number below the total (tc) and descending the tree
// finds the stripe and the commitment in it; a confirmation or its loss
// updates the nodes above its stripe. So each confirmed commitment is
// challenged once per challenge_interval blocks on average, whichever
// masternode holds it and however many others it holds.
//
// The tree is only as tall as the sequence numbers in use: its root is the
// least power of two at or above the highest number given (fwTop), so a
// draw reads and an update writes about log2(stripes) nodes, not fwBits.
// When a new number passes the root, the powers of two up to the new root
// are set to the total (fwExtend): each covers every stripe numbered so far.

// fwBits bounds the tree: it numbers up to 2^fwBits stripes.
const fwBits = 32

const fwSize = uint64(1) << fwBits

func sqKey(seq uint64) []byte  { return key(pStripeSeq, u64(seq)) }
func fwKey(node uint64) []byte { return key(pFenwick, u64(node)) }
func lowbit(i uint64) uint64   { return i & -i }
func (k Keeper) fwGet(ctx *types.Context, node uint64) uint64 {
	return k.counter(ctx, fwKey(node))
}

// fwTop is the root of the tree while sequence numbers run up to n: the
// least power of two at or above n (1 for none).
func fwTop(n uint64) uint64 {
	if n <= 1 {
		return 1
	}
	return uint64(1) << bits.Len64(n-1)
}

// fwRoot is the tree's root now.
func (k Keeper) fwRoot(ctx *types.Context) uint64 { return fwTop(k.counter(ctx, keyStripeSeq)) }

// fwExtend moves the root from fwTop(from) up to fwTop(to) when sequence
// numbers, which ran up to from, now run up to to.
func (k Keeper) fwExtend(ctx *types.Context, from, to uint64) {
	old, top := fwTop(from), fwTop(to)
	if top == old {
		return
	}
	total := k.fwGet(ctx, old)
	if total == 0 {
		return
	}
	for n := old * 2; n <= top; n *= 2 {
		k.setCounter(ctx, fwKey(n), total)
	}
}

// fwAdd adds delta to stripe seq's weight.
func (k Keeper) fwAdd(ctx *types.Context, seq uint64, delta int64) {
	top := k.fwRoot(ctx)
	if seq == 0 || seq > top {
		panic(fmt.Sprintf("storage: stripe sequence %d outside the draw tree (root %d)", seq, top))
	}
	for i := seq; i <= top; i += lowbit(i) {
		v := int64(k.fwGet(ctx, i)) + delta
		if v < 0 {
			panic(fmt.Sprintf("storage: draw tree node %d below zero", i)) // CheckIndexes guards the weights
		}
		if v == 0 {
			k.kv(ctx).Delete(fwKey(i))
		} else {
			k.setCounter(ctx, fwKey(i), uint64(v))
		}
	}
}

// fwFind returns the stripe whose weight covers position t of the
// cumulative weights (t < total) and t's offset inside it.
func (k Keeper) fwFind(ctx *types.Context, t uint64) (seq, rest uint64) {
	top := k.fwRoot(ctx)
	pos := uint64(0)
	for step := top; step > 0; step >>= 1 {
		if next := pos + step; next <= top {
			if v := k.fwGet(ctx, next); v <= t {
				pos, t = next, t-v
			}
		}
	}
	return pos + 1, t
}

// numberStripe gives a new stripe record its sequence number.
func (k Keeper) numberStripe(ctx *types.Context, art []byte, stripe uint32, h holders) {
	seq := k.counter(ctx, keyStripeSeq) + 1
	if seq > fwSize {
		panic("storage: out of stripe sequence numbers")
	}
	k.fwExtend(ctx, seq-1, seq)
	k.setCounter(ctx, keyStripeSeq, seq)
	h.Seq = seq
	k.kv(ctx).Set(sqKey(seq), key(art, u32(stripe)))
}

// drawAttempts bounds the draws one challenge may take: a draw landing on a
// masternode out of good standing (its rewards withheld, jailed, leaving)
// is drawn again.
const drawAttempts = 4

// drawConfirmed draws one confirmed commitment, uniformly among all of them,
// from seed; nil if the drawn holder is not in good standing.
func (k Keeper) drawConfirmed(ctx *types.Context, seed []byte) *storagepb.Commitment {
	total := k.ConfirmedCommitments(ctx)
	if total == 0 {
		return nil
	}
	seq, rest := k.fwFind(ctx, u64From(seed[:8])%total)
	ref := k.kv(ctx).Get(sqKey(seq))
	if len(ref) != 36 {
		return nil
	}
	id, stripe := ref[:32], u32From(ref[32:36])
	h := k.stripeHolders(ctx, id, stripe)
	for i := range h.Counts {
		index := uint32(i)
		for _, num := range h.of(index) {
			if h.pending(index, num) >= 0 {
				continue
			}
			if rest > 0 {
				rest--
				continue
			}
			a, ok := k.addressOf(ctx, num)
			if !ok || h.PayloadLen == 0 {
				return nil
			}
			if m, ok := k.Masternode(ctx, a); !ok || !InGoodStanding(m, ctx.Height) {
				return nil
			}
			art, _ := k.Art(ctx, id)
			return k.view(ctx, art, h, id, stripe, index, num, a)
		}
	}
	return nil
}

// checkDrawTree recomputes the draw tree from the stripe records: every
// record's sequence number names it in sq/, and every fw/ node holds the
// confirmed commitments of its range of stripes.
func (k Keeper) checkDrawTree(ctx *types.Context, weights map[uint64]uint64, refs map[uint64]string) error {
	kv := k.kv(ctx)
	n := 0
	it := kv.Iterator(pStripeSeq, types.PrefixEnd(pStripeSeq))
	for ; it.Valid(); it.Next() {
		seq := u64From(it.Key()[len(pStripeSeq):])
		if refs[seq] != string(it.Value()) {
			it.Close()
			return fmt.Errorf("sq/%d names stripe %x, no stripe record has that number", seq, it.Value())
		}
		n++
	}
	it.Close()
	if n != len(refs) {
		return fmt.Errorf("%d sq/ entries for %d stripe records", n, len(refs))
	}
	top := k.fwRoot(ctx)
	want := map[uint64]uint64{}
	for seq, w := range weights {
		if seq > top {
			return fmt.Errorf("stripe %d has weight %d above the draw tree's root %d", seq, w, top)
		}
		for i := seq; i <= top && w > 0; i += lowbit(i) {
			want[i] += w
		}
	}
	n = 0
	it = kv.Iterator(pFenwick, types.PrefixEnd(pFenwick))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		node := u64From(it.Key()[len(pFenwick):])
		if got := u64From(it.Value()); got != want[node] {
			return fmt.Errorf("draw tree node %d holds %d, the stripe records %d", node, got, want[node])
		}
		n++
	}
	if n != len(want) {
		return fmt.Errorf("%d draw tree nodes, the stripe records call for %d", n, len(want))
	}
	return nil
}
