package storage

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

const mib = 1 << 20

func hexID(id []byte) string { return hex.EncodeToString(id) }

// Fee is the storage fee of an archive: fee_base + fee_per_mib for every
// started MiB of stored chunks (archive size × redundancy).
func Fee(p *storagepb.Params, archiveSize uint64, redundancy uint32) uint64 {
	stored := archiveSize * uint64(redundancy)
	return p.FeeBase + p.FeePerMib*((stored+mib-1)/mib)
}

// ValidateTicket checks a registration against the coding layout and the
// parameters; it needs no other state.
func ValidateTicket(p *storagepb.Params, m *storagepb.MsgRegisterArt) (codec.Layout, error) {
	if len(m.ArchiveHash) != 32 || len(m.MetadataHash) != 32 {
		return codec.Layout{}, ErrBadTicket.Wrapf("archive_hash and metadata_hash must be 32-byte SHA3-256 hashes")
	}
	if m.Title == "" || uint32(len(m.Title)) > p.MaxTitle {
		return codec.Layout{}, ErrBadTicket.Wrapf("title of %d bytes; give 1 to %d", len(m.Title), p.MaxTitle)
	}
	if m.Editions == 0 || m.Editions > p.MaxEditions {
		return codec.Layout{}, ErrBadTicket.Wrapf("%d editions; give 1 to %d", m.Editions, p.MaxEditions)
	}
	if m.ArchiveSize > p.MaxArchiveSize {
		return codec.Layout{}, ErrBadTicket.Wrapf("archive of %d bytes exceeds the limit of %d", m.ArchiveSize, p.MaxArchiveSize)
	}
	if m.ChunkSize < p.MinChunkSize {
		return codec.Layout{}, ErrBadTicket.Wrapf("chunk size %d is below the minimum %d", m.ChunkSize, p.MinChunkSize)
	}
	if m.Redundancy == 0 || m.Redundancy > p.MaxRedundancy {
		return codec.Layout{}, ErrBadTicket.Wrapf("redundancy %d; give 1 to %d", m.Redundancy, p.MaxRedundancy)
	}
	l, err := codec.NewLayout(int64(m.ArchiveSize), codec.Params{ChunkSize: int(m.ChunkSize), Redundancy: int(m.Redundancy)})
	if err != nil {
		return codec.Layout{}, ErrBadTicket.Wrapf("%v", err)
	}
	if want := l.Chunks(); len(m.ChunkIds) != want {
		return codec.Layout{}, ErrBadTicket.Wrapf("%d chunk ids; an archive of %d bytes at chunk size %d and redundancy %d has %d chunks",
			len(m.ChunkIds), m.ArchiveSize, m.ChunkSize, m.Redundancy, want)
	}
	for i, id := range m.ChunkIds {
		if len(id) != 32 {
			return codec.Layout{}, ErrBadTicket.Wrapf("chunk id %d has %d bytes, want 32", i, len(id))
		}
	}
	return l, nil
}

