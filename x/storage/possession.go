package storage

import (
	"bytes"

	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// Proof of possession.
//
// A masternode is paid for the chunks it proves it holds, never for the ones
// it says it holds:
//
//   - Confirmation. A commitment assigned at height h is confirmed only with
//     a Merkle range proof over confirm_leaves leaves drawn from the block
//     randomness of height h+1 (kept under rh/<height8> for
//     RandHistory(params) blocks), the commitment's chunk position and the
//     masternode's address. Nobody knows the range before block h+1 exists,
//     and every holder proves a different range, so a proof can be neither
//     precomputed nor copied from another holder's confirmation. A wrong
//     proof fails the whole message: nothing is confirmed.
//   - Challenges (challenge.go) re-check the bytes at random. A failed or
//     missed challenge takes the chunk out of the masternode's proven bytes
//     (its confirmation no longer stands) until it confirms again with a
//     fresh proof, besides the penalties.
//   - Loss. A confirmed holder that lost its copy says so (MsgReportLoss):
//     the chunk leaves its proven bytes, the commitment gets a new
//     confirmation window, the loss is counted in its record, and an open
//     challenge of that chunk fails at once: reporting after being
//     challenged never saves the challenge.
//   - No outsourcing (MayFetch). Chunk daemons serve a chunk to a masternode
//     only while the chain says it needs it: an unconfirmed commitment of
//     that chunk, a heal task of its stripe or an attestation of its art.
//     A confirmed holder that deleted its copy cannot fetch it back when it
//     is challenged; it has to report the loss first, which costs it.
//
// Block randomness and who can bias it: see app.BlockRandomness. The
// proposer of block h+1 knows its randomness first and could grind it, but
// gains nothing: whatever the range, the proof needs the chunk's bytes.

// Errors of proofs of possession.
var (
	ErrBadProof     = types.Register(ModuleName, 41, "proof of possession does not verify")
	ErrTooEarly     = types.Register(ModuleName, 42, "confirmation randomness not yet known")
	ErrRandPruned   = types.Register(ModuleName, 43, "confirmation randomness no longer kept")
	ErrNotConfirmed = types.Register(ModuleName, 44, "chunk is not confirmed by this masternode")
)

// maxConfirmBytes bounds the proof bytes of one confirmation message, well
// inside the 512 KiB transaction limit.
const maxConfirmBytes = 400 << 10

// RandHistory is how many blocks of randomness are kept for confirmations:
// a commitment is confirmed or moved within confirm_window blocks of its
// assignment (expireUnconfirmed), so twice that plus a margin for a backlog
// of expiries is enough.
func RandHistory(p *storagepb.Params) int64 { return 2*p.ConfirmWindow + 64 }

// recordRandomness keeps this block's randomness when the block before
// assigned commitments (their proofs draw from it), and forgets the
// randomness no confirmation can use any more.
func (k Keeper) recordRandomness(ctx *types.Context) {
	kv := k.kv(ctx)
	if bz := kv.Get(rnKey()); bz != nil {
		if int64(u64From(bz)) == ctx.Height-1 {
			kv.Set(rhKey(ctx.Height), ctx.Rand[:])
		}
		kv.Delete(rnKey())
	}
	old := ctx.Height - RandHistory(k.Params(ctx))
	if old <= 0 {
		return
	}
	// Kept randomness is sparse: walk the few entries older than the
	// history, in key (height) order.
	it := kv.Iterator(rhKey(0), rhKey(old+1))
	var stale [][]byte
	for ; it.Valid(); it.Next() {
		stale = append(stale, append([]byte(nil), it.Key()...))
	}
	it.Close()
	for _, key := range stale {
		kv.Delete(key)
	}
}

// blockRand returns the kept randomness of height h.
func (k Keeper) blockRand(ctx *types.Context, h int64) ([32]byte, bool) {
	var r [32]byte
	bz := k.kv(ctx).Get(rhKey(h))
	if len(bz) != 32 {
		return r, false
	}
	copy(r[:], bz)
	return r, true
}

// ConfirmRange is the leaf range [start, end) a masternode must prove to
// confirm its commitment of chunk (art, stripe, index), given the randomness
// of the block after the assignment. The masternode's address is part of
// the draw: holders of one chunk prove different ranges.
func ConfirmRange(rand [32]byte, art []byte, stripe, index uint32, mn types.Address, payloadLen, span uint32) (start, end uint32) {
	leaves := uint32(codec.NumLeaves(int(payloadLen)))
	if leaves == 0 {
		return 0, 0
	}
	span = max(1, min(span, uint32(codec.MaxProofLeaves)))
	start = uint32(u64From(randBytes(rand, "confirm", chunkPos(art, stripe, index), mn[:])[:8]) % uint64(leaves))
	return start, min(start+span, leaves)
}

// confirmRangeOf is the range commitment c of mn must prove, or an error
// saying when it can be known (or that it cannot be any more).
func (k Keeper) confirmRangeOf(ctx *types.Context, c *storagepb.Commitment, mn types.Address, p *storagepb.Params) (start, end uint32, err error) {
	seedHeight := c.AssignedHeight + 1
	r, ok := k.blockRand(ctx, seedHeight)
	if !ok {
		if seedHeight >= ctx.Height {
			return 0, 0, ErrTooEarly.Wrapf("chunk (stripe %d, index %d) was assigned at height %d: its proof uses the randomness of height %d; confirm from height %d on",
				c.Stripe, c.Index, c.AssignedHeight, seedHeight, seedHeight+1)
		}
		return 0, 0, ErrRandPruned.Wrapf("chunk (stripe %d, index %d) was assigned at height %d, longer ago than the %d blocks of randomness kept; it is reassigned when its confirm window ends",
			c.Stripe, c.Index, c.AssignedHeight, RandHistory(p))
	}
	start, end = ConfirmRange(r, c.ArtId, c.Stripe, c.Index, mn, c.PayloadLen, p.ConfirmLeaves)
	return start, end, nil
}

// checkPossession verifies the proof of possession carried by ref for
// commitment c of mn.
func (k Keeper) checkPossession(ctx *types.Context, c *storagepb.Commitment, mn types.Address, ref *storagepb.ChunkRef, p *storagepb.Params) error {
	start, end, err := k.confirmRangeOf(ctx, c, mn, p)
	if err != nil {
		return err
	}
	var id codec.ID
	copy(id[:], c.ChunkId)
	if err := codec.VerifyRange(id, int(c.PayloadLen), int(start), int(end), ref.Leaves, ref.Proof); err != nil {
		return ErrBadProof.Wrapf("chunk (stripe %d, index %d) of art %s, leaves [%d, %d) drawn from the randomness of height %d: %v",
			c.Stripe, c.Index, hexID(c.ArtId), start, end, c.AssignedHeight+1, err)
	}
	return nil
}

// unprove takes a confirmed commitment's chunk out of mn's proven bytes
// (its confirmation no longer stands) and opens a new confirmation window:
// the holder pulls and proves it again, or the commitment moves away when
// the window ends.
func (k Keeper) unprove(ctx *types.Context, c *storagepb.Commitment, mn types.Address) {
	if !c.Confirmed {
		return
	}
	k.unconfirm(ctx, c)
}

// reportLoss handles MsgReportLoss: every listed chunk must be confirmed by
// the signer; each is unproved, counted in its record, and its open
// challenges fail.
func (k Keeper) reportLoss(ctx *types.Context, mn types.Address, m *storagepb.MsgReportLoss) error {
	if _, ok := k.Art(ctx, m.ArtId); !ok {
		return ErrNoArt.Wrapf("%s", hexID(m.ArtId))
	}
	rec, ok := k.Masternode(ctx, mn)
	if !ok {
		return ErrNoMasternode.Wrapf("%s", mn)
	}
	var lost []*storagepb.Commitment
	seen := map[[2]uint32]bool{}
	for _, ref := range m.Chunks {
		if seen[[2]uint32{ref.Stripe, ref.Index}] {
			return ErrBadTicket.Wrapf("chunk (stripe %d, index %d) listed twice", ref.Stripe, ref.Index)
		}
		seen[[2]uint32{ref.Stripe, ref.Index}] = true
		c, ok := k.Commitment(ctx, m.ArtId, ref.Stripe, ref.Index, mn)
		if !ok {
			return ErrNotCommitted.Wrapf("chunk (stripe %d, index %d) of art %s is not committed to %s", ref.Stripe, ref.Index, hexID(m.ArtId), mn)
		}
		if !c.Confirmed {
			return ErrNotConfirmed.Wrapf("chunk (stripe %d, index %d) of art %s is not confirmed by %s: nothing to report, pull it and confirm",
				ref.Stripe, ref.Index, hexID(m.ArtId), mn)
		}
		lost = append(lost, c)
	}
	rec.LossesReported += uint64(len(lost))
	k.setMasternode(ctx, mn, rec)
	for _, c := range lost {
		k.unprove(ctx, c, mn)
		ctx.EmitEvent("chunk_loss_reported", "art_id", hexID(c.ArtId), "masternode", mn.String(),
			"stripe", types.U64(uint64(c.Stripe)), "index", types.U64(uint64(c.Index)))
		// Every open challenge of the chunk fails, but one lost chunk is one
		// incident: several challenges drawn on it at once count once.
		failed := false
		for _, ch := range k.OpenChallenges(ctx, mn, MaxOpenChallengeScan) {
			if bytes.Equal(ch.ArtId, c.ArtId) && ch.Stripe == c.Stripe && ch.Index == c.Index {
				k.closeFailed(ctx, ch, "chunk reported lost while challenged")
				failed = true
			}
		}
		if failed {
			k.penalize(ctx, mn)
		}
	}
	return nil
}

// MaxOpenChallengeScan bounds the open challenges of one masternode looked at
// per reported chunk. Open challenges of one masternode are few: at most
// max_challenges_per_block × challenge_deadline exist at once.
const MaxOpenChallengeScan = 4096

// MayFetch decides whether addr may fetch chunk (art, stripe, index) from a
// chunk daemon: an owner of one of the art's editions always may (it is
// their file); a masternode only while it has an unconfirmed commitment of
// the chunk, a heal task of its stripe, or an open attestation of the art.
// A confirmed holder is refused: it must report the loss first.
func (k Keeper) MayFetch(ctx *types.Context, addr types.Address, art []byte, stripe, index uint32) storagepb.FetchRight {
	a, ok := k.Art(ctx, art)
	if !ok {
		return storagepb.FetchRight{Reason: "no art " + hexID(art)}
	}
	if len(k.OwnedEditions(ctx, addr, art)) > 0 {
		return storagepb.FetchRight{Allowed: true, Reason: storagepb.FetchOwner}
	}
	if _, ok := k.Masternode(ctx, addr); !ok {
		return storagepb.FetchRight{Reason: addr.String() + " owns no edition of art " + hexID(art) + " and is not a masternode"}
	}
	if c, ok := k.Commitment(ctx, art, stripe, index, addr); ok {
		if !c.Confirmed {
			return storagepb.FetchRight{Allowed: true, Reason: "unconfirmed commitment"}
		}
		return storagepb.FetchRight{Reason: "masternode " + addr.String() + " confirmed it holds this chunk; if it lost it, report the loss on-chain first (storage/ReportLoss)"}
	}
	if t, ok := k.HealTask(ctx, art, stripe); ok && t.Healer == addr.String() {
		return storagepb.FetchRight{Allowed: true, Reason: "heal task"}
	}
	if a.Status == storagepb.ArtStatus_ART_PENDING {
		for _, at := range a.Attestations {
			if at.Attester == addr.String() && !at.Done {
				return storagepb.FetchRight{Allowed: true, Reason: "attestation"}
			}
		}
	}
	return storagepb.FetchRight{Reason: "masternode " + addr.String() + " has no open commitment, heal task or attestation for this chunk"}
}

// bounty module account: requested challenges' fees wait here for the outcome.
var BountyEscrow = secp256k1.ModuleAddress("storage_bounty")

// payBounty settles a requested challenge's bounty: all of it to the
// masternode when it proved, otherwise back to the payer less
// bounty_cut_permille, which goes to the endowment.
func (k Keeper) payBounty(ctx *types.Context, ch *storagepb.Challenge, passed bool) {
	if ch.Bounty == 0 {
		return
	}
	send := func(to string, amt uint64) {
		if amt == 0 {
			return
		}
		a, err := secp256k1.ParseAddress(to)
		if err != nil {
			a = Endowment
		}
		if err := k.Bank.Send(ctx, BountyEscrow, a, amt); err != nil {
			panic(err) // the escrow holds every open bounty
		}
	}
	if passed {
		send(ch.Masternode, ch.Bounty)
		ctx.EmitEvent("bounty_paid", "challenge_id", types.U64(ch.Id), "masternode", ch.Masternode, "amount", types.U64(ch.Bounty))
		return
	}
	cut := ch.Bounty * uint64(k.Params(ctx).BountyCutPermille) / 1000
	send(Endowment.String(), cut)
	send(ch.RequestedBy, ch.Bounty-cut)
	ctx.EmitEvent("bounty_refunded", "challenge_id", types.U64(ch.Id), "payer", ch.RequestedBy, "amount", types.U64(ch.Bounty-cut), "endowment_cut", types.U64(cut))
}

// ProofRange is the leaf range mn must prove to confirm commitment c, as the
// chain would check it now (ErrTooEarly before height AssignedHeight+2).
func (k Keeper) ProofRange(ctx *types.Context, c *storagepb.Commitment, mn types.Address) (start, end uint32, err error) {
	return k.confirmRangeOf(ctx, c, mn, k.Params(ctx))
}
