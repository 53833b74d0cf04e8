package trust

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/pastelchain/pastel/types"
)

// Result writes are bounded per block. An epoch with at most
// resultWritesPerBlock results merges them into the stored ones (keys r/…)
// in its own block (mergeResults). One with more stages them all in the
// store, under p/<seq>, in chunks of pendingChunkResults consecutive
// results that each own a range of addresses, and every following block
// merges the next resultWritesPerBlock of them in BeginBlock (applyPending)
// until none is left: the epoch's own block, which also walks the graph,
// then neither reads nor writes a single result. The staged chunks are
// state like any other: a restarted node or one that state-synced to a
// height in between finds them in the store and continues exactly where
// the others are. See doc.go (Epochs) for what readers see meanwhile.
const (
	resultWritesPerBlock = 25_000
	pendingChunkResults  = 1_000
)

var prefixPending = []byte("p/")

func pendingKey(seq uint32) []byte {
	return binary.BigEndian.AppendUint32(append([]byte(nil), prefixPending...), seq)
}

// mergeResults makes the stored results with addresses in [lo, hi) (nil:
// unbounded) equal to addrs/vals (sorted, within the range): a merge of
// the old and new lists in key order that deletes what is gone and writes
// only what changed.
func mergeResults(kv types.KVStore, lo, hi *types.Address, addrs []types.Address, vals [][]byte) {
	start, end := prefixResult, types.PrefixEnd(prefixResult)
	if lo != nil {
		start = key(prefixResult, *lo)
	}
	if hi != nil {
		end = key(prefixResult, *hi)
	}
	// The old results, copied into one buffer (the iterator reuses its
	// slices); olds[i] is at oldBuf[oldAt[i]:oldAt[i+1]].
	var olds []types.Address
	var oldBuf []byte
	oldAt := []int{0}
	it := kv.Iterator(start, end)
	for ; it.Valid(); it.Next() {
		k := it.Key()
		if len(k) != len(prefixResult)+addrLen {
			panic(fmt.Errorf("trust: malformed key %q under %q", k, prefixResult))
		}
		olds = append(olds, types.Address(k[len(prefixResult):]))
		oldBuf = append(oldBuf, it.Value()...)
		oldAt = append(oldAt, len(oldBuf))
	}
	it.Close()
	i := 0
	for j, a := range addrs {
		for i < len(olds) && olds[i].Compare(a) < 0 {
			kv.Delete(key(prefixResult, olds[i]))
			i++
		}
		if i < len(olds) && olds[i] == a {
			i++
			if bytes.Equal(oldBuf[oldAt[i-1]:oldAt[i]], vals[j]) {
				continue
			}
		}
		kv.Set(key(prefixResult, a), vals[j])
	}
	for ; i < len(olds); i++ {
		kv.Delete(key(prefixResult, olds[i]))
	}
}

// stageResults stores addrs/vals (sorted) in chunks of pendingChunkResults
// (fewer if perBlock is smaller). Chunk j owns the addresses from its first
// result (chunk 0: from the start) to the first result of chunk j+1 (the
// last chunk: to the end), so that applying every chunk also deletes every
// stored result that is not among the new ones.
//
// A chunk is a flags byte (1: it has a lower bound, 2: an upper bound), the
// bounds' 20-byte addresses, then per result the address, the uvarint
// length of the value and the value.
func stageResults(kv types.KVStore, addrs []types.Address, vals [][]byte, perBlock int) {
	per := max(1, min(pendingChunkResults, perBlock))
	for seq, from := 0, 0; from < len(addrs); seq, from = seq+1, from+per {
		to := min(from+per, len(addrs))
		var c []byte
		var flags byte
		if from > 0 {
			flags |= 1
		}
		if to < len(addrs) {
			flags |= 2
		}
		c = append(c, flags)
		if from > 0 {
			c = append(c, addrs[from][:]...)
		}
		if to < len(addrs) {
			c = append(c, addrs[to][:]...)
		}
		for j := from; j < to; j++ {
			c = append(c, addrs[j][:]...)
			c = binary.AppendUvarint(c, uint64(len(vals[j])))
			c = append(c, vals[j]...)
		}
		kv.Set(pendingKey(uint32(seq)), c)
	}
}

