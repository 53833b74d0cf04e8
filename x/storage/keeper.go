package storage

import (
	"encoding/binary"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// ModuleName is the store prefix and route prefix.
const ModuleName = "storage"

// Endowment is the module account that receives registration fees; the
// rewards module pays storage out of it over time.
var Endowment = secp256k1.ModuleAddress("storage_endowment")

// Errors of the storage module (codespace "storage").
var (
	ErrMasternodeExists  = types.Register(ModuleName, 2, "masternode already registered")
	ErrNoMasternode      = types.Register(ModuleName, 3, "not a registered masternode")
	ErrCollateral        = types.Register(ModuleName, 4, "collateral below minimum")
	ErrBadURL            = types.Register(ModuleName, 5, "invalid chunkd URL")
	ErrArtExists         = types.Register(ModuleName, 6, "art already registered")
	ErrBadTicket         = types.Register(ModuleName, 7, "invalid art ticket")
	ErrDuplicateArt      = types.Register(ModuleName, 8, "near-duplicate of a registered art")
	ErrNoArt             = types.Register(ModuleName, 9, "no such art")
	ErrNotCommitted      = types.Register(ModuleName, 10, "chunk not committed to this masternode")
	ErrNotAttester       = types.Register(ModuleName, 11, "not a selected attester for this art")
	ErrArtNotPending     = types.Register(ModuleName, 12, "art is not pending")
	ErrNotOwner          = types.Register(ModuleName, 13, "not the owner of this edition")
	ErrNoOffer           = types.Register(ModuleName, 14, "no such offer")
	ErrPrice             = types.Register(ModuleName, 15, "price above your maximum")
	ErrFeeTooHigh        = types.Register(ModuleName, 16, "storage fee above max_fee")
	ErrNoMasternodes     = types.Register(ModuleName, 17, "no masternodes to store the art")
	ErrMasternodeExiting = types.Register(ModuleName, 18, "masternode is exiting")
	ErrAlreadyAttested   = types.Register(ModuleName, 19, "already attested")
	ErrArtNotActive      = types.Register(ModuleName, 20, "art is not active")
	ErrConsensusKey      = types.Register(ModuleName, 40, "invalid consensus key")
)

// TrustView is what storage needs from the trust module: whether a
// masternode is distrusted (skipped by placement, attester and healer
// choice), and a sink for challenge outcomes, recorded as automatic edges
// from the challenge system's identity (Challenger) to the masternode.
type TrustView interface {
	IsDistrusted(ctx *types.Context, a types.Address) bool
	RecordOutcome(ctx *types.Context, from, to types.Address, good bool) error
}

// Challenger is the identity challenge outcomes are recorded under in the
// trust graph.
var Challenger = secp256k1.ModuleAddress("storage_challenger")

// Keeper is the storage module's state access.
type Keeper struct {
	Bank  bank.Keeper
	Trust TrustView // may be nil: nobody is distrusted
	// Power turns collateral, trust and standing into validator power;
	// nil: the validator set is never changed (validators.go).
	Power PowerView
}

func (Keeper) kv(ctx *types.Context) types.KVStore {
	return store.NewPrefix(ctx.Store(), []byte(ModuleName+"/"))
}

func u32(v uint32) []byte { return store.U32(v) }
func u64(v uint64) []byte { return store.U64(v) }

func (k Keeper) get(ctx *types.Context, key []byte, m proto.Message) bool {
	return store.GetProto(k.kv(ctx), key, m)
}

func (k Keeper) set(ctx *types.Context, key []byte, m proto.Message) {
	store.SetProto(k.kv(ctx), key, m)
}

func (k Keeper) getU32(ctx *types.Context, key []byte) uint32 {
	bz := k.kv(ctx).Get(key)
	if len(bz) != 4 {
		return 0
	}
	return binary.BigEndian.Uint32(bz)
}

func (k Keeper) setU32(ctx *types.Context, key []byte, v uint32) {
	if v == 0 {
		k.kv(ctx).Delete(key)
		return
	}
	k.kv(ctx).Set(key, u32(v))
}

// Params returns the module parameters.
func (k Keeper) Params(ctx *types.Context) *storagepb.Params {
	p := &storagepb.Params{}
	k.get(ctx, keyParams, p)
	return p
}

func (k Keeper) setParams(ctx *types.Context, p *storagepb.Params) { k.set(ctx, keyParams, p) }

// --- masternodes ---

// Masternode returns the record of a, if registered.
func (k Keeper) Masternode(ctx *types.Context, a types.Address) (*storagepb.Masternode, bool) {
	m := &storagepb.Masternode{}
	return m, k.get(ctx, mnKey(a), m)
}

func (k Keeper) setMasternode(ctx *types.Context, a types.Address, m *storagepb.Masternode) {
	k.set(ctx, mnKey(a), m)
}

// Eligible reports whether a masternode may receive new chunks and be drawn
// as attester or healer: active, no recent failure (rewards not withheld)
// and not distrusted.
func (k Keeper) Eligible(ctx *types.Context, a types.Address) bool {
	m, ok := k.Masternode(ctx, a)
	if !ok || !InGoodStanding(m, ctx.Height) {
		return false
	}
	return k.Trust == nil || !k.Trust.IsDistrusted(ctx, a)
}

// Masternodes lists every registered masternode in address order.
func (k Keeper) Masternodes(ctx *types.Context) []*storagepb.Masternode {
	var out []*storagepb.Masternode
	it := k.kv(ctx).Iterator(pMasternode, types.PrefixEnd(pMasternode))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		m := &storagepb.Masternode{}
		if err := proto.Unmarshal(it.Value(), m); err != nil {
			panic(err)
		}
		out = append(out, m)
	}
	return out
}

