package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/chunkd"
	"github.com/pastelchain/pastel/chunkd/store"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

func (sn *storageNet) health(t *testing.T, id string) storage.Health {
	var out struct {
		Health storage.Health `json:"health"`
	}
	b := run(t, "art", "health", id, "-o", "json", "--node", sn.nodes[0].rpc)
	if err := json.Unmarshal([]byte(b), &out); err != nil {
		t.Fatalf("health: %v: %s", err, b)
	}
	return out.Health
}

// doomedCoveringAChunk picks n masternodes other than masternode 0 that
// include every holder of at least one chunk of the arts, and returns them
// and the others (masternode 0 excluded), in index order.
func (sn *storageNet) doomedCoveringAChunk(t *testing.T, ids []string, n int) (doomed, others []int) {
	t.Helper()
	index := map[string]int{}
	for i, a := range sn.mnAddr {
		index[a] = i
	}
	for _, id := range ids {
		var chunks []storagepb.ChunkView
		if err := json.Unmarshal([]byte(sn.rawQuery(t, "/storage/chunks/"+id)), &chunks); err != nil {
			t.Fatalf("chunks of %s: %v", id, err)
		}
		for _, c := range chunks {
			in := map[int]bool{}
			for _, h := range c.Holders {
				if i, ok := index[h.Masternode]; ok && i != 0 {
					in[i] = true
				}
			}
			if len(in) == 0 || len(in) != len(c.Holders) || len(in) > n {
				continue
			}
			for i := 1; i < len(sn.mns) && len(in) < n; i++ {
				in[i] = true
			}
			for i := 1; i < len(sn.mns); i++ {
				if in[i] {
					doomed = append(doomed, i)
				} else {
					others = append(others, i)
				}
			}
			return doomed, others
		}
	}
	t.Fatalf("no chunk is held only by masternodes 1..%d in sets of at most %d", len(sn.mns)-1, n)
	return nil, nil
}

// rawQuery returns the JSON a storage query answers (or the error), for
// failure reports.
func (sn *storageNet) rawQuery(t *testing.T, path string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := sn.nodes[0].client().Query(ctx, path, 0, false)
	if err != nil {
		return "query " + path + ": " + err.Error()
	}
	return string(r.Value)
}

func (sn *storageNet) masternode(t *testing.T, addr string) *storagepb.Masternode {
	var m storagepb.Masternode
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := sn.nodes[0].client().Query(ctx, "/storage/mn/"+addr, 0, false)
	if err != nil {
		t.Fatalf("masternode %s: %v", addr, err)
	}
	if err := proto.Unmarshal(r.Value, &m); err != nil {
		t.Fatalf("masternode %s: %v", addr, err)
	}
	return &m
}

// waitRestored waits until every chunk the masternode addr is confirmed for
// has its file in the masternode's store, and returns how many are still
// missing when timeout runs out (0 on success).
func (sn *storageNet) waitRestored(t *testing.T, m *node, addr string, timeout time.Duration) int {
	mn, err := secp256k1.ParseAddress(addr)
	if err != nil {
		t.Fatal(err)
	}
	chain := chunkd.NewChain(sn.nodes[0].client())
	has := func(id codec.ID) bool {
		_, err := os.Stat(store.ChunkPath(filepath.Join(m.home, "chunks"), id))
		return err == nil
	}
	start := time.Now()
	for {
		as, err := chain.Assignments(context.Background(), mn)
		if err != nil {
			t.Fatal(err)
		}
		missing := 0
		for _, a := range as {
			id, err := codec.IDFromBytes(a.ChunkID)
			if err != nil {
				t.Fatal(err)
			}
			if a.Confirmed && !has(id) {
				missing++
			}
		}
		if missing == 0 || time.Since(start) > timeout {
			return missing
		}
		time.Sleep(time.Second)
	}
}

func (sn *storageNet) waitTarget(t *testing.T, ids []string, timeout time.Duration) time.Duration {
	start := time.Now()
	for time.Since(start) < timeout {
		ok := true
		for _, id := range ids {
			if h := sn.health(t, id); !h.AtTarget {
				ok = false
				break
			}
		}
		if ok {
			return time.Since(start)
		}
		time.Sleep(time.Second)
	}
	below := 0
	for _, id := range ids {
		if h := sn.health(t, id); !h.AtTarget {
			below++
			t.Logf("below target: %+v", h)
			t.Logf("  its chunks and every commitment (confirmed or not): %s", sn.rawQuery(t, "/storage/chunks/"+id))
			sn.explainUnconfirmed(t, id)
		}
	}
	t.Logf("masternodes: %s", sn.rawQuery(t, "/storage/mns"))
	t.Fatalf("%d of %d arts not back at target redundancy within %s", below, len(ids), timeout)
	return 0
}

