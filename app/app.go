// Package app is Pastel's ABCI 2.0 application: it decodes and checks
// transactions, routes messages to the modules under x/, runs their block
// hooks, keeps all state in one IAVL tree on disk and answers queries with
// proofs against the AppHash.
//
// Lifecycle per block: FinalizeBlock applies the block to the tree's working
// version and returns its working hash as the AppHash; Commit saves that
// version. A crash anywhere in between loses only the unsaved working
// version, and CometBFT replays the block on restart.
package app

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cosmos/iavl"
	idb "github.com/cosmos/iavl/db"

	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/channels"
	"github.com/pastelchain/pastel/x/rewards"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/trust"
	"github.com/pastelchain/pastel/x/trust/score"
)

// Version is reported through Info.
const Version = "0.1.0"

// AppVersion is the state machine's protocol version.
const AppVersion uint64 = 1

// Options configure an App. Zero values are the defaults.
type Options struct {
	// DataDir holds application.db and snapshots/. Empty means in memory.
	DataDir string
	// PruneKeepRecent keeps this many recent versions; 0 keeps everything.
	PruneKeepRecent int64
	// PruneInterval prunes every this many blocks (default 1: IAVL v1
	// prunes inside Commit, and one version a block spreads the cost
	// instead of stalling every tenth block; see docs/ARCHITECTURE.md).
	PruneInterval int64
	// SnapshotInterval takes a state-sync snapshot every this many blocks;
	// 0 disables snapshots.
	SnapshotInterval int64
	// SnapshotKeepRecent is how many snapshots to keep (default 2).
	SnapshotKeepRecent int
	// CacheSize is the IAVL node cache size (default
	// store.DefaultIAVLCacheNodes).
	CacheSize int
	// DBCacheMiB is the state database's LevelDB block cache in MiB
	// (default store.DefaultDBCacheMiB).
	DBCacheMiB int
	// DBOpenFiles is how many tables of the state database stay open
	// (default store.DefaultDBOpenFiles).
	DBOpenFiles int
	// WarmWalks is how many root-to-leaf walks warm the node cache before
	// New returns (warmCache; 0: none). A node that will run blocks sets
	// DefaultWarmWalks; a command that only reads the state once (export)
	// has nothing to gain from it.
	WarmWalks int
	Logger    *slog.Logger
	// Metrics, when set, receives the app's Prometheus figures (metrics.go).
	Metrics *Metrics
	// Modules replaces Modules() when set: tests run a module in the real
	// app against stand-ins for the modules it depends on. Genesis sections
	// are then those of these modules.
	Modules []types.Module
}

// App is the Pastel state machine.
type App struct {
	abci.BaseApplication

	opts    Options
	log     *slog.Logger
	db      interface{ Close() error }
	tree    *iavl.MutableTree
	chainID string

	modules []types.Module
	routes  map[string]types.MsgRoute
	bank    bank.Keeper

	// checkState is the mempool's view: the last committed state plus the
	// effects of the transactions CheckTx admitted since.
	checkState *store.Cache
	sigs       *sigCache

	// fpMirror answers near-duplicate queries from memory; fpWrites are
	// the index writes of the block being finalized, applied at Commit.
	fpMirror *storage.FingerprintMirror
	fpWrites []store.Write

	snapshots *snapshotStore
	restoring *restore
	mu        sync.Mutex // guards nothing ABCI calls race on; see Close
	metrics   *Metrics
}

// storageKeeper sees trust: placement, attester and healer draws skip
// distrusted masternodes, and challenge outcomes become automatic trust
// edges from storage.Challenger.
// Voting power comes from collateral, trust and standing (validators.go).
var storageKeeper = storage.Keeper{Bank: bank.Keeper{}, Trust: trust.Keeper{}, Power: trust.Keeper{}}

// Modules returns the modules in the order their genesis and block hooks run.
func Modules() []types.Module {
	return []types.Module{
		bank.Module{},
		channels.NewModule(),
		storage.Module{Keeper: storageKeeper},
		trust.Module{},
		rewards.Module{Keeper: rewards.Keeper{Bank: bank.Keeper{},
			Masternodes: rewards.WeightsOf[storage.MasternodeWeight](storageKeeper),
			Trust:       rewards.TrustOf[score.Score](trust.Keeper{}),
			Validators:  storageKeeper}},
	}
}

