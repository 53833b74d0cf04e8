package trust

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/sha3"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// IsEpochHeight reports whether the block at height starts an epoch.
func IsEpochHeight(height int64, p Params) bool { return height > 0 && height%p.EpochBlocks == 0 }

// runEpoch recomputes every score from the current edges and seeds and
// replaces the stored results. It runs in BeginBlock, before the block's
// transactions: the store then has no unsaved writes, so the many range
// reads of the walk stay cheap, and the scores describe the state at the
// end of the previous block.
//
// Errors other than a non-converged EigenTrust cannot come from user input
// (edges and seeds are checked when written, parameters at genesis); they
// are returned and halt the chain on every node alike.
func (k Keeper) runEpoch(ctx *types.Context) error {
	kv := k.kv(ctx)
	p := k.Params(ctx)
	info := &trustpb.EpochInfo{Height: ctx.Height, EdgesVersion: getU64(kv, keyEdgeVersion), SeedVersion: getU64(kv, keySeedVersion)}
	if prev, ok := k.Epoch(ctx); ok {
		info.Epoch = prev.Epoch + 1
	} else {
		info.Epoch = 1
	}
	seeds := k.Seeds(ctx)
	var nodes []score.NodeResult
	if len(seeds) == 0 {
		info.Note = "no seeds: genesis set none, so every score is unknown"
	} else {
		ep, in, err := computeFrom(kv, seeds, p)
		if err != nil && !errors.Is(err, score.ErrNotConverged) {
			return fmt.Errorf("trust: epoch %d: %w", info.Epoch, err)
		}
		if err != nil {
			// The last iterate is deterministic and at most a little off;
			// keeping it beats keeping scores from an older graph.
			info.Note = err.Error() + "; the last iterate is used"
		}
		nodes = ep.Nodes
		info.Identities = uint32(len(ep.Nodes))
		info.Edges = uint32(len(in.Edges))
		info.GatherTruncated = in.Truncated
		info.DattTruncation = ep.DATT.Truncated.String()
		info.EigenIterations = uint32(ep.Eigen.Iterations)
		info.EigenConverged = ep.Eigen.Converged
		info.EigenDelta = int64(ep.Eigen.Delta)
	}
	info.ResultsHash = k.storeResults(ctx, nodes)
	setProto(kv, keyEpoch, info)
	ctx.EmitEvent("trust_epoch", "epoch", types.U64(info.Epoch), "identities", types.U64(uint64(info.Identities)),
		"edges", types.U64(uint64(info.Edges)), "truncated", fmt.Sprint(info.GatherTruncated || info.DattTruncation != score.Complete.String()),
		"converged", fmt.Sprint(info.EigenConverged))
	return nil
}

// computeFrom gathers the graph from the seeds within the epoch bounds and
// runs score.ComputeEpoch on it.
func computeFrom(kv types.KVStore, seeds []SeedEntry, p Params) (*score.Epoch, graphInput, error) {
	addrs := make([]types.Address, len(seeds))
	ss := make([]score.Seed, len(seeds))
	for i, s := range seeds {
		addrs[i] = s.Address
		ss[i] = score.Seed{ID: idOf(s.Address), PreTrust: s.PreTrust}
	}
	in := gather(kv, addrs, int(p.MaxEpochIdentities), int(p.MaxEpochEdges))
	ep, err := score.ComputeEpoch(in.Edges, ss, p.ScoreParams())
	return ep, in, err
}

// storeResults replaces the stored results with nodes (sorted by identity,
// which is address order): a merge of the old and new lists in key order
// that deletes what is gone and writes only what changed. It also writes
// the ranking (key top) when it changed, and returns the results hash (see
// EpochInfo).
func (k Keeper) storeResults(ctx *types.Context, nodes []score.NodeResult) []byte {
	kv := k.kv(ctx)
	digest := sha3.New256()
	type old struct {
		a  types.Address
		bz []byte
	}
	var olds []old
	forEach(kv, prefixResult, func(a types.Address, v []byte) {
		olds = append(olds, old{a: a, bz: append([]byte(nil), v...)})
	})
	i := 0
	for _, n := range nodes {
		a := addrOf(n.ID)
		for i < len(olds) && olds[i].a.Compare(a) < 0 {
			kv.Delete(key(prefixResult, olds[i].a))
			i++
		}
		rec := &trustpb.NodeScore{Datt: int64(n.DATT), Rank: int32(n.Rank), Eigen: int64(n.Eigen), EigenNorm: int64(n.EigenNorm), Combined: int64(n.Combined)}
		bz, err := marshal.Marshal(rec)
		if err != nil {
			panic(err)
		}
		digest.Write(a[:])
		digest.Write(binary.AppendUvarint(nil, uint64(len(bz))))
		digest.Write(bz)
		if i < len(olds) && olds[i].a == a {
			i++
			if bytes.Equal(olds[i-1].bz, bz) {
				continue
			}
		}
		kv.Set(key(prefixResult, a), bz)
	}
	for ; i < len(olds); i++ {
		kv.Delete(key(prefixResult, olds[i].a))
	}

	combined := make([]score.NodeScore, len(nodes))
	for j, n := range nodes {
		combined[j] = score.NodeScore{ID: n.ID, Score: n.Combined}
	}
	top := &trustpb.TopList{}
	for _, e := range score.TopN(combined, maxTopN) {
		a := addrOf(e.ID)
		top.Entries = append(top.Entries, &trustpb.TopEntry{Address: a[:], Combined: int64(e.Score)})
	}
	bz, err := marshal.Marshal(top)
	if err != nil {
		panic(err)
	}
	if !bytes.Equal(kv.Get(keyTop), bz) {
		kv.Set(keyTop, bz)
	}
	return digest.Sum(nil)
}
