package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pastelchain/pastel/genesis"
)

// chanWallet is a wallet home of its own (keys and channel files), talking
// to the node over RPC like a user's machine would.
type chanWallet struct {
	t    *testing.T
	home string
	name string
	node string
	addr string
}

func newChanWallet(t *testing.T, n *node, name string) *chanWallet {
	w := &chanWallet{t: t, home: filepath.Join(t.TempDir(), name), name: name, node: n.rpc}
	run(t, "keys", "add", name, "--home", w.home, "--keyring-backend", "test")
	w.addr = strings.TrimSpace(run(t, "keys", "show", name, "-a", "--home", w.home, "--keyring-backend", "test"))
	run(t, append([]string{"tx", "bank", "send", "faucet", w.addr, "100psl", "--yes"}, n.keyArgs()...)...)
	return w
}

func (w *chanWallet) run(args ...string) string {
	w.t.Helper()
	return run(w.t, append(args, "--home", w.home, "--keyring-backend", "test", "--node", w.node)...)
}

func (w *chanWallet) account() (balance, locked uint64) {
	w.t.Helper()
	var out struct {
		Balance string `json:"balance"`
		Locked  string `json:"locked"`
	}
	if err := json.Unmarshal([]byte(run(w.t, "query", "account", w.addr, "--node", w.node, "-o", "json")), &out); err != nil {
		w.t.Fatal(err)
	}
	fmt.Sscan(out.Balance, &balance)
	fmt.Sscan(out.Locked, &locked)
	return
}

