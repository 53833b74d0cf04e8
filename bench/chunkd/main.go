// Command chunkd prints chunkd's storage figures (DESIGN.md §10): store
// put/get MB/s against plain file write (+fsync) / read of the same bytes in
// the same directory, challenge-proof generation latency at chunkd (read +
// verify + prove, p50/p99), and on-chain verification cost per proof.
//
//	go run ./bench/chunkd [-chunks 48] [-dir DIR]
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/pastelchain/pastel/chunkd"
	"github.com/pastelchain/pastel/chunkd/store"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func pct(xs []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func main() {
	n := flag.Int("chunks", 48, "2 MiB chunks per round")
	base := flag.String("dir", "", "directory on the disk to measure (default: a temp dir)")
	flag.Parse()
	dir, err := os.MkdirTemp(*base, "pastel-bench-chunkd-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	archive := make([]byte, *n/12*2<<20+1)
	rand.New(rand.NewSource(1)).Read(archive)
	_, chunks, err := codec.Encode(archive, codec.DefaultParams())
	if err != nil {
		panic(err)
	}
	chunks = chunks[:min(len(chunks), *n)]
	var total int64
	for _, c := range chunks {
		total += int64(c.Size())
	}
	mb := float64(total) / 1e6

	var putR, getR, wR, rR []float64
	for round := 0; round < 5; round++ {
		sdir := filepath.Join(dir, fmt.Sprintf("store%d", round))
		st, err := store.Open(sdir)
		if err != nil {
			panic(err)
		}
		raw := make([][]byte, len(chunks))
		for i, c := range chunks {
			raw[i] = c.Bytes()
		}
		t := time.Now()
		for i, c := range chunks {
			if err := st.Put(c.ID, raw[i]); err != nil {
				panic(err)
			}
		}
		putR = append(putR, mb/time.Since(t).Seconds())
		t = time.Now()
		for _, c := range chunks {
			if _, err := st.Get(c.ID); err != nil {
				panic(err)
			}
		}
		getR = append(getR, mb/time.Since(t).Seconds())

		pdir := filepath.Join(dir, fmt.Sprintf("plain%d", round))
		_ = os.MkdirAll(pdir, 0o700)
		t = time.Now()
		for i := range chunks {
			f, err := os.Create(filepath.Join(pdir, fmt.Sprint(i)))
			if err != nil {
				panic(err)
			}
			_, _ = f.Write(raw[i])
			_ = f.Sync()
			_ = f.Close()
		}
		wR = append(wR, mb/time.Since(t).Seconds())
		t = time.Now()
		for i := range chunks {
			if _, err := os.ReadFile(filepath.Join(pdir, fmt.Sprint(i))); err != nil {
				panic(err)
			}
		}
		rR = append(rR, mb/time.Since(t).Seconds())
		_ = os.RemoveAll(pdir)
		if round < 4 {
			_ = os.RemoveAll(sdir)
		}
	}
	fmt.Printf("chunkd store, %d chunks of 2 MiB per round, medians of 5 rounds (same disk, same bytes):\n", len(chunks))
	fmt.Printf("  put (verify id + write + fsync + rename + dir fsync): %7.0f MB/s   plain write+fsync: %7.0f MB/s   ratio %.2f\n", median(putR), median(wR), median(putR)/median(wR))
	fmt.Printf("  get (read + verify id):                                %7.0f MB/s   plain read:        %7.0f MB/s   ratio %.2f\n", median(getR), median(rR), median(getR)/median(rR))

	// Proof generation as chunkd answers a challenge: read the chunk from
	// the store (verified), build the range proof of 4 leaves.
	st, _ := store.Open(filepath.Join(dir, "store4"))
	r := rand.New(rand.NewSource(2))
	var gen []time.Duration
	var verify []time.Duration
	for i := 0; i < 200; i++ {
		c := chunks[r.Intn(len(chunks))]
		leaves := codec.NumLeaves(len(c.Payload))
		start := r.Intn(leaves)
		ch := &storagepb.Challenge{Id: uint64(i), ChunkId: c.ID[:], PayloadLen: uint32(len(c.Payload)), LeafStart: uint32(start), LeafEnd: uint32(min(start+4, leaves))}
		t := time.Now()
		b, err := st.Get(c.ID)
		if err != nil {
			panic(err)
		}
		pc, _ := codec.ParseChunk(b)
		p, err := chunkd.ProveChallenge(pc.Payload, ch)
		if err != nil {
			panic(err)
		}
		gen = append(gen, time.Since(t))
		t = time.Now()
		const reps = 100
		for j := 0; j < reps; j++ {
			if err := codec.VerifyRange(c.ID, len(c.Payload), start, int(ch.LeafEnd), p.Leaves, p.Proof); err != nil {
				panic(err)
			}
		}
		verify = append(verify, time.Since(t)/reps)
	}
	fmt.Printf("challenge proof at chunkd (read + verify chunk + prove 4 leaves of a 2 MiB chunk), 200 challenges: p50 %s, p99 %s (budget p99 < 50 ms)\n",
		pct(gen, 0.5).Round(10*time.Microsecond), pct(gen, 0.99).Round(10*time.Microsecond))
	fmt.Printf("on-chain proof verification (codec.VerifyRange, 4 leaves): p50 %s, p99 %s per proof (budget < 100 µs)\n",
		pct(verify, 0.5).Round(100*time.Nanosecond), pct(verify, 0.99).Round(100*time.Nanosecond))
}
