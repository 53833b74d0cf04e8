package chunkd

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/pastelchain/pastel/artio"
	"github.com/pastelchain/pastel/chunkd/store"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// This file is chunkd's side of proven storage (x/storage/possession.go is
// the chain's): confirmations carry proofs of possession, a lost chunk is
// restored from this node's own chunks of its stripe or reported lost
// on-chain (never fetched back from a peer while confirmed: the peers
// refuse), and chunks no longer committed here are deleted after a grace
// period.

// Adversary modes, for the test harness only (the hidden chunkd.toml
// setting "adversary"): each plays a rational masternode that wants the
// reward without the cost, so tests can show what it gets away with.
const (
	// AdversaryPhantom confirms every commitment without pulling anything,
	// with made-up proofs.
	AdversaryPhantom = "phantom"
	// AdversaryLazy pulls and confirms honestly, then deletes what it
	// confirmed; when challenged it tries to fetch the chunk back from a
	// holder, and never reports a loss.
	AdversaryLazy = "lazy"
	// AdversaryHoarder keeps only k chunks of each stripe it holds and mints
	// the others on demand when challenged.
	AdversaryHoarder = "hoarder"
)

// proveRef builds the confirmation of commitment a from its stored chunk
// bytes: the leaves the chain drew and their range proof.
func proveRef(a storagepb.CommitmentView, chunk []byte) (*storagepb.ChunkRef, error) {
	c, err := codec.ParseChunk(chunk)
	if err != nil {
		return nil, err
	}
	return storagepb.ProvePossession(a.Stripe, a.Index, c.Payload, a.ProveLeafStart, a.ProveLeafEnd)
}

// phantomRef is the phantom's confirmation: the right shape, no bytes.
func phantomRef(a storagepb.CommitmentView) *storagepb.ChunkRef {
	n := int(a.ProveLeafEnd-a.ProveLeafStart) * codec.LeafSize
	return &storagepb.ChunkRef{Stripe: a.Stripe, Index: a.Index, Leaves: make([]byte, n), Proof: make([]byte, 64)}
}

// errCannotMint: fewer than k chunks of the stripe are on this node's disk.
var errCannotMint = errors.New("fewer than k chunks of its stripe are stored here")

// mintLocal restores chunk (art, stripe, index) from k verified chunks of
// its stripe on this node's own disk, without asking anyone.
func (d *Daemon) mintLocal(ctx context.Context, art []byte, stripe, index uint32) error {
	t, err := d.reader.Art(ctx, art, time.Hour)
	if err != nil {
		return fmt.Errorf("reading the ticket: %w", err)
	}
	if t == nil || int(stripe) >= len(t.Stripes) || int(index) >= len(t.Stripes[stripe].ChunkIds) {
		return fmt.Errorf("art %x has no chunk (stripe %d, index %d)", art, stripe, index)
	}
	st := t.Stripes[stripe]
	var have [][]byte
	for i, cid := range st.ChunkIds {
		if uint32(i) == index || len(have) >= int(st.K) {
			continue
		}
		var id codec.ID
		copy(id[:], cid)
		if b, err := d.store.Get(id); err == nil {
			have = append(have, b)
		}
	}
	if len(have) < int(st.K) {
		return fmt.Errorf("%w (%d of %d)", errCannotMint, len(have), st.K)
	}
	minted, err := codec.Mint(artio.ManifestOf(t), int(stripe), int(index), have)
	if err != nil {
		return fmt.Errorf("minting: %w", err)
	}
	var want codec.ID
	copy(want[:], st.ChunkIds[index])
	if minted.ID != want {
		return fmt.Errorf("minted chunk has id %s, want %s", minted.ID, want)
	}
	return d.store.Put(want, minted.Bytes())
}

