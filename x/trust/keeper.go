package trust

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// ModuleName is the trust module's store prefix and route prefix.
const ModuleName = "trust"

const addrLen = secp256k1.AddressSize

var (
	keyParams      = []byte("params")
	keySeedVersion = []byte("seedver")
	keyEdgeVersion = []byte("edgever")
	keyEpoch       = []byte("epoch")
	prefixSeed     = []byte("s/")
	keyTop         = []byte("top")
	prefixOut      = []byte("o/")
	prefixResult   = []byte("r/")
)

// Keeper is the trust module's API for the app and the other modules. It is
// a stateless value: all state is in the context's store.
type Keeper struct{}

func (Keeper) kv(ctx *types.Context) types.KVStore { return kvOf(ctx.Store()) }

func kvOf(root types.KVStore) types.KVStore {
	return store.NewPrefix(root, []byte(ModuleName+"/"))
}

func key(prefix []byte, addrs ...types.Address) []byte {
	k := make([]byte, 0, len(prefix)+len(addrs)*addrLen)
	k = append(k, prefix...)
	for _, a := range addrs {
		k = append(k, a[:]...)
	}
	return k
}

// ScoreKey is the full store key of an identity's epoch result (for
// proofs): "trust/r/" + 20-byte address.
func ScoreKey(a types.Address) []byte { return fullKey(key(prefixResult, a)) }

// EdgesKey is the full store key of an account's out-edges (for proofs):
// "trust/o/" + 20-byte address.
func EdgesKey(from types.Address) []byte { return fullKey(key(prefixOut, from)) }

// TopKey is the full store key of the ranking (for proofs).
func TopKey() []byte { return fullKey(keyTop) }

func fullKey(k []byte) []byte { return append([]byte(ModuleName+"/"), k...) }

func getProto(kv types.KVStore, k []byte, m proto.Message) bool { return store.GetProto(kv, k, m) }
func setProto(kv types.KVStore, k []byte, m proto.Message)      { store.SetProto(kv, k, m) }
func getU64(kv types.KVStore, k []byte) uint64                  { return store.GetU64(kv, k) }
func setU64(kv types.KVStore, k []byte, v uint64)               { store.SetU64(kv, k, v) }

// Params returns the module parameters.
func (k Keeper) Params(ctx *types.Context) Params { return paramsOf(k.kv(ctx)) }

func paramsOf(kv types.KVStore) Params {
	var pb trustpb.Params
	if !getProto(kv, keyParams, &pb) {
		return DefaultParams()
	}
	return paramsFromProto(&pb)
}

func (k Keeper) setParams(ctx *types.Context, p Params) { setProto(k.kv(ctx), keyParams, p.toProto()) }

// forEach calls fn for every key under prefix followed by one address.
func forEach(kv types.KVStore, prefix []byte, fn func(types.Address, []byte)) {
	it := kv.Iterator(prefix, types.PrefixEnd(prefix))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		k := it.Key()
		if len(k) != len(prefix)+addrLen {
			panic(fmt.Errorf("trust: malformed key %q under %q", k, prefix))
		}
		var a types.Address
		copy(a[:], k[len(prefix):])
		fn(a, it.Value())
	}
}

func mustUnmarshal(bz []byte, m proto.Message) {
	if err := proto.Unmarshal(bz, m); err != nil {
		panic(fmt.Errorf("trust: corrupt state: %w", err))
	}
}

// Result returns a's scores from the last epoch; ok is false if the last
// epoch did not reach a (no edge path from the seeds, or no epoch yet).
func (k Keeper) Result(ctx *types.Context, a types.Address) (*trustpb.NodeScore, bool) {
	var r trustpb.NodeScore
	ok := getProto(k.kv(ctx), key(prefixResult, a), &r)
	return &r, ok
}

// Score is a's combined trust from the last epoch. known is false for an
// identity the epoch did not reach; treat it as 0 (no trust, no distrust).
func (k Keeper) Score(ctx *types.Context, a types.Address) (combined score.Score, known bool) {
	r, ok := k.Result(ctx, a)
	if !ok {
		return 0, false
	}
	return score.Score(r.Combined), true
}

// IsDistrusted reports whether a's combined score is negative: its
// first-rank trusters distrust it on balance. Placement, healer and
// attester choice skip such masternodes.
func (k Keeper) IsDistrusted(ctx *types.Context, a types.Address) bool {
	c, ok := k.Score(ctx, a)
	return ok && c < 0
}

// VotingPower is VotingPower with a's combined score and the chain's power
// parameters: what the storage module pushes to CometBFT for a masternode
// with this collateral and standing.
func (k Keeper) VotingPower(ctx *types.Context, a types.Address, collateral uint64, standing Standing) int64 {
	c, _ := k.Score(ctx, a)
	return VotingPower(collateral, c, standing, k.Params(ctx).Power)
}

// Epoch returns the description of the last epoch computation.
func (k Keeper) Epoch(ctx *types.Context) (*trustpb.EpochInfo, bool) {
	var e trustpb.EpochInfo
	ok := getProto(k.kv(ctx), keyEpoch, &e)
	return &e, ok
}
