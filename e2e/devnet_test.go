package e2e

import (
	"bufio"
	"bytes"
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

	"github.com/pastelchain/pastel/genesis"
)

// devnetRun is one `scripts/devnet.sh` process (its own process group).
type devnetRun struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	out    bytes.Buffer
	banner chan struct{}
	done   chan struct{}
}

func startDevnet(t *testing.T, dir string, env []string) *devnetRun {
	t.Helper()
	cmd := exec.Command("bash", "scripts/devnet.sh")
	cmd.Dir = ".."
	cmd.Env = append(append(os.Environ(), "BIN="+pasteld, "CHUNKD="+chunkdBin, "DEVNET_DIR="+dir), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r, w := io.Pipe()
	cmd.Stdout, cmd.Stderr = w, w
	d := &devnetRun{cmd: cmd, banner: make(chan struct{}), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(r)
		once := sync.Once{}
		for sc.Scan() {
			d.mu.Lock()
			d.out.WriteString(sc.Text() + "\n")
			d.mu.Unlock()
			if strings.Contains(sc.Text(), "Pastel devnet running") {
				once.Do(func() { close(d.banner) })
			}
		}
	}()
	go func() { _ = cmd.Wait(); w.Close(); close(d.done) }()
	t.Cleanup(func() { d.stop() })
	return d
}

func (d *devnetRun) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.String()
}

// stop sends SIGINT (Ctrl-C) to the whole group and waits.
func (d *devnetRun) stop() {
	select {
	case <-d.done:
		return
	default:
	}
	_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-d.done:
	case <-time.After(40 * time.Second):
		_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		<-d.done
	}
}

func (d *devnetRun) waitBanner(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case <-d.banner:
	case <-d.done:
		t.Fatalf("devnet exited before it was running:\n%s", d.output())
	case <-time.After(timeout):
		t.Fatalf("devnet not running after %s (a rerun used to hang here):\n%s", timeout, d.output())
	}
}

// listeners returns the local addresses (hex, as in /proc/net/tcp{,6}) of
// the sockets listening on port.
func listeners(t *testing.T, port int) []string {
	t.Helper()
	var out []string
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n")[1:] {
			fs := strings.Fields(l)
			if len(fs) < 4 || fs[3] != "0A" { // LISTEN
				continue
			}
			host, p, ok := strings.Cut(fs[1], ":")
			if n, err := strconv.ParseUint(p, 16, 32); ok && err == nil && int(n) == port {
				out = append(out, host)
			}
		}
	}
	return out
}

// The README's first command, as a user runs it: a first run, a second
// run while it is up (refused before touching anything), Ctrl-C, and a
// rerun that continues the chain with its masternodes serving. Everything
// listens on loopback only.
func TestDevnetRerunAndRefusal(t *testing.T) {
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skip("needs /proc/net/tcp")
	}
	base, err := genesis.FreePortBase(2)
	if err != nil {
		t.Fatal(err)
	}
	const mns = 3
	env := []string{"MASTERNODES=" + strconv.Itoa(mns),
		fmt.Sprintf("DEVNET_RPC_PORT=%d", base), fmt.Sprintf("DEVNET_P2P_PORT=%d", base+1),
		fmt.Sprintf("DEVNET_METRICS_PORT=%d", base+2), fmt.Sprintf("DEVNET_EXPLORER_PORT=%d", base+3), fmt.Sprintf("DEVNET_MN_PORT=%d", base+10)}
	dir := filepath.Join(t.TempDir(), "devnet")
	rpc := fmt.Sprintf("http://127.0.0.1:%d", base)

	first := startDevnet(t, dir, env)
	first.waitBanner(t, 3*time.Minute)
	waitFor(t, "the devnet's explorer", 30*time.Second, func() bool { return len(listeners(t, base+3)) > 0 })
	for _, p := range []int{base, base + 1, base + 2, base + 3, base + 11, base + 13} {
		ls := listeners(t, p)
		if len(ls) == 0 {
			t.Errorf("nothing listens on port %d", p)
		}
		for _, h := range ls {
			if h != "0100007F" && h != "0000000000000000FFFF00000100007F" {
				t.Errorf("port %d listens on %s, not 127.0.0.1", p, h)
			}
		}
	}

	// A second devnet on the same folder is refused and leaves the logs alone.
	logBefore, _ := os.ReadFile(filepath.Join(dir, "node.log"))
	second := exec.Command("bash", "scripts/devnet.sh")
	second.Dir = ".."
	second.Env = append(append(os.Environ(), "BIN="+pasteld, "CHUNKD="+chunkdBin, "DEVNET_DIR="+dir), env...)
	out, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "already running") {
		t.Fatalf("a second devnet was not refused (err %v):\n%s", err, out)
	}
	logAfter, _ := os.ReadFile(filepath.Join(dir, "node.log"))
	if len(logAfter) < len(logBefore) || !bytes.Equal(logAfter[:len(logBefore)], logBefore) || bytes.IndexByte(logAfter, 0) >= 0 {
		t.Fatalf("the refused run touched node.log (%d -> %d bytes)", len(logBefore), len(logAfter))
	}
	// Another folder on the same ports is refused too.
	other := exec.Command("bash", "scripts/devnet.sh")
	other.Dir = ".."
	other.Env = append(append(os.Environ(), "BIN="+pasteld, "CHUNKD="+chunkdBin, "DEVNET_DIR="+filepath.Join(t.TempDir(), "other")), env...)
	if out, err := other.CombinedOutput(); err == nil || !strings.Contains(string(out), "in use") {
		t.Fatalf("a devnet on busy ports was not refused (err %v):\n%s", err, out)
	}
	chain := &node{t: t, name: "devnet", rpc: rpc} // for its RPC helpers only
	h1 := chain.height()
	if h1 <= 0 {
		t.Fatalf("the devnet's node does not answer at %s", rpc)
	}
	first.stop()
	if _, err := os.Stat(filepath.Join(dir, "devnet.pid")); err == nil {
		t.Error("Ctrl-C left devnet.pid behind")
	}

	// The rerun continues the chain, starts every chunkd and prints the banner.
	again := startDevnet(t, dir, env)
	again.waitBanner(t, 90*time.Second)
	if h2 := chain.height(); h2 < h1 {
		t.Fatalf("the rerun restarted the chain: height %d after %d", h2, h1)
	}
	list, err := pasteldCmd("mn", "list", "--node", rpc)
	if err != nil || strings.Count(list, "ACTIVE") != mns {
		t.Fatalf("after the rerun, want %d active masternodes:\n%s (%v)", mns, list, err)
	}
	for i := 1; i <= mns; i++ {
		if len(listeners(t, base+10+i)) == 0 {
			t.Errorf("chunkd %d does not listen after the rerun", i)
		}
	}
	// The explorer named in the banner serves the chain's page.
	if !strings.Contains(again.output(), fmt.Sprintf("explorer: http://127.0.0.1:%d/", base+3)) {
		t.Errorf("the banner does not name the explorer:\n%s", again.output())
	}
	waitFor(t, "the explorer's chain page", 30*time.Second, func() bool {
		r, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", base+3))
		if err != nil {
			return false
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode == 200 && strings.Contains(string(b), "pastel-devnet")
	})
	// The wallet defaults of the home: no --keyring-backend needed.
	if out, err := pasteldCmd("keys", "list", "--home", filepath.Join(dir, "node")); err != nil || !strings.Contains(out, "demo") {
		t.Fatalf("keys list --home without a backend: %v\n%s", err, out)
	}
	again.stop()
}