// reportLost tells the chain this node lost chunks it had confirmed: they
// leave its proven bytes, an open challenge of them fails now rather than
// at its deadline, and the node may pull them again (the peers serve an
// unconfirmed holder).
func (d *Daemon) reportLost(ctx context.Context, art []byte, refs []*storagepb.ChunkRef) error {
	for len(refs) > 0 {
		n := min(len(refs), storagepb.MaxConfirmations)
		m := &storagepb.MsgReportLoss{ArtId: art, Chunks: refs[:n]}
		var err error
		if d.sendLoss != nil {
			err = d.sendLoss(ctx, m)
		} else {
			err = d.submit(ctx, true, storagepb.MsgReportLossType, m)
		}
		if err != nil {
			return fmt.Errorf("reporting %d lost chunks of %x: %w", n, art, err)
		}
		d.metrics.lossReports.Add(float64(n))
		d.log.Warn("chunks reported lost on-chain; they earn nothing until pulled and proven again", "art", hex.EncodeToString(art), "count", n)
		refs = refs[n:]
	}
	if d.chain != nil {
		d.chain.Forget(art)
	}
	d.kick()
	return nil
}

// afterConfirm is where the lazy and hoarding adversaries throw bytes away
// once the chain has their confirmation. Honest nodes keep everything.
func (d *Daemon) afterConfirm(ctx context.Context, art []byte, refs []*storagepb.ChunkRef) {
	switch d.cfg.Adversary {
	case AdversaryLazy:
		t, err := d.reader.Art(ctx, art, time.Hour)
		if err != nil || t == nil {
			return
		}
		for _, r := range refs {
			var id codec.ID
			copy(id[:], t.Stripes[r.Stripe].ChunkIds[r.Index])
			_ = d.store.Delete(id)
		}
	case AdversaryHoarder:
		d.hoard(ctx, art)
	}
}

// mintForServing is the hoarder serving a chunk it threw away: minted from
// the k it kept, sent, and not kept.
func (d *Daemon) mintForServing(ctx context.Context, art []byte, stripe, index uint32) ([]byte, error) {
	if err := d.mintLocal(ctx, art, stripe, index); err != nil {
		return nil, store.ErrNotFound
	}
	t, err := d.reader.Art(ctx, art, time.Hour)
	if err != nil || t == nil {
		return nil, store.ErrNotFound
	}
	var id codec.ID
	copy(id[:], t.Stripes[stripe].ChunkIds[index])
	b, err := d.store.Get(id)
	_ = d.store.Delete(id)
	return b, err
}

// hoard keeps the k lowest-index stored chunks of each stripe of art and
// deletes the rest (the hoarder adversary).
func (d *Daemon) hoard(ctx context.Context, art []byte) {
	t, err := d.reader.Art(ctx, art, time.Hour)
	if err != nil || t == nil {
		return
	}
	for _, st := range t.Stripes {
		kept := 0
		for _, cid := range st.ChunkIds {
			var id codec.ID
			copy(id[:], cid)
			if !d.store.Has(id) {
				continue
			}
			if kept < int(st.K) {
				kept++
				continue
			}
			_ = d.store.Delete(id)
		}
	}
}

// GC state: chunks on disk that no commitment of this masternode names,
// since which height, and what deleting them all would free.
type gcState struct {
	since       map[codec.ID]int64
	lastRun     time.Time
	walkTook    time.Duration // the last walk of the store
	reclaimable int
	reclaimB    int64
	onDisk      int
	onDiskB     int64
}

// gcEvery spaces out store walks: one walk lists every file.
const gcEvery = 10 * time.Second

// gcWalkShare bounds the time spent walking the store: the next walk waits
// at least gcWalkShare times as long as the last one took (a million chunk
// files take seconds to list and stat), and never less than gcEvery.
const gcWalkShare = 20

// gcDue reports whether a collection may run at now.
func (d *Daemon) gcDue(now time.Time) bool {
	return now.Sub(d.gc.lastRun) >= max(gcEvery, gcWalkShare*d.gc.walkTook)
}

