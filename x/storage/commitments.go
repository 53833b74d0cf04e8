package storage

import (
	"bytes"
	"fmt"
	"slices"
	"sort"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// Commitments. Chunk (art, stripe, index) is committed to up to R
// masternodes; a commitment is confirmed once its holder proved possession
// (possession.go) and until a challenge of it fails or the holder reports
// it lost.
//
// All commitments of one stripe are kept in one StripeHolders record
// (hs/<art><stripe>): the holders of each chunk by masternode number, and
// the ones still to prove theirs. So the state of an art does not grow by
// a key per holder: a confirmed holder costs its number, one or two bytes.
// Beside it, per stripe and never per chunk and holder:
//   - mc/: which stripes each masternode holds chunks of, by stripe
//     sequence number, a bit or two bytes each (holdings.go): what it must
//     store, what exit and reassignment move;
//   - uc/<height><art><stripe>: a chunk of the stripe waits for a proof of a
//     commitment assigned at height (expireUnconfirmed);
//   - tc and tu: confirmed and unconfirmed commitments overall.
//
// storagepb.Commitment is the view of one commitment the rest of the module
// and the queries use; it is never stored.

// holders is a decoded StripeHolders record with the operations on it.
type holders struct{ *storagepb.StripeHolders }

func (h holders) offset(i uint32) int {
	off := 0
	for j := 0; j < int(i) && j < len(h.Counts); j++ {
		off += int(h.Counts[j])
	}
	return off
}

// of returns the numbers of chunk i's holders (a slice of the record).
func (h holders) of(i uint32) []uint32 {
	if int(i) >= len(h.Counts) {
		return nil
	}
	off := h.offset(i)
	return h.Holders[off : off+int(h.Counts[i])]
}

func (h holders) has(i, num uint32) bool {
	_, found := slices.BinarySearch(h.of(i), num)
	return found
}

// insert adds num to chunk i's holders; false if it is one already.
func (h holders) insert(i, num uint32) bool {
	for len(h.Counts) <= int(i) {
		h.Counts = append(h.Counts, 0)
	}
	pos, found := slices.BinarySearch(h.of(i), num)
	if found {
		return false
	}
	h.Holders = slices.Insert(h.Holders, h.offset(i)+pos, num)
	h.Counts[i]++
	return true
}

// remove takes num out of chunk i's holders (and its pending entry).
func (h holders) remove(i, num uint32) {
	pos, found := slices.BinarySearch(h.of(i), num)
	if !found {
		return
	}
	h.Holders = slices.Delete(h.Holders, h.offset(i)+pos, h.offset(i)+pos+1)
	h.Counts[i]--
	for len(h.Counts) > 0 && h.Counts[len(h.Counts)-1] == 0 {
		h.Counts = h.Counts[:len(h.Counts)-1]
	}
	if p := h.pending(i, num); p >= 0 {
		h.Pending = slices.Delete(h.Pending, p, p+1)
	}
}

func cmpPending(p *storagepb.PendingHolder, i, num uint32) int {
	switch {
	case p.Index != i:
		if p.Index < i {
			return -1
		}
		return 1
	case p.Holder < num:
		return -1
	case p.Holder > num:
		return 1
	}
	return 0
}

// pending returns the position of (i, num) in Pending, or -1: confirmed.
func (h holders) pending(i, num uint32) int {
	p, found := slices.BinarySearchFunc(h.Pending, [2]uint32{i, num}, func(p *storagepb.PendingHolder, t [2]uint32) int {
		return cmpPending(p, t[0], t[1])
	})
	if !found {
		return -1
	}
	return p
}

// setPending makes (i, num) unconfirmed with these assignment fields.
func (h holders) setPending(i, num uint32, assigned int64, replaces uint32) {
	e := &storagepb.PendingHolder{Index: i, Holder: num, AssignedHeight: assigned, Replaces: replaces}
	p, found := slices.BinarySearchFunc(h.Pending, [2]uint32{i, num}, func(p *storagepb.PendingHolder, t [2]uint32) int {
		return cmpPending(p, t[0], t[1])
	})
	if found {
		h.Pending[p] = e
		return
	}
	h.Pending = slices.Insert(h.Pending, p, e)
}

// confirmed is how many holders of chunk i have proved it.
func (h holders) confirmed(i uint32) uint32 {
	n := uint32(len(h.of(i)))
	for _, p := range h.Pending {
		if p.Index == i {
			n--
		}
	}
	return n
}

// live is how many chunks of the stripe have a confirmed holder.
func (h holders) live() uint32 {
	var n uint32
	pend := map[uint32]uint32{}
	for _, p := range h.Pending {
		pend[p.Index]++
	}
	for i, c := range h.Counts {
		if c > pend[uint32(i)] {
			n++
		}
	}
	return n
}

// holds reports whether num holds any chunk of the stripe.
func (h holders) holds(num uint32) bool { return slices.Contains(h.Holders, num) }

// awaits reports whether masternode num has an unconfirmed commitment in
// the stripe.
func (h holders) awaits(num uint32) bool {
	return slices.ContainsFunc(h.Pending, func(p *storagepb.PendingHolder) bool { return p.Holder == num })
}

// pendingAt reports whether a commitment assigned at height waits.
func (h holders) pendingAt(height int64) bool {
	for _, p := range h.Pending {
		if p.AssignedHeight == height {
			return true
		}
	}
	return false
}

func (k Keeper) stripeHolders(ctx *types.Context, art []byte, stripe uint32) holders {
	h := holders{&storagepb.StripeHolders{}}
	if k.get(ctx, stripeKey(art, stripe), h.StripeHolders) {
		if err := h.undelta(); err != nil {
			panic(fmt.Sprintf("storage: stripe record of %x/%d: %v", art, stripe, err)) // only setStripeHolders writes it
		}
	}
	return h
}

// The stored record delta-codes each chunk's holder numbers: the first as
// is, each next as its distance from the one before. The list is
// ascending and R holders among M masternodes are about M/R apart, so a
// holder costs one varint byte while M/R < 128 instead of two from
// M = 128 on. In memory (holders) the numbers are absolute.

// undelta turns a stored record's holder numbers absolute, in place.
func (h holders) undelta() error {
	off := 0
	for _, c := range h.Counts {
		if off+int(c) > len(h.Holders) {
			return fmt.Errorf("counts add up to more than %d holders", len(h.Holders))
		}
		for j := off + 1; j < off+int(c); j++ {
			h.Holders[j] += h.Holders[j-1]
		}
		off += int(c)
	}
	if off != len(h.Holders) {
		return fmt.Errorf("counts add up to %d of %d holders", off, len(h.Holders))
	}
	return nil
}

// delta is the record as stored: a copy with delta-coded holder numbers.
func (h holders) delta() *storagepb.StripeHolders {
	d := make([]uint32, len(h.Holders))
	off := 0
	for _, c := range h.Counts {
		for j := off; j < off+int(c); j++ {
			d[j] = h.Holders[j]
			if j > off {
				d[j] -= h.Holders[j-1]
			}
		}
		off += int(c)
	}
	return &storagepb.StripeHolders{PayloadLen: h.PayloadLen, Counts: h.Counts, Holders: d, Pending: h.Pending, Seq: h.Seq}
}

func (k Keeper) setStripeHolders(ctx *types.Context, art []byte, stripe uint32, h holders) {
	if len(h.Holders) == 0 {
		k.kv(ctx).Delete(stripeKey(art, stripe))
		if h.Seq != 0 {
			k.kv(ctx).Delete(sqKey(h.Seq)) // its weight is 0: nothing confirmed is left
		}
		return
	}
	if h.Seq == 0 {
		k.numberStripe(ctx, art, stripe, h)
	}
	k.set(ctx, stripeKey(art, stripe), h.delta())
}

// --- masternode numbers ---

// giveNumber gives a new masternode its number (1, 2, ...; never reused).
func (k Keeper) giveNumber(ctx *types.Context, a types.Address, m *storagepb.Masternode) {
	n := k.counter(ctx, keyMnSeq) + 1
	k.setCounter(ctx, keyMnSeq, n)
	m.Number = uint32(n)
	k.kv(ctx).Set(miKey(m.Number), a[:])
}

func (k Keeper) numberOf(ctx *types.Context, a types.Address) (uint32, bool) {
	m, ok := k.Masternode(ctx, a)
	if !ok || m.Number == 0 {
		return 0, false
	}
	return m.Number, true
}

// addressOf returns the address of masternode number num, if registered.
func (k Keeper) addressOf(ctx *types.Context, num uint32) (types.Address, bool) {
	var a types.Address
	bz := k.kv(ctx).Get(miKey(num))
	if len(bz) != len(a) {
		return a, false
	}
	copy(a[:], bz)
	return a, true
}

// --- views ---

// view builds the Commitment of holder num (address addr) of chunk index;
// art may be nil (no chunk id then).
func (k Keeper) view(ctx *types.Context, art *storagepb.Art, h holders, id []byte, stripe, index, num uint32, addr types.Address) *storagepb.Commitment {
	c := &storagepb.Commitment{ArtId: id, Stripe: stripe, Index: index, Masternode: addr.String(), PayloadLen: h.PayloadLen, Confirmed: true}
	if art != nil && int(stripe) < len(art.Stripes) && int(index) < len(art.Stripes[stripe].ChunkIds) {
		c.ChunkId = art.Stripes[stripe].ChunkIds[index]
	}
	if p := h.pending(index, num); p >= 0 {
		e := h.Pending[p]
		c.Confirmed, c.AssignedHeight = false, e.AssignedHeight
		if e.Replaces != 0 {
			if r, ok := k.addressOf(ctx, e.Replaces); ok {
				c.Replaces = r.String()
			}
		}
	}
	return c
}

// Commitment returns the commitment of chunk (id, stripe, index) to mn.
func (k Keeper) Commitment(ctx *types.Context, id []byte, stripe, index uint32, mn types.Address) (*storagepb.Commitment, bool) {
	num, ok := k.numberOf(ctx, mn)
	if !ok {
		return &storagepb.Commitment{}, false
	}
	h := k.stripeHolders(ctx, id, stripe)
	if !h.has(index, num) {
		return &storagepb.Commitment{}, false
	}
	art, _ := k.Art(ctx, id)
	return k.view(ctx, art, h, id, stripe, index, num, mn), true
}

// Holders returns the commitments of one chunk, in masternode address order.
func (k Keeper) Holders(ctx *types.Context, id []byte, stripe, index uint32) []*storagepb.Commitment {
	h := k.stripeHolders(ctx, id, stripe)
	nums := h.of(index)
	if len(nums) == 0 {
		return nil
	}
	art, _ := k.Art(ctx, id)
	out := make([]*storagepb.Commitment, 0, len(nums))
	addrs := make([]types.Address, 0, len(nums))
	for _, num := range nums {
		a, ok := k.addressOf(ctx, num)
		if !ok {
			panic("storage: a stripe record names unregistered masternode number") // CheckIndexes guards this
		}
		out = append(out, k.view(ctx, art, h, id, stripe, index, num, a))
		addrs = append(addrs, a)
	}
	sort.Sort(byAddress{out, addrs})
	return out
}

type byAddress struct {
	cs []*storagepb.Commitment
	as []types.Address
}

func (b byAddress) Len() int           { return len(b.cs) }
func (b byAddress) Less(i, j int) bool { return bytes.Compare(b.as[i][:], b.as[j][:]) < 0 }
func (b byAddress) Swap(i, j int) {
	b.cs[i], b.cs[j] = b.cs[j], b.cs[i]
	b.as[i], b.as[j] = b.as[j], b.as[i]
}

// cursorSize is the length of a position in one masternode's commitments:
// stripe sequence number (8 bytes) and chunk index (4).
const cursorSize = 12

func cursorOf(seq uint64, index uint32) []byte { return key(u64(seq), u32(index)) }

// MasternodeCommitments returns up to limit commitments of mn after the
// cursor after (nil: from the first), in stripe sequence and index order.
func (k Keeper) MasternodeCommitments(ctx *types.Context, mn types.Address, after []byte, limit int) []*storagepb.Commitment {
	var out []*storagepb.Commitment
	k.eachMasternodeCommitment(ctx, mn, after, limit, func(c *storagepb.Commitment, _ []byte) bool {
		out = append(out, c)
		return true
	})
	return out
}

// eachMasternodeCommitment calls fn on up to limit commitments of mn after
// the cursor after (nil: from the first) with the cursor of each, reading
// one stripe record at a time, until fn returns false. fn may change the
// commitments.
func (k Keeper) eachMasternodeCommitment(ctx *types.Context, mn types.Address, after []byte, limit int, fn func(*storagepb.Commitment, []byte) bool) {
	k.eachCommitmentOf(ctx, mn, after, limit, false, fn)
}

// eachCommitmentOf is eachMasternodeCommitment, or with awaitingOnly the
// same over mn's unconfirmed commitments only, walking the mw/ index: its
// cost then follows what waits for a proof, not everything mn holds.
func (k Keeper) eachCommitmentOf(ctx *types.Context, mn types.Address, after []byte, limit int, awaitingOnly bool, fn func(*storagepb.Commitment, []byte) bool) {
	num, ok := k.numberOf(ctx, mn)
	if !ok || limit <= 0 {
		return
	}
	from, afterIndex := uint64(0), int64(-1)
	if len(after) == cursorSize {
		from, afterIndex = u64From(after[:8]), int64(u32From(after[8:12]))
	}
	var art *storagepb.Art
	n := 0
	each := k.eachHolding
	if awaitingOnly {
		each = k.eachAwaiting
	}
	each(ctx, num, from, func(seq uint64) bool {
		ref := k.kv(ctx).Get(sqKey(seq))
		if len(ref) != 36 {
			return true // CheckIndexes guards that every holding names a stripe
		}
		id, stripe := ref[:32], u32From(ref[32:36])
		if art == nil || !bytes.Equal(art.Id, id) {
			art, _ = k.Art(ctx, id)
		}
		h := k.stripeHolders(ctx, id, stripe)
		for i := range h.Counts {
			index := uint32(i)
			if seq == from && int64(index) <= afterIndex || !h.has(index, num) || awaitingOnly && h.pending(index, num) < 0 {
				continue
			}
			n++
			if !fn(k.view(ctx, art, h, id, stripe, index, num, mn), cursorOf(seq, index)) || n >= limit {
				return false
			}
		}
		return true
	})
}

// ConfirmedHolders is how many masternodes confirmed chunk (id, stripe, index).
func (k Keeper) ConfirmedHolders(ctx *types.Context, id []byte, stripe, index uint32) uint32 {
	return k.stripeHolders(ctx, id, stripe).confirmed(index)
}

// LiveChunks is how many distinct chunks of a stripe have a confirmed holder.
func (k Keeper) LiveChunks(ctx *types.Context, id []byte, stripe uint32) uint32 {
	return k.stripeHolders(ctx, id, stripe).live()
}

// --- changes ---

// addCount adds delta to the counter at key (tc, tu), never below 0.
func (k Keeper) addCount(ctx *types.Context, key []byte, delta int64) {
	v := int64(k.counter(ctx, key)) + delta
	k.setCounter(ctx, key, uint64(max(v, 0)))
}

// markUnconfirmed records that a commitment of the stripe assigned at
// height waits for its proof, and asks for the next block's randomness to
// be kept (the proof draws from it).
func (k Keeper) markUnconfirmed(ctx *types.Context, height int64, art []byte, stripe uint32) {
	k.kv(ctx).Set(ucKey(height, art, stripe), types.Marker)
	k.kv(ctx).Set(rnKey(), u64(uint64(ctx.Height)))
}

// settle drops the uc/ marker of height once no commitment of the stripe
// assigned then waits.
func (k Keeper) settle(ctx *types.Context, h holders, height int64, art []byte, stripe uint32) {
	if !h.pendingAt(height) {
		k.kv(ctx).Delete(ucKey(height, art, stripe))
	}
}

// commitStripe records a new art's commitments of one stripe at once:
// placed[i] are the holders of chunk i, all unconfirmed, assigned now.
func (k Keeper) commitStripe(ctx *types.Context, art []byte, stripe uint32, payloadLen uint32, placed [][]types.Address) {
	h := holders{&storagepb.StripeHolders{PayloadLen: payloadLen}}
	perMN := map[types.Address]uint64{}
	nums := map[types.Address]*storagepb.Masternode{}
	var order []types.Address
	total := uint64(0)
	for i, hs := range placed {
		for _, a := range hs {
			m, ok := nums[a]
			if !ok {
				if m, ok = k.Masternode(ctx, a); !ok || m.Number == 0 {
					continue
				}
				nums[a] = m
				order = append(order, a)
			}
			if h.insert(uint32(i), m.Number) {
				h.setPending(uint32(i), m.Number, ctx.Height, 0)
				perMN[a]++
				total++
			}
		}
	}
	if total == 0 {
		return
	}
	k.setStripeHolders(ctx, art, stripe, h)
	k.markUnconfirmed(ctx, ctx.Height, art, stripe)
	k.addCount(ctx, keyUnconfirmedAll, int64(total))
	for _, a := range order {
		m := nums[a]
		k.setHolding(ctx, m.Number, h.Seq, true)
		k.setAwaiting(ctx, m.Number, h.Seq, true)
		m.Commitments += perMN[a]
		m.AssignmentsVersion++
		k.setMasternode(ctx, a, m)
	}
}

// addCommitment records c, unconfirmed and assigned at c.AssignedHeight
// (now), taking over c.Replaces if set.
func (k Keeper) addCommitment(ctx *types.Context, c *storagepb.Commitment) {
	mn, _ := secp256k1.ParseAddress(c.Masternode)
	m, ok := k.Masternode(ctx, mn)
	if !ok || m.Number == 0 {
		return
	}
	h := k.stripeHolders(ctx, c.ArtId, c.Stripe)
	if !h.insert(c.Index, m.Number) {
		return
	}
	if h.PayloadLen == 0 {
		h.PayloadLen = c.PayloadLen
	}
	var replaces uint32
	if c.Replaces != "" {
		if r, err := secp256k1.ParseAddress(c.Replaces); err == nil {
			replaces, _ = k.numberOf(ctx, r)
		}
	}
	h.setPending(c.Index, m.Number, c.AssignedHeight, replaces)
	k.setStripeHolders(ctx, c.ArtId, c.Stripe, h)
	k.markUnconfirmed(ctx, c.AssignedHeight, c.ArtId, c.Stripe)
	k.addCount(ctx, keyUnconfirmedAll, 1)
	k.setHolding(ctx, m.Number, h.Seq, true)
	k.setAwaiting(ctx, m.Number, h.Seq, true)
	m.Commitments++
	m.AssignmentsVersion++
	k.setMasternode(ctx, mn, m)
}

// slot returns c's holder (record and address) and its stripe record;
// false if c's masternode is not registered or does not hold c's chunk.
func (k Keeper) slot(ctx *types.Context, c *storagepb.Commitment) (m *storagepb.Masternode, mn types.Address, h holders, ok bool) {
	mn, _ = secp256k1.ParseAddress(c.Masternode)
	if m, ok = k.Masternode(ctx, mn); !ok || m.Number == 0 {
		return nil, mn, holders{}, false
	}
	h = k.stripeHolders(ctx, c.ArtId, c.Stripe)
	return m, mn, h, h.has(c.Index, m.Number)
}

// removeCommitment deletes a commitment and keeps the counters.
func (k Keeper) removeCommitment(ctx *types.Context, c *storagepb.Commitment) {
	m, mn, h, ok := k.slot(ctx, c)
	if !ok {
		return
	}
	num := m.Number
	if p := h.pending(c.Index, num); p >= 0 {
		was := h.Pending[p].AssignedHeight
		h.remove(c.Index, num)
		k.settle(ctx, h, was, c.ArtId, c.Stripe)
		k.addCount(ctx, keyUnconfirmedAll, -1)
	} else {
		k.lostConfirmation(ctx, h, c)
		h.remove(c.Index, num)
	}
	c.Confirmed = false
	k.setStripeHolders(ctx, c.ArtId, c.Stripe, h)
	if !h.holds(num) {
		k.setHolding(ctx, num, h.Seq, false)
	}
	k.setAwaiting(ctx, num, h.Seq, h.awaits(num))
	// Read again: lostConfirmation changed its proven bytes.
	if m, ok := k.Masternode(ctx, mn); ok {
		if m.Commitments > 0 {
			m.Commitments--
		}
		m.AssignmentsVersion++
		k.setMasternode(ctx, mn, m)
	}
}

// confirm marks c confirmed and keeps the counters: live chunks and bytes
// of the art, confirmed commitments overall, proven bytes of the
// masternode, and the healing marker of the chunk.
func (k Keeper) confirm(ctx *types.Context, c *storagepb.Commitment) {
	m, _, h, ok := k.slot(ctx, c)
	if !ok {
		return
	}
	p := h.pending(c.Index, m.Number)
	if p < 0 {
		return
	}
	before := h.confirmed(c.Index)
	was := h.Pending[p].AssignedHeight
	h.Pending = slices.Delete(h.Pending, p, p+1)
	k.setStripeHolders(ctx, c.ArtId, c.Stripe, h)
	k.settle(ctx, h, was, c.ArtId, c.Stripe)
	k.setAwaiting(ctx, m.Number, h.Seq, h.awaits(m.Number))
	k.addCount(ctx, keyUnconfirmedAll, -1)
	c.Confirmed, c.AssignedHeight, c.Replaces = true, 0, ""
	k.drawAdd(ctx, h.Seq, 1)
	if before == 0 {
		k.addLiveBytes(ctx, c.ArtId, int64(c.PayloadLen))
		k.healed(ctx, c.ArtId, c.Stripe, c.Index)
	}
	k.addCount(ctx, tcKey(), 1)
	k.addProvenBytes(ctx, c.Masternode, int64(c.PayloadLen))
}

// unconfirm takes c's confirmation back (a failed challenge, a reported
// loss): the holder must prove the chunk again within a new confirmation
// window, starting now.
func (k Keeper) unconfirm(ctx *types.Context, c *storagepb.Commitment) {
	m, _, h, ok := k.slot(ctx, c)
	if !ok || h.pending(c.Index, m.Number) >= 0 {
		return
	}
	k.lostConfirmation(ctx, h, c)
	h.setPending(c.Index, m.Number, ctx.Height, 0)
	k.setStripeHolders(ctx, c.ArtId, c.Stripe, h)
	k.markUnconfirmed(ctx, ctx.Height, c.ArtId, c.Stripe)
	k.setAwaiting(ctx, m.Number, h.Seq, true)
	k.addCount(ctx, keyUnconfirmedAll, 1)
	c.Confirmed, c.AssignedHeight = false, ctx.Height
}

// lostConfirmation keeps the counters when confirmed commitment c stops
// counting; h is its stripe before the change.
func (k Keeper) lostConfirmation(ctx *types.Context, h holders, c *storagepb.Commitment) {
	if h.confirmed(c.Index) == 1 {
		k.addLiveBytes(ctx, c.ArtId, -int64(c.PayloadLen))
		k.kv(ctx).Set(hmKey(c.ArtId, c.Stripe, c.Index), types.Marker)
	}
	k.addCount(ctx, tcKey(), -1)
	k.drawAdd(ctx, h.Seq, -1)
	k.addProvenBytes(ctx, c.Masternode, -int64(c.PayloadLen))
}

// restartWindow gives unconfirmed c a new confirmation window from now
// (nobody could give it the chunk: not its fault).
func (k Keeper) restartWindow(ctx *types.Context, c *storagepb.Commitment) {
	m, mn, h, ok := k.slot(ctx, c)
	if !ok {
		return
	}
	p := h.pending(c.Index, m.Number)
	if p < 0 {
		return
	}
	was := h.Pending[p].AssignedHeight
	h.Pending[p].AssignedHeight = ctx.Height
	k.setStripeHolders(ctx, c.ArtId, c.Stripe, h)
	k.settle(ctx, h, was, c.ArtId, c.Stripe)
	k.markUnconfirmed(ctx, ctx.Height, c.ArtId, c.Stripe)
	c.AssignedHeight = ctx.Height
	m.AssignmentsVersion++
	k.setMasternode(ctx, mn, m)
}
