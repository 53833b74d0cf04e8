package trust

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/trust/score"
)

// stateWithoutEpoch is the whole store except the epoch record, whose note
// says whether writes were staged.
func stateWithoutEpoch(ctx *types.Context) string {
	epochKey := hex.EncodeToString([]byte("trust/epoch")) + "="
	var keep []string
	for _, l := range strings.Split(dump(ctx), "\n") {
		if !strings.HasPrefix(l, epochKey) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func pendingLeft(ctx *types.Context) int {
	keys, _ := pendingChunks((Keeper{}).kv(ctx))
	return len(keys)
}

// applyAll runs applyPending until nothing is staged and returns the number
// of blocks it took; each block applies at most perBlock writes rounded up
// to a chunk.
func applyAll(t *testing.T, ctx *types.Context, perBlock int) (blocks, applied int) {
	t.Helper()
	for {
		n, more := (Keeper{}).applyPending(ctx, perBlock)
		if n == 0 {
			if more {
				t.Fatal("nothing applied but more staged")
			}
			return blocks, applied
		}
		if n > max(perBlock, pendingChunkResults) {
			t.Fatalf("%d writes in one block, bound %d", n, perBlock)
		}
		blocks++
		applied += n
		if !more {
			return blocks, applied
		}
	}
}

// denseWorld is n identities with up to 6 manual edges each (one in eight
// negative) and three seeds: most of it is reached.
func denseWorld(t *testing.T, seed uint64, n int) *types.Context {
	ctx, _ := randomWorld(t, rand.New(rand.NewPCG(seed, 17)), 3, DefaultParams())
	rng := rand.New(rand.NewPCG(seed, 18))
	for from := 0; from < n; from++ {
		for d := 0; d < 6; d++ {
			to := rng.IntN(n)
			if to == from {
				continue
			}
			w := score.Score(rng.Int64N(int64(score.One))) + 1
			if rng.IntN(8) == 0 {
				w = -w
			}
			if _, _, err := (Keeper{}).SetEdge(ctx, testAddr(from), testAddr(to), w); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx.Height = 100
	return ctx
}

// TestStagedResultsEqualDirect: an epoch whose result writes are spread
// over blocks ends with exactly the store of an epoch that writes them all
// at once, with the same results hash, through a first epoch (all writes
// new) and a second one over changed edges (writes, deletions, unchanged
// results).
func TestStagedResultsEqualDirect(t *testing.T) {
	for trial := 0; trial < 6; trial++ {
		perBlock := []int{1, 7, 50, 1001}[trial%4]
		direct, spread := denseWorld(t, uint64(trial), 150), denseWorld(t, uint64(trial), 150)
		var sizes []uint32
		for epoch := 0; epoch < 3; epoch++ {
			if err := (Keeper{}).runEpochBounded(direct, 1<<30); err != nil {
				t.Fatal(err)
			}
			if err := (Keeper{}).runEpochBounded(spread, perBlock); err != nil {
				t.Fatal(err)
			}
			d, _ := (Keeper{}).Epoch(direct)
			s, _ := (Keeper{}).Epoch(spread)
			sizes = append(sizes, d.Identities)
			if !bytes.Equal(d.ResultsHash, s.ResultsHash) {
				t.Fatalf("trial %d epoch %d: results hash differs", trial, epoch)
			}
			staged := pendingLeft(spread) > 0
			if staged != strings.Contains(s.Note, "staged") {
				t.Fatalf("trial %d: note %q, staged %v", trial, s.Note, staged)
			}
			blocks, applied := applyAll(t, spread, perBlock)
			wantBlocks := 0
			if int(s.Identities) > perBlock {
				wantBlocks = (int(s.Identities) + perBlock - 1) / perBlock
			}
			if staged != (wantBlocks > 0) || blocks != wantBlocks || pendingLeft(spread) != 0 {
				t.Fatalf("trial %d: %d blocks, %d applied, %d chunks left", trial, blocks, applied, pendingLeft(spread))
			}
			if stateWithoutEpoch(direct) != stateWithoutEpoch(spread) {
				t.Fatalf("trial %d epoch %d (per block %d): stores differ after %d blocks", trial, epoch, perBlock, blocks)
			}
			// Change some edges for the next epoch, alike in both: the
			// first time, cut most edges from the seeds, so that results
			// are also deleted (by the chunks' ranges when staged).
			if epoch == 0 {
				for _, ctx := range []*types.Context{direct, spread} {
					for sd := 0; sd < 3; sd++ {
						for _, e := range (Keeper{}).OutEdges(ctx, testAddr(sd)) {
							if e.Auto {
								continue
							}
							if _, err := (Keeper{}).RemoveEdge(ctx, testAddr(sd), e.To); err != nil {
								t.Fatal(err)
							}
						}
					}
				}
				continue
			}
			rng := rand.New(rand.NewPCG(uint64(trial), uint64(epoch)))
			for i := 0; i < 40; i++ {
				from, to := testAddr(rng.IntN(150)), testAddr(rng.IntN(150))
				w := score.Score(rng.Int64N(2*int64(score.One)+1)) - score.One
				for _, ctx := range []*types.Context{direct, spread} {
					if _, _, err := (Keeper{}).SetEdge(ctx, from, to, w); err != nil && !isLimit(err) && !strings.Contains(err.Error(), "itself") {
						t.Fatal(err)
					}
				}
			}
		}
		if sizes[1] >= sizes[0] {
			t.Fatalf("trial %d: identities %v: cutting the seeds' edges deleted no result", trial, sizes)
		}
	}
}

// TestStagedResultsSuperseded: a new epoch that starts while the previous
// one's writes are still staged discards them and still ends with exactly
// its own results.
func TestStagedResultsSuperseded(t *testing.T) {
	direct, spread := denseWorld(t, 3, 150), denseWorld(t, 3, 150)
	if err := (Keeper{}).runEpochBounded(spread, 5); err != nil {
		t.Fatal(err)
	}
	(Keeper{}).applyPending(spread, 5)
	if pendingLeft(spread) == 0 {
		t.Fatal("nothing left staged; the test does not test superseding")
	}
	for _, ctx := range []*types.Context{direct, spread} {
		if _, _, err := (Keeper{}).SetEdge(ctx, testAddr(0), testAddr(140), score.One); err != nil {
			t.Fatal(err)
		}
	}
	if err := (Keeper{}).runEpochBounded(direct, 1<<30); err != nil {
		t.Fatal(err)
	}
	if err := (Keeper{}).runEpochBounded(spread, 5); err != nil {
		t.Fatal(err)
	}
	if s, _ := (Keeper{}).Epoch(spread); !strings.Contains(s.Note, "superseded") {
		t.Fatalf("note %q", s.Note)
	}
	applyAll(t, spread, 5)
	if stateWithoutEpoch(direct) != stateWithoutEpoch(spread) {
		t.Fatal("stores differ")
	}
}

// TestBeginBlockAppliesStaged: the blocks after an epoch apply what it
// staged; the epoch record and ranking are there from the epoch's block.
func TestBeginBlockAppliesStaged(t *testing.T) {
	ctx := denseWorld(t, 4, 150)
	if err := (Keeper{}).runEpochBounded(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if pendingLeft(ctx) == 0 {
		t.Fatal("nothing staged")
	}
	ctx.Height = 101
	if err := (Module{}).BeginBlock(ctx); err != nil {
		t.Fatal(err)
	}
	if pendingLeft(ctx) != 0 { // well under resultWritesPerBlock
		t.Fatalf("%d chunks left", pendingLeft(ctx))
	}
}
