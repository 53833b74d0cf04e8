package rewards_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/rewards"
)

// If anything else mints, emission yields: the supply reaches max_supply
// and stops there, it never passes it.
func TestEmissionNeverPassesMaxSupplyWhoeverMints(t *testing.T) {
	ctx := types.NewContext(store.NewCache(store.NewMemTree()), "cap", 1, time.Unix(0, 0))
	bankGen, _ := json.Marshal(bank.Genesis{Params: bank.DefaultParams(), Accounts: []bank.GenesisAccount{{Address: addr(0).String(), Balance: 1000}}})
	if err := (bank.Module{}).InitGenesis(ctx, bankGen); err != nil {
		t.Fatal(err)
	}
	p := rewards.DefaultParams()
	p.EpochLength, p.EmissionEpochs, p.MaxSupply = 2, 5, 1000+5*100
	raw, _ := json.Marshal(rewards.Genesis{Params: p})
	m := rewards.Module{Keeper: rewards.Keeper{Bank: bank.Keeper{}}}
	if err := m.InitGenesis(ctx, raw); err != nil {
		t.Fatal(err)
	}
	k := bank.Keeper{}
	for h := int64(1); h <= 20; h++ {
		ctx.Height = h
		if h == 4 {
			if err := k.Mint(ctx, addr(1), 250); err != nil { // someone else mints 2.5 epochs' worth
				t.Fatal(err)
			}
		}
		if err := m.BeginBlock(ctx); err != nil {
			t.Fatal(err)
		}
		if s := k.Supply(ctx); s > p.MaxSupply {
			t.Fatalf("height %d: supply %d above max %d", h, s, p.MaxSupply)
		}
		if err := k.CheckInvariant(ctx); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := m.Keeper.Status(ctx)
	if k.Supply(ctx) != p.MaxSupply || st.Emitted != 500-250 {
		t.Fatalf("supply %d (max %d), emitted %d, want 250", k.Supply(ctx), p.MaxSupply, st.Emitted)
	}
}
