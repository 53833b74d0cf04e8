package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// run executes pasteld in-process with args and returns its output.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := run(t, args...)
	if err != nil {
		t.Fatalf("pasteld %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// keys list without --keyring-backend used to say "No keys" while test keys
// existed; the home's client.toml now sets the default backend, and a list
// that finds nothing names the keyring that has keys.
func TestKeyringBackendDefaultAndHint(t *testing.T) {
	home := t.TempDir()
	mustRun(t, "keys", "add", "alice", "--home", home, "--keyring-backend", "test")
	out := mustRun(t, "keys", "list", "--home", home)
	if !strings.Contains(out, `"test" keyring here holds 1 key`) || !strings.Contains(out, "pasteld config keyring-backend test") {
		t.Fatalf("keys list without a backend does not point at the test keys:\n%s", out)
	}
	mustRun(t, "config", "keyring-backend", "test", "--home", home)
	if out := mustRun(t, "keys", "list", "--home", home); !strings.Contains(out, "alice") {
		t.Fatalf("client.toml's keyring-backend is not the default:\n%s", out)
	}
	// A flag on the command line still wins.
	if out := mustRun(t, "keys", "list", "--home", home, "--keyring-backend", "file"); strings.Contains(out, "alice\t") || !strings.Contains(out, "No keys") {
		t.Fatalf("--keyring-backend file did not win over client.toml:\n%s", out)
	}
	if got := strings.TrimSpace(mustRun(t, "config", "keyring-backend", "--home", home)); got != "test" {
		t.Fatalf("config keyring-backend = %q", got)
	}
	if _, err := run(t, "config", "keyring-backend", "plaintext", "--home", home); err == nil {
		t.Fatal("an unknown backend was accepted")
	}
	if _, err := run(t, "config", "no-such-setting", "1", "--home", home); err == nil || !strings.Contains(err.Error(), "neither a client setting") {
		t.Fatalf("unknown key: %v", err)
	}
}

// keys add prints a mnemonic once; keys add --recover restores the same
// address from it.
func TestKeysAddRecover(t *testing.T) {
	home := t.TempDir()
	out := mustRun(t, "keys", "add", "alice", "--home", home, "--keyring-backend", "test", "-o", "json")
	var addr, words string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if v, ok := strings.CutPrefix(l, `"address": "`); ok {
			addr = strings.TrimSuffix(strings.TrimSuffix(v, ","), `"`)
		}
		if v, ok := strings.CutPrefix(l, `"mnemonic": "`); ok {
			words = strings.TrimSuffix(strings.TrimSuffix(v, ","), `"`)
		}
	}
	if addr == "" || len(strings.Fields(words)) != 24 {
		t.Fatalf("keys add -o json gave no address or mnemonic:\n%s", out)
	}
	other := t.TempDir()
	t.Setenv("PASTEL_MNEMONIC", words)
	if out := mustRun(t, "keys", "add", "restored", "--recover", "--home", other, "--keyring-backend", "test"); !strings.Contains(out, addr) {
		t.Fatalf("recovered a different address (want %s):\n%s", addr, out)
	}
	t.Setenv("PASTEL_MNEMONIC", "abandon abandon abandon")
	if _, err := run(t, "keys", "add", "bad", "--recover", "--home", other, "--keyring-backend", "test"); err == nil {
		t.Fatal("a bad mnemonic was accepted")
	}
	if _, err := os.Stat(filepath.Join(other, "keyring-test", "bad.json")); err == nil {
		t.Fatal("a bad mnemonic left a key behind")
	}
}

// config changes a node setting in config.toml and refuses an invalid one.
func TestConfigSetsNodeSettings(t *testing.T) {
	home := t.TempDir()
	mustRun(t, "init", "--home", home, "--chain-id", "c", "--moniker", "m")
	mustRun(t, "config", "p2p.laddr", "tcp://127.0.0.1:36656", "--home", home)
	if got := strings.TrimSpace(mustRun(t, "config", "p2p.laddr", "--home", home)); got != "tcp://127.0.0.1:36656" {
		t.Fatalf("p2p.laddr = %q", got)
	}
	conf, err := loadNodeConfig(home)
	if err != nil || conf.P2P.ListenAddress != "tcp://127.0.0.1:36656" {
		t.Fatalf("config.toml p2p.laddr = %v %v", conf, err)
	}
	if _, err := run(t, "config", "mempool.size", "-3", "--home", home); err == nil {
		t.Fatal("an invalid node setting was written")
	}
}

// A bare number is refused with the two spellings it may have meant;
// units parse exactly.
func TestAmountsNeedAUnit(t *testing.T) {
	if _, err := parseAmount("10"); err == nil || !strings.Contains(err.Error(), "10psl") || !strings.Contains(err.Error(), "10npsl") {
		t.Fatalf("bare 10: %v", err)
	}
	for in, want := range map[string]uint64{"10psl": 10_000_000_000, "2.5psl": 2_500_000_000, "500npsl": 500, "0": 0, " 1PSL ": 1_000_000_000} {
		if got, err := parseAmount(in); err != nil || got != want {
			t.Errorf("parseAmount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "psl", "1e3psl", "-1psl", "0.0000000001psl", "1/2psl"} {
		if _, err := parseAmount(bad); err == nil {
			t.Errorf("parseAmount(%q) accepted", bad)
		}
	}
	// Through a command: the error names the flag.
	home := t.TempDir()
	mustRun(t, "keys", "add", "alice", "--home", home, "--keyring-backend", "test")
	if _, err := run(t, "tx", "bank", "send", "alice", "alice", "25", "--home", home, "--keyring-backend", "test", "--yes", "--node", "http://127.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "no unit") {
		t.Fatalf("send 25: %v", err)
	}
}

// One rendering path: hex bytes, enum names, 64-bit integers as exact
// strings in JSON; "key: value" lines in text.
func TestRecordsRenderOneWay(t *testing.T) {
	m := &storagepb.Masternode{Address: "pastel1x", PubKey: []byte{0xab, 0xcd}, Status: storagepb.MasternodeStatus_MN_JAILED, Collateral: 1 << 62, JailedHeight: 42}
	v := protoView(m)
	if v["pub_key"] != "abcd" || v["status"] != "MN_JAILED" || v["collateral"] != "4611686018427387904" || v["jailed_height"] != "42" {
		t.Fatalf("proto view: %v", v)
	}
	// A 64-bit fingerprint survives a JSON answer (it used to go through float64).
	j, err := jsonView([]byte(`{"fingerprint": 18446744073709551615, "nested": [{"n": 9007199254740993}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	writeText(&buf, j, 0)
	if !strings.Contains(buf.String(), "fingerprint:  18446744073709551615") || !strings.Contains(buf.String(), "9007199254740993") {
		t.Fatalf("text:\n%s", buf.String())
	}
	buf.Reset()
	writeText(&buf, protoView(m), 0)
	if !strings.Contains(buf.String(), "collateral:     4611686018.427387904psl (4611686018427387904 npsl)") {
		t.Fatalf("amounts in text carry their unit:\n%s", buf.String())
	}
	if strings.Contains(buf.String(), "map[") {
		t.Fatalf("Go map syntax in text output:\n%s", buf.String())
	}
}

// A node's JSON answer is rendered without panicking, whatever it holds.
func FuzzRenderAnswer(f *testing.F) {
	f.Add([]byte(`{"fingerprint": 18446744073709551615, "holders": [{"a": null}], "x": {}}`))
	f.Add([]byte(`[1, "a", [], {"k": [true, 1.5e300]}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := jsonView(b)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		writeText(&buf, v, 0)
	})
}
