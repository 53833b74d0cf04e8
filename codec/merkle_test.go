package codec

import (
	"crypto/sha3"
	"math/rand/v2"
	"runtime"
	"testing"
)

// refRoot is the obvious recursive definition (RFC 6962 §2.1 with SHA3-256 and
// our 1 KiB leaves): no stacks, no segments, no goroutines.
func refRoot(payload []byte) Hash {
	var leaves [][]byte
	for off := 0; off < len(payload); off += LeafSize {
		leaves = append(leaves, payload[off:min(off+LeafSize, len(payload))])
	}
	if len(leaves) == 0 {
		leaves = [][]byte{{}}
	}
	return refMTH(leaves)
}

func refMTH(leaves [][]byte) Hash {
	if len(leaves) == 1 {
		return sha3.Sum256(append([]byte{0}, leaves[0]...))
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := refMTH(leaves[:k]), refMTH(leaves[k:])
	return sha3.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

// levelRoot is the other documented description: pair neighbours level by level,
// promoting a lone last node.
func levelRoot(payload []byte) Hash {
	var level []Hash
	for i := range NumLeaves(len(payload)) {
		off, end := leafSpan(len(payload), i)
		level = append(level, hashLeaf(payload[off:end]))
	}
	for len(level) > 1 {
		var next []Hash
		for i := 0; i+1 < len(level); i += 2 {
			next = append(next, hashNode(level[i], level[i+1]))
		}
		if len(level)%2 == 1 {
			next = append(next, level[len(level)-1])
		}
		level = next
	}
	return level[0]
}

func TestMerkleRootMatchesReference(t *testing.T) {
	for _, fast := range []bool{false, true} {
		if fast && !useKeccak8 {
			t.Log("no AVX-512 here: only the scalar path is checked")
			continue
		}
		t.Run(map[bool]string{false: "scalar", true: "avx512"}[fast], func(t *testing.T) {
			defer func(old bool) { useKeccak8 = old }(useKeccak8)
			useKeccak8 = fast
			checkMerkleAgainstReference(t)
		})
	}
}

func checkMerkleAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	big := randBytes(rng, 3<<20+777)
	sizes := []int{0, 1, 2, 1023, 1024, 1025, 2047, 2048, 2049, 3 * 1024, 5*1024 + 1,
		segmentBytes - 1, segmentBytes, segmentBytes + 1, 2*segmentBytes - 1, 2 * segmentBytes,
		2*segmentBytes + 1, 3*segmentBytes + 5, 7 * segmentBytes, 8 * segmentBytes, 2 << 20, 3<<20 + 777}
	for range 20 {
		sizes = append(sizes, rng.IntN(len(big)))
	}
	for _, n := range sizes {
		p := big[:n]
		want := refRoot(p)
		if got := MerkleRoot(p); got != ID(want) {
			t.Fatalf("MerkleRoot(%d bytes) = %s, reference %s", n, got, want)
		}
		if got := merkleRootSerial(newLeafHasher(), p); got != ID(want) {
			t.Fatalf("serial root of %d bytes = %s, reference %s", n, got, want)
		}
		if n < 600<<10 {
			if got := levelRoot(p); got != want {
				t.Fatalf("level-by-level root of %d bytes = %s, reference %s", n, got, want)
			}
		}
	}
}

func TestMerkleRootIndependentOfGOMAXPROCS(t *testing.T) {
	p := randBytes(rand.New(rand.NewPCG(23, 24)), 2<<20+100)
	want := MerkleRoot(p)
	for _, procs := range []int{1, 3, 8} {
		old := runtime.GOMAXPROCS(procs)
		got := MerkleRoot(p)
		runtime.GOMAXPROCS(old)
		if got != want {
			t.Fatalf("GOMAXPROCS=%d changes the root", procs)
		}
	}
}

// Known answers pin the definition; they were cross-checked with Python's
// hashlib.sha3_256 and must never change.
func TestMerkleKnownAnswers(t *testing.T) {
	p := make([]byte, 3000)
	for i := range p {
		p[i] = byte(i)
	}
	for _, c := range []struct {
		payload []byte
		want    string
	}{
		{nil, "5d53469f20fef4f8eab52b88044ede69c77a6a68a60728609fc4a65ff531e7d0"}, // SHA3-256(0x00)
		{[]byte("abc"), "6088d83b4b6a2506789885b50023b979f9368d5d50f6f5e78c53f6e07bddb119"},
		{p, "d556cb87a6318b0fafba297387c88d018f6acddfd7c533107e720b0f0e08ece0"},
	} {
		if got := MerkleRoot(c.payload).String(); got != c.want {
			t.Errorf("MerkleRoot(%d bytes) = %s, want %s", len(c.payload), got, c.want)
		}
	}
}
