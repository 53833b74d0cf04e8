package chunkd

import (
	"bytes"
	"slices"
	"testing"

	"crypto/sha3"

	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// A one-data-chunk stripe (every archive smaller than a chunk) has its
// first parity chunk equal to the data chunk: the same id at two indices.
// The fetch rule must be asked about every position of a requested id; the
// server asked only about the first, so a new holder of index 1 was always
// refused and such arts stayed one holder short (found by the chaos test).
func TestChunkIDAtSeveralPositions(t *testing.T) {
	data := bytes.Repeat([]byte("pastel"), 1000)
	var ids [][]byte
	m, err := codec.EncodeStream(bytes.NewReader(data), int64(len(data)), codec.Hash(sha3.Sum256(data)), codec.Params{ChunkSize: codec.MinChunkSize * 8, Redundancy: 6},
		func(c *codec.Chunk) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range m.ChunkIDs {
		ids = append(ids, append([]byte(nil), id[:]...))
	}
	if len(ids) != 6 {
		t.Fatalf("want 6 chunks (k = 1, redundancy 6), got %d", len(ids))
	}
	art := &storagepb.Art{Stripes: []*storagepb.Stripe{{ChunkIds: ids}}}
	got := ticketPositions(art, m.ChunkIDs[1])
	if !slices.Contains(got, [2]uint32{0, 1}) || len(got) < 2 {
		t.Fatalf("positions of chunk 1's id: %v; want index 1 and the data chunk it copies", got)
	}
	if got[0] != [2]uint32{0, 0} {
		t.Fatalf("positions are not in ticket order: %v", got)
	}
	var missing codec.ID
	if p := ticketPositions(art, missing); len(p) != 0 {
		t.Fatalf("an id not in the ticket has positions %v", p)
	}
}
