package storage

import (
	"bytes"
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
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
	for st := range storagepb.ArtStatus_name {
		if st := storagepb.ArtStatus(st); st != storagepb.ArtStatus_ART_UNSPECIFIED {
			s.Arts[st.String()] = k.counter(ctx, asKey(st))
		}
	}
	for _, st := range storagepb.MasternodeStatus_name {
		s.Masternodes[st] = 0
	}
	delete(s.Masternodes, storagepb.MasternodeStatus_MN_UNSPECIFIED.String())
	for _, m := range k.Masternodes(ctx) {
		s.Masternodes[m.Status.String()]++
		s.ProvenBytes += m.ProvenBytes
	}
	kv := k.kv(ctx)
	// The lowest redundancy is the first entry of the rd/ index, which
	// orders active arts by (redundancy, id): one seek, whatever the number
	// of arts (BenchmarkStats).
	it := kv.Iterator(pRedundancy, types.PrefixEnd(pRedundancy))
	if it.Valid() {
		rest := it.Key()[len(pRedundancy):]
		s.LowestRedundancyMilli, s.LowestRedundancyArt = u64From(rest[:8]), hexID(rest[8:])
	}
	it.Close()
	s.CommitmentsConfirmed = k.ConfirmedCommitments(ctx)
	s.CommitmentsUnconfirmed = k.counter(ctx, keyUnconfirmedAll)
	s.ChallengesOpen = countPrefix(kv, pChallengeDue)
	s.HealQueue = countPrefix(kv, pHealMark)
	s.HealTasks = countPrefix(kv, pHealTask)
	s.UnderReplicated = countPrefix(kv, pUnderReplicated)
	return s
}

// CheckIndexes recomputes what the Stats indexes hold from the tickets and
// the per-stripe live counters, scanning every art, and reports the first
// difference: arts by status (as/), live bytes and archive size (lb/), the
// redundancy index of active arts (rd/). Tests run it after every block.
func (k Keeper) CheckIndexes(ctx *types.Context) error {
	kv := k.kv(ctx)
	byStatus := map[storagepb.ArtStatus]uint64{}
	var active, deadlines [][]byte
	it := kv.Iterator(pArt, types.PrefixEnd(pArt))
	for ; it.Valid(); it.Next() {
		a := &storagepb.Art{}
		if err := proto.Unmarshal(it.Value(), a); err != nil {
			it.Close()
			return fmt.Errorf("art record %x: %w", it.Key(), err)
		}
		byStatus[a.Status]++
		if a.Status == storagepb.ArtStatus_ART_PENDING {
			deadlines = append(deadlines, deadlineKey(a.AttestDeadline, a.Id))
		}
		var live uint64
		if a.ArchiveSize > 0 {
			l := ManifestLayout(a)
			for s := range l.Stripes() {
				live += uint64(k.LiveChunks(ctx, a.Id, uint32(s))) * uint64(l.Stripe(s).ShardSize)
			}
		}
		want := liveRecord{live: live, size: a.ArchiveSize, active: a.Status == storagepb.ArtStatus_ART_ACTIVE}
		if got := k.liveBytes(ctx, a.Id); got != want {
			it.Close()
			return fmt.Errorf("art %x: lb/ holds %+v, the stripes say %+v", a.Id, got, want)
		}
		if want.active {
			active = append(active, rdKey(want.milli(), a.Id))
		}
	}
	it.Close()
	for st := range storagepb.ArtStatus_name {
		if st := storagepb.ArtStatus(st); st != storagepb.ArtStatus_ART_UNSPECIFIED && k.counter(ctx, asKey(st)) != byStatus[st] {
			return fmt.Errorf("as/ counts %d arts %s, the tickets %d", k.counter(ctx, asKey(st)), st, byStatus[st])
		}
	}
	if err := checkKeys(kv, pAttestDeadline, deadlines, "dl/ deadline marker", "a pending art's deadline"); err != nil {
		return err
	}
	if err := checkKeys(kv, pRedundancy, active, "rd/ entry", "an active art at that redundancy"); err != nil {
		return err
	}
	if err := k.checkChallenges(ctx); err != nil {
		return err
	}
	return k.checkCommitments(ctx)
}