func (k Keeper) registerArt(ctx *types.Context, artist types.Address, m *storagepb.MsgRegisterArt) error {
	p := k.Params(ctx)
	l, err := ValidateTicket(p, m)
	if err != nil {
		return err
	}
	id := m.ArchiveHash
	if old, ok := k.Art(ctx, id); ok {
		return ErrArtExists.Wrapf("art %s is already registered (status %s)", hexID(id), old.Status)
	}
	fee := Fee(p, m.ArchiveSize, m.Redundancy)
	if fee > m.MaxFee {
		return ErrFeeTooHigh.Wrapf("the fee is %d npsl, max_fee is %d", fee, m.MaxFee)
	}
	if dup, d, found := k.nearDuplicate(ctx, m.Fingerprint, int(p.FingerprintDistance)); found {
		return ErrDuplicateArt.Wrapf("fingerprint %016x is %d bits from art %s (the limit is %d)", m.Fingerprint, d, hexID(dup), p.FingerprintDistance)
	}
	if m.Encrypted {
		if len(m.KeyCheck) != 32 {
			return ErrBadTicket.Wrapf("an encrypted art needs the 32-byte key_check of its content key, not %d bytes", len(m.KeyCheck))
		}
		if err := k.checkKeyWrap(ctx, id, m.ArtistKey, artist, "the artist"); err != nil {
			return err
		}
	} else if len(m.KeyCheck) > 0 || m.ArtistKey != nil {
		return ErrBadTicket.Wrapf("a public art (encrypted false) carries no key_check or artist_key")
	}
	if err := k.Bank.Send(ctx, artist, Endowment, fee); err != nil {
		return err
	}
	art := &storagepb.Art{
		Encrypted: m.Encrypted, KeyCheck: m.KeyCheck,
		Id: id, Artist: artist.String(), Title: m.Title, MetadataHash: m.MetadataHash,
		ArchiveSize: m.ArchiveSize, ChunkSize: m.ChunkSize, Redundancy: m.Redundancy,
		Fingerprint: m.Fingerprint, Editions: m.Editions, Fee: fee,
		Status: storagepb.ArtStatus_ART_PENDING, RegisteredHeight: ctx.Height,
		AttestDeadline: ctx.Height + p.AttestWindow,
	}
	pos := 0
	perMN := map[types.Address]int{}
	eligible := k.eligibleOnce(ctx)
	for s := 0; s < l.Stripes(); s++ {
		sl := l.Stripe(s)
		st := &storagepb.Stripe{K: uint32(sl.K), N: uint32(sl.N)}
		// Holders of each chunk id in this stripe so far: a masternode holds
		// one position of an id that stands at several, if it can (placeApart).
		byID := map[string]map[types.Address]bool{}
		placed := make([][]types.Address, sl.N)
		for i := 0; i < sl.N; i++ {
			cid := m.ChunkIds[pos]
			pos++
			st.ChunkIds = append(st.ChunkIds, cid)
			twins := byID[string(cid)]
			if twins == nil {
				twins = map[types.Address]bool{}
				byID[string(cid)] = twins
			}
			holders := k.placeApartBy(ctx, ChunkPoint(id, uint32(s), uint32(i)), int(p.Replication), nil, twins, eligible)
			if len(holders) == 0 {
				return ErrNoMasternodes.Wrapf("%s", k.whyNoHolders(ctx))
			}
			placed[i] = holders
			for _, h := range holders {
				perMN[h]++
				twins[h] = true
			}
			if len(holders) < int(p.Replication) {
				// Fewer than R eligible right now (the others penalized or
				// jailed): processTopUps adds the rest once they are back.
				k.kv(ctx).Set(urKey(id, uint32(s), uint32(i)), types.Marker)
			}
		}
		k.commitStripe(ctx, id, uint32(s), uint32(sl.ShardSize), placed)
		art.Stripes = append(art.Stripes, st)
	}
	for _, a := range k.drawMasternodes(ctx, "attest", id, int(p.Attesters)) {
		art.Attestations = append(art.Attestations, &storagepb.Attestation{Attester: a.String()})
		k.kv(ctx).Set(attestingKey(a, id), types.Marker)
	}
	k.setArt(ctx, art)
	if m.Encrypted {
		k.storeKeyWrap(ctx, id, artist, m.ArtistKey)
	}
	for e := uint32(1); e <= m.Editions; e++ {
		k.setEditionOwner(ctx, id, e, artist)
	}
	k.fpAdd(ctx, m.Fingerprint, id)
	k.kv(ctx).Set(deadlineKey(art.AttestDeadline, id), types.Marker)
	ctx.EmitEvent("art_registered", "art_id", hexID(id), "artist", artist.String(), "chunks", types.U64(uint64(len(m.ChunkIds))),
		"fee", types.U64(fee), "fingerprint", fmt.Sprintf("%016x", m.Fingerprint))
	mns := make([]types.Address, 0, len(perMN))
	for a := range perMN {
		mns = append(mns, a)
	}
	sort.Slice(mns, func(i, j int) bool { return bytes.Compare(mns[i][:], mns[j][:]) < 0 })
	for _, a := range mns {
		ctx.EmitEvent("chunks_assigned", "art_id", hexID(id), "masternode", a.String(), "count", types.U64(uint64(perMN[a])))
	}
	for _, at := range art.Attestations {
		ctx.EmitEvent("attester_selected", "art_id", hexID(id), "masternode", at.Attester)
	}
	return nil
}

