package trust

import (
	"encoding/binary"
	"fmt"

	"github.com/pastelchain/pastel/types"
)

// Result writes are bounded per block. An epoch makes at most
// resultWritesPerBlock result writes and deletions (keys r/…) in its own
// block and stages the rest in the store, under p/<seq>, in chunks of at
// most pendingChunkOps operations in key order; every following block
// applies the next resultWritesPerBlock of them in BeginBlock (applyPending)
// until none is left. The staged operations are state like any other:
// a restarted node or one that state-synced to a height in between finds
// them in the store and continues exactly where the others are. See doc.go
// (Epochs) for what readers see meanwhile.
const (
	resultWritesPerBlock = 25_000
	pendingChunkOps      = 1_000
)

var prefixPending = []byte("p/")

// resultWriter makes the first `direct` result writes and deletions at once
// and stages the rest.
type resultWriter struct {
	kv        types.KVStore
	direct    int
	chunkOps  int
	chunk     []byte // encoded operations of the chunk being filled
	inChunk   int
	seq       uint32
	staged    int
	scratchUv [binary.MaxVarintLen64]byte
}

func newResultWriter(kv types.KVStore, perBlock int) *resultWriter {
	return &resultWriter{kv: kv, direct: perBlock, chunkOps: max(1, min(pendingChunkOps, perBlock))}
}

// set writes value bz at r/<a>; bz must not change afterwards.
func (w *resultWriter) set(a types.Address, bz []byte) {
	if w.direct > 0 {
		w.direct--
		w.kv.Set(key(prefixResult, a), bz)
		return
	}
	w.stage(a, bz, false)
}

// del deletes r/<a>.
func (w *resultWriter) del(a types.Address) {
	if w.direct > 0 {
		w.direct--
		w.kv.Delete(key(prefixResult, a))
		return
	}
	w.stage(a, nil, true)
}

// A staged operation is the 20-byte address, then uvarint 0 for a deletion
// or 1 + the value's length, then the value.
func (w *resultWriter) stage(a types.Address, bz []byte, del bool) {
	w.chunk = append(w.chunk, a[:]...)
	if del {
		w.chunk = append(w.chunk, 0)
	} else {
		w.chunk = binary.AppendUvarint(w.chunk, uint64(len(bz))+1)
		w.chunk = append(w.chunk, bz...)
	}
	w.inChunk++
	w.staged++
	if w.inChunk == w.chunkOps {
		w.flush()
	}
}

// flush stores the chunk being filled, if any.
func (w *resultWriter) flush() {
	if w.inChunk == 0 {
		return
	}
	w.kv.Set(pendingKey(w.seq), w.chunk)
	w.seq++
	w.chunk, w.inChunk = nil, 0
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
