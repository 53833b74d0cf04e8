// Package e2e runs real pasteld processes on loopback ports: the binary is
// built once, every node is its own OS process, and tests kill, stop and
// restart them the way operators and failures do.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pastelchain/pastel/client"
	"github.com/pastelchain/pastel/genesis"
)

var pasteld, chunkdBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pastel-e2e-bin-")
	if err != nil {
		panic(err)
	}
	pasteld = filepath.Join(dir, "pasteld")
	build := exec.Command("go", "build", "-o", pasteld, "../cmd/pasteld")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building pasteld failed:", err)
		os.Exit(1)
	}
	chunkdBin = filepath.Join(dir, "chunkd")
	build = exec.Command("go", "build", "-o", chunkdBin, "../chunkd/cmd/chunkd")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building chunkd failed:", err)
		os.Exit(1)
	}
	// No test touches the user's ~/.pasteld.
	os.Setenv("PASTELD_HOME", filepath.Join(dir, "default-home"))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// node is one pasteld process.
type node struct {
	t    *testing.T
	name string
	home string
	rpc  string
	// metrics is the Prometheus endpoint (CometBFT's and the app's).
	metrics string
	cmd     *exec.Cmd
	log     *os.File
	done    chan struct{}
	// bin and args start the process (default: pasteld start --home <home>).
	bin  string
	args []string
}

// network is a set of node homes written by `pasteld testnet`.
type network struct {
	t     *testing.T
	dir   string
	nodes []*node
}

// defaultHomes is each test's own default pasteld home (PASTELD_HOME for
// commands run without --home): the light client keeps its trust root
// there, and every test's chain is another chain with the same chain id.
var defaultHomes sync.Map

func defaultHomeOf(t *testing.T) string {
	if h, ok := defaultHomes.Load(t.Name()); ok {
		return h.(string)
	}
	h := t.TempDir()
	defaultHomes.Store(t.Name(), h)
	return h
}

func jsonOutput(args []string) bool {
	for i, a := range args {
		if a == "--output=json" || a == "-o=json" || (a == "-o" || a == "--output") && i+1 < len(args) && args[i+1] == "json" {
			return true
		}
	}
	return false
}

// pasteldIn is the command pasteld args with the test's default home.
func pasteldIn(t *testing.T, args ...string) *exec.Cmd {
	c := exec.Command(pasteld, args...)
	c.Env = append(os.Environ(), "PASTELD_HOME="+defaultHomeOf(t))
	return c
}

