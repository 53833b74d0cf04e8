package store

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// The state database and tree as the node opens them keep what was saved
// across a close and reopen.
func TestOpenDBAndTreeReopen(t *testing.T) {
	dir := t.TempDir()
	db, err := OpenDB(dir, "application", 0)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := OpenTree(db, 1000, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for v := range 3 {
		Tree{T: tree}.Set([]byte{byte(v)}, []byte("value"))
		if _, _, err := tree.SaveVersion(); err != nil {
			t.Fatal(err)
		}
	}
	hash := tree.Hash()
	db.Close()
	db, err = OpenDB(dir, "application", 16)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tree, err = OpenTree(db, 1000, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if tree.Version() != 3 || !bytes.Equal(tree.Hash(), hash) {
		t.Fatalf("reopened at version %d hash %x, want 3 and %x", tree.Version(), tree.Hash(), hash)
	}
	if got := (Tree{T: tree}).Get([]byte{2}); string(got) != "value" {
		t.Fatalf("reopened tree lost a key: %q", got)
	}
}

// DiskUsage adds up the regular files of a directory tree, nested ones too,
// and counts neither directories nor a missing directory.
func TestDiskUsage(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	for path, size := range map[string]int{"x": 10, "a/y": 300, "a/b/z": 4096} {
		if err := os.WriteFile(filepath.Join(dir, path), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := DiskUsage(dir); got != 10+300+4096 {
		t.Fatalf("DiskUsage = %d, want %d", got, 10+300+4096)
	}
	if got := DiskUsage(filepath.Join(dir, "missing")); got != 0 {
		t.Fatalf("DiskUsage of a missing directory = %d, want 0", got)
	}
}
