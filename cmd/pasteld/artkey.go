package main

import (
	"context"
	"crypto/rand"
	"crypto/sha3"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/client"
	"github.com/pastelchain/pastel/crypto/artcrypt"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// encryptArchive seals a plaintext archive file under a fresh content key
// into a new temporary file (the art's archive as stored: its hash is the
// art id) and removes the plaintext.
func encryptArchive(plain *archiveFile) (*archiveFile, artcrypt.Key, error) {
	defer plain.remove()
	ck, err := artcrypt.NewKey(rand.Reader)
	if err != nil {
		return nil, ck, err
	}
	f, err := os.CreateTemp("", "pastel-archive-*.sealed")
	if err != nil {
		return nil, ck, fmt.Errorf("temporary archive: %w (set TMPDIR to a folder with room for the image)", err)
	}
	h := sha3.New256()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	if _, err := artcrypt.Encrypt(cw, plain.reader(), ck, nil); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, ck, fmt.Errorf("encrypting the archive: %w", err)
	}
	a := &archiveFile{f: f, size: cw.n, meta: plain.meta}
	h.Sum(a.hash[:0])
	return a, ck, nil
}

// wrapKey wraps ck to pub as a KeyWrap for art id.
func wrapKey(pub secp256k1.PubKey, ck artcrypt.Key, id []byte) (*storagepb.KeyWrap, error) {
	w, err := artcrypt.Wrap(rand.Reader, pub, ck, id)
	if err != nil {
		return nil, err
	}
	return &storagepb.KeyWrap{RecipientPubKey: pub.Bytes(), Wrap: w}, nil
}

// shareKeyWithAttesters sends the content key, wrapped to each attester the
// chain drew for the art, in one transaction from the artist.
func shareKeyWithAttesters(ctx context.Context, cmd *cobra.Command, c *client.Client, key secp256k1.PrivKey, id []byte, ck artcrypt.Key) (int, error) {
	t, err := fetchTicket(ctx, c, id, false)
	if err != nil {
		return 0, err
	}
	msg := &storagepb.MsgShareKey{ArtId: id}
	for _, at := range t.Attestations {
		if at.Done {
			continue
		}
		a, err := secp256k1.ParseAddress(at.Attester)
		if err != nil {
			return 0, err
		}
		pub, err := masternodePubKey(ctx, c, a)
		if err != nil {
			return 0, err
		}
		w, err := wrapKey(pub, ck, id)
		if err != nil {
			return 0, err
		}
		msg.Keys = append(msg.Keys, w)
	}
	if len(msg.Keys) == 0 {
		return 0, nil
	}
	m, err := tx.Msg(storagepb.MsgShareKeyType, msg)
	if err != nil {
		return 0, err
	}
	if _, err := sendTxWithKeyQuiet(cmd, key, m); err != nil {
		return 0, fmt.Errorf("sharing the key with the attesters: %w", err)
	}
	return len(msg.Keys), nil
}

func masternodePubKey(ctx context.Context, c *client.Client, a secp256k1.Address) (secp256k1.PubKey, error) {
	r, err := c.Query(ctx, "/storage/mn/"+a.String(), 0, false)
	if err != nil {
		return secp256k1.PubKey{}, err
	}
	m := &storagepb.Masternode{}
	if err := proto.Unmarshal(r.Value, m); err != nil || len(r.Value) == 0 {
		return secp256k1.PubKey{}, fmt.Errorf("masternode %s: no record on chain", a)
	}
	return secp256k1.PubKeyFromBytes(m.PubKey)
}

