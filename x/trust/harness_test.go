package trust_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"golang.org/x/crypto/sha3"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/trust"
	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// The harness drives the real app through ABCI, as app/app_test.go does.

const (
	chainID = "pastel-trust-test"
	fee     = 20_000
	funds   = 1_000_000_000_000
)

var (
	bg    = context.Background()
	quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
)

// testKey returns the i-th deterministic test key.
func testKey(i int) secp256k1.PrivKey {
	seed := sha3.Sum256(binary.BigEndian.AppendUint64([]byte("trust-test-key"), uint64(i)))
	k, err := secp256k1.PrivKeyFromBytes(seed[:])
	if err != nil {
		panic(err)
	}
	return k
}

func addr(k secp256k1.PrivKey) types.Address { return k.PubKey().Address() }

type chain struct {
	t       testing.TB
	app     *app.App
	dir     string
	genesis []byte
	height  int64
	keys    []secp256k1.PrivKey
	nonces  map[types.Address]uint64
}

// genesisState funds keys and uses tg as the trust section.
func genesisState(keys []secp256k1.PrivKey, tg trust.Genesis) []byte {
	var accs []bank.GenesisAccount
	for _, k := range keys {
		accs = append(accs, bank.GenesisAccount{Address: addr(k).String(), Balance: funds})
	}
	g := app.DefaultGenesis()
	g["bank"], _ = json.Marshal(bank.Genesis{Params: bank.DefaultParams(), Accounts: accs})
	g[trust.ModuleName], _ = json.Marshal(tg)
	bz, _ := json.Marshal(g)
	return bz
}

// trustGenesis has the default parameters with epoch_blocks set, and seeds
// with pre-trust 1.
func trustGenesis(epochBlocks int64, seeds ...types.Address) trust.Genesis {
	p := trust.DefaultParams()
	p.EpochBlocks = epochBlocks
	g := trust.Genesis{Params: p, Seeds: []trust.GenesisSeed{}}
	for _, s := range seeds {
		g.Seeds = append(g.Seeds, trust.GenesisSeed{Address: s.String(), PreTrust: trust.Dec(score.One)})
	}
	return g
}