// --- arts ---

// Art returns the ticket with id.
func (k Keeper) Art(ctx *types.Context, id []byte) (*storagepb.Art, bool) {
	a := &storagepb.Art{}
	return a, k.get(ctx, artKey(id), a)
}

// setArt stores a and keeps the indexes Stats reads instead of scanning
// the tickets: arts by status, and active arts by redundancy (stats.go).
func (k Keeper) setArt(ctx *types.Context, a *storagepb.Art) {
	old := storagepb.ArtStatus_ART_UNSPECIFIED
	if prev, ok := k.Art(ctx, a.Id); ok {
		old = prev.Status
	}
	k.set(ctx, artKey(a.Id), a)
	if old != a.Status {
		if old != storagepb.ArtStatus_ART_UNSPECIFIED {
			if n := k.counter(ctx, asKey(old)); n > 0 {
				k.setCounter(ctx, asKey(old), n-1)
			}
		}
		k.setCounter(ctx, asKey(a.Status), k.counter(ctx, asKey(a.Status))+1)
	}
	lv := k.liveBytes(ctx, a.Id)
	k.setLiveBytes(ctx, a.Id, lv, liveRecord{live: lv.live, size: a.ArchiveSize, active: a.Status == storagepb.ArtStatus_ART_ACTIVE})
}

// --- commitments ---

// Commitment returns the commitment of chunk (id, stripe, index) to mn.
func (k Keeper) Commitment(ctx *types.Context, id []byte, stripe, index uint32, mn types.Address) (*storagepb.Commitment, bool) {
	c := &storagepb.Commitment{}
	return c, k.get(ctx, commitKey(id, stripe, index, mn), c)
}

// Holders returns the commitments of one chunk, in masternode address order.
func (k Keeper) Holders(ctx *types.Context, id []byte, stripe, index uint32) []*storagepb.Commitment {
	prefix := key(pCommit, chunkPos(id, stripe, index))
	var out []*storagepb.Commitment
	it := k.kv(ctx).Iterator(prefix, types.PrefixEnd(prefix))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		c := &storagepb.Commitment{}
		if err := proto.Unmarshal(it.Value(), c); err != nil {
			panic(err)
		}
		out = append(out, c)
	}
	return out
}