// recipientPubKey finds the public key the content key is wrapped to for
// the holder of addr: --recipient-pubkey, a key of the keyring with that
// address, or the key the account signed its transactions with.
func recipientPubKey(ctx context.Context, cmd *cobra.Command, c *client.Client, who string, addr secp256k1.Address) (secp256k1.PubKey, error) {
	if s, _ := cmd.Flags().GetString("recipient-pubkey"); s != "" {
		b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
		if err != nil {
			return secp256k1.PubKey{}, fmt.Errorf("--recipient-pubkey: %w", err)
		}
		pub, err := secp256k1.PubKeyFromBytes(b)
		if err != nil {
			return pub, fmt.Errorf("--recipient-pubkey: %w", err)
		}
		if pub.Address() != addr {
			return pub, fmt.Errorf("--recipient-pubkey is the key of %s, not of %s", pub.Address(), addr)
		}
		return pub, nil
	}
	if kr, err := openKeyring(cmd); err == nil {
		if rec, err := kr.Get(who); err == nil && rec.Address == addr.String() {
			if b, err := hex.DecodeString(rec.PubKey); err == nil {
				return secp256k1.PubKeyFromBytes(b)
			}
		}
	}
	acc, _, err := c.Account(ctx, addr, false)
	if err != nil {
		return secp256k1.PubKey{}, err
	}
	if len(acc.PubKey) == 0 {
		return secp256k1.PubKey{}, fmt.Errorf("the art is encrypted and %s has never signed a transaction, so its public key is unknown: pass --recipient-pubkey (its owner prints it with `pasteld keys show NAME -o json`)", addr)
	}
	return secp256k1.PubKeyFromBytes(acc.PubKey)
}

// errNoKey: the key owns no edition of an encrypted art (nor attests it).
var errNoKey = errors.New("the chain holds no content key wrapped to this key")

// contentKey fetches the content key of an encrypted art wrapped to priv
// (proven against the chain), opens it and checks it against the ticket.
func contentKey(ctx context.Context, c *client.Client, t *storagepb.Art, priv secp256k1.PrivKey) (artcrypt.Key, error) {
	addr := priv.PubKey().Address()
	r, err := c.Query(ctx, "/storage/keywrap/"+hex.EncodeToString(t.Id)+"/"+addr.String(), 0, true)
	if err != nil {
		return artcrypt.Key{}, err
	}
	if len(r.Value) == 0 {
		return artcrypt.Key{}, fmt.Errorf("art %x is encrypted and %s owns no edition of it: %w", t.Id, addr, errNoKey)
	}
	w := &storagepb.KeyWrap{}
	if err := proto.Unmarshal(r.Value, w); err != nil {
		return artcrypt.Key{}, err
	}
	ck, err := artcrypt.Open(priv, w.Wrap, t.Id, t.KeyCheck)
	if errors.Is(err, artcrypt.ErrKeyCheck) {
		return ck, fmt.Errorf("art %x: %w (whoever wrapped it gave you a wrong key)", t.Id, err)
	}
	if err != nil {
		return ck, fmt.Errorf("art %x: %w", t.Id, err)
	}
	return ck, nil
}

// rewrap is the key wrap a transfer or an offer of art t to addr (named who
// on the command line) carries: nil for a public art; for an encrypted one,
// the content key (opened with the sender's own wrap) wrapped to the
// recipient's public key. t is the ticket as proven against the chain.
func rewrap(ctx context.Context, cmd *cobra.Command, c *client.Client, sender secp256k1.PrivKey, t *storagepb.Art, who string, addr secp256k1.Address) (*storagepb.KeyWrap, error) {
	if !t.Encrypted {
		return nil, nil
	}
	ck, err := contentKey(ctx, c, t, sender)
	if err != nil {
		return nil, err
	}
	pub, err := recipientPubKey(ctx, cmd, c, who, addr)
	if err != nil {
		return nil, err
	}
	return wrapKey(pub, ck, t.Id)
}

// checkOfferKey is what a buyer's wallet checks before paying for an
// edition of an encrypted art: the offer (proven against the chain)
// carries the content key wrapped to the buyer, and it opens to the key
// the ticket commits to.
func checkOfferKey(ctx context.Context, c *client.Client, buyer secp256k1.PrivKey, id []byte, ed uint32) error {
	t, err := fetchTicket(ctx, c, id, true)
	if err != nil || !t.Encrypted {
		return err
	}
	r, err := c.Query(ctx, fmt.Sprintf("/storage/offer/%x/%d", id, ed), 0, true)
	if err != nil {
		return err
	}
	o := &storagepb.Offer{}
	if len(r.Value) == 0 {
		return fmt.Errorf("edition %d of art %x is not offered", ed, id)
	}
	if err := proto.Unmarshal(r.Value, o); err != nil {
		return err
	}
	if o.Key == nil {
		return fmt.Errorf("the offer carries no content key: you would pay for ciphertext; not buying")
	}
	if _, err := artcrypt.Open(buyer, o.Key.Wrap, id, t.KeyCheck); err != nil {
		return fmt.Errorf("the seller's key for you does not open to the art's content key (%v): not buying", err)
	}
	return nil
}
