package keccak8

import (
	"crypto/sha3"
	"math/rand/v2"
	"testing"
)

func TestMatchesSHA3(t *testing.T) {
	if !Available {
		t.Skip("no AVX-512 on this machine")
	}
	rng := rand.NewChaCha8([32]byte{1})
	pick := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		src := make([]byte, 8*LeafSize+pick.IntN(100))
		rng.Read(src)
		var out [8][32]byte
		Leaves(src, &out)
		for i := range 8 {
			want := sha3.Sum256(append([]byte{0x00}, src[i*LeafSize:(i+1)*LeafSize]...))
			if out[i] != want {
				t.Fatalf("leaf %d differs from crypto/sha3", i)
			}
		}
		var hashes [16][32]byte
		for i := range hashes {
			copy(hashes[i][:], src[32*i:])
		}
		Nodes(hashes[:], &out)
		for i := range 8 {
			want := sha3.Sum256(append([]byte{0x01}, src[i*NodeSize:(i+1)*NodeSize]...))
			if out[i] != want {
				t.Fatalf("node %d differs from crypto/sha3", i)
			}
		}
	}
}

func TestPanicsOnShortInput(t *testing.T) {
	if !Available {
		t.Skip("no AVX-512 on this machine")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("short input accepted")
		}
	}()
	var out [8][32]byte
	Leaves(make([]byte, 8*LeafSize-1), &out)
}

func BenchmarkLeaves(b *testing.B) {
	if !Available {
		b.Skip("no AVX-512")
	}
	src := make([]byte, 8*LeafSize)
	var out [8][32]byte
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		Leaves(src, &out)
	}
}

func BenchmarkLeavesScalar(b *testing.B) {
	src := make([]byte, 8*LeafSize)
	h := sha3.New256()
	var out [32]byte
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		for i := range 8 {
			h.Reset()
			h.Write([]byte{0})
			h.Write(src[i*LeafSize : (i+1)*LeafSize])
			h.Sum(out[:0])
		}
	}
}

func BenchmarkNodes(b *testing.B) {
	if !Available {
		b.Skip("no AVX-512")
	}
	src := make([][32]byte, 16)
	var out [8][32]byte
	b.SetBytes(8 * NodeSize)
	for b.Loop() {
		Nodes(src, &out)
	}
}