// New opens (or creates) the application state.
func New(opts Options) (*App, error) {
	if opts.PruneInterval <= 0 {
		opts.PruneInterval = 1
	}
	if opts.SnapshotKeepRecent <= 0 {
		opts.SnapshotKeepRecent = 2
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = store.DefaultIAVLCacheNodes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	a := &App{opts: opts, log: opts.Logger, routes: map[string]types.MsgRoute{}, sigs: newSigCache(100_000)}
	var db idb.DB
	if opts.DataDir == "" {
		db = idb.NewMemDB()
	} else {
		if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
			return nil, err
		}
		ldb, err := store.OpenDBWith(opts.DataDir, "application", store.DBOptions{CacheMiB: opts.DBCacheMiB, OpenFiles: opts.DBOpenFiles})
		if err != nil {
			return nil, fmt.Errorf("app: open state database in %s: %w", opts.DataDir, err)
		}
		db = ldb
		a.snapshots, err = openSnapshotStore(filepath.Join(opts.DataDir, "snapshots"))
		if err != nil {
			return nil, err
		}
	}
	a.db = db
	tree, err := store.OpenTree(db, opts.CacheSize, a.log)
	if err != nil {
		return nil, err
	}
	a.tree = tree
	a.modules = opts.Modules
	if a.modules == nil {
		a.modules = Modules()
	}
	a.fpMirror = &storage.FingerprintMirror{Open: func(v int64) (types.KVStore, error) {
		imm, err := a.tree.GetImmutable(v)
		if err != nil {
			return nil, err
		}
		return store.Immutable{T: imm}, nil
	}}
	a.fpMirror.Opened(tree.Version())
	for i, m := range a.modules {
		if sm, ok := m.(storage.Module); ok && sm.Mirror == nil {
			sm.Mirror = a.fpMirror
			a.modules[i] = sm
		}
	}
	for _, m := range a.modules {
		for _, r := range m.Routes() {
			if _, dup := a.routes[r.Type]; dup {
				return nil, fmt.Errorf("app: message type %q registered twice", r.Type)
			}
			a.routes[r.Type] = r
		}
	}
	if err := a.checkStateLayout(); err != nil {
		db.Close()
		return nil, err
	}
	a.chainID = a.storedChainID()
	a.resetCheckState()
	if opts.Metrics != nil {
		a.SetMetrics(opts.Metrics)
	}
	a.warmCache()
	return a, nil
}

// DefaultWarmWalks is Options.WarmWalks for a node: 2^17 walks touch
// every node of the state tree's top 17 levels, what a cache of 10^6
// nodes (store.DefaultIAVLCacheNodes) holds of them under random writes.
const DefaultWarmWalks = 1 << 17

// warmCache walks from the root of the latest saved version to WarmWalks
// leaves spread evenly over it, before the node starts, so the IAVL node
// cache holds the top levels of the tree, which every write's path
// crosses, as it does in a node that has been running. Right after a
// start the cache is empty: in the scale bench the first blocks on a
// 10^6-art state took 2.3–3.0× as long in FinalizeBlock as on 10^4, and
// 1.35–1.71× with the cache warmed this way. It takes about 20 s at 10^6
// arts and under a second at 10^4. It runs before New returns because
// IAVL's nodes memoize their children as writes clone them, so walking a
// saved version while a block writes is a data race (the race detector
// caught it); CometBFT serializes every other use of the tree.
func (a *App) warmCache() {
	v := a.tree.Version()
	if a.opts.WarmWalks <= 0 || v == 0 || a.opts.DataDir == "" {
		return
	}
	t0, size := time.Now(), a.tree.Size()
	if walks := min(int64(a.opts.WarmWalks), size); walks > 10_000 {
		a.log.Info("warming the state cache", "height", v, "walks", walks, "keys", size)
	}
	n, err := store.WarmCache(a.tree, int64(a.opts.WarmWalks))
	if err != nil {
		a.log.Warn("state cache warming stopped", "height", v, "walks", n, "err", err)
		return
	}
	a.log.Info("state cache warmed", "height", v, "walks", n, "keys", size, "took", time.Since(t0).Round(time.Millisecond))
}

// SetMetrics starts feeding m (see Options.Metrics); call it before the
// first block, once per Metrics.
func (a *App) SetMetrics(m *Metrics) {
	a.metrics = m
	m.done.Add(1)
	go a.runStats(m)
	if h := a.Height(); h > 0 {
		m.committed(h)
	}
}

// Close releases the database.
func (a *App) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if m := a.metrics; m != nil {
		close(m.stop)
		m.done.Wait()
		a.metrics = nil
	}
	return a.db.Close()
}

var keyChainID = []byte("app/chain_id")

