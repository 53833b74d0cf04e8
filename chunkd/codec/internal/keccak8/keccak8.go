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

var roundConstants = [24]uint64{
	0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
	0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
	0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
	0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
	0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
	0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
}

// Per-instance byte offsets for the gathers and the scatters.
var (
	leafOffsets = [8]uint64{0, 1 * LeafSize, 2 * LeafSize, 3 * LeafSize, 4 * LeafSize, 5 * LeafSize, 6 * LeafSize, 7 * LeafSize}
	nodeOffsets = [8]uint64{0, 1 * NodeSize, 2 * NodeSize, 3 * NodeSize, 4 * NodeSize, 5 * NodeSize, 6 * NodeSize, 7 * NodeSize}
	outOffsets  = [8]uint64{0, 32, 64, 96, 128, 160, 192, 224}
)