// checkChallenges recomputes the challenge indexes from the ch/ records:
// cm/ and cq/ for the open ones, cx/ and ca/ for every one kept, and that
// every kept id lies between chpruned and chseq.
func (k Keeper) checkChallenges(ctx *types.Context) error {
	kv := k.kv(ctx)
	pruned, last := k.counter(ctx, keyChallengePrune), k.counter(ctx, keyChallengeSeq)
	var open, due, byMN, byArt [][]byte
	it := kv.Iterator(pChallenge, types.PrefixEnd(pChallenge))
	for ; it.Valid(); it.Next() {
		ch := &storagepb.Challenge{}
		if err := proto.Unmarshal(it.Value(), ch); err != nil {
			it.Close()
			return fmt.Errorf("challenge record %x: %w", it.Key(), err)
		}
		mn, err := secp256k1.ParseAddress(ch.Masternode)
		if err != nil || !bytes.Equal(it.Key(), chKey(ch.Id)) || ch.Id <= pruned || ch.Id > last {
			it.Close()
			return fmt.Errorf("challenge record %x: id %d (pruned to %d, last %d), masternode %q", it.Key(), ch.Id, pruned, last, ch.Masternode)
		}
		if ch.Status == storagepb.ChallengeStatus_CH_OPEN {
			open = append(open, cmKey(mn, ch.Id))
			due = append(due, cqKey(ch.Deadline, ch.Id))
		}
		byMN = append(byMN, cxKey(mn, ch.Id))
		byArt = append(byArt, caKey(ch.ArtId, ch.Id))
	}
	it.Close()
	for _, c := range []struct {
		prefix       []byte
		want         [][]byte
		what, should string
	}{
		{pOpenChallenge, open, "cm/ entry", "an open challenge of that masternode"},
		{pChallengeDue, due, "cq/ entry", "an open challenge's deadline"},
		{pMnHistory, byMN, "cx/ entry", "a kept challenge of that masternode"},
		{pArtHistory, byArt, "ca/ entry", "a kept challenge of that art"},
	} {
		if err := checkKeys(kv, c.prefix, c.want, c.what, c.should); err != nil {
			return err
		}
	}
	return nil
}

// liveRecord is the lb/ value of an art: the bytes of its chunks that have
// a confirmed holder (the sum of their payload lengths, so live bytes over
// archive size is the redundancy ArtHealth reports), its archive size, and
// whether it is active, that is listed in the rd/ redundancy index.
type liveRecord struct {
	live, size uint64
	active     bool
}

func (k Keeper) liveBytes(ctx *types.Context, id []byte) liveRecord {
	bz := k.kv(ctx).Get(lbKey(id))
	if len(bz) != 17 {
		return liveRecord{}
	}
	return liveRecord{live: u64From(bz[:8]), size: u64From(bz[8:16]), active: bz[16] == 1}
}

// setLiveBytes replaces old, the art's record as liveBytes read it, by r
// and moves the art's entry in the redundancy index.
func (k Keeper) setLiveBytes(ctx *types.Context, id []byte, old, r liveRecord) {
	kv := k.kv(ctx)
	if old.active {
		kv.Delete(rdKey(old.milli(), id))
	}
	bz := append(u64(r.live), u64(r.size)...)
	flag := byte(0)
	if r.active {
		flag = 1
		kv.Set(rdKey(r.milli(), id), types.Marker)
	}
	kv.Set(lbKey(id), append(bz, flag))
}

// addLiveBytes counts a chunk of the art gaining (delta > 0) or losing its
// last confirmed holder.
func (k Keeper) addLiveBytes(ctx *types.Context, id []byte, delta int64) {
	old := k.liveBytes(ctx, id)
	r := old
	switch {
	case delta >= 0:
		r.live += uint64(delta)
	case uint64(-delta) > r.live:
		r.live = 0
	default:
		r.live -= uint64(-delta)
	}
	k.setLiveBytes(ctx, id, old, r)
}

func (r liveRecord) milli() uint64 {
	if r.size == 0 {
		return 0
	}
	return r.live * 1000 / r.size
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

// checkKeys compares the keys under prefix with want (any order): each
// must be there, and nothing else.
func checkKeys(kv types.KVStore, prefix []byte, want [][]byte, what, should string) error {
	want = slices.Clone(want)
	slices.SortFunc(want, bytes.Compare)
	it := kv.Iterator(prefix, types.PrefixEnd(prefix))
	defer it.Close()
	i := 0
	for ; it.Valid(); it.Next() {
		if i >= len(want) || !bytes.Equal(it.Key(), want[i]) {
			return fmt.Errorf("%s %x is not %s", what, it.Key(), should)
		}
		i++
	}
	if i != len(want) {
		return fmt.Errorf("%d of the %d expected %ss found", i, len(want), what)
	}
	return nil
}