// drawMasternodes picks up to n distinct eligible masternodes from the block
// randomness: the ring walk from a random point.
func (k Keeper) drawMasternodes(ctx *types.Context, purpose string, id []byte, n int) []types.Address {
	return k.Place(ctx, drawPoint(ctx.Rand, purpose, id, 0), n, nil)
}

func (k Keeper) confirmChunks(ctx *types.Context, mn types.Address, m *storagepb.MsgConfirmChunks) error {
	art, ok := k.Art(ctx, m.ArtId)
	if !ok {
		return ErrNoArt.Wrapf("%s", hexID(m.ArtId))
	}
	if art.Status == storagepb.ArtStatus_ART_REJECTED {
		return ErrArtNotPending.Wrapf("art %s was rejected: %s", hexID(m.ArtId), art.RejectReason)
	}
	if _, ok := k.Masternode(ctx, mn); !ok {
		return ErrNoMasternode.Wrapf("%s cannot confirm chunks", mn)
	}
	p := k.Params(ctx)
	confirmed := 0
	for _, ref := range m.Chunks {
		c, ok := k.Commitment(ctx, m.ArtId, ref.Stripe, ref.Index, mn)
		if !ok {
			return ErrNotCommitted.Wrapf("chunk (stripe %d, index %d) of art %s is not committed to %s", ref.Stripe, ref.Index, hexID(m.ArtId), mn)
		}
		if c.Confirmed {
			continue
		}
		if err := k.checkPossession(ctx, c, mn, ref, p); err != nil {
			return err
		}
		replaces := c.Replaces
		k.confirm(ctx, c)
		confirmed++
		if replaces != "" {
			// The exiting masternode this one stands in for may go now. Only
			// an exiting one: any other holder of the chunk is a holder in
			// its own right.
			if old, err := secp256k1.ParseAddress(replaces); err == nil {
				om, isMN := k.Masternode(ctx, old)
				if oc, ok := k.Commitment(ctx, c.ArtId, c.Stripe, c.Index, old); ok && isMN && om.Status == storagepb.MasternodeStatus_MN_EXITING {
					k.removeCommitment(ctx, oc)
				}
			}
		}
	}
	ctx.EmitEvent("chunks_confirmed", "art_id", hexID(m.ArtId), "masternode", mn.String(), "count", types.U64(uint64(confirmed)))
	k.maybeActivate(ctx, art)
	return nil
}

