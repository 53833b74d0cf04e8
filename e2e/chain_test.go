package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/genesis"
)

func balanceOf(t *testing.T, n *node, addr string, prove bool) uint64 {
	t.Helper()
	args := []string{"query", "bank", "balance", addr, "--node", n.rpc, "-o", "json"}
	if prove {
		args = append(args, "--prove")
	}
	var out struct {
		Balance string `json:"balance"`
		Proven  bool   `json:"proven"`
	}
	if err := json.Unmarshal([]byte(run(t, args...)), &out); err != nil {
		t.Fatal(err)
	}
	v, _ := strconv.ParseUint(out.Balance, 10, 64)
	return v
}

// supplyOf is the supply that must be conserved: the bank's total supply
// minus what the rewards schedule has minted so far, read at one height.
func supplyOf(t *testing.T, n *node) uint64 {
	t.Helper()
	c := n.client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := c.Query(ctx, "/bank/supply", 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Supply uint64 `json:"supply,string"`
	}
	if err := json.Unmarshal(r.Value, &s); err != nil {
		t.Fatal(err)
	}
	rr, err := c.Query(ctx, "/rewards/epoch", r.Height, false)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Emitted uint64 `json:"emitted,string"`
	}
	if err := json.Unmarshal(rr.Value, &st); err != nil {
		t.Fatal(err)
	}
	return s.Supply - st.Emitted
}

// TestSingleNodeTransfersAndRestarts: a one-validator chain takes transfers
// through the CLI, survives clean stops and SIGKILLs between and during
// blocks, never rewrites a committed AppHash, and keeps going.
func TestSingleNodeTransfersAndRestarts(t *testing.T) {
	net := newNetwork(t, 1)
	n := net.nodes[0]
	n.start()
	n.waitHeight(2, 30*time.Second)
	faucet := n.address("faucet")
	bob := secp256k1.ModuleAddress("e2e-bob").String()
	supply := supplyOf(t, n)

	send := func(amount string) {
		out := run(t, append([]string{"tx", "bank", "send", "faucet", bob, amount, "--yes", "-o", "json"}, n.keyArgs()...)...)
		if !strings.Contains(out, `"code": 0`) {
			t.Fatalf("send: %s", out)
		}
	}
	send("1psl")
	if got := balanceOf(t, n, bob, true); got != genesis.Coin {
		t.Fatalf("bob has %d npsl after a proven query, want %d", got, genesis.Coin)
	}

	var recorded map[int64]string
	for round, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL, syscall.SIGKILL, syscall.SIGTERM} {
		// Submit a transfer without waiting so the kill can land mid-block.
		_ = exec.Command(pasteld, append([]string{"tx", "bank", "send", "faucet", bob, "2psl", "--yes", "--timeout", "1ms"}, n.keyArgs()...)...).Run()
		time.Sleep(time.Duration(50+round*120) * time.Millisecond)
		h := n.height()
		n.stop(sig)
		n.start()
		n.waitHeight(h+2, 60*time.Second)
		now := n.appHashes(h + 1)
		if recorded != nil {
			sameHashes(t, recorded, now, fmt.Sprintf("after restart %d (%v)", round, sig))
		}
		recorded = now
	}
	// Each restart warmed the state cache before the node joined consensus
	// (pasteld start asks app.New for app.DefaultWarmWalks).
	if got := countLog(t, n, "state cache warmed"); got < 4 {
		t.Fatalf("%d of 4 restarts logged \"state cache warmed\"", got)
	}
	if got := supplyOf(t, n); got != supply {
		t.Fatalf("supply changed: %d -> %d", supply, got)
	}
	b := balanceOf(t, n, bob, true)
	if b < genesis.Coin || (b-genesis.Coin)%(2*genesis.Coin) != 0 {
		t.Fatalf("bob's balance %d is not 1 psl plus whole 2 psl transfers", b)
	}
	fb := balanceOf(t, n, faucet, false)
	if fb+b > supply {
		t.Fatalf("faucet %d + bob %d exceed supply %d", fb, b, supply)
	}
}

// TestLocalnetToleratesOneFaultHaltsAtTwo: 4 validators of equal power.
// Losing one keeps blocks coming; losing a second halts the chain (no
// fork: the survivors agree on every block); restarting them resumes it, and
// every node reports the same AppHash at every height.
func TestLocalnetToleratesOneFaultHaltsAtTwo(t *testing.T) {
	net := newNetwork(t, 4)
	for _, n := range net.nodes {
		n.start()
	}
	n0 := net.nodes[0]
	n0.waitHeight(3, 60*time.Second)
	bob := secp256k1.ModuleAddress("e2e-bob").String()
	run(t, append([]string{"tx", "bank", "send", "faucet", bob, "3psl", "--yes"}, n0.keyArgs()...)...)

	net.nodes[3].stop(syscall.SIGKILL)
	h := n0.height()
	n0.waitHeight(h+5, 60*time.Second) // 3 of 4 validators (75% > 2/3) keep going
	run(t, append([]string{"tx", "bank", "send", "faucet", bob, "3psl", "--yes"}, n0.keyArgs()...)...)

	net.nodes[2].stop(syscall.SIGKILL)
	time.Sleep(2 * time.Second) // let an in-flight block finish
	halted := n0.height()
	time.Sleep(5 * time.Second)
	if now := n0.height(); now > halted+1 {
		t.Fatalf("chain advanced from %d to %d with only half the voting power", halted, now)
	}
	survivors := n0.appHashes(halted)
	sameHashes(t, survivors, net.nodes[1].appHashes(min(halted, net.nodes[1].height())), "node0 vs node1 while halted")

	net.nodes[2].start()
	net.nodes[3].start()
	n0.waitHeight(halted+5, 120*time.Second)
	top := n0.height()
	for _, n := range net.nodes {
		n.waitHeight(top, 120*time.Second)
	}
	ref := n0.appHashes(top)
	for _, n := range net.nodes[1:] {
		sameHashes(t, ref, n.appHashes(top), "node0 vs "+n.name)
	}
	if got := balanceOf(t, net.nodes[3], bob, true); got != 6*genesis.Coin {
		t.Fatalf("restarted node3 reports bob = %d, want %d", got, 6*genesis.Coin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := net.nodes[2].client().Status(ctx)
	if err != nil || st.SyncInfo.CatchingUp {
		t.Fatalf("node2 not caught up: %v", err)
	}
}
