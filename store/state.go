package store

import (
	"encoding/binary"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/types"
)

// The helpers every module's keeper uses to read and write its records:
// keys built by concatenation with big-endian integers (so keys sort by
// them), protobuf values marshalled deterministically, and u64 counters.

// Marshal is the one protobuf encoding of state values: deterministic, so
// every validator writes the same bytes and gets the same AppHash.
var Marshal = proto.MarshalOptions{Deterministic: true}

// Key concatenates parts into a new slice.
func Key(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// U32 is v big-endian.
func U32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// U64 is v big-endian.
func U64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// GetProto reads the record at key into m and reports whether there was
// one. A value that does not decode is corrupt state: it panics (the app
// halts rather than go on from a state it cannot read), naming the key.
func GetProto(kv types.KVStore, key []byte, m proto.Message) bool {
	bz := kv.Get(key)
	if bz == nil {
		return false
	}
	if err := proto.Unmarshal(bz, m); err != nil {
		panic(fmt.Errorf("store: corrupt record at %q: %w", key, err))
	}
	return true
}

// SetProto writes m at key, encoded by Marshal.
func SetProto(kv types.KVStore, key []byte, m proto.Message) {
	bz, err := Marshal.Marshal(m)
	if err != nil {
		panic(fmt.Errorf("store: encode record at %q: %w", key, err))
	}
	kv.Set(key, bz)
}

// GetU64 reads the counter at key: 0 if absent (or not 8 bytes).
func GetU64(kv types.KVStore, key []byte) uint64 {
	bz := kv.Get(key)
	if len(bz) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(bz)
}

// SetU64 writes the counter at key (0 included: a present zero).
func SetU64(kv types.KVStore, key []byte, v uint64) { kv.Set(key, U64(v)) }
