package storage

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// The replication factor is bounded so the state an art costs stays bounded
// (MaxReplication), and a genesis outside the bound says what is allowed.
func TestReplicationBounded(t *testing.T) {
	bound := fmt.Sprintf("storage.params.replication must be in [1, %d]", MaxReplication)
	for _, c := range []struct {
		r    uint32
		want string
	}{
		{1, ""}, {MaxReplication, ""},
		{0, bound}, {MaxReplication + 1, bound},
	} {
		g, err := parseParams(t, func(p *storagepb.Params) { p.Replication = c.r })
		switch {
		case c.want == "" && err != nil:
			t.Fatalf("R=%d refused: %v", c.r, err)
		case c.want == "" && g.Params.Replication != c.r:
			t.Fatalf("R=%d parsed as %d", c.r, g.Params.Replication)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Fatalf("R=%d: %v, want %q", c.r, err, c.want)
		}
	}
}

// max_moves_per_block: absent from a genesis it is the default; above
// MaxMovesPerBlockLimit the genesis is refused, saying what is allowed.
func TestMovesPerBlockBounded(t *testing.T) {
	for _, c := range []struct {
		in, want uint32
		err      string
	}{
		{0, DefaultMaxMovesPerBlock, ""}, {1, 1, ""}, {MaxMovesPerBlockLimit, MaxMovesPerBlockLimit, ""},
		{MaxMovesPerBlockLimit + 1, 0, fmt.Sprintf("storage.params.max_moves_per_block must be in [1, %d]", MaxMovesPerBlockLimit)},
	} {
		g, err := parseParams(t, func(p *storagepb.Params) { p.MaxMovesPerBlock = c.in })
		switch {
		case c.err == "" && err != nil:
			t.Fatalf("%d refused: %v", c.in, err)
		case c.err == "" && g.Params.MaxMovesPerBlock != c.want:
			t.Fatalf("%d parsed as %d, want %d", c.in, g.Params.MaxMovesPerBlock, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Fatalf("%d: %v, want %q", c.in, err, c.err)
		}
	}
}

// parseParams parses a genesis whose params are the defaults edited.
func parseParams(t *testing.T, edit func(*storagepb.Params)) (*Genesis, error) {
	p := DefaultParams()
	edit(p)
	raw, err := json.Marshal(map[string]any{"params": p})
	if err != nil {
		t.Fatal(err)
	}
	return ParseGenesis(raw)
}

// challenge_history_blocks: absent from a genesis it is the default;
// negative keeps every closed challenge; a positive value shorter than the
// failure window (or the deadline) is refused, saying why.
func TestChallengeHistoryBounded(t *testing.T) {
	d := DefaultParams()
	short := max(d.FailureWindow, d.ChallengeDeadline) - 1
	for _, c := range []struct {
		in, want int64
		err      string
	}{
		{0, DefaultChallengeHistoryBlocks, ""}, {-1, -1, ""}, {short + 1, short + 1, ""},
		{short, 0, "storage.params.challenge_history_blocks must be at least failure_window"},
	} {
		g, err := parseParams(t, func(p *storagepb.Params) { p.ChallengeHistoryBlocks = c.in })
		switch {
		case c.err == "" && err != nil:
			t.Fatalf("%d refused: %v", c.in, err)
		case c.err == "" && g.Params.ChallengeHistoryBlocks != c.want:
			t.Fatalf("%d parsed as %d, want %d", c.in, g.Params.ChallengeHistoryBlocks, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Fatalf("%d: %v, want %q", c.in, err, c.err)
		}
	}
	// A state written before the parameter existed holds 0: the default.
	if got := historyBlocks(&storagepb.Params{}); got != DefaultChallengeHistoryBlocks {
		t.Fatalf("0 in state means %d blocks, want the default %d", got, DefaultChallengeHistoryBlocks)
	}
}
