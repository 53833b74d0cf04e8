//go:build unix

package store

import "syscall"

// DefaultDBOpenFiles is how many tables of the state database stay open
// (goleveldb's open-files cache) unless app.toml says otherwise: a quarter
// of the process's open-file limit (Go raises the soft limit to the hard
// one at start), at least goleveldb's own 500 and at most 4,096. A 10^6-art
// state has about 1,700 tables; with 500 open, most reads of a random key
// first reopened its table and re-read its index block, and blocks of
// commitment moves at 10^6 arts took a median of 88–92 ms in FinalizeBlock
// with 4,096 open against 94–119 ms with 500 (two interleaved runs each,
// make bench-scale's kept state). The other quarters are left to
// CometBFT's own databases, peers and RPC clients.
func DefaultDBOpenFiles() int {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return minDBOpenFiles
	}
	return int(min(max(l.Cur/4, minDBOpenFiles), maxDBOpenFiles))
}
