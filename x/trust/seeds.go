package trust

import (
	"bytes"
	"encoding/binary"
	"slices"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// The seed list is set in genesis and changes only through MsgUpdateSeeds:
//
//   - The change names the current seed-set version and a last height; it
//     applies only at that version and height or earlier, and applying it
//     increments the version. A set of approvals is therefore good for one
//     change, once, on one chain (the chain id is in the signed bytes).
//   - It needs approvals from at least two thirds of the current seeds
//     (3·approvals ≥ 2·seeds, and at least one): every SeedApproval is a
//     current seed's key and its signature over SeedChangeSignBytes; the
//     transaction's signer counts as an approval if it is a seed (its
//     transaction signature already covers the change).
//   - The result must hold between 1 and MaxSeeds seeds. A chain whose
//     genesis has no seeds keeps none: nobody can approve a change, and
//     every score stays unknown.

// SeedChangeDomain separates seed-change signatures from every other
// signature in the system.
const SeedChangeDomain = "pastel/trust/UpdateSeeds/v1"

// SeedChangeSignBytes are the bytes a seed signs to approve change on
// chainID: the domain, the length-prefixed chain id and the canonical
// protobuf encoding of the change (which holds the seed-set version and the
// expiry height).
func SeedChangeSignBytes(chainID string, change *trustpb.SeedChange) []byte {
	body, err := marshal.Marshal(change)
	if err != nil {
		panic(err)
	}
	var b bytes.Buffer
	b.WriteString(SeedChangeDomain)
	b.Write(binary.AppendUvarint(nil, uint64(len(chainID))))
	b.WriteString(chainID)
	b.Write(body)
	return b.Bytes()
}

// SignSeedChange returns key's approval of change on chainID.
func SignSeedChange(chainID string, change *trustpb.SeedChange, key secp256k1.PrivKey) *trustpb.SeedApproval {
	return &trustpb.SeedApproval{PubKey: key.PubKey().Bytes(), Signature: key.Sign(SeedChangeSignBytes(chainID, change))}
}

// SeedEntry is a seed with its parsed address.
type SeedEntry struct {
	Address  types.Address
	PreTrust score.Score
}

// Seeds returns the current seeds, by address.
func (k Keeper) Seeds(ctx *types.Context) []SeedEntry { return seedsOf(k.kv(ctx)) }

func seedsOf(kv types.KVStore) []SeedEntry {
	var out []SeedEntry
	forEach(kv, prefixSeed, func(a types.Address, v []byte) {
		var s trustpb.Seed
		mustUnmarshal(v, &s)
		out = append(out, SeedEntry{a, score.Score(s.PreTrust)})
	})
	return out
}

// SeedVersion is the number of seed changes applied since genesis (or the
// genesis value).
func (k Keeper) SeedVersion(ctx *types.Context) uint64 { return getU64(k.kv(ctx), keySeedVersion) }

func (k Keeper) setSeed(ctx *types.Context, a types.Address, pre score.Score) {
	setProto(k.kv(ctx), key(prefixSeed, a), &trustpb.Seed{Address: a.String(), PreTrust: int64(pre)})
}

// maxSeedChangeEntries bounds a change before any state is read.
const maxSeedChangeEntries = maxSeedsLimit

// validateSeedChange checks a MsgUpdateSeeds without state.
func validateSeedChange(m *trustpb.MsgUpdateSeeds) error {
	c := m.GetChange()
	if c == nil {
		return ErrBadSeedChange.Wrapf("no change")
	}
	if len(c.Add)+len(c.Remove) == 0 {
		return ErrBadSeedChange.Wrapf("the change adds and removes nothing")
	}
	if len(c.Add)+len(c.Remove) > maxSeedChangeEntries || len(m.Approvals) > maxSeedChangeEntries {
		return ErrBadSeedChange.Wrapf("more than %d entries or approvals", maxSeedChangeEntries)
	}
	seen := map[types.Address]bool{}
	for i, s := range c.Add {
		a, err := secp256k1.ParseAddress(s.Address)
		if err != nil {
			return types.ErrInvalidAddress.Wrapf("add[%d]: %v", i, err)
		}
		if seen[a] {
			return ErrBadSeedChange.Wrapf("%s is listed twice", a)
		}
		seen[a] = true
		if s.PreTrust <= 0 || s.PreTrust > int64(score.One) {
			return ErrBadSeedChange.Wrapf("add[%d]: pre-trust %v outside (0, 1]", i, score.Score(s.PreTrust))
		}
	}
	for i, s := range c.Remove {
		a, err := secp256k1.ParseAddress(s)
		if err != nil {
			return types.ErrInvalidAddress.Wrapf("remove[%d]: %v", i, err)
		}
		if seen[a] {
			return ErrBadSeedChange.Wrapf("%s is listed twice (add and remove, or removed twice)", a)
		}
		seen[a] = true
	}
	for i, ap := range m.Approvals {
		if len(ap.PubKey) != secp256k1.PubKeySize || len(ap.Signature) != secp256k1.SignatureSize {
			return ErrBadSeedChange.Wrapf("approval %d: want a %d-byte key and a %d-byte signature, got %d and %d",
				i, secp256k1.PubKeySize, secp256k1.SignatureSize, len(ap.PubKey), len(ap.Signature))
		}
	}
	return nil
}

// UpdateSeeds applies a seed change signed as documented above. On error
// nothing is written.
func (k Keeper) UpdateSeeds(ctx *types.Context, signer types.Address, m *trustpb.MsgUpdateSeeds) error {
	if err := validateSeedChange(m); err != nil {
		return err
	}
	c := m.Change
	version := k.SeedVersion(ctx)
	if c.SeedVersion != version {
		return ErrStaleSeedChange.Wrapf("the change is for seed-set version %d, the chain is at version %d; build and sign a new one", c.SeedVersion, version)
	}
	if uint64(ctx.Height) > c.ExpiresHeight {
		return ErrStaleSeedChange.Wrapf("the change expired at height %d (now %d)", c.ExpiresHeight, ctx.Height)
	}
	current := k.Seeds(ctx)
	if len(current) == 0 {
		return ErrSeedApproval.Wrapf("this chain has no seeds (genesis set none), so no change can be approved")
	}
	isSeed := func(a types.Address) bool {
		_, ok := slices.BinarySearchFunc(current, a, func(s SeedEntry, t types.Address) int { return s.Address.Compare(t) })
		return ok
	}
	approved := map[types.Address]bool{}
	if isSeed(signer) {
		approved[signer] = true
	}
	msg := SeedChangeSignBytes(ctx.ChainID, c)
	for i, ap := range m.Approvals {
		pub, err := secp256k1.PubKeyFromBytes(ap.PubKey)
		if err != nil {
			return ErrSeedApproval.Wrapf("approval %d: %v", i, err)
		}
		a := pub.Address()
		if !isSeed(a) {
			return ErrSeedApproval.Wrapf("approval %d is from %s, which is not a seed", i, a)
		}
		if approved[a] {
			return ErrSeedApproval.Wrapf("approval %d: %s approves twice (or is also the signer)", i, a)
		}
		if err := pub.Verify(msg, ap.Signature); err != nil {
			return ErrSeedApproval.Wrapf("approval %d from %s: %v (signed for another chain, version or change?)", i, a, err)
		}
		approved[a] = true
	}
	if n := len(approved); n == 0 || 3*n < 2*len(current) {
		return ErrSeedApproval.Wrapf("%d of %d seeds approve; at least %d are needed", n, len(current), (2*len(current)+2)/3)
	}
	// Apply to a copy, check the result, then write.
	next := map[types.Address]score.Score{}
	for _, s := range current {
		next[s.Address] = s.PreTrust
	}
	for _, r := range c.Remove {
		a, _ := secp256k1.ParseAddress(r)
		if _, ok := next[a]; !ok {
			return ErrBadSeedChange.Wrapf("cannot remove %s: it is not a seed", a)
		}
		delete(next, a)
	}
	for _, s := range c.Add {
		a, _ := secp256k1.ParseAddress(s.Address)
		next[a] = score.Score(s.PreTrust)
	}
	if limit := int(k.Params(ctx).MaxSeeds); len(next) == 0 || len(next) > limit {
		return ErrBadSeedChange.Wrapf("the change leaves %d seeds; between 1 and %d are allowed", len(next), limit)
	}
	for _, r := range c.Remove {
		a, _ := secp256k1.ParseAddress(r)
		k.kv(ctx).Delete(key(prefixSeed, a))
	}
	for _, s := range c.Add {
		a, _ := secp256k1.ParseAddress(s.Address)
		k.setSeed(ctx, a, score.Score(s.PreTrust))
	}
	setU64(k.kv(ctx), keySeedVersion, version+1)
	ctx.EmitEvent("trust_seeds", "version", types.U64(version+1), "added", types.U64(uint64(len(c.Add))),
		"removed", types.U64(uint64(len(c.Remove))), "seeds", types.U64(uint64(len(next))), "approvals", types.U64(uint64(len(approved))))
	return nil
}
