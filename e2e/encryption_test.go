package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha3"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/artio"
	"github.com/pastelchain/pastel/client/keyring"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/crypto/artcrypt"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// ticketOf reads the art ticket from node n.
func ticketOf(t *testing.T, n *node, id string) *storagepb.Art {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := n.client().Query(ctx, "/storage/art/"+id, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	a := &storagepb.Art{}
	if err := proto.Unmarshal(r.Value, a); err != nil {
		t.Fatal(err)
	}
	return a
}

// everyChunkOnDisk rebuilds an art from the chunk files of every masternode,
// as a coalition of all of them could.
func everyChunkOnDisk(t *testing.T, sn *storageNet, a *storagepb.Art) []byte {
	t.Helper()
	d, err := codec.NewDecoder(artio.ManifestOf(a))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range sn.mns {
		root := filepath.Join(m.home, "chunks")
		_ = filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return nil
			}
			if _, err := codec.ParseID(filepath.Base(p)); err != nil {
				return nil
			}
			b, err := os.ReadFile(p)
			if err == nil {
				_ = d.Add(b) // chunks of other arts, and duplicates, are refused
			}
			return nil
		})
	}
	var out bytes.Buffer
	for s := range a.Stripes {
		if !d.Complete(s) {
			t.Fatalf("stripe %d: the masternodes' disks do not hold enough chunks", s)
		}
	}
	if _, err := d.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestEncryptedArtIsOwnerOnly: an art is encrypted on the artist's machine
