package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// trustScore is the JSON of `pasteld trust show -o json`.
type trustScore struct {
	Height int64 `json:"height"`
	Proven bool  `json:"proven"`
	Epoch  int64 `json:"epoch"`
	Score  struct {
		Address  string `json:"address"`
		Known    bool   `json:"known"`
		DATT     string `json:"datt"`
		Rank     int    `json:"rank"`
		Eigen    string `json:"eigen"`
		Combined string `json:"combined"`
	} `json:"score"`
}

func trustShow(t *testing.T, n *node, addr string) trustScore {
	t.Helper()
	var s trustScore
	out := run(t, "trust", "show", addr, "--prove", "-o", "json", "--node", n.rpc)
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("trust show: %v\n%s", err, out)
	}
	if !s.Proven {
		t.Fatalf("trust show --prove did not prove: %s", out)
	}
	return s
}

type trustEpoch struct {
	Epoch       int64  `json:"epoch"`
	Height      int64  `json:"height"`
	Identities  int    `json:"identities"`
	ResultsHash string `json:"results_hash"`
}

func trustEpochOf(t *testing.T, n *node) trustEpoch {
	t.Helper()
	var e trustEpoch
	out := run(t, "trust", "epoch", "-o", "json", "--node", n.rpc)
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatalf("trust epoch: %v\n%s", err, out)
	}
	return e
}

// waitEpochAfter waits until n has run an epoch at a height above h.
func waitEpochAfter(t *testing.T, n *node, h int64) trustEpoch {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if e := trustEpochOf(t, n); e.Height > h {
			return e
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatalf("%s ran no trust epoch after height %d", n.name, h)
	return trustEpoch{}
}

// setTrust sends `pasteld trust set` with key `from` of node n and returns
// the height it was included at.
func setTrust(t *testing.T, n *node, from, target, weight string) int64 {
	t.Helper()
	out := run(t, append([]string{"trust", "set", target, weight, "--from", from, "--yes", "-o", "json"}, n.keyArgs()...)...)
	var r struct {
		Height int64  `json:"height"`
		Code   uint32 `json:"code"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Code != 0 || r.Height == 0 {
		t.Fatalf("trust set %s %s: %v\n%s", target, weight, err, out)
	}
	return r.Height
}

// TestTrustScoresAgreeAcrossValidators: a 4-validator localnet with the
// validators of node0 and node1 as genesis seeds. Trust edges set through
// the CLI (on different nodes, one negative) give, on every node, the same
// proven scores (with the expected DATT values), the same ranking and the
// same results hash, and every node reports the same AppHash at every
// height, also after a node stops (three of four keep the chain going), an
// edge changes, and the node restarts and catches up past a later epoch.
func TestTrustScoresAgreeAcrossValidators(t *testing.T) {
	// Exactly the seeds below (the testnet default also seeds the other
	// validators and storage's challenger).
	net := newNetworkWith(t, 4, 0, "--trust-seeds", "none")
	n0, n1, n2 := net.nodes[0], net.nodes[1], net.nodes[2]
	v0, v1, v2 := n0.address("validator"), n1.address("validator"), n2.address("validator")
	faucet := n0.address("faucet")

	// The same genesis edits on every node's copy keep the files identical.
	for _, n := range net.nodes {
		run(t, "trust", "genesis-seed", v0, "--home", n.home)
		run(t, "trust", "genesis-seed", v1, "--home", n.home)
		run(t, "trust", "genesis-param", "epoch_blocks", "4", "--home", n.home)
	}
	g0, _ := os.ReadFile(filepath.Join(n0.home, "config", "genesis.json"))
	for _, n := range net.nodes[1:] {
		g, _ := os.ReadFile(filepath.Join(n.home, "config", "genesis.json"))
		if !bytes.Equal(g0, g) {
			t.Fatalf("genesis of %s differs from node0's after the same edits", n.name)
		}
	}
	for _, n := range net.nodes {
		n.start()
	}
	n0.waitHeight(2, 60*time.Second)

	var last int64
	last = max(last, setTrust(t, n0, "validator", v1, "0.9"))
	last = max(last, setTrust(t, n0, "validator", v2, "0.6"))
	last = max(last, setTrust(t, n1, "validator", v2, "-0.3"))
	last = max(last, setTrust(t, n1, "validator", faucet, "-1"))
	last = max(last, setTrust(t, n2, "validator", v0, "1"))
	last = max(last, setTrust(t, n0, "faucet", v2, "0.5"))
	for _, n := range net.nodes {
		waitEpochAfter(t, n, last)
	}

	// Expected DATT: both seeds at 1; v2 = (1·0.6 + 1·(−0.3))/2 = 0.15 from
	// the two seeds at rank 0; the faucet = −1 (v1's distrust).
	want := map[string]string{v0: "1", v1: "1", v2: "0.15", faucet: "-1"}
	ref := map[string]trustScore{}
	for addr, datt := range want {
		s := trustShow(t, n0, addr)
		if !s.Score.Known || s.Score.DATT != datt {
			t.Fatalf("node0: %s DATT %q (known %v), want %q", addr, s.Score.DATT, s.Score.Known, datt)
		}
		ref[addr] = s
	}
	if !strings.HasPrefix(ref[faucet].Score.Combined, "-") {
		t.Fatalf("the faucet, distrusted by a seed and trusted by nobody, has combined %s", ref[faucet].Score.Combined)
	}
	refTop := run(t, "trust", "top", "10", "-o", "json", "--node", n0.rpc)
	refEpoch := trustEpochOf(t, n0)
	for _, n := range net.nodes[1:] {
		for addr := range want {
			s := trustShow(t, n, addr)
			if s.Score != ref[addr].Score {
				t.Fatalf("%s reports %+v for %s, node0 %+v", n.name, s.Score, addr, ref[addr].Score)
			}
		}
		if e := trustEpochOf(t, n); e.ResultsHash != refEpoch.ResultsHash || e.Identities != 4 || len(e.ResultsHash) != 64 {
			t.Fatalf("%s epoch %+v, node0 %+v", n.name, e, refEpoch)
		}
		if top := run(t, "trust", "top", "10", "-o", "json", "--node", n.rpc); stripHeight(top) != stripHeight(refTop) {
			t.Fatalf("%s ranking differs:\n%s\nnode0:\n%s", n.name, top, refTop)
		}
	}
	why := run(t, "trust", "why", v2, "--node", n1.rpc)
	if !strings.Contains(why, "DATT 0.15") || !strings.Contains(why, "weight -0.3") {
		t.Fatalf("why: %s", why)
	}

	// node2 stops; an edge changes; node2 comes back and catches up past
	// the next epoch with the same scores and AppHashes.
	n2.stop(syscall.SIGTERM)
	changed := setTrust(t, n0, "validator", v2, "1")
	waitEpochAfter(t, n0, changed)
	n2.start()
	top := n0.height()
	for _, n := range net.nodes {
		n.waitHeight(top, 120*time.Second)
	}
	// v2 = (1·1 + 1·(−0.3))/2 = 0.35 now.
	for _, n := range net.nodes {
		if s := trustShow(t, n, v2); s.Score.DATT != "0.35" {
			t.Fatalf("%s: v2 DATT %s after the change, want 0.35", n.name, s.Score.DATT)
		}
	}
	hashes := n0.appHashes(top)
	for _, n := range net.nodes[1:] {
		sameHashes(t, hashes, n.appHashes(top), fmt.Sprintf("node0 vs %s", n.name))
	}
}

// stripHeight drops the "height" line of a JSON answer, which differs
// between nodes queried a moment apart.
func stripHeight(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.Contains(l, `"height"`) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
