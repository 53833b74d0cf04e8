package chunkd

import (
	"fmt"
	"testing"
)

func TestPeerLedgerMovesLikeTheChainsAutomaticEdges(t *testing.T) {
	l := newPeerLedger()
	l.record("a", true)
	if w := l.peers["a"].weight; w != 50_000_000 {
		t.Fatalf("one good transfer from 0: %d, want 0.05", w)
	}
	l.record("b", false)
	if w := l.peers["b"].weight; w != -200_000_000 {
		t.Fatalf("one bad transfer from 0: %d, want -0.2", w)
	}
	// Any sequence stays inside [-1, 1]; a long good run approaches 1, a
	// long bad run -1, and one failure undoes about four successes.
	for i := 0; i < 1000; i++ {
		l.record("c", true)
	}
	if w := l.peers["c"].weight; w > ppb || w < ppb-100 {
		t.Fatalf("after 1000 good: %d", w)
	}
	for i := 0; i < 1000; i++ {
		l.record("c", false)
	}
	if w := l.peers["c"].weight; w < -ppb || w > -ppb+100 {
		t.Fatalf("after 1000 bad: %d", w)
	}
}

func TestPeerLedgerPublishesWhatMoved(t *testing.T) {
	l := newPeerLedger()
	l.record("few", true)
	l.record("few", true) // 2 < minOutcomes: not yet
	for i := 0; i < minOutcomes; i++ {
		l.record("bad", false)
		l.record("good", true)
	}
	due := l.due()
	if len(due) != 2 || due[0].target != "bad" || due[1].target != "good" {
		t.Fatalf("due %+v: want bad (largest change) then good, not few", due)
	}
	l.published(due)
	if d := l.due(); len(d) != 0 {
		t.Fatalf("nothing moved since publishing, yet due: %+v", d)
	}
	// A small move is not worth a transaction; a large one is.
	l.record("good", true)
	if d := l.due(); len(d) != 0 {
		t.Fatalf("a move below the threshold is due: %+v", d)
	}
	l.record("good", false)
	if d := l.due(); len(d) != 1 || d[0].target != "good" {
		t.Fatalf("a failure after publishing is not due: %+v", d)
	}
	// At most maxPublish per round.
	for i := 0; i < 3*maxPublish; i++ {
		for j := 0; j < minOutcomes; j++ {
			l.record(fmt.Sprintf("p%02d", i), j%2 == 0)
		}
	}
	if d := l.due(); len(d) != maxPublish {
		t.Fatalf("%d due, want the cap %d", len(d), maxPublish)
	}
}
