package e2e

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pastelchain/pastel/chunkd/peer"
	"github.com/pastelchain/pastel/client/keyring"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// earnings is `pasteld rewards earned -o json`.
type earnings struct {
	Paid         uint64 `json:"paid,string"`
	AsMasternode uint64 `json:"as_masternode,string"`
	Withheld     uint64 `json:"withheld,string"`
}

func (sn *storageNet) earned(t *testing.T, addr string) earnings {
	t.Helper()
	var e earnings
	out := run(t, "rewards", "earned", addr, "--node", sn.nodes[0].rpc, "-o", "json")
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatalf("rewards earned %s: %v: %s", addr, err, out)
	}
	return e
}

// TestCheatingMasternodesLose: 1 validator and 8 masternodes, two of them
// phantoms (confirm without pulling, with made-up proofs), one lazy (pulls
// and confirms, then deletes; fetches when challenged), one hoarder (keeps
// k chunks of each stripe, mints the rest when challenged). The honest ones
// confirm and are paid; the phantoms never confirm and earn nothing; the
// lazy one is refused by its peers, fails its challenges, loses its proven
// bytes, earns nothing from its first failure on and is jailed; every art
// returns to target redundancy and downloads byte-identical. A confirmed
// holder asking a peer for its own chunk is refused (403 with the reason)
// until it reports the loss on-chain. The hoarder is measured, not judged:
// the figures go to the log (see the closing note of issue 14).
func TestCheatingMasternodesLose(t *testing.T) {
	const hoarder, phantom1, phantom2, lazy = 4, 5, 6, 7
	sn := newStorageNet(t, 1, 8, map[string]string{
		"storage.params.replication":                  "4",
		"storage.params.attest_window":                "400",
		"storage.params.challenge_interval":           "3",
		"storage.params.max_challenges_per_block":     "24",
		"storage.params.challenge_deadline":           "60", // 18 s: masternode 0 is stopped for a few seconds (refusedOwnChunk)
		"storage.params.withhold_blocks":              "300",
		"storage.params.reassign_failures":            "2",
		"storage.params.jail_failures":                "3",
		"storage.params.confirm_window":               "20",
		"storage.params.heal_deadline":                "30",
		"rewards.params.epoch_length":                 "10",
		"chunkd.scrub-interval":                       "0s", // this test deletes nothing behind honest backs
		fmt.Sprintf("chunkd[%d].adversary", phantom1): "phantom",
		fmt.Sprintf("chunkd[%d].adversary", phantom2): "phantom",
		fmt.Sprintf("chunkd[%d].adversary", lazy):     "lazy",
		fmt.Sprintf("chunkd[%d].adversary", hoarder):  "hoarder",
	})
	honest := []int{0, 1, 2, 3}
	dir := t.TempDir()
	var ids, files []string
	start := time.Now()
	for i := 0; i < 2; i++ {
		p := filepath.Join(dir, fmt.Sprintf("cheat%d.png", i))
		writePNG(t, p, noisyPainting(int64(900+i), 300, 200))
		id, err := sn.register(t, p, "faucet", fmt.Sprintf("Cheat %d", i))
		if err != nil {
			t.Fatal(err)
		}
		ids, files = append(ids, id), append(files, p)
	}
	t.Logf("registered and active in %.1fs with two phantoms and a lazy masternode", time.Since(start).Seconds())

	sn.refusedOwnChunk(t, ids[0], honest[0])

	// The lazy one is caught: failures, then jail (its commitments move).
	deadline := time.Now().Add(4 * time.Minute)
	var lazyAtFailure *earnings
	for {
		m := sn.masternode(t, sn.mnAddr[lazy])
		if m.ChallengesFailed > 0 && lazyAtFailure == nil {
			e := sn.earned(t, sn.mnAddr[lazy])
			lazyAtFailure = &e
			t.Logf("lazy masternode's first failed challenge after %.1fs; it had earned %d as masternode", time.Since(start).Seconds(), e.AsMasternode)
		}
		if m.Status == storagepb.MasternodeStatus_MN_JAILED && m.Commitments == 0 {
			t.Logf("lazy masternode jailed after %.1fs: %d challenges failed, %d passed", time.Since(start).Seconds(), m.ChallengesFailed, m.ChallengesPassed)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lazy masternode not jailed with its commitments moved: %+v", m)
		}
		time.Sleep(2 * time.Second)
	}
	sn.waitTarget(t, ids, 3*time.Minute)

	// Let at least two reward epochs settle on the final placement.
	h := sn.nodes[0].height()
	sn.nodes[0].waitHeight(h+25, 90*time.Second)
	for _, i := range []int{phantom1, phantom2} {
		m := sn.masternode(t, sn.mnAddr[i])
		e := sn.earned(t, sn.mnAddr[i])
		if m.ProvenBytes != 0 || m.ChallengesPassed != 0 || e.AsMasternode != 0 {
			t.Fatalf("phantom %d: proven bytes %d, challenges passed %d, earned %d as masternode; want all 0", i, m.ProvenBytes, m.ChallengesPassed, e.AsMasternode)
		}
		if n := countLog(t, sn.mns[i], "proof of possession does not verify"); n == 0 {
			t.Fatalf("phantom %d: no refused confirmation in its log", i)
		}
	}
	lm := sn.masternode(t, sn.mnAddr[lazy])
	if lm.ProvenBytes != 0 || lm.ChallengesFailed < 2 {
		t.Fatalf("lazy: proven bytes %d, %d challenges failed", lm.ProvenBytes, lm.ChallengesFailed)
	}
	if e := sn.earned(t, sn.mnAddr[lazy]); e.AsMasternode != lazyAtFailure.AsMasternode {
		t.Fatalf("lazy masternode earned %d as masternode after its first failed challenge (%d before)", e.AsMasternode-lazyAtFailure.AsMasternode, lazyAtFailure.AsMasternode)
	}
	sn.reportHoarder(t, hoarder, honest[1])
	sn.reportAnswerLatency(t, honest)
	refused := 0
	for _, i := range honest {
		refused += int(metricValue(t, sn.mns[i], "chunkd_refused_fetches_total"))
		m := sn.masternode(t, sn.mnAddr[i])
		e := sn.earned(t, sn.mnAddr[i])
		if i == honest[0] {
			// It reported a loss while challenged (refusedOwnChunk): a failed
			// challenge, rewards withheld for withhold_blocks. It must have
			// proven the chunk again.
			if m.ProvenBytes == 0 || m.LossesReported != 1 {
				t.Fatalf("masternode %d after its loss report: proven bytes %d, losses %d", i, m.ProvenBytes, m.LossesReported)
			}
			continue
		}
		if m.ProvenBytes == 0 || e.AsMasternode == 0 {
			t.Fatalf("honest masternode %d: proven bytes %d, earned %d as masternode; want both > 0", i, m.ProvenBytes, e.AsMasternode)
		}
	}
	if refused == 0 {
		t.Fatal("no honest masternode refused a fetch: the lazy one was never stopped by the fetch rule")
	}
	t.Logf("honest chunkd refused %d fetches; lazy: %d failed challenges, earned %+v", refused, lm.ChallengesFailed, sn.earned(t, sn.mnAddr[lazy]))

	out, err := exec.Command(chunkdBin, "status", "--home", sn.mns[honest[1]].home).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("ACTIVE, in good standing")) || !bytes.Contains(out, []byte("reclaimable")) {
		t.Fatalf("chunkd status: %v\n%s", err, out)
	}
	for i, id := range ids {
		got := filepath.Join(dir, fmt.Sprintf("got%d", i))
		if err := sn.download(t, id, "faucet", got); err != nil {
			t.Fatal(err)
		}
		want, _ := os.ReadFile(files[i])
		b, _ := os.ReadFile(filepath.Join(got, filepath.Base(files[i])))
		if !bytes.Equal(want, b) {
			t.Fatalf("art %d differs after the cheaters were removed", i)
		}
	}
}

