package app

import (
	"sync"

	"golang.org/x/crypto/sha3"
)

// sigCache remembers transactions whose signature already verified (in
// CheckTx or ProcessProposal) so FinalizeBlock does not verify them again.
// Verification is a pure function of the tx bytes and the chain id, so the
// cache changes speed, never outcomes.
type sigCache struct {
	mu    sync.Mutex
	max   int
	seen  map[[32]byte]struct{}
	order [][32]byte
}

func newSigCache(max int) *sigCache {
	return &sigCache{max: max, seen: make(map[[32]byte]struct{}, max)}
}

func txKey(raw []byte) [32]byte { return sha3.Sum256(raw) }

func (c *sigCache) has(k [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.seen[k]
	return ok
}

func (c *sigCache) add(k [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[k]; ok {
		return
	}
	if len(c.order) >= c.max {
		old := c.order[0]
		c.order = c.order[1:]
		delete(c.seen, old)
	}
	c.seen[k] = struct{}{}
	c.order = append(c.order, k)
}
