package store

import (
	"bytes"

	"github.com/pastelchain/pastel/types"
)

// Write is one change to a key: a set of Value, or a delete.
type Write struct {
	Key, Value []byte
	Deleted    bool
}

// Recorder passes every read and write through to the store it wraps and
// keeps, in order, the writes to keys under Prefix: how the app learns what
// a block changed in the part of the state an in-memory view mirrors,
// without diffing versions. Writes buffered in a Cache over a Recorder
// reach it when the cache is written, so a failed transaction's writes are
// never recorded.
type Recorder struct {
	types.KVStore
	Prefix []byte
	Writes []Write
}

func (r *Recorder) Set(key, value []byte) {
	if bytes.HasPrefix(key, r.Prefix) {
		r.Writes = append(r.Writes, Write{Key: bytes.Clone(key), Value: bytes.Clone(value)})
	}
	r.KVStore.Set(key, value)
}

func (r *Recorder) Delete(key []byte) {
	if bytes.HasPrefix(key, r.Prefix) {
		r.Writes = append(r.Writes, Write{Key: bytes.Clone(key), Deleted: true})
	}
	r.KVStore.Delete(key)
}
