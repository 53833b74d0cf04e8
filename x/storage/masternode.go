package storage

import (
	"bytes"
	"fmt"
	"net/url"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// MaxURL is the longest chunkd URL accepted.
const MaxURL = 256

func validateURL(s string) error {
	if len(s) == 0 || len(s) > MaxURL {
		return ErrBadURL.Wrapf("%d characters; give the chunkd base URL, at most %d", len(s), MaxURL)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return ErrBadURL.Wrapf("%q: want http(s)://host:port with no credentials, query or fragment", s)
	}
	return nil
}

func (k Keeper) registerMasternode(ctx *types.Context, signer types.Address, msg *storagepb.MsgRegisterMasternode) error {
	if _, ok := k.Masternode(ctx, signer); ok {
		return ErrMasternodeExists.Wrapf("%s; use storage/UpdateMasternode to change its URL", signer)
	}
	p := k.Params(ctx)
	if msg.Collateral < p.MinCollateral {
		return ErrCollateral.Wrapf("%d npsl offered, at least %d required", msg.Collateral, p.MinCollateral)
	}
	if err := k.Bank.Lock(ctx, signer, msg.Collateral); err != nil {
		return err
	}
	acc := k.Bank.Account(ctx, signer)
	m := &storagepb.Masternode{
		Address: signer.String(), PubKey: acc.PubKey, Url: msg.Url, Collateral: msg.Collateral,
		Status: storagepb.MasternodeStatus_MN_ACTIVE, RegisteredHeight: ctx.Height,
	}
	if len(msg.ConsensusPubKey) > 0 {
		if err := k.bindConsensusKey(ctx, signer, m, msg.ConsensusPubKey); err != nil {
			return err
		}
	}
	k.giveNumber(ctx, signer, m)
	k.setMasternode(ctx, signer, m)
	k.ringAdd(ctx, signer)
	ctx.EmitEvent("masternode_registered", "masternode", signer.String(), "url", msg.Url, "collateral", types.U64(msg.Collateral),
		"validator", fmt.Sprint(len(m.ConsensusPubKey) > 0))
	return nil
}

// validateUpdate checks an update before any fee: a valid URL if one is
// given, a well-formed key, and at least one change.
func validateUpdate(x *storagepb.MsgUpdateMasternode) error {
	switch {
	case x.Url == "" && len(x.ConsensusPubKey) == 0 && !x.RemoveConsensusKey:
		return ErrBadURL.Wrapf("nothing to update: give a new url, a consensus_pub_key or remove_consensus_key")
	case len(x.ConsensusPubKey) > 0 && x.RemoveConsensusKey:
		return ErrConsensusKey.Wrapf("give either a new consensus_pub_key or remove_consensus_key, not both")
	case len(x.ConsensusPubKey) > 0:
		if err := validConsensusKey(x.ConsensusPubKey); err != nil {
			return err
		}
	}
	if x.Url != "" {
		return validateURL(x.Url)
	}
	return nil
}

func (k Keeper) updateMasternode(ctx *types.Context, signer types.Address, msg *storagepb.MsgUpdateMasternode) error {
	m, ok := k.Masternode(ctx, signer)
	if !ok {
		return ErrNoMasternode.Wrapf("%s", signer)
	}
	if msg.Url != "" {
		m.Url = msg.Url
	}
	switch {
	case len(msg.ConsensusPubKey) > 0:
		if err := k.bindConsensusKey(ctx, signer, m, msg.ConsensusPubKey); err != nil {
			return err
		}
	case msg.RemoveConsensusKey:
		if len(m.ConsensusPubKey) == 0 {
			return ErrConsensusKey.Wrapf("%s has no consensus key to remove", signer)
		}
		k.unbindConsensusKey(ctx, m)
	}
	k.setMasternode(ctx, signer, m)
	ctx.EmitEvent("masternode_updated", "masternode", signer.String(), "url", m.Url, "validator", fmt.Sprint(len(m.ConsensusPubKey) > 0))
	return nil
}

// exitMasternode takes the masternode out of placement; EndBlock then moves
// its commitments (bounded work per block) and unlocks its collateral when
// none is left.
func (k Keeper) exitMasternode(ctx *types.Context, signer types.Address) error {
	m, ok := k.Masternode(ctx, signer)
	if !ok {
		return ErrNoMasternode.Wrapf("%s", signer)
	}
	if m.Status == storagepb.MasternodeStatus_MN_EXITING {
		return ErrMasternodeExiting.Wrapf("%s is already leaving (%d commitments left to move)", signer, m.Commitments)
	}
	m.Status = storagepb.MasternodeStatus_MN_EXITING
	if len(m.ConsensusPubKey) > 0 {
		k.markValidatorsDirty(ctx) // a leaving masternode has no power
	}
	k.setMasternode(ctx, signer, m)
	k.ringRemove(ctx, signer)
	k.kv(ctx).Set(key(pExit, signer[:]), types.Marker)
	ctx.EmitEvent("masternode_exiting", "masternode", signer.String(), "commitments", types.U64(m.Commitments))
	return nil
}

// DefaultMaxMovesPerBlock is the default of params.max_moves_per_block:
// how many commitments EndBlock moves off leaving or failing masternodes
// per block. Moving is what restores R holders after masternodes are lost,
// and costs block time about linearly: a block of 256 moves took a median
// of 74–115 ms at 10^4 arts and 122–170 ms at 10^6 (make bench-scale,
// FinalizeBlock and Commit), while a block of challenges alone took 7–13
// ms. At 256 a block, losing 30% of
// 10^3 masternodes holding 10^6 arts (3.6·10^8 commitments) takes about
// 1.4·10^6 blocks to move; a network expecting that scale can choose more
// at genesis.
const DefaultMaxMovesPerBlock = 256

// MaxMovesPerBlockLimit bounds params.max_moves_per_block: at about
// 0.6 ms a move (the figure above), 4,096 moves make a block of 2.4 s.
const MaxMovesPerBlockLimit = 4096

// processMoves moves commitments off masternodes that leave. Two queues:
//   - ex/<addr>: graceful exit. Each commitment gets a replacement on the next
//     eligible masternode of the chunk's ring walk; the leaving node's own
//     commitment is dropped once the replacement confirms. When none is left
//     the masternode is removed and its collateral unlocked.
//   - ra/<addr>: forced (F failed challenges, or jailed). A replacement is
//     created and the failing node's commitment dropped at once: its copy is
//     not trusted. The masternode stays registered.
//
// The value of each queue entry is the position handled last, so the work
// resumes where it stopped; at most params.max_moves_per_block commitments
// per block.
func (k Keeper) processMoves(ctx *types.Context) {
	budget := int(k.Params(ctx).MaxMovesPerBlock)
	for _, q := range [][]byte{pExit, pReassign} {
		it := k.kv(ctx).Iterator(q, types.PrefixEnd(q))
		var queued []types.Address
		for ; it.Valid(); it.Next() {
			var a types.Address
			copy(a[:], it.Key()[len(q):])
			queued = append(queued, a)
		}
		it.Close()
		for _, a := range queued {
			qk := key(q, a[:])
			m, ok := k.Masternode(ctx, a)
			if !ok {
				k.kv(ctx).Delete(qk)
				continue
			}
			if m.Commitments == 0 {
				k.kv(ctx).Delete(qk)
				if bytes.Equal(q, pExit) {
					if err := k.Bank.Unlock(ctx, a, m.Collateral); err != nil {
						panic(err) // the collateral was locked at registration
					}
					k.unbindConsensusKey(ctx, m)
					k.kv(ctx).Delete(mnKey(a))
					k.kv(ctx).Delete(miKey(m.Number))
					k.kv(ctx).Delete(xpKey(a))
					ctx.EmitEvent("masternode_exited", "masternode", a.String(), "collateral_unlocked", types.U64(m.Collateral))
				}
				continue
			}
			// A cursor (eachMasternodeCommitment) to resume after, or
			// types.Marker: from the start.
			after := k.kv(ctx).Get(qk)
			if len(after) != cursorSize {
				after = nil
			}
			type item struct {
				c      *storagepb.Commitment
				cursor []byte
			}
			var batch []item
			k.eachMasternodeCommitment(ctx, a, after, budget, func(c *storagepb.Commitment, cur []byte) bool {
				batch = append(batch, item{c, cur})
				return true
			})
			for _, it := range batch {
				c := it.c
				budget--
				if bytes.Equal(q, pReassign) {
					k.reassign(ctx, c, a, false)
					k.removeCommitment(ctx, c)
					continue
				}
				if !k.hasReplacement(ctx, c, a) && !k.reassign(ctx, c, a, true) {
					k.removeCommitment(ctx, c) // nobody else can take it
				}
				after = it.cursor
			}
			if len(batch) == 0 || bytes.Equal(q, pReassign) {
				after = nil
			}
			if after == nil {
				k.kv(ctx).Set(qk, types.Marker)
			} else {
				k.kv(ctx).Set(qk, append([]byte{}, after...))
			}
			if budget <= 0 {
				return
			}
		}
	}
}

func (k Keeper) hasReplacement(ctx *types.Context, c *storagepb.Commitment, from types.Address) bool {
	for _, h := range k.Holders(ctx, c.ArtId, c.Stripe, c.Index) {
		if h.Replaces == from.String() {
			return true
		}
	}
	return false
}

// reassign creates a replacement of commitment c (held by from) on the next
// eligible masternode of the chunk's ring walk that does not hold it yet. It
// reports whether one was found; the caller decides what happens to c.
//
// keep says c stays until the replacement confirms (a graceful exit): the
// replacement then names from in Replaces, and its confirmation drops c.
// Otherwise the caller drops c now, and the replacement takes over c's own
// Replaces (if c was itself standing in for an exiting masternode, so is
// its successor). Naming a masternode whose commitment is already gone
// made the replacement's confirmation drop a commitment that masternode
// was given again meanwhile, leaving the chunk one holder short with no
// marker to top it up (seen in the chaos test).
func (k Keeper) reassign(ctx *types.Context, c *storagepb.Commitment, from types.Address, keep bool) bool {
	exclude := map[types.Address]bool{from: true}
	for _, h := range k.Holders(ctx, c.ArtId, c.Stripe, c.Index) {
		a, _ := secp256k1.ParseAddress(h.Masternode)
		exclude[a] = true
	}
	var twins map[types.Address]bool
	if art, ok := k.Art(ctx, c.ArtId); ok {
		twins = k.twinHolders(ctx, art, c.Stripe, c.Index)
	}
	to := k.placeApart(ctx, ChunkPoint(c.ArtId, c.Stripe, c.Index), 1, exclude, twins)
	if len(to) == 0 {
		// Remembered: processTopUps adds the missing holder once a
		// masternode is eligible again.
		k.kv(ctx).Set(urKey(c.ArtId, c.Stripe, c.Index), types.Marker)
		ctx.EmitEvent("commitment_unplaced", "art_id", hexID(c.ArtId), "masternode", from.String(), "reason", "no eligible masternode left to take the chunk")
		return false
	}
	replaces := c.Replaces
	if keep {
		replaces = from.String()
	}
	k.addCommitment(ctx, &storagepb.Commitment{ArtId: c.ArtId, Stripe: c.Stripe, Index: c.Index, ChunkId: c.ChunkId,
		Masternode: to[0].String(), AssignedHeight: ctx.Height, Replaces: replaces, PayloadLen: c.PayloadLen})
	ctx.EmitEvent("commitment_moved", "art_id", hexID(c.ArtId), "from", from.String(), "to", to[0].String(),
		"stripe", types.U64(uint64(c.Stripe)), "index", types.U64(uint64(c.Index)))
	return true
}
