package store

import (
	"bytes"

	"github.com/google/btree"

	"github.com/pastelchain/pastel/types"
)

type entry struct {
	value   []byte
	deleted bool
}

// Cache buffers writes over a parent store. Write flushes them in key order;
// dropping the cache discards them, which is how a failed transaction leaves
// no partial effects.
//
// The written keys are kept in order as well as by value (a B-tree beside
// the map), so an iterator costs O(log n + keys in its range) however many
// writes the cache holds. A block's cache holds every write of the block,
// and registering one art opens over a thousand ring iterators: sorting all
// dirty keys per iterator made a block of registrations quadratic.
type Cache struct {
	parent types.KVStore
	dirty  map[string]entry
	order  *btree.BTreeG[string]
}

// NewCache returns an empty cache over parent.
func NewCache(parent types.KVStore) *Cache {
	return &Cache{parent: parent, dirty: make(map[string]entry), order: newOrder()}
}

func newOrder() *btree.BTreeG[string] {
	return btree.NewG(32, func(a, b string) bool { return a < b })
}

func (c *Cache) put(key []byte, e entry) {
	k := string(key)
	if _, ok := c.dirty[k]; !ok {
		c.order.ReplaceOrInsert(k)
	}
	c.dirty[k] = e
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
	c.put(key, entry{value: value})
}

func (c *Cache) Delete(key []byte) { c.put(key, entry{deleted: true}) }

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
	c.order = newOrder()
}

// sortedKeys returns the written keys in [start, end) in order (nil bounds
// are open). The iterator keeps this snapshot of keys and reads their
// values when it reaches them, as before.
func (c *Cache) sortedKeys(start, end []byte) []string {
	var keys []string
	visit := func(k string) bool {
		if end != nil && k >= string(end) {
			return false
		}
		keys = append(keys, k)
		return true
	}
	if start == nil {
		c.order.Ascend(visit)
	} else {
		c.order.AscendGreaterOrEqual(string(start), visit)
	}
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
