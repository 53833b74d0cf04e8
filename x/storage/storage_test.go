package storage_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/app/apptest"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

const (
	nMasternodes = 6
	collateral   = 1_000_000 * 1_000_000_000
)

// newChain: keys 0..5 are genesis masternodes, 6 is the artist, 7 a collector.
func newChain(t *testing.T, edit func(p *storagepb.Params)) *apptest.Chain {
	keys := make([]secp256k1.PrivKey, 8)
	for i := range keys {
		keys[i] = apptest.Key(i)
	}
	return apptest.New(t, "", 8, 10*collateral, func(g app.GenesisState) {
		p := storage.DefaultParams()
		p.Replication = 3
		p.AttestWindow = 50
		if edit != nil {
			edit(p)
		}
		gen := storage.Genesis{Params: p}
		for i := 0; i < nMasternodes; i++ {
			gen.Masternodes = append(gen.Masternodes, storage.GenesisMasternode{
				Address: keys[i].PubKey().Address().String(), PubKey: hex.EncodeToString(keys[i].PubKey().Bytes()),
				URL: fmt.Sprintf("http://127.0.0.1:%d", 7100+i), Collateral: collateral,
			})
			if i < validatorMasternodes {
				gen.Masternodes[i].ConsensusPubKey = base64.StdEncoding.EncodeToString(consensusKey(i))
			}
		}
		g["storage"], _ = json.Marshal(gen)
		if extraGenesis != nil {
			extraGenesis(g)
		}
	})
}

// extraGenesis, when set by a test, edits the rest of the genesis.
var extraGenesis func(app.GenesisState)

// validatorMasternodes, when set by a test, gives genesis masternodes
// 0..n-1 the consensus keys consensusKey(i).
var validatorMasternodes int

// consensusKey is a deterministic ed25519 public key for test validator i.
func consensusKey(i int) []byte {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{byte(i + 100)}, 32)).Public().(ed25519.PublicKey)
}

type testArt struct {
	manifest *codec.Manifest
	chunks   []*codec.Chunk
	msg      *storagepb.MsgRegisterArt
}

func makeArt(t *testing.T, seed int64, size int, fp uint64) testArt {
	img := make([]byte, size)
	rand.New(rand.NewSource(seed)).Read(img)
	archive, h, err := codec.BuildArchive(codec.Metadata{Title: "art"}, []codec.ArchiveFile{codec.FileFromBytes("image.png", img)})
	if err != nil {
		t.Fatal(err)
	}
	m, chunks, err := codec.Encode(archive, codec.Params{ChunkSize: 4096, Redundancy: 4})
	if err != nil {
		t.Fatal(err)
	}
	msg := &storagepb.MsgRegisterArt{Title: "Sunflowers", MetadataHash: bytes.Repeat([]byte{1}, 32), ArchiveHash: h[:],
		ArchiveSize: uint64(len(archive)), ChunkSize: 4096, Redundancy: 4, Fingerprint: fp, Editions: 3, MaxFee: 1 << 62}
	for _, id := range m.ChunkIDs {
		msg.ChunkIds = append(msg.ChunkIds, append([]byte(nil), id[:]...))
	}
	return testArt{m, chunks, msg}
}

func art(c *apptest.Chain, id []byte) *storagepb.Art {
	a, ok := storage.Keeper{}.Art(c.Ctx(), id)
	if !ok {
		c.T.Fatalf("no art %x", id)
	}
	return a
}

func confirmAll(t *testing.T, c *apptest.Chain, ta testArt) {
	confirmAllExcept(t, c, ta, types.Address{})
}

// confirmAllExcept confirms every unconfirmed commitment of the art for
// every masternode but skip, each with its proof of possession (after one
// block, so the randomness of the block after every assignment is known).
func confirmAllExcept(t *testing.T, c *apptest.Chain, ta testArt, skip types.Address) {
	confirmBy(t, c, ta, nMasternodes, skip)
}

// confirmBy is confirmAllExcept for a chain whose masternodes are keys
// 0..n-1.
func confirmBy(t *testing.T, c *apptest.Chain, ta testArt, n int, skip types.Address) {
	for round := 0; round < 5; round++ {
		c.Block()
		early := false
		for i := 0; i < n; i++ {
			mn := c.Keys[i].PubKey().Address()
			if mn == skip {
				continue
			}
			refs, wait := pendingRefs(t, c, ta, mn)
			early = early || wait
			for len(refs) > 0 {
				n := min(len(refs), storagepb.MaxConfirmations)
				c.Exec(c.Keys[i], 0, apptest.Msg(storagepb.MsgConfirmChunksType, &storagepb.MsgConfirmChunks{ArtId: ta.msg.ArchiveHash, Chunks: refs[:n]}))
				refs = refs[n:]
			}
		}
		if !early {
			return
		}
	}
}

