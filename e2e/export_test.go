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

// The upgrade path of a chain that must last decades, with real processes:
// stop the validator, `pasteld export`, start a new chain from the export
// in place, and find the same art (ticket, editions and their owners,
// commitments), accounts, channels and trust, with every chunkd still
// serving and the art downloading byte-identical.
func TestExportAndRestartKeepsEverything(t *testing.T) {
	sn := newStorageNet(t, 1, 4, map[string]string{"storage.params.replication": "3"})
	n := sn.nodes[0]
	dir := t.TempDir()
	img := filepath.Join(dir, "art.png")
	writePNG(t, img, painting(77, 420, 300))
	id, err := sn.register(t, img, "faucet", "Exported")
	if err != nil {
		t.Fatal(err)
	}
	alice := newChanWallet(t, n, "alice")
	bob := newChanWallet(t, n, "bob")
	// alice's key is in another wallet and has never signed: the encrypted
	// art's key is wrapped to the public key she hands over.
	var ak struct {
		PubKey string `json:"pub_key"`
	}
	if err := json.Unmarshal([]byte(run(t, "keys", "show", "alice", "-o", "json", "--home", alice.home, "--keyring-backend", "test")), &ak); err != nil {
		t.Fatal(err)
	}
	run(t, append([]string{"art", "transfer", id, "1", alice.addr, "--recipient-pubkey", ak.PubKey, "--from", "faucet", "--yes"}, n.keyArgs()...)...)
	setTrust(t, n, "faucet", alice.addr, "0.5")
	file := func(name string) string { return filepath.Join(dir, name) }
	out := alice.run("channel", "propose", "alice", bob.addr, "--deposit", "10psl", "--their-deposit", "5psl", "--out", file("prop.json"))
	ch := strings.TrimSuffix(strings.Fields(strings.TrimPrefix(out, "channel "))[0], ":")
	bob.run("channel", "accept-open", "bob", file("prop.json"), "--out", file("signed.json"))
	alice.run("channel", "open", "alice", file("signed.json"), "--yes")

	// What must survive, read the way users read it.
	snapshot := func() map[string]string {
		return map[string]string{
			"art":      sn.rawQuery(t, "/storage/art/"+id),
			"editions": sn.rawQuery(t, "/storage/editions/"+id),
			"chunks":   sn.rawQuery(t, "/storage/chunks/"+id),
			"alice":    run(t, "query", "account", alice.addr, "--node", n.rpc, "-o", "json"),
			"bob":      run(t, "query", "account", bob.addr, "--node", n.rpc, "-o", "json"),
			"channel":  alice.run("channel", "status", ch, "-o", "json"),
			"trust":    sn.rawQuery(t, "/trust/outedges/"+strings.TrimSpace(run(t, "keys", "show", "faucet", "-a", "--home", n.home, "--keyring-backend", "test"))),
		}
	}
	before := snapshot()
	n.stop(syscall.SIGTERM)
	h := height0(t, n)

	exported := filepath.Join(dir, "exported.json")
	run(t, "export", "--home", n.home, "--output-document", exported)
	var doc struct {
		InitialHeight string          `json:"initial_height"`
		Validators    []any           `json:"validators"`
		AppState      json.RawMessage `json:"app_state"`
	}
	raw, _ := os.ReadFile(exported)
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.InitialHeight != fmt.Sprint(h+1) || len(doc.Validators) != 1 || !bytes.Contains(doc.AppState, []byte(`"state_dump"`)) {
		t.Fatalf("exported genesis: initial height %s (want %d), %d validators, dump %v", doc.InitialHeight, h+1, len(doc.Validators), bytes.Contains(doc.AppState, []byte(`"state_dump"`)))
	}
	// Restart in place from the export, as the --help says.
	if err := os.RemoveAll(filepath.Join(n.home, "data")); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(n.home, "data"), 0o700)
	os.WriteFile(filepath.Join(n.home, "data", "priv_validator_state.json"), []byte(`{"height":"0","round":0,"step":0}`), 0o600)
	os.WriteFile(filepath.Join(n.home, "config", "genesis.json"), raw, 0o644)
	n.start()
	n.waitHeight(h+3, 60*time.Second)
	after := snapshot()
	for k, v := range before {
		if withoutHeight(after[k]) != withoutHeight(v) {
			t.Errorf("%s changed across the export:\nbefore %s\nafter  %s", k, v, after[k])
		}
	}
	// Every art still downloads (the chunkd kept serving the same chain).
	if err := sn.download(t, id, "faucet", filepath.Join(dir, "dl")); err != nil {
		t.Fatalf("download after the restart: %v", err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "dl", "art.png"))
	want, _ := os.ReadFile(img)
	if !bytes.Equal(got, want) {
		t.Fatal("the downloaded image differs")
	}
}

// height0 is the last height of a stopped node, read from its state.
func height0(t *testing.T, n *node) int64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(n.home, "data", "priv_validator_state.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Height string `json:"height"`
	}
	_ = json.Unmarshal(b, &s)
	var h int64
	fmt.Sscan(s.Height, &h)
	return h
}

// withoutHeight drops the "height" an answer was read at (top level, and
// channel status's "chain" part) from a JSON object.
func withoutHeight(s string) string {
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil {
		return s
	}
	delete(m, "height")
	if c, ok := m["chain"].(map[string]any); ok {
		delete(c, "height")
	}
	b, _ := json.Marshal(m)
	return string(b)
}