// chunkdStatus is part of `chunkd status -o json`.
type chunkdStatus struct {
	LastSync struct {
		Assignments int `json:"assignments"`
		Confirmed   int `json:"confirmed"`
	} `json:"last_sync"`
	ChunksOnDisk     int    `json:"chunks_on_disk"`
	BytesOnDisk      int64  `json:"bytes_on_disk"`
	ProvenBytes      uint64 `json:"proven_bytes"`
	ChallengesPassed uint64 `json:"challenges_passed"`
	ChallengesFailed uint64 `json:"challenges_failed"`
}

func (sn *storageNet) chunkdStatus(t *testing.T, i int) chunkdStatus {
	t.Helper()
	out, err := exec.Command(chunkdBin, "status", "--home", sn.mns[i].home, "-o", "json").Output()
	if err != nil {
		t.Fatalf("chunkd status of mn%d: %v", i, err)
	}
	var s chunkdStatus
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatalf("chunkd status of mn%d: %v: %s", i, err, out)
	}
	return s
}

// reportHoarder logs what the hoarder stores against what it is paid for,
// beside an honest masternode. It must hold fewer chunks than it confirmed
// (else the mode did nothing and the figures mean nothing).
func (sn *storageNet) reportHoarder(t *testing.T, hoarder, honest int) {
	t.Helper()
	h, o := sn.chunkdStatus(t, hoarder), sn.chunkdStatus(t, honest)
	he, oe := sn.earned(t, sn.mnAddr[hoarder]), sn.earned(t, sn.mnAddr[honest])
	if h.LastSync.Confirmed == 0 || h.ChunksOnDisk >= h.LastSync.Assignments {
		t.Fatalf("hoarder: %d chunks on disk for %d assignments (%d confirmed): it hoarded nothing", h.ChunksOnDisk, h.LastSync.Assignments, h.LastSync.Confirmed)
	}
	t.Logf("hoarder: %d assignments, %d confirmed, %d chunks (%d bytes) on disk, proven bytes %d, challenges %d passed %d failed, earned %d",
		h.LastSync.Assignments, h.LastSync.Confirmed, h.ChunksOnDisk, h.BytesOnDisk, h.ProvenBytes, h.ChallengesPassed, h.ChallengesFailed, he.AsMasternode)
	t.Logf("honest:  %d assignments, %d confirmed, %d chunks (%d bytes) on disk, proven bytes %d, challenges %d passed %d failed, earned %d",
		o.LastSync.Assignments, o.LastSync.Confirmed, o.ChunksOnDisk, o.BytesOnDisk, o.ProvenBytes, o.ChallengesPassed, o.ChallengesFailed, oe.AsMasternode)
}

