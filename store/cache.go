package store

import (
	"bytes"
	"sort"

	"github.com/pastelchain/pastel/types"
)

type entry struct {
	value   []byte
	deleted bool
}

// Cache buffers writes over a parent store. Write flushes them in key order;
// dropping the cache discards them, which is how a failed transaction leaves
// no partial effects.
type Cache struct {
	parent types.KVStore
	dirty  map[string]entry
}

// NewCache returns an empty cache over parent.
func NewCache(parent types.KVStore) *Cache {
	return &Cache{parent: parent, dirty: make(map[string]entry)}
}

func (c *Cache) Get(key []byte) []byte {
	if e, ok := c.dirty[string(key)]; ok {
		if e.deleted {
			return nil
		}
		return e.value
	}
	return c.parent.Get(key)
}

func (c *Cache) Has(key []byte) bool { return c.Get(key) != nil }

func (c *Cache) Set(key, value []byte) {
	if value == nil {
		value = []byte{}
	}
	c.dirty[string(key)] = entry{value: value}
}

func (c *Cache) Delete(key []byte) { c.dirty[string(key)] = entry{deleted: true} }

// Len is the number of buffered writes.
func (c *Cache) Len() int { return len(c.dirty) }

// Write flushes the buffered writes to the parent in sorted key order and
// empties the cache.
func (c *Cache) Write() {
	for _, k := range c.sortedKeys(nil, nil) {
		e := c.dirty[k]
		if e.deleted {
			c.parent.Delete([]byte(k))
		} else {
			c.parent.Set([]byte(k), e.value)
		}
	}
	c.dirty = make(map[string]entry)
}

func (c *Cache) sortedKeys(start, end []byte) []string {
	keys := make([]string, 0, len(c.dirty))
	for k := range c.dirty {
		if start != nil && k < string(start) {
			continue
		}
		if end != nil && k >= string(end) {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (c *Cache) Iterator(start, end []byte) types.Iterator {
	return newMergeIterator(c.parent.Iterator(start, end), c, c.sortedKeys(start, end), true)
}

func (c *Cache) ReverseIterator(start, end []byte) types.Iterator {
	keys := c.sortedKeys(start, end)
	for i, j := 0, len(keys)-1; i < j; i, j = i+1, j-1 {
		keys[i], keys[j] = keys[j], keys[i]
	}
	return newMergeIterator(c.parent.ReverseIterator(start, end), c, keys, false)
}

// mergeIterator walks the parent's keys and the cache's dirty keys together;
// the cache wins on equal keys and its deletions hide the parent's entries.
type mergeIterator struct {
	parent    types.Iterator
	cache     *Cache
	keys      []string
	ascending bool
	key       []byte
	value     []byte
	valid     bool
}

func newMergeIterator(parent types.Iterator, c *Cache, keys []string, ascending bool) *mergeIterator {
	it := &mergeIterator{parent: parent, cache: c, keys: keys, ascending: ascending}
	it.advance()
	return it
}

// before reports whether a comes before b in the iteration direction.
func (it *mergeIterator) before(a, b []byte) bool {
	if it.ascending {
		return bytes.Compare(a, b) < 0
	}
	return bytes.Compare(a, b) > 0
}

func (it *mergeIterator) advance() {
	for {
		pValid := it.parent.Valid()
		cValid := len(it.keys) > 0
		switch {
		case !pValid && !cValid:
			it.valid = false
			return
		case pValid && (!cValid || it.before(it.parent.Key(), []byte(it.keys[0]))):
			it.key, it.value, it.valid = it.parent.Key(), it.parent.Value(), true
			it.parent.Next()
			return
		default:
			k := it.keys[0]
			it.keys = it.keys[1:]
			if pValid && bytes.Equal(it.parent.Key(), []byte(k)) {
				it.parent.Next() // shadowed by the cache
			}
			e := it.cache.dirty[k]
			if e.deleted {
				continue
			}
			it.key, it.value, it.valid = []byte(k), e.value, true
			return
		}
	}
}

func (it *mergeIterator) Valid() bool   { return it.valid }
func (it *mergeIterator) Next()         { it.advance() }
func (it *mergeIterator) Key() []byte   { return it.key }
func (it *mergeIterator) Value() []byte { return it.value }
func (it *mergeIterator) Close() error  { return it.parent.Close() }
