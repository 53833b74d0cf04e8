package rewards_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/rewards"
)

// BenchmarkSettlement10kMasternodes measures one epoch boundary (settle and
// close) with 10,000 masternodes, 1/10 of them withheld, and 100 validators,
// on an in-memory store.
func BenchmarkSettlement10kMasternodes(b *testing.B) {
	const nMN, nVal = 10_000, 100
	s := &standings{bad: map[types.Address][][2]int64{}}
	for i := 0; i < nMN; i++ {
		a := secp256k1.ModuleAddress("bench-mn-" + string(rune(i)))
		s.mns = append(s.mns, rewards.MasternodeWeight{Address: a, ProvenBytes: uint64(1+i%97) << 30, GoodStanding: true})
		if i%10 == 0 {
			s.bad[a] = [][2]int64{{0, 1 << 62}}
		}
	}
	payouts := map[string]string{}
	var vals [][]byte
	for i := 0; i < nVal; i++ {
		v := secp256k1.ModuleAddress("bench-val-" + string(rune(i)))
		vals = append(vals, v[:])
		payouts[hexs(v[:])] = secp256k1.ModuleAddress("bench-payout-" + string(rune(i))).String()
	}
	ctx := types.NewContext(store.NewCache(store.NewMemTree()), "bench", 1, time.Unix(0, 0))
	bankGen, _ := json.Marshal(bank.Genesis{Params: bank.DefaultParams()})
	if err := (bank.Module{}).InitGenesis(ctx, bankGen); err != nil {
		b.Fatal(err)
	}
	p := rewards.DefaultParams()
	p.EpochLength = 1 // every block is a boundary: each iteration settles one epoch
	raw, _ := json.Marshal(rewards.Genesis{Params: p, ValidatorPayouts: payouts})
	m := rewards.Module{Keeper: rewards.Keeper{Bank: bank.Keeper{}, Masternodes: s}}
	if err := m.InitGenesis(ctx, raw); err != nil {
		b.Fatal(err)
	}
	for _, v := range vals {
		ctx.Votes = append(ctx.Votes, vote(v, 1000, 2))
	}
	b.ResetTimer()
	for i := 0; i < b.N+2; i++ {
		ctx.Height = int64(i + 2)
		if err := m.BeginBlock(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
