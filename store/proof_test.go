package store

import (
	"fmt"
	"testing"
)

// TestProofs: a present key is proven with its value, an absent one (before
// the first key, between two, after the last) is proven absent, and neither
// proof passes for anything else.
func TestProofs(t *testing.T) {
	tr := NewMemTree()
	for i := 0; i < 50; i++ {
		if _, err := tr.T.Set([]byte(fmt.Sprintf("k/%03d", 2*i+1)), []byte(fmt.Sprintf("v%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	root, _, err := tr.T.SaveVersion()
	if err != nil {
		t.Fatal(err)
	}
	imm, err := tr.T.GetImmutable(tr.T.Version())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"k/001", "k/051", "k/099"} {
		ops, err := Prove(imm, []byte(k))
		if err != nil {
			t.Fatal(err)
		}
		v, _ := imm.Get([]byte(k))
		if err := VerifyProof(root, []byte(k), v, ops); err != nil {
			t.Fatalf("%s present: %v", k, err)
		}
		if err := VerifyProof(root, []byte(k), []byte("other"), ops); err == nil {
			t.Fatalf("%s: proof passed for another value", k)
		}
		if err := VerifyProof(root, []byte(k), nil, ops); err == nil {
			t.Fatalf("%s: membership proof passed as absence", k)
		}
	}
	for _, k := range []string{"a", "k/000", "k/050", "k/100", "z"} {
		ops, err := Prove(imm, []byte(k))
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyProof(root, []byte(k), nil, ops); err != nil {
			t.Fatalf("%s absent: %v", k, err)
		}
		if err := VerifyProof(root, []byte(k), []byte("v"), ops); err == nil {
			t.Fatalf("%s: absence proof passed as presence", k)
		}
	}
}
