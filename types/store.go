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