// MasternodeCommitments returns up to limit commitments of mn starting
// after the position `after` (nil = from the start), in key order.
func (k Keeper) MasternodeCommitments(ctx *types.Context, mn types.Address, after []byte, limit int) []*storagepb.Commitment {
	var out []*storagepb.Commitment
	k.eachMasternodeCommitment(ctx, mn, after, limit, func(c *storagepb.Commitment) bool {
		out = append(out, c)
		return true
	})
	return out
}

// eachMasternodeCommitment calls fn on up to limit commitments of mn in
// position order after the position after (nil: from the first), reading
// each record only when it gets to it, until fn returns false.
func (k Keeper) eachMasternodeCommitment(ctx *types.Context, mn types.Address, after []byte, limit int, fn func(*storagepb.Commitment) bool) {
	prefix := key(pMnCommit, mn[:])
	start := prefix
	if after != nil {
		start = append(key(prefix, after), 0)
	}
	it := k.kv(ctx).Iterator(start, types.PrefixEnd(prefix))
	defer it.Close()
	for n := 0; it.Valid() && n < limit; it.Next() {
		pos := it.Key()[len(prefix):]
		id, stripe, index := pos[:32], binary.BigEndian.Uint32(pos[32:36]), binary.BigEndian.Uint32(pos[36:40])
		if c, ok := k.Commitment(ctx, id, stripe, index, mn); ok {
			n++
			if !fn(c) {
				return
			}
		}
	}
}

func (k Keeper) addCommitment(ctx *types.Context, c *storagepb.Commitment) {
	mn, _ := secp256k1.ParseAddress(c.Masternode)
	k.set(ctx, commitKey(c.ArtId, c.Stripe, c.Index, mn), c)
	if !c.Confirmed {
		k.markUnconfirmed(ctx, c, mn)
	}
	k.kv(ctx).Set(mnCommitKey(mn, c.ArtId, c.Stripe, c.Index), types.Marker)
	if m, ok := k.Masternode(ctx, mn); ok {
		m.Commitments++
		k.setMasternode(ctx, mn, m)
	}
}

// removeCommitment deletes a commitment and keeps the confirmation counters.
func (k Keeper) removeCommitment(ctx *types.Context, c *storagepb.Commitment) {
	mn, _ := secp256k1.ParseAddress(c.Masternode)
	if c.Confirmed {
		k.unconfirm(ctx, c)
	}
	k.kv(ctx).Delete(ucKey(c, mn))
	k.kv(ctx).Delete(commitKey(c.ArtId, c.Stripe, c.Index, mn))
	k.kv(ctx).Delete(mnCommitKey(mn, c.ArtId, c.Stripe, c.Index))
	if m, ok := k.Masternode(ctx, mn); ok && m.Commitments > 0 {
		m.Commitments--
		k.setMasternode(ctx, mn, m)
	}
}

// ConfirmedHolders is how many masternodes confirmed chunk (id, stripe, index).
func (k Keeper) ConfirmedHolders(ctx *types.Context, id []byte, stripe, index uint32) uint32 {
	return k.getU32(ctx, ccKey(id, stripe, index))
}

// LiveChunks is how many distinct chunks of a stripe have a confirmed holder.
func (k Keeper) LiveChunks(ctx *types.Context, id []byte, stripe uint32) uint32 {
	return k.getU32(ctx, scKey(id, stripe))
}

// confirm marks c confirmed and keeps the counters: holders of the chunk,
// live chunks of the stripe, confirmed commitments overall, proven bytes of
// the masternode, and the healing marker of the chunk.
func (k Keeper) confirm(ctx *types.Context, c *storagepb.Commitment) {
	if mn, err := secp256k1.ParseAddress(c.Masternode); err == nil {
		k.kv(ctx).Delete(ucKey(c, mn))
	}
	c.Confirmed = true
	c.ConfirmedHeight = ctx.Height
	n := k.getU32(ctx, ccKey(c.ArtId, c.Stripe, c.Index))
	k.setU32(ctx, ccKey(c.ArtId, c.Stripe, c.Index), n+1)
	if n == 0 {
		k.setU32(ctx, scKey(c.ArtId, c.Stripe), k.getU32(ctx, scKey(c.ArtId, c.Stripe))+1)
		k.addLiveBytes(ctx, c.ArtId, int64(c.PayloadLen))
		k.healed(ctx, c.ArtId, c.Stripe, c.Index)
	}
	k.setCounter(ctx, tcKey(), k.counter(ctx, tcKey())+1)
	k.addProvenBytes(ctx, c.Masternode, int64(c.PayloadLen))
}

