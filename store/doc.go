// Package store implements types.KVStore three ways: over an IAVL tree (the
// chain's committed state), as a write-back cache (one transaction's or one
// block's uncommitted writes, discarded on failure) and as a prefix view (a
// module's own part of the keyspace).
package store
