package score

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// benchGraph returns a deterministic pseudo-random graph of n identities
// (address-like strings) with degree edges each, sorted by (From, To) as a
// store would return them, and three seeds. With community > 0, identities
// form communities of that size and all but one of each identity's edges stay
// inside its community: a slow-mixing graph, EigenTrust's worst case.
func benchGraph(n, degree, community int) ([]Edge, []Seed) {
	rng := rand.New(rand.NewPCG(uint64(n), 20))
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("pastel1%016x%016x%06x", rng.Uint64(), rng.Uint64(), i)
	}
	edges := make([]Edge, 0, n*degree)
	seen := make(map[int]bool, degree)
	for i := range ids {
		clear(seen)
		for len(seen) < degree {
			j := rng.IntN(n)
			if community > 0 && len(seen) > 0 {
				j = i - i%community + rng.IntN(community)
			}
			if j == i || seen[j] {
				continue
			}
			seen[j] = true
			w := Score(rng.Int64N(int64(One)*8/10)) + One/5 // trust in [0.2, 1)
			if rng.IntN(20) == 0 {
				w = -w // 5% distrust
			}
			edges = append(edges, Edge{ids[i], ids[j], w})
		}
	}
	slices.SortFunc(edges, compareEdges)
	return edges, []Seed{{ids[0], One}, {ids[n/2], One}, {ids[n-1], One / 2}}
}

// peakHeap samples the heap every 200µs while it runs and reports the peak
// above the live heap at start (which holds the input edges).
type peakHeap struct {
	base, peak uint64
	stop       chan struct{}
	wg         sync.WaitGroup
}

func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startPeakHeap() *peakHeap {
	runtime.GC()
	p := &peakHeap{base: heapBytes(), stop: make(chan struct{})}
	p.peak = p.base
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.peak = max(p.peak, heapBytes())
			}
		}
	}()
	return p
}

func (p *peakHeap) MiB() float64 {
	close(p.stop)
	p.wg.Wait()
	p.peak = max(p.peak, heapBytes())
	return float64(p.peak-p.base) / (1 << 20)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEpoch is the budget in DESIGN.md §10: one epoch (graph build, DATT
// from the seeds, EigenTrust, combination) for 10^3..10^5 identities × 20
// edges must take < 2 s and < 1 GiB at 10^5.
func BenchmarkEpoch(b *testing.B) {
	for _, tc := range []struct{ n, community int }{{1_000, 0}, {10_000, 0}, {100_000, 0}, {100_000, 1_000}} {
		edges, seeds := benchGraph(tc.n, 20, tc.community)
		p := DefaultParams()
		name := fmt.Sprintf("n=%d", tc.n)
		if tc.community > 0 {
			name += fmt.Sprintf("/communities-of-%d", tc.community)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			peak := startPeakHeap()
			cpu0 := cpuTime()
			var e *Epoch
			for b.Loop() {
				e = nil // let the previous epoch go: the peak is one computation's
				var err error
				if e, err = ComputeEpoch(edges, seeds, p); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time of the whole process (GC workers included) is steadier
			// than wall time on a shared machine.
			b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(peak.MiB(), "peak-heap-MiB")
			b.ReportMetric(float64(peak.base)/(1<<20), "input-heap-MiB")
			b.ReportMetric(float64(e.Eigen.Iterations), "eigen-iters")
			b.ReportMetric(float64(e.DATT.Scored), "datt-scored")
			b.ReportMetric(float64(e.DATT.Ranks), "datt-ranks")
		})
	}
}

// The phases of one epoch at 10^5 identities, to see where the time goes.
func BenchmarkPhases(b *testing.B) {
	edges, seeds := benchGraph(100_000, 20, 0)
	shuffled := slices.Clone(edges)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	p := DefaultParams()
	b.Run("NewGraph/sorted", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := NewGraph(edges, SeedIDs(seeds)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("NewGraph/shuffled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := NewGraph(shuffled, SeedIDs(seeds)); err != nil {
				b.Fatal(err)
			}
		}
	})
	g, err := NewGraph(edges, SeedIDs(seeds))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("DATT", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DATT(g, SeedIDs(seeds), p.DATT); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("EigenTrust", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := EigenTrust(g, seeds, p.Eigen); err != nil {
				b.Fatal(err)
			}
		}
	})
}
