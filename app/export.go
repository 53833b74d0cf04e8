package app

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
)

// StateDumpKey is the app_state section of an exported genesis that holds
// the complete state: every key of every module's store at the export
// height, verbatim. A chain that must last decades is upgraded by export and
// restart; a dump loses nothing (arts, commitments, challenges, channels,
// trust scores, nonces, locked collateral, indexes), where the modules'
// readable sections beside it are summaries a person can read.
const StateDumpKey = "state_dump"

// StateDumpFormat names the dump's encoding, numbered as StateLayout: a
// dump's keys are in the layout of the state it came from, so a node reads
// only dumps of its own layout.
const StateDumpFormat = "pastel-state/2"

// StateDump is the state_dump section.
type StateDump struct {
	Format string `json:"format"`
	// Height and AppHash are those of the exported state (provenance: a
	// reader can check the export against the old chain's signed headers).
	Height  int64  `json:"height"`
	AppHash string `json:"app_hash"`
	// Modules maps a module name to its store's entries in key order:
	// [hex key (without the module prefix), base64 value].
	Modules map[string][][2]string `json:"modules"`
}

// RestoredValidatorSet is implemented by a module that owns the validator
// set: after a restore it returns the set the dumped state records.
type RestoredValidatorSet interface {
	CurrentValidators(ctx *types.Context) []abci.ValidatorUpdate
}

// Export returns the app_state of a genesis that restarts the chain from
// the committed state at height (0: the last one): each module's readable
// section, and the complete state_dump. It also returns the validator set
// recorded in that state.
func (a *App) Export(height int64) (GenesisState, []abci.ValidatorUpdate, error) {
	if height == 0 {
		height = a.Height()
	}
	if height <= 0 || height > a.Height() {
		return nil, nil, fmt.Errorf("app: cannot export height %d (committed: 1 to %d)", height, a.Height())
	}
	imm, err := a.tree.GetImmutable(height)
	if err != nil {
		return nil, nil, fmt.Errorf("app: height %d is not on disk (pruned?): %w", height, err)
	}
	kv := store.Immutable{T: imm}
	dump := StateDump{Format: StateDumpFormat, Height: height, AppHash: strings.ToUpper(hex.EncodeToString(imm.Hash())), Modules: map[string][][2]string{}}
	known := map[string]bool{}
	for _, m := range a.modules {
		known[m.Name()] = true
		dump.Modules[m.Name()] = [][2]string{}
	}
	it := kv.Iterator(nil, nil)
	for ; it.Valid(); it.Next() {
		k := it.Key()
		if bytes.Equal(k, keyChainID) || bytes.Equal(k, keyStateLayout) {
			continue // the new chain writes its own
		}
		name, rest, ok := bytes.Cut(k, []byte("/"))
		if !ok || !known[string(name)] {
			it.Close()
			return nil, nil, fmt.Errorf("app: export: key %q belongs to no module (the export would lose it)", k)
		}
		dump.Modules[string(name)] = append(dump.Modules[string(name)], [2]string{hex.EncodeToString(rest), base64.StdEncoding.EncodeToString(it.Value())})
	}
	it.Close()

	ctx := types.NewContext(store.NewCache(kv), a.chainID, height, zeroTime)
	g := GenesisState{}
	var vals []abci.ValidatorUpdate
	for _, m := range a.modules {
		raw, err := m.ExportGenesis(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("app: export %s: %w", m.Name(), err)
		}
		g[m.Name()] = raw
		if o, ok := m.(RestoredValidatorSet); ok {
			vals = append(vals, o.CurrentValidators(ctx)...)
		}
	}
	raw, err := json.Marshal(dump)
	if err != nil {
		return nil, nil, err
	}
	g[StateDumpKey] = raw
	return g, vals, nil
}

// restoreDump writes a state_dump into the store of ctx and checks that the
// readable sections beside it are what the restored state exports: an edit
// of a readable section would otherwise be silently ignored.
func restoreDump(ctx *types.Context, mods []types.Module, g GenesisState) error {
	var d StateDump
	if err := json.Unmarshal(g[StateDumpKey], &d); err != nil {
		return fmt.Errorf("app_state.%s: %w", StateDumpKey, err)
	}
	if d.Format != StateDumpFormat {
		return fmt.Errorf("app_state.%s: format %q, this node reads %q", StateDumpKey, d.Format, StateDumpFormat)
	}
	known := map[string]bool{}
	for _, m := range mods {
		known[m.Name()] = true
	}
	names := make([]string, 0, len(d.Modules))
	for n := range d.Modules {
		names = append(names, n)
	}
	sort.Strings(names)
	root := ctx.Store()
	for _, n := range names {
		if !known[n] {
			return fmt.Errorf("app_state.%s.modules.%s: no such module", StateDumpKey, n)
		}
		prefix := []byte(n + "/")
		var prev []byte
		for i, e := range d.Modules[n] {
			k, err := hex.DecodeString(e[0])
			if err != nil {
				return fmt.Errorf("app_state.%s.modules.%s[%d]: key: %w", StateDumpKey, n, i, err)
			}
			v, err := base64.StdEncoding.DecodeString(e[1])
			if err != nil {
				return fmt.Errorf("app_state.%s.modules.%s[%d]: value: %w", StateDumpKey, n, i, err)
			}
			if i > 0 && bytes.Compare(prev, k) >= 0 {
				return fmt.Errorf("app_state.%s.modules.%s[%d]: keys out of order or repeated", StateDumpKey, n, i)
			}
			prev = k
			root.Set(append(append([]byte(nil), prefix...), k...), v)
		}
	}
	for _, m := range mods {
		raw, ok := g[m.Name()]
		if !ok {
			continue
		}
		got, err := m.ExportGenesis(ctx)
		if err != nil {
			return fmt.Errorf("app_state.%s: the restored state does not export: %w", m.Name(), err)
		}
		if !jsonEqual(raw, got) {
			return fmt.Errorf("app_state.%s differs from what the state_dump holds: edit neither, or remove the section (the dump is what is restored)", m.Name())
		}
	}
	return nil
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// WorkingState is a read view of the uncommitted state: after InitChain,
// what the genesis wrote (for tools and tests that check a restore).
func (a *App) WorkingState() types.KVStore { return store.Tree{T: a.tree} }