func (k Keeper) unconfirm(ctx *types.Context, c *storagepb.Commitment) {
	n := k.getU32(ctx, ccKey(c.ArtId, c.Stripe, c.Index))
	if n == 0 {
		return
	}
	k.setU32(ctx, ccKey(c.ArtId, c.Stripe, c.Index), n-1)
	if n == 1 {
		if s := k.getU32(ctx, scKey(c.ArtId, c.Stripe)); s > 0 {
			k.setU32(ctx, scKey(c.ArtId, c.Stripe), s-1)
			k.addLiveBytes(ctx, c.ArtId, -int64(c.PayloadLen))
		}
		k.kv(ctx).Set(hmKey(c.ArtId, c.Stripe, c.Index), types.Marker)
	}
	if t := k.counter(ctx, tcKey()); t > 0 {
		k.setCounter(ctx, tcKey(), t-1)
	}
	k.addProvenBytes(ctx, c.Masternode, -int64(c.PayloadLen))
	c.Confirmed = false
}

func (k Keeper) addProvenBytes(ctx *types.Context, mnStr string, delta int64) {
	mn, err := secp256k1.ParseAddress(mnStr)
	if err != nil {
		return
	}
	m, ok := k.Masternode(ctx, mn)
	if !ok {
		return
	}
	if delta < 0 && uint64(-delta) > m.ProvenBytes {
		m.ProvenBytes = 0
	} else {
		m.ProvenBytes = uint64(int64(m.ProvenBytes) + delta)
	}
	k.setMasternode(ctx, mn, m)
}

// --- editions ---

// EditionOwner returns the owner of edition ed of art id.
func (k Keeper) EditionOwner(ctx *types.Context, id []byte, ed uint32) (types.Address, bool) {
	bz := k.kv(ctx).Get(edKey(id, ed))
	if bz == nil {
		return types.Address{}, false
	}
	a, err := secp256k1.ParseAddress(string(bz))
	return a, err == nil
}

func (k Keeper) setEditionOwner(ctx *types.Context, id []byte, ed uint32, owner types.Address) {
	if old, ok := k.EditionOwner(ctx, id, ed); ok {
		k.kv(ctx).Delete(eoKey(old, id, ed))
	}
	k.kv(ctx).Set(edKey(id, ed), []byte(owner.String()))
	k.kv(ctx).Set(eoKey(owner, id, ed), types.Marker)
}

// OwnedEditions lists the editions of art id that owner holds.
func (k Keeper) OwnedEditions(ctx *types.Context, owner types.Address, id []byte) []uint32 {
	prefix := key(pOwned, owner[:], id)
	var out []uint32
	it := k.kv(ctx).Iterator(prefix, types.PrefixEnd(prefix))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		out = append(out, binary.BigEndian.Uint32(it.Key()[len(prefix):]))
	}
	return out
}

// CanDownload reports whether addr may fetch the chunks of art id: an owner
// of one of its editions, or an active masternode.
func (k Keeper) CanDownload(ctx *types.Context, addr types.Address, id []byte) bool {
	if m, ok := k.Masternode(ctx, addr); ok && m.Status != storagepb.MasternodeStatus_MN_UNSPECIFIED {
		return true
	}
	return k.ownsEdition(ctx, addr, id)
}

// ownsEdition reports whether owner holds at least one edition of art id.
func (k Keeper) ownsEdition(ctx *types.Context, owner types.Address, id []byte) bool {
	prefix := key(pOwned, owner[:], id)
	it := k.kv(ctx).Iterator(prefix, types.PrefixEnd(prefix))
	defer it.Close()
	return it.Valid()
}