// chunk is a decoded staged chunk; addrs and vals alias its encoding.
type chunk struct {
	lo, hi *types.Address
	addrs  []types.Address
	vals   [][]byte
}

func decodeChunk(bz []byte) (chunk, error) {
	var c chunk
	if len(bz) < 1 {
		return c, fmt.Errorf("empty chunk")
	}
	flags := bz[0]
	bz = bz[1:]
	for _, bound := range []struct {
		bit byte
		dst **types.Address
	}{{1, &c.lo}, {2, &c.hi}} {
		if flags&bound.bit == 0 {
			continue
		}
		if len(bz) < addrLen {
			return c, fmt.Errorf("truncated bound")
		}
		a := types.Address(bz[:addrLen])
		*bound.dst = &a
		bz = bz[addrLen:]
	}
	for len(bz) > 0 {
		if len(bz) < addrLen {
			return c, fmt.Errorf("truncated address")
		}
		a := types.Address(bz[:addrLen])
		bz = bz[addrLen:]
		l, m := binary.Uvarint(bz)
		if m <= 0 || l > uint64(len(bz)-m) {
			return c, fmt.Errorf("bad value length")
		}
		bz = bz[m:]
		c.addrs = append(c.addrs, a)
		c.vals = append(c.vals, bz[:l:l])
		bz = bz[l:]
	}
	return c, nil
}

// pendingChunks returns every staged chunk's key and value, copied.
func pendingChunks(kv types.KVStore) (keys, values [][]byte) {
	it := kv.Iterator(prefixPending, types.PrefixEnd(prefixPending))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		keys = append(keys, append([]byte(nil), it.Key()...))
		values = append(values, append([]byte(nil), it.Value()...))
	}
	return keys, values
}

// clearPending deletes every staged chunk and returns how many results
// they held.
func clearPending(kv types.KVStore) int {
	keys, values := pendingChunks(kv)
	n := 0
	for i, k := range keys {
		c, err := decodeChunk(values[i])
		if err != nil {
			panic(fmt.Errorf("trust: corrupt staged results at %x: %w", k, err))
		}
		n += len(c.addrs)
		kv.Delete(k)
	}
	return n
}

// applyPending merges the next staged chunks, whole, until at least
// perBlock results (or all that are left) are merged, and deletes them. It
// returns how many results it merged and whether more are staged.
func (k Keeper) applyPending(ctx *types.Context, perBlock int) (applied int, more bool) {
	kv := k.kv(ctx)
	var keys [][]byte
	var chunks []chunk
	it := kv.Iterator(prefixPending, types.PrefixEnd(prefixPending))
	for ; it.Valid() && applied < perBlock; it.Next() {
		c, err := decodeChunk(append([]byte(nil), it.Value()...))
		if err != nil {
			panic(fmt.Errorf("trust: corrupt staged results at %x: %w", it.Key(), err))
		}
		keys = append(keys, append([]byte(nil), it.Key()...))
		chunks = append(chunks, c)
		applied += len(c.addrs)
	}
	more = it.Valid()
	it.Close()
	if len(keys) == 0 {
		return 0, false
	}
	// The chunks are consecutive and own consecutive ranges: merge them as
	// one, so that the stored results are read with a single iterator made
	// before any write (an IAVL iterator costs O(unsaved writes) to make).
	var addrs []types.Address
	var vals [][]byte
	for _, c := range chunks {
		addrs = append(addrs, c.addrs...)
		vals = append(vals, c.vals...)
	}
	mergeResults(kv, chunks[0].lo, chunks[len(chunks)-1].hi, addrs, vals)
	for _, key := range keys {
		kv.Delete(key)
	}
	ctx.EmitEvent("trust_results_applied", "applied", types.U64(uint64(applied)), "done", fmt.Sprint(!more))
	return applied, more
}