// reportAnswerLatency logs how many blocks honest masternodes took to
// answer their challenges (closed - created height of the passed ones): the
// figure challenge_deadline is chosen against.
func (sn *storageNet) reportAnswerLatency(t *testing.T, honest []int) {
	t.Helper()
	var lat []int
	for _, i := range honest {
		var hist []*storagepb.Challenge
		if err := json.Unmarshal([]byte(sn.rawQuery(t, "/storage/history/mn/"+sn.mnAddr[i])), &hist); err != nil {
			t.Fatal(err)
		}
		for _, c := range hist {
			if c.Status == storagepb.ChallengeStatus_CH_PASSED {
				lat = append(lat, int(c.ClosedHeight-c.CreatedHeight))
			}
		}
	}
	if len(lat) == 0 {
		t.Fatal("no passed challenge of an honest masternode")
	}
	sort.Ints(lat)
	t.Logf("honest challenge answers: %d, blocks from challenge to proof: median %d, p90 %d, max %d",
		len(lat), lat[len(lat)/2], lat[len(lat)*9/10], lat[len(lat)-1])
}

// refusedOwnChunk: masternode i (its chunkd stopped meanwhile, so it does
// not act on its own) asks another holder for a chunk it confirmed and is
// refused with the reason; once it reports the loss on-chain the same
// request is served.
func (sn *storageNet) refusedOwnChunk(t *testing.T, art string, i int) {
	t.Helper()
	var chunks []storagepb.ChunkView
	if err := json.Unmarshal([]byte(sn.rawQuery(t, "/storage/chunks/"+art)), &chunks); err != nil {
		t.Fatal(err)
	}
	me := sn.mnAddr[i]
	var pick storagepb.ChunkView
	var from storagepb.HolderView
	for _, c := range chunks {
		mine, other := false, storagepb.HolderView{}
		for _, h := range c.Holders {
			if h.Masternode == me && h.Confirmed {
				mine = true
			} else if h.Confirmed && h.Masternode != sn.mnAddr[7] && h.Masternode != sn.mnAddr[5] && h.Masternode != sn.mnAddr[6] && h.Masternode != sn.mnAddr[4] {
				other = h
			}
		}
		if mine && other.Masternode != "" {
			pick, from = c, other
			break
		}
	}
	if from.Masternode == "" {
		t.Fatal("no chunk confirmed by masternode 0 and by an honest other holder")
	}
	sn.mns[i].stop(syscall.SIGTERM)
	defer sn.mns[i].start()
	kr, err := keyring.Open(sn.mns[i].home, keyring.BackendTest, nil)
	if err != nil {
		t.Fatal(err)
	}
	key, err := kr.PrivKey("masternode")
	if err != nil {
		t.Fatal(err)
	}
	artID, _ := hex.DecodeString(art)
	id, _ := codec.IDFromBytes(pick.ID)
	pc := peer.New(key)
	target := peer.Target{URL: from.URL, Masternode: from.Masternode}
	_, err = pc.Get(context.Background(), target, artID, id)
	if !errors.Is(err, peer.ErrForbidden) || !strings.Contains(err.Error(), "report the loss") {
		t.Fatalf("a confirmed holder fetching its own chunk: %v, want 403 naming the loss report", err)
	}
	run(t, "mn", "report-loss", art, fmt.Sprintf("%d:%d", pick.Stripe, pick.Index), "--from", "masternode",
		"--home", sn.mns[i].home, "--keyring-backend", "test", "--node", sn.nodes[0].rpc, "--yes")
	m := sn.masternode(t, me)
	if m.LossesReported != 1 {
		t.Fatalf("losses reported %d after the report", m.LossesReported)
	}
	for try := 0; ; try++ { // the peer caches the chain's refusal for 3 s
		if _, err = pc.Get(context.Background(), target, artID, id); err == nil {
			return
		}
		if try == 40 {
			t.Logf("DEBUG chunks: %s", sn.rawQuery(t, "/storage/chunks/"+art))
			t.Logf("DEBUG mn: %+v", sn.masternode(t, me))
			t.Fatalf("after reporting the loss, the fetch is still refused: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func countLog(t *testing.T, n *node, s string) int {
	b, _ := os.ReadFile(filepath.Join(n.home, "node.log"))
	return bytes.Count(b, []byte(s))
}

// metricValue sums a counter of a chunkd's /metrics.
func metricValue(t *testing.T, n *node, name string) float64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(n.home, "config", "chunkd.toml"))
	if err != nil {
		t.Fatal(err)
	}
	base := ""
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "listen = "); ok {
			base = "http://" + strings.Trim(v, `"`)
		}
	}
	f := strings.Fields(scrapeMetric(base, name))
	if len(f) != 2 {
		t.Fatalf("metric %s of %s: %v", name, n.name, f)
	}
	v, err := strconv.ParseFloat(f[1], 64)
	if err != nil {
		t.Fatalf("metric %s of %s: %v", name, n.name, f)
	}
	return v
}
