// Package apptest drives the real application through ABCI, block by block,
// for module tests: no CometBFT, no network, the same code paths as a node.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/storage"
)

// ChainID is the chain id of test chains.
const ChainID = "pastel-test"

// Fee is a fee large enough for any small test transaction.
const Fee = 1_000_000

var bg = context.Background()

// Quiet is a logger that drops everything.
var Quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// Key returns the deterministic test key number i.
func Key(i int) secp256k1.PrivKey {
	b := bytes.Repeat([]byte{byte(i%250 + 1)}, 32)
	b[0] = byte(i / 250)
	b[31] = 7
	k, err := secp256k1.PrivKeyFromBytes(b)
	if err != nil {
		panic(err)
	}
	return k
}

// Chain is one application instance being driven block by block.
type Chain struct {
	T      testing.TB
	App    *app.App
	Dir    string
	Height int64
	Keys   []secp256k1.PrivKey
	Nonces map[types.Address]uint64
	// Last is the result of the last block.
	Last *abci.ResponseFinalizeBlock
	// Modules, when set, replace app.Modules() (see NewWithModules).
	Modules []types.Module
	// Votes are passed to every following block as its DecidedLastCommit
	// (which validators signed the previous block); nil means none.
	Votes []abci.VoteInfo
	// ReopenEachBlock restarts the app from disk after every block and
	// checks it reopens at the AppHash it committed.
	ReopenEachBlock bool
	// SkipChecks leaves out the per-block state walks (no empty values,
	// storage indexes): for benchmarks.
	SkipChecks bool
}

// Genesis builds an app_state funding keys with balance each; edit adjusts
// module sections before encoding.
func Genesis(keys []secp256k1.PrivKey, balance uint64, edit func(app.GenesisState)) []byte {
	return GenesisOf(app.Modules(), keys, balance, edit)
}

// GenesisOf is Genesis for a chain running mods.
func GenesisOf(mods []types.Module, keys []secp256k1.PrivKey, balance uint64, edit func(app.GenesisState)) []byte {
	var accs []bank.GenesisAccount
	for _, k := range keys {
		accs = append(accs, bank.GenesisAccount{Address: k.PubKey().Address().String(), Balance: balance})
	}
	g := app.DefaultGenesisOf(mods)
	g["bank"], _ = json.Marshal(bank.Genesis{Params: bank.DefaultParams(), Accounts: accs})
	if edit != nil {
		edit(g)
	}
	bz, _ := json.Marshal(g)
	return bz
}

// New starts a chain on disk in dir (t.TempDir() if empty) with nkeys funded
// keys, and the genesis edited by edit.
func New(t testing.TB, dir string, nkeys int, balance uint64, edit func(app.GenesisState)) *Chain {
	t.Helper()
	return NewWithModules(t, dir, nkeys, balance, nil, edit)
}

// NewWithModules is New for an app running mods instead of app.Modules()
// (nil = app.Modules()), e.g. a module wired to stand-ins for the modules it
// depends on. Reopen keeps the same modules.
func NewWithModules(t testing.TB, dir string, nkeys int, balance uint64, mods []types.Module, edit func(app.GenesisState)) *Chain {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	a, err := app.New(app.Options{DataDir: dir, Logger: Quiet, Modules: mods})
	if err != nil {
		t.Fatal(err)
	}
	c := &Chain{T: t, App: a, Dir: dir, Nonces: map[types.Address]uint64{}, Modules: mods}
	if mods == nil {
		mods = app.Modules()
	}
	for i := 0; i < nkeys; i++ {
		c.Keys = append(c.Keys, Key(i))
	}
	if _, err := a.InitChain(bg, &abci.RequestInitChain{ChainId: ChainID, InitialHeight: 1, Time: time.Unix(1_700_000_000, 0),
		AppStateBytes: GenesisOf(mods, c.Keys, balance, edit)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.App.Close() })
	return c
}

// Reopen closes the app and opens it again from disk (a restart).
func (c *Chain) Reopen() {
	c.T.Helper()
	if err := c.App.Close(); err != nil {
		c.T.Fatal(err)
	}
	a, err := app.New(app.Options{DataDir: c.Dir, Logger: Quiet, Modules: c.Modules})
	if err != nil {
		c.T.Fatal(err)
	}
	c.App = a
}

