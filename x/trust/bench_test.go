package trust

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/cosmos/iavl"
	idb "github.com/cosmos/iavl/db"

	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// benchTree builds a committed IAVL tree (fast storage on, as in the app)
// holding n identities with `deg` random manual edges each (weights in
// [0.3, 1], one in ten negative) and 10 seeds, so that a BeginBlock epoch
// reads it the way the chain does.
func benchTree(b testing.TB, n, deg int) *iavl.MutableTree {
	b.Helper()
	// goleveldb on disk, as the app uses: its iterators are what the walk
	// pays for (the in-memory DB starts a goroutine per iterator).
	db, err := idb.NewGoLevelDB("bench", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	tree := iavl.NewMutableTree(db, 100_000, false, iavl.NewNopLogger(), iavl.AsyncPruningOption(false))
	if _, err := tree.Load(); err != nil {
		b.Fatal(err)
	}
	p := DefaultParams()
	p.MaxEpochIdentities = uint32(max(n, int(p.MaxSeeds)))
	p.MaxEpochEdges = uint32(n * deg)
	g := Genesis{Params: p, Seeds: []GenesisSeed{}}
	for i := 0; i < 10; i++ {
		g.Seeds = append(g.Seeds, GenesisSeed{Address: benchAddr(i).String(), PreTrust: Dec(score.One)})
	}
	ctx := types.NewContext(store.Tree{T: tree}, "bench", 1, time.Unix(0, 0))
	raw, _ := jsonMarshal(g)
	if err := (Module{}).InitGenesis(ctx, raw); err != nil {
		b.Fatal(err)
	}
	kv := kvOf(ctx.Store())
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	for i := 0; i < n; i++ {
		from := benchAddr(i)
		o := &trustpb.OutEdges{}
		for d := 0; d < deg; d++ {
			j := rng.IntN(n)
			if _, dup := find(o, benchAddr(j)); j == i || dup {
				continue
			}
			w := score.Score(rng.Int64N(int64(score.One)*7/10)) + score.One*3/10
			if rng.IntN(10) == 0 {
				w = -w
			}
			to := benchAddr(j)
			at, _ := find(o, to)
			o.Edges = slices.Insert(o.Edges, at, &trustpb.OutEdge{Target: to[:], HasManual: true, Manual: int64(w)})
		}
		setProto(kv, key(prefixOut, from), o)
	}
	if _, _, err := tree.SaveVersion(); err != nil {
		b.Fatal(err)
	}
	return tree
}

func benchAddr(i int) types.Address {
	var a types.Address
	a[0], a[1], a[2], a[3] = byte(i*2654435761>>24), byte(i>>16), byte(i>>8), byte(i)
	a[19] = 0x5a
	return a
}

// BenchmarkChainEpoch measures one epoch as the chain runs it in BeginBlock:
// the walk from the seeds over a committed IAVL tree on goleveldb, the
// computation, and the writes of every result into the working tree (all
// of them new: the tree is rolled back after each run, so this is the
// first-epoch worst case). cpu-ms/op counts the whole process's CPU time,
// GC included, which is steadier than wall time on a shared machine; it is
// the epoch's block. Above resultWritesPerBlock results the epoch stages
// the rest of its writes: apply-blocks is the number of following blocks
// that apply them and apply-max-cpu-ms the CPU time of the costliest.
func BenchmarkChainEpoch(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 25_000, 100_000} {
		b.Run(fmt.Sprintf("identities=%d/edges=20", n), func(b *testing.B) {
			if n > 25_000 && os.Getenv("TRUST_BENCH_LARGE") == "" {
				b.Skip("set TRUST_BENCH_LARGE=1: building 2,000,000 edges in IAVL takes minutes")
			}
			tree := benchTree(b, n, 20)
			ctx := types.NewContext(store.Tree{T: tree}, "bench", tree.Version()+1, time.Unix(0, 0))
			runtime.GC()
			var cpu time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				cpu0 := cpuTime()
				if err := (Keeper{}).runEpoch(ctx); err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - cpu0
				b.StopTimer()
				if i == 0 {
					info, _ := (Keeper{}).Epoch(ctx)
					b.ReportMetric(float64(info.Identities), "identities")
					b.ReportMetric(float64(info.Edges), "edges")
					// The blocks after the epoch apply what it staged (none
					// below resultWritesPerBlock results).
					var blocks int
					var worst time.Duration
					for more := true; more; {
						c0 := cpuTime()
						var n int
						n, more = (Keeper{}).applyPending(ctx, resultWritesPerBlock)
						if n == 0 {
							break
						}
						blocks++
						worst = max(worst, cpuTime()-c0)
					}
					b.ReportMetric(float64(blocks), "apply-blocks")
					b.ReportMetric(float64(worst.Milliseconds()), "apply-max-cpu-ms")
				}
				tree.Rollback()
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkChainEpochSecond measures the steady state: an epoch over a tree
// that already holds the previous epoch's results (committed), after 1% of
// the identities changed an edge, so the merge reads every old result and
// most results change (EigenTrust moves everyone a little).
func BenchmarkChainEpochSecond(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("identities=%d/edges=20", n), func(b *testing.B) {
			if n > 25_000 && os.Getenv("TRUST_BENCH_LARGE") == "" {
				b.Skip("set TRUST_BENCH_LARGE=1")
			}
			tree := benchTree(b, n, 20)
			ctx := types.NewContext(store.Tree{T: tree}, "bench", tree.Version()+1, time.Unix(0, 0))
			if err := (Keeper{}).runEpoch(ctx); err != nil {
				b.Fatal(err)
			}
			for more := true; more; {
				_, more = (Keeper{}).applyPending(ctx, resultWritesPerBlock)
			}
			if _, _, err := tree.SaveVersion(); err != nil {
				b.Fatal(err)
			}
			ctx = types.NewContext(store.Tree{T: tree}, "bench", tree.Version()+1, time.Unix(0, 0))
			for i := 0; i < n/100; i++ {
				if _, _, err := (Keeper{}).SetEdge(ctx, benchAddr(i*97%n), benchAddr((i*31+7)%n), score.One/2); err != nil && !errors.Is(err, ErrSelfEdge) && !errors.Is(err, ErrTooManyEdges) {
					b.Fatal(err)
				}
			}
			if _, _, err := tree.SaveVersion(); err != nil {
				b.Fatal(err)
			}
			ctx = types.NewContext(store.Tree{T: tree}, "bench", tree.Version()+1, time.Unix(0, 0))
			runtime.GC()
			var cpu time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				cpu0 := cpuTime()
				if err := (Keeper{}).runEpoch(ctx); err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - cpu0
				b.StopTimer()
				if i == 0 {
					var blocks int
					var worst time.Duration
					for more := true; more; {
						c0 := cpuTime()
						var n int
						n, more = (Keeper{}).applyPending(ctx, resultWritesPerBlock)
						if n == 0 {
							break
						}
						blocks++
						worst = max(worst, cpuTime()-c0)
					}
					b.ReportMetric(float64(blocks), "apply-blocks")
					b.ReportMetric(float64(worst.Milliseconds()), "apply-max-cpu-ms")
				}
				tree.Rollback()
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
