//go:build !unix

package store

// DefaultDBOpenFiles is goleveldb's own open-files cache where the
// process's open-file limit cannot be read.
func DefaultDBOpenFiles() int { return minDBOpenFiles }