func (k Keeper) attest(ctx *types.Context, mn types.Address, m *storagepb.MsgAttest) error {
	art, ok := k.Art(ctx, m.ArtId)
	if !ok {
		return ErrNoArt.Wrapf("%s", hexID(m.ArtId))
	}
	var mine *storagepb.Attestation
	for _, a := range art.Attestations {
		if a.Attester == mn.String() {
			mine = a
		}
	}
	if mine == nil {
		return ErrNotAttester.Wrapf("%s was not drawn to attest art %s", mn, hexID(m.ArtId))
	}
	if mine.Done {
		return ErrAlreadyAttested.Wrapf("%s already attested art %s", mn, hexID(m.ArtId))
	}
	if len(m.DuplicateOf) > 0 {
		// "A crop of X": X must be another art on record (not rejected),
		// and the distance within the parameter, or the claim is refused.
		dup, ok := k.Art(ctx, m.DuplicateOf)
		switch {
		case !ok || bytes.Equal(m.DuplicateOf, m.ArtId):
			return ErrBadTicket.Wrapf("duplicate_of %x is not another registered art", m.DuplicateOf)
		case dup.Status == storagepb.ArtStatus_ART_REJECTED:
			return ErrBadTicket.Wrapf("duplicate_of %x was rejected: it is no original to protect", m.DuplicateOf)
		case m.DuplicateDistance > k.Params(ctx).FingerprintDistance:
			return ErrBadTicket.Wrapf("duplicate_distance %d is above fingerprint_distance %d", m.DuplicateDistance, k.Params(ctx).FingerprintDistance)
		}
	}
	mine.Done, mine.Ok, mine.Fingerprint, mine.Reason = true, m.Ok, m.Fingerprint, m.Reason
	mine.DuplicateOf, mine.DuplicateDistance = m.DuplicateOf, m.DuplicateDistance
	k.kv(ctx).Delete(attestingKey(mn, m.ArtId))
	ctx.EmitEvent("art_attested", "art_id", hexID(m.ArtId), "masternode", mn.String(), "ok", fmt.Sprint(m.Ok && m.Fingerprint == art.Fingerprint && len(m.DuplicateOf) == 0))
	if art.Status != storagepb.ArtStatus_ART_PENDING {
		// A late attester's answer is kept on record; the outcome is settled.
		k.setArt(ctx, art)
		return nil
	}
	quorum := len(art.Attestations)/2 + 1
	agree, disagree := 0, 0
	dups := map[string]int{}
	for _, a := range art.Attestations {
		if !a.Done {
			continue
		}
		if a.Ok && a.Fingerprint == art.Fingerprint && len(a.DuplicateOf) == 0 {
			agree++
		} else {
			disagree++
		}
		if len(a.DuplicateOf) > 0 {
			dups[string(a.DuplicateOf)]++
		}
	}
	switch {
	case agree >= quorum:
		art.OriginalityOk = true
		k.setArt(ctx, art)
		k.maybeActivate(ctx, art)
	case disagree >= quorum && len(dups) > 0:
		// Name the art most attesters found (ties: the lowest id).
		best := ""
		for _, id := range slices.Sorted(maps.Keys(dups)) {
			if best == "" || dups[id] > dups[best] {
				best = id
			}
		}
		k.reject(ctx, art, fmt.Sprintf("near-duplicate of art %s: %d of %d attesters found a crop or edit of it within fingerprint distance %d",
			hexID([]byte(best)), dups[best], len(art.Attestations), k.Params(ctx).FingerprintDistance))
	case disagree >= quorum:
		reason := fmt.Sprintf("%d of %d attesters could not confirm fingerprint %016x", disagree, len(art.Attestations), art.Fingerprint)
		if m.Reason != "" {
			reason += " (" + m.Reason + ")"
		} else if m.Ok {
			reason += fmt.Sprintf(" (recomputed %016x)", m.Fingerprint)
		}
		k.reject(ctx, art, reason)
	default:
		k.setArt(ctx, art)
	}
	return nil
}

// storageShortfall returns the first stripe that lacks confirmed chunks, or -1.
func (k Keeper) storageShortfall(ctx *types.Context, art *storagepb.Art) (stripe int, have, need uint32) {
	margin := k.Params(ctx).ActivationMargin
	for s, st := range art.Stripes {
		need := min(st.N, st.K+margin)
		if have := k.LiveChunks(ctx, art.Id, uint32(s)); have < need {
			return s, have, need
		}
	}
	return -1, 0, 0
}

func (k Keeper) maybeActivate(ctx *types.Context, art *storagepb.Art) {
	if art.Status != storagepb.ArtStatus_ART_PENDING || !art.OriginalityOk {
		return
	}
	if s, _, _ := k.storageShortfall(ctx, art); s >= 0 {
		return
	}
	art.Status = storagepb.ArtStatus_ART_ACTIVE
	art.ActivatedHeight = ctx.Height
	k.setArt(ctx, art)
	// Nothing is left to do at the deadline: a marker kept would cost the
	// deadline's block a ticket read per art ever registered.
	k.kv(ctx).Delete(deadlineKey(art.AttestDeadline, art.Id))
	k.clearAttesting(ctx, art)
	ctx.EmitEvent("art_activated", "art_id", hexID(art.Id), "artist", art.Artist)
}

// reject marks the art rejected, frees its fingerprint and drops its
// commitments (their chunks are no longer needed anywhere).
func (k Keeper) reject(ctx *types.Context, art *storagepb.Art, reason string) {
	art.Status = storagepb.ArtStatus_ART_REJECTED
	art.RejectReason = reason
	k.setArt(ctx, art)
	k.kv(ctx).Delete(deadlineKey(art.AttestDeadline, art.Id))
	k.clearAttesting(ctx, art)
	k.fpRemove(ctx, art.Fingerprint, art.Id)
	for s, st := range art.Stripes {
		for i := uint32(0); i < st.N; i++ {
			for _, c := range k.Holders(ctx, art.Id, uint32(s), i) {
				k.removeCommitment(ctx, c)
			}
			k.kv(ctx).Delete(hmKey(art.Id, uint32(s), i))
		}
		k.kv(ctx).Delete(htKey(art.Id, uint32(s)))
	}
	ctx.EmitEvent("art_rejected", "art_id", hexID(art.Id), "artist", art.Artist, "reason", reason)
}