// TestSelfHealingAfterLosingHalfTheMasternodes: 10 masternodes; one wipes
// its store while running (its scrub restores it) and four are killed for
// good. Challenges catch those, their commitments move, lost chunks are
// re-minted by healers, and
// every art returns to target redundancy with no owner action. Then half of
// the remaining masternodes go down too and every art still downloads
// byte-identical.
func TestSelfHealingAfterLosingHalfTheMasternodes(t *testing.T) {
	sn := newStorageNet(t, 1, 10, map[string]string{
		"storage.params.replication":              "3",
		"storage.params.attest_window":            "400",
		"storage.params.challenge_interval":       "4",
		"storage.params.max_challenges_per_block": "24",
		"storage.params.challenge_deadline":       "15",
		"storage.params.withhold_blocks":          "20",
		"storage.params.reassign_failures":        "2",
		"storage.params.jail_failures":            "3",
		"storage.params.heal_deadline":            "30",
		"storage.params.confirm_window":           "40",
	})
	dir := t.TempDir()
	var ids, files []string
	for i := 0; i < 2; i++ {
		p := filepath.Join(dir, fmt.Sprintf("heal%d.png", i))
		// About 500 KB: some 200 chunks, so losing half the masternodes (3
		// holders each) certainly leaves chunks with no holder at all.
		writePNG(t, p, noisyPainting(int64(500+i), 400, 300))
		id, err := sn.register(t, p, "faucet", fmt.Sprintf("Heal %d", i))
		if err != nil {
			t.Fatal(err)
		}
		ids, files = append(ids, id), append(files, p)
	}
	sn.waitTarget(t, ids, 2*time.Minute)

	// Masternode 0 loses its disk but keeps running; four others die for
	// good: chosen so that every holder of at least one chunk is among them
	// (with random keys, four random ones cover a whole chunk only most of
	// the time, and healing is what this test is about).
	doomed, survivors := sn.doomedCoveringAChunk(t, ids, 4)
	if err := os.RemoveAll(filepath.Join(sn.mns[0].home, "chunks")); err != nil {
		t.Fatal(err)
	}
	_ = os.MkdirAll(filepath.Join(sn.mns[0].home, "chunks", "tmp"), 0o700)
	for _, i := range doomed {
		sn.mns[i].stop(syscall.SIGKILL)
	}
	lost := time.Now()
	// The chain only learns of the dead masternodes through challenges: wait
	// until their commitments have moved, then for full redundancy. The
	// wiped one is still running: its scrub notices the missing files and
	// restores them (fetched from other holders or re-minted), so it may
	// keep its commitments; it must end up either repaired or moved.
	for _, i := range doomed {
		a := sn.mnAddr[i]
		for sn.masternode(t, a).Commitments != 0 {
			if time.Since(lost) > 5*time.Minute {
				t.Fatalf("masternode %s still holds commitments 5 minutes after it lost its chunks", a)
			}
			time.Sleep(time.Second)
		}
	}
	detected := time.Since(lost)
	sn.waitTarget(t, ids, 5*time.Minute-detected)
	t.Logf("losing half the masternodes: detected and moved in %.1fs, back at target redundancy %.1fs after the loss", detected.Seconds(), time.Since(lost).Seconds())
	if os.Getenv("PASTEL_BENCH") == "1" {
		fmt.Printf("healing: 10 masternodes, half lost (1 wiped, 4 killed): detected in %.1f s, full redundancy again after %.1f s (budget < 300 s)\n", detected.Seconds(), time.Since(lost).Seconds())
	}
	healedStripes := 0
	// Healers are drawn among the live masternodes, the wiped one included
	// (its scrub restored it, so it is in good standing).
	for _, i := range append([]int{0}, survivors...) {
		b, _ := os.ReadFile(filepath.Join(sn.mns[i].home, "node.log"))
		healedStripes += bytes.Count(b, []byte("msg=\"stripe healed\""))
	}
	if healedStripes == 0 {
		t.Fatal("no stripe was healed, though every holder of at least one chunk was killed")
	}
	t.Logf("%d stripes re-minted by healers", healedStripes)
	// The chain counts the wiped masternode's confirmed commitments towards
	// redundancy before its scrub has restored the files (the chain cannot
	// see its disk), so "at target" says nothing about it yet. Wait until
	// every chunk it is still confirmed for is back on its disk; commitments
	// that moved away (failed challenges) are fine too.
	missing := sn.waitRestored(t, sn.mns[0], sn.mnAddr[0], 3*time.Minute)
	if missing != 0 {
		t.Fatalf("the wiped masternode is still confirmed for %d chunks it does not have 3 minutes after the wipe", missing)
	}
	wiped := sn.masternode(t, sn.mnAddr[0])
	wipedLog, _ := os.ReadFile(filepath.Join(sn.mns[0].home, "node.log"))
	repaired := bytes.Count(wipedLog, []byte("msg=\"scrub: chunk repaired\""))
	t.Logf("wiped masternode: %d chunks restored by its scrub, %d commitments kept, %d challenges failed", repaired, wiped.Commitments, wiped.ChallengesFailed)

	// Two of the remaining five go down as well.
	for _, i := range survivors[:2] {
		sn.mns[i].stop(syscall.SIGKILL)
	}
	for i, id := range ids {
		out := filepath.Join(dir, fmt.Sprintf("after%d", i))
		if err := sn.download(t, id, "faucet", out); err != nil {
			t.Fatalf("download after losing 7 of 10 masternodes: %v", err)
		}
		want, _ := os.ReadFile(files[i])
		got, _ := os.ReadFile(filepath.Join(out, filepath.Base(files[i])))
		if !bytes.Equal(want, got) {
			t.Fatalf("art %d differs", i)
		}
	}
}

