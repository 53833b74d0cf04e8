package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// The challenge draw picks one confirmed commitment uniformly among all of
// them, without a list of them by masternode: every stripe record gets a
// sequence number (sq/<seq> names the stripe), and a sum tree over the
// sequence numbers (dt/) holds how many confirmed commitments each stripe
// has. Drawing a number below the total (tc) and descending the tree finds
// the stripe and the commitment in it; a confirmation or its loss updates
// the nodes above its stripe. So each confirmed commitment is challenged
// once per challenge_interval blocks on average, whichever masternode
// holds it and however many others it holds.
//
// The tree has drawLevels levels of nodes with drawFan children each. A
// node is one key, dt/<level1><index8>, whose value is its children's
// weights as uvarints, up to the last nonzero one (no key: all zero). At
// level 0, node i holds the weights of stripes i·64 … i·64+63; at level l,
// node i holds the totals of level l-1's nodes i·64 … i·64+63. An update
// writes drawLevels keys and a draw reads as many.
//
// It replaced a Fenwick tree, which kept one key per stripe (one of the
// dozen keys of a 20 MiB art, which is one stripe), wrote about
// log2(stripes)/2 keys an update and read log2(stripes) a draw. In a block that moves a leaving masternode's
// commitments (one stripe after another, in its holdings' order) the
// Fenwick tree wrote about one key per stripe touched: measured at 3,000
// arts, 339 of the block's 1,582 keys; the 64-ary tree writes 13 of 1,256.
const (
	drawFanBits = 6
	drawFan     = 1 << drawFanBits
	// drawLevels: 64^6 = 2^36 sequence numbers, above maxStripeSeq.
	drawLevels = 6
)

// maxStripeSeq bounds stripe sequence numbers (1 … 2^32).
const maxStripeSeq = uint64(1) << 32

func sqKey(seq uint64) []byte { return key(pStripeSeq, u64(seq)) }

func drawKey(level int, index uint64) []byte {
	return key(pDrawTree, []byte{byte(level)}, u64(index))
}

// drawNode is one node of the draw tree: its children's weights.
type drawNode [drawFan]uint64

// encode is the stored value: the weights up to the last nonzero one, as
// uvarints; nil when all are zero (the key is deleted).
func (n *drawNode) encode() []byte {
	last := -1
	for i, w := range n {
		if w != 0 {
			last = i
		}
	}
	var out []byte
	for _, w := range n[:last+1] {
		out = binary.AppendUvarint(out, w)
	}
	return out
}

// decodeDrawNode parses a stored node, which must be as encode writes it.
func decodeDrawNode(v []byte) (n drawNode, err error) {
	i := 0
	for len(v) > 0 {
		if i == drawFan {
			return n, fmt.Errorf("more than %d weights", drawFan)
		}
		w, l := binary.Uvarint(v)
		if l <= 0 {
			return n, fmt.Errorf("weight %d is not a uvarint", i)
		}
		n[i], v, i = w, v[l:], i+1
	}
	if i == 0 || n[i-1] == 0 {
		return n, fmt.Errorf("empty or zero-ended node")
	}
	return n, nil
}

func (k Keeper) drawNode(ctx *types.Context, level int, index uint64) drawNode {
	v := k.kv(ctx).Get(drawKey(level, index))
	if v == nil {
		return drawNode{}
	}
	n, err := decodeDrawNode(v)
	if err != nil {
		panic(fmt.Sprintf("storage: draw tree node %d/%d: %v", level, index, err)) // only drawAdd writes it
	}
	return n
}

// drawAdd adds delta to stripe seq's weight.
func (k Keeper) drawAdd(ctx *types.Context, seq uint64, delta int64) {
	if seq == 0 || seq > maxStripeSeq {
		panic(fmt.Sprintf("storage: stripe sequence %d outside the draw tree", seq))
	}
	for l := range drawLevels {
		index, slot := seq>>(drawFanBits*(l+1)), (seq>>(drawFanBits*l))&(drawFan-1)
		n := k.drawNode(ctx, l, index)
		v := int64(n[slot]) + delta
		if v < 0 {
			panic(fmt.Sprintf("storage: draw tree node %d/%d below zero", l, index)) // CheckIndexes guards the weights
		}
		n[slot] = uint64(v)
		if bz := n.encode(); bz == nil {
			k.kv(ctx).Delete(drawKey(l, index))
		} else {
			k.kv(ctx).Set(drawKey(l, index), bz)
		}
	}
}

// drawFind returns the stripe whose weight covers position t of the
// cumulative weights and t's offset inside it; false if t is not below
// the tree's total.
func (k Keeper) drawFind(ctx *types.Context, t uint64) (seq, rest uint64, ok bool) {
	index := uint64(0)
	for l := drawLevels - 1; l >= 0; l-- {
		n := k.drawNode(ctx, l, index)
		c := 0
		for ; c < drawFan && t >= n[c]; c++ {
			t -= n[c]
		}
		if c == drawFan {
			return 0, 0, false
		}
		index = index<<drawFanBits | uint64(c)
	}
	return index, t, true
}

// numberStripe gives a new stripe record its sequence number.
func (k Keeper) numberStripe(ctx *types.Context, art []byte, stripe uint32, h holders) {
	seq := k.counter(ctx, keyStripeSeq) + 1
	if seq > maxStripeSeq {
		panic("storage: out of stripe sequence numbers")
	}
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
	seq, rest, ok := k.drawFind(ctx, u64From(seed[:8])%total)
	if !ok {
		return nil // the tree's total is below tc: CheckIndexes reports it
	}
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
// record's sequence number names it in sq/, and every dt/ node holds the
// confirmed commitments of its children.
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
	type nodeAt struct {
		level int
		index uint64
	}
	want := map[nodeAt]*drawNode{}
	for seq, w := range weights {
		if w == 0 {
			continue
		}
		if seq == 0 || seq > maxStripeSeq {
			return fmt.Errorf("stripe sequence %d with weight %d is outside the draw tree", seq, w)
		}
		for l := range drawLevels {
			at := nodeAt{l, seq >> (drawFanBits * (l + 1))}
			if want[at] == nil {
				want[at] = &drawNode{}
			}
			want[at][(seq>>(drawFanBits*l))&(drawFan-1)] += w
		}
	}
	n = 0
	it = kv.Iterator(pDrawTree, types.PrefixEnd(pDrawTree))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		kb := it.Key()[len(pDrawTree):]
		if len(kb) != 9 || int(kb[0]) >= drawLevels {
			return fmt.Errorf("draw tree key %x is not <level><index8>", it.Key())
		}
		at := nodeAt{int(kb[0]), u64From(kb[1:])}
		got, err := decodeDrawNode(it.Value())
		if err != nil {
			return fmt.Errorf("draw tree node %d/%d: %v", at.level, at.index, err)
		}
		w := want[at]
		if w == nil {
			w = &drawNode{}
		}
		if got != *w {
			return fmt.Errorf("draw tree node %d/%d holds %v, the stripe records %v", at.level, at.index, got, *w)
		}
		if !bytes.Equal(it.Value(), w.encode()) {
			// Uvarints have longer spellings of the same number: the
			// value (and so the AppHash) must be the one drawAdd writes.
			return fmt.Errorf("draw tree node %d/%d is stored as %x, not as drawAdd writes it (%x)", at.level, at.index, it.Value(), w.encode())
		}
		n++
	}
	if n != len(want) {
		return fmt.Errorf("%d draw tree nodes, the stripe records call for %d", n, len(want))
	}
	return nil
}
