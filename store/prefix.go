package store

import "github.com/pastelchain/pastel/types"

// Prefix is the view of a parent store under a key prefix.
type Prefix struct {
	parent types.KVStore
	prefix []byte
}

// NewPrefix returns the view of parent under prefix.
func NewPrefix(parent types.KVStore, prefix []byte) *Prefix {
	return &Prefix{parent: parent, prefix: append([]byte(nil), prefix...)}
}

func (p *Prefix) key(k []byte) []byte {
	out := make([]byte, 0, len(p.prefix)+len(k))
	return append(append(out, p.prefix...), k...)
}

func (p *Prefix) Get(key []byte) []byte { return p.parent.Get(p.key(key)) }
func (p *Prefix) Has(key []byte) bool   { return p.parent.Has(p.key(key)) }
func (p *Prefix) Set(key, value []byte) { p.parent.Set(p.key(key), value) }
func (p *Prefix) Delete(key []byte)     { p.parent.Delete(p.key(key)) }

func (p *Prefix) bounds(start, end []byte) ([]byte, []byte) {
	s := p.key(start)
	var e []byte
	if end == nil {
		e = types.PrefixEnd(p.prefix)
	} else {
		e = p.key(end)
	}
	return s, e
}

func (p *Prefix) Iterator(start, end []byte) types.Iterator {
	s, e := p.bounds(start, end)
	return &prefixIterator{Iterator: p.parent.Iterator(s, e), n: len(p.prefix)}
}

func (p *Prefix) ReverseIterator(start, end []byte) types.Iterator {
	s, e := p.bounds(start, end)
	return &prefixIterator{Iterator: p.parent.ReverseIterator(s, e), n: len(p.prefix)}
}

type prefixIterator struct {
	types.Iterator
	n int
}

func (it *prefixIterator) Key() []byte { return it.Iterator.Key()[it.n:] }
