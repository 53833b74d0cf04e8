package rewards

import (
	"math/big"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/rewards/rewardspb"
)

// ModuleName is the store prefix and query route.
const ModuleName = "rewards"

var (
	// Pool is the module account emission is minted into and every payout
	// is paid from.
	Pool = secp256k1.ModuleAddress("rewards_pool")
	// Endowment is storage's module account for registration fees (the same
	// name as storage.Endowment, derived here so rewards does not import
	// storage).
	Endowment = secp256k1.ModuleAddress("storage_endowment")
)

// MasternodeWeights is what rewards needs from storage. storage.Keeper
// implements it.
type MasternodeWeights interface {
	// RewardWeights returns every registered masternode, in address order,
	// with the bytes of chunks it has confirmed and not lost, and whether it
	// is in good standing (active, not jailed, rewards not withheld at this
	// height).
	RewardWeights(ctx *types.Context) []MasternodeWeight
}

// MasternodeWeight is one masternode's standing at a settlement.
type MasternodeWeight struct {
	Address      types.Address
	ProvenBytes  uint64
	GoodStanding bool // false: jailed, exiting, or withheld (failed a challenge recently)
}

// weightLike is any struct with exactly MasternodeWeight's fields, such as
// storage.MasternodeWeight.
type weightLike interface {
	~struct {
		Address      types.Address
		ProvenBytes  uint64
		GoodStanding bool
	}
}

// WeightsOf adapts a keeper whose RewardWeights returns its own struct with
// MasternodeWeight's fields to MasternodeWeights, so rewards need not import
// the keeper's package (nor it rewards):
//
//	rewards.WeightsOf[storage.MasternodeWeight](storage.Keeper{Bank: bank.Keeper{}})
func WeightsOf[W weightLike](src interface {
	RewardWeights(ctx *types.Context) []W
}) MasternodeWeights {
	return MasternodesFunc(func(ctx *types.Context) []MasternodeWeight {
		ws := src.RewardWeights(ctx)
		out := make([]MasternodeWeight, len(ws))
		for i, w := range ws {
			out[i] = MasternodeWeight(w)
		}
		return out
	})
}

// MasternodesFunc adapts a function to MasternodeWeights.
type MasternodesFunc func(ctx *types.Context) []MasternodeWeight

// RewardWeights calls f.
func (f MasternodesFunc) RewardWeights(ctx *types.Context) []MasternodeWeight { return f(ctx) }

// TrustScores is what rewards needs from trust. It may be nil: every trust
// factor is then 1.
type TrustScores interface {
	// Score returns the combined trust of a in parts per 10^9 ([-10^9, 10^9])
	// and whether it is known.
	Score(ctx *types.Context, a types.Address) (int64, bool)
}

// TrustOf adapts a keeper whose Score returns its own int64 type (trust's
// score.Score) to TrustScores:
//
//	rewards.TrustOf[score.Score](trust.Keeper{})
func TrustOf[S ~int64](src interface {
	Score(ctx *types.Context, a types.Address) (S, bool)
}) TrustScores {
	return TrustFunc(func(ctx *types.Context, a types.Address) (int64, bool) {
		s, ok := src.Score(ctx, a)
		return int64(s), ok
	})
}

// TrustFunc adapts a function to TrustScores.
type TrustFunc func(ctx *types.Context, a types.Address) (int64, bool)

// Score calls f.
func (f TrustFunc) Score(ctx *types.Context, a types.Address) (int64, bool) { return f(ctx, a) }

// Keeper is the rewards module's state access.
type Keeper struct {
	Bank bank.Keeper
	// Masternodes may be nil: no masternode is paid and the masternodes'
	// share stays in the pool.
	Masternodes MasternodeWeights
	// Trust may be nil: every trust factor is 1.
	Trust TrustScores
	// Validators may be nil; otherwise it names the masternode behind a
	// CometBFT validator address, which receives that validator's share
	// when the genesis mapped no payout address.
	Validators ValidatorOwners
}

// ValidatorOwners maps a CometBFT validator address to the masternode that
// registered its key (storage.Keeper implements it).
type ValidatorOwners interface {
	ValidatorOwner(ctx *types.Context, consAddr []byte) (types.Address, bool)
}

// Store layout under "rewards/"; see the package doc.
var (
	keyParams      = []byte("params")
	keyStatus      = []byte("status")
	prefixPayout   = []byte("vp/")
	prefixSigned   = []byte("vs/")
	prefixEpoch    = []byte("ep/")
	prefixEarnings = []byte("po/")
)

// cometAddrLen is the size of a CometBFT validator address.
const cometAddrLen = 20

func (Keeper) kv(ctx *types.Context) types.KVStore {
	return store.NewPrefix(ctx.Store(), []byte(ModuleName+"/"))
}

func u64(v uint64) []byte        { return store.U64(v) }
func cat(parts ...[]byte) []byte { return store.Key(parts...) }

