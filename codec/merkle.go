package codec

import (
	"crypto/sha3"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/pastelchain/pastel/codec/internal/keccak8"
)

// Chunk ids are Merkle roots over the payload, cut into LeafSize-byte leaves.
//
// The tree has the shape of RFC 6962 (Certificate Transparency):
//
//	leaf hash  = SHA3-256(0x00 || leaf bytes)
//	node hash  = SHA3-256(0x01 || left || right)
//	root(D[0:n]) = leaf hash of D[0]                         if n == 1
//	             = node(root(D[0:k]), root(D[k:n]))          k = largest power of two < n
//
// Built bottom-up this is the same as pairing neighbours level by level and
// promoting a lone last node unchanged to the next level (never duplicating it).
// The last leaf may be shorter than LeafSize. An empty payload has exactly one,
// empty leaf, so its id is SHA3-256(0x00).
const (
	// LeafSize is the number of payload bytes per Merkle leaf (1 KiB).
	LeafSize = 1024

	leafPrefix = 0x00
	nodePrefix = 0x01
)

// NumLeaves returns the number of Merkle leaves of a payload of n bytes (at least 1).
func NumLeaves(n int) int {
	if n <= 0 {
		return 1
	}
	return (n + LeafSize - 1) / LeafSize
}

// leafSpan returns the byte range [off, end) of leaf i in a payload of n bytes.
func leafSpan(n, i int) (off, end int) {
	off = i * LeafSize
	end = min(off+LeafSize, n)
	return off, end
}

// splitPoint returns the number of leaves in the left subtree of a node over n > 1
// leaves: the largest power of two strictly less than n.
func splitPoint(n int) int {
	return 1 << (bits.Len(uint(n-1)) - 1)
}

// leafHasher hashes leaves and nodes without allocating; one per goroutine.
type leafHasher struct {
	h     *sha3.SHA3
	buf   [1 + 2*HashSize]byte
	out   []byte
	level [][HashSize]byte // scratch: one tree level
}

func newLeafHasher() *leafHasher {
	lh := &leafHasher{h: sha3.New256()}
	lh.out = make([]byte, 0, HashSize)
	return lh
}

func (lh *leafHasher) leaf(data []byte) Hash {
	lh.h.Reset()
	lh.buf[0] = leafPrefix
	lh.h.Write(lh.buf[:1])
	lh.h.Write(data)
	var out Hash
	copy(out[:], lh.h.Sum(lh.out[:0]))
	return out
}

func (lh *leafHasher) node(l, r *Hash) Hash {
	lh.buf[0] = nodePrefix
	copy(lh.buf[1:], l[:])
	copy(lh.buf[1+HashSize:], r[:])
	return sha3.Sum256(lh.buf[:])
}

// hashLeaf and hashNode are the definitions, used where speed does not matter
// (proof verification hashes a few dozen values).
func hashLeaf(data []byte) Hash {
	h := sha3.New256()
	h.Write([]byte{leafPrefix})
	h.Write(data)
	var out Hash
	h.Sum(out[:0])
	return out
}

func hashNode(l, r Hash) Hash {
	var buf [1 + 2*HashSize]byte
	buf[0] = nodePrefix
	copy(buf[1:], l[:])
	copy(buf[1+HashSize:], r[:])
	return sha3.Sum256(buf[:])
}

// treeStack folds a left-to-right sequence of subtree roots into one root in the
// RFC 6962 shape: equal-height neighbours merge as soon as both exist, and what is
// left at the end folds right to left (the promoted lone nodes).
type treeStack struct {
	hash   [64]Hash
	height [64]int
	n      int
}

func (s *treeStack) push(lh *leafHasher, h Hash, height int) {
	s.hash[s.n], s.height[s.n] = h, height
	s.n++
	for s.n >= 2 && s.height[s.n-1] == s.height[s.n-2] {
		s.hash[s.n-2] = lh.node(&s.hash[s.n-2], &s.hash[s.n-1])
		s.height[s.n-2]++
		s.n--
	}
}