// collectGarbage deletes chunks that have not been committed to this
// masternode for gc-grace-blocks blocks, given the complete list of its
// commitments at height. A committed chunk is never deleted, whatever its
// state; a chunk that comes back (commitment moved here again) is kept and
// its clock forgotten. Clocks are in memory: a restart only delays
// deletion.
//
// Deletion waits for the walk to end: spare (nil: none), asked only when
// something is due, names chunks committed here since the listing was
// made, which are kept and their clocks forgotten. If spare fails, nothing
// is deleted this time.
func (d *Daemon) collectGarbage(as []storagepb.CommitmentView, height int64, now time.Time, spare func() (map[codec.ID]bool, error)) {
	if !d.gcDue(now) {
		return
	}
	d.gc.lastRun = now
	start := time.Now()
	defer func() { d.gc.walkTook = time.Since(start) }()
	if d.gc.since == nil {
		d.gc.since = map[codec.ID]int64{}
	}
	committed := chunkIDs(as)
	grace := int64(d.cfg.GCGraceBlocks)
	seen := map[codec.ID]bool{}
	type due struct {
		id    codec.ID
		size  int64
		first int64
	}
	var doomed []due
	var reclaimable, onDisk int
	var reclaimB, onDiskB int64
	_ = d.store.Walk(func(id codec.ID) error {
		size := int64(0)
		if fi, err := os.Stat(store.ChunkPath(d.store.Dir(), id)); err == nil {
			size = fi.Size()
		}
		onDisk++
		onDiskB += size
		if committed[id] {
			return nil
		}
		seen[id] = true
		first, ok := d.gc.since[id]
		if !ok {
			d.gc.since[id] = height
			first = height
		}
		if grace > 0 && height-first >= grace {
			doomed = append(doomed, due{id, size, first})
		}
		reclaimable++
		reclaimB += size
		return nil
	})
	for id := range d.gc.since {
		if !seen[id] {
			delete(d.gc.since, id)
		}
	}
	var spared map[codec.ID]bool
	if len(doomed) > 0 && spare != nil {
		var err error
		if spared, err = spare(); err != nil {
			d.log.Warn("gc: cannot check for commitments made during the collection; deleting nothing this time", "due", len(doomed), "err", err)
			doomed = nil
		}
	}
	for _, c := range doomed {
		if spared[c.id] {
			delete(d.gc.since, c.id) // committed here again
			reclaimable--
			reclaimB -= c.size
			continue
		}
		if err := d.store.Delete(c.id); err != nil {
			continue
		}
		d.metrics.gcDeleted.Inc()
		d.log.Info("gc: deleted a chunk no longer committed here", "chunk", c.id.String(), "uncommitted_since", c.first, "height", height)
		delete(d.gc.since, c.id)
		onDisk--
		onDiskB -= c.size
		reclaimable--
		reclaimB -= c.size
	}
	d.gcMu.Lock()
	d.gc.reclaimable, d.gc.reclaimB, d.gc.onDisk, d.gc.onDiskB = reclaimable, reclaimB, onDisk, onDiskB
	d.gcMu.Unlock()
}

// chunkIDs is the set of the chunks of commitments as (a malformed id,
// which the chain never gives, is left out).
func chunkIDs(as []storagepb.CommitmentView) map[codec.ID]bool {
	ids := make(map[codec.ID]bool, len(as))
	for _, a := range as {
		if id, err := codec.IDFromBytes(a.ChunkID); err == nil {
			ids[id] = true
		}
	}
	return ids
}

// gcFigures are the last collection's counts (for status).
func (d *Daemon) gcFigures() (onDisk int, onDiskB int64, reclaimable int, reclaimB int64) {
	d.gcMu.Lock()
	defer d.gcMu.Unlock()
	return d.gc.onDisk, d.gc.onDiskB, d.gc.reclaimable, d.gc.reclaimB
}

// lostRefs groups commitments by art (the id's bytes as a string) as
// loss-report references, arts in order.
func lostRefs(cs []storagepb.CommitmentView) (arts []string, refs map[string][]*storagepb.ChunkRef) {
	refs = map[string][]*storagepb.ChunkRef{}
	for _, c := range cs {
		art := string(c.ArtID)
		if _, ok := refs[art]; !ok {
			arts = append(arts, art)
		}
		refs[art] = append(refs[art], &storagepb.ChunkRef{Stripe: c.Stripe, Index: c.Index})
	}
	sort.Strings(arts)
	return arts, refs
}
