package storage_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/pastelchain/pastel/app/apptest"
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
	for _, q := range []string{"assignments", "awaiting"} {
		for _, bad := range []string{"zz", strings.Repeat("00", 40), strings.Repeat("00", 11)} {
			r := e.c.Query("/storage/" + q + "/" + mn.String() + "/" + bad)
			if r.Code == 0 || !strings.Contains(r.Log, "cursor must be 24 hex digits") {
				t.Fatalf("%s, cursor %q: code %d, %q; want a refusal naming the cursor format", q, bad, r.Code, r.Log)
			}
		}
		if r := e.c.Query("/storage/" + q + "/notanaddress"); r.Code == 0 {
			t.Fatalf("%s of a malformed address answered", q)
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

// TestAssignmentsVersionFollowsListing: whenever what a masternode's
// assignments listing says changes from one block to the next (a
// commitment assigned, confirmed, unconfirmed, moved away), its record's
// assignments_version changed too, so chunkd may skip listing while the
// version stands still; and the awaiting query (the mw/ index) lists
// exactly the unconfirmed part of the full listing, in the same order,
// after every step. Run over registration, confirmation, challenge
// failures and reassignment.
func TestAssignmentsVersionFollowsListing(t *testing.T) {
	e := newChallengeEnv(t, func(p *storagepb.Params) {
		p.ChallengeInterval, p.MaxChallengesPerBlock = 1, 8
		p.JailFailures = 1000
	})
	k := storage.Keeper{}
	type seen struct {
		version uint64
		listing string
	}
	snapshot := func() map[string]seen {
		out := map[string]seen{}
		for i := 0; i < nMasternodes; i++ {
			mn := e.c.Keys[i].PubKey().Address()
			m, _ := k.Masternode(e.c.Ctx(), mn)
			var b, unconfirmed strings.Builder
			for _, c := range k.MasternodeCommitments(e.c.Ctx(), mn, nil, 100_000) {
				fmt.Fprintf(&b, "%x/%d/%d/%v/%d;", c.ArtId, c.Stripe, c.Index, c.Confirmed, c.AssignedHeight)
				if !c.Confirmed {
					fmt.Fprintf(&unconfirmed, "%x/%d/%d/%d;", c.ArtId, c.Stripe, c.Index, c.AssignedHeight)
				}
			}
			out[mn.String()] = seen{m.AssignmentsVersion, b.String()}
			r := e.c.Query("/storage/awaiting/" + mn.String())
			var awaiting []storagepb.CommitmentView
			if r.Code != 0 || json.Unmarshal(r.Value, &awaiting) != nil {
				t.Fatalf("awaiting/%s: %d %s", mn, r.Code, r.Log)
			}
			var got strings.Builder
			for _, c := range awaiting {
				if c.Confirmed {
					t.Fatalf("awaiting/%s lists a confirmed commitment", mn)
				}
				fmt.Fprintf(&got, "%x/%d/%d/%d;", []byte(c.ArtID), c.Stripe, c.Index, c.AssignedHeight)
			}
			if got.String() != unconfirmed.String() {
				t.Fatalf("awaiting/%s lists %q, the unconfirmed part of its assignments is %q", mn, got.String(), unconfirmed.String())
			}
		}
		if err := k.CheckIndexes(e.c.Ctx()); err != nil {
			t.Fatal(err)
		}
		return out
	}
	changes := 0
	check := func(before map[string]seen, what string) map[string]seen {
		t.Helper()
		after := snapshot()
		for mn, a := range after {
			b := before[mn]
			if a.listing != b.listing {
				changes++
				if a.version == b.version {
					t.Fatalf("%s: the assignments of %s changed but assignments_version stayed %d", what, mn, a.version)
				}
			}
		}
		return after
	}
	s := snapshot()
	// A second art: assigned, then confirmed by every holder.
	ta := makeArt(t, 2, 30_000, 0xf0f0f0f0f0f0)
	e.c.Exec(e.c.Keys[6], 0, apptest.Msg(storagepb.MsgRegisterArtType, ta.msg))
	s = check(s, "registration")
	e.c.Block()
	s = check(s, "an empty block")
	var txs [][]byte
	for i := 0; i < nMasternodes; i++ {
		mn := e.c.Keys[i].PubKey().Address()
		var refs []*storagepb.ChunkRef
		for _, cm := range k.MasternodeCommitments(e.c.Ctx(), mn, nil, 10000) {
			if !cm.Confirmed && string(cm.ArtId) == string(ta.msg.ArchiveHash) {
				refs = append(refs, proveRef(t, e.c, ta, cm, mn))
			}
		}
		if len(refs) > 0 {
			txs = append(txs, e.c.Sign(e.c.Keys[i], apptest.Msg(storagepb.MsgConfirmChunksType, &storagepb.MsgConfirmChunks{ArtId: ta.msg.ArchiveHash, Chunks: refs})))
		}
	}
	e.c.Block(txs...)
	s = check(s, "confirmations")
	// Masternode 0 stops answering: failures, then its commitments move.
	dead := e.c.Keys[0].PubKey().Address()
	reassigned := false
	for i := 0; i < 200 && !reassigned; i++ {
		e.answerAll(t, map[string]bool{dead.String(): true})
		s = check(s, fmt.Sprintf("failure block %d", i))
		for _, ev := range e.c.Last.Events {
			reassigned = reassigned || ev.Type == "commitments_reassigned"
		}
	}
	if !reassigned {
		t.Fatal("the silent masternode's commitments were never reassigned")
	}
	if changes < 2*nMasternodes {
		t.Fatalf("only %d listing changes seen: the scenario did not exercise the version", changes)
	}
}
