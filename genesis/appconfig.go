package genesis

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"

	"github.com/pastelchain/pastel/store"
)

// AppConfig is config/app.toml: the application's own settings (CometBFT's
// are in config.toml).
type AppConfig struct {
	// PruningKeepRecent keeps the last N versions of state; 0 keeps all.
	PruningKeepRecent int64 `toml:"pruning-keep-recent"`
	// PruningInterval prunes every N blocks.
	PruningInterval int64 `toml:"pruning-interval"`
	// SnapshotInterval takes a state-sync snapshot every N blocks; 0 = off.
	SnapshotInterval int64 `toml:"snapshot-interval"`
	// SnapshotKeepRecent keeps this many snapshots.
	SnapshotKeepRecent int `toml:"snapshot-keep-recent"`
	// LogFormat is "text" or "json" for the application's own logs.
	LogFormat string `toml:"log-format"`
	// DBCacheMiB is the state database's block cache (LevelDB), in MiB.
	DBCacheMiB int `toml:"db-cache-mib"`
	// IAVLCacheNodes is the state tree's node cache, in nodes.
	IAVLCacheNodes int `toml:"iavl-cache-nodes"`
	// DBOpenFiles is how many state database tables stay open; 0 picks
	// store.DefaultDBOpenFiles from the open-file limit.
	DBOpenFiles int `toml:"db-open-files"`
}

// DefaultAppConfig keeps the last 100,000 versions and a snapshot every
// 1,000 blocks, with a 128 MiB database cache and 10^6 cached tree nodes.
func DefaultAppConfig() AppConfig {
	return AppConfig{PruningKeepRecent: 100_000, PruningInterval: 1, SnapshotInterval: 1000, SnapshotKeepRecent: 2, LogFormat: "text",
		DBCacheMiB: store.DefaultDBCacheMiB, IAVLCacheNodes: store.DefaultIAVLCacheNodes}
}

const appConfigHeader = `# Pastel application settings. CometBFT's own settings are in config.toml.
#
# pruning-keep-recent: versions of state kept for queries (0 = keep all, an archive node)
# pruning-interval:    prune every this many blocks (1: a version a block; pruning runs inside
#                      Commit, so a larger interval means a longer stall every interval blocks)
# snapshot-interval:   take a state-sync snapshot every this many blocks (0 = off)
# snapshot-keep-recent: number of snapshots kept on disk
# log-format:          "text" or "json"
# db-cache-mib:        state database (LevelDB) block cache in MiB; more keeps a large state's
#                      reads off the disk (memory use grows by about this much)
# iavl-cache-nodes:    state tree nodes kept decoded in memory: at most those touched, about
#                      1.3 KB of RSS each on a large state; fewer slows write-heavy blocks there
# db-open-files:       state database tables kept open (a file descriptor each); 0 = a quarter
#                      of the open-file limit, between 500 and 4096 (a 10^6-art state has ~1,700)

`

// Save writes <home>/config/app.toml.
func (c AppConfig) Save(home string) error {
	f, err := os.Create(filepath.Join(home, "config", "app.toml"))
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.WriteString(appConfigHeader); err != nil {
		return err
	}
	return toml.NewEncoder(f).Encode(c)
}

// LoadAppConfig reads <home>/config/app.toml, or the defaults if absent.
func LoadAppConfig(home string) (AppConfig, error) {
	c := DefaultAppConfig()
	p := filepath.Join(home, "config", "app.toml")
	md, err := toml.DecodeFile(p, &c)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("%s: %w", p, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return c, fmt.Errorf("%s: unknown setting %q", p, und[0].String())
	}
	if c.PruningKeepRecent < 0 || c.PruningInterval <= 0 || c.SnapshotInterval < 0 || c.SnapshotKeepRecent < 0 {
		return c, fmt.Errorf("%s: pruning and snapshot settings must not be negative (interval > 0)", p)
	}
	if c.DBCacheMiB < 8 || c.IAVLCacheNodes < 1000 {
		return c, fmt.Errorf("%s: db-cache-mib must be at least 8 and iavl-cache-nodes at least 1000 (defaults %d and %d)", p, store.DefaultDBCacheMiB, store.DefaultIAVLCacheNodes)
	}
	if c.DBOpenFiles != 0 && c.DBOpenFiles < 16 {
		return c, fmt.Errorf("%s: db-open-files must be 0 (a quarter of the open-file limit, here %d) or at least 16", p, store.DefaultDBOpenFiles())
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("%s: log-format must be \"text\" or \"json\", not %q", p, c.LogFormat)
	}
	return c, nil
}