// MaxDeadlinesPerBlock bounds the deadline work of one block.
const MaxDeadlinesPerBlock = 64

// processDeadlines rejects arts still pending at their deadline (only
// pending arts have a marker).
func (k Keeper) processDeadlines(ctx *types.Context) {
	end := key(pAttestDeadline, u64(uint64(ctx.Height)+1))
	it := k.kv(ctx).Iterator(pAttestDeadline, end)
	var due [][]byte
	for ; it.Valid() && len(due) < MaxDeadlinesPerBlock; it.Next() {
		due = append(due, append([]byte(nil), it.Key()...))
	}
	it.Close()
	for _, dk := range due {
		k.kv(ctx).Delete(dk)
		id := dk[len(pAttestDeadline)+8:]
		art, ok := k.Art(ctx, id)
		if !ok || art.Status != storagepb.ArtStatus_ART_PENDING {
			continue
		}
		var reason string
		if !art.OriginalityOk {
			done := 0
			for _, a := range art.Attestations {
				if a.Done {
					done++
				}
			}
			reason = fmt.Sprintf("originality not attested in time: %d of %d attesters answered by height %d", done, len(art.Attestations), art.AttestDeadline)
		} else {
			s, have, need := k.storageShortfall(ctx, art)
			reason = fmt.Sprintf("chunks not stored in time: stripe %d has %d of %d needed confirmed chunks by height %d", s, have, need, art.AttestDeadline)
		}
		k.reject(ctx, art, reason)
	}
}

// attestingKey indexes the open attestation tasks of a masternode, so its
// chunkd can find them: at/<mn20><art32>.

func (k Keeper) clearAttesting(ctx *types.Context, art *storagepb.Art) {
	for _, a := range art.Attestations {
		if addr, err := secp256k1.ParseAddress(a.Attester); err == nil {
			k.kv(ctx).Delete(attestingKey(addr, art.Id))
		}
	}
}

// Attesting lists the arts mn is drawn to attest and has not yet.
func (k Keeper) Attesting(ctx *types.Context, mn types.Address, limit int) [][]byte {
	prefix := key(pAttesting, mn[:])
	it := k.kv(ctx).Iterator(prefix, types.PrefixEnd(prefix))
	defer it.Close()
	var out [][]byte
	for ; it.Valid() && len(out) < limit; it.Next() {
		out = append(out, append([]byte(nil), it.Key()[len(prefix):]...))
	}
	return out
}

// ManifestLayout is the coding layout a ticket describes (validated at
// registration, so it cannot fail for a stored ticket).
func ManifestLayout(a *storagepb.Art) codec.Layout {
	l, err := codec.NewLayout(int64(a.ArchiveSize), codec.Params{ChunkSize: int(a.ChunkSize), Redundancy: int(a.Redundancy)})
	if err != nil {
		panic(fmt.Errorf("storage: stored ticket %x has an invalid layout: %w", a.Id, err))
	}
	return l
}

// whyNoHolders explains an empty placement: how many masternodes are
// registered and why none is eligible, with what to do about it.
func (k Keeper) whyNoHolders(ctx *types.Context) string {
	var active, jailed, exiting int
	var jailEnd int64
	p := k.Params(ctx)
	for _, m := range k.Masternodes(ctx) {
		switch m.Status {
		case storagepb.MasternodeStatus_MN_JAILED:
			jailed++
			jailEnd = max(jailEnd, m.JailedHeight+p.JailBlocks)
		case storagepb.MasternodeStatus_MN_EXITING:
			exiting++
		default:
			active++
		}
	}
	total := active + jailed + exiting
	if total == 0 {
		return "no masternode is registered; register one first (pasteld mn register)"
	}
	msg := fmt.Sprintf("no masternode can hold chunks: %d registered, %d active, %d jailed, %d exiting", total, active, jailed, exiting)
	if jailed > 0 {
		msg += fmt.Sprintf("; the jailed ones failed or missed storage challenges (is their chunkd running?) and can `pasteld mn unjail` from height %d", jailEnd)
	}
	return msg + " (pasteld mn list)"
}
