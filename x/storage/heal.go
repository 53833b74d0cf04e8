package storage

import (
	"fmt"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// Healing.
//
// A chunk whose last confirmed holder is gone (its commitment moved away,
// or it was dropped after failed challenges or jailing) is marked
// hm/<art32><stripe4><index4>. EndBlock turns markers into heal tasks,
// ht/<art32><stripe4>, one per stripe: a healer drawn from the block
// randomness among eligible masternodes fetches any k live chunks of the
// stripe, re-mints the missing indices (same index, same bytes: the code is
// deterministic) and pushes them to the masternodes committed to hold them,
// who verify each chunk against the id in the ticket and confirm as usual.
// No separate verifiers are needed: the ticket fixes every chunk id, so a
// healer cannot substitute anything. A confirmation clears the marker; the
// task ends when its stripe has none left. A healer that has not finished by
// heal_deadline, or that is jailed, exiting or gone, is replaced by a new
// draw.
//
// Under-replication: a commitment that had to move when no eligible
// masternode could take it (everyone else penalized, jailed or already a
// holder) leaves its chunk with fewer than R holders while other holders
// still confirm it, so no heal marker exists. Such chunks are marked
// ur/<art32><stripe4><index4>; EndBlock retries them and adds the missing
// holders as soon as masternodes are eligible again, and the marker goes when
// the chunk has R holders.
//
// Bounded work: at most max_heals_per_block markers of each kind are looked
// at per block, resuming where the previous block stopped.

// markers returns up to budget keys under prefix, starting after the one
// stored at cursorKey and wrapping to the start of the prefix in the next
// block once the end is reached.
func (k Keeper) markers(ctx *types.Context, prefix, cursorKey []byte, budget int) [][]byte {
	cursor := k.kv(ctx).Get(cursorKey)
	start := prefix
	if len(cursor) > 0 {
		start = append(append([]byte{}, cursor...), 0)
	}
	var marks [][]byte
	it := k.kv(ctx).Iterator(start, types.PrefixEnd(prefix))
	for ; it.Valid() && len(marks) < budget; it.Next() {
		marks = append(marks, append([]byte(nil), it.Key()...))
	}
	it.Close()
	if len(marks) < budget {
		k.kv(ctx).Delete(cursorKey) // wrap around next block
	} else {
		k.kv(ctx).Set(cursorKey, marks[len(marks)-1])
	}
	return marks
}

// healed clears the marker of a chunk that has a confirmed holder again, and
// the stripe's task when nothing in it is missing any more.
func (k Keeper) healed(ctx *types.Context, art []byte, stripe, index uint32) {
	k.kv(ctx).Delete(hmKey(art, stripe, index))
	prefix := key(pHealMark, art, u32(stripe))
	it := k.kv(ctx).Iterator(prefix, types.PrefixEnd(prefix))
	more := it.Valid()
	it.Close()
	if !more && k.kv(ctx).Has(htKey(art, stripe)) {
		k.kv(ctx).Delete(htKey(art, stripe))
		ctx.EmitEvent("stripe_healed", "art_id", hexID(art), "stripe", types.U64(uint64(stripe)))
	}
}

// HealTask returns the heal task of a stripe.
func (k Keeper) HealTask(ctx *types.Context, art []byte, stripe uint32) (*storagepb.HealTask, bool) {
	t := &storagepb.HealTask{}
	return t, k.get(ctx, htKey(art, stripe), t)
}

// processHealing turns missing-chunk markers into heal tasks, tops up
// under-replicated chunks and redraws healers past their deadline.
func (k Keeper) processHealing(ctx *types.Context) {
	p := k.Params(ctx)
	marks := k.markers(ctx, pHealMark, keyHealCursor, int(p.MaxHealsPerBlock))
	for _, mk := range marks {
		pos := mk[len(pHealMark):]
		art, stripe, index := pos[:32], u32From(pos[32:36]), u32From(pos[36:40])
		a, ok := k.Art(ctx, art)
		if !ok || a.Status == storagepb.ArtStatus_ART_REJECTED {
			k.kv(ctx).Delete(mk)
			continue
		}
		if k.ConfirmedHolders(ctx, art, stripe, index) > 0 {
			k.healed(ctx, art, stripe, index)
			continue
		}
		k.topUp(ctx, a, stripe, index, int(p.Replication))
		t, exists := k.HealTask(ctx, art, stripe)
		if exists && t.Deadline > ctx.Height && k.healerActive(ctx, t.Healer) {
			continue
		}
		attempt := uint64(0)
		if exists {
			attempt = t.Attempt + 1
		}
		healers := k.Place(ctx, drawPoint(ctx.Rand, "heal", key(art, u32(stripe)), attempt), 1, nil)
		if len(healers) == 0 {
			continue
		}
		nt := &storagepb.HealTask{ArtId: art, Stripe: stripe, Healer: healers[0].String(), CreatedHeight: ctx.Height,
			Deadline: ctx.Height + p.HealDeadline, Attempt: attempt}
		k.set(ctx, htKey(art, stripe), nt)
		live := k.LiveChunks(ctx, art, stripe)
		ctx.EmitEvent("heal_task", "art_id", hexID(art), "stripe", types.U64(uint64(stripe)), "healer", nt.Healer,
			"live", types.U64(uint64(live)), "k", types.U64(uint64(a.Stripes[stripe].K)), "attempt", types.U64(attempt))
	}
}

// healerActive reports whether a heal task's healer can still work on it:
// registered and neither jailed nor exiting. A healer that is only penalized
// keeps its task until the deadline.
func (k Keeper) healerActive(ctx *types.Context, healer string) bool {
	a, err := secp256k1.ParseAddress(healer)
	if err != nil {
		return false
	}
	m, ok := k.Masternode(ctx, a)
	return ok && m.Status == storagepb.MasternodeStatus_MN_ACTIVE
}

// processTopUps adds holders to under-replicated chunks (ur/ markers); a
// marker stays until its chunk has R holders again.
func (k Keeper) processTopUps(ctx *types.Context) {
	p := k.Params(ctx)
	for _, mk := range k.markers(ctx, pUnderReplicated, keyURCursor, int(p.MaxHealsPerBlock)) {
		pos := mk[len(pUnderReplicated):]
		art, stripe, index := pos[:32], u32From(pos[32:36]), u32From(pos[36:40])
		a, ok := k.Art(ctx, art)
		if !ok || a.Status == storagepb.ArtStatus_ART_REJECTED || int(stripe) >= len(a.Stripes) {
			k.kv(ctx).Delete(mk)
			continue
		}
		if k.topUp(ctx, a, stripe, index, int(p.Replication)) {
			k.kv(ctx).Delete(mk)
		}
	}
}

func u32From(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// topUp adds commitments to a chunk held by fewer than r masternodes and
// reports whether it has r holders now.
func (k Keeper) topUp(ctx *types.Context, a *storagepb.Art, stripe, index uint32, r int) bool {
	holders := k.Holders(ctx, a.Id, stripe, index)
	if len(holders) >= r {
		return true
	}
	exclude := map[types.Address]bool{}
	for _, h := range holders {
		ad, _ := secp256k1.ParseAddress(h.Masternode)
		exclude[ad] = true
	}
	l := ManifestLayout(a)
	shard := uint32(l.Stripe(int(stripe)).ShardSize)
	placed := k.placeApart(ctx, ChunkPoint(a.Id, stripe, index), r-len(holders), exclude, k.twinHolders(ctx, a, stripe, index))
	for _, to := range placed {
		k.addCommitment(ctx, &storagepb.Commitment{ArtId: a.Id, Stripe: stripe, Index: index, ChunkId: a.Stripes[stripe].ChunkIds[index],
			Masternode: to.String(), AssignedHeight: ctx.Height, PayloadLen: shard})
		ctx.EmitEvent("commitment_added", "art_id", hexID(a.Id), "masternode", to.String(), "stripe", types.U64(uint64(stripe)), "index", types.U64(uint64(index)))
	}
	if len(holders)+len(placed) < r {
		k.kv(ctx).Set(urKey(a.Id, stripe, index), types.Marker)
		return false
	}
	return true
}

// HealTasksOf lists the open heal tasks assigned to mn.
func (k Keeper) HealTasksOf(ctx *types.Context, mn types.Address, limit int) []storagepb.HealView {
	var out []storagepb.HealView
	it := k.kv(ctx).Iterator(pHealTask, types.PrefixEnd(pHealTask))
	defer it.Close()
	for ; it.Valid() && len(out) < limit; it.Next() {
		t := &storagepb.HealTask{}
		if !k.get(ctx, it.Key(), t) || t.Healer != mn.String() {
			continue
		}
		hv := storagepb.HealView{ArtID: t.ArtId, Stripe: t.Stripe, Deadline: t.Deadline}
		prefix := key(pHealMark, t.ArtId, u32(t.Stripe))
		mi := k.kv(ctx).Iterator(prefix, types.PrefixEnd(prefix))
		for ; mi.Valid(); mi.Next() {
			hv.Missing = append(hv.Missing, u32From(mi.Key()[len(prefix):]))
		}
		mi.Close()
		out = append(out, hv)
	}
	return out
}

// StripeHealth is the redundancy of one stripe.
type StripeHealth struct {
	Stripe    uint32   `json:"stripe"`
	K         uint32   `json:"k"`
	N         uint32   `json:"n"`
	Live      uint32   `json:"live"`
	Holders   []uint32 `json:"holders"` // confirmed holders per index
	Healing   string   `json:"healing,omitempty"`
	ShardSize uint32   `json:"shard_size"`
}

// Health is what `pasteld art health` shows.
type Health struct {
	ArtID string `json:"art_id"`
	// Redundancy is the original design's figure: total size of the distinct
	// live chunks divided by the archive size, in thousandths.
	RedundancyMilli uint64         `json:"redundancy_milli"`
	Redundancy      string         `json:"redundancy"`
	Target          uint32         `json:"target_holders"`
	AtTarget        bool           `json:"at_target"`
	Recoverable     bool           `json:"recoverable"`
	Stripes         []StripeHealth `json:"stripes"`
}

// ArtHealth computes the redundancy of an art. Live means held by at least
// one masternode whose confirmation stands (failing holders lose theirs when
// their commitments are moved).
func (k Keeper) ArtHealth(ctx *types.Context, a *storagepb.Art) Health {
	p := k.Params(ctx)
	eligible := 0
	for _, m := range k.Masternodes(ctx) {
		if m.Status == storagepb.MasternodeStatus_MN_ACTIVE {
			eligible++
		}
	}
	target := min(int(p.Replication), eligible)
	h := Health{ArtID: hexID(a.Id), Target: uint32(target), AtTarget: true, Recoverable: true}
	l := ManifestLayout(a)
	var liveBytes uint64
	for s, st := range a.Stripes {
		sh := StripeHealth{Stripe: uint32(s), K: st.K, N: st.N, ShardSize: uint32(l.Stripe(s).ShardSize)}
		for i := uint32(0); i < st.N; i++ {
			c := k.ConfirmedHolders(ctx, a.Id, uint32(s), i)
			sh.Holders = append(sh.Holders, c)
			if c > 0 {
				sh.Live++
			}
			if int(c) < target {
				h.AtTarget = false
			}
		}
		if t, ok := k.HealTask(ctx, a.Id, uint32(s)); ok {
			sh.Healing = t.Healer
		}
		if sh.Live < st.K {
			h.Recoverable = false
		}
		liveBytes += uint64(sh.Live) * uint64(sh.ShardSize)
		h.Stripes = append(h.Stripes, sh)
	}
	if a.ArchiveSize > 0 {
		h.RedundancyMilli = liveBytes * 1000 / a.ArchiveSize
	}
	h.Redundancy = fmt.Sprintf("%d.%03d", h.RedundancyMilli/1000, h.RedundancyMilli%1000)
	return h
}
