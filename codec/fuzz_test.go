package codec

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// seedChunks adds small valid chunks: Go's fuzzer minimises every interesting
// input for up to a minute, and that is slow for kilobyte-sized ones.
func seedChunks(f *testing.F) {
	for _, size := range []int{0, 1, 5} {
		_, chunks, err := Encode(bytes.Repeat([]byte{7}, size), Params{ChunkSize: 1024, Redundancy: 3})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(chunks[0].Bytes())
		f.Add(chunks[len(chunks)-1].Bytes())
	}
}

// FuzzParseHeader: no panic, and whatever parses re-encodes to the same bytes.
func FuzzParseHeader(f *testing.F) {
	seedChunks(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			return
		}
		again, err := h.MarshalBinary()
		if err != nil || !bytes.Equal(again, b[:HeaderSize]) {
			t.Fatalf("parsed header does not re-encode: %v", err)
		}
	})
}

// FuzzParseChunk: no panic; an accepted chunk is self-consistent and re-encodes
// to the input; Manifest-free decoding of it alone never panics.
func FuzzParseChunk(f *testing.F) {
	seedChunks(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseChunk(b)
		if err == nil {
			if !bytes.Equal(c.Bytes(), b) || MerkleRoot(c.Payload) != c.ID {
				t.Fatal("accepted chunk is not what was parsed")
			}
		}
		d, _ := NewDecoder(nil)
		_ = d.Add(b)
		_, _ = d.WriteTo(&bytes.Buffer{})
		_, _ = Mint(nil, 0, 0, [][]byte{b})
	})
}

func seedProofs(f *testing.F) {
	rng := rand.New(rand.NewPCG(53, 54))
	for _, n := range []int{0, 1, 5000, 64 << 10} {
		payload := randBytes(rng, n)
		leaves := NumLeaves(n)
		for _, r := range [][2]int{{0, 1}, {leaves - 1, leaves}, {leaves / 2, min(leaves, leaves/2+3)}} {
			if r[0] >= r[1] {
				continue
			}
			p, err := ProveRange(payload, r[0], r[1])
			if err != nil {
				f.Fatal(err)
			}
			enc, _ := p.MarshalBinary()
			f.Add(enc)
		}
	}
}

// FuzzParseProof: no panic, bounded allocation, and accepted encodings are
// canonical.
func FuzzParseProof(f *testing.F) {
	seedProofs(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseProof(b)
		if err != nil {
			return
		}
		if len(p.Siblings) > MaxProofSiblings {
			t.Fatal("too many siblings accepted")
		}
		again, err := p.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted proof does not re-encode: %v", err)
		}
	})
}

// FuzzVerifyRange: a genuine proof of a random payload and range verifies, and
// any non-zero change (xor) to the proof bytes or the leaves makes it fail.
func FuzzVerifyRange(f *testing.F) {
	f.Add(uint64(1), uint16(3000), uint16(0), uint8(1), []byte{}, []byte{})
	f.Add(uint64(2), uint16(40000), uint16(7), uint8(16), []byte{0, 1}, []byte{})
	f.Add(uint64(3), uint16(9000), uint16(8), uint8(1), []byte{}, []byte{0, 0, 4})
	f.Fuzz(func(t *testing.T, seed uint64, size uint16, start uint16, count uint8, proofXor, leafXor []byte) {
		rng := rand.New(rand.NewPCG(seed, 55))
		payload := randBytes(rng, int(size))
		leaves := NumLeaves(len(payload))
		s := int(start) % leaves
		e := min(leaves, s+1+int(count)%MaxProofLeaves)
		p, err := ProveRange(payload, s, e)
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := p.MarshalBinary()
		from, to := LeafBytes(len(payload), s, e)
		lv := bytes.Clone(payload[from:to])
		changed := false
		for i, x := range proofXor {
			if i < len(enc) && x != 0 {
				enc[i] ^= x
				changed = true
			}
		}
		for i, x := range leafXor {
			if i < len(lv) && x != 0 {
				lv[i] ^= x
				changed = true
			}
		}
		err = VerifyRange(MerkleRoot(payload), len(payload), s, e, lv, enc)
		if changed != (err != nil) {
			t.Fatalf("changed=%v but VerifyRange returned %v", changed, err)
		}
	})
}

// FuzzVerifyRangeArbitrary: whatever a challenged masternode sends, verification
// returns (no panic) and accepts nothing for a random id.
func FuzzVerifyRangeArbitrary(f *testing.F) {
	seedProofs(f)
	f.Fuzz(func(t *testing.T, proof []byte) {
		var id ID
		for _, n := range []int{0, 3000, MaxChunkSize} {
			if VerifyRange(id, n, 0, 1, make([]byte, min(n, LeafSize)), proof) == nil {
				t.Fatal("accepted a proof for the zero id")
			}
		}
		if p, err := ParseProof(proof); err == nil {
			from, to := LeafBytes(p.PayloadLen, p.Start, p.End)
			_ = p.Verify(id, make([]byte, to-from))
		}
	})
}

// FuzzExtractArchive: hostile archives never panic or exceed the limits, and
// what is accepted is consistent with its metadata.
func FuzzExtractArchive(f *testing.F) {
	rng := rand.New(rand.NewPCG(56, 57))
	a, _, _ := BuildArchive(Metadata{Title: "t"}, []ArchiveFile{FileFromBytes("a.png", randBytes(rng, 20)), FileFromBytes("b", nil)})
	f.Add(a)
	a, _, _ = BuildArchive(Metadata{}, nil)
	f.Add(a)
	f.Fuzz(func(t *testing.T, b []byte) {
		lim := ExtractLimits{MaxContentSize: 1 << 20, MaxFiles: 10}
		meta, files, err := ExtractArchive(b, lim)
		if err != nil {
			return
		}
		if len(files) != len(meta.Files) || len(files) > lim.MaxFiles {
			t.Fatal("files do not match metadata")
		}
		var total int64
		for i, fl := range files {
			total += int64(len(fl.Data))
			if CheckName(fl.Name) != nil || fl.Name != meta.Files[i].Name || hashOf(fl.Data) != meta.Files[i].SHA3 {
				t.Fatalf("file %q inconsistent", fl.Name)
			}
		}
		if total > lim.MaxContentSize {
			t.Fatal("limit exceeded")
		}
	})
}
