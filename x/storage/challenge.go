package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"

	"golang.org/x/crypto/sha3"

	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// Storage challenges.
//
// Every block, EndBlock draws challenges from the block randomness (see
// app.BlockRandomness for what it is and who can bias it): n =
// (T·(h+1))/I − (T·h)/I of them at height h, where T is the number of
// confirmed commitments and I the challenge_interval parameter, so on
// average every commitment is challenged once per I blocks; n is capped by
// max_challenges_per_block. Each draw picks one confirmed commitment
// uniformly among all of them (the draw tree, draw.go) and a random range
// of challenge_leaves 1 KiB leaves and a random nonce. The masternode must answer within
// challenge_deadline blocks with the leaves and their Merkle range proof
// against the chunk id in the ticket; every validator checks the proof the
// same way (codec.VerifyRange), so the outcome needs no trust in anyone.
//
// State: ch/<id8> Challenge; cm/<mn20><id8> open challenges of a masternode;
// cq/<deadline8><id8> deadlines; cx/<mn20><id8> and ca/<art32><id8> history
// by masternode and by art; chseq the last id; tc the number of confirmed
// commitments. A closed challenge leaves ch/, cx/ and ca/ behind for
// challenge_history_blocks, then pruneChallengeHistory deletes them, oldest
// id first (chpruned the last id deleted): without it the history was the
// one part of state growing with time alone, 16 challenges a block.

// Errors of challenges.
var (
	ErrNoChallenge     = types.Register(ModuleName, 21, "no such challenge")
	ErrChallengeClosed = types.Register(ModuleName, 22, "challenge already closed")
	ErrNotChallenged   = types.Register(ModuleName, 23, "challenge is for another masternode")
	ErrBadNonce        = types.Register(ModuleName, 24, "nonce does not match the challenge")
	ErrNotJailed       = types.Register(ModuleName, 25, "masternode is not jailed")
	ErrStillJailed     = types.Register(ModuleName, 26, "jail time not served")
	ErrNothingToTest   = types.Register(ModuleName, 27, "nothing to challenge")
)

func u64From(b []byte) uint64                                        { return binary.BigEndian.Uint64(b) }
func (k Keeper) counter(ctx *types.Context, key []byte) uint64       { return store.GetU64(k.kv(ctx), key) }
func (k Keeper) setCounter(ctx *types.Context, key []byte, v uint64) { store.SetU64(k.kv(ctx), key, v) }

// Challenge returns challenge id.
func (k Keeper) Challenge(ctx *types.Context, id uint64) (*storagepb.Challenge, bool) {
	c := &storagepb.Challenge{}
	return c, k.get(ctx, chKey(id), c)
}

// ConfirmedCommitments is the number of confirmed commitments (T above).
func (k Keeper) ConfirmedCommitments(ctx *types.Context) uint64 { return k.counter(ctx, tcKey()) }

// challengesDue is how many challenges height h draws: the exact share of
// T/I per block, without floats.
func challengesDue(total uint64, h int64, interval int64) uint64 {
	if interval <= 0 || total == 0 || h < 0 {
		return 0
	}
	at := func(x uint64) uint64 {
		hi, lo := bits.Mul64(total, x)
		if hi >= uint64(interval) {
			return ^uint64(0)
		}
		q, _ := bits.Div64(hi, lo, uint64(interval))
		return q
	}
	return at(uint64(h)+1) - at(uint64(h))
}

