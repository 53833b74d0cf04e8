package storage

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// Stats is the storage network at one height, for operators' dashboards
// (pasteld's Prometheus metrics) and `pasteld storage stats`. Counts come
// from the markers and counters the module keeps anyway, read by iterating
// their prefixes: the cost grows with the state, so it is computed off the
// consensus path (a query, or the metrics goroutine on a committed
// version), never inside a block.
type Stats struct {
	Height int64 `json:"height"`
	// Arts and Masternodes by status name (ART_ACTIVE, MN_JAILED, ...).
	Arts        map[string]uint64 `json:"arts"`
	Masternodes map[string]uint64 `json:"masternodes"`
	// Commitments confirmed with a proof, and waiting for one.
	CommitmentsConfirmed   uint64 `json:"commitments_confirmed"`
	CommitmentsUnconfirmed uint64 `json:"commitments_unconfirmed"`
	ChallengesOpen         uint64 `json:"challenges_open"`
	// HealQueue is chunks marked for healing; HealTasks stripes a healer is
	// rebuilding now; UnderReplicated chunks with fewer confirmed holders
	// than the target.
	HealQueue       uint64 `json:"heal_queue"`
	HealTasks       uint64 `json:"heal_tasks"`
	UnderReplicated uint64 `json:"under_replicated"`
	ProvenBytes     uint64 `json:"proven_bytes"`
	// LowestRedundancyMilli is the smallest redundancy (live chunk bytes
	// over archive bytes, ×1000: below 1000 the art cannot be rebuilt) of
	// an active art, and LowestRedundancyArt that art; 0 and "" with no
	// active art.
	LowestRedundancyMilli uint64 `json:"lowest_redundancy_milli"`
	LowestRedundancyArt   string `json:"lowest_redundancy_art"`
}

// Stats counts the network at ctx's height.
func (k Keeper) Stats(ctx *types.Context) Stats {
	s := Stats{Height: ctx.Height, Arts: map[string]uint64{}, Masternodes: map[string]uint64{}}
	for _, st := range storagepb.ArtStatus_name {
		s.Arts[st] = 0
	}
	delete(s.Arts, storagepb.ArtStatus_ART_UNSPECIFIED.String())
	for _, st := range storagepb.MasternodeStatus_name {
		s.Masternodes[st] = 0
	}
	delete(s.Masternodes, storagepb.MasternodeStatus_MN_UNSPECIFIED.String())
	for _, m := range k.Masternodes(ctx) {
		s.Masternodes[m.Status.String()]++
		s.ProvenBytes += m.ProvenBytes
	}
	kv := k.kv(ctx)
	it := kv.Iterator(pArt, types.PrefixEnd(pArt))
	first := true
	for ; it.Valid(); it.Next() {
		a := &storagepb.Art{}
		if err := proto.Unmarshal(it.Value(), a); err != nil {
			panic(fmt.Errorf("storage: art record %x: %w", it.Key(), err))
		}
		s.Arts[a.Status.String()]++
		if a.Status != storagepb.ArtStatus_ART_ACTIVE {
			continue
		}
		if r := k.redundancyMilli(ctx, a); first || r < s.LowestRedundancyMilli {
			s.LowestRedundancyMilli, s.LowestRedundancyArt, first = r, hexID(a.Id), false
		}
	}
	it.Close()
	s.CommitmentsConfirmed = k.ConfirmedCommitments(ctx)
	s.CommitmentsUnconfirmed = countPrefix(kv, pUnconfirmed)
	s.ChallengesOpen = countPrefix(kv, pChallengeDue)
	s.HealQueue = countPrefix(kv, pHealMark)
	s.HealTasks = countPrefix(kv, pHealTask)
	s.UnderReplicated = countPrefix(kv, pUnderReplicated)
	return s
}

// redundancyMilli is the live chunk bytes of a over its archive size, ×1000
// (the figure ArtHealth reports), from the per-stripe live counters.
func (k Keeper) redundancyMilli(ctx *types.Context, a *storagepb.Art) uint64 {
	if a.ArchiveSize == 0 {
		return 0
	}
	l := ManifestLayout(a)
	var live uint64
	for s := range a.Stripes {
		live += uint64(k.LiveChunks(ctx, a.Id, uint32(s))) * uint64(l.Stripe(s).ShardSize)
	}
	return live * 1000 / a.ArchiveSize
}

func countPrefix(kv types.KVStore, prefix []byte) uint64 {
	it := kv.Iterator(prefix, types.PrefixEnd(prefix))
	defer it.Close()
	var n uint64
	for ; it.Valid(); it.Next() {
		n++
	}
	return n
}

// MaxHealthList bounds the below-target and heal-queue lists.
const MaxHealthList = 100

// BelowTargetView is an art with chunks held by fewer confirmed
// masternodes than the target.
type BelowTargetView struct {
	ArtID string `json:"art_id"`
	// Chunks is how many of its chunks are below target.
	Chunks uint64 `json:"chunks"`
}

// BelowTarget lists up to limit arts with under-replicated chunks, in id
// order (the ur/ markers, which are contiguous per art).
func (k Keeper) BelowTarget(ctx *types.Context, limit int) []BelowTargetView {
	out := []BelowTargetView{}
	it := k.kv(ctx).Iterator(pUnderReplicated, types.PrefixEnd(pUnderReplicated))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		rest := it.Key()[len(pUnderReplicated):]
		if len(rest) < 32 {
			continue
		}
		id := hexID(rest[:32])
		if n := len(out); n > 0 && out[n-1].ArtID == id {
			out[n-1].Chunks++
			continue
		}
		if len(out) == limit {
			break
		}
		out = append(out, BelowTargetView{ArtID: id, Chunks: 1})
	}
	return out
}

// HealQueueView is an open heal task: a stripe a healer is rebuilding.
type HealQueueView struct {
	ArtID    string `json:"art_id"`
	Stripe   uint32 `json:"stripe"`
	Healer   string `json:"healer"`
	Created  int64  `json:"created_height"`
	Deadline int64  `json:"deadline"`
	Attempt  uint64 `json:"attempt"`
	Missing  uint64 `json:"missing"`
}

// HealQueue lists up to limit open heal tasks in (art, stripe) order.
func (k Keeper) HealQueue(ctx *types.Context, limit int) []HealQueueView {
	out := []HealQueueView{}
	kv := k.kv(ctx)
	it := kv.Iterator(pHealTask, types.PrefixEnd(pHealTask))
	defer it.Close()
	for ; it.Valid() && len(out) < limit; it.Next() {
		t := &storagepb.HealTask{}
		if err := proto.Unmarshal(it.Value(), t); err != nil {
			panic(fmt.Errorf("storage: heal task %x: %w", it.Key(), err))
		}
		out = append(out, HealQueueView{ArtID: hexID(t.ArtId), Stripe: t.Stripe, Healer: t.Healer, Created: t.CreatedHeight,
			Deadline: t.Deadline, Attempt: t.Attempt, Missing: countPrefix(kv, key(pHealMark, t.ArtId, u32(t.Stripe)))})
	}
	return out
}
