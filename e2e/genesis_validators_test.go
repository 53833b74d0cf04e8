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

	"github.com/pastelchain/pastel/x/storage"
)

// TestGenesisMasternodesValidateFromBlockOne launches a chain whose
// validator set comes from its genesis masternodes, with real CometBFT:
// `pasteld testnet` writes four genesis validators, then three masternodes
// are added to genesis with node0-2's consensus keys and a fourth without
// one. InitChain returns the set computed from the masternodes, so CometBFT
// replaces its genesis list: node0-2 validate with equal power from block
// 1, node3 (a genesis validator, but no masternode names its key) only
// follows. A validator restarted with SIGTERM replays to the same state
// and the chain goes on; all four nodes agree on every AppHash.
func TestGenesisMasternodesValidateFromBlockOne(t *testing.T) {
	net := newNetwork(t, 4)
	h0 := net.nodes[0].home
	type consKey struct {
		PubKey  string `json:"pub_key"`
		Address string `json:"address"`
	}
	var keys []consKey
	var owners []string
	for i, n := range net.nodes {
		var ck consKey
		if err := json.Unmarshal([]byte(run(t, "show-validator", "--home", n.home, "-o", "json")), &ck); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, ck)
		run(t, "keys", "add", "mn", "--home", n.home, "--keyring-backend", "test")
		addr := n.address("mn")
		pub := strings.TrimSpace(run(t, "keys", "show", "mn", "--pubkey", "--home", n.home, "--keyring-backend", "test"))
		owners = append(owners, addr)
		run(t, "genesis", "add-account", addr, "1001000psl", "--home", h0)
		args := []string{"genesis", "add-masternode", pub, "--url", fmt.Sprintf("http://127.0.0.1:%d", 7100+i), "--collateral", "1000000psl", "--home", h0}
		if i < 3 {
			args = append(args, "--consensus-key", n.home)
		}
		run(t, args...)
	}
	// Refused: a second masternode with a key already in use, and an
	// unfunded account. Neither changes genesis.json.
	run(t, "keys", "add", "extra", "--home", h0, "--keyring-backend", "test")
	genPath := filepath.Join(h0, "config", "genesis.json")
	unchanged := func(before []byte) {
		t.Helper()
		if after, _ := os.ReadFile(genPath); !bytes.Equal(before, after) {
			t.Fatal("a refused genesis add-masternode changed genesis.json")
		}
	}
	before, _ := os.ReadFile(genPath)
	if out, err := pasteldCmd("genesis", "add-masternode", "extra", "--url", "http://127.0.0.1:7200", "--consensus-key", net.nodes[0].home,
		"--home", h0, "--keyring-backend", "test"); err == nil || !strings.Contains(out, "not funded") {
		t.Fatalf("unfunded genesis masternode: want a 'not funded' error, got %v: %s", err, out)
	}
	unchanged(before)
	run(t, "genesis", "add-account", "extra", "1001000psl", "--home", h0, "--keyring-backend", "test")
	before, _ = os.ReadFile(genPath)
	if out, err := pasteldCmd("genesis", "add-masternode", "extra", "--url", "http://127.0.0.1:7200", "--consensus-key", net.nodes[0].home,
		"--home", h0, "--keyring-backend", "test"); err == nil || !strings.Contains(out, "consensus_pub_key") {
		t.Fatalf("reused consensus key: want an error naming consensus_pub_key, got %v: %s", err, out)
	}
	unchanged(before)
	run(t, "genesis", "validate", "--home", h0)
	copyGenesis(t, net)
	for _, n := range net.nodes {
		n.start()
	}
	net.nodes[0].waitHeight(4, 60*time.Second)

	// CometBFT's set is the three masternode keys, equal power, from block 1.
	for _, h := range []int64{1, 4} {
		set := cometValidators(t, net.nodes[3], h)
		if len(set) != 3 || set[keys[3].Address] != 0 {
			t.Fatalf("validators at height %d: %v, want node0-2 (%s, %s, %s) and not node3 (%s)", h, set, keys[0].Address, keys[1].Address, keys[2].Address, keys[3].Address)
		}
		for _, k := range keys[:3] {
			if set[k.Address] <= 0 || set[k.Address] != set[keys[0].Address] {
				t.Fatalf("validators at height %d: %v, want equal positive power for node0-2", h, set)
			}
		}
	}
	var vs []storage.ValidatorView
	if err := json.Unmarshal([]byte(run(t, "validators", "-o", "json", "--node", net.nodes[2].rpc)), &vs); err != nil {
		t.Fatal(err)
	}
	byAddr := map[string]storage.ValidatorView{}
	for _, v := range vs {
		byAddr[v.Address] = v
	}
	for i, k := range keys[:3] {
		if v := byAddr[k.Address]; v.Masternode != owners[i] || v.Power <= 0 || v.Genesis {
			t.Fatalf("pasteld validators: %s should be owned by masternode %s with power > 0: %+v", k.Address, owners[i], v)
		}
	}
	if v, ok := byAddr[keys[3].Address]; ok && v.Power != 0 {
		t.Fatalf("node3's key has power %d, want none: %+v", v.Power, v)
	}
	h := net.nodes[0].height()
	for _, k := range keys[:3] {
		if !signedBy(t, net.nodes[0], h, k.Address) && !signedBy(t, net.nodes[0], h-1, k.Address) {
			t.Fatalf("validator %s signed neither block %d nor %d", k.Address, h-1, h)
		}
	}
	for _, hh := range []int64{h - 1, h} {
		if signedBy(t, net.nodes[0], hh, keys[3].Address) {
			t.Fatalf("node3 signed block %d although it has no power", hh)
		}
	}

	// A validator restarts (handshake replay, not InitChain again) and the
	// chain goes on with it.
	net.nodes[1].stop(syscall.SIGTERM)
	net.nodes[1].start()
	top := net.nodes[0].height() + 5
	for _, n := range net.nodes {
		n.waitHeight(top, 60*time.Second)
	}
	ref := net.nodes[0].appHashes(top)
	for _, n := range net.nodes[1:] {
		sameHashes(t, ref, n.appHashes(top), n.name)
	}
	if set := cometValidators(t, net.nodes[1], top); len(set) != 3 {
		t.Fatalf("after the restart the set is %v, want the same three", set)
	}
}
