package trust

import (
	"encoding/binary"
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
	prefixEdge     = []byte("e/")
	prefixAuto     = []byte("a/")
	prefixCount    = []byte("n/")
	prefixResult   = []byte("r/")
	prefixRanked   = []byte("c/")
	marshal        = proto.MarshalOptions{Deterministic: true}
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

// EdgeKey is the full store key of a manual edge: "trust/e/" + from + to.
func EdgeKey(from, to types.Address) []byte { return fullKey(key(prefixEdge, from, to)) }

func fullKey(k []byte) []byte { return append([]byte(ModuleName+"/"), k...) }

// rankedKey orders the top index by combined score descending, then
// address: 8 bytes of One − combined big-endian (combined ≥ −One, so it
// never underflows), then the address.
func rankedKey(a types.Address, combined score.Score) []byte {
	k := make([]byte, 0, len(prefixRanked)+8+addrLen)
	k = append(k, prefixRanked...)
	k = binary.BigEndian.AppendUint64(k, uint64(int64(score.One)-int64(combined)))
	return append(k, a[:]...)
}

func getProto(kv types.KVStore, k []byte, m proto.Message) bool {
	bz := kv.Get(k)
	if bz == nil {
		return false
	}
	if err := proto.Unmarshal(bz, m); err != nil {
		panic(fmt.Errorf("trust: corrupt state at %q: %w", k, err))
	}
	return true
}

func setProto(kv types.KVStore, k []byte, m proto.Message) {
	bz, err := marshal.Marshal(m)
	if err != nil {
		panic(err)
	}
	kv.Set(k, bz)
}

func getU64(kv types.KVStore, k []byte) uint64 {
	bz := kv.Get(k)
	if len(bz) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(bz)
}

func setU64(kv types.KVStore, k []byte, v uint64) {
	kv.Set(k, binary.BigEndian.AppendUint64(nil, v))
}

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

// Edge returns from's manual edge to to.
func (k Keeper) Edge(ctx *types.Context, from, to types.Address) (*trustpb.Edge, bool) {
	var e trustpb.Edge
	ok := getProto(k.kv(ctx), key(prefixEdge, from, to), &e)
	return &e, ok
}

// AutoEdge returns from's automatic edge to to.
func (k Keeper) AutoEdge(ctx *types.Context, from, to types.Address) (*trustpb.AutoEdge, bool) {
	var e trustpb.AutoEdge
	ok := getProto(k.kv(ctx), key(prefixAuto, from, to), &e)
	return &e, ok
}

// EdgeCount returns how many manual and automatic edges a holds.
func (k Keeper) EdgeCount(ctx *types.Context, a types.Address) *trustpb.EdgeCount {
	var c trustpb.EdgeCount
	getProto(k.kv(ctx), key(prefixCount, a), &c)
	return &c
}

func (k Keeper) setEdgeCount(ctx *types.Context, a types.Address, c *trustpb.EdgeCount) {
	if c.Manual == 0 && c.Auto == 0 {
		k.kv(ctx).Delete(key(prefixCount, a))
		return
	}
	setProto(k.kv(ctx), key(prefixCount, a), c)
}

// edgesChanged bumps the edge version, which tells queries whether the
// edges are still those of the last epoch.
func (k Keeper) edgesChanged(ctx *types.Context) {
	kv := k.kv(ctx)
	setU64(kv, keyEdgeVersion, getU64(kv, keyEdgeVersion)+1)
}

// SetEdge creates or overwrites from's manual edge to to. It refuses a
// self-edge, a weight outside [-1, 1] and a new edge beyond
// MaxEdgesPerAccount; on error nothing is written. It returns the previous
// weight, if any.
func (k Keeper) SetEdge(ctx *types.Context, from, to types.Address, w score.Score) (prev score.Score, existed bool, err error) {
	if from == to {
		return 0, false, ErrSelfEdge.Wrapf("%s cannot set an edge to itself", from)
	}
	if w < -score.One || w > score.One {
		return 0, false, ErrWeightRange.Wrapf("%v (%d parts per 10^9)", w, int64(w))
	}
	old, existed := k.Edge(ctx, from, to)
	if !existed {
		c := k.EdgeCount(ctx, from)
		if limit := k.Params(ctx).MaxEdgesPerAccount; c.Manual >= limit {
			return 0, false, ErrTooManyEdges.Wrapf("%s already has %d trust edges, the maximum; remove one first (pasteld trust remove TARGET)", from, c.Manual)
		}
		c.Manual++
		k.setEdgeCount(ctx, from, c)
	}
	setProto(k.kv(ctx), key(prefixEdge, from, to), &trustpb.Edge{Weight: int64(w)})
	k.edgesChanged(ctx)
	return score.Score(old.Weight), existed, nil
}

// RemoveEdge deletes from's manual edge to to (an automatic edge between
// the two, if any, stays and counts again). It fails with ErrNoEdge if
// there is none.
func (k Keeper) RemoveEdge(ctx *types.Context, from, to types.Address) (prev score.Score, err error) {
	old, ok := k.Edge(ctx, from, to)
	if !ok {
		return 0, ErrNoEdge.Wrapf("%s has no trust edge to %s", from, to)
	}
	k.kv(ctx).Delete(key(prefixEdge, from, to))
	c := k.EdgeCount(ctx, from)
	c.Manual--
	k.setEdgeCount(ctx, from, c)
	k.edgesChanged(ctx)
	return score.Score(old.Weight), nil
}

// OutEdge is one of an account's outgoing edges as a query reports it.
type OutEdge struct {
	To     types.Address
	Weight score.Score
	// Auto is true for an automatic edge; Effective is false for an
	// automatic edge hidden by a manual edge to the same target.
	Auto, Effective bool
	// Height, Good and Bad are the automatic edge's last update and its
	// outcome counts.
	Height    int64
	Good, Bad uint64
}

// OutEdges lists a's manual and automatic edges, by target.
func (k Keeper) OutEdges(ctx *types.Context, a types.Address) []OutEdge {
	kv := k.kv(ctx)
	var out []OutEdge
	manual := map[types.Address]bool{}
	forEach(kv, key(prefixEdge, a), func(to types.Address, v []byte) {
		var e trustpb.Edge
		mustUnmarshal(v, &e)
		manual[to] = true
		out = append(out, OutEdge{To: to, Weight: score.Score(e.Weight), Effective: true})
	})
	forEach(kv, key(prefixAuto, a), func(to types.Address, v []byte) {
		var e trustpb.AutoEdge
		mustUnmarshal(v, &e)
		out = append(out, OutEdge{To: to, Weight: score.Score(e.Weight), Auto: true, Effective: !manual[to], Height: e.Height, Good: e.Good, Bad: e.Bad})
	})
	return out
}

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