func newChain(t testing.TB, nkeys int, tg trust.Genesis) *chain {
	t.Helper()
	dir := t.TempDir()
	a, err := app.New(app.Options{DataDir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	c := &chain{t: t, app: a, dir: dir, nonces: map[types.Address]uint64{}}
	for i := 0; i < nkeys; i++ {
		c.keys = append(c.keys, testKey(i))
	}
	c.genesis = genesisState(c.keys, tg)
	if _, err := a.InitChain(bg, &abci.RequestInitChain{ChainId: chainID, InitialHeight: 1, Time: time.Unix(1_700_000_000, 0), AppStateBytes: c.genesis}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.app.Close() })
	return c
}

func (c *chain) addr(i int) types.Address { return addr(c.keys[i]) }

func (c *chain) reopen() {
	c.t.Helper()
	if err := c.app.Close(); err != nil {
		c.t.Fatal(err)
	}
	a, err := app.New(app.Options{DataDir: c.dir, Logger: quiet})
	if err != nil {
		c.t.Fatal(err)
	}
	c.app = a
}

func (c *chain) block(txs ...[]byte) *abci.ResponseFinalizeBlock {
	c.t.Helper()
	c.height++
	res, err := c.app.FinalizeBlock(bg, &abci.RequestFinalizeBlock{
		Height: c.height, Time: time.Unix(1_700_000_000+c.height, 0), Txs: txs,
		Hash: bytes.Repeat([]byte{byte(c.height)}, 32),
	})
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.app.Commit(bg, &abci.RequestCommit{}); err != nil {
		c.t.Fatal(err)
	}
	if !bytes.Equal(res.AppHash, c.app.Hash()) {
		c.t.Fatalf("height %d: FinalizeBlock AppHash %X != committed %X", c.height, res.AppHash, c.app.Hash())
	}
	return res
}

// mustBlock runs a block and requires every transaction to succeed.
func (c *chain) mustBlock(txs ...[]byte) *abci.ResponseFinalizeBlock {
	c.t.Helper()
	res := c.block(txs...)
	for i, r := range res.TxResults {
		if r.Code != 0 {
			c.t.Fatalf("height %d tx %d: code %d %s", c.height, i, r.Code, r.Log)
		}
	}
	return res
}

// untilEpoch runs empty blocks until the block at a multiple of every has
// been committed (the next one if the chain is at one already).
func (c *chain) untilEpoch(every int64) {
	c.t.Helper()
	for {
		c.block()
		if c.height%every == 0 {
			return
		}
	}
}

// signed signs msgs with key i at its next nonce and advances the nonce
// (a transaction that fails in a message still uses its nonce).
func (c *chain) signed(i int, msgs ...*txpb.Msg) []byte {
	c.t.Helper()
	k := c.keys[i]
	raw, err := tx.Sign(chainID, &txpb.TxBody{Messages: msgs, Fee: fee * uint64(len(msgs)), Nonce: c.nonces[addr(k)]}, k)
	if err != nil {
		c.t.Fatal(err)
	}
	c.nonces[addr(k)]++
	return raw
}

func msg(typ string, m proto.Message) *txpb.Msg {
	out, err := tx.Msg(typ, m)
	if err != nil {
		panic(err)
	}
	return out
}

func setMsg(to types.Address, w score.Score) *txpb.Msg {
	return msg(trust.MsgSetTrustType, &trustpb.MsgSetTrust{Target: to.String(), Weight: int64(w)})
}

func removeMsg(to types.Address) *txpb.Msg {
	return msg(trust.MsgRemoveTrustType, &trustpb.MsgRemoveTrust{Target: to.String()})
}

func (c *chain) query(path string, prove bool) *abci.ResponseQuery {
	c.t.Helper()
	q, err := c.app.Query(bg, &abci.RequestQuery{Path: path, Prove: prove})
	if err != nil {
		c.t.Fatal(err)
	}
	return q
}

func (c *chain) queryJSON(path string, v any) {
	c.t.Helper()
	q := c.query(path, false)
	if q.Code != 0 {
		c.t.Fatalf("query %s: code %d %s", path, q.Code, q.Log)
	}
	if err := json.Unmarshal(q.Value, v); err != nil {
		c.t.Fatalf("query %s: %v in %s", path, err, q.Value)
	}
}

// score reads a's stored scores with an IAVL proof checked against the
// committed AppHash.
func (c *chain) score(a types.Address) (*trustpb.NodeScore, bool) {
	c.t.Helper()
	q := c.query("/trust/score/"+a.String(), true)
	if q.Code != 0 {
		c.t.Fatalf("score query: %d %s", q.Code, q.Log)
	}
	if err := store.VerifyProof(c.app.Hash(), q.Key, q.Value, q.ProofOps); err != nil {
		c.t.Fatalf("score proof for %s: %v", a, err)
	}
	if len(q.Value) == 0 {
		return &trustpb.NodeScore{}, false
	}
	var r trustpb.NodeScore
	if err := proto.Unmarshal(q.Value, &r); err != nil {
		c.t.Fatal(err)
	}
	return &r, true
}

// trustState dumps every key and value under the trust prefix.
func (c *chain) trustState() string {
	kv := store.NewPrefix(c.app.CommittedContext().Store(), []byte(trust.ModuleName+"/"))
	it := kv.Iterator(nil, nil)
	defer it.Close()
	var b strings.Builder
	for ; it.Valid(); it.Next() {
		fmt.Fprintf(&b, "%x=%x\n", it.Key(), it.Value())
	}
	return b.String()
}

func (c *chain) ctx() *types.Context { return c.app.CommittedContext() }

func s(f float64) score.Score { return score.Score(f*float64(score.One) + 0.5*sign(f)) }

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}
