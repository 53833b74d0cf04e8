package trust

import (
	"encoding/binary"
	"fmt"

	"github.com/pastelchain/pastel/types"
)

// Result writes are bounded per block. An epoch with at most
// resultWritesPerBlock result writes and deletions (keys r/…) makes them in
// its own block; one with more stages them all in the store, under
// p/<seq>, in chunks of at most pendingChunkOps operations in key order,
// and every following block applies the next resultWritesPerBlock of them
// in BeginBlock (applyPending) until none is left. The staged operations are state like any other:
// a restarted node or one that state-synced to a height in between finds
// them in the store and continues exactly where the others are. See doc.go
// (Epochs) for what readers see meanwhile.
const (
	resultWritesPerBlock = 25_000
	pendingChunkOps      = 1_000
)

var prefixPending = []byte("p/")

// resultWriter collects the result writes and deletions of an epoch in
// order, encoded in chunks; finish makes them at once if there are at most
// perBlock, else stages them all for the following blocks (so the epoch's
// own block, which also walks the graph, makes none).
type resultWriter struct {
	kv       types.KVStore
	perBlock int
	chunkOps int
	chunks   [][]byte
	inChunk  int // operations in the last chunk
	ops      int
}

func newResultWriter(kv types.KVStore, perBlock int) *resultWriter {
	return &resultWriter{kv: kv, perBlock: perBlock, chunkOps: max(1, min(pendingChunkOps, perBlock))}
}

// set writes value bz at r/<a>.
func (w *resultWriter) set(a types.Address, bz []byte) { w.add(a, bz, false) }

// del deletes r/<a>.
func (w *resultWriter) del(a types.Address) { w.add(a, nil, true) }

// An operation is the 20-byte address, then uvarint 0 for a deletion or
// 1 + the value's length, then the value.
func (w *resultWriter) add(a types.Address, bz []byte, del bool) {
	if len(w.chunks) == 0 || w.inChunk == w.chunkOps {
		w.chunks = append(w.chunks, make([]byte, 0, w.chunkOps*(addrLen+1+maxNodeScoreLen)))
		w.inChunk = 0
	}
	c := &w.chunks[len(w.chunks)-1]
	*c = append(*c, a[:]...)
	if del {
		*c = append(*c, 0)
	} else {
		*c = binary.AppendUvarint(*c, uint64(len(bz))+1)
		*c = append(*c, bz...)
	}
	w.inChunk++
	w.ops++
}

// finish makes or stages the operations and returns how many it staged.
func (w *resultWriter) finish() (staged int) {
	if w.ops <= w.perBlock {
		for _, c := range w.chunks {
			if _, err := applyChunk(w.kv, c); err != nil {
				panic(err) // cannot happen: encoded just now
			}
		}
		return 0
	}
	for seq, c := range w.chunks {
		w.kv.Set(pendingKey(uint32(seq)), c)
	}
	return w.ops
}

func pendingKey(seq uint32) []byte {
	return binary.BigEndian.AppendUint32(append([]byte(nil), prefixPending...), seq)
}

// pendingChunks returns up to n staged chunks in order (n < 0: all), keys
// and values copied.
func pendingChunks(kv types.KVStore, n int) (keys, values [][]byte) {
	it := kv.Iterator(prefixPending, types.PrefixEnd(prefixPending))
	defer it.Close()
	for ; it.Valid() && n != 0; it.Next() {
		keys = append(keys, append([]byte(nil), it.Key()...))
		values = append(values, append([]byte(nil), it.Value()...))
		n--
	}
	return keys, values
}

// clearPending deletes every staged operation and returns how many there
// were.
func clearPending(kv types.KVStore) int {
	keys, values := pendingChunks(kv, -1)
	ops := 0
	for i, k := range keys {
		n, err := countOps(values[i])
		if err != nil {
			panic(fmt.Errorf("trust: corrupt staged results at %x: %w", k, err))
		}
		ops += n
		kv.Delete(k)
	}
	return ops
}

// applyPending applies the next perBlock staged result writes (whole
// chunks, so at most perBlock rounded up to a chunk) and deletes their
// chunks. It returns how many it applied and whether more are staged.
func (k Keeper) applyPending(ctx *types.Context, perBlock int) (applied int, more bool) {
	kv := k.kv(ctx)
	var keys, values [][]byte
	it := kv.Iterator(prefixPending, types.PrefixEnd(prefixPending))
	for ; it.Valid() && applied < perBlock; it.Next() {
		n, err := countOps(it.Value())
		if err != nil {
			panic(fmt.Errorf("trust: corrupt staged results at %x: %w", it.Key(), err))
		}
		applied += n
		keys = append(keys, append([]byte(nil), it.Key()...))
		values = append(values, append([]byte(nil), it.Value()...))
	}
	more = it.Valid()
	it.Close()
	if len(keys) == 0 {
		return 0, false
	}
	for i, key := range keys {
		if _, err := applyChunk(kv, values[i]); err != nil {
			panic(fmt.Errorf("trust: corrupt staged results at %x: %w", key, err))
		}
		kv.Delete(key)
	}
	ctx.EmitEvent("trust_results_applied", "applied", types.U64(uint64(applied)), "done", fmt.Sprint(!more))
	return applied, more
}

// applyChunk applies one chunk's operations in order.
func applyChunk(kv types.KVStore, bz []byte) (int, error) {
	return walkChunk(bz, func(a types.Address, v []byte, del bool) {
		if del {
			kv.Delete(key(prefixResult, a))
		} else {
			kv.Set(key(prefixResult, a), v)
		}
	})
}

func countOps(bz []byte) (int, error) { return walkChunk(bz, func(types.Address, []byte, bool) {}) }

func walkChunk(bz []byte, fn func(a types.Address, v []byte, del bool)) (int, error) {
	n := 0
	for len(bz) > 0 {
		if len(bz) < addrLen {
			return n, fmt.Errorf("truncated address")
		}
		var a types.Address
		copy(a[:], bz)
		bz = bz[addrLen:]
		l, m := binary.Uvarint(bz)
		if m <= 0 || l > uint64(len(bz)-m)+1 {
			return n, fmt.Errorf("bad length")
		}
		bz = bz[m:]
		if l == 0 {
			fn(a, nil, true)
		} else {
			fn(a, bz[:l-1:l-1], false)
			bz = bz[l-1:]
		}
		n++
	}
	return n, nil
}
