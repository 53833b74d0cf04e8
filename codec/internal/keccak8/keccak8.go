// Package keccak8 computes SHA3-256 of eight Merkle leaves, or eight Merkle
// nodes, at once with AVX-512 (one message per 64-bit lane of each vector
// register), for the chunk codec's tree hashing. Where AVX-512 is missing,
// Available is false and callers use crypto/sha3.
//
// The messages are the codec's: a leaf is 0x00 followed by 1024 payload bytes, a
// node is 0x01 followed by two 32-byte child hashes. Results are exactly
// crypto/sha3.Sum256 of those messages (tests check it).
package keccak8

// LeafSize and NodeSize are the data bytes per message (after the prefix byte).
const (
	LeafSize = 1024
	NodeSize = 64
)

// Leaves sets out[i] = SHA3-256(0x00 || src[i*1024 : (i+1)*1024]) for i in 0..7.
// It panics unless Available and len(src) >= 8*1024.
func Leaves(src []byte, out *[8][32]byte) {
	if !Available || len(src) < 8*LeafSize {
		panic("keccak8: Leaves needs AVX-512 and 8 KiB of input")
	}
	leaves8AVX512(&src[0], out)
}

// Nodes sets out[i] = SHA3-256(0x01 || src[2i] || src[2i+1]) for i in 0..7.
// out may overlap src (all of src is read before out is written). It panics
// unless Available and len(src) >= 16.
func Nodes(src [][32]byte, out *[8][32]byte) {
	if !Available || len(src) < 16 {
		panic("keccak8: Nodes needs AVX-512 and 16 hashes of input")
	}
	nodes8AVX512(&src[0][0], out)
}
