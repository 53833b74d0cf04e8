package trust

import (
	"bytes"
	"encoding/binary"
	"slices"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
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
//   - It needs approvals from at least two thirds of the current voting
//     seeds (3·approvals ≥ 2·voting seeds, and at least one): every
//     SeedApproval is a voting seed's key and its signature over
//     SeedChangeSignBytes; the transaction's signer counts as an approval
//     if it is a voting seed (its transaction signature already covers the
//     change).
//   - The result must hold between 1 and MaxSeeds seeds, at least one of
//     them voting. A chain whose genesis has no voting seed keeps its seed
//     list forever (nobody can approve a change); with no seeds at all every
//     score stays unknown.
//
// Non-voting seeds (Seed.non_voting) are roots of trust for the scores but
// take no part in changes: module accounts without keys, such as the
// identity under which storage records challenge outcomes, whose
// automatic edges reach the scores only from a root.

// SeedChangeDomain separates seed-change signatures from every other
// signature in the system.
const SeedChangeDomain = "pastel/trust/UpdateSeeds/v1"

// SeedChangeSignBytes are the bytes a seed signs to approve change on
// chainID: the domain, the length-prefixed chain id and the canonical
// protobuf encoding of the change (which holds the seed-set version and the
// expiry height).
func SeedChangeSignBytes(chainID string, change *trustpb.SeedChange) []byte {
	body, err := store.Marshal.Marshal(change)
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
	Address   types.Address
	PreTrust  score.Score
	NonVoting bool
}

// Seeds returns the current seeds, by address.
func (k Keeper) Seeds(ctx *types.Context) []SeedEntry { return seedsOf(k.kv(ctx)) }

func seedsOf(kv types.KVStore) []SeedEntry {
	var out []SeedEntry
	forEach(kv, prefixSeed, func(a types.Address, v []byte) {
		var s trustpb.Seed
		mustUnmarshal(v, &s)
		out = append(out, SeedEntry{a, score.Score(s.PreTrust), s.NonVoting})
	})
	return out
}

// SeedVersion is the number of seed changes applied since genesis (or the
// genesis value).
func (k Keeper) SeedVersion(ctx *types.Context) uint64 { return getU64(k.kv(ctx), keySeedVersion) }

func (k Keeper) setSeed(ctx *types.Context, a types.Address, pre score.Score, nonVoting bool) {
	setProto(k.kv(ctx), key(prefixSeed, a), &trustpb.Seed{Address: a.String(), PreTrust: int64(pre), NonVoting: nonVoting})
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
	var voting []types.Address // sorted: Seeds is in address order
	for _, s := range current {
		if !s.NonVoting {
			voting = append(voting, s.Address)
		}
	}
	if len(voting) == 0 {
		return ErrSeedApproval.Wrapf("this chain has no voting seeds (genesis set none), so no change can be approved")
	}
	isVoter := func(a types.Address) bool {
		_, ok := slices.BinarySearchFunc(voting, a, func(s, t types.Address) int { return s.Compare(t) })
		return ok
	}
	approved := map[types.Address]bool{}
	if isVoter(signer) {
		approved[signer] = true
	}
	msg := SeedChangeSignBytes(ctx.ChainID, c)
	for i, ap := range m.Approvals {
		pub, err := secp256k1.PubKeyFromBytes(ap.PubKey)
		if err != nil {
			return ErrSeedApproval.Wrapf("approval %d: %v", i, err)
		}
		a := pub.Address()
		if !isVoter(a) {
			return ErrSeedApproval.Wrapf("approval %d is from %s, which is not a voting seed", i, a)
		}
		if approved[a] {
			return ErrSeedApproval.Wrapf("approval %d: %s approves twice (or is also the signer)", i, a)
		}
		if err := pub.Verify(msg, ap.Signature); err != nil {
			return ErrSeedApproval.Wrapf("approval %d from %s: %v (signed for another chain, version or change?)", i, a, err)
		}
		approved[a] = true
	}
	if n := len(approved); n == 0 || 3*n < 2*len(voting) {
		return ErrSeedApproval.Wrapf("%d of %d voting seeds approve; at least %d are needed", n, len(voting), (2*len(voting)+2)/3)
	}
	// Apply to a copy, check the result, then write. The map is only
	// looked up and counted, never iterated.
	next := map[types.Address]bool{} // address -> non-voting
	for _, s := range current {
		next[s.Address] = s.NonVoting
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
		next[a] = s.NonVoting
	}
	votersLeft := 0
	for _, s := range current {
		if nv, ok := next[s.Address]; ok && !nv {
			votersLeft++
		}
	}
	for _, s := range c.Add {
		a, _ := secp256k1.ParseAddress(s.Address)
		if _, existed := slices.BinarySearchFunc(current, a, func(e SeedEntry, t types.Address) int { return e.Address.Compare(t) }); !existed && !s.NonVoting {
			votersLeft++
		}
	}
	if limit := int(k.Params(ctx).MaxSeeds); len(next) == 0 || len(next) > limit {
		return ErrBadSeedChange.Wrapf("the change leaves %d seeds; between 1 and %d are allowed", len(next), limit)
	}
	if votersLeft == 0 {
		return ErrBadSeedChange.Wrapf("the change leaves no voting seed; nobody could ever change the seeds again")
	}
	for _, r := range c.Remove {
		a, _ := secp256k1.ParseAddress(r)
		k.kv(ctx).Delete(key(prefixSeed, a))
	}
	for _, s := range c.Add {
		a, _ := secp256k1.ParseAddress(s.Address)
		k.setSeed(ctx, a, score.Score(s.PreTrust), s.NonVoting)
	}
	setU64(k.kv(ctx), keySeedVersion, version+1)
	ctx.EmitEvent("trust_seeds", "version", types.U64(version+1), "added", types.U64(uint64(len(c.Add))),
		"removed", types.U64(uint64(len(c.Remove))), "seeds", types.U64(uint64(len(next))), "approvals", types.U64(uint64(len(approved))))
	return nil
}
