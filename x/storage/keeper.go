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

// addProvenBytes changes mn's proven bytes: one of its commitments was
// confirmed, unconfirmed or lost.
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
	m.AssignmentsVersion++ // confirmed or unconfirmed
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
