package app_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	idb "github.com/cosmos/iavl/db"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/app/apptest"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/bank/bankpb"
)

const chainID = "pastel-test"

var (
	bg    = context.Background()
	quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
)

type chain struct {
	t      testing.TB
	app    *app.App
	dir    string
	height int64
	keys   []secp256k1.PrivKey
	nonces map[types.Address]uint64
}

func keyN(i int) secp256k1.PrivKey {
	b := bytes.Repeat([]byte{byte(i + 1)}, 32)
	k, err := secp256k1.PrivKeyFromBytes(b)
	if err != nil {
		panic(err)
	}
	return k
}

func genesisFor(keys []secp256k1.PrivKey, balance uint64) []byte {
	var accs []bank.GenesisAccount
	for _, k := range keys {
		accs = append(accs, bank.GenesisAccount{Address: k.PubKey().Address().String(), Balance: balance})
	}
	g := app.DefaultGenesis()
	g["bank"], _ = json.Marshal(bank.Genesis{Params: bank.DefaultParams(), Accounts: accs})
	bz, _ := json.Marshal(g)
	return bz
}

func newChain(t testing.TB, dir string, nkeys int) *chain {
	t.Helper()
	a, err := app.New(app.Options{DataDir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	c := &chain{t: t, app: a, dir: dir, nonces: map[types.Address]uint64{}}
	for i := 0; i < nkeys; i++ {
		c.keys = append(c.keys, keyN(i))
	}
	if _, err := a.InitChain(bg, &abci.RequestInitChain{ChainId: chainID, InitialHeight: 1, Time: time.Unix(1_700_000_000, 0), AppStateBytes: genesisFor(c.keys, 1_000_000_000_000)}); err != nil {
		t.Fatal(err)
	}
	return c
}

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

func (c *chain) signed(k secp256k1.PrivKey, fee uint64, msgs ...*txpb.Msg) []byte {
	addr := k.PubKey().Address()
	raw, err := tx.Sign(chainID, &txpb.TxBody{Messages: msgs, Fee: fee, Nonce: c.nonces[addr]}, k)
	if err != nil {
		c.t.Fatal(err)
	}
	return raw
}

func send(to types.Address, amount uint64) *txpb.Msg {
	m, err := tx.Msg(bank.MsgSendType, &bankpb.MsgSend{To: to.String(), Amount: amount})
	if err != nil {
		panic(err)
	}
	return m
}

func (c *chain) account(a types.Address) *bankpb.Account {
	return c.app.Bank().Account(c.app.CommittedContext(), a)
}

func (c *chain) checkSupply() {
	c.t.Helper()
	if err := c.app.Bank().CheckInvariant(c.app.CommittedContext()); err != nil {
		c.t.Fatal(err)
	}
}

const fee = 10_000

func TestTransferMovesExactAmountsAndTakesFee(t *testing.T) {
	c := newChain(t, t.TempDir(), 2)
	c.block()
	a, b := c.keys[0].PubKey().Address(), c.keys[1].PubKey().Address()
	before := c.app.Bank().Supply(c.app.CommittedContext())
	res := c.block(c.signed(c.keys[0], fee, send(b, 12345)))
	if r := res.TxResults[0]; r.Code != 0 {
		t.Fatalf("transfer failed: %d %s", r.Code, r.Log)
	}
	if got := c.account(a).Balance; got != 1_000_000_000_000-12345-fee {
		t.Fatalf("sender balance %d", got)
	}
	if got := c.account(b).Balance; got != 1_000_000_000_000+12345 {
		t.Fatalf("recipient balance %d", got)
	}
	if got := c.account(bank.FeeCollector).Balance; got != fee {
		t.Fatalf("fee collector %d", got)
	}
	if got := c.account(a).Nonce; got != 1 {
		t.Fatalf("nonce %d", got)
	}
	if after := c.app.Bank().Supply(c.app.CommittedContext()); after != before {
		t.Fatalf("supply %d -> %d", before, after)
	}
	c.checkSupply()
	var sawTransfer bool
	for _, ev := range res.TxResults[0].Events {
		if ev.Type == "transfer" {
			sawTransfer = true
		}
	}
	if !sawTransfer {
		t.Fatal("no transfer event")
	}
}

// TestBadInputChangesNothing sends each kind of bad transaction through
// CheckTx and FinalizeBlock and requires a specific error code and, apart
// from a failed message's fee and nonce, an unchanged state.
func TestBadInputChangesNothing(t *testing.T) {
	c := newChain(t, t.TempDir(), 3)
	c.block()
	k0, k1 := c.keys[0], c.keys[1]
	b := k1.PubKey().Address()
	good := c.signed(k0, fee, send(b, 1))
	wrongChain, _ := tx.Sign("other-chain", &txpb.TxBody{Messages: []*txpb.Msg{send(b, 1)}, Fee: fee}, k0)
	badSig := append([]byte(nil), good...)
	badSig[len(badSig)-1] ^= 1
	var env txpb.Tx
	_ = proto.Unmarshal(good, &env)
	noSig, _ := proto.Marshal(&txpb.Tx{Body: env.Body, PubKey: env.PubKey})
	otherKey, _ := proto.Marshal(&txpb.Tx{Body: env.Body, PubKey: k1.PubKey().Bytes(), Signature: env.Signature})
	unknown, _ := tx.Sign(chainID, &txpb.TxBody{Messages: []*txpb.Msg{{Type: "bank/Steal", Value: nil}}, Fee: fee}, k0)
	reusedNonce, _ := tx.Sign(chainID, &txpb.TxBody{Messages: []*txpb.Msg{send(b, 1)}, Fee: fee, Nonce: 7}, k0)
	lowFee := c.signed(k0, 10, send(b, 1))
	tooMuch := c.signed(k0, fee, send(b, 2_000_000_000_000))
	zero := c.signed(k0, fee, send(b, 0))
	badTo, _ := tx.Msg(bank.MsgSendType, &bankpb.MsgSend{To: "pastel1nope", Amount: 5})
	badAddr := c.signed(k0, fee, badTo)
	overflowFee := c.signed(k0, ^uint64(0), send(b, 1))
	big := c.signed(k0, fee, &txpb.Msg{Type: bank.MsgSendType, Value: make([]byte, app.MaxTxBytes)})
	manyMsgs := make([]*txpb.Msg, tx.MaxMsgs+1)
	for i := range manyMsgs {
		manyMsgs[i] = send(b, 1)
	}
	tooMany := c.signed(k0, fee*100, manyMsgs...)

	cases := []struct {
		name    string
		raw     []byte
		want    *types.Error
		charged bool // a failed message still pays its fee and nonce in a block
	}{
		{"random bytes", []byte{0xde, 0xad, 0xbe, 0xef, 0x01}, types.ErrTxDecode, false},
		{"empty", nil, types.ErrTxDecode, false},
		{"truncated", good[:len(good)-10], types.ErrTxDecode, false},
		{"wrong chain id", wrongChain, types.ErrBadSignature, false},
		{"bad signature", badSig, types.ErrBadSignature, false},
		{"missing signature", noSig, types.ErrBadSignature, false},
		{"signature from another key", otherKey, types.ErrBadSignature, false},
		{"unknown message type", unknown, types.ErrUnknownMsg, false},
		{"wrong nonce", reusedNonce, types.ErrWrongNonce, false},
		{"fee below minimum", lowFee, types.ErrInsufficientFee, false},
		{"fee larger than balance", overflowFee, types.ErrInsufficientFunds, false},
		{"insufficient funds", tooMuch, types.ErrInsufficientFunds, true},
		{"zero amount", zero, types.ErrInvalidAmount, false},
		{"bad recipient", badAddr, types.ErrInvalidAddress, false},
		{"oversize", big, types.ErrTxTooLarge, false},
		{"too many messages", tooMany, types.ErrTooManyMsgs, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := c.app.CheckTx(bg, &abci.RequestCheckTx{Tx: tc.raw})
			if res.Code != tc.want.Code {
				t.Fatalf("CheckTx code %d (%s), want %d (%s)", res.Code, res.Log, tc.want.Code, tc.want.Msg)
			}
			if res.Log == "" {
				t.Fatal("no log message")
			}
			before := c.app.Hash()
			acc0 := c.account(k0.PubKey().Address())
			blk := c.block(tc.raw)
			r := blk.TxResults[0]
			if r.Code != tc.want.Code {
				t.Fatalf("FinalizeBlock code %d (%s), want %d", r.Code, r.Log, tc.want.Code)
			}
			acc := c.account(k0.PubKey().Address())
			if tc.charged {
				if acc.Nonce != acc0.Nonce+1 || acc.Balance != acc0.Balance-fee {
					t.Fatalf("failed message: nonce %d->%d balance %d->%d; want fee and nonce only", acc0.Nonce, acc.Nonce, acc0.Balance, acc.Balance)
				}
				c.nonces[k0.PubKey().Address()]++
			} else if !bytes.Equal(before, c.app.Hash()) {
				t.Fatalf("state changed: %X -> %X", before, c.app.Hash())
			}
			c.checkSupply()
		})
	}
}

// TestMultiMessageAllOrNothing: the second message fails, so the first one's
// transfer must be undone too.
func TestMultiMessageAllOrNothing(t *testing.T) {
	c := newChain(t, t.TempDir(), 2)
	c.block()
	b := c.keys[1].PubKey().Address()
	res := c.block(c.signed(c.keys[0], 2*fee, send(b, 100), send(b, 10_000_000_000_000)))
	if res.TxResults[0].Code != types.ErrInsufficientFunds.Code {
		t.Fatalf("code %d %s", res.TxResults[0].Code, res.TxResults[0].Log)
	}
	if got := c.account(b).Balance; got != 1_000_000_000_000 {
		t.Fatalf("partial effect: recipient has %d", got)
	}
	c.checkSupply()
}

func TestMempoolOrdersNoncesPerSender(t *testing.T) {
	c := newChain(t, t.TempDir(), 2)
	c.block()
	b := c.keys[1].PubKey().Address()
	a := c.keys[0].PubKey().Address()
	var txs [][]byte
	for i := 0; i < 5; i++ {
		raw := c.signed(c.keys[0], fee, send(b, 1))
		c.nonces[a]++
		res, _ := c.app.CheckTx(bg, &abci.RequestCheckTx{Tx: raw})
		if res.Code != 0 {
			t.Fatalf("tx %d: %s", i, res.Log)
		}
		txs = append(txs, raw)
	}
	// The same tx again is a replay: its nonce is used in the mempool view.
	if res, _ := c.app.CheckTx(bg, &abci.RequestCheckTx{Tx: txs[0]}); res.Code != types.ErrWrongNonce.Code {
		t.Fatalf("replay admitted: %d %s", res.Code, res.Log)
	}
	res := c.block(txs...)
	for i, r := range res.TxResults {
		if r.Code != 0 {
			t.Fatalf("tx %d: %s", i, r.Log)
		}
	}
	// A replay after commit is refused in a block as well.
	res = c.block(txs[2])
	if res.TxResults[0].Code != types.ErrWrongNonce.Code {
		t.Fatalf("replay in block: %d %s", res.TxResults[0].Code, res.TxResults[0].Log)
	}
}

func TestQueryProofVerifiesAndTamperFails(t *testing.T) {
	c := newChain(t, t.TempDir(), 2)
	c.block()
	b := c.keys[1].PubKey().Address()
	c.block(c.signed(c.keys[0], fee, send(b, 777)))
	q, _ := c.app.Query(bg, &abci.RequestQuery{Path: "/bank/balance/" + b.String(), Prove: true})
	if q.Code != 0 {
		t.Fatal(q.Log)
	}
	if err := store.VerifyProof(c.app.Hash(), q.Key, q.Value, q.ProofOps); err != nil {
		t.Fatalf("genuine proof: %v", err)
	}
	var acc bankpb.Account
	if err := proto.Unmarshal(q.Value, &acc); err != nil || acc.Balance != 1_000_000_000_777 {
		t.Fatalf("value %v %v", acc.Balance, err)
	}
	acc.Balance++
	forged, _ := proto.Marshal(&acc)
	if err := store.VerifyProof(c.app.Hash(), q.Key, forged, q.ProofOps); !errors.Is(err, store.ErrProof) {
		t.Fatalf("tampered value verified: %v", err)
	}
	wrongRoot := append([]byte(nil), c.app.Hash()...)
	wrongRoot[0] ^= 1
	if err := store.VerifyProof(wrongRoot, q.Key, q.Value, q.ProofOps); !errors.Is(err, store.ErrProof) {
		t.Fatalf("wrong root verified: %v", err)
	}
	// An absent account is proven absent; claiming a value for it fails.
	nobody := keyN(50).PubKey().Address()
	q2, _ := c.app.Query(bg, &abci.RequestQuery{Path: "/bank/account/" + nobody.String(), Prove: true})
	if q2.Code != 0 || len(q2.Value) != 0 {
		t.Fatalf("absent account: %d %x", q2.Code, q2.Value)
	}
	if err := store.VerifyProof(c.app.Hash(), q2.Key, nil, q2.ProofOps); err != nil {
		t.Fatalf("non-membership: %v", err)
	}
	if err := store.VerifyProof(c.app.Hash(), q2.Key, q.Value, q2.ProofOps); err == nil {
		t.Fatal("non-membership proof accepted as membership")
	}
}

// TestRestartBetweenAnyTwoBlocks runs the same random blocks twice: once
// straight through, once reopening the app from disk after every block (and
// with pruning on), and requires the same AppHash at every height.
func TestRestartBetweenAnyTwoBlocks(t *testing.T) {
	const blocks = 30
	hashes := func(restart bool, prune int64) [][]byte {
		c := newChain(t, t.TempDir(), 4)
		if prune > 0 {
			c.app.Close()
			a, err := app.New(app.Options{DataDir: c.dir, PruneKeepRecent: prune, PruneInterval: 3, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			c.app = a
			_, _ = a.InitChain(bg, &abci.RequestInitChain{ChainId: chainID, InitialHeight: 1, Time: time.Unix(1_700_000_000, 0), AppStateBytes: genesisFor(c.keys, 1_000_000_000_000)})
		}
		var out [][]byte
		for h := 0; h < blocks; h++ {
			var txs [][]byte
			for i := 0; i < h%4; i++ {
				from := c.keys[(h+i)%4]
				to := c.keys[(h+i+1)%4].PubKey().Address()
				txs = append(txs, c.signed(from, fee, send(to, uint64(h*100+i+1))))
				c.nonces[from.PubKey().Address()]++
			}
			c.block(txs...)
			out = append(out, c.app.Hash())
			if restart {
				c.reopen()
				if c.app.Height() != c.height || !bytes.Equal(c.app.Hash(), out[len(out)-1]) {
					t.Fatalf("after restart at %d: height %d hash %X", c.height, c.app.Height(), c.app.Hash())
				}
			}
		}
		c.checkSupply()
		return out
	}
	straight := hashes(false, 0)
	restarted := hashes(true, 0)
	pruned := hashes(true, 5)
	for i := range straight {
		if !bytes.Equal(straight[i], restarted[i]) || !bytes.Equal(straight[i], pruned[i]) {
			t.Fatalf("height %d: %X / %X / %X", i+1, straight[i], restarted[i], pruned[i])
		}
	}
}

// TestCrashBeforeCommitReplays: a block finalized but not committed is lost
// on restart and replaying it gives the same AppHash.
func TestCrashBeforeCommitReplays(t *testing.T) {
	c := newChain(t, t.TempDir(), 2)
	c.block()
	b := c.keys[1].PubKey().Address()
	raw := c.signed(c.keys[0], fee, send(b, 5))
	req := &abci.RequestFinalizeBlock{Height: 2, Time: time.Unix(1_700_000_002, 0), Txs: [][]byte{raw}, Hash: bytes.Repeat([]byte{2}, 32)}
	res1, err := c.app.FinalizeBlock(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	c.reopen() // crash: no Commit
	if c.app.Height() != 1 {
		t.Fatalf("height after crash %d", c.app.Height())
	}
	res2, err := c.app.FinalizeBlock(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res1.AppHash, res2.AppHash) {
		t.Fatalf("replay hash %X != %X", res2.AppHash, res1.AppHash)
	}
}

func TestSnapshotRestoresSameState(t *testing.T) {
	src, err := app.New(app.Options{DataDir: t.TempDir(), SnapshotInterval: 5, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	c := &chain{t: t, app: src, nonces: map[types.Address]uint64{}}
	for i := 0; i < 3; i++ {
		c.keys = append(c.keys, keyN(i))
	}
	_, _ = src.InitChain(bg, &abci.RequestInitChain{ChainId: chainID, InitialHeight: 1, AppStateBytes: genesisFor(c.keys, 1e12)})
	for h := 0; h < 5; h++ {
		to := c.keys[(h+1)%3].PubKey().Address()
		c.block(c.signed(c.keys[h%3], fee, send(to, 10)))
		c.nonces[c.keys[h%3].PubKey().Address()]++
	}
	list, _ := src.ListSnapshots(bg, &abci.RequestListSnapshots{})
	if len(list.Snapshots) != 1 || list.Snapshots[0].Height != 5 {
		t.Fatalf("snapshots: %v", list.Snapshots)
	}
	s := list.Snapshots[0]
	dst, err := app.New(app.Options{DataDir: t.TempDir(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	// A snapshot offered with the wrong AppHash must be refused at the end.
	off, _ := dst.OfferSnapshot(bg, &abci.RequestOfferSnapshot{Snapshot: s, AppHash: src.Hash()})
	if off.Result != abci.ResponseOfferSnapshot_ACCEPT {
		t.Fatalf("offer: %v", off.Result)
	}
	for i := uint32(0); i < s.Chunks; i++ {
		ch, _ := src.LoadSnapshotChunk(bg, &abci.RequestLoadSnapshotChunk{Height: s.Height, Format: s.Format, Chunk: i})
		bad := append([]byte(nil), ch.Chunk...)
		bad[0] ^= 1
		if r, _ := dst.ApplySnapshotChunk(bg, &abci.RequestApplySnapshotChunk{Index: i, Chunk: bad, Sender: "evil"}); r.Result != abci.ResponseApplySnapshotChunk_RETRY {
			t.Fatalf("corrupt chunk: %v", r.Result)
		}
		r, _ := dst.ApplySnapshotChunk(bg, &abci.RequestApplySnapshotChunk{Index: i, Chunk: ch.Chunk})
		if r.Result != abci.ResponseApplySnapshotChunk_ACCEPT {
			t.Fatalf("chunk %d: %v", i, r.Result)
		}
	}
	if dst.Height() != 5 || !bytes.Equal(dst.Hash(), src.Hash()) || dst.ChainID() != chainID {
		t.Fatalf("restored height %d hash %X chain %q, want 5 %X", dst.Height(), dst.Hash(), dst.ChainID(), src.Hash())
	}
}

func TestGenesisValidationNamesField(t *testing.T) {
	g := app.DefaultGenesis()
	g["bank"] = json.RawMessage(`{"params":{},"accounts":[{"address":"pastel1xyz","balance":"5"}]}`)
	err := app.ValidateGenesis(g)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("bank.accounts[0].address")) {
		t.Fatalf("error %v does not name the field", err)
	}
	g = app.DefaultGenesis()
	g["nosuch"] = json.RawMessage(`{}`)
	if err := app.ValidateGenesis(g); err == nil {
		t.Fatal("unknown module accepted")
	}
}

// TestCommitTornByACrashRollsBack: a node killed inside Commit used to be
// left with some IAVL nodes of the new version on disk but not its root
// (IAVL wrote large commits in several LevelDB batches), and then refused to
// start with "version does not exist" (seen in the chaos run). The app now
// commits in one batch, and on opening rolls such a torn version back so the
// block is replayed, to the same AppHash. The torn version is recreated here
// as it was found on disk: nodes under the new version's keys, no root.
func TestCommitTornByACrashRollsBack(t *testing.T) {
	c := newChain(t, t.TempDir(), 2)
	b := c.keys[1].PubKey().Address()
	for i := 0; i < 5; i++ {
		c.block(c.signed(c.keys[0], fee, send(b, uint64(i+1))))
		c.nonces[c.keys[0].PubKey().Address()]++
	}
	want5 := c.app.Hash()
	req := &abci.RequestFinalizeBlock{Height: 6, Time: time.Unix(1_700_000_006, 0),
		Txs: [][]byte{c.signed(c.keys[0], fee, send(b, 99))}, Hash: bytes.Repeat([]byte{6}, 32)}
	ref, err := c.app.FinalizeBlock(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.app.Close(); err != nil {
		t.Fatal(err)
	}

	// Tear version 6: IAVL node keys are 's' | version (8 bytes) | nonce
	// (4 bytes), the root being nonce 1. Write version 5's other nodes
	// again under version 6 and leave the root out.
	db, err := idb.NewGoLevelDB("application", c.dir)
	if err != nil {
		t.Fatal(err)
	}
	prefix := func(v uint64) []byte { return binary.BigEndian.AppendUint64([]byte{'s'}, v) }
	it, err := db.Iterator(prefix(5), prefix(6))
	if err != nil {
		t.Fatal(err)
	}
	batch := db.NewBatch()
	torn := 0
	for ; it.Valid(); it.Next() {
		nonce := it.Key()[9:]
		if binary.BigEndian.Uint32(nonce) == 1 {
			continue
		}
		_ = batch.Set(append(prefix(6), nonce...), it.Value())
		torn++
	}
	it.Close()
	if torn == 0 {
		t.Fatal("version 5 has no nodes besides its root: the key layout assumed here is wrong")
	}
	if err := batch.Write(); err != nil {
		t.Fatal(err)
	}
	batch.Close()
	db.Close()

	a, err := app.New(app.Options{DataDir: c.dir, Logger: quiet})
	if err != nil {
		t.Fatalf("opening a state with a torn commit: %v", err)
	}
	c.app = a
	if a.Height() != 5 || !bytes.Equal(a.Hash(), want5) {
		t.Fatalf("after the torn commit: height %d hash %X, want 5 and %X", a.Height(), a.Hash(), want5)
	}
	got, err := a.FinalizeBlock(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.AppHash, ref.AppHash) {
		t.Fatalf("replayed block 6: AppHash %X, want %X", got.AppHash, ref.AppHash)
	}
	if _, err := a.Commit(bg, &abci.RequestCommit{}); err != nil {
		t.Fatal(err)
	}
	c.height = 6
	c.reopen()
	if c.app.Height() != 6 || !bytes.Equal(c.app.Hash(), ref.AppHash) {
		t.Fatalf("after committing the replay and reopening: height %d hash %X", c.app.Height(), c.app.Hash())
	}
	c.checkSupply()
}

// TestStateLayoutRefused: a node opens a state of its own StateLayout and
// refuses one written with another (an older pasteld's, without
// app/state_layout, or a newer one), saying what to do, before it touches
// anything.
func TestStateLayoutRefused(t *testing.T) {
	c := apptest.New(t, "", 1, 1000, nil)
	c.Block()
	c.Reopen()
	c.Block()
	if err := c.App.Close(); err != nil {
		t.Fatal(err)
	}
	// setLayout rewrites the stored layout (nil: none) as another pasteld
	// would have left it.
	setLayout := func(v []byte) {
		t.Helper()
		db, err := store.OpenDB(c.Dir, "application", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		tree, err := store.OpenTree(db, 0, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if v == nil {
			_, _, err = tree.Remove([]byte("app/state_layout"))
		} else {
			_, err = tree.Set([]byte("app/state_layout"), v)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := tree.SaveVersion(); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		stored []byte
		want   string
	}{{nil, "state layout 1 (written before layouts were numbered)"}, {[]byte("999"), "state layout 999;"}} {
		setLayout(tc.stored)
		_, err := app.New(app.Options{DataDir: c.Dir, Logger: apptest.Quiet})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "make devnet-reset") {
			t.Fatalf("stored layout %q: %v, want an error naming %q and what to do", tc.stored, err, tc.want)
		}
	}
	setLayout([]byte(strconv.Itoa(app.StateLayout)))
	a, err := app.New(app.Options{DataDir: c.Dir, Logger: apptest.Quiet})
	if err != nil {
		t.Fatalf("this layout: %v", err)
	}
	c.App = a
	c.Block()
}

// TestStateDumpFormatFollowsLayout: a dump's keys are in its state's
// layout, so the dump format is numbered with it.
func TestStateDumpFormatFollowsLayout(t *testing.T) {
	if want := "pastel-state/" + strconv.Itoa(app.StateLayout); app.StateDumpFormat != want {
		t.Fatalf("StateDumpFormat %q, StateLayout %d: want %q", app.StateDumpFormat, app.StateLayout, want)
	}
}