// StateLayout numbers the layout of the state's keys. InitChain records it
// (app/state_layout) and a node refuses a state of another layout, which
// it would misread: with no chain launched, layout changes come without a
// migration, and a devnet kept from an older build is started over.
//
//	1  everything before layouts were numbered (no app/state_layout key)
//	2  2026-12-06: the storage module's challenge draw is a 64-ary sum tree
//	   (dt/), no longer a Fenwick tree (fw/)
const StateLayout = 2

var keyStateLayout = []byte("app/state_layout")

// checkStateLayout refuses a state written with another StateLayout.
func (a *App) checkStateLayout() error {
	if a.tree.Version() == 0 {
		return nil // InitChain writes it
	}
	got := "1 (written before layouts were numbered)"
	if v, err := a.tree.Get(keyStateLayout); err != nil {
		return fmt.Errorf("app: read the state layout: %w", err)
	} else if v != nil {
		got = string(v)
	}
	if got == strconv.Itoa(StateLayout) {
		return nil
	}
	where := "the state database"
	if a.opts.DataDir != "" {
		where = a.opts.DataDir
	}
	return fmt.Errorf("app: the state in %s has state layout %s; this pasteld reads layout %d and cannot migrate it (no chain has launched, so layouts change without migrations): start this node's chain over (a devnet: make devnet-reset, or remove the node's data directory)", where, got, StateLayout)
}

func (a *App) storedChainID() string {
	if a.tree.Version() == 0 {
		return ""
	}
	v, _ := a.tree.Get(keyChainID)
	return string(v)
}

// committed returns a read-only view of the last saved version.
func (a *App) committed() types.KVStore {
	v := a.tree.Version()
	if v == 0 {
		return store.NewCache(store.NewMemTree())
	}
	imm, err := a.tree.GetImmutable(v)
	if err != nil {
		panic(fmt.Errorf("app: open committed version %d: %w", v, err))
	}
	return store.Immutable{T: imm}
}

func (a *App) resetCheckState() { a.checkState = store.NewCache(a.committed()) }

// Height is the last committed height.
func (a *App) Height() int64 { return a.tree.Version() }

// Hash is the last committed AppHash.
func (a *App) Hash() []byte { return a.tree.Hash() }

// ChainID is the chain id recorded at genesis.
func (a *App) ChainID() string { return a.chainID }

// FingerprintMirror is the in-memory near-duplicate index queries use.
func (a *App) FingerprintMirror() *storage.FingerprintMirror { return a.fpMirror }

// Bank exposes the bank keeper for tests and tools.
func (a *App) Bank() bank.Keeper { return a.bank }

// CommittedContext is a read-only context over the last committed state,
// for invariant checks and tools.
func (a *App) CommittedContext() *types.Context {
	return types.NewContext(store.NewCache(a.committed()), a.chainID, a.Height(), zeroTime)
}

// GenesisState is the app_state of the genesis document: one section per
// module, by module name.
type GenesisState map[string]json.RawMessage

// DefaultGenesis returns every module's default section.
func DefaultGenesis() GenesisState { return DefaultGenesisOf(Modules()) }

// DefaultGenesisOf returns the default sections of mods.
func DefaultGenesisOf(mods []types.Module) GenesisState {
	g := GenesisState{}
	for _, m := range mods {
		g[m.Name()] = m.DefaultGenesis()
	}
	return g
}

// ValidateGenesis checks every section and refuses unknown ones.
func ValidateGenesis(g GenesisState) error { return validateGenesis(Modules(), g) }

func validateGenesis(mods []types.Module, g GenesisState) error {
	known := map[string]bool{}
	for _, m := range mods {
		known[m.Name()] = true
		raw, ok := g[m.Name()]
		if !ok {
			continue
		}
		if err := m.ValidateGenesis(raw); err != nil {
			return fmt.Errorf("app_state.%s: %w", m.Name(), err)
		}
	}
	names := make([]string, 0, len(g))
	for n := range g {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !known[n] && n != StateDumpKey {
			return fmt.Errorf("app_state.%s: no such module", n)
		}
	}
	return nil
}

// MintForBench credits amount to each address in the working state, as a
// block would. Only the benchmark tool uses it, to measure the state cost of
// many accounts without signing a transaction for each.
func (a *App) MintForBench(addrs []types.Address, amount uint64) error {
	ctx := types.NewContext(store.Tree{T: a.tree}, a.chainID, a.tree.Version()+1, zeroTime)
	for _, ad := range addrs {
		if err := a.bank.Mint(ctx, ad, amount); err != nil {
			return err
		}
	}
	return nil
}