// explainUnconfirmed logs, for every unconfirmed commitment of art id, what
// its holder sees: the assignment as the chain lists it to that masternode
// (assigned height, proof range), whether the chunk file is on its disk,
// and its chunkd status. It is how a stuck confirmation is diagnosed after
// the network is gone.
func (sn *storageNet) explainUnconfirmed(t *testing.T, id string) {
	var chunks []storagepb.ChunkView
	if err := json.Unmarshal([]byte(sn.rawQuery(t, "/storage/chunks/"+id)), &chunks); err != nil {
		t.Logf("  chunks of %s: %v", id, err)
		return
	}
	for _, c := range chunks {
		for _, h := range c.Holders {
			if h.Confirmed {
				continue
			}
			i := slices.Index(sn.mnAddr, h.Masternode)
			if i < 0 {
				t.Logf("  unconfirmed (stripe %d, index %d) at %s: not one of this network's masternodes", c.Stripe, c.Index, h.Masternode)
				continue
			}
			var as []storagepb.CommitmentView
			_ = json.Unmarshal([]byte(sn.rawQuery(t, "/storage/assignments/"+h.Masternode)), &as)
			var view string
			for _, a := range as {
				if a.ArtID.String() == id && a.Stripe == c.Stripe && a.Index == c.Index {
					b, _ := json.Marshal(a)
					view = string(b)
				}
			}
			cid, _ := codec.IDFromBytes(c.ID)
			_, statErr := os.Stat(store.ChunkPath(filepath.Join(sn.mns[i].home, "chunks"), cid))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			st, err := chunkd.FetchStatus(ctx, strings.TrimPrefix(sn.mnURL[i], "http://"))
			cancel()
			status := fmt.Sprintf("%+v", st)
			if err != nil {
				status = err.Error()
			}
			t.Logf("  unconfirmed (stripe %d, index %d) at mn%d %s: assignment %s; chunk file on its disk: %v; chunkd status: %s",
				c.Stripe, c.Index, i, h.Masternode, view, statErr == nil, status)
		}
	}
}

// waitAllConfirmed waits until every commitment of masternode addr is
// confirmed (with a proof of possession).
func (sn *storageNet) waitAllConfirmed(t *testing.T, addr string, timeout time.Duration) {
	t.Helper()
	waitFor(t, "masternode "+addr+" to confirm all its commitments", timeout, func() bool {
		var as []storagepb.CommitmentView
		if err := json.Unmarshal([]byte(sn.rawQuery(t, "/storage/assignments/"+addr)), &as); err != nil || len(as) == 0 {
			return false
		}
		for _, a := range as {
			if !a.Confirmed {
				return false
			}
		}
		return true
	})
}
