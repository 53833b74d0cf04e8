package storage

import (
	"golang.org/x/crypto/sha3"

	"github.com/pastelchain/pastel/crypto/artcrypt"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// Content keys of encrypted arts (crypto/artcrypt). The chain never sees a
// content key: it keeps the key wrapped to each reader's public key
// (kw/<art><reader>) and checks of every new wrap what it can without the
// key: the format and curve point, that it names the reader's key, and
// that its ephemeral key was never used for this art (a replay). The
// reader's wallet checks that the wrap opens and matches the ticket's
// key_check (and does so before it pays for an edition: see art accept).

var ErrBadKeyWrap = types.Register(ModuleName, 45, "invalid content key wrap")

func keyWrapKey(art []byte, reader types.Address) []byte { return key(pKeyWrap, art, reader[:]) }

// KeyWrapKey is the full store key (for proofs) of the content key wrapped
// to reader.
func KeyWrapKey(art []byte, reader types.Address) []byte {
	return key([]byte(ModuleName+"/"), keyWrapKey(art, reader))
}

func usedWrapKey(art, wrap []byte) []byte {
	h := sha3.Sum256(artcrypt.Ephemeral(wrap))
	return key(pUsedWrap, art, h[:16])
}

// KeyWrap returns the content key of art wrapped to reader.
func (k Keeper) KeyWrap(ctx *types.Context, art []byte, reader types.Address) (*storagepb.KeyWrap, bool) {
	w := &storagepb.KeyWrap{}
	return w, k.get(ctx, keyWrapKey(art, reader), w)
}

// checkKeyWrap checks w as the wrap of art's content key to reader.
func (k Keeper) checkKeyWrap(ctx *types.Context, art []byte, w *storagepb.KeyWrap, reader types.Address, who string) error {
	if w == nil || len(w.Wrap) == 0 {
		return ErrBadKeyWrap.Wrapf("the art is encrypted: the content key must be wrapped to %s %s (key)", who, reader)
	}
	pub, err := secp256k1.PubKeyFromBytes(w.RecipientPubKey)
	if err != nil {
		return ErrBadKeyWrap.Wrapf("recipient public key: %v", err)
	}
	if a := pub.Address(); a != reader {
		return ErrBadKeyWrap.Wrapf("the key is wrapped to %s, not to %s %s", a, who, reader)
	}
	if err := artcrypt.CheckWrap(w.Wrap); err != nil {
		return ErrBadKeyWrap.Wrapf("%v", err)
	}
	if k.kv(ctx).Has(usedWrapKey(art, w.Wrap)) {
		return ErrBadKeyWrap.Wrapf("this wrap was used before for art %s (a replay): wrap the key again", hexID(art))
	}
	return nil
}

// storeKeyWrap keeps w as reader's key of art and marks its ephemeral key
// used.
func (k Keeper) storeKeyWrap(ctx *types.Context, art []byte, reader types.Address, w *storagepb.KeyWrap) {
	k.set(ctx, keyWrapKey(art, reader), w)
	k.kv(ctx).Set(usedWrapKey(art, w.Wrap), types.Marker)
}

// dropKeyWrapOfFormerOwner removes the wrap of owner once it owns no edition
// of art. (Its wallet may have kept the key: the chain only stops serving
// it.)
func (k Keeper) dropKeyWrapOfFormerOwner(ctx *types.Context, art []byte, owner types.Address) {
	if !k.ownsEdition(ctx, owner, art) {
		k.kv(ctx).Delete(keyWrapKey(art, owner))
	}
}

// noKeyForPublic refuses a key on a public art.
func noKeyForPublic(a *storagepb.Art, w *storagepb.KeyWrap) error {
	if !a.Encrypted && w != nil {
		return ErrBadKeyWrap.Wrapf("art %s is public: it has no content key to wrap", hexID(a.Id))
	}
	return nil
}

// shareKey: the artist of a pending encrypted art wraps its key to the
// drawn attesters (who must decrypt the image to fingerprint it).
func (k Keeper) shareKey(ctx *types.Context, signer types.Address, m *storagepb.MsgShareKey) error {
	a, ok := k.Art(ctx, m.ArtId)
	if !ok {
		return ErrNoArt.Wrapf("%s", hexID(m.ArtId))
	}
	if a.Artist != signer.String() {
		return ErrNotOwner.Wrapf("only the artist %s shares the key of art %s", a.Artist, hexID(a.Id))
	}
	if !a.Encrypted {
		return ErrBadKeyWrap.Wrapf("art %s is public: there is no key to share", hexID(a.Id))
	}
	if a.Status != storagepb.ArtStatus_ART_PENDING {
		return ErrArtNotPending.Wrapf("art %s is %s: attestation is over", hexID(a.Id), a.Status)
	}
	attester := map[types.Address]bool{}
	for _, at := range a.Attestations {
		if ad, err := secp256k1.ParseAddress(at.Attester); err == nil && !at.Done {
			attester[ad] = true
		}
	}
	seen := map[types.Address]bool{}
	for _, w := range m.Keys {
		pub, err := secp256k1.PubKeyFromBytes(w.RecipientPubKey)
		if err != nil {
			return ErrBadKeyWrap.Wrapf("recipient public key: %v", err)
		}
		to := pub.Address()
		if !attester[to] {
			return ErrNotAttester.Wrapf("%s is not an attester of art %s still to attest", to, hexID(a.Id))
		}
		if seen[to] {
			return ErrBadKeyWrap.Wrapf("two wraps for attester %s", to)
		}
		seen[to] = true
		if err := k.checkKeyWrap(ctx, a.Id, w, to, "attester"); err != nil {
			return err
		}
		k.storeKeyWrap(ctx, a.Id, to, w)
	}
	ctx.EmitEvent("key_shared", "art_id", hexID(a.Id), "attesters", types.U64(uint64(len(m.Keys))))
	return nil
}
