package store

import (
	"bytes"
	"log/slog"
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
