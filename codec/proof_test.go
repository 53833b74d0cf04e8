package codec

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// refSiblings lists the roots of the maximal subtrees outside [start, end), by the
// reference definition: what a proof must contain.
func refSiblings(payload []byte, lo, hi, start, end int) []Hash {
	if hi <= start || lo >= end {
		from, to := LeafBytes(len(payload), lo, hi)
		return []Hash{refRoot(payload[from:to])}
	}
	if hi-lo == 1 {
		return nil
	}
	k := lo + splitPoint(hi-lo)
	return append(refSiblings(payload, lo, k, start, end), refSiblings(payload, k, hi, start, end)...)
}

func proveT(t *testing.T, payload []byte, start, end int) ([]byte, []byte) {
	t.Helper()
	p, err := ProveRange(payload, start, end)
	if err != nil {
		t.Fatalf("ProveRange(%d bytes, [%d,%d)): %v", len(payload), start, end, err)
	}
	enc, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	from, to := LeafBytes(len(payload), start, end)
	return payload[from:to], enc
}

// Every range of up to MaxProofLeaves leaves of small payloads verifies, and its
// proof holds exactly the reference siblings.
func TestProofEveryRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, n := range []int{0, 1, 1000, 1024, 1025, 3000, 5 * 1024, 7*1024 + 1, 16 * 1024, 33*1024 + 9} {
		payload := randBytes(rng, n)
		id := MerkleRoot(payload)
		leaves := NumLeaves(n)
		for start := range leaves {
			for end := start + 1; end <= min(leaves, start+MaxProofLeaves); end++ {
				p, err := ProveRange(payload, start, end)
				if err != nil {
					t.Fatal(err)
				}
				want := refSiblings(payload, 0, leaves, start, end)
				if len(p.Siblings) != len(want) {
					t.Fatalf("%d bytes [%d,%d): %d siblings, reference %d", n, start, end, len(p.Siblings), len(want))
				}
				for i := range want {
					if p.Siblings[i] != want[i] {
						t.Fatalf("%d bytes [%d,%d): sibling %d differs from reference", n, start, end, i)
					}
				}
				lv, enc := proveT(t, payload, start, end)
				if err := VerifyRange(id, n, start, end, lv, enc); err != nil {
					t.Fatalf("%d bytes [%d,%d): %v", n, start, end, err)
				}
			}
		}
	}
}

// Any flipped bit in the leaves, the encoded proof or the id makes verification
// fail.
func TestProofBitFlipsFail(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	for _, n := range []int{1, 3000, 9*1024 + 5, 64 * 1024} {
		payload := randBytes(rng, n)
		id := MerkleRoot(payload)
		leaves := NumLeaves(n)
		for range 6 {
			start := rng.IntN(leaves)
			end := start + 1 + rng.IntN(min(MaxProofLeaves, leaves-start))
			lv, enc := proveT(t, payload, start, end)
			check := func(what string, id ID, lv, enc []byte) {
				if err := VerifyRange(id, n, start, end, lv, enc); err == nil {
					t.Fatalf("%d bytes [%d,%d): flipped %s still verifies", n, start, end, what)
				}
			}
			for bit := range len(enc) * 8 {
				e := bytes.Clone(enc)
				e[bit/8] ^= 1 << (bit % 8)
				check("proof bit", id, lv, e)
			}
			for bit := range HashSize * 8 {
				bad := id
				bad[bit/8] ^= 1 << (bit % 8)
				check("id bit", bad, lv, enc)
			}
			bits := len(lv) * 8
			for i := range min(bits, 256) {
				bit := i
				if bits > 256 {
					bit = rng.IntN(bits)
				}
				l := bytes.Clone(lv)
				l[bit/8] ^= 1 << (bit % 8)
				check("leaf bit", id, l, enc)
			}
			// Wrong amount of leaf data, and a proof for another range or length.
			check("leaf length", id, lv[:len(lv)-1], enc)
			if err := VerifyRange(id, n+1, start, end, lv, enc); err == nil {
				t.Fatal("proof accepted for another payload length")
			}
		}
	}
}

func TestProofBounds(t *testing.T) {
	payload := make([]byte, 100*1024)
	for _, r := range [][2]int{{-1, 1}, {0, 0}, {5, 4}, {0, MaxProofLeaves + 1}, {99, 101}, {100, 101}} {
		if _, err := ProveRange(payload, r[0], r[1]); !errors.Is(err, ErrBadProof) {
			t.Errorf("range %v: %v", r, err)
		}
	}
	// The sibling bound holds at the largest payload.
	maxLeaves := MaxChunkSize / LeafSize
	rng := rand.New(rand.NewPCG(35, 36))
	most := 0
	for range 20000 {
		s := rng.IntN(maxLeaves)
		e := min(maxLeaves, s+1+rng.IntN(MaxProofLeaves))
		most = max(most, proofSiblings(0, maxLeaves, s, e))
	}
	if most > MaxProofSiblings {
		t.Fatalf("a proof needs %d siblings, bound is %d", most, MaxProofSiblings)
	}
	// Oversized or padded encodings are refused before any hashing.
	p, _ := ProveRange(payload, 3, 5)
	enc, _ := p.MarshalBinary()
	for _, bad := range [][]byte{enc[:len(enc)-1], append(bytes.Clone(enc), 0), enc[:proofHeaderSize-1], nil} {
		if _, err := ParseProof(bad); err == nil {
			t.Errorf("ParseProof accepted %d bytes", len(bad))
		}
	}
	p.Siblings = append(p.Siblings, Hash{})
	if err := p.Verify(MerkleRoot(payload), payload[3*1024:5*1024]); !errors.Is(err, ErrBadProof) {
		t.Errorf("extra sibling: %v", err)
	}
}
