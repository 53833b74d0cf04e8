package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/app/apptest"
	"github.com/pastelchain/pastel/crypto/artcrypt"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	pstore "github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

func wrapTo(t *testing.T, to secp256k1.PrivKey, ck artcrypt.Key, art []byte) *storagepb.KeyWrap {
	w, err := artcrypt.Wrap(rand.Reader, to.PubKey(), ck, art)
	if err != nil {
		t.Fatal(err)
	}
	return &storagepb.KeyWrap{RecipientPubKey: to.PubKey().Bytes(), Wrap: w}
}

// TestEncryptedArtKeyRules: the chain keeps an encrypted art's content key
// only wrapped to its readers, and refuses (changing nothing) a wrap that
// is missing, for another key, malformed, truncated or replayed; transfers
// and sales hand the key to the new owner and stop serving it to a former
// one; attesters get it from the artist only.
func TestEncryptedArtKeyRules(t *testing.T) {
	c := newChain(t, nil)
	c.Block()
	artist, buyer := c.Keys[6], c.Keys[7]
	k := storage.Keeper{}
	ck, _ := artcrypt.NewKey(rand.Reader)
	ta := makeArt(t, 7, 10_000, 0x7777)
	id := ta.msg.ArchiveHash
	reg := func(edit func(m *storagepb.MsgRegisterArt)) *storagepb.MsgRegisterArt {
		m := proto.Clone(ta.msg).(*storagepb.MsgRegisterArt)
		m.Encrypted, m.KeyCheck, m.ArtistKey = true, artcrypt.KeyCheck(ck), wrapTo(t, artist, ck, id)
		if edit != nil {
			edit(m)
		}
		return m
	}
	truncated := reg(nil)
	truncated.ArtistKey.Wrap = truncated.ArtistKey.Wrap[:artcrypt.WrapSize-1]
	for name, m := range map[string]*storagepb.MsgRegisterArt{
		"no wrap":            reg(func(m *storagepb.MsgRegisterArt) { m.ArtistKey = nil }),
		"wrap to the buyer":  reg(func(m *storagepb.MsgRegisterArt) { m.ArtistKey = wrapTo(t, buyer, ck, id) }),
		"truncated wrap":     truncated,
		"short key check":    reg(func(m *storagepb.MsgRegisterArt) { m.KeyCheck = m.KeyCheck[:16] }),
		"public with a wrap": reg(func(m *storagepb.MsgRegisterArt) { m.Encrypted = false }),
	} {
		want := storage.ErrBadKeyWrap.Code
		if name == "short key check" || name == "public with a wrap" {
			want = storage.ErrBadTicket.Code
		}
		r := c.Exec(artist, want, apptest.Msg(storagepb.MsgRegisterArtType, m))
		if _, ok := k.Art(c.Ctx(), id); ok {
			t.Fatalf("%s: refused (%s) but the art exists", name, r.Log)
		}
	}
	c.Exec(artist, 0, apptest.Msg(storagepb.MsgRegisterArtType, reg(nil)))
	a := art(c, id)
	if !a.Encrypted || !bytes.Equal(a.KeyCheck, artcrypt.KeyCheck(ck)) {
		t.Fatalf("ticket: encrypted %v key_check %x", a.Encrypted, a.KeyCheck)
	}
	mine, ok := k.KeyWrap(c.Ctx(), id, artist.PubKey().Address())
	if !ok {
		t.Fatal("no key wrap for the artist")
	}
	if got, err := artcrypt.Unwrap(artist, mine.Wrap, id); err != nil || got != ck {
		t.Fatalf("the artist's stored wrap does not open to the key: %v", err)
	}
	// The query path serves it (provable: a single store key).
	if r := c.Query("/storage/keywrap/" + hex.EncodeToString(id) + "/" + artist.PubKey().Address().String()); !bytes.Equal(r.Value, mustMarshal(t, mine)) {
		t.Fatalf("keywrap query does not return the stored wrap: code %d %s, %x", r.Code, r.Log, r.Value)
	}

	// Attesters get the key from the artist only, and only attesters.
	var attesters []secp256k1.PrivKey
	for _, at := range a.Attestations {
		for i := 0; i < nMasternodes; i++ {
			if c.Keys[i].PubKey().Address().String() == at.Attester {
				attesters = append(attesters, c.Keys[i])
			}
		}
	}
	share := &storagepb.MsgShareKey{ArtId: id}
	for _, at := range attesters {
		share.Keys = append(share.Keys, wrapTo(t, at, ck, id))
	}
	c.Exec(buyer, storage.ErrNotOwner.Code, apptest.Msg(storagepb.MsgShareKeyType, share))
	c.Exec(artist, storage.ErrNotAttester.Code, apptest.Msg(storagepb.MsgShareKeyType, &storagepb.MsgShareKey{ArtId: id, Keys: []*storagepb.KeyWrap{wrapTo(t, buyer, ck, id)}}))
	c.Exec(artist, 0, apptest.Msg(storagepb.MsgShareKeyType, share))
	for _, at := range attesters {
		w, ok := k.KeyWrap(c.Ctx(), id, at.PubKey().Address())
		if got, err := artcrypt.Unwrap(at, w.Wrap, id); !ok || err != nil || got != ck {
			t.Fatalf("attester %s cannot open its key: %v", at.PubKey().Address(), err)
		}
	}
	// The same wraps again are replays.
	c.Exec(artist, storage.ErrBadKeyWrap.Code, apptest.Msg(storagepb.MsgShareKeyType, share))

	// A transfer carries the key wrapped to the recipient.
	to := buyer.PubKey().Address().String()
	for name, w := range map[string]*storagepb.KeyWrap{
		"no key":                    nil,
		"key wrapped to the artist": wrapTo(t, artist, ck, id),
		"replay of the artist wrap": {RecipientPubKey: buyer.PubKey().Bytes(), Wrap: mine.Wrap},
	} {
		r := c.Exec(artist, storage.ErrBadKeyWrap.Code, apptest.Msg(storagepb.MsgTransferEditionType, &storagepb.MsgTransferEdition{ArtId: id, Edition: 1, To: to, Key: w}))
		if o, _ := k.EditionOwner(c.Ctx(), id, 1); o != artist.PubKey().Address() {
			t.Fatalf("%s: refused (%s) but the edition moved", name, r.Log)
		}
		if _, ok := k.KeyWrap(c.Ctx(), id, buyer.PubKey().Address()); ok {
			t.Fatalf("%s: refused but the buyer has a key", name)
		}
	}
	c.Exec(artist, 0, apptest.Msg(storagepb.MsgTransferEditionType, &storagepb.MsgTransferEdition{ArtId: id, Edition: 1, To: to, Key: wrapTo(t, buyer, ck, id)}))
	if w, ok := k.KeyWrap(c.Ctx(), id, buyer.PubKey().Address()); !ok {
		t.Fatal("the recipient has no key")
	} else if got, err := artcrypt.Unwrap(buyer, w.Wrap, id); err != nil || got != ck {
		t.Fatalf("the recipient's key does not open: %v", err)
	}
	// The artist still owns editions 2 and 3: it keeps its key.
	if _, ok := k.KeyWrap(c.Ctx(), id, artist.PubKey().Address()); !ok {
		t.Fatal("the artist lost its key while still owning editions")
	}

	// A sale: the offer names the buyer and carries its wrap; accepting
	// hands it over. Offers without a buyer are refused on encrypted art.
	collector := apptest.Key(41)
	c.Exec(c.Keys[7], 0, apptest.Msg(bank.MsgSendType, sendTo(collector.PubKey().Address(), 100*apptest.Fee)))
	c.Exec(artist, storage.ErrBadKeyWrap.Code, apptest.Msg(storagepb.MsgOfferEditionType, &storagepb.MsgOfferEdition{ArtId: id, Edition: 2, Price: 10}))
	c.Exec(artist, storage.ErrBadKeyWrap.Code, apptest.Msg(storagepb.MsgOfferEditionType, &storagepb.MsgOfferEdition{ArtId: id, Edition: 2, Price: 10, Buyer: collector.PubKey().Address().String(), Key: wrapTo(t, buyer, ck, id)}))
	c.Exec(artist, 0, apptest.Msg(storagepb.MsgOfferEditionType, &storagepb.MsgOfferEdition{ArtId: id, Edition: 2, Price: 10, Buyer: collector.PubKey().Address().String(), Key: wrapTo(t, collector, ck, id)}))
	c.Exec(collector, 0, apptest.Msg(storagepb.MsgAcceptOfferType, &storagepb.MsgAcceptOffer{ArtId: id, Edition: 2, MaxPrice: 10}))
	if w, ok := k.KeyWrap(c.Ctx(), id, collector.PubKey().Address()); !ok {
		t.Fatal("the buyer got no key")
	} else if got, err := artcrypt.Unwrap(collector, w.Wrap, id); err != nil || got != ck {
		t.Fatalf("the buyer's key does not open: %v", err)
	}
	// The artist gives away its last edition: the chain stops serving it
	// the key.
	c.Exec(artist, 0, apptest.Msg(storagepb.MsgTransferEditionType, &storagepb.MsgTransferEdition{ArtId: id, Edition: 3, To: to, Key: wrapTo(t, buyer, ck, id)}))
	if _, ok := k.KeyWrap(c.Ctx(), id, artist.PubKey().Address()); ok {
		t.Fatal("a former owner's key is still served")
	}
	c.CheckSupply()
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKeyWrapAbsenceProof(t *testing.T) {
	c := newChain(t, nil)
	c.Block()
	artist := c.Keys[6]
	ck, _ := artcrypt.NewKey(rand.Reader)
	ta := makeArt(t, 8, 10_000, 0x1111)
	id := ta.msg.ArchiveHash
	m := proto.Clone(ta.msg).(*storagepb.MsgRegisterArt)
	m.Encrypted, m.KeyCheck, m.ArtistKey = true, artcrypt.KeyCheck(ck), wrapTo(t, artist, ck, id)
	c.Exec(artist, 0, apptest.Msg(storagepb.MsgRegisterArtType, m))
	for _, who := range []secp256k1.PrivKey{artist, c.Keys[7]} {
		path := "/storage/keywrap/" + hex.EncodeToString(id) + "/" + who.PubKey().Address().String()
		r, err := c.App.Query(context.Background(), &abci.RequestQuery{Path: path, Prove: true})
		if err != nil || r.Code != 0 {
			t.Fatal(err, r.Log)
		}
		if err := pstore.VerifyProof(c.App.Hash(), r.Key, r.Value, r.ProofOps); err != nil {
			t.Fatalf("%s (value %d bytes): %v", who.PubKey().Address(), len(r.Value), err)
		}
	}
}