// pendingRefs are mn's honest confirmations of its unconfirmed commitments
// of the art, looked up at the art's own positions; wait is set if some
// cannot be proven yet (assigned in the last block: next round).
func pendingRefs(t *testing.T, c *apptest.Chain, ta testArt, mn types.Address) (refs []*storagepb.ChunkRef, wait bool) {
	t.Helper()
	for _, ch := range ta.chunks {
		cm, ok := storage.Keeper{}.Commitment(c.Ctx(), ta.msg.ArchiveHash, uint32(ch.Stripe), uint32(ch.Index), mn)
		if !ok || cm.Confirmed {
			continue
		}
		if ref := proveRef(t, c, ta, cm, mn); ref != nil {
			refs = append(refs, ref)
		} else {
			wait = true
		}
	}
	return refs, wait
}

// proveRef is an honest holder's confirmation of commitment cm of mn; nil
// while its proof range is not known yet (assigned in the last block).
func proveRef(t *testing.T, c *apptest.Chain, ta testArt, cm *storagepb.Commitment, mn types.Address) *storagepb.ChunkRef {
	t.Helper()
	start, end, err := storage.Keeper{}.ProofRange(c.Ctx(), cm, mn)
	if errors.Is(err, storage.ErrTooEarly) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	ref, err := storagepb.ProvePossession(cm.Stripe, cm.Index, ta.chunk(cm.ChunkId).Payload, start, end)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// chunk returns the chunk of the art with id.
func (ta testArt) chunk(id []byte) *codec.Chunk {
	for _, ch := range ta.chunks {
		if bytes.Equal(ch.ID[:], id) {
			return ch
		}
	}
	panic(fmt.Sprintf("no chunk %x in the test art", id))
}

func attestAll(t *testing.T, c *apptest.Chain, id []byte, fp uint64, ok bool) {
	for _, at := range art(c, id).Attestations {
		for i := 0; i < nMasternodes; i++ {
			if c.Keys[i].PubKey().Address().String() == at.Attester {
				c.Exec(c.Keys[i], 0, apptest.Msg(storagepb.MsgAttestType, &storagepb.MsgAttest{ArtId: id, Fingerprint: fp, Ok: ok}))
			}
		}
	}
}

func TestRegisterConfirmAttestActivates(t *testing.T) {
	c := newChain(t, nil)
	c.Block()
	artist := c.Keys[6]
	ta := makeArt(t, 1, 50_000, 0xabcdef0123456789)
	before := c.App.Bank().Balance(c.Ctx(), artist.PubKey().Address())
	res := c.Exec(artist, 0, apptest.Msg(storagepb.MsgRegisterArtType, ta.msg))
	a := art(c, ta.msg.ArchiveHash)
	if a.Status != storagepb.ArtStatus_ART_PENDING || len(a.Attestations) != 3 {
		t.Fatalf("after registration: %v, %d attesters", a.Status, len(a.Attestations))
	}
	fee := storage.Fee(storage.DefaultParams(), ta.msg.ArchiveSize, 4)
	if got := before - c.App.Bank().Balance(c.Ctx(), artist.PubKey().Address()); got != fee+apptest.Fee {
		t.Fatalf("artist paid %d, want fee %d + tx fee", got, fee)
	}
	if got := c.App.Bank().Balance(c.Ctx(), storage.Endowment); got != fee {
		t.Fatalf("endowment holds %d, want %d", got, fee)
	}
	// Every chunk has exactly R=3 distinct holders.
	k := storage.Keeper{}
	for s, st := range a.Stripes {
		for i := uint32(0); i < st.N; i++ {
			if h := k.Holders(c.Ctx(), a.Id, uint32(s), i); len(h) != 3 {
				t.Fatalf("chunk %d/%d has %d holders", s, i, len(h))
			}
		}
	}
	var sawAssigned bool
	for _, ev := range res.Events {
		sawAssigned = sawAssigned || ev.Type == "chunks_assigned"
	}
	if !sawAssigned {
		t.Fatal("no chunks_assigned event")
	}
	confirmAll(t, c, ta)
	if art(c, a.Id).Status != storagepb.ArtStatus_ART_PENDING {
		t.Fatal("active before originality was attested")
	}
	attestAll(t, c, a.Id, ta.msg.Fingerprint, true)
	if got := art(c, a.Id); got.Status != storagepb.ArtStatus_ART_ACTIVE || !got.OriginalityOk {
		t.Fatalf("status %v originality %v", got.Status, got.OriginalityOk)
	}
	if owned := k.OwnedEditions(c.Ctx(), artist.PubKey().Address(), a.Id); len(owned) != 3 {
		t.Fatalf("artist owns %v", owned)
	}
	c.CheckSupply()
}

func TestNearDuplicateRejected(t *testing.T) {
	c := newChain(t, nil)
	c.Block()
	a1 := makeArt(t, 1, 10_000, 0xff00ff00ff00ff00)
	c.Exec(c.Keys[6], 0, apptest.Msg(storagepb.MsgRegisterArtType, a1.msg))
	a2 := makeArt(t, 2, 10_000, 0xff00ff00ff00ff00^0x7) // 3 bits away
	res := c.Exec(c.Keys[7], storage.ErrDuplicateArt.Code, apptest.Msg(storagepb.MsgRegisterArtType, a2.msg))
	if !bytes.Contains([]byte(res.Log), []byte(hex.EncodeToString(a1.msg.ArchiveHash))) {
		t.Fatalf("error does not name the original: %s", res.Log)
	}
	a3 := makeArt(t, 3, 10_000, 0x00ff00ff00ff00ff) // far away
	c.Exec(c.Keys[7], 0, apptest.Msg(storagepb.MsgRegisterArtType, a3.msg))
	c.CheckSupply()
}

func TestAttestationMismatchRejectsAndFreesFingerprint(t *testing.T) {
	c := newChain(t, nil)
	c.Block()
	ta := makeArt(t, 1, 10_000, 0x1234)
	c.Exec(c.Keys[6], 0, apptest.Msg(storagepb.MsgRegisterArtType, ta.msg))
	attestAll(t, c, ta.msg.ArchiveHash, 0x9999999999, true) // attesters see another image
	a := art(c, ta.msg.ArchiveHash)
	if a.Status != storagepb.ArtStatus_ART_REJECTED || a.RejectReason == "" {
		t.Fatalf("status %v reason %q", a.Status, a.RejectReason)
	}
	if h := (storage.Keeper{}).Holders(c.Ctx(), a.Id, 0, 0); len(h) != 0 {
		t.Fatalf("rejected art keeps %d commitments", len(h))
	}
	// The fingerprint is free again for a genuine registration.
	tb := makeArt(t, 2, 10_000, 0x1234)
	c.Exec(c.Keys[7], 0, apptest.Msg(storagepb.MsgRegisterArtType, tb.msg))
}

func TestDeadlineRejectsUnattested(t *testing.T) {
	c := newChain(t, func(p *storagepb.Params) { p.AttestWindow = 3 })
	c.Block()
	ta := makeArt(t, 1, 10_000, 0x1234)
	c.Exec(c.Keys[6], 0, apptest.Msg(storagepb.MsgRegisterArtType, ta.msg))
	for i := 0; i < 4; i++ {
		c.Block()
	}
	a := art(c, ta.msg.ArchiveHash)
	if a.Status != storagepb.ArtStatus_ART_REJECTED || !bytes.Contains([]byte(a.RejectReason), []byte("not attested in time")) {
		t.Fatalf("status %v reason %q", a.Status, a.RejectReason)
	}
}

// TestForgeriesRejectedStateUnchanged: confirmations by masternodes that do
// not hold the chunk, attestations from masternodes not drawn, bad tickets.
func TestForgeriesRejectedStateUnchanged(t *testing.T) {
	c := newChain(t, nil)
	c.Block()
	ta := makeArt(t, 1, 10_000, 0x1234)
	c.Exec(c.Keys[6], 0, apptest.Msg(storagepb.MsgRegisterArtType, ta.msg))
	a := art(c, ta.msg.ArchiveHash)
	holders := map[string]bool{}
	for _, h := range (storage.Keeper{}).Holders(c.Ctx(), a.Id, 0, 0) {
		holders[h.Masternode] = true
	}
	attesters := map[string]bool{}
	for _, at := range a.Attestations {
		attesters[at.Attester] = true
	}
	var outsider, nonAttester secp256k1.PrivKey
	for i := 0; i < nMasternodes; i++ {
		addr := c.Keys[i].PubKey().Address().String()
		if !holders[addr] {
			outsider = c.Keys[i]
		}
		if !attesters[addr] {
			nonAttester = c.Keys[i]
		}
	}
	bad := func(name string, k secp256k1.PrivKey, want *types.Error, msg *types.Error, m ...any) {
		t.Run(name, func(t *testing.T) {
			before := c.App.Hash()
			_ = msg
			var res = c.Block(c.Sign(k, apptest.Msg(m[0].(string), m[1].(proto.Message)))).TxResults[0]
			if res.Code != want.Code {
				t.Fatalf("code %d (%s), want %d", res.Code, res.Log, want.Code)
			}
			// Only the fee and nonce moved: compare the art and commitments.
			after := art(c, a.Id)
			if after.Status != a.Status || len((storage.Keeper{}).Holders(c.Ctx(), a.Id, 0, 0)) != len(holders) {
				t.Fatal("art state changed")
			}
			_ = before
		})
	}
	bad("confirm by non-holder", outsider, storage.ErrNotCommitted, nil, storagepb.MsgConfirmChunksType,
		&storagepb.MsgConfirmChunks{ArtId: a.Id, Chunks: []*storagepb.ChunkRef{{Stripe: 0, Index: 0}}})
	bad("confirm by non-masternode", c.Keys[7], storage.ErrNoMasternode, nil, storagepb.MsgConfirmChunksType,
		&storagepb.MsgConfirmChunks{ArtId: a.Id, Chunks: []*storagepb.ChunkRef{{Stripe: 0, Index: 0}}})
	bad("confirm index out of range", c.Keys[0], storage.ErrNotCommitted, nil, storagepb.MsgConfirmChunksType,
		&storagepb.MsgConfirmChunks{ArtId: a.Id, Chunks: []*storagepb.ChunkRef{{Stripe: 9, Index: 999}}})
	bad("attest by non-selected", nonAttester, storage.ErrNotAttester, nil, storagepb.MsgAttestType,
		&storagepb.MsgAttest{ArtId: a.Id, Fingerprint: 0x1234, Ok: true})
	bad("attest by a collector", c.Keys[7], storage.ErrNotAttester, nil, storagepb.MsgAttestType,
		&storagepb.MsgAttest{ArtId: a.Id, Fingerprint: 0x1234, Ok: true})
	tb := makeArt(t, 2, 10_000, 0xf0f0f0f0)
	short := proto.Clone(tb.msg).(*storagepb.MsgRegisterArt)
	short.ChunkIds = short.ChunkIds[:len(short.ChunkIds)-1]
	bad("ticket missing a chunk id", c.Keys[7], storage.ErrBadTicket, nil, storagepb.MsgRegisterArtType, short)
	wrongSize := proto.Clone(tb.msg).(*storagepb.MsgRegisterArt)
	wrongSize.ArchiveSize *= 3
	bad("ticket with wrong size", c.Keys[7], storage.ErrBadTicket, nil, storagepb.MsgRegisterArtType, wrongSize)
	cheap := proto.Clone(tb.msg).(*storagepb.MsgRegisterArt)
	cheap.MaxFee = 1
	bad("fee above max_fee", c.Keys[7], storage.ErrFeeTooHigh, nil, storagepb.MsgRegisterArtType, cheap)
	again := proto.Clone(ta.msg).(*storagepb.MsgRegisterArt)
	again.Fingerprint = 0x0f0f0f0f0f0f0f0f
	bad("same archive twice", c.Keys[7], storage.ErrArtExists, nil, storagepb.MsgRegisterArtType, again)
	c.CheckSupply()
}

func TestEditionsTransferAndAtomicSale(t *testing.T) {
	c := newChain(t, nil)
	c.Block()
	artist, buyer := c.Keys[6], c.Keys[7]
	ta := makeArt(t, 1, 10_000, 0x1234)
	c.Exec(artist, 0, apptest.Msg(storagepb.MsgRegisterArtType, ta.msg))
	id := ta.msg.ArchiveHash
	k := storage.Keeper{}
	c.Exec(buyer, storage.ErrNotOwner.Code, apptest.Msg(storagepb.MsgTransferEditionType, &storagepb.MsgTransferEdition{ArtId: id, Edition: 1, To: buyer.PubKey().Address().String()}))
	c.Exec(artist, 0, apptest.Msg(storagepb.MsgTransferEditionType, &storagepb.MsgTransferEdition{ArtId: id, Edition: 1, To: buyer.PubKey().Address().String()}))
	if o, _ := k.EditionOwner(c.Ctx(), id, 1); o != buyer.PubKey().Address() {
		t.Fatal("transfer did not move edition 1")
	}
	if !k.CanDownload(c.Ctx(), buyer.PubKey().Address(), id) {
		t.Fatal("new owner cannot download")
	}
	const price = 5_000_000_000
	c.Exec(artist, 0, apptest.Msg(storagepb.MsgOfferEditionType, &storagepb.MsgOfferEdition{ArtId: id, Edition: 2, Price: price}))
	c.Exec(buyer, storage.ErrPrice.Code, apptest.Msg(storagepb.MsgAcceptOfferType, &storagepb.MsgAcceptOffer{ArtId: id, Edition: 2, MaxPrice: price - 1}))
	sellerBefore := c.App.Bank().Balance(c.Ctx(), artist.PubKey().Address())
	c.Exec(buyer, 0, apptest.Msg(storagepb.MsgAcceptOfferType, &storagepb.MsgAcceptOffer{ArtId: id, Edition: 2, MaxPrice: price}))
	if o, _ := k.EditionOwner(c.Ctx(), id, 2); o != buyer.PubKey().Address() {
		t.Fatal("sale did not move edition 2")
	}
	if got := c.App.Bank().Balance(c.Ctx(), artist.PubKey().Address()) - sellerBefore; got != price {
		t.Fatalf("seller got %d", got)
	}
	c.Exec(buyer, storage.ErrNoOffer.Code, apptest.Msg(storagepb.MsgAcceptOfferType, &storagepb.MsgAcceptOffer{ArtId: id, Edition: 2, MaxPrice: price}))
	// A buyer who cannot pay gets nothing: neither coins nor edition move.
	poor := apptest.Key(40)
	c.Exec(c.Keys[7], 0, apptest.Msg(bank.MsgSendType, sendTo(poor.PubKey().Address(), apptest.Fee*3)))
	c.Exec(artist, 0, apptest.Msg(storagepb.MsgOfferEditionType, &storagepb.MsgOfferEdition{ArtId: id, Edition: 3, Price: price}))
	c.Exec(poor, types.ErrInsufficientFunds.Code, apptest.Msg(storagepb.MsgAcceptOfferType, &storagepb.MsgAcceptOffer{ArtId: id, Edition: 3, MaxPrice: price}))
	if o, _ := k.EditionOwner(c.Ctx(), id, 3); o != artist.PubKey().Address() {
		t.Fatal("edition moved without payment")
	}
	c.CheckSupply()
}

func TestExitMovesCommitmentsThenUnlocks(t *testing.T) {
	c := newChain(t, nil)
	c.Block()
	ta := makeArt(t, 1, 20_000, 0x1234)
	c.Exec(c.Keys[6], 0, apptest.Msg(storagepb.MsgRegisterArtType, ta.msg))
	confirmAll(t, c, ta)
	k := storage.Keeper{}
	leaver := c.Keys[0]
	la := leaver.PubKey().Address()
	m, _ := k.Masternode(c.Ctx(), la)
	if m.Commitments == 0 {
		t.Skip("masternode 0 holds nothing in this placement")
	}
	c.Exec(leaver, 0, apptest.Msg(storagepb.MsgExitMasternodeType, &storagepb.MsgExitMasternode{}))
	c.Block()
	if acc := c.App.Bank().Account(c.Ctx(), la); acc.Locked != collateral {
		t.Fatalf("collateral unlocked before commitments moved: locked %d", acc.Locked)
	}
	confirmAll(t, c, ta) // the replacements confirm
	c.Block()
	c.Block()
	if _, ok := k.Masternode(c.Ctx(), la); ok {
		m, _ := k.Masternode(c.Ctx(), la)
		t.Fatalf("masternode still registered with %d commitments", m.Commitments)
	}
	if acc := c.App.Bank().Account(c.Ctx(), la); acc.Locked != 0 {
		t.Fatalf("collateral still locked: %d", acc.Locked)
	}
	a := art(c, ta.msg.ArchiveHash)
	for s, st := range a.Stripes {
		for i := uint32(0); i < st.N; i++ {
			for _, h := range k.Holders(c.Ctx(), a.Id, uint32(s), i) {
				if h.Masternode == la.String() {
					t.Fatal("exited masternode still holds a commitment")
				}
			}
		}
	}
	c.CheckSupply()
}

func TestRegistrationIsDeterministicAcrossRestarts(t *testing.T) {
	run := func(restart bool) []byte {
		c := newChain(t, nil)
		c.Block()
		for i := 0; i < 3; i++ {
			ta := makeArt(t, int64(i), 8_000, uint64(i)*0x1111111111111111)
			c.Exec(c.Keys[6], 0, apptest.Msg(storagepb.MsgRegisterArtType, ta.msg))
			if restart {
				c.Reopen()
			}
			confirmAll(t, c, ta)
			if restart {
				c.Reopen()
			}
		}
		return c.App.Hash()
	}
	if a, b := run(false), run(true); !bytes.Equal(a, b) {
		t.Fatalf("AppHash %X vs %X with restarts", a, b)
	}
}

func sendTo(a types.Address, amt uint64) proto.Message {
	return bankSend(a, amt)
}

// A chunk id standing at two positions (k = 1: the first parity chunk is a
// copy of the data chunk) goes to different masternodes at each while
// enough are eligible, and still gets its full replication when not.
func TestTwinChunksGoToDifferentMasternodes(t *testing.T) {
	for _, r := range []uint32{3, 4} {
		c := newChain(t, func(p *storagepb.Params) { p.Replication = r })
		c.Block()
		ta := makeArt(t, 7, 1000, 0x77)
		if !bytes.Equal(ta.msg.ChunkIds[0], ta.msg.ChunkIds[1]) {
			t.Fatal("the test wants an art whose chunks 0 and 1 are alike (k = 1)")
		}
		c.Exec(c.Keys[6], 0, apptest.Msg(storagepb.MsgRegisterArtType, ta.msg))
		k := storage.Keeper{}
		at := map[string][]uint32{}
		for _, i := range []uint32{0, 1} {
			hs := k.Holders(c.Ctx(), ta.msg.ArchiveHash, 0, i)
			if len(hs) != int(r) {
				t.Fatalf("R=%d: chunk %d has %d holders", r, i, len(hs))
			}
			for _, h := range hs {
				at[h.Masternode] = append(at[h.Masternode], i)
			}
		}
		both := 0
		for _, is := range at {
			if len(is) == 2 {
				both++
			}
		}
		// 6 masternodes: R=3 fits twice apart; R=4 needs 8, so 2 share.
		if want := max(0, 2*int(r)-nMasternodes); both != want {
			t.Fatalf("R=%d: %d masternodes hold both alike chunks, want %d (%v)", r, both, want, at)
		}
	}
}

// A leaving masternode's commitments move at params.max_moves_per_block a
// block: each block gives at most that many of them a replacement, and
// the blocks after go on until every one has.
func TestMovesPerBlockIsAParameter(t *testing.T) {
	const perBlock = 2
	c := newChain(t, func(p *storagepb.Params) { p.MaxMovesPerBlock = perBlock })
	c.Block()
	ta := makeArt(t, 1, 20_000, 0x1234)
	c.Exec(c.Keys[6], 0, apptest.Msg(storagepb.MsgRegisterArtType, ta.msg))
	confirmAll(t, c, ta)
	k := storage.Keeper{}
	leaver, held := c.Keys[0], uint64(0)
	for i := range nMasternodes {
		if m, _ := k.Masternode(c.Ctx(), c.Keys[i].PubKey().Address()); m.Commitments > held {
			leaver, held = c.Keys[i], m.Commitments
		}
	}
	if held <= 2*perBlock {
		t.Fatalf("the busiest masternode holds %d commitments: too few to see the bound", held)
	}
	la := leaver.PubKey().Address().String()
	a := art(c, ta.msg.ArchiveHash)
	replaced := func() (n uint64) {
		for s, st := range a.Stripes {
			for i := range st.N {
				for _, h := range k.Holders(c.Ctx(), a.Id, uint32(s), i) {
					if h.Replaces == la {
						n++
					}
				}
			}
		}
		return n
	}
	c.Exec(leaver, 0, apptest.Msg(storagepb.MsgExitMasternodeType, &storagepb.MsgExitMasternode{}))
	last, blocks := replaced(), 1
	for last < held {
		if blocks > int(held) {
			t.Fatalf("%d of %d commitments moved after %d blocks", last, held, blocks)
		}
		c.Block()
		blocks++
		now := replaced()
		if now-last > perBlock || now == last {
			t.Fatalf("block %d moved %d commitments, want 1 to %d", blocks, now-last, perBlock)
		}
		last = now
	}
	if want := int((held + perBlock - 1) / perBlock); blocks < want {
		t.Fatalf("%d commitments moved in %d blocks, at most %d a block needs %d", held, blocks, perBlock, want)
	}
}
