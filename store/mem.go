package store

import (
	"github.com/cosmos/iavl"
	idb "github.com/cosmos/iavl/db"
)

// NewMemTree returns an IAVL tree in memory: the same tree the chain uses, for
// tests and tools that need no disk.
func NewMemTree() Tree {
	return Tree{T: iavl.NewMutableTree(idb.NewMemDB(), 1000, true, iavl.NewNopLogger())}
}