func randBytes(rand [32]byte, purpose string, parts ...[]byte) []byte {
	h := sha3.New256()
	h.Write([]byte("pastel/draw/v1/" + purpose))
	h.Write(rand[:])
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// drawChallenges creates this block's challenges: each one a confirmed
// commitment drawn uniformly (draw.go) whose holder is in good standing.
// Trust does not matter here, unlike for placement: a distrusted
// masternode still holds chunks and must still prove them, and passing is
// also how its trust recovers.
func (k Keeper) drawChallenges(ctx *types.Context) {
	p := k.Params(ctx)
	n := challengesDue(k.ConfirmedCommitments(ctx), ctx.Height, p.ChallengeInterval)
	n = min(n, uint64(p.MaxChallengesPerBlock))
	for i := uint64(0); i < n; i++ {
		for attempt := uint64(0); attempt < drawAttempts; attempt++ {
			seed := randBytes(ctx.Rand, "challenge", u64(i), u64(attempt))
			if c := k.drawConfirmed(ctx, seed); c != nil {
				k.openChallenge(ctx, c, seed, "")
				break
			}
		}
	}
}

func (k Keeper) openChallenge(ctx *types.Context, c *storagepb.Commitment, seed []byte, requester string) *storagepb.Challenge {
	p := k.Params(ctx)
	leaves := uint32(codec.NumLeaves(int(c.PayloadLen)))
	span := max(1, min(p.ChallengeLeaves, uint32(codec.MaxProofLeaves)))
	start := uint32(u64From(randBytes(ctx.Rand, "leaf", seed)[:8]) % uint64(leaves))
	end := min(start+span, leaves)
	id := k.counter(ctx, keyChallengeSeq) + 1
	k.setCounter(ctx, keyChallengeSeq, id)
	mn, _ := secp256k1.ParseAddress(c.Masternode)
	ch := &storagepb.Challenge{
		Id: id, Masternode: c.Masternode, ArtId: c.ArtId, Stripe: c.Stripe, Index: c.Index, ChunkId: c.ChunkId,
		PayloadLen: c.PayloadLen, LeafStart: start, LeafEnd: end, Nonce: randBytes(ctx.Rand, "nonce", seed),
		CreatedHeight: ctx.Height, Deadline: ctx.Height + p.ChallengeDeadline, Status: storagepb.ChallengeStatus_CH_OPEN,
		RequestedBy: requester,
	}
	k.set(ctx, chKey(id), ch)
	k.kv(ctx).Set(cmKey(mn, id), types.Marker)
	k.kv(ctx).Set(cqKey(ch.Deadline, id), types.Marker)
	k.kv(ctx).Set(cxKey(mn, id), types.Marker)
	k.kv(ctx).Set(caKey(c.ArtId, id), types.Marker)
	ctx.EmitEvent("challenge", "challenge_id", types.U64(id), "masternode", c.Masternode, "art_id", hexID(c.ArtId),
		"stripe", types.U64(uint64(c.Stripe)), "index", types.U64(uint64(c.Index)), "deadline", types.U64(uint64(ch.Deadline)))
	return ch
}

// requestChallenge: a paid challenge of a given art; the chain still draws
// the chunk, the holder and the range. The fee is a bounty (payBounty): it
// waits in escrow and goes to the holder if it proves, back to the payer
// (less bounty_cut_permille) if it fails.
func (k Keeper) requestChallenge(ctx *types.Context, signer types.Address, m *storagepb.MsgRequestChallenge) error {
	art, ok := k.Art(ctx, m.ArtId)
	if !ok {
		return ErrNoArt.Wrapf("%s", hexID(m.ArtId))
	}
	p := k.Params(ctx)
	seed := randBytes(ctx.Rand, "requested", m.ArtId, signer[:], u64(k.counter(ctx, keyChallengeSeq)))
	var positions [][2]uint32
	for s, st := range art.Stripes {
		for i := uint32(0); i < st.N; i++ {
			positions = append(positions, [2]uint32{uint32(s), i})
		}
	}
	startAt := int(u64From(seed[:8]) % uint64(len(positions)))
	for j := 0; j < len(positions) && j < 4096; j++ {
		pos := positions[(startAt+j)%len(positions)]
		var confirmed []*storagepb.Commitment
		for _, c := range k.Holders(ctx, art.Id, pos[0], pos[1]) {
			if c.Confirmed && c.PayloadLen > 0 {
				confirmed = append(confirmed, c)
			}
		}
		if len(confirmed) == 0 {
			continue
		}
		if p.ChallengeFee > 0 {
			if err := k.Bank.Send(ctx, signer, BountyEscrow, p.ChallengeFee); err != nil {
				return err
			}
		}
		c := confirmed[int(u64From(seed[8:16])%uint64(len(confirmed)))]
		ch := k.openChallenge(ctx, c, seed, signer.String())
		if p.ChallengeFee > 0 {
			ch.Bounty = p.ChallengeFee
			k.set(ctx, chKey(ch.Id), ch)
		}
		return nil
	}
	return ErrNothingToTest.Wrapf("art %s has no confirmed chunk to challenge", hexID(m.ArtId))
}

// proveChunks checks each answer. A well-formed answer from the right
// masternode with wrong leaves or proof is recorded as a failure (the tx
// succeeds so the failure sticks); answers to closed challenges, for other
// masternodes or with the wrong nonce are refused outright.
func (k Keeper) proveChunks(ctx *types.Context, mn types.Address, m *storagepb.MsgProveChunks) error {
	type verdict struct {
		ch  *storagepb.Challenge
		err error
	}
	var vs []verdict
	for _, pr := range m.Proofs {
		ch, ok := k.Challenge(ctx, pr.ChallengeId)
		if !ok {
			return k.noChallenge(ctx, pr.ChallengeId)
		}
		if ch.Status != storagepb.ChallengeStatus_CH_OPEN {
			return ErrChallengeClosed.Wrapf("challenge %d is %s since height %d", ch.Id, ch.Status, ch.ClosedHeight)
		}
		if ch.Masternode != mn.String() {
			return ErrNotChallenged.Wrapf("challenge %d is for %s, not %s", ch.Id, ch.Masternode, mn)
		}
		if !bytes.Equal(pr.Nonce, ch.Nonce) {
			return ErrBadNonce.Wrapf("challenge %d", ch.Id)
		}
		var id codec.ID
		copy(id[:], ch.ChunkId)
		err := codec.VerifyRange(id, int(ch.PayloadLen), int(ch.LeafStart), int(ch.LeafEnd), pr.Leaves, pr.Proof)
		vs = append(vs, verdict{ch, err})
	}
	for _, v := range vs {
		if v.err != nil {
			k.failChallenge(ctx, v.ch, "wrong proof: "+v.err.Error())
		} else {
			k.passChallenge(ctx, v.ch)
		}
	}
	return nil
}

func (k Keeper) closeChallenge(ctx *types.Context, ch *storagepb.Challenge, st storagepb.ChallengeStatus, reason string) {
	mn, _ := secp256k1.ParseAddress(ch.Masternode)
	ch.Status, ch.Reason, ch.ClosedHeight = st, reason, ctx.Height
	k.set(ctx, chKey(ch.Id), ch)
	k.kv(ctx).Delete(cmKey(mn, ch.Id))
	k.kv(ctx).Delete(cqKey(ch.Deadline, ch.Id))
}

func (k Keeper) passChallenge(ctx *types.Context, ch *storagepb.Challenge) {
	k.closeChallenge(ctx, ch, storagepb.ChallengeStatus_CH_PASSED, "")
	mn, _ := secp256k1.ParseAddress(ch.Masternode)
	if m, ok := k.Masternode(ctx, mn); ok {
		m.ChallengesPassed++
		k.setMasternode(ctx, mn, m)
	}
	k.recordTrust(ctx, mn, true)
	k.payBounty(ctx, ch, true)
	ctx.EmitEvent("challenge_passed", "challenge_id", types.U64(ch.Id), "masternode", ch.Masternode, "art_id", hexID(ch.ArtId))
}

// failChallenge records a failed challenge, takes the chunk out of the
// masternode's proven bytes (its confirmation no longer stands: it proves
// the chunk again or the commitment moves away) and penalizes it.
func (k Keeper) failChallenge(ctx *types.Context, ch *storagepb.Challenge, reason string) {
	k.closeFailed(ctx, ch, reason)
	mn, _ := secp256k1.ParseAddress(ch.Masternode)
	k.penalize(ctx, mn)
}

// closeFailed closes ch as failed (bounty refunded, the chunk unproved)
// without the penalty: the caller decides how many incidents it was.
func (k Keeper) closeFailed(ctx *types.Context, ch *storagepb.Challenge, reason string) {
	k.closeChallenge(ctx, ch, storagepb.ChallengeStatus_CH_FAILED, reason)
	mn, _ := secp256k1.ParseAddress(ch.Masternode)
	ctx.EmitEvent("challenge_failed", "challenge_id", types.U64(ch.Id), "masternode", ch.Masternode, "art_id", hexID(ch.ArtId), "reason", reason)
	k.payBounty(ctx, ch, false)
	if c, ok := k.Commitment(ctx, ch.ArtId, ch.Stripe, ch.Index, mn); ok {
		k.unprove(ctx, c, mn)
	}
}

// withhold withholds m's rewards for withhold_blocks from now (out of
// placement meanwhile, and less voting power for a validator).
func (k Keeper) withhold(ctx *types.Context, mn types.Address, m *storagepb.Masternode, p *storagepb.Params) {
	if len(m.ConsensusPubKey) > 0 {
		k.markValidatorsDirty(ctx) // penalized or jailed: less power
	}
	m.WithheldUntil = max(m.WithheldUntil, ctx.Height+p.WithholdBlocks)
	ctx.EmitEvent("rewards_withheld", "masternode", mn.String(), "until", types.U64(uint64(m.WithheldUntil)))
}

// penalize applies the consequences of one failed or missed challenge:
// rewards withheld for withhold_blocks (and out of placement meanwhile);
// F failures inside the window move the masternode's commitments
// elsewhere; J jail it.
func (k Keeper) penalize(ctx *types.Context, mn types.Address) {
	k.recordTrust(ctx, mn, false)
	m, ok := k.Masternode(ctx, mn)
	if !ok {
		return
	}
	p := k.Params(ctx)
	m.ChallengesFailed++
	k.withhold(ctx, mn, m, p)
	var recent []int64
	for _, h := range m.RecentFailures {
		if h > ctx.Height-p.FailureWindow {
			recent = append(recent, h)
		}
	}
	m.RecentFailures = append(recent, ctx.Height)
	if len(m.RecentFailures) > int(p.JailFailures) {
		m.RecentFailures = m.RecentFailures[len(m.RecentFailures)-int(p.JailFailures):]
	}
	n := uint32(len(m.RecentFailures))
	switch {
	case n >= p.JailFailures && m.Status == storagepb.MasternodeStatus_MN_ACTIVE:
		m.Status = storagepb.MasternodeStatus_MN_JAILED
		m.JailedHeight = ctx.Height
		k.setMasternode(ctx, mn, m)
		k.ringRemove(ctx, mn)
		k.kv(ctx).Set(key(pReassign, mn[:]), types.Marker)
		ctx.EmitEvent("masternode_jailed", "masternode", mn.String(), "failures", types.U64(uint64(n)), "window", types.U64(uint64(p.FailureWindow)))
		return
	case n == p.ReassignFailures:
		k.kv(ctx).Set(key(pReassign, mn[:]), types.Marker)
		ctx.EmitEvent("commitments_reassigned", "masternode", mn.String(), "failures", types.U64(uint64(n)), "commitments", types.U64(m.Commitments))
	}
	k.setMasternode(ctx, mn, m)
}

// expireUnconfirmed moves a commitment not confirmed within confirm_window
// elsewhere (bounded per block) and withholds its masternode's rewards.
//
// An expiry is not a failed challenge: no data was lost (other holders
// confirmed the chunk, or the window restarts), the masternode only did not
// fetch in time, and that is most often because it was handed a flood of
// commitments at once (another masternode jailed) or its sources were down.
// So it withholds rewards (out of placement meanwhile, so no new
// commitments arrive) and lowers trust once per confirm_window, but never
// counts towards reassignment or jail. Counting expiries as failures, once
// per block and later once per window, jailed honest masternodes in turn in
// the long chaos runs, each jailing flooding the next.
func (k Keeper) expireUnconfirmed(ctx *types.Context) {
	p := k.Params(ctx)
	if p.ConfirmWindow <= 0 || ctx.Height <= p.ConfirmWindow {
		return
	}
	// uc/ marks stripes with commitments waiting since a height; each
	// names the (index, holder) pairs assigned then in its StripeHolders.
	type due struct {
		art           []byte
		stripe, index uint32
		mn            types.Address
	}
	var dues []due
	var stale [][]byte
	end := key(pUnconfirmed, u64(uint64(ctx.Height-p.ConfirmWindow)))
	it := k.kv(ctx).Iterator(pUnconfirmed, end)
	for visited := 0; it.Valid() && len(dues) < MaxDeadlineWork && visited < MaxDeadlineWork; it.Next() {
		visited++
		rest := it.Key()[len(pUnconfirmed):]
		height, art, stripe := int64(u64From(rest[:8])), append([]byte(nil), rest[8:40]...), u32From(rest[40:44])
		h := k.stripeHolders(ctx, art, stripe)
		found := false
		for _, e := range h.Pending {
			if e.AssignedHeight != height {
				continue
			}
			found = true
			if a, ok := k.addressOf(ctx, e.Holder); ok && len(dues) < MaxDeadlineWork {
				dues = append(dues, due{art, stripe, e.Index, a})
			}
		}
		if !found {
			stale = append(stale, append([]byte(nil), it.Key()...))
		}
	}
	it.Close()
	for _, sk := range stale {
		k.kv(ctx).Delete(sk) // cannot happen while settle keeps the markers exact
	}
	penalized := map[types.Address]bool{}
	for _, d := range dues {
		art, stripe, index, mn := d.art, d.stripe, d.index, d.mn
		c, ok := k.Commitment(ctx, art, stripe, index, mn)
		if !ok || c.Confirmed {
			continue
		}
		if k.ConfirmedHolders(ctx, art, stripe, index) == 0 {
			// Nobody has the chunk to give: the holder waits for a healer and
			// is not at fault. Make sure healing knows (a chunk that was never
			// confirmed anywhere has no marker yet) and restart its window.
			k.kv(ctx).Set(hmKey(art, stripe, index), types.Marker)
			k.restartWindow(ctx, c)
			continue
		}
		ctx.EmitEvent("commitment_expired", "art_id", hexID(art), "masternode", mn.String(), "stripe", types.U64(uint64(stripe)), "index", types.U64(uint64(index)))
		if !penalized[mn] {
			penalized[mn] = true
			k.expiryPenalty(ctx, mn, p)
		}
		k.reassign(ctx, c, mn, false)
		k.removeCommitment(ctx, c)
	}
}

// expiryPenalty withholds mn's rewards for its expired commitments and,
// once per confirm_window (xp/<mn> holds the height of the last one),
// records a bad outcome in trust: one incident, one trust outcome.
func (k Keeper) expiryPenalty(ctx *types.Context, mn types.Address, p *storagepb.Params) {
	m, ok := k.Masternode(ctx, mn)
	if !ok {
		return
	}
	k.withhold(ctx, mn, m, p)
	k.setMasternode(ctx, mn, m)
	xp := xpKey(mn)
	if b := k.kv(ctx).Get(xp); len(b) == 8 && int64(u64From(b)) > ctx.Height-p.ConfirmWindow {
		return
	}
	k.kv(ctx).Set(xp, u64(uint64(ctx.Height)))
	k.recordTrust(ctx, mn, false)
}

// MaxDeadlineWork bounds the challenges expired per block.
const MaxDeadlineWork = 256

// expireChallenges fails the open challenges whose deadline has passed.
func (k Keeper) expireChallenges(ctx *types.Context) {
	// A challenge may be answered in any block up to its deadline; it fails in
	// the EndBlock of the deadline block if still open.
	end := key(pChallengeDue, u64(uint64(ctx.Height)+1))
	it := k.kv(ctx).Iterator(pChallengeDue, end)
	var due []uint64
	for ; it.Valid() && len(due) < MaxDeadlineWork; it.Next() {
		due = append(due, u64From(it.Key()[len(pChallengeDue)+8:]))
	}
	it.Close()
	for _, id := range due {
		if ch, ok := k.Challenge(ctx, id); ok && ch.Status == storagepb.ChallengeStatus_CH_OPEN {
			k.failChallenge(ctx, ch, fmt.Sprintf("missed the deadline (height %d)", ch.Deadline))
		}
	}
}

// historyBlocks is p's challenge_history_blocks; 0, which only a state
// written before the parameter existed holds, is the default, as it is in
// a genesis.
func historyBlocks(p *storagepb.Params) int64 {
	if p.ChallengeHistoryBlocks == 0 {
		return DefaultChallengeHistoryBlocks
	}
	return p.ChallengeHistoryBlocks
}

// noChallenge is the error for a challenge id not in state: pruned from
// the history, or never drawn.
func (k Keeper) noChallenge(ctx *types.Context, id uint64) error {
	if id != 0 && id <= k.counter(ctx, keyChallengePrune) {
		return ErrNoChallenge.Wrapf("challenge %d was drawn more than challenge_history_blocks (%d) blocks ago and pruned; the block events of its height keep it", id, historyBlocks(k.Params(ctx)))
	}
	return ErrNoChallenge.Wrapf("challenge %d (the last drawn is %d)", id, k.counter(ctx, keyChallengeSeq))
}

// pruneChallengeHistory deletes the challenges drawn more than
// challenge_history_blocks ago (with their cx/ and ca/ entries), in id
// order, at most MaxDeadlineWork a block. Ids grow with height, so the
// oldest are first; it stops at the first one still open (a deadline
// backlog past MaxDeadlineWork) or too young, and goes on from there next
// block. A negative parameter keeps them all.
func (k Keeper) pruneChallengeHistory(ctx *types.Context) {
	keep := historyBlocks(k.Params(ctx))
	if keep < 0 || ctx.Height <= keep {
		return
	}
	kv := k.kv(ctx)
	last, pruned := k.counter(ctx, keyChallengeSeq), k.counter(ctx, keyChallengePrune)
	next := pruned + 1
	for n := 0; n < MaxDeadlineWork && next <= last; n, next = n+1, next+1 {
		ch, ok := k.Challenge(ctx, next)
		if !ok {
			continue
		}
		if ch.Status == storagepb.ChallengeStatus_CH_OPEN || ch.CreatedHeight > ctx.Height-keep {
			break
		}
		mn, _ := secp256k1.ParseAddress(ch.Masternode)
		kv.Delete(chKey(ch.Id))
		kv.Delete(cxKey(mn, ch.Id))
		kv.Delete(caKey(ch.ArtId, ch.Id))
	}
	if next-1 != pruned {
		k.setCounter(ctx, keyChallengePrune, next-1)
	}
}

// OpenChallenges lists the open challenges of mn (at most limit).
func (k Keeper) OpenChallenges(ctx *types.Context, mn types.Address, limit int) []*storagepb.Challenge {
	prefix := key(pOpenChallenge, mn[:])
	it := k.kv(ctx).Iterator(prefix, types.PrefixEnd(prefix))
	defer it.Close()
	var out []*storagepb.Challenge
	for ; it.Valid() && len(out) < limit; it.Next() {
		if ch, ok := k.Challenge(ctx, u64From(it.Key()[len(prefix):])); ok {
			out = append(out, ch)
		}
	}
	return out
}

// RecentChallenges lists the latest challenges under an index prefix
// (cx/<mn> or ca/<art>), newest first.
func (k Keeper) RecentChallenges(ctx *types.Context, prefix []byte, limit int) []*storagepb.Challenge {
	it := k.kv(ctx).ReverseIterator(prefix, types.PrefixEnd(prefix))
	defer it.Close()
	var out []*storagepb.Challenge
	for ; it.Valid() && len(out) < limit; it.Next() {
		if ch, ok := k.Challenge(ctx, u64From(it.Key()[len(prefix):])); ok {
			out = append(out, ch)
		}
	}
	return out
}

func (k Keeper) unjail(ctx *types.Context, mn types.Address) error {
	m, ok := k.Masternode(ctx, mn)
	if !ok {
		return ErrNoMasternode.Wrapf("%s", mn)
	}
	if m.Status != storagepb.MasternodeStatus_MN_JAILED {
		return ErrNotJailed.Wrapf("%s is %s", mn, m.Status)
	}
	p := k.Params(ctx)
	if ctx.Height < m.JailedHeight+p.JailBlocks {
		return ErrStillJailed.Wrapf("jailed at %d; unjail from height %d", m.JailedHeight, m.JailedHeight+p.JailBlocks)
	}
	m.Status = storagepb.MasternodeStatus_MN_ACTIVE
	m.RecentFailures = nil
	if len(m.ConsensusPubKey) > 0 {
		k.markValidatorsDirty(ctx)
	}
	k.setMasternode(ctx, mn, m)
	k.ringAdd(ctx, mn)
	ctx.EmitEvent("masternode_unjailed", "masternode", mn.String())
	return nil
}

// recordTrust feeds a challenge outcome to the trust module. A trust-side
// failure must not undo the outcome itself, so it is reported as an event.
func (k Keeper) recordTrust(ctx *types.Context, mn types.Address, good bool) {
	if k.Trust == nil {
		return
	}
	if err := k.Trust.RecordOutcome(ctx, Challenger, mn, good); err != nil {
		ctx.EmitEvent("trust_outcome_not_recorded", "masternode", mn.String(), "reason", err.Error())
	}
}
