package fingerprint

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pastelchain/pastel/store"
)

var (
	bigOnce sync.Once
	bigImg  *image.RGBA
	bigPNG  []byte
)

// big is a 3000×2500 synthetic photograph with heavy grain, which PNG
// cannot compress away, and its PNG of about 20 MB.
func big(b *testing.B) (*image.RGBA, []byte) {
	bigOnce.Do(func() {
		rng := rand.New(rand.NewPCG(1, 1))
		bigImg = synthSized(1, rng, 3000, 2500)
		(&painter{rng: rng, img: bigImg, w: 3000, h: 2500}).grain(48)
		bigPNG = encodePNG(bigImg)
		b.Logf("PNG of %v: %d bytes", bigImg.Bounds().Size(), len(bigPNG))
	})
	return bigImg, bigPNG
}

// BenchmarkCompute decodes a 20 MiB PNG and fingerprints it.
func BenchmarkCompute(b *testing.B) {
	_, p := big(b)
	b.SetBytes(int64(len(p)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Compute(bytes.NewReader(p), 1<<24); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFromImage is Compute without the PNG decoding.
func BenchmarkFromImage(b *testing.B) {
	img, _ := big(b)
	for b.Loop() {
		FromImage(img)
	}
}

// BenchmarkProbes is the fingerprints a masternode computes for its
// duplicate search (1 + 6^4 windows, and the frame check), against the
// 1 + 3^4 windows of the earlier probe set in the same run.
func BenchmarkProbes(b *testing.B) {
	img, _ := big(b)
	b.Run("chosen", func(b *testing.B) {
		for b.Loop() {
			Probes(img)
		}
		b.ReportMetric(float64(len(Probes(img))), "probes")
	})
	b.Run("baseline-3-trims", func(b *testing.B) {
		p := chosen
		p.probeTrims, p.unframe = []int{61, 79, 96}, false
		for b.Loop() {
			p.probes(img)
		}
		b.ReportMetric(float64(len(p.probes(img))), "probes")
	})
}

// BenchmarkFromImageJPEG fingerprints a decoded JPEG (YCbCr pixels).
func BenchmarkFromImageJPEG(b *testing.B) {
	img, _ := big(b)
	y := mustDecode(encodeJPEG(img, 85))
	b.ResetTimer()
	for b.Loop() {
		FromImage(y)
	}
}

const indexSize = 1_000_000

var (
	memOnce sync.Once
	memIdx  *Index
	kvOnce  sync.Once
	kvIdx   store.Tree
)

// randomHashes are the benchmark's stored fingerprints: uniform, the case
// the band index is built for (band values equally likely).
func randomHashes(n int) []Hash {
	rng := rand.New(rand.NewPCG(42, 42))
	hs := make([]Hash, n)
	for i := range hs {
		hs[i] = Hash(rng.Uint64())
	}
	return hs
}

func idOf(i int) []byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(i))
	return b[:]
}

// queries are fingerprints near stored ones (so lookups find something)
// and random ones (so most of the work is rejecting candidates).
func queries(hs []Hash) []Hash {
	rng := rand.New(rand.NewPCG(7, 7))
	qs := make([]Hash, 1024)
	for i := range qs {
		q := Hash(rng.Uint64())
		if i%2 == 0 {
			a, b := rng.IntN(64), rng.IntN(64)
			q = hs[rng.IntN(len(hs))] ^ Hash(1)<<a ^ Hash(1)<<b
		}
		qs[i] = q
	}
	return qs
}

// BenchmarkNear1M is one lookup at Threshold in an index of 10^6
// fingerprints, and in the same index with the NearAny of 82 probes.
func BenchmarkNear1M(b *testing.B) {
	hs := randomHashes(indexSize)
	memOnce.Do(func() {
		t := time.Now()
		memIdx = new(Index)
		for i, h := range hs {
			memIdx.Add(h, string(idOf(i)))
		}
		b.Logf("built the in-memory index of %d in %v", indexSize, time.Since(t))
	})
	qs := queries(hs)
	for _, d := range []int{Threshold, 8, 10, 12} {
		b.Run(fmt.Sprintf("memory/d=%d", d), func(b *testing.B) {
			i, found := 0, 0
			for b.Loop() {
				found += len(memIdx.Near(qs[i%len(qs)], d))
				i++
			}
			b.ReportMetric(float64(found)/float64(i), "matches/op")
		})
	}
	b.Run("memory/probes", func(b *testing.B) {
		probes := Probes(synth(5))
		for b.Loop() {
			memIdx.NearAny(probes, Threshold)
		}
	})
	kvOnce.Do(func() {
		// The keys of AddToStore, inserted in key order: a balanced tree
		// either way, built in half the time of random order.
		t := time.Now()
		var keys [][]byte
		for i, h := range hs {
			keys = append(keys, BandKeys(h, idOf(i))...)
		}
		slices.SortFunc(keys, bytes.Compare)
		kvIdx = store.NewMemTree()
		for _, k := range keys {
			kvIdx.Set(k, []byte{})
		}
		b.Logf("built the IAVL index of %d (%d keys) in %v", indexSize, len(keys), time.Since(t))
	})
	b.Run("iavl/probes", func(b *testing.B) {
		probes := Probes(synth(5))
		for b.Loop() {
			if _, err := NearAnyInStore(kvIdx, probes, Threshold); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, d := range []int{Threshold, 10} {
		b.Run(fmt.Sprintf("iavl/d=%d", d), func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := NearInStore(kvIdx, qs[i%len(qs)], d); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
