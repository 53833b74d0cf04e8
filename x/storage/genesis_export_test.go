package storage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/app/apptest"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// A chain restarted from an export of its state (the upgrade path of a
// chain that must last decades) starts with every key of the original's
// state at the export height, and carries on: its challenges are answered
// and pass, the art stays active, supply is conserved. The modules' own
// ExportGenesis used to write only storage and channel params: every art,
// commitment and channel was lost. (The AppHashes of the two chains differ
// from then on by design: IAVL hashes include the version a node was
// written at, and block randomness chains the last AppHash.)
func TestExportRestoreIsTheSameChain(t *testing.T) {
	validatorMasternodes = 2
	defer func() { validatorMasternodes = 0 }()
	e := newChallengeEnv(t, nil)
	for i := 0; i < 12; i++ { // challenges drawn, answered, some open at the export
		e.answerAll(t, nil)
	}
	old := e.c
	h := old.Height
	open := len(e.open())
	passedAtExport := 0
	for i := 0; i < nMasternodes; i++ {
		m, _ := storageKeeper{}.mn(e, e.c.Keys[i].PubKey().Address())
		passedAtExport += int(m.ChallengesPassed)
	}
	restored, vals := old.Restore(h)
	if len(vals) != 2 {
		t.Fatalf("the restored chain answers %d validators, want the 2 of the state", len(vals))
	}
	sameState(t, old.Ctx().Store(), restored.App.WorkingState(), h)
	e.c = restored
	restored.Block()
	if got := len(e.open()); got < open {
		t.Logf("open challenges: %d at the export, %d after the first restored block", open, got)
	}
	for i := 0; i < 15; i++ {
		e.answerAll(t, nil)
	}
	passed := 0
	for i := 0; i < nMasternodes; i++ {
		m, _ := storageKeeper{}.mn(e, e.c.Keys[i].PubKey().Address())
		if m.Status != storagepb.MasternodeStatus_MN_ACTIVE {
			t.Fatalf("masternode %d is %v on the restored chain", i, m.Status)
		}
		passed += int(m.ChallengesPassed)
	}
	if passed <= passedAtExport {
		t.Fatalf("no challenge passed on the restored chain (%d passed at the export, %d now)", passedAtExport, passed)
	}
	if got := art(restored, e.art.msg.ArchiveHash); got == nil || got.Status != storagepb.ArtStatus_ART_ACTIVE {
		t.Fatal("the art did not survive the export")
	}
	restored.CheckSupply()
}

// An edited readable section beside the dump is refused (it would be
// silently ignored), and so is a dump out of order.
func TestExportRefusesEditedSections(t *testing.T) {
	e := newChallengeEnv(t, nil)
	g, _, err := e.c.App.Export(0)
	if err != nil {
		t.Fatal(err)
	}
	var bank map[string]any
	_ = json.Unmarshal(g["bank"], &bank)
	bank["accounts"] = bank["accounts"].([]any)[1:] // someone "removes" an account
	g["bank"], _ = json.Marshal(bank)
	raw, _ := json.Marshal(g)
	if err := initFrom(t, raw, e.c.Height+1); err == nil || !strings.Contains(err.Error(), "differs from what the state_dump holds") {
		t.Fatalf("an edited bank section beside the dump: %v", err)
	}
	g2, _, _ := e.c.App.Export(0)
	var d app.StateDump
	_ = json.Unmarshal(g2[app.StateDumpKey], &d)
	s := d.Modules["storage"]
	s[0], s[1] = s[1], s[0]
	g2[app.StateDumpKey], _ = json.Marshal(d)
	raw, _ = json.Marshal(g2)
	if err := initFrom(t, raw, e.c.Height+1); err == nil || !strings.Contains(err.Error(), "out of order") {
		t.Fatalf("a dump out of order: %v", err)
	}
}

func initFrom(t *testing.T, appState []byte, height int64) error {
	a, err := app.New(app.Options{DataDir: t.TempDir(), Logger: apptest.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	_, err = a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: apptest.ChainID, InitialHeight: height, Time: time.Unix(1_700_000_000, 0), AppStateBytes: appState})
	return err
}

// sameState requires every key and value of two states to be equal, but
// the chain id.
func sameState(t *testing.T, a, b types.KVStore, h int64) {
	t.Helper()
	ia := a.Iterator(nil, nil)
	defer ia.Close()
	ib := b.Iterator(nil, nil)
	defer ib.Close()
	n := 0
	for ; ia.Valid() || ib.Valid(); n++ {
		if !ia.Valid() || !ib.Valid() {
			t.Fatalf("height %d: one state ends after %d keys", h, n)
		}
		if !bytes.Equal(ia.Key(), ib.Key()) || !bytes.Equal(ia.Value(), ib.Value()) {
			t.Fatalf("height %d: key %d is %q=%x on the original, %q=%x on the restored chain", h, n, ia.Key(), ia.Value(), ib.Key(), ib.Value())
		}
		ia.Next()
		ib.Next()
	}
	if n < 100 {
		t.Fatalf("only %d keys compared", n)
	}
}
