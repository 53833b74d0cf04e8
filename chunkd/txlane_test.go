package chunkd

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestUrgentTransactionsOvertakeWaitingOnes: with a transaction in flight
// and a confirmation already waiting, a challenge answer is sent next.
func TestUrgentTransactionsOvertakeWaitingOnes(t *testing.T) {
	l := newTxLane()
	ctx := context.Background()
	if err := l.acquire(ctx, false); err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 3)
	take := func(name string, urgent bool) {
		if err := l.acquire(ctx, urgent); err != nil {
			t.Error(err)
			return
		}
		order <- name
		time.Sleep(5 * time.Millisecond)
		l.done()
	}
	go take("confirm", false)
	waitWaiters(t, l, 1) // the confirmation is queued first
	go take("answer", true)
	waitWaiters(t, l, 2)
	l.done()
	if a, b := <-order, <-order; a != "answer" || b != "confirm" {
		t.Fatalf("lane order %s, %s; want answer, confirm", a, b)
	}
}

// TestLaneIsExclusive: never two holders at once, whatever the mix.
func TestLaneIsExclusive(t *testing.T) {
	l := newTxLane()
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(urgent bool) {
			defer wg.Done()
			if err := l.acquire(context.Background(), urgent); err != nil {
				t.Error(err)
				return
			}
			n := inside.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(time.Millisecond)
			inside.Add(-1)
			l.done()
		}(i%3 == 0)
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Fatalf("%d holders at once", most.Load())
	}
}

// TestCancelledUrgentWaiterLetsOthersGo: an urgent caller that gives up
// does not keep normal callers out.
func TestCancelledUrgentWaiterLetsOthersGo(t *testing.T) {
	l := newTxLane()
	if err := l.acquire(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	urgentErr := make(chan error, 1)
	go func() { urgentErr <- l.acquire(ctx, true) }()
	waitWaiters(t, l, 1)
	got := make(chan error, 1)
	go func() { got <- l.acquire(context.Background(), false) }()
	waitWaiters(t, l, 2)
	cancel()
	if err := <-urgentErr; err == nil {
		t.Fatal("cancelled urgent acquire returned no error")
	}
	l.done()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("normal caller still waiting after the urgent one gave up and the lane was released")
	}
}

func waitWaiters(t *testing.T, l *txLane, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); l.waiters() != n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d callers waiting, want %d", l.waiters(), n)
		}
	}
}
