package storage

import (
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

func (k Keeper) ownedEdition(ctx *types.Context, signer types.Address, id []byte, ed uint32) (*storagepb.Art, error) {
	art, ok := k.Art(ctx, id)
	if !ok {
		return nil, ErrNoArt.Wrapf("%s", hexID(id))
	}
	if art.Status == storagepb.ArtStatus_ART_REJECTED {
		return nil, ErrArtNotActive.Wrapf("art %s was rejected: %s", hexID(id), art.RejectReason)
	}
	owner, ok := k.EditionOwner(ctx, id, ed)
	if !ok {
		return nil, ErrNotOwner.Wrapf("art %s has no edition %d (it has %d)", hexID(id), ed, art.Editions)
	}
	if owner != signer {
		return nil, ErrNotOwner.Wrapf("edition %d of art %s belongs to %s", ed, hexID(id), owner)
	}
	return art, nil
}

func (k Keeper) transferEdition(ctx *types.Context, signer types.Address, m *storagepb.MsgTransferEdition) error {
	art, err := k.ownedEdition(ctx, signer, m.ArtId, m.Edition)
	if err != nil {
		return err
	}
	to, _ := secp256k1.ParseAddress(m.To)
	if err := noKeyForPublic(art, m.Key); err != nil {
		return err
	}
	if art.Encrypted && to != signer {
		if err := k.checkKeyWrap(ctx, art.Id, m.Key, to, "the recipient"); err != nil {
			return err
		}
		k.storeKeyWrap(ctx, art.Id, to, m.Key)
	}
	k.kv(ctx).Delete(offerKey(m.ArtId, m.Edition))
	k.setEditionOwner(ctx, m.ArtId, m.Edition, to)
	if art.Encrypted {
		k.dropKeyWrapOfFormerOwner(ctx, art.Id, signer)
	}
	ctx.EmitEvent("edition_transferred", "art_id", hexID(m.ArtId), "edition", types.U64(uint64(m.Edition)), "from", signer.String(), "to", m.To)
	return nil
}

func (k Keeper) offerEdition(ctx *types.Context, signer types.Address, m *storagepb.MsgOfferEdition) error {
	art, err := k.ownedEdition(ctx, signer, m.ArtId, m.Edition)
	if err != nil {
		return err
	}
	if err := noKeyForPublic(art, m.Key); err != nil {
		return err
	}
	if art.Encrypted {
		// The seller wraps the key to the buyer now, so that accepting
		// (which the buyer alone signs) hands over a key the buyer's wallet
		// checked before paying.
		buyer, err := secp256k1.ParseAddress(m.Buyer)
		if err != nil {
			return ErrBadKeyWrap.Wrapf("art %s is encrypted: an offer names its buyer, whose key the content key is wrapped to", hexID(art.Id))
		}
		if err := k.checkKeyWrap(ctx, art.Id, m.Key, buyer, "the buyer"); err != nil {
			return err
		}
		k.kv(ctx).Set(usedWrapKey(art.Id, m.Key.Wrap), types.Marker)
	}
	k.set(ctx, offerKey(m.ArtId, m.Edition), &storagepb.Offer{Seller: signer.String(), Price: m.Price, Buyer: m.Buyer, Key: m.Key})
	ctx.EmitEvent("edition_offered", "art_id", hexID(m.ArtId), "edition", types.U64(uint64(m.Edition)), "seller", signer.String(), "price", types.U64(m.Price))
	return nil
}

func (k Keeper) cancelOffer(ctx *types.Context, signer types.Address, m *storagepb.MsgCancelOffer) error {
	if _, err := k.ownedEdition(ctx, signer, m.ArtId, m.Edition); err != nil {
		return err
	}
	if !k.kv(ctx).Has(offerKey(m.ArtId, m.Edition)) {
		return ErrNoOffer.Wrapf("edition %d of art %s is not offered", m.Edition, hexID(m.ArtId))
	}
	k.kv(ctx).Delete(offerKey(m.ArtId, m.Edition))
	ctx.EmitEvent("offer_cancelled", "art_id", hexID(m.ArtId), "edition", types.U64(uint64(m.Edition)))
	return nil
}

// acceptOffer pays the seller and transfers the edition in one step: either
// both happen or neither.
func (k Keeper) acceptOffer(ctx *types.Context, buyer types.Address, m *storagepb.MsgAcceptOffer) error {
	o := &storagepb.Offer{}
	if !k.get(ctx, offerKey(m.ArtId, m.Edition), o) {
		return ErrNoOffer.Wrapf("edition %d of art %s is not offered", m.Edition, hexID(m.ArtId))
	}
	if o.Buyer != "" && o.Buyer != buyer.String() {
		return ErrNoOffer.Wrapf("the offer is reserved for %s", o.Buyer)
	}
	if o.Price > m.MaxPrice {
		return ErrPrice.Wrapf("price is %d npsl, you accept at most %d", o.Price, m.MaxPrice)
	}
	seller, _ := secp256k1.ParseAddress(o.Seller)
	if owner, _ := k.EditionOwner(ctx, m.ArtId, m.Edition); owner != seller {
		return ErrNoOffer.Wrapf("the seller no longer owns the edition")
	}
	if seller == buyer {
		return ErrNoOffer.Wrapf("you cannot buy your own edition")
	}
	if o.Price > 0 {
		if err := k.Bank.Send(ctx, buyer, seller, o.Price); err != nil {
			return err
		}
	}
	k.kv(ctx).Delete(offerKey(m.ArtId, m.Edition))
	k.setEditionOwner(ctx, m.ArtId, m.Edition, buyer)
	if o.Key != nil { // checked and marked used when offered
		k.set(ctx, keyWrapKey(m.ArtId, buyer), o.Key)
		k.dropKeyWrapOfFormerOwner(ctx, m.ArtId, seller)
	}
	ctx.EmitEvent("edition_sold", "art_id", hexID(m.ArtId), "edition", types.U64(uint64(m.Edition)), "seller", o.Seller, "buyer", buyer.String(), "price", types.U64(o.Price))
	return nil
}
