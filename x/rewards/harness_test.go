package rewards_test

import (
	"encoding/json"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/app/apptest"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/rewards"
	"github.com/pastelchain/pastel/x/rewards/rewardspb"
)

const (
	nkeys   = 2
	balance = 1_000_000_000_000
	// perEpoch is the emission per epoch of the test chains: odd, so splits
	// leave remainders.
	perEpoch = 1_000_003
)

// standings is a stand-in for storage: fixed masternodes, each out of good
// standing during the listed height ranges [from, to). It depends only on
// the height, so two chains fed the same blocks see the same standings.
type standings struct {
	mns []rewards.MasternodeWeight
	bad map[types.Address][][2]int64
}

func (s *standings) RewardWeights(ctx *types.Context) []rewards.MasternodeWeight {
	out := make([]rewards.MasternodeWeight, 0, len(s.mns))
	for _, m := range s.mns {
		for _, r := range s.bad[m.Address] {
			if ctx.Height >= r[0] && ctx.Height < r[1] {
				m.GoodStanding = false
			}
		}
		out = append(out, m)
	}
	return out
}

// scores is a stand-in for trust: addresses not in the map are unknown.
type scores map[types.Address]int64

func (s scores) Score(_ *types.Context, a types.Address) (int64, bool) {
	v, ok := s[a]
	return v, ok
}

// env is a real app (bank + rewards) driven block by block.
type env struct {
	*apptest.Chain
	p             rewards.Params
	genesisSupply uint64
}

type setup struct {
	params    rewards.Params
	mns       rewards.MasternodeWeights // nil: none
	trust     rewards.TrustScores       // nil: none
	payouts   map[string]string
	endowment uint64
	dir       string
}

// testParams: 10-block epochs, 10 emission epochs of perEpoch each (for a
// genesis supply of supply), everything to masternodes.
func testParams(supply uint64) rewards.Params {
	p := rewards.DefaultParams()
	p.EpochLength = 10
	p.EmissionEpochs = 10
	p.MaxSupply = supply + 10*perEpoch
	p.ValidatorsSharePPM = 0
	p.EndowmentReleasePPB = 0
	return p
}

func modules(s setup) []types.Module {
	return []types.Module{
		bank.Module{},
		rewards.Module{Keeper: rewards.Keeper{Bank: bank.Keeper{}, Masternodes: s.mns, Trust: s.trust}},
	}
}

func newEnv(t testing.TB, s setup) *env {
	t.Helper()
	supply := uint64(nkeys*balance) + s.endowment
	if s.params.EpochLength == 0 {
		s.params = testParams(supply)
	}
	c := apptest.NewWithModules(t, s.dir, nkeys, balance, modules(s), func(g app.GenesisState) {
		var bg bank.Genesis
		if err := json.Unmarshal(g["bank"], &bg); err != nil {
			t.Fatal(err)
		}
		if s.endowment > 0 {
			bg.Accounts = append(bg.Accounts, bank.GenesisAccount{Address: rewards.Endowment.String(), Balance: s.endowment})
		}
		g["bank"], _ = json.Marshal(bg)
		g["rewards"], _ = json.Marshal(rewards.Genesis{Params: s.params, ValidatorPayouts: s.payouts})
	})
	return &env{Chain: c, p: s.params, genesisSupply: supply}
}

// block runs one block and checks the invariants every block must keep.
func (e *env) block(txs ...[]byte) *abci.ResponseFinalizeBlock {
	e.T.Helper()
	res := e.Block(txs...)
	e.check()
	return res
}

func (e *env) check() {
	e.T.Helper()
	e.CheckSupply()
	ctx := e.Ctx()
	k := e.keeper()
	if s := k.Bank.Supply(ctx); s > e.p.MaxSupply {
		e.T.Fatalf("height %d: supply %d above max_supply %d", e.Height, s, e.p.MaxSupply)
	}
	st := e.status()
	if st.Pending != nil && k.Bank.Balance(ctx, rewards.Pool) < st.Pending.Amount {
		e.T.Fatalf("height %d: pool holds %d, less than the pending pool %d", e.Height, k.Bank.Balance(ctx, rewards.Pool), st.Pending.Amount)
	}
	if got, want := k.Bank.Supply(ctx), e.genesisSupply+st.Emitted; got != want {
		e.T.Fatalf("height %d: supply %d, want genesis %d + emitted %d", e.Height, got, e.genesisSupply, st.Emitted)
	}
}

// runTo runs empty blocks up to and including height h.
func (e *env) runTo(h int64) {
	e.T.Helper()
	for e.Height < h {
		e.block()
	}
}

func (e *env) keeper() rewards.Keeper { return rewards.Keeper{Bank: bank.Keeper{}} }

func (e *env) bal(a types.Address) uint64 { return bank.Keeper{}.Balance(e.Ctx(), a) }

func (e *env) status() *rewardspb.Status {
	e.T.Helper()
	st, ok := e.keeper().Status(e.Ctx())
	if !ok {
		e.T.Fatal("no rewards status")
	}
	return st
}

func (e *env) record(epoch uint64) *rewardspb.EpochRecord {
	e.T.Helper()
	r, ok := e.keeper().EpochRecord(e.Ctx(), epoch)
	if !ok {
		e.T.Fatalf("no record of epoch %d at height %d", epoch, e.Height)
	}
	return r
}

func (e *env) earnings(a types.Address) *rewardspb.Earnings { return e.keeper().Earnings(e.Ctx(), a) }

// settleHeight is the height that pays epoch n (start height 1).
func (e *env) settleHeight(n int64) int64 { return 1 + (n+2)*e.p.EpochLength }

func addr(i int) types.Address { return apptest.Key(100 + i).PubKey().Address() }

func mn(i int, bytes uint64) rewards.MasternodeWeight {
	return rewards.MasternodeWeight{Address: addr(i), ProvenBytes: bytes, GoodStanding: true}
}

func vote(val []byte, power int64, flag cmtproto.BlockIDFlag) abci.VoteInfo {
	return abci.VoteInfo{Validator: abci.Validator{Address: val, Power: power}, BlockIdFlag: flag}
}

// events returns the attributes of every event of typ in the last block.
func (e *env) events(typ string) []map[string]string {
	var out []map[string]string
	for _, ev := range e.Last.Events {
		if ev.Type != typ {
			continue
		}
		m := map[string]string{}
		for _, a := range ev.Attributes {
			m[a.Key] = a.Value
		}
		out = append(out, m)
	}
	return out
}
