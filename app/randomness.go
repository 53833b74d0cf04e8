package app

import (
	"encoding/binary"

	"golang.org/x/crypto/sha3"
)

// BlockRandomness is the one place the chain draws randomness:
//
//	rand(h) = SHA3-256("pastel/block-rand/v1" || height (8 bytes BE) || block hash || last AppHash)
//
// What it is: a hash of the block being finalized (its header commits to the
// proposer, the transactions, the last commit) chained with the state root.
// Every validator computes the same value, and nobody knows it before the
// block is proposed.
//
// Who can bias it: the proposer of the block. By reordering, adding or
// dropping transactions (or changing the header time) it can try many block
// hashes before proposing and pick one it likes — grinding. Each try is one
// hash, so the proposer can pick the best of as many candidates as it can
// compute in its proposal window, but it cannot choose an arbitrary value;
// it can also withhold its proposal and let the round pass, which gives it a
// second draw at the cost of its block. Consumers therefore only use it for
// choices where a proposer's best-of-many pick gains little (which chunk and
// leaf range to challenge, which masternodes attest or heal), and never for
// anything a single draw decides outright.
func BlockRandomness(height int64, blockHash, lastAppHash []byte) [32]byte {
	h := sha3.New256()
	h.Write([]byte("pastel/block-rand/v1"))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(height))
	h.Write(b[:])
	h.Write(blockHash)
	h.Write(lastAppHash)
	var out [32]byte
	h.Sum(out[:0])
	return out
}
