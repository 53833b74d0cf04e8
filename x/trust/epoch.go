package trust

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/sha3"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/pastelchain/pastel/store"
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
	return k.runEpochBounded(ctx, resultWritesPerBlock)
}

// runEpochBounded is runEpoch with at most perBlock result writes in this
// block (tests use small bounds).
func (k Keeper) runEpochBounded(ctx *types.Context, perBlock int) error {
	kv := k.kv(ctx)
	// An epoch whose results are still being written is superseded: the new
	// merge below starts from whatever is stored now, so after its own
	// writes the stored results are exactly the new ones.
	superseded := clearPending(kv)
	p := k.Params(ctx)
	info := &trustpb.EpochInfo{Height: ctx.Height, EdgesVersion: getU64(kv, keyEdgeVersion), SeedVersion: getU64(kv, keySeedVersion)}
	if prev, ok := k.Epoch(ctx); ok {
		info.Epoch = prev.Epoch + 1
	} else {
		info.Epoch = 1
	}
	seeds := k.Seeds(ctx)
	var nodes []score.NodeResult
	var addrs []types.Address
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
		nodes, addrs = ep.Nodes, in.Addrs
		info.Identities = uint32(len(ep.Nodes))
		info.Edges = uint32(in.Edges)
		info.GatherTruncated = in.Truncated
		info.DattTruncation = ep.DATT.Truncated.String()
		info.EigenIterations = uint32(ep.Eigen.Iterations)
		info.EigenConverged = ep.Eigen.Converged
		info.EigenDelta = int64(ep.Eigen.Delta)
	}
	var staged int
	info.ResultsHash, staged = k.storeResults(ctx, addrs, nodes, perBlock)
	if staged > 0 {
		info.Note = appendNote(info.Note, fmt.Sprintf("%d results staged for the next %d blocks (%d per block)",
			staged, (staged+perBlock-1)/perBlock, perBlock))
	}
	if superseded > 0 {
		info.Note = appendNote(info.Note, fmt.Sprintf("%d staged results of the previous epoch superseded", superseded))
	}
	setProto(kv, keyEpoch, info)
	ctx.EmitEvent("trust_epoch", "epoch", types.U64(info.Epoch), "identities", types.U64(uint64(info.Identities)),
		"edges", types.U64(uint64(info.Edges)), "truncated", fmt.Sprint(info.GatherTruncated || info.DattTruncation != score.Complete.String()),
		"converged", fmt.Sprint(info.EigenConverged))
	if staged > 0 {
		ctx.EmitEvent("trust_results_staged", "epoch", types.U64(info.Epoch), "staged", types.U64(uint64(staged)))
	}
	return nil
}

// computeFrom gathers the graph from the seeds within the epoch bounds and
// runs score.ComputeEpochGraph on it (the same as score.ComputeEpoch on the
// gathered edges).
func computeFrom(kv types.KVStore, seeds []SeedEntry, p Params) (*score.Epoch, graphInput, error) {
	addrs := make([]types.Address, len(seeds))
	ss := make([]score.Seed, len(seeds))
	for i, s := range seeds {
		addrs[i] = s.Address
		ss[i] = score.Seed{ID: idOf(s.Address), PreTrust: s.PreTrust}
	}
	in, err := gather(kv, addrs, int(p.MaxEpochIdentities), int(p.MaxEpochEdges))
	if err != nil {
		return nil, in, err
	}
	ep, err := score.ComputeEpochGraph(in.Graph, ss, p.ScoreParams())
	return ep, in, err
}

// storeResults replaces the stored results with nodes (sorted by identity,
// which is address order; addrs[i] is the address of nodes[i]). Up to
// perBlock results it does so now (mergeResults over every key); with more
// it stages them all for the following blocks (see applyPending) and staged
// is their number. It also writes the ranking (key top) when it changed,
// and returns the results hash (see EpochInfo), which covers every result
// however it is written.
func (k Keeper) storeResults(ctx *types.Context, addrs []types.Address, nodes []score.NodeResult, perBlock int) (hash []byte, staged int) {
	kv := k.kv(ctx)
	digest := sha3.New256()
	// Values are cut from one buffer (each with its own capacity, as the
	// store keeps them): one allocation instead of one per result.
	buf := make([]byte, 0, len(nodes)*maxNodeScoreLen)
	vals := make([][]byte, len(nodes))
	var scratch [binary.MaxVarintLen64]byte
	for j, n := range nodes {
		a := addrs[j]
		from := len(buf)
		buf = appendNodeScore(buf, n)
		bz := buf[from:len(buf):len(buf)]
		vals[j] = bz
		digest.Write(a[:])
		digest.Write(scratch[:binary.PutUvarint(scratch[:], uint64(len(bz)))])
		digest.Write(bz)
	}
	if len(nodes) <= perBlock {
		mergeResults(kv, nil, nil, addrs, vals)
	} else {
		stageResults(kv, addrs, vals, perBlock)
		staged = len(nodes)
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
	bz, err := store.Marshal.Marshal(top)
	if err != nil {
		panic(err)
	}
	if !bytes.Equal(kv.Get(keyTop), bz) {
		kv.Set(keyTop, bz)
	}
	return digest.Sum(nil), staged
}

// maxNodeScoreLen bounds appendNodeScore's output: five fields of one tag
// byte and at most ten varint bytes.
const maxNodeScoreLen = 5 * (1 + binary.MaxVarintLen64)

// appendNodeScore appends the deterministic protobuf encoding of the
// NodeScore that n stores (datt, rank, eigen, eigen_norm, combined; epoch
// and height unset): byte for byte what proto.MarshalOptions{Deterministic:
// true} produces, fields in number order and zeros left out
// (TestAppendNodeScoreEqualsMarshal), without building the message.
func appendNodeScore(b []byte, n score.NodeResult) []byte {
	if n.DATT != 0 {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, protowire.EncodeZigZag(int64(n.DATT)))
	}
	if r := int32(n.Rank); r != 0 {
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		b = protowire.AppendVarint(b, protowire.EncodeZigZag(int64(r)))
	}
	if n.Eigen != 0 {
		b = protowire.AppendTag(b, 3, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(n.Eigen))
	}
	if n.EigenNorm != 0 {
		b = protowire.AppendTag(b, 4, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(n.EigenNorm))
	}
	if n.Combined != 0 {
		b = protowire.AppendTag(b, 5, protowire.VarintType)
		b = protowire.AppendVarint(b, protowire.EncodeZigZag(int64(n.Combined)))
	}
	return b
}

func appendNote(note, more string) string {
	if note == "" {
		return more
	}
	return note + "; " + more
}
