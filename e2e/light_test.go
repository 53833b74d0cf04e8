package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lyingProxy stands between the CLI and a node: it forwards JSON-RPC to
// its current target, and with tamper it alters every query answer's
// value (the node's signatures and proofs stay as they were).
type lyingProxy struct {
	mu     sync.Mutex
	target string
	tamper bool
	srv    *httptest.Server
}

func newLyingProxy(t *testing.T, target string) *lyingProxy {
	p := &lyingProxy{target: target}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *lyingProxy) set(target string, tamper bool) {
	p.mu.Lock()
	p.target, p.tamper = target, tamper
	p.mu.Unlock()
}

func (p *lyingProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	target, tamper := p.target, p.tamper
	p.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	req, err := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if tamper {
		out = tamperQueryValue(out)
	}
	w.Header().Set("Content-Type", res.Header.Get("Content-Type"))
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(out)
}

// tamperQueryValue flips the last byte of an abci_query answer's value.
func tamperQueryValue(b []byte) []byte {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return b
	}
	res, _ := m["result"].(map[string]any)
	resp, _ := res["response"].(map[string]any)
	v, ok := resp["value"].(string)
	if !ok || v == "" {
		return b
	}
	raw := []byte(v)
	// Base64 of the value: change one character to another valid one.
	i := len(raw) - 1
	for i > 0 && raw[i] == '=' {
		i--
	}
	if raw[i] == 'A' {
		raw[i] = 'B'
	} else {
		raw[i] = 'A'
	}
	resp["value"] = string(raw)
	out, err := json.Marshal(m)
	if err != nil {
		return b
	}
	return out
}

// TestProveCatchesLyingNode: --prove verifies headers with the light client
// from a trust root. A proxy that alters answers is caught by the proof; a
// node of another chain with the same chain id (its own validators, its own
// validly signed headers: everything checks out against itself) is caught
// because its headers do not descend from the root.
func TestProveCatchesLyingNode(t *testing.T) {
	a, b := newNetwork(t, 1), newNetwork(t, 1)
	a.nodes[0].start()
	b.nodes[0].start()
	a.nodes[0].waitHeight(3, 60*time.Second)
	b.nodes[0].waitHeight(3, 60*time.Second)
	addr := a.nodes[0].address("faucet")
	proxy := newLyingProxy(t, a.nodes[0].rpc)
	home := t.TempDir()
	balance := func(home string, extra ...string) (string, error) {
		args := append([]string{"query", "bank", "balance", addr, "--prove", "-o", "json", "--home", home, "--node", proxy.srv.URL}, extra...)
		return pasteldCmd(args...)
	}

	out := run(t, "light", "init", "--home", home, "--node", proxy.srv.URL, "-o", "json")
	var root struct {
		RootHeight string `json:"root_height"`
		RootHash   string `json:"root_hash"`
	}
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &root); err != nil || root.RootHash == "" {
		t.Fatalf("light init: %v\n%s", err, out)
	}
	if out, err := pasteldCmd("light", "init", "--home", home, "--node", proxy.srv.URL); err == nil || !strings.Contains(out, "--force") {
		t.Fatalf("a second light init should refuse without --force: %v\n%s", err, out)
	}
	if out, err := balance(home); err != nil || !strings.Contains(out, `"proven": true`) {
		t.Fatalf("honest node through the proxy: %v\n%s", err, out)
	}

	// The proxy alters the value: the IAVL proof no longer leads to the
	// signed AppHash.
	proxy.set(a.nodes[0].rpc, true)
	if out, err := balance(home); err == nil || !strings.Contains(out, "does not match the chain") {
		t.Fatalf("tampered value accepted: %v\n%s", err, out)
	}

	// The proxy serves chain B: same chain id, validly signed by B's own
	// validator. The light client refuses it.
	proxy.set(b.nodes[0].rpc, false)
	if out, err := balance(home); err == nil || !strings.Contains(out, "does not follow from the trust root") {
		t.Fatalf("another chain's answer accepted: %v\n%s", err, out)
	} else {
		t.Logf("chain B through the proxy: %s", out)
	}
	// A home without a root trusts on first use, and says so: B is
	// self-consistent, so only a root set beforehand can catch it (the
	// check before the light client, against the node's own validator set,
	// accepted B every time).
	fresh := t.TempDir()
	if out, err := balance(fresh); err != nil || !strings.Contains(out, "on first use") {
		t.Fatalf("first use without a root: %v\n%s", err, out)
	}
	// The root can be given on the command line instead: not saved.
	given := t.TempDir()
	flags := []string{"--trust-height", root.RootHeight, "--trust-hash", root.RootHash}
	if out, err := balance(given, flags...); err == nil || !strings.Contains(out, "trust root") {
		t.Fatalf("--trust-height/--trust-hash of A accepted B: %v\n%s", err, out)
	}
	proxy.set(a.nodes[0].rpc, false)
	if out, err := balance(given, flags...); err != nil {
		t.Fatalf("--trust-height/--trust-hash against A: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(given, "light", "trust.json")); err == nil {
		t.Fatal("a root given on the command line was saved")
	}

	// A witness that serves another chain contradicts the honest primary:
	// the light client stops rather than pick one.
	if out, err := balance(t.TempDir(), "--trust-height", root.RootHeight, "--trust-hash", root.RootHash, "--witness", b.nodes[0].rpc); err == nil {
		t.Fatalf("a witness on another chain went unnoticed:\n%s", out)
	} else {
		t.Logf("witness on chain B: %s", out)
	}
	if out, err := balance(t.TempDir(), "--trust-height", root.RootHeight, "--trust-hash", root.RootHash, "--witness", a.nodes[0].rpc); err != nil {
		t.Fatalf("an honest witness: %v\n%s", err, out)
	}

	// The chain moves on: the light client follows it from the newest
	// verified header, which advances in the home.
	h := a.nodes[0].height()
	a.nodes[0].waitHeight(h+10, 60*time.Second)
	if out, err := balance(home); err != nil {
		t.Fatalf("honest node after 10 blocks: %v\n%s", err, out)
	}
	var st struct {
		LatestHeight int64 `json:"latest_height,string"`
	}
	out = run(t, "light", "show", "--home", home, "-o", "json")
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.LatestHeight < h+10 {
		t.Fatalf("light show after following the chain to %d: %v\n%s", h+10, err, out)
	}
}
