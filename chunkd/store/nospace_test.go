package store

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestFullDiskRefusesCleanlyAndRecovers puts the store on a small tmpfs
// (skipped where mounting is not permitted), fills it, and checks that a
// full disk gives ErrNoSpace, leaves no temp or partial files, keeps every
// chunk stored before readable, and that writes work again once space is
// freed.
func TestFullDiskRefusesCleanlyAndRecovers(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here (needs root and mount permission): %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	s, err := Open(filepath.Join(dir, "chunks"))
	if err != nil {
		t.Fatal(err)
	}
	cs := chunks(t, 400_000)
	var stored []int
	var full error
	for i, c := range cs {
		if err := s.Put(c.ID, c.Bytes()); err != nil {
			full = err
			break
		}
		stored = append(stored, i)
	}
	if full == nil {
		t.Fatalf("stored all %d chunks on a 160 KiB file system", len(cs))
	}
	if !errors.Is(full, ErrNoSpace) || !IsNoSpace(full) || s.NoSpace.Load() == 0 {
		t.Fatalf("full disk gave %v (no-space count %d)", full, s.NoSpace.Load())
	}
	if left, _ := os.ReadDir(filepath.Join(s.Dir(), "tmp")); len(left) != 0 {
		t.Fatalf("%d temp files left after ENOSPC", len(left))
	}
	for _, i := range stored {
		if _, err := s.Get(cs[i].ID); err != nil {
			t.Fatalf("chunk stored before the disk filled: %v", err)
		}
	}
	if s.Has(cs[len(stored)].ID) {
		t.Fatal("the refused chunk is present")
	}
	// Free space; the refused chunk now goes in.
	for _, i := range stored[:4] {
		if err := s.Delete(cs[i].ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Put(cs[len(stored)].ID, cs[len(stored)].Bytes()); err != nil {
		t.Fatalf("after freeing space: %v", err)
	}
	if _, err := s.Get(cs[len(stored)].ID); err != nil {
		t.Fatal(err)
	}
}
