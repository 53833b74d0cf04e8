package storage_test

import (
	"encoding/json"
	"testing"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/x/rewards"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// TestHonestMasternodesPaidFailingOneWithheld runs storage challenges and
// the rewards schedule together through the real app: masternode 0 never
// answers, the others always do. Over several epochs the honest ones are
// paid for their proven bytes, the failing one's share is withheld (and
// accounted) while its rewards are withheld, and the supply invariant holds
// at every block.
func TestHonestMasternodesPaidFailingOneWithheld(t *testing.T) {
	extraGenesis = func(g app.GenesisState) {
		var rg map[string]json.RawMessage
		_ = json.Unmarshal(g["rewards"], &rg)
		var p map[string]any
		_ = json.Unmarshal(rg["params"], &p)
		p["epoch_length"] = 10
		rg["params"], _ = json.Marshal(p)
		g["rewards"], _ = json.Marshal(rg)
	}
	defer func() { extraGenesis = nil }()
	e := newChallengeEnv(t, func(p *storagepb.Params) {
		p.ChallengeInterval = 2
		p.MaxChallengesPerBlock = 8
		p.WithholdBlocks = 200 // withheld for the whole run after its first failure
		p.ReassignFailures = 100
		p.JailFailures = 100
		p.ConfirmWindow = 10_000 // a failed chunk is unproved, not moved, during the run
	})
	dead := e.c.Keys[0].PubKey().Address()
	for i := 0; i < 60; i++ {
		e.answerAll(t, map[string]bool{dead.String(): true})
		e.c.CheckSupply()
	}
	rk := rewards.Keeper{}
	deadEarn := rk.Earnings(e.c.Ctx(), dead)
	if deadEarn.Withheld == 0 {
		t.Fatalf("nothing withheld from the failing masternode: %+v", deadEarn)
	}
	t.Logf("failing masternode: earned %d npsl, withheld %d npsl", deadEarn.AsMasternode, deadEarn.Withheld)
	paidHonest := 0
	for i := 1; i < nMasternodes; i++ {
		a := e.c.Keys[i].PubKey().Address()
		m, _ := (storageKeeper{}).mn(e, a)
		if m.ProvenBytes == 0 {
			continue
		}
		ern := rk.Earnings(e.c.Ctx(), a)
		t.Logf("masternode %d: %d proven bytes, earned %d npsl", i, m.ProvenBytes, ern.AsMasternode)
		if ern.AsMasternode > 0 {
			paidHonest++
			if ern.AsMasternode <= deadEarn.AsMasternode {
				t.Fatalf("honest masternode %d earned %d, the failing one %d", i, ern.AsMasternode, deadEarn.AsMasternode)
			}
		}
	}
	if paidHonest == 0 {
		t.Fatal("no honest masternode was paid")
	}
}