// run executes pasteld with args and returns its combined output; with
// -o json only its standard output (the JSON; notices for people, like the
// light client's first-use message, go to stderr).
func run(t *testing.T, args ...string) string {
	t.Helper()
	cmd := pasteldIn(t, args...)
	if jsonOutput(args) {
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("pasteld %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
		}
		return string(out)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pasteld %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func newNetwork(t *testing.T, validators int) *network {
	t.Helper()
	return newNetworkWithFullNodes(t, validators, 0)
}

// newNetworkWithFullNodes adds full nodes (not genesis validators) after
// the validators.
func newNetworkWithFullNodes(t *testing.T, validators, full int) *network {
	t.Helper()
	return newNetworkWith(t, validators, full)
}

// newNetworkWith passes extra flags to `pasteld testnet`.
func newNetworkWith(t *testing.T, validators, full int, testnetArgs ...string) *network {
	t.Helper()
	dir := t.TempDir()
	base, err := genesis.FreePortBase(validators + full)
	if err != nil {
		t.Fatal(err)
	}
	run(t, append([]string{"testnet", "--validators", fmt.Sprint(validators), "--full-nodes", fmt.Sprint(full), "--output-dir", dir,
		"--starting-port", fmt.Sprint(base), "--block-time-ms", "300", "--chain-id", "pastel-e2e"}, testnetArgs...)...)
	n := &network{t: t, dir: dir}
	for i := 0; i < validators+full; i++ {
		o := genesis.LocalnetOptions{StartingPort: base}
		_, rpc, metrics := o.Ports(i)
		n.nodes = append(n.nodes, &node{t: t, name: fmt.Sprintf("node%d", i), home: filepath.Join(dir, fmt.Sprintf("node%d", i)),
			rpc: fmt.Sprintf("http://127.0.0.1:%d", rpc), metrics: fmt.Sprintf("http://127.0.0.1:%d/metrics", metrics)})
	}
	t.Cleanup(func() {
		for _, nd := range n.nodes {
			nd.kill()
		}
		if t.Failed() {
			for _, nd := range n.nodes {
				nd.dumpLog()
			}
		}
	})
	return n
}

func (n *node) start() {
	n.t.Helper()
	if n.cmd != nil {
		n.t.Fatalf("%s already running", n.name)
	}
	f, err := os.OpenFile(filepath.Join(n.home, "node.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		n.t.Fatal(err)
	}
	bin, args := pasteld, []string{"start", "--home", n.home}
	if n.bin != "" {
		bin, args = n.bin, n.args
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	n.cmd, n.log, n.done = cmd, f, make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) { _ = c.Wait(); close(done) }(cmd, n.done)
}

// stop sends sig and waits for the process to exit.
func (n *node) stop(sig syscall.Signal) {
	n.t.Helper()
	if n.cmd == nil {
		return
	}
	_ = n.cmd.Process.Signal(sig)
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
		n.t.Errorf("%s did not exit within 30s of %v", n.name, sig)
	}
	if sig == syscall.SIGTERM && n.cmd.ProcessState != nil && !n.cmd.ProcessState.Success() {
		n.t.Errorf("%s exited with %v after SIGTERM (want a clean shutdown)", n.name, n.cmd.ProcessState)
	}
	n.cmd = nil
	n.log.Close()
}

func (n *node) kill() {
	if n.cmd != nil {
		_ = n.cmd.Process.Kill()
		<-n.done
		n.cmd = nil
		n.log.Close()
	}
}

func (n *node) dumpLog() {
	b, _ := os.ReadFile(filepath.Join(n.home, "node.log"))
	if len(b) > 6000 {
		b = b[len(b)-6000:]
	}
	n.t.Logf("---- %s log (tail) ----\n%s", n.name, b)
}

func (n *node) client() *client.Client {
	c, err := client.New(n.rpc)
	if err != nil {
		n.t.Fatal(err)
	}
	return c
}

// height returns the node's latest height, or -1 if it does not answer.
func (n *node) height() int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// The application's committed height (ABCI Info), not the status's
	// latest block: CometBFT stores a block before the application has
	// committed it, so a query at the status height can meet "not
	// committed yet" (TestTrustWorksAtDefaults did, once).
	info, err := n.client().RPC.ABCIInfo(ctx)
	if err != nil {
		return -1
	}
	return info.Response.LastBlockHeight
}

// waitHeight waits until the node reports at least h.
func (n *node) waitHeight(h int64, timeout time.Duration) {
	n.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if n.height() >= h {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	n.t.Fatalf("%s did not reach height %d within %s (at %d)", n.name, h, timeout, n.height())
}

// appHashes returns the AppHash in the header of every block 1..upTo.
func (n *node) appHashes(upTo int64) map[int64]string {
	n.t.Helper()
	c := n.client()
	out := map[int64]string{}
	for h := int64(1); h <= upTo; h++ {
		hh := h
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		res, err := c.RPC.Commit(ctx, &hh)
		cancel()
		if err != nil {
			n.t.Fatalf("%s: commit %d: %v", n.name, h, err)
		}
		out[h] = fmt.Sprintf("%X", res.SignedHeader.AppHash)
	}
	return out
}

func sameHashes(t *testing.T, a, b map[int64]string, what string) {
	t.Helper()
	for h, x := range a {
		if y, ok := b[h]; ok && x != y {
			t.Fatalf("%s: AppHash differs at height %d: %s vs %s", what, h, x, y)
		}
	}
}

// keyArgs are the flags that select a node's test keyring.
func (n *node) keyArgs() []string {
	return []string{"--home", n.home, "--keyring-backend", "test", "--node", n.rpc}
}

func (n *node) address(key string) string {
	return strings.TrimSpace(run(n.t, "keys", "show", key, "-a", "--home", n.home, "--keyring-backend", "test"))
}

func genesisFreePort() (int, error) { return genesis.FreePortBase(1) }

// pasteldCmd runs pasteld expecting it may fail, returning its combined
// output and error.
func pasteldCmd(args ...string) (string, error) {
	out, err := exec.Command(pasteld, args...).CombinedOutput()
	return string(out), err
}

// scrape reads n's Prometheus endpoint as sample (name with its labels as
// written, e.g. pastel_storage_arts{status="ART_ACTIVE"}) → value.
func (n *node) scrape() (map[string]float64, error) {
	res, err := http.Get(n.metrics)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" || l[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(l[i+1:], 64); err == nil {
			out[l[:i]] = v
		}
	}
	return out, nil
}
