// Package store is chunkd's content-addressed chunk store on disk.
//
// A chunk lives at <dir>/<first two hex digits of its id>/<id hex>. Writes
// go to <dir>/tmp, are fsynced, renamed into place and the directory is
// fsynced, so a crash leaves either the whole chunk or nothing (stray temp
// files are removed at Open). Every read recomputes the chunk id; a chunk
// whose bytes no longer match (bit rot, tampering, truncation) is moved to
// <dir>/corrupt and reported as missing, never served.
package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/pastelchain/pastel/codec"
)

var (
	// ErrNotFound: the store does not have the chunk.
	ErrNotFound = errors.New("store: chunk not found")
	// ErrCorrupt: the stored bytes failed verification and were quarantined.
	ErrCorrupt = errors.New("store: stored chunk is corrupt")
	// ErrTooLarge: a chunk exceeds the store's size bound.
	ErrTooLarge = errors.New("store: chunk too large")
	// ErrNoSpace: the disk (or the operator's quota) is full; nothing was
	// stored and no partial file is left. Retry once space is freed.
	ErrNoSpace = errors.New("store: no space left for chunks")
)

// MaxChunkBytes is the largest chunk (header + payload) accepted.
const MaxChunkBytes = codec.HeaderSize + codec.MaxChunkSize

// Store is a directory of verified chunks.
type Store struct {
	dir string
	// Counters for metrics.
	Corrupt atomic.Int64
	// NoSpace counts writes refused because the disk or quota was full.
	NoSpace atomic.Int64
	// WriteErrors counts other failed writes (I/O errors).
	WriteErrors atomic.Int64
}

// IsNoSpace reports whether err means the file system is full (ENOSPC) or
// a quota is exhausted (EDQUOT).
func IsNoSpace(err error) bool {
	return errors.Is(err, ErrNoSpace) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// writeFailed counts a failed write and, for a full disk, wraps it in
// ErrNoSpace so callers can tell "retry later" from corruption.
func (s *Store) writeFailed(err error) error {
	if IsNoSpace(err) {
		s.NoSpace.Add(1)
		return fmt.Errorf("%w: %v", ErrNoSpace, err)
	}
	s.WriteErrors.Add(1)
	return err
}

// Open opens (creating if needed) the store in dir and removes temp files a
// crash may have left.
func Open(dir string) (*Store, error) {
	for _, d := range []string{dir, filepath.Join(dir, "tmp"), filepath.Join(dir, "corrupt")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		_ = os.Remove(filepath.Join(dir, "tmp", e.Name()))
	}
	return &Store{dir: dir}, nil
}

// path is derived only from the 32-byte id, so no request string reaches
// the file system.
func (s *Store) path(id codec.ID) string { return ChunkPath(s.dir, id) }

// ChunkPath is where a store in dir keeps chunk id, for tools that inspect
// a store without opening it (Open clears the temp files of a running one).
func ChunkPath(dir string, id codec.ID) string {
	h := hex.EncodeToString(id[:])
	return filepath.Join(dir, h[:2], h)
}

// Put verifies that b is a chunk whose id is id and stores it. Storing a
// chunk that is already there is a no-op.
func (s *Store) Put(id codec.ID, b []byte) error {
	if len(b) > MaxChunkBytes {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(b), MaxChunkBytes)
	}
	v, err := codec.Verify(b, id)
	if err != nil {
		return err
	}
	return s.PutVerified(v)
}

// PutVerified stores a chunk codec.Verify already checked (a pulled chunk:
// the peer client verified it), without hashing it again.
func (s *Store) PutVerified(v codec.Verified) error {
	id, b := v.ID(), v.Bytes()
	if len(b) > MaxChunkBytes {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(b), MaxChunkBytes)
	}
	if s.Has(id) {
		return nil
	}
	final := s.path(id)
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return s.writeFailed(err)
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(s.dir, "tmp", hex.EncodeToString(id[:])+"."+hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return s.writeFailed(err)
	}
	// On any failure the temp file goes: a full disk never leaves a partial
	// chunk behind, and the final path only ever holds a complete one.
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(tmp)
		return s.writeFailed(err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return s.writeFailed(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return s.writeFailed(err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return s.writeFailed(err)
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return s.writeFailed(err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Get returns the verified chunk bytes.
func (s *Store) Get(id codec.ID) ([]byte, error) {
	p := s.path(id)
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxChunkBytes+1))
	f.Close()
	if err != nil {
		return nil, err
	}
	if _, err := codec.VerifyChunk(b, id); err != nil {
		s.quarantine(id)
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, id, err)
	}
	return b, nil
}

func (s *Store) quarantine(id codec.ID) {
	s.Corrupt.Add(1)
	h := hex.EncodeToString(id[:])
	_ = os.Rename(s.path(id), filepath.Join(s.dir, "corrupt", h))
}

// Has reports whether a file for id exists (it is verified when read).
func (s *Store) Has(id codec.ID) bool {
	_, err := os.Stat(s.path(id))
	return err == nil
}

// Delete removes a chunk and any quarantined copy of it.
func (s *Store) Delete(id codec.ID) error {
	_ = os.Remove(filepath.Join(s.dir, "corrupt", hex.EncodeToString(id[:])))
	err := os.Remove(s.path(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// Walk calls fn for every stored chunk id, one directory at a time, so
// memory does not grow with the number of chunks.
func (s *Store) Walk(fn func(codec.ID) error) error {
	top, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	for _, d := range top {
		if !d.IsDir() || len(d.Name()) != 2 {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(s.dir, d.Name()))
		if err != nil {
			return err
		}
		for _, e := range entries {
			id, err := codec.ParseID(strings.TrimSpace(e.Name()))
			if err != nil {
				continue
			}
			if err := fn(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }
