package keyring

import (
	"errors"
	"testing"
)

func TestFileBackendEncryptsAndUnlocks(t *testing.T) {
	home := t.TempDir()
	pass := "correct horse"
	kr, _ := Open(home, BackendFile, func(bool) (string, error) { return pass, nil })
	rec, err := kr.Add("alice")
	if err != nil {
		t.Fatal(err)
	}
	if rec.PrivKey != "" || rec.Crypto == nil {
		t.Fatal("file backend stored the key in clear")
	}
	k, err := kr.PrivKey("alice")
	if err != nil || k.PubKey().Address().String() != rec.Address {
		t.Fatalf("unlock: %v", err)
	}
	pass = "wrong"
	if _, err := kr.PrivKey("alice"); !errors.Is(err, ErrBadPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, err := kr.Add("alice"); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := kr.Get("../etc/passwd"); !errors.Is(err, ErrBadName) {
		t.Fatalf("path traversal name: %v", err)
	}
}

func TestExportImportAcrossBackends(t *testing.T) {
	src, _ := Open(t.TempDir(), BackendTest, nil)
	rec, _ := src.Add("bob")
	out, err := src.Export("bob", "pw")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenExport(out, "nope"); !errors.Is(err, ErrBadPassphrase) {
		t.Fatalf("export opened with wrong passphrase: %v", err)
	}
	k, err := OpenExport(out, "pw")
	if err != nil {
		t.Fatal(err)
	}
	dst, _ := Open(t.TempDir(), BackendTest, nil)
	rec2, err := dst.Import("bob2", k)
	if err != nil || rec2.Address != rec.Address {
		t.Fatalf("import: %v", err)
	}
	list, _ := dst.List()
	if len(list) != 1 || list[0].Name != "bob2" {
		t.Fatalf("list %v", list)
	}
	if err := dst.Delete("bob2"); err != nil {
		t.Fatal(err)
	}
	if err := dst.Delete("bob2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}
