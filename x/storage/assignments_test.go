package storage_test

import (
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// TestAssignmentsPageByCursor: the assignments query resumes after any
// commitment's cursor with exactly the commitments after it, lists what
// the keeper lists, and refuses a malformed cursor with a message saying
// what to pass.
func TestAssignmentsPageByCursor(t *testing.T) {
	e := newChallengeEnv(t, func(*storagepb.Params) {})
	mn := e.c.Keys[0].PubKey().Address()
	list := func(path string) []storagepb.CommitmentView {
		t.Helper()
		r := e.c.Query(path)
		if r.Code != 0 {
			t.Fatalf("%s: %s", path, r.Log)
		}
		var out []storagepb.CommitmentView
		if err := json.Unmarshal(r.Value, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	all := list("/storage/assignments/" + mn.String())
	m, _ := storage.Keeper{}.Masternode(e.c.Ctx(), mn)
	if len(all) == 0 || uint64(len(all)) != m.Commitments {
		t.Fatalf("%d assignments listed, the masternode record counts %d", len(all), m.Commitments)
	}
	for i, c := range all {
		rest := list("/storage/assignments/" + mn.String() + "/" + hex.EncodeToString(c.Cursor))
		if len(rest) != len(all)-i-1 {
			t.Fatalf("after commitment %d: %d listed, want %d", i, len(rest), len(all)-i-1)
		}
		for j := range rest {
			if a, b := rest[j], all[i+1+j]; string(a.ArtID) != string(b.ArtID) || a.Stripe != b.Stripe || a.Index != b.Index {
				t.Fatalf("after commitment %d, entry %d is (%d, %d), want (%d, %d)", i, j, a.Stripe, a.Index, b.Stripe, b.Index)
			}
		}
	}
	for _, bad := range []string{"zz", strings.Repeat("00", 40), strings.Repeat("00", 11)} {
		r := e.c.Query("/storage/assignments/" + mn.String() + "/" + bad)
		if r.Code == 0 || !strings.Contains(r.Log, "cursor must be 24 hex digits") {
			t.Fatalf("cursor %q: code %d, %q; want a refusal naming the cursor format", bad, r.Code, r.Log)
		}
	}
}

// TestNothingUnderXImportsChunkd: the consensus modules do not depend on
// the chunk daemon (DESIGN §1: chunkd imports the chain's packages, never
// the other way round).
func TestNothingUnderXImportsChunkd(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/pastelchain/pastel/x/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/pastelchain/pastel/chunkd") {
			t.Fatalf("a package under x/ depends on %s", p)
		}
	}
}
