package chunkd

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pastelchain/pastel/chunkd/store"
	"github.com/pastelchain/pastel/x/storage"
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
	art := hex.EncodeToString(ticket.Id)
	var as []storage.CommitmentView
	for i, c := range chunks[:3] {
		if err := d.store.Put(c.ID, c.Bytes()); err != nil {
			t.Fatal(err)
		}
		as = append(as, storage.CommitmentView{ArtID: art, Stripe: uint32(c.Stripe), Index: uint32(c.Index), ChunkID: c.ID.String()})
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
	as = append(as, storage.CommitmentView{ArtID: art, Stripe: uint32(chunks[3].Stripe), Index: uint32(chunks[3].Index), ChunkID: chunks[3].ID.String(), Confirmed: true})
	ready, missing := d.sortAssignments(as)
	if len(ready[art]) != 1 || ready[art][0].Index != uint32(chunks[0].Index) {
		t.Fatalf("ready to confirm: %v, want only chunk %d", ready[art], chunks[0].Index)
	}
	if len(missing) != 2 || missing[0].ChunkID != chunks[1].ID.String() || missing[1].ChunkID != chunks[2].ID.String() {
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
	var missing []storage.CommitmentView
	for i := 0; i < 10; i++ {
		missing = append(missing, storage.CommitmentView{ArtID: fmt.Sprintf("%064x", i/3), Stripe: 0, Index: uint32(i % 3)})
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
	c := func(i int) storage.CommitmentView {
		return storage.CommitmentView{ArtID: fmt.Sprintf("%064x", i), Index: uint32(i)}
	}
	fail := func(cs ...storage.CommitmentView) map[string]error {
		m := map[string]error{}
		for _, x := range cs {
			m[chunkPosKey(x)] = fmt.Errorf("404 for %d", x.Index)
		}
		return m
	}
	state := map[string]pullFailure{}
	t0 := time.Unix(1_000_000, 0)
	after := time.Minute
	all := []storage.CommitmentView{c(1), c(2), c(3)}

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
	rest := []storage.CommitmentView{c(2), c(3)}
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