func (w *chanWallet) status(id string) map[string]any {
	w.t.Helper()
	var out map[string]any
	if err := json.Unmarshal([]byte(w.run("channel", "status", id, "-o", "json")), &out); err != nil {
		w.t.Fatal(err)
	}
	return out
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestChannelOpenPayOffChainCooperativeClose: two wallets in two homes
// open a channel through the CLI (each signs), make payments off-chain by
// exchanging files and over HTTP, and close cooperatively; the chain pays
// exactly the final balances and the locked deposits are released.
func TestChannelOpenPayOffChainCooperativeClose(t *testing.T) {
	nw := newNetwork(t, 1)
	n := nw.nodes[0]
	n.start()
	n.waitHeight(2, 30*time.Second)
	supply := supplyOf(t, n)
	alice := newChanWallet(t, n, "alice")
	bob := newChanWallet(t, n, "bob")
	dir := t.TempDir()
	file := func(name string) string { return filepath.Join(dir, name) }

	// Open: alice proposes, bob signs, alice submits.
	out := alice.run("channel", "propose", "alice", bob.addr, "--deposit", "10psl", "--their-deposit", "5psl", "--out", file("prop.json"))
	id := strings.Fields(strings.TrimPrefix(out, "channel "))[0]
	id = strings.TrimSuffix(id, ":")
	bob.run("channel", "accept-open", "bob", file("prop.json"), "--out", file("signed.json"))
	alice.run("channel", "open", "alice", file("signed.json"), "--yes")
	if _, locked := alice.account(); locked != 10*genesis.Coin {
		t.Fatalf("alice locked %d", locked)
	}
	if _, locked := bob.account(); locked != 5*genesis.Coin {
		t.Fatalf("bob locked %d", locked)
	}
	aliceBefore, _ := alice.account()
	bobBefore, _ := bob.account()

	// Three payments by file exchange, alternating directions.
	for i, p := range []struct {
		from, to *chanWallet
		amount   string
	}{{alice, bob, "1psl"}, {alice, bob, "0.5psl"}, {bob, alice, "0.25psl"}} {
		upd, ack := file(fmt.Sprintf("upd%d.json", i)), file(fmt.Sprintf("ack%d.json", i))
		p.from.run("channel", "pay", p.from.name, id[:12], p.amount, "--out", upd)
		p.to.run("channel", "accept", p.to.name, upd, "--out", ack)
		p.from.run("channel", "complete", p.from.name, ack)
	}
	// A tampered update is refused and changes nothing.
	alice.run("channel", "pay", "alice", id, "1psl", "--out", file("upd-bad.json"))
	alice.run("channel", "retract", id)
	if o, err := exec.Command(pasteld, "channel", "accept", "bob", file("ack0.json"), "--out", file("x.json"),
		"--home", bob.home, "--keyring-backend", "test", "--node", bob.node).CombinedOutput(); err == nil {
		t.Fatalf("an answer was accepted as a proposal: %s", o)
	}

	// Bob serves his wallet over HTTP; alice pays and then closes through it.
	port := freePort(t)
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	srv := exec.Command(pasteld, "channel", "serve", "bob", "--listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--home", bob.home, "--keyring-backend", "test", "--node", bob.node)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("channel serve did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	alice.run("channel", "pay", "alice", id, "2psl", "--peer", url)
	st := alice.status(id)["local"].(map[string]any)
	if st["version"].(float64) != 4 || st["my_balance"] != fmt.Sprint(10*genesis.Coin-3_250_000_000) {
		t.Fatalf("alice's view: %v", st)
	}
	if got := bob.status(id)["local"].(map[string]any); got["version"].(float64) != 4 || got["my_balance"] != fmt.Sprint(5*genesis.Coin+3_250_000_000) {
		t.Fatalf("bob's view: %v", got)
	}

	// Cooperative close: final state agreed over HTTP, submitted by alice.
	res := alice.run("channel", "close", "alice", id, "--peer", url, "--yes", "-o", "json")
	if !strings.Contains(res, `"code": 0`) {
		t.Fatalf("close: %s", res)
	}
	chain := alice.status(id)["chain"].(map[string]any)
	if chain["status"] != "CLOSED" {
		t.Fatalf("on-chain status %v", chain)
	}
	aliceAfter, aliceLocked := alice.account()
	bobAfter, bobLocked := bob.account()
	if aliceLocked != 0 || bobLocked != 0 {
		t.Fatalf("still locked: %d %d", aliceLocked, bobLocked)
	}
	// Alice paid the close fee; bob paid nothing after opening.
	if got := bobAfter - bobBefore; got != 5*genesis.Coin+3_250_000_000 {
		t.Fatalf("bob received %d", got)
	}
	if aliceAfter <= aliceBefore || aliceAfter-aliceBefore > 10*genesis.Coin-3_250_000_000 || aliceAfter-aliceBefore < 10*genesis.Coin-3_250_000_000-genesis.Coin/1000 {
		t.Fatalf("alice received %d (before fees: %d)", aliceAfter-aliceBefore, 10*genesis.Coin-3_250_000_000)
	}
	if s := supplyOf(t, n); s != supply {
		t.Fatalf("supply %d -> %d", supply, s)
	}
	// A second close fails on-chain.
	if o, err := exec.Command(pasteld, "channel", "close", "alice", id, "--yes", "--home", alice.home, "--keyring-backend", "test", "--node", alice.node).CombinedOutput(); err == nil {
		t.Fatalf("second close accepted: %s", o)
	}
}

// setChannelParams edits the channels section of a node's genesis before
// its first start.
func setChannelParams(t *testing.T, n *node, window uint64) {
	t.Helper()
	path := filepath.Join(n.home, "config", "genesis.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var st map[string]json.RawMessage
	if err := json.Unmarshal(doc["app_state"], &st); err != nil {
		t.Fatal(err)
	}
	var ch map[string]map[string]any
	if err := json.Unmarshal(st["channels"], &ch); err != nil {
		t.Fatal(err)
	}
	ch["params"]["dispute_window"] = fmt.Sprint(window)
	st["channels"], _ = json.Marshal(ch)
	doc["app_state"], _ = json.Marshal(st)
	out, _ := json.MarshalIndent(doc, "", "  ")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestChannelStaleCloseDisputedThenSettledWithoutLocalState: bob closes
// with a stale state (an old copy of his wallet file), alice refutes with
// the newest through the CLI, both wallets then lose their channel files,
// and a settle naming only the channel id pays the refuted state.
func TestChannelStaleCloseDisputedThenSettledWithoutLocalState(t *testing.T) {
	nw := newNetwork(t, 1)
	n := nw.nodes[0]
	setChannelParams(t, n, 15)
	n.start()
	n.waitHeight(2, 30*time.Second)
	alice := newChanWallet(t, n, "alice")
	bob := newChanWallet(t, n, "bob")
	dir := t.TempDir()
	file := func(name string) string { return filepath.Join(dir, name) }
	out := alice.run("channel", "propose", "alice", bob.addr, "--deposit", "10psl", "--their-deposit", "10psl", "--out", file("prop.json"))
	id := strings.TrimSuffix(strings.Fields(strings.TrimPrefix(out, "channel "))[0], ":")
	bob.run("channel", "accept-open", "bob", file("prop.json"), "--out", file("signed.json"))
	alice.run("channel", "open", "alice", file("signed.json"), "--yes")

	pay := func(i int, amount string) {
		upd, ack := file(fmt.Sprintf("u%d.json", i)), file(fmt.Sprintf("a%d.json", i))
		bob.run("channel", "pay", "bob", id, amount, "--out", upd)
		alice.run("channel", "accept", "alice", upd, "--out", ack)
		bob.run("channel", "complete", "bob", ack)
	}
	pay(1, "1psl")
	bobFile := filepath.Join(bob.home, "channels", id+".json")
	stale, err := os.ReadFile(bobFile)
	if err != nil {
		t.Fatal(err)
	}
	pay(2, "4psl") // bob now owes alice 5psl in version 2
	if err := os.WriteFile(bobFile, stale, 0o600); err != nil {
		t.Fatal(err)
	}
	bob.run("channel", "close", "bob", id, "--unilateral", "--yes")
	chainView := func() map[string]any { return alice.status(id)["chain"].(map[string]any) }
	if c := chainView(); c["status"] != "DISPUTE" || c["registered_version"].(float64) != 1 {
		t.Fatalf("after stale close: %v", c)
	}
	alice.run("channel", "dispute", "alice", id, "--yes")
	c := chainView()
	if c["registered_version"].(float64) != 2 {
		t.Fatalf("after refute: %v", c)
	}
	// Settling early is refused by the chain.
	if o, err := exec.Command(pasteld, "channel", "settle", "alice", id, "--yes", "--home", alice.home, "--keyring-backend", "test", "--node", alice.node).CombinedOutput(); err == nil {
		t.Fatalf("settled inside the window: %s", o)
	}
	// Both wallets lose their channel files.
	for _, w := range []*chanWallet{alice, bob} {
		if err := os.RemoveAll(filepath.Join(w.home, "channels")); err != nil {
			t.Fatal(err)
		}
	}
	n.waitHeight(int64(c["dispute_deadline"].(float64))+1, 60*time.Second)
	aliceBefore, _ := alice.account()
	bob.run("channel", "settle", "bob", id, "--yes")
	aliceAfter, locked := alice.account()
	if locked != 0 || aliceAfter-aliceBefore != 15*genesis.Coin {
		t.Fatalf("alice received %d (locked %d), want 15psl", aliceAfter-aliceBefore, locked)
	}
}
