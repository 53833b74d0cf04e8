package genesis

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pastelchain/pastel/store"
)

func TestAppConfigRoundTripAndChecks(t *testing.T) {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, "config"), 0o700); err != nil {
		t.Fatal(err)
	}
	// No file: the defaults.
	c, err := LoadAppConfig(home)
	if err != nil || c != DefaultAppConfig() {
		t.Fatalf("missing app.toml: %+v %v", c, err)
	}
	c.DBCacheMiB, c.IAVLCacheNodes, c.DBOpenFiles = 512, 2_000_000, 1000
	if err := c.Save(home); err != nil {
		t.Fatal(err)
	}
	got, err := LoadAppConfig(home)
	if err != nil || got != c {
		t.Fatalf("round trip: %+v %v, want %+v", got, err, c)
	}
	// An app.toml written before the cache settings existed gets their
	// defaults.
	p := filepath.Join(home, "config", "app.toml")
	if err := os.WriteFile(p, []byte("pruning-keep-recent = 10\npruning-interval = 10\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err = LoadAppConfig(home); err != nil || got.DBCacheMiB != store.DefaultDBCacheMiB || got.IAVLCacheNodes != store.DefaultIAVLCacheNodes || got.PruningKeepRecent != 10 {
		t.Fatalf("older app.toml: %+v %v", got, err)
	}
	for _, bad := range []struct{ body, want string }{
		{"db-cache-mib = 0\n", "db-cache-mib must be at least 8"},
		{"iavl-cache-nodes = 10\n", "iavl-cache-nodes at least 1000"},
		{"db-open-files = -1\n", "db-open-files must be 0"},
		{"db-cache = 64\n", `unknown setting "db-cache"`},
		{"log-format = \"xml\"\n", "log-format"},
	} {
		if err := os.WriteFile(p, []byte(bad.body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadAppConfig(home); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Fatalf("%q: %v, want an error saying %q", bad.body, err, bad.want)
		}
	}
}
