package codec

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
)

// TestDesignDemonstration is the original design's demonstration, 20 times with
// different seeds: a 20 MiB image plus metadata, 2 MiB chunks, redundancy 12;
// delete a random 75% of the chunks; overwrite random bytes in 10% of the rest;
// decode, with the manifest (as a wallet with the on-chain ticket would) and
// trusting self-consistent headers (the offline CLI); require byte-identical files
// and the archive hash.
//
// How big, by mode (each mode runs all 20 seeds):
//   - default: 20 MiB images, as in the design;
//   - under -race (which slows the Go parts of hashing several times): 4 MiB
//     images, plus seed 0 once more at the full 20 MiB;
//   - -short: 2 MiB images;
//   - PASTEL_LONG=1: 20 MiB whatever the other flags.
//
// The CLI test in cmd/pasteld/chunkscmd repeats it at full size with real files.
func TestDesignDemonstration(t *testing.T) {
	imageSize, extraFull := 20<<20, false
	switch {
	case os.Getenv("PASTEL_LONG") != "":
	case testing.Short():
		imageSize = 2 << 20
	case raceEnabled:
		imageSize, extraFull = 4<<20, true
	}
	for seed := range uint64(20) {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			runDemonstration(t, seed, imageSize)
		})
	}
	if extraFull {
		t.Run("seed0-full", func(t *testing.T) { runDemonstration(t, 0, 20<<20) })
	}
}

func runDemonstration(t *testing.T, seed uint64, imageSize int) {
	rng := rand.New(rand.NewPCG(seed, 0xde70))
	image := make([]byte, imageSize)
	rand.NewChaCha8([32]byte{byte(seed)}).Read(image)
	meta := Metadata{Title: fmt.Sprintf("demo %d", seed), Creator: "test"}
	archive, hash, err := BuildArchive(meta, []ArchiveFile{FileFromBytes("image.png", image)})
	if err != nil {
		t.Fatal(err)
	}
	// Stream the encoding and keep only the chunks that survive the deletion, as
	// a store would; holding all 240 MiB of chunks would only slow the test down.
	l, err := NewLayout(int64(len(archive)), DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	total := l.Chunks()
	keep := total - total*3/4 // delete 75%
	survives := make(map[int]bool)
	for _, i := range rng.Perm(total)[:keep] {
		survives[i] = true
	}
	var kept [][]byte
	pos := 0
	m, err := EncodeStream(bytes.NewReader(archive), int64(len(archive)), hash, DefaultParams(), func(c *Chunk) error {
		if survives[pos] {
			kept = append(kept, c.Bytes())
		}
		pos++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rng.Shuffle(len(kept), func(i, j int) { kept[i], kept[j] = kept[j], kept[i] })
	corrupt := (keep + 9) / 10 // 10% of the remainder, rounded up
	for _, b := range kept[:corrupt] {
		n := 1 + rng.IntN(64)
		off := rng.IntN(len(b) - n + 1)
		for j := off; j < off+n; j++ {
			b[j] ^= byte(1 + rng.IntN(255)) // never a no-op
		}
	}

	// The demonstration must be decodable: compute that, don't assume it.
	good := make(map[int]int)
	for _, b := range kept {
		if c, err := m.Check(b); err == nil {
			good[c.Stripe]++
		}
	}
	for s := range l.Stripes() {
		st := l.Stripe(s)
		if good[s] < st.K {
			t.Fatalf("seed %d: stripe %d kept %d good chunks of %d needed; the demonstration cannot succeed", seed, s, good[s], st.K)
		}
		t.Logf("stripe %d: k=%d n=%d, kept %d chunks, %d intact after corruption", s, st.K, st.N, keep, good[s])
	}

	for _, mm := range []*Manifest{m, nil} {
		got, err := Decode(mm, kept) // checks the archive hash
		if err != nil {
			t.Fatalf("seed %d (manifest %v): %v", seed, mm != nil, err)
		}
		if !bytes.Equal(got, archive) {
			t.Fatalf("seed %d: rebuilt archive differs", seed)
		}
		if mm == nil {
			continue // same bytes as with the manifest: extracted once is enough
		}
		gotMeta, out, err := ExtractArchive(got, ExtractLimits{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 1 || out[0].Name != "image.png" || !bytes.Equal(out[0].Data, image) || gotMeta.Title != meta.Title {
			t.Fatalf("seed %d: extracted files differ", seed)
		}
	}
}
