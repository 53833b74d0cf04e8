package codec

import (
	"bytes"
	"crypto/sha3"
	"math/rand/v2"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The budget figures (DESIGN §10) are measured on one 32 MiB input at the
// defaults (2 MiB chunks, redundancy 12): one stripe, k=16, n=192.
// bench/codec.sh runs these and prints them.

const benchSize = 32 << 20

// cpuTime is the process's user+system CPU time. Benchmarks report it per
// operation next to wall time: on a shared machine wall time mostly measures the
// neighbours, CPU time much less so.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopCPU runs b.Loop with f and reports CPU milliseconds per operation.
func loopCPU(b *testing.B, f func()) {
	start := cpuTime()
	for b.Loop() {
		f()
	}
	b.ReportMetric(float64(cpuTime()-start)/1e6/float64(b.N), "cpu-ms/op")
}

var benchData = sync.OnceValues(func() ([]byte, *Manifest) {
	archive := make([]byte, benchSize)
	rand.NewChaCha8([32]byte{'b', 'e', 'n', 'c', 'h'}).Read(archive)
	m, _, err := Encode(archive, DefaultParams())
	if err != nil {
		panic(err)
	}
	return archive, m
})

var benchChunks = sync.OnceValue(func() [][]byte {
	archive, _ := benchData()
	_, chunks, err := Encode(archive, DefaultParams())
	if err != nil {
		panic(err)
	}
	return encodedAll(chunks)
})

// BenchmarkEncode: MB/s of archive in, all n chunks out with their ids, hash of
// the input checked. "parity-only" is just the Reed-Solomon arithmetic of the
// same stripe (no ids, no hashing), for comparison.
func BenchmarkEncode(b *testing.B) {
	archive, m := benchData()
	b.Run("full", func(b *testing.B) {
		b.SetBytes(benchSize)
		loopCPU(b, func() {
			_, err := EncodeStream(bytes.NewReader(archive), benchSize, m.ArchiveHash, DefaultParams(), func(*Chunk) error { return nil })
			if err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("parity-only", func(b *testing.B) {
		l, _ := NewLayout(benchSize, DefaultParams())
		st := l.Stripe(0)
		pieces := splitShards(archive, st.K, st.ShardSize)
		out := splitShards(make([]byte, parityBatch*st.ShardSize), parityBatch, st.ShardSize)
		var maps []*linearMap
		for first := st.K; first < st.N; first += parityBatch {
			rows := make([][]byte, min(parityBatch, st.N-first))
			for j := range rows {
				rows[j] = generatorRow(st.K, first+j)
			}
			lm, _ := newLinearMap(rows, st.K)
			maps = append(maps, lm)
		}
		b.SetBytes(benchSize)
		loopCPU(b, func() {
			for _, lm := range maps {
				if err := lm.apply(pieces, out[:lm.m]); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkDecode: MB/s of archive rebuilt from k parity chunks only (the worst
// case: every source piece is computed), ids verified and the archive hash
// checked. "rebuild-only" is the Reed-Solomon arithmetic alone.
func BenchmarkDecode(b *testing.B) {
	_, m := benchData()
	chunks := benchChunks()
	l, _ := m.Layout()
	st := l.Stripe(0)
	parity := chunks[st.K : 2*st.K] // k parity chunks
	b.Run("full", func(b *testing.B) {
		b.SetBytes(benchSize)
		loopCPU(b, func() {
			d, _ := NewDecoder(m)
			for _, c := range parity {
				if err := d.Add(c); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := d.WriteTo(discard{}); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("rebuild-only", func(b *testing.B) {
		have := make([]int, st.K)
		in := make([][]byte, st.K)
		want := make([]int, st.K)
		for i := range st.K {
			have[i], want[i] = st.K+i, i
			in[i] = parity[i][HeaderSize:]
		}
		out := splitShards(make([]byte, st.K*st.ShardSize), st.K, st.ShardSize)
		b.SetBytes(benchSize)
		loopCPU(b, func() {
			if err := recoverChunks(st.K, have, in, want, out); err != nil {
				b.Fatal(err)
			}
		})
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkMint: one 2 MiB chunk (a source piece, and a parity chunk) minted
// from k other chunks with the manifest: reported as ms/chunk.
func BenchmarkMint(b *testing.B) {
	_, m := benchData()
	chunks := benchChunks()
	l, _ := m.Layout()
	st := l.Stripe(0)
	for _, c := range []struct {
		name  string
		index int
		in    [][]byte
	}{
		{"data-from-parity", 3, chunks[st.K : 2*st.K]},
		{"parity-from-data", st.N - 1, chunks[:st.K]},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(st.ShardSize))
			start := time.Now()
			loopCPU(b, func() {
				if _, err := Mint(m, 0, c.index, c.in); err != nil {
					b.Fatal(err)
				}
			})
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/chunk")
		})
	}
}

// BenchmarkMerkleID: chunk ids of the 16 source pieces (32 MiB), against one
// plain SHA3-256 pass over the same bytes. "parallel" is MerkleRoot as the codec
// calls it; "serial" one goroutine; "serial-scalar" one goroutine without the
// AVX-512 kernel.
func BenchmarkMerkleID(b *testing.B) {
	archive, _ := benchData()
	pieces := splitShards(archive, 16, 2<<20)
	b.Run("sha3-plain", func(b *testing.B) {
		b.SetBytes(benchSize)
		loopCPU(b, func() { sha3.Sum256(archive) })
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetBytes(benchSize)
		loopCPU(b, func() {
			for _, p := range pieces {
				MerkleRoot(p)
			}
		})
	})
	b.Run("serial", func(b *testing.B) {
		lh := newLeafHasher()
		b.SetBytes(benchSize)
		loopCPU(b, func() {
			for _, p := range pieces {
				merkleRootSerial(lh, p)
			}
		})
	})
	b.Run("serial-scalar", func(b *testing.B) {
		defer func(old bool) { useKeccak8 = old }(useKeccak8)
		useKeccak8 = false
		lh := newLeafHasher()
		b.SetBytes(benchSize)
		loopCPU(b, func() {
			for _, p := range pieces {
				merkleRootSerial(lh, p)
			}
		})
	})
}

// BenchmarkVerifyProof: on-chain verification of a range proof in a 2 MiB chunk
// (decode the proof, check bounds, hash the leaves and the path), µs/op.
func BenchmarkVerifyProof(b *testing.B) {
	archive, _ := benchData()
	payload := archive[:2<<20]
	id := MerkleRoot(payload)
	for _, leaves := range []int{1, MaxProofLeaves} {
		start := 777
		p, _ := ProveRange(payload, start, start+leaves)
		enc, _ := p.MarshalBinary()
		from, to := LeafBytes(len(payload), start, start+leaves)
		b.Run(map[int]string{1: "1-leaf", MaxProofLeaves: "16-leaves"}[leaves], func(b *testing.B) {
			runtime.GC()
			for b.Loop() {
				if err := VerifyRange(id, len(payload), start, start+leaves, payload[from:to], enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkProve: building a proof at chunkd (hashes the whole 2 MiB payload).
func BenchmarkProve(b *testing.B) {
	archive, _ := benchData()
	payload := archive[:2<<20]
	for b.Loop() {
		if _, err := ProveRange(payload, 100, 104); err != nil {
			b.Fatal(err)
		}
	}
}
