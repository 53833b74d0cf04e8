package chunkd

import (
	"context"
	"sync"
)

// txLane serializes the masternode key's transactions (each is signed with
// the committed nonce, so the next may only be signed once the previous is
// in a block or gone) and lets urgent ones go first: a challenge answer
// waits for at most the transaction in flight, never behind a queue of
// confirmations or trust reports.
type txLane struct {
	mu      sync.Mutex
	busy    bool
	urgent  int           // urgent callers waiting
	waiting int           // all callers waiting
	release chan struct{} // closed and replaced on every release
}

func newTxLane() *txLane { return &txLane{release: make(chan struct{})} }

// acquire waits for the lane; an urgent caller overtakes waiting ones that
// are not. It fails only when ctx ends.
func (l *txLane) acquire(ctx context.Context, urgent bool) error {
	l.mu.Lock()
	if urgent {
		l.urgent++
	}
	for l.busy || (!urgent && l.urgent > 0) {
		ch := l.release
		l.waiting++
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			l.mu.Lock()
			l.waiting--
			if urgent {
				l.urgent--
				l.wakeLocked() // normal waiters may go now
			}
			l.mu.Unlock()
			return ctx.Err()
		}
		l.mu.Lock()
		l.waiting--
	}
	if urgent {
		l.urgent--
	}
	l.busy = true
	l.mu.Unlock()
	return nil
}

// done releases the lane.
func (l *txLane) done() {
	l.mu.Lock()
	l.busy = false
	l.wakeLocked()
	l.mu.Unlock()
}

func (l *txLane) wakeLocked() {
	close(l.release)
	l.release = make(chan struct{})
}

// waiters is how many callers wait for the lane.
func (l *txLane) waiters() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waiting
}