// by default. Every masternode together holds only ciphertext (no image,
// no archive); the owner downloads the original; after a transfer and after
// a sale the new owner can, a key that owns nothing cannot; a wrong key
// wrap is refused before anyone pays. --public stores an art readable by
// anyone who has its chunks.
func TestEncryptedArtIsOwnerOnly(t *testing.T) {
	sn := newStorageNet(t, 1, 4, map[string]string{"storage.params.replication": "3", "storage.params.attest_window": "400"})
	n := sn.nodes[0]
	dir := t.TempDir()
	p := filepath.Join(dir, "secret.png")
	writePNG(t, p, painting(4711, 360, 240))
	img, _ := os.ReadFile(p)
	id, err := sn.register(t, p, "faucet", "Owner only")
	if err != nil {
		t.Fatal(err)
	}
	a := ticketOf(t, n, id)
	if !a.Encrypted || len(a.KeyCheck) != 32 {
		t.Fatalf("the default registration is not encrypted: %+v", a)
	}
	var shown struct {
		Encrypted bool `json:"encrypted"`
	}
	if err := json.Unmarshal([]byte(run(t, "art", "show", id, "-o", "json", "--node", n.rpc)), &shown); err != nil || !shown.Encrypted {
		t.Fatalf("art show does not say encrypted: %v", err)
	}

	// All masternodes pooling their disks rebuild the stored archive (its
	// hash is the art id: healing and proofs work on it), and it is
	// ciphertext: no image bytes, not an archive.
	stored := everyChunkOnDisk(t, sn, a)
	if h := sha3.Sum256(stored); hex.EncodeToString(h[:]) != id {
		t.Fatalf("the chunks rebuild to %x, not the art id %s", h, id)
	}
	if bytes.Contains(stored, img[100:164]) {
		t.Fatal("image bytes are readable in what the masternodes store")
	}
	if _, err := codec.ReadArchive(bytes.NewReader(stored), codec.ExtractLimits{}, func(codec.FileInfo, io.Reader) error { return nil }); err == nil {
		t.Fatal("the stored archive reads as an archive without the key")
	}

	// The attesters decrypted and fingerprinted it (it is active with the
	// artist's fingerprint), so an edited copy is still refused.
	cp := filepath.Join(dir, "copy.jpg")
	writeJPEG(t, cp, painting(4711, 360, 240), 70)
	if _, err := sn.register(t, cp, "faucet", "Copy"); err == nil || !strings.Contains(err.Error(), "near-duplicate") {
		t.Fatalf("a recompressed copy of an encrypted art: %v", err)
	}

	get := func(key, to string) error { return sn.download(t, id, key, filepath.Join(dir, to)) }
	same := func(to string) {
		t.Helper()
		got, err := os.ReadFile(filepath.Join(dir, to, "secret.png"))
		if err != nil || !bytes.Equal(got, img) {
			t.Fatalf("%s: not the original image: %v", to, err)
		}
	}
	if err := get("faucet", "artist"); err != nil {
		t.Fatal(err)
	}
	same("artist")

	// A transfer re-wraps the key to the recipient, who never signed a
	// transaction (its public key comes from the keyring).
	run(t, append([]string{"keys", "add", "alice"}, "--home", n.home, "--keyring-backend", "test")...)
	run(t, append([]string{"art", "transfer", id, "1", "alice", "--from", "faucet", "--yes"}, n.keyArgs()...)...)
	if err := get("alice", "alice"); err != nil {
		t.Fatalf("the new owner cannot download: %v", err)
	}
	same("alice")

	// A sale: the offer carries the key wrapped to the named buyer, whose
	// wallet checks it opens before paying.
	run(t, append([]string{"keys", "add", "bob"}, "--home", n.home, "--keyring-backend", "test")...)
	run(t, append([]string{"tx", "bank", "send", "faucet", "bob", "10psl", "--yes"}, n.keyArgs()...)...)
	if out, err := pasteldCmd(append([]string{"art", "offer", id, "2", "1psl", "--from", "faucet", "--yes"}, n.keyArgs()...)...); err == nil || !strings.Contains(out, "--buyer") {
		t.Fatalf("an offer of an encrypted art without a buyer: %v\n%s", err, out)
	}
	// A dishonest seller offers with a well-formed wrap to bob of some other
	// key: the chain cannot tell, bob's wallet can, and it does not pay.
	kr, err := keyring.Open(n.home, keyring.BackendTest, nil)
	if err != nil {
		t.Fatal(err)
	}
	faucet, _ := kr.PrivKey("faucet")
	bobKey, _ := kr.PrivKey("bob")
	bogus, _ := artcrypt.NewKey(rand.Reader)
	w, err := artcrypt.Wrap(rand.Reader, bobKey.PubKey(), bogus, a.Id)
	if err != nil {
		t.Fatal(err)
	}
	cheat, _ := tx.Msg(storagepb.MsgOfferEditionType, &storagepb.MsgOfferEdition{ArtId: a.Id, Edition: 2, Price: 1_000_000_000,
		Buyer: bobKey.PubKey().Address().String(), Key: &storagepb.KeyWrap{RecipientPubKey: bobKey.PubKey().Bytes(), Wrap: w}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := n.client()
	raw, err := c.Sign(ctx, faucet, 0, "", cheat)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.Broadcast(ctx, raw, 20*time.Second); err != nil || res.Code != 0 {
		t.Fatalf("the bogus offer (well-formed, so the chain takes it): %v %+v", err, res)
	}
	bobBefore := balanceOf(t, n, bobKey.PubKey().Address().String(), false)
	if out, err := pasteldCmd(append([]string{"art", "accept", id, "2", "--max-price", "1psl", "--from", "bob", "--yes"}, n.keyArgs()...)...); err == nil || !strings.Contains(out, "not buying") {
		t.Fatalf("bob accepted an offer whose key does not open: %v\n%s", err, out)
	}
	if got := balanceOf(t, n, bobKey.PubKey().Address().String(), false); got != bobBefore {
		t.Fatalf("bob paid for a bogus key: %d -> %d", bobBefore, got)
	}
	run(t, append([]string{"art", "offer", id, "2", "1psl", "--buyer", "bob", "--from", "faucet", "--yes"}, n.keyArgs()...)...)
	run(t, append([]string{"art", "accept", id, "2", "--max-price", "1psl", "--from", "bob", "--yes"}, n.keyArgs()...)...)
	if err := get("bob", "bob"); err != nil {
		t.Fatalf("the buyer cannot download: %v", err)
	}
	same("bob")

	// The artist sold both editions: the chain no longer serves it the key
	// (it may have kept it: the README says so).
	if err := get("faucet", "former"); err == nil || !strings.Contains(err.Error(), "owns no edition") {
		t.Fatalf("the former owner downloaded: %v", err)
	}
	run(t, append([]string{"keys", "add", "stranger"}, "--home", n.home, "--keyring-backend", "test")...)
	if err := get("stranger", "stranger"); err == nil || !strings.Contains(err.Error(), "owns no edition") {
		t.Fatalf("a stranger downloaded: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "stranger", "secret.png")); err == nil {
		t.Fatal("a file was written for the stranger")
	}

	// A public art is stored as it is.
	pp := filepath.Join(dir, "public.png")
	writePNG(t, pp, painting(4712, 300, 200))
	out := run(t, append([]string{"art", "register", pp, "--title", "Public", "--public", "--from", "faucet", "--chunk-size", "16KiB", "--redundancy", "6",
		"--yes", "-o", "json", "--quiet", "--activation-timeout", "90s"}, n.keyArgs()...)...)
	var r registered
	if err := json.Unmarshal([]byte(out[strings.LastIndex(out, "{\n  \"art_id\""):]), &r); err != nil {
		t.Fatal(err)
	}
	pa := ticketOf(t, n, r.ArtID)
	if pa.Encrypted {
		t.Fatal("--public registered an encrypted art")
	}
	if _, err := codec.ReadArchive(bytes.NewReader(everyChunkOnDisk(t, sn, pa)), codec.ExtractLimits{}, func(codec.FileInfo, io.Reader) error { return nil }); err != nil {
		t.Fatalf("a public art's chunks do not rebuild to its archive: %v", err)
	}
}
