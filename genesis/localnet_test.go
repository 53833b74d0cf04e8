package genesis

import "testing"

// TestFreePortBaseHandsOutDisjointBlocks: blocks chosen one after another,
// before anything listens on them (as a test picks ports for validators,
// then for masternodes, then starts them all), never overlap and stay
// below the ephemeral port range. (Before: both came from the ephemeral
// range and could overlap; a long chaos run gave a masternode the P2P port
// of a validator, so that chunkd never started.)
func TestFreePortBaseHandsOutDisjointBlocks(t *testing.T) {
	var blocks [][2]int
	for i := 0; i < 40; i++ {
		n := 1 + i%8
		base, err := FreePortBase(n)
		if err != nil {
			t.Fatal(err)
		}
		b := [2]int{base, base + 10*n}
		if b[0] < minPortBase || b[1] > maxPortEnd {
			t.Fatalf("block %v outside [%d, %d)", b, minPortBase, maxPortEnd)
		}
		for _, o := range blocks {
			if b[0] < o[1] && o[0] < b[1] {
				t.Fatalf("block %v overlaps %v", b, o)
			}
		}
		blocks = append(blocks, b)
	}
	if _, err := FreePortBase(0); err == nil {
		t.Fatal("a block of 0 ports was handed out")
	}
}
