package types

// KVStore is the state a module reads and writes. Keys are compared
// bytewise; iteration is always in key order, which keeps every state
// transition independent of map order. Failures of the underlying database
// are not recoverable by a module and panic.
type KVStore interface {
	Get(key []byte) []byte
	Has(key []byte) bool
	Set(key, value []byte)
	Delete(key []byte)
	// Iterator walks [start, end) ascending; nil bounds are open.
	Iterator(start, end []byte) Iterator
	// ReverseIterator walks [start, end) descending.
	ReverseIterator(start, end []byte) Iterator
}

// Marker is the value of a key whose presence is the information (an
// index entry, a queue entry, a flag). It is one byte, never empty: ICS-23
// proofs cannot hash an empty leaf value, so an empty value could neither be
// proven present nor serve as the neighbour in a proof that another key is
// absent (which is how a wallet proves it holds no key wrap of an art).
var Marker = []byte{1}

// Iterator is a cursor over a key range. Callers must Close it.
type Iterator interface {
	Valid() bool
	Next()
	Key() []byte
	Value() []byte
	Close() error
}

// PrefixEnd returns the smallest key greater than every key with the prefix,
// or nil when no such key exists.
func PrefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
