package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
