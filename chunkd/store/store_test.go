package store

import (
	"bytes"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/pastelchain/pastel/codec"
)

func chunks(t *testing.T, n int) []*codec.Chunk {
	data := make([]byte, n)
	rand.New(rand.NewSource(1)).Read(data)
	_, cs, err := codec.Encode(data, codec.Params{ChunkSize: 4096, Redundancy: 2})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestPutGetVerifies(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cs := chunks(t, 20000)
	for _, c := range cs {
		if err := s.Put(c.ID, c.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cs {
		b, err := s.Get(c.ID)
		if err != nil || !bytes.Equal(b, c.Bytes()) {
			t.Fatalf("get %s: %v", c.ID, err)
		}
	}
	// A chunk under the wrong id is refused and not stored.
	if err := s.Put(cs[1].ID, cs[0].Bytes()); err == nil {
		t.Fatal("stored a chunk under another id")
	}
	n := 0
	_ = s.Walk(func(codec.ID) error { n++; return nil })
	if n != len(cs) {
		t.Fatalf("walk saw %d of %d", n, len(cs))
	}
}

func TestCorruptAndTruncatedFilesAreNeverServed(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	cs := chunks(t, 9000)
	for _, c := range cs {
		_ = s.Put(c.ID, c.Bytes())
	}
	flip := s.path(cs[0].ID)
	b, _ := os.ReadFile(flip)
	b[len(b)-1] ^= 0x40
	_ = os.WriteFile(flip, b, 0o600)
	trunc := s.path(cs[1].ID)
	b, _ = os.ReadFile(trunc)
	_ = os.WriteFile(trunc, b[:len(b)/2], 0o600)
	for _, id := range []codec.ID{cs[0].ID, cs[1].ID} {
		if _, err := s.Get(id); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("corrupt chunk served: %v", err)
		}
		if s.Has(id) {
			t.Fatal("corrupt chunk not quarantined")
		}
		if _, err := s.Get(id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second read: %v", err)
		}
	}
	if s.Corrupt.Load() != 2 {
		t.Fatalf("corrupt counter %d", s.Corrupt.Load())
	}
	// The good copy can be stored again.
	if err := s.Put(cs[0].ID, cs[0].Bytes()); err != nil {
		t.Fatal(err)
	}
}

// TestCrashBetweenWriteAndRename: a temp file left by a crash is removed at
// Open and never appears as a chunk.
func TestCrashBetweenWriteAndRename(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	cs := chunks(t, 5000)
	half := cs[0].Bytes()[:100]
	tmp := filepath.Join(dir, "tmp", cs[0].ID.String()+".crash")
	_ = os.WriteFile(tmp, half, 0o600)
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatal("temp file survived Open")
	}
	if s2.Has(cs[0].ID) {
		t.Fatal("half-written chunk visible")
	}
	_ = s
}