// Block finalizes and commits a block with txs and returns its result.
func (c *Chain) Block(txs ...[]byte) *abci.ResponseFinalizeBlock {
	c.T.Helper()
	c.Height++
	res, err := c.App.FinalizeBlock(bg, &abci.RequestFinalizeBlock{
		Height: c.Height, Time: time.Unix(1_700_000_000+c.Height, 0), Txs: txs,
		Hash:              bytes.Repeat([]byte{byte(c.Height), byte(c.Height >> 8)}, 16),
		DecidedLastCommit: abci.CommitInfo{Votes: c.Votes},
	})
	if err != nil {
		c.T.Fatal(err)
	}
	if _, err := c.App.Commit(bg, &abci.RequestCommit{}); err != nil {
		c.T.Fatal(err)
	}
	c.Last = res
	if c.ReopenEachBlock {
		c.Reopen()
		if !bytes.Equal(c.App.Hash(), res.AppHash) {
			c.T.Fatalf("height %d: reopened at %X, committed %X", c.Height, c.App.Hash(), res.AppHash)
		}
	}
	if c.SkipChecks {
		return res
	}
	c.checkNoEmptyValues()
	if err := (storage.Keeper{}).CheckIndexes(c.Ctx()); err != nil {
		c.T.Fatalf("block %d: storage indexes: %v", c.Height, err)
	}
	return res
}

// checkNoEmptyValues fails the test if the state holds an empty value: ICS-23
// cannot prove one, nor the absence of a key next to it (types.Marker).
func (c *Chain) checkNoEmptyValues() {
	c.T.Helper()
	it := c.App.CommittedContext().Store().Iterator(nil, nil)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		if len(it.Value()) == 0 {
			c.T.Fatalf("block %d left an empty value at key %x (%q): use types.Marker, so proofs work", c.Height, it.Key(), it.Key())
		}
	}
}

// Sign builds a transaction of msgs from k with k's next nonce, and counts
// the nonce as used.
func (c *Chain) Sign(k secp256k1.PrivKey, msgs ...*txpb.Msg) []byte {
	c.T.Helper()
	a := k.PubKey().Address()
	raw, err := tx.Sign(ChainID, &txpb.TxBody{Messages: msgs, Fee: Fee, Nonce: c.Nonces[a]}, k)
	if err != nil {
		c.T.Fatal(err)
	}
	c.Nonces[a]++
	return raw
}

// Msg wraps a module message.
func Msg(typ string, m proto.Message) *txpb.Msg {
	x, err := tx.Msg(typ, m)
	if err != nil {
		panic(err)
	}
	return x
}

// Exec signs msgs from k, runs them in their own block and returns the
// result; it fails the test if the code differs from want (0 = success).
func (c *Chain) Exec(k secp256k1.PrivKey, want uint32, msgs ...*txpb.Msg) *abci.ExecTxResult {
	c.T.Helper()
	res := c.Block(c.Sign(k, msgs...)).TxResults[0]
	if res.Code != want {
		c.T.Fatalf("tx code %d (%s), want %d", res.Code, res.Log, want)
	}
	return res
}

// Ctx is a read-only context over the committed state.
func (c *Chain) Ctx() *types.Context { return c.App.CommittedContext() }

// CheckSupply fails the test if the bank's supply invariant is broken.
func (c *Chain) CheckSupply() {
	c.T.Helper()
	if err := c.App.Bank().CheckInvariant(c.Ctx()); err != nil {
		c.T.Fatal(err)
	}
}

// Query runs an ABCI query against the committed state.
func (c *Chain) Query(path string) *abci.ResponseQuery {
	c.T.Helper()
	r, err := c.App.Query(bg, &abci.RequestQuery{Path: path})
	if err != nil {
		c.T.Fatal(err)
	}
	return r
}

// Restore starts a second chain in a new directory from an export of c at
// height (`pasteld export`): InitChain with the exported app_state at
// height+1, same chain id and keys, nonces carried over. It returns the
// new chain and the validators its InitChain answered.
func (c *Chain) Restore(height int64) (*Chain, []abci.ValidatorUpdate) {
	c.T.Helper()
	g, _, err := c.App.Export(height)
	if err != nil {
		c.T.Fatal(err)
	}
	raw, err := json.Marshal(g)
	if err != nil {
		c.T.Fatal(err)
	}
	dir := c.T.TempDir()
	a, err := app.New(app.Options{DataDir: dir, Logger: Quiet, Modules: c.Modules})
	if err != nil {
		c.T.Fatal(err)
	}
	res, err := a.InitChain(bg, &abci.RequestInitChain{ChainId: ChainID, InitialHeight: height + 1, Time: time.Unix(1_700_000_000+height, 0),
		AppStateBytes: raw})
	if err != nil {
		c.T.Fatal(err)
	}
	n := &Chain{T: c.T, App: a, Dir: dir, Height: height, Keys: c.Keys, Nonces: map[types.Address]uint64{}, Modules: c.Modules, Votes: c.Votes}
	for k, v := range c.Nonces {
		n.Nonces[k] = v
	}
	c.T.Cleanup(func() { n.App.Close() })
	return n, res.Validators
}