func payoutKey(val []byte) []byte             { return cat(prefixPayout, val) }
func signedPrefix(epoch uint64) []byte        { return cat(prefixSigned, u64(epoch)) }
func signedKey(epoch uint64, v []byte) []byte { return cat(prefixSigned, u64(epoch), v) }
func epochKey(epoch uint64) []byte            { return cat(prefixEpoch, u64(epoch)) }
func earningsKey(a types.Address) []byte      { return cat(prefixEarnings, a[:]) }

func (k Keeper) get(ctx *types.Context, key []byte, m proto.Message) bool {
	return store.GetProto(k.kv(ctx), key, m)
}

func (k Keeper) set(ctx *types.Context, key []byte, m proto.Message) {
	store.SetProto(k.kv(ctx), key, m)
}

// Params returns the module parameters.
func (k Keeper) Params(ctx *types.Context) Params {
	pb := &rewardspb.Params{}
	k.get(ctx, keyParams, pb)
	return paramsFromProto(pb)
}

func (k Keeper) setParams(ctx *types.Context, p Params) { k.set(ctx, keyParams, p.toProto()) }

// Status returns the running totals; ok is false before genesis.
func (k Keeper) Status(ctx *types.Context) (*rewardspb.Status, bool) {
	s := &rewardspb.Status{}
	return s, k.get(ctx, keyStatus, s)
}

func (k Keeper) setStatus(ctx *types.Context, s *rewardspb.Status) { k.set(ctx, keyStatus, s) }

// PayoutAddress returns where the rewards of the validator with CometBFT
// address val go: the genesis mapping, else the masternode that validates
// with that key.
func (k Keeper) PayoutAddress(ctx *types.Context, val []byte) (types.Address, bool) {
	var a types.Address
	bz := k.kv(ctx).Get(payoutKey(val))
	if len(bz) != len(a) {
		if k.Validators != nil {
			return k.Validators.ValidatorOwner(ctx, val)
		}
		return a, false
	}
	copy(a[:], bz)
	return a, true
}

func (k Keeper) setPayoutAddress(ctx *types.Context, val []byte, a types.Address) {
	k.kv(ctx).Set(payoutKey(val), a[:])
}

// ValidatorPayout is one entry of the validator payout mapping.
type ValidatorPayout struct {
	Validator []byte
	Payout    types.Address
}

// ValidatorPayouts lists the mapping in validator address order.
func (k Keeper) ValidatorPayouts(ctx *types.Context) []ValidatorPayout {
	var out []ValidatorPayout
	it := k.kv(ctx).Iterator(prefixPayout, types.PrefixEnd(prefixPayout))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		var a types.Address
		copy(a[:], it.Value())
		out = append(out, ValidatorPayout{Validator: append([]byte(nil), it.Key()[len(prefixPayout):]...), Payout: a})
	}
	return out
}

// SignedPower is a validator's signed power in one epoch.
type SignedPower struct {
	Validator []byte
	Power     *big.Int
}

// Signed returns the signed power of every validator in epoch, in address
// order. It holds only epochs not settled yet.
func (k Keeper) Signed(ctx *types.Context, epoch uint64) []SignedPower {
	prefix := signedPrefix(epoch)
	var out []SignedPower
	it := k.kv(ctx).Iterator(prefix, types.PrefixEnd(prefix))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		out = append(out, SignedPower{Validator: append([]byte(nil), it.Key()[len(prefix):]...), Power: new(big.Int).SetBytes(it.Value())})
	}
	return out
}

// powerBytes is the width of a stored signed-power counter: power per block
// is below 2^63 and an epoch has at most 10^7 blocks, so 128 bits never
// overflow.
const powerBytes = 16

func (k Keeper) setSigned(ctx *types.Context, epoch uint64, val []byte, power *big.Int) {
	var b [powerBytes]byte
	power.FillBytes(b[:])
	k.kv(ctx).Set(signedKey(epoch, val), b[:])
}

func (k Keeper) addSigned(ctx *types.Context, epoch uint64, val []byte, power int64) {
	key := signedKey(epoch, val)
	p := new(big.Int).SetBytes(k.kv(ctx).Get(key))
	p.Add(p, big.NewInt(power))
	k.setSigned(ctx, epoch, val, p)
}

// EpochRecord returns a settled epoch's record, if kept.
func (k Keeper) EpochRecord(ctx *types.Context, epoch uint64) (*rewardspb.EpochRecord, bool) {
	r := &rewardspb.EpochRecord{}
	return r, k.get(ctx, epochKey(epoch), r)
}

// Earnings returns a's totals over every settled epoch.
func (k Keeper) Earnings(ctx *types.Context, a types.Address) *rewardspb.Earnings {
	e := &rewardspb.Earnings{}
	k.get(ctx, earningsKey(a), e)
	return e
}

func (k Keeper) setEarnings(ctx *types.Context, a types.Address, e *rewardspb.Earnings) {
	k.set(ctx, earningsKey(a), e)
}
