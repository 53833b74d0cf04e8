package storage

import (
	"strings"
	"testing"
	"time"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// TestPruneStopsAtAnOpenChallenge: pruning goes in id order and stops at
// the first challenge still open, however old (a deadline backlog past
// MaxDeadlineWork), so no open challenge loses its record while its cm/
// and cq/ entries remain; it deletes at most MaxDeadlineWork a block and
// catches up over the next blocks.
func TestPruneStopsAtAnOpenChallenge(t *testing.T) {
	const keep = 30
	tree := store.NewMemTree()
	at := func(h int64) *types.Context { return types.NewContext(tree, "prune", h, time.Unix(h, 0)) }
	k := Keeper{}
	p := DefaultParams()
	p.ChallengeDeadline, p.ChallengeHistoryBlocks = 10, keep
	k.setParams(at(1), p)
	mn := secp256k1.ModuleAddress("a masternode")
	c := &storagepb.Commitment{Masternode: mn.String(), ArtId: make([]byte, 32), PayloadLen: 4096}
	// One challenge at height 1, left open; MaxDeadlineWork+50 more at
	// height 2, closed.
	first := k.openChallenge(at(1), c, []byte{0}, "")
	for i := 0; i < MaxDeadlineWork+50; i++ {
		ch := k.openChallenge(at(2), c, []byte{byte(i), byte(i >> 8)}, "")
		k.closeChallenge(at(2), ch, storagepb.ChallengeStatus_CH_PASSED, "")
	}
	kept := func() (n int) {
		it := k.kv(at(1)).Iterator(pChallenge, types.PrefixEnd(pChallenge))
		defer it.Close()
		for ; it.Valid(); it.Next() {
			n++
		}
		return n
	}
	check := func(h int64, want int) {
		t.Helper()
		if err := k.checkChallenges(at(h)); err != nil {
			t.Fatalf("height %d: %v", h, err)
		}
		if got := kept(); got != want {
			t.Fatalf("height %d: %d challenges kept, want %d", h, got, want)
		}
	}
	all := MaxDeadlineWork + 51
	k.pruneChallengeHistory(at(keep + 1)) // nothing is older than keep yet
	check(keep+1, all)
	k.pruneChallengeHistory(at(keep + 10)) // the open one blocks the rest
	check(keep+10, all)
	k.closeChallenge(at(keep+10), first, storagepb.ChallengeStatus_CH_FAILED, "missed the deadline")
	k.pruneChallengeHistory(at(keep + 11)) // at most MaxDeadlineWork a block
	check(keep+11, all-MaxDeadlineWork)
	k.pruneChallengeHistory(at(keep + 12))
	check(keep+12, 0)
	if err := k.noChallenge(at(keep+12), 1); err == nil || !strings.Contains(err.Error(), "pruned") {
		t.Fatalf("pruned challenge 1: %v", err)
	}
	if err := k.noChallenge(at(keep+12), uint64(all+1)); err == nil || strings.Contains(err.Error(), "pruned") {
		t.Fatalf("challenge never drawn: %v", err)
	}
}
