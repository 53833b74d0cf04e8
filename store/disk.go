package store

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"

	corestore "cosmossdk.io/core/store"
	"github.com/cosmos/iavl"
	idb "github.com/cosmos/iavl/db"
	"github.com/syndtr/goleveldb/leveldb/filter"
	"github.com/syndtr/goleveldb/leveldb/opt"
)

// DefaultIAVLCacheNodes is the state tree's node cache unless app.toml
// says otherwise (iavl-cache-nodes). The cache holds at most the nodes a
// node has touched, so a small state never fills it. On a large one, each
// write loads its tree path, and blocks that write many random keys slow
// down as paths deepen past the cache: at 5.8·10^5 arts, blocks of 256
// commitment moves took a median of 404 ms with 10^5 nodes cached and
// 257 ms with 10^6 (one run each, make bench-scale), for 1.2 GB more RSS
// (Go heap in use 619 vs 1,106 MiB). Blocks of challenges alone were the
// same (9.2 vs 10.1 ms): their reads go through IAVL's fast-node index.
// Cosmos SDK's default is 781,250 nodes.
const DefaultIAVLCacheNodes = 1_000_000

// DefaultDBCacheMiB is the LevelDB block cache of the state database unless
// app.toml says otherwise (db-cache-mib).
const DefaultDBCacheMiB = 128

// OpenDB opens (or creates) the LevelDB database <dir>/<name>.db that holds
// the state tree, with settings for a tree of millions of keys read at
// random: goleveldb's defaults (an 8 MiB block cache, 2 MiB tables, a 4 MiB
// write buffer, compactions triggered by reads) were measured to spend most
// of a large bench's time re-reading and decompressing the same blocks and
// compacting behind random reads (x/storage TestBenchScale).
//
//   - cacheMiB is the block cache: decompressed data blocks kept in memory
//     (0 means DefaultDBCacheMiB).
//   - Larger tables and write buffer: fewer files, fewer level-0 flushes.
//   - More tables kept open (DefaultDBOpenFiles): a random read does not
//     reopen its table first.
//   - No seek-triggered compaction: under random reads it compacts files
//     nobody writes to, in the middle of blocks.
//   - No Bloom filter. goleveldb reads a table's whole filter block (about
//     0.9 MB for an 8 MiB table of IAVL nodes) into the block cache to
//     answer one lookup; once a state's filters outgrow the cache (about
//     3 GB of database), every lookup re-reads one: at 6·10^4 arts the
//     bench's process read 700 GB in 7 minutes, mostly in pruning. IAVL
//     looks up keys that exist (nodes named by their parents), which a
//     filter does not speed up. Measured on the same 60,000-art state,
//     building 1,220 more arts took 44 s without filters vs 61 s with
//     them; at 10^4 arts the block median was 3.3 vs 5.2 ms (one run each).
func OpenDB(dir, name string, cacheMiB int) (*idb.GoLevelDB, error) {
	return OpenDBWith(dir, name, DBOptions{CacheMiB: cacheMiB})
}

// DBOptions are the settings OpenDBWith takes; zero values are OpenDB's.
type DBOptions struct {
	CacheMiB  int // block cache (0: DefaultDBCacheMiB)
	BloomBits int // bits per key in each table's filter (0: no filter)
	OpenFiles int // tables kept open (0: DefaultDBOpenFiles)
}

// The bounds of DefaultDBOpenFiles: goleveldb's own default, and enough
// for the tables of a state of about 3·10^7 keys (10^6 arts).
const minDBOpenFiles, maxDBOpenFiles = 500, 4096

// OpenDBWith is OpenDB with other settings (benches compare them).
func OpenDBWith(dir, name string, o DBOptions) (*idb.GoLevelDB, error) {
	if o.CacheMiB <= 0 {
		o.CacheMiB = DefaultDBCacheMiB
	}
	if o.OpenFiles <= 0 {
		o.OpenFiles = DefaultDBOpenFiles()
	}
	var f filter.Filter
	if o.BloomBits > 0 {
		f = filter.NewBloomFilter(o.BloomBits)
	}
	return idb.NewGoLevelDBWithOpts(name, dir, &opt.Options{
		Filter:                 f,
		BlockCacheCapacity:     o.CacheMiB * opt.MiB,
		OpenFilesCacheCapacity: o.OpenFiles,
		WriteBuffer:            32 * opt.MiB,
		CompactionTableSize:    8 * opt.MiB,
		CompactionTotalSize:    64 * opt.MiB,
		DisableSeeksCompaction: true,
	})
}

// commitBatchBytes is the IAVL flush threshold: a commit larger than this is
// written to the database in several pieces. IAVL's default (100 kB) splits
// ordinary blocks, so a node killed inside Commit was left with a version
// whose nodes were half on disk and whose root was not, and then refused to
// start ("version does not exist"; found by the chaos run). With a bound far
// above any block's writes, every commit (and every pruning pass) is one
// LevelDB batch, which LevelDB applies atomically.
const commitBatchBytes = 1 << 30

// OpenTree opens the state tree at its latest complete version. A version
// torn by a crash (some nodes written, no root: left by builds that split
// commits) is rolled back, and CometBFT's handshake then replays that block.
func OpenTree(db idb.DB, cacheSize int, log *slog.Logger) (*iavl.MutableTree, error) {
	newTree := func() *iavl.MutableTree {
		return iavl.NewMutableTree(unsizedBatches{db}, cacheSize, false, iavl.NewNopLogger(),
			iavl.AsyncPruningOption(false), iavl.FlushThresholdOption(commitBatchBytes))
	}
	tree := newTree()
	_, err := tree.Load()
	if err == nil {
		return tree, nil
	}
	if !errors.Is(err, iavl.ErrVersionDoesNotExist) {
		return nil, fmt.Errorf("store: load state: %w", err)
	}
	vs := tree.AvailableVersions()
	if len(vs) == 0 {
		return nil, fmt.Errorf("store: load state: %w", err)
	}
	torn := int64(vs[len(vs)-1])
	for v := torn - 1; v >= int64(vs[0]) && v >= torn-2; v-- {
		tree = newTree()
		if lerr := tree.LoadVersionForOverwriting(v); lerr != nil {
			continue
		}
		log.Warn("state: rolled back a commit torn by a crash; the block is replayed", "torn_height", torn, "height", v)
		return tree, nil
	}
	return nil, fmt.Errorf("store: load state: %w (no complete version just below height %d either; restore from a snapshot or resync)", err, torn)
}

// WarmCache walks from the root of tree's working version to at most
// walks leaves spread evenly over it, loading the nodes on the way into
// the node cache: 2^d walks touch every node of the top d levels. It
// returns the number of walks made. Not safe while the tree is written.
func WarmCache(tree *iavl.MutableTree, walks int64) (int64, error) {
	size := tree.Size()
	n := min(walks, size)
	for i := range n {
		if _, _, err := tree.GetByIndex(i * size / n); err != nil {
			return i, err
		}
	}
	return max(n, 0), nil
}

// unsizedBatches makes IAVL's batches grow as needed: IAVL asks for batches
// preallocated to the flush threshold, which at commitBatchBytes would
// allocate a gigabyte per commit.
type unsizedBatches struct{ idb.DB }

func (d unsizedBatches) NewBatchWithSize(int) corestore.Batch { return d.DB.NewBatch() }

// DiskUsage is the total size of the regular files under dir: what a
// database directory takes on disk. Files that vanish or cannot be read
// while it walks (LevelDB compacts concurrently) are skipped.
func DiskUsage(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