func (s *treeStack) root(lh *leafHasher) Hash {
	acc := s.hash[s.n-1]
	for i := s.n - 2; i >= 0; i-- {
		acc = lh.node(&s.hash[i], &acc)
	}
	return acc
}

// subtreeRoot computes the root over the leaves of data on one goroutine, level
// by level (pairing neighbours, promoting a lone last node), eight hashes at a
// time with the AVX-512 kernel where the CPU has it.
func subtreeRoot(lh *leafHasher, data []byte) Hash {
	if len(data) <= LeafSize {
		return lh.leaf(data)
	}
	n := NumLeaves(len(data))
	if cap(lh.level) < n {
		lh.level = make([][HashSize]byte, n)
	}
	level := lh.level[:n]
	i := 0
	if useKeccak8 {
		for full := len(data) / LeafSize; i+8 <= full; i += 8 {
			keccak8.Leaves(data[i*LeafSize:], (*[8][HashSize]byte)(level[i:i+8]))
		}
	}
	for ; i < n; i++ {
		off, end := leafSpan(len(data), i)
		level[i] = lh.leaf(data[off:end])
	}
	for len(level) > 1 {
		// Node j of the next level is written over entry j, after entries 2j and
		// 2j+1 were read (the kernel reads all eight inputs before writing).
		pairs := len(level) / 2
		j := 0
		if useKeccak8 {
			for ; j+8 <= pairs; j += 8 {
				keccak8.Nodes(level[2*j:2*j+16], (*[8][HashSize]byte)(level[j:j+8]))
			}
		}
		for ; j < pairs; j++ {
			level[j] = lh.node((*Hash)(&level[2*j]), (*Hash)(&level[2*j+1]))
		}
		if len(level)%2 == 1 {
			level[pairs] = level[len(level)-1]
			pairs++
		}
		level = level[:pairs]
	}
	return Hash(level[0])
}

// segmentLeaves is the unit of parallel work: an aligned run of 2^8 leaves
// (256 KiB) is a complete subtree of any larger tree, so segment roots combine
// exactly like leaves one level up (see the RFC 6962 split rule).
const (
	segmentLeaves = 256
	segmentBytes  = segmentLeaves * LeafSize
	segmentHeight = 8
)

// MerkleRoot returns the chunk id of payload. Payloads of 512 KiB or more are
// hashed on up to GOMAXPROCS goroutines; the result does not depend on how many.
func MerkleRoot(payload []byte) ID {
	workers := runtime.GOMAXPROCS(0)
	if len(payload) < 2*segmentBytes || workers < 2 {
		return ID(subtreeRoot(newLeafHasher(), payload))
	}
	nseg := (len(payload) + segmentBytes - 1) / segmentBytes
	roots := make([]Hash, nseg)
	parallelFor(nseg, workers, func(lh *leafHasher, i int) {
		off := i * segmentBytes
		roots[i] = subtreeRoot(lh, payload[off:min(off+segmentBytes, len(payload))])
	})
	lh := newLeafHasher()
	var s treeStack
	for i, r := range roots {
		// Every segment but the last is complete (height 8); the last one may be
		// smaller, and as the last it only ever folds, never merges as an equal.
		h := segmentHeight
		if i == nseg-1 {
			h = -1
		}
		s.push(lh, r, h)
	}
	return ID(s.root(lh))
}

// merkleRootSerial is MerkleRoot on the calling goroutine only; used where the
// caller already keeps every core busy (hashing many chunks at once).
func merkleRootSerial(lh *leafHasher, payload []byte) ID {
	return ID(subtreeRoot(lh, payload))
}

// parallelFor runs fn(i) for i in [0, n) on up to workers goroutines, each with its
// own leafHasher.
func parallelFor(n, workers int, fn func(lh *leafHasher, i int)) {
	workers = min(workers, n)
	if workers <= 1 {
		lh := newLeafHasher()
		for i := range n {
			fn(lh, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lh := newLeafHasher()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(lh, i)
			}
		}()
	}
	wg.Wait()
}

// useKeccak8 selects the AVX-512 kernel; tests turn it off to check the scalar
// path against the same references.
var useKeccak8 = keccak8.Available
