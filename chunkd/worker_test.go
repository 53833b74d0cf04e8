package chunkd

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pastelchain/pastel/chunkd/store"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// TestCorruptFileOnDiskIsNotConfirmed: a masternode is assigned three
// chunks whose files it already has (left from an earlier commitment); one
// of them was corrupted meanwhile and one is truncated. Only the good one is
// ready to confirm; the damaged ones are quarantined and pulled again.
// (Before: any file on disk was confirmed unread, and the masternode then
// failed the challenges on it; the long chaos run jailed masternodes so.)
func TestCorruptFileOnDiskIsNotConfirmed(t *testing.T) {
	dir := t.TempDir()
	d := testDaemon(t, dir, &fakeChain{})
	ticket, chunks := testArt(t)
	art := storagepb.HexBytes(ticket.Id)
	var as []storagepb.CommitmentView
	for i, c := range chunks[:3] {
		if err := d.store.Put(c.ID, c.Bytes()); err != nil {
			t.Fatal(err)
		}
		as = append(as, storagepb.CommitmentView{ArtID: art, Stripe: uint32(c.Stripe), Index: uint32(c.Index), ChunkID: c.ID[:], ProveLeafStart: 1, ProveLeafEnd: 3})
		p := store.ChunkPath(dir, c.ID)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		switch i {
		case 1:
			b[len(b)/2] ^= 0x01
		case 2:
			b = b[:len(b)-1]
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A confirmed assignment is left alone whatever its file.
	as = append(as, storagepb.CommitmentView{ArtID: art, Stripe: uint32(chunks[3].Stripe), Index: uint32(chunks[3].Index), ChunkID: chunks[3].ID[:], Confirmed: true})
	ready, missing := d.sortAssignments(as)
	if len(ready[string(art)]) != 1 || ready[string(art)][0].Index != uint32(chunks[0].Index) {
		t.Fatalf("ready to confirm: %v, want only chunk %d", ready[string(art)], chunks[0].Index)
	}
	if r := ready[string(art)][0]; codec.VerifyRange(chunks[0].ID, len(chunks[0].Payload), 1, 3, r.Leaves, r.Proof) != nil {
		t.Fatal("the confirmation's proof of possession does not verify")
	}
	if len(missing) != 2 || !bytes.Equal(missing[0].ChunkID, chunks[1].ID[:]) || !bytes.Equal(missing[1].ChunkID, chunks[2].ID[:]) {
		t.Fatalf("to pull: %+v, want the corrupt and the truncated chunk", missing)
	}
	for _, c := range chunks[1:3] {
		if d.store.Has(c.ID) {
			t.Fatalf("damaged chunk %s still in place", c.ID)
		}
		if _, err := os.Stat(filepath.Join(dir, "corrupt", c.ID.String())); err != nil {
			t.Fatalf("damaged chunk %s not quarantined: %v", c.ID, err)
		}
	}
}

// TestPullWindowRotates: with more missing chunks than one round pulls, the
// rounds walk through all of them (wrapping around), so chunks nobody can
// serve yet at the front of the list never starve the others.
func TestPullWindowRotates(t *testing.T) {
	d := &Daemon{}
	var missing []storagepb.CommitmentView
	for i := 0; i < 10; i++ {
		missing = append(missing, storagepb.CommitmentView{ArtID: binary.BigEndian.AppendUint64(make([]byte, 24), uint64(i/3)), Stripe: 0, Index: uint32(i % 3)})
	}
	seen := map[string]int{}
	for round := 0; round < 5; round++ { // 5 rounds x 4 = 20 picks: every chunk twice
		w := d.pullWindow(missing, 4)
		if len(w) != 4 {
			t.Fatalf("round %d picked %d, want 4", round, len(w))
		}
		for _, c := range w {
			seen[chunkPosKey(c)]++
		}
	}
	for _, c := range missing {
		if n := seen[chunkPosKey(c)]; n != 2 {
			t.Fatalf("%s picked %d times in 5 rounds, want 2 (picks: %v)", chunkPosKey(c), n, seen)
		}
	}
	if w := d.pullWindow(missing[:3], 4); len(w) != 3 || d.pullCursor != "" {
		t.Fatalf("a short list is pulled whole and resets the cursor: got %d, cursor %q", len(w), d.pullCursor)
	}
}

// TestTrackPullFailures: a chunk is reported only after failing to be
// pulled for the whole grace period; a success, or the chunk leaving the
// missing list, resets its clock; chunks outside this round's window keep
// theirs.
func TestTrackPullFailures(t *testing.T) {
	c := func(i int) storagepb.CommitmentView {
		return storagepb.CommitmentView{ArtID: binary.BigEndian.AppendUint64(make([]byte, 24), uint64(i)), Index: uint32(i)}
	}
	fail := func(cs ...storagepb.CommitmentView) map[string]error {
		m := map[string]error{}
		for _, x := range cs {
			m[chunkPosKey(x)] = fmt.Errorf("404 for %d", x.Index)
		}
		return m
	}
	state := map[string]pullFailure{}
	t0 := time.Unix(1_000_000, 0)
	after := time.Minute
	all := []storagepb.CommitmentView{c(1), c(2), c(3)}

	if n, _, _ := trackPullFailures(state, all, fail(c(1), c(2)), t0, after); n != 0 {
		t.Fatalf("fresh failures reported as stuck: %d", n)
	}
	// 30 s later chunk 3 starts failing too; nothing is a minute old yet.
	if n, _, _ := trackPullFailures(state, all, fail(c(3)), t0.Add(30*time.Second), after); n != 0 {
		t.Fatalf("stuck after 30 s: %d", n)
	}
	// At 61 s chunks 1 and 2 have failed for over a minute even though this
	// round's window only tried chunk 3; chunk 1 is the reported one (oldest,
	// then lowest position).
	n, longest, why := trackPullFailures(state, all, fail(c(3)), t0.Add(61*time.Second), after)
	if n != 2 || longest != 61*time.Second || why == nil || why.Error() != "404 for 1" {
		t.Fatalf("at 61 s: stuck %d, longest %s, why %v; want 2, 1m1s, chunk 1", n, longest, why)
	}
	// Chunk 1 got pulled (left the missing list): its clock is forgotten, so
	// if it goes missing and fails again it starts over.
	rest := []storagepb.CommitmentView{c(2), c(3)}
	if n, _, why := trackPullFailures(state, rest, nil, t0.Add(70*time.Second), after); n != 1 || why.Error() != "404 for 2" {
		t.Fatalf("after chunk 1 was pulled: stuck %d (%v), want 1 (chunk 2)", n, why)
	}
	if n, _, _ := trackPullFailures(state, all, fail(c(1)), t0.Add(80*time.Second), after); n != 1 {
		t.Fatalf("chunk 1 failing again kept its old clock: stuck %d, want 1", n)
	}
	if _, ok := state[chunkPosKey(c(1))]; !ok || state[chunkPosKey(c(1))].since != t0.Add(80*time.Second) {
		t.Fatalf("chunk 1's clock did not restart: %+v", state[chunkPosKey(c(1))])
	}
	// Chunk 3's reason is updated to the latest failure.
	trackPullFailures(state, all, map[string]error{chunkPosKey(c(3)): errors.New("disk full")}, t0.Add(95*time.Second), after)
	if got := state[chunkPosKey(c(3))]; got.since != t0.Add(30*time.Second) || got.err.Error() != "disk full" {
		t.Fatalf("chunk 3: %+v, want clock from 30 s and the latest reason", got)
	}
}

// TestGarbageCollection: a chunk no longer committed here is deleted once it
// has been uncommitted for gc-grace-blocks, never before; a committed chunk
// (confirmed or not) is never deleted; a chunk whose commitment comes back
// within the grace period is kept and its clock forgotten.
func TestGarbageCollection(t *testing.T) {
	dir := t.TempDir()
	d := testDaemon(t, dir, &fakeChain{})
	d.cfg.GCGraceBlocks = 10
	ticket, chunks := testArt(t)
	art := storagepb.HexBytes(ticket.Id)
	for _, c := range chunks[:4] {
		if err := d.store.Put(c.ID, c.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	view := func(i int, confirmed bool) storagepb.CommitmentView {
		return storagepb.CommitmentView{ArtID: art, Stripe: uint32(chunks[i].Stripe), Index: uint32(chunks[i].Index), ChunkID: chunks[i].ID[:], Confirmed: confirmed}
	}
	// Chunks 0 (confirmed) and 1 (unconfirmed) are committed; 2 and 3 are not.
	as := []storagepb.CommitmentView{view(0, true), view(1, false)}
	now := time.Now()
	step := func(h int64, as []storagepb.CommitmentView) {
		now = now.Add(gcEvery)
		d.collectGarbage(as, h, now, nil)
	}
	step(100, as)
	if _, _, n, _ := d.gcFigures(); n != 2 {
		t.Fatalf("reclaimable %d, want 2", n)
	}
	step(109, as)
	for _, c := range chunks[:4] {
		if !d.store.Has(c.ID) {
			t.Fatalf("chunk %d deleted inside the grace period", c.Index)
		}
	}
	// Chunk 3's commitment comes back inside the grace period: kept.
	step(109, append(as, view(3, false)))
	step(110, as) // 3 uncommitted again: a new clock from 110
	if d.store.Has(chunks[2].ID) {
		t.Fatal("chunk 2 kept after 10 blocks uncommitted")
	}
	if !d.store.Has(chunks[3].ID) {
		t.Fatal("chunk 3 deleted although its commitment came back inside the grace period")
	}
	step(10_000, as)
	if !d.store.Has(chunks[0].ID) || !d.store.Has(chunks[1].ID) {
		t.Fatal("a committed chunk was deleted")
	}
	if d.store.Has(chunks[3].ID) {
		t.Fatal("chunk 3 kept long after its commitment went")
	}
	if got := counter(t, d, "chunkd_gc_deleted_chunks_total", ""); got != 2 {
		t.Fatalf("gc metric %v", got)
	}
	// gc-grace-blocks = 0 keeps everything.
	d.cfg.GCGraceBlocks = 0
	if err := d.store.Put(chunks[2].ID, chunks[2].Bytes()); err != nil {
		t.Fatal(err)
	}
	step(20_000, as)
	step(90_000, as)
	if !d.store.Has(chunks[2].ID) {
		t.Fatal("gc-grace-blocks = 0 deleted a chunk")
	}
}

// TestSyncListsWhatAwaits: a sync round lists only the masternode's
// unconfirmed commitments (the chain's awaiting index), again each round
// while any wait and not at all once none wait and the chain's
// assignments_version stands still; the full listing (garbage collection,
// scrubbing) is reused while the version stands still and, while it moves,
// refreshed at most every fullEvery, however many blocks change it.
func TestSyncListsWhatAwaits(t *testing.T) {
	ticket, chunks := testArt(t)
	fc := &fakeChain{ticket: ticket}
	for i, c := range chunks[:4] {
		fc.mine = append(fc.mine, storagepb.CommitmentView{ArtID: ticket.Id, Stripe: uint32(c.Stripe), Index: uint32(c.Index), ChunkID: c.ID[:], Confirmed: i < 2})
	}
	cc := &countingChain{fakeChain: fc}
	d := testDaemon(t, t.TempDir(), cc)
	ctx := context.Background()
	m := &storagepb.Masternode{AssignmentsVersion: 7, Commitments: 4}
	step := func(what string, wantListed, wantAwaiting int) {
		t.Helper()
		as, err := d.awaiting(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != wantListed || cc.awaiting != wantAwaiting || cc.listings != 0 {
			t.Fatalf("%s: %d listed, %d awaiting listings, %d full; want %d, %d, 0", what, len(as), cc.awaiting, cc.listings, wantListed, wantAwaiting)
		}
		for _, a := range as {
			if a.Confirmed {
				t.Fatalf("%s: a confirmed commitment listed as awaiting", what)
			}
		}
	}
	step("first round", 2, 1)
	step("two still wait: listed again", 2, 2)
	fc.mine[2].Confirmed, fc.mine[3].Confirmed = true, true
	m.AssignmentsVersion++
	step("confirmed", 0, 3)
	step("nothing waits, version still", 0, 3)
	m.AssignmentsVersion++
	step("version moved", 0, 4)

	now := time.Now()
	full := func(what string, at time.Time, wantCurrent bool, wantFull int) {
		t.Helper()
		as, current, err := d.assignments(ctx, m, at)
		if err != nil {
			t.Fatal(err)
		}
		if current != wantCurrent || cc.listings != wantFull || len(as) != len(fc.mine) {
			t.Fatalf("%s: %d listed (current %v), %d full listings; want %d (current %v), %d", what, len(as), current, cc.listings, len(fc.mine), wantCurrent, wantFull)
		}
	}
	full("first", now, true, 1)
	full("version still", now.Add(gcEvery), true, 1)
	for i := 1; i < 6; i++ {
		m.AssignmentsVersion++
		full(fmt.Sprintf("version moved, %d GC periods later", i+1), now.Add(time.Duration(i+1)*gcEvery), i+1 >= int(fullEvery/gcEvery), 1+(i+1)/int(fullEvery/gcEvery))
	}
	full("version still, just relisted", now.Add(fullEvery+gcEvery), true, 2)
	m.AssignmentsVersion++
	full("version moved, a full period after the relisting", now.Add(2*fullEvery), true, 3)
	if got := counter(t, d, "chunkd_assignment_syncs_total", "awaiting"); got != 4 {
		t.Fatalf("awaiting metric %v, want 4", got)
	}
}

// TestGCWalkIsBounded: the store walk of garbage collection runs at most
// every gcEvery, and at most every gcWalkShare times its last duration
// (a large store takes seconds to walk), so it never takes more than a
// 1/gcWalkShare share of the time.
func TestGCWalkIsBounded(t *testing.T) {
	d := testDaemon(t, t.TempDir(), &fakeChain{})
	now := time.Now()
	d.collectGarbage(nil, 1, now, nil)
	if d.gc.lastRun != now || d.gc.walkTook <= 0 {
		t.Fatalf("a collection ran at %v and took %v; want it recorded", d.gc.lastRun, d.gc.walkTook)
	}
	if d.gcDue(now.Add(gcEvery - time.Millisecond)) {
		t.Fatal("due again before gcEvery")
	}
	d.gc.walkTook = 3 * time.Second
	for _, c := range []struct {
		after time.Duration
		due   bool
	}{{gcEvery, false}, {gcWalkShare*3*time.Second - time.Millisecond, false}, {gcWalkShare * 3 * time.Second, true}} {
		if got := d.gcDue(now.Add(c.after)); got != c.due {
			t.Fatalf("after a 3 s walk, due %v later: %v, want %v", c.after, got, c.due)
		}
	}
	d.collectGarbage(nil, 2, now.Add(gcEvery), nil)
	if d.gc.lastRun != now {
		t.Fatal("a collection ran although not due")
	}
}

// TestCollectIfDue: garbage collection runs on a current full listing,
// also an empty one (a masternode whose commitments all moved away, or
// that exited, must still delete what it no longer holds); a listing that
// fails is retried fullEvery later, not every round, and does not stop
// the round.
func TestCollectIfDue(t *testing.T) {
	ticket, chunks := testArt(t)
	fc := &fakeChain{ticket: ticket}
	cc := &countingChain{fakeChain: fc}
	d := testDaemon(t, t.TempDir(), cc)
	d.cfg.GCGraceBlocks = 1
	if err := d.store.Put(chunks[0].ID, chunks[0].Bytes()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m := &storagepb.Masternode{AssignmentsVersion: 3}
	now := time.Now()
	d.collectIfDue(ctx, m, now)
	if d.gc.lastRun != now || cc.listings != 1 {
		t.Fatalf("empty masternode: collection at %v, %d listings; want one of each", d.gc.lastRun, cc.listings)
	}
	d.height.Store(100)
	d.collectIfDue(ctx, m, now.Add(gcEvery))
	d.height.Store(102)
	d.collectIfDue(ctx, m, now.Add(2*gcEvery))
	if d.store.Has(chunks[0].ID) || cc.listings != 1 {
		t.Fatalf("a chunk committed nowhere kept past the grace period (%d listings)", cc.listings)
	}
	// Exited: no record at all.
	if err := d.store.Put(chunks[1].ID, chunks[1].Bytes()); err != nil {
		t.Fatal(err)
	}
	d.collectIfDue(ctx, nil, now.Add(2*fullEvery))
	d.height.Store(110)
	d.collectIfDue(ctx, nil, now.Add(4*fullEvery))
	if d.store.Has(chunks[1].ID) {
		t.Fatal("an exited masternode kept a chunk past the grace period")
	}
	// A failing listing: one attempt per fullEvery, the last listing kept.
	cc.fail = errors.New("node unreachable")
	m.AssignmentsVersion++
	tried := cc.listings
	at := now.Add(10 * fullEvery)
	for i := range 5 {
		d.collectIfDue(ctx, m, at.Add(time.Duration(i)*time.Second))
	}
	if cc.listings != tried+1 {
		t.Fatalf("%d listing attempts in 5 s of failures, want 1", cc.listings-tried)
	}
	d.collectIfDue(ctx, m, at.Add(fullEvery))
	if cc.listings != tried+2 {
		t.Fatalf("no new attempt fullEvery after a failure")
	}
}

// TestGCSparesWhatWasAssignedMeanwhile: a listing's pages are read one
// query at a time and the store walk follows, so a commitment can arrive
// here after the listing passed its position. Garbage collection checks,
// before deleting, whether the version moved since the listing and keeps
// what awaits now; it deletes nothing if it cannot check. A listing of an
// earlier registration (exit, then register again) is never current.
func TestGCSparesWhatWasAssignedMeanwhile(t *testing.T) {
	ticket, chunks := testArt(t)
	fc := &fakeChain{ticket: ticket}
	d := testDaemon(t, t.TempDir(), fc)
	d.cfg.GCGraceBlocks = 1
	for _, c := range chunks[:2] {
		if err := d.store.Put(c.ID, c.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	m := &storagepb.Masternode{Number: 7, AssignmentsVersion: 3}
	listed := listingOf(m, time.Now(), nil) // nothing committed here
	spare := func() (map[codec.ID]bool, error) { return d.assignedSince(ctx, listed) }
	now := time.Now()
	d.collectGarbage(nil, 100, now, spare) // both clocks start
	// Chunk 0 is committed here again after the listing: the version moved.
	fc.mn = &storagepb.Masternode{Number: 7, AssignmentsVersion: 4}
	fc.mine = []storagepb.CommitmentView{{ArtID: ticket.Id, Stripe: uint32(chunks[0].Stripe), Index: uint32(chunks[0].Index), ChunkID: chunks[0].ID[:]}}
	fc.mnErr = errors.New("node unreachable")
	d.collectGarbage(nil, 102, now.Add(gcEvery), spare)
	if !d.store.Has(chunks[0].ID) || !d.store.Has(chunks[1].ID) {
		t.Fatal("a chunk deleted although the check for new commitments failed")
	}
	fc.mnErr = nil
	d.collectGarbage(nil, 103, now.Add(2*gcEvery), spare)
	if !d.store.Has(chunks[0].ID) {
		t.Fatal("a chunk committed here after the listing was deleted")
	}
	if _, ok := d.gc.since[chunks[0].ID]; ok {
		t.Fatal("the clock of a chunk committed again is kept")
	}
	if d.store.Has(chunks[1].ID) {
		t.Fatal("a chunk committed nowhere kept past the grace period")
	}
	if onDisk, _, n, _ := d.gcFigures(); n != 0 || onDisk != 1 {
		t.Fatalf("after the collection: %d on disk, %d reclaimable; want 1 (the spared chunk, committed) and 0", onDisk, n)
	}
	// The version stands still: nothing is asked of the awaiting listing.
	fc.mn = &storagepb.Masternode{Number: 7, AssignmentsVersion: 3}
	if ids, err := d.assignedSince(ctx, listed); err != nil || ids != nil {
		t.Fatalf("version unchanged: spared %v, %v; want none", ids, err)
	}
	// Same version under another registration: not the same listing.
	if listed.of(&storagepb.Masternode{Number: 8, AssignmentsVersion: 3}) || !listed.of(m) {
		t.Fatal("a listing matches another registration's version, or not its own")
	}
	if (listing{}).of(nil) || !listingOf(nil, now, nil).of(nil) {
		t.Fatal("no listing must never match; a listing made as no masternode matches no masternode")
	}
}
