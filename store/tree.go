package store

import (
	"fmt"

	corestore "cosmossdk.io/core/store"
	"github.com/cosmos/iavl"

	"github.com/pastelchain/pastel/types"
)

// Tree adapts an IAVL mutable tree (the working state of the next version)
// to types.KVStore. Database failures panic: the node cannot continue with a
// state it cannot read, and the app turns the panic into a halt.
type Tree struct{ T *iavl.MutableTree }

func (t Tree) Get(key []byte) []byte {
	v, err := t.T.Get(key)
	if err != nil {
		panic(fmt.Errorf("store: get %x: %w", key, err))
	}
	return v
}

func (t Tree) Has(key []byte) bool { return t.Get(key) != nil }

func (t Tree) Set(key, value []byte) {
	if value == nil {
		value = []byte{}
	}
	if _, err := t.T.Set(key, value); err != nil {
		panic(fmt.Errorf("store: set %x: %w", key, err))
	}
}

func (t Tree) Delete(key []byte) {
	if _, _, err := t.T.Remove(key); err != nil {
		panic(fmt.Errorf("store: delete %x: %w", key, err))
	}
}

func (t Tree) Iterator(start, end []byte) types.Iterator { return t.iter(start, end, true) }

func (t Tree) ReverseIterator(start, end []byte) types.Iterator { return t.iter(start, end, false) }

func (t Tree) iter(start, end []byte, asc bool) types.Iterator {
	it, err := t.T.Iterator(start, end, asc)
	if err != nil {
		panic(fmt.Errorf("store: iterator: %w", err))
	}
	return iter{it}
}

// Immutable adapts a saved IAVL version for reads; writes panic.
type Immutable struct{ T *iavl.ImmutableTree }

func (t Immutable) Get(key []byte) []byte {
	v, err := t.T.Get(key)
	if err != nil {
		panic(fmt.Errorf("store: get %x: %w", key, err))
	}
	return v
}
func (t Immutable) Has(key []byte) bool { return t.Get(key) != nil }
func (t Immutable) Set(key, value []byte) {
	panic("store: write to an immutable version")
}
func (t Immutable) Delete(key []byte) { panic("store: write to an immutable version") }
func (t Immutable) Iterator(start, end []byte) types.Iterator {
	return t.iter(start, end, true)
}
func (t Immutable) ReverseIterator(start, end []byte) types.Iterator {
	return t.iter(start, end, false)
}
func (t Immutable) iter(start, end []byte, asc bool) types.Iterator {
	it, err := t.T.Iterator(start, end, asc)
	if err != nil {
		panic(fmt.Errorf("store: iterator: %w", err))
	}
	return iter{it}
}

type iter struct{ corestore.Iterator }

func (i iter) Close() error { return i.Iterator.Close() }
