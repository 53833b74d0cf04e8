package rewards_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/app/apptest"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/bank/bankpb"
	"github.com/pastelchain/pastel/x/rewards"
	"github.com/pastelchain/pastel/x/rewards/rewardspb"
)

// newApp runs InitChain with params and returns its error.
func newApp(t *testing.T, p rewards.Params) (*app.App, error) {
	mods := modules(setup{})
	a, err := app.New(app.Options{DataDir: t.TempDir(), Logger: apptest.Quiet, Modules: mods})
	if err != nil {
		t.Fatal(err)
	}
	gen := apptest.GenesisOf(mods, []secp256k1.PrivKey{apptest.Key(0), apptest.Key(1)}, balance, func(g app.GenesisState) {
		g["rewards"], _ = json.Marshal(rewards.Genesis{Params: p})
	})
	_, err = a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: apptest.ChainID, InitialHeight: 1, Time: time.Unix(1_700_000_000, 0), AppStateBytes: gen})
	if err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func TestGenesisValidationNamesTheField(t *testing.T) {
	val := strings.Repeat("ab", 20)
	good := addr(0).String()
	cases := []struct{ raw, field string }{
		{`{"params":{"max_supply":"0"}}`, "max_supply"},
		{`{"params":{"epoch_length":0}}`, "epoch_length"},
		{`{"params":{"epoch_length":10000001}}`, "epoch_length"},
		{`{"params":{"emission_epochs":0}}`, "emission_epochs"},
		{`{"params":{"validators_share_ppm":1000001}}`, "validators_share_ppm"},
		{`{"params":{"endowment_release_ppb":1000000001}}`, "endowment_release_ppb"},
		{`{"params":{"unknown_trust_ppb":1000000001}}`, "unknown_trust_ppb"},
		{`{"params":{"keep_epoch_records":0}}`, "keep_epoch_records"},
		{`{"params":{"epoch_lenght":5}}`, "epoch_lenght"},
		{`{"params":{}, "extra":1}`, "extra"},
		{`{"validator_payouts":{"abcd":"` + good + `"}}`, `validator_payouts["abcd"]`},
		{`{"validator_payouts":{"` + strings.Repeat("zz", 20) + `":"` + good + `"}}`, "validator_payouts"},
		{`{"validator_payouts":{"` + val + `":"pastel1nope"}}`, `validator_payouts["` + val + `"]: payout address`},
		{`{"validator_payouts":{"` + val + `":"` + rewards.Pool.String() + `"}}`, "rewards pool"},
		{`{"validator_payouts":{"` + val + `":"` + good + `","` + strings.ToUpper(val) + `":"` + good + `"}}`, "the same validator"},
		{`{"state":{"status":{"start_height":"0"}}}`, "rewards.state.status.start_height"},
		{`{"state":{"status":{"start_height":"1","genesis_supply":"5","emission_total":"5"}}}`, "rewards.state.status.emission_total"},
		{`{"state":{"bogus":1}}`, "rewards.state"},
		{`[]`, "rewards"},
	}
	m := rewards.Module{}
	for _, c := range cases {
		err := m.ValidateGenesis(json.RawMessage(c.raw))
		if err == nil {
			t.Errorf("%s: accepted", c.raw)
			continue
		}
		if !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: error %q does not name %q", c.raw, err, c.field)
		}
	}
	if err := m.ValidateGenesis(m.DefaultGenesis()); err != nil {
		t.Fatalf("default genesis: %v", err)
	}
	ok := `{"params":{"epoch_length":5},"validator_payouts":{"` + strings.ToUpper(val) + `":"` + good + `"}}`
	g, err := rewards.ParseGenesis(json.RawMessage(ok))
	if err != nil {
		t.Fatal(err)
	}
	if g.Params.EpochLength != 5 || g.Params.MaxSupply != rewards.DefaultParams().MaxSupply {
		t.Fatalf("params not over the defaults: %+v", g.Params)
	}
	if !errors.Is(m.ValidateGenesis(json.RawMessage(`{"params":{"epoch_length":-1}}`)), rewards.ErrBadParams) {
		t.Fatal("bad params do not match ErrBadParams")
	}
}

// A chain's state exported and imported into a fresh store exports the
// same again, and the imported chain keeps settling where it stopped.
func TestExportImportRoundTrip(t *testing.T) {
	v1 := bytes.Repeat([]byte{9}, 20)
	supply := uint64(nkeys * balance)
	p := testParams(supply)
	p.ValidatorsSharePPM = 300_000
	s := setup{params: p, mns: &standings{mns: []rewards.MasternodeWeight{mn(0, 3), mn(1, 5)}, bad: map[types.Address][][2]int64{addr(1): {{21, 22}}}},
		payouts: map[string]string{hexs(v1): addr(5).String()}}
	e := newEnv(t, s)
	e.Votes = []abci.VoteInfo{vote(v1, 7, cmtproto.BlockIDFlagCommit), vote(bytes.Repeat([]byte{8}, 20), 3, cmtproto.BlockIDFlagCommit)}
	e.runTo(35) // epochs 0 and 1 settled (at 21, 31), 2 pending, 3 counting votes
	mod := rewards.Module{Keeper: rewards.Keeper{Bank: bank.Keeper{}}}
	raw, err := mod.ExportGenesis(e.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	if err := mod.ValidateGenesis(raw); err != nil {
		t.Fatalf("exported genesis invalid: %v\n%s", err, raw)
	}
	ctx := types.NewContext(store.NewCache(store.NewMemTree()), "x", 36, time.Unix(0, 0))
	if err := mod.InitGenesis(ctx, raw); err != nil {
		t.Fatal(err)
	}
	raw2, err := mod.ExportGenesis(ctx)
	if err != nil {
		t.Fatal(err)
	}
	x1, x2 := exported(t, raw), exported(t, raw2)
	if !proto.Equal(x1, x2) {
		t.Fatalf("export differs after import:\n%v\n%v", x1, x2)
	}
	if len(x1.Signed) == 0 || len(x1.Epochs) != 2 || len(x1.Earnings) == 0 || x1.Status.Pending == nil {
		t.Fatalf("export lacks state: %v", x1)
	}
	var g1, g2 rewards.Genesis
	_ = json.Unmarshal(raw, &g1)
	_ = json.Unmarshal(raw2, &g2)
	if g1.Params != g2.Params || len(g2.ValidatorPayouts) != 1 {
		t.Fatalf("params or payouts differ: %+v / %+v", g1, g2)
	}
}

func exported(t *testing.T, raw json.RawMessage) *rewardspb.ExportedState {
	t.Helper()
	var g rewards.Genesis
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	x := &rewardspb.ExportedState{}
	if err := protojson.Unmarshal(g.State, x); err != nil {
		t.Fatal(err)
	}
	return x
}

// Two instances fed the same blocks — transfers, votes, a withheld
// masternode, trust — reach the same AppHash at every height, one of them
// restarting from disk between every two blocks.
func TestDeterminismAcrossInstancesAndRestarts(t *testing.T) {
	v1, v2 := bytes.Repeat([]byte{1}, 20), bytes.Repeat([]byte{2}, 20)
	mk := func() *env {
		supply := uint64(nkeys*balance) + 77_777_777
		p := testParams(supply)
		p.ValidatorsSharePPM = 250_000
		p.EndowmentReleasePPB = 50_000_000
		p.EpochLength = 7
		return newEnv(t, setup{
			params:    p,
			endowment: 77_777_777,
			mns: &standings{mns: []rewards.MasternodeWeight{mn(0, 1<<40), mn(1, 1<<37), mn(2, 1<<39)},
				bad: map[types.Address][][2]int64{addr(1): {{20, 30}}, addr(2): {{8, 16}}}},
			trust:   scores{addr(0): 123_456_789, addr(2): 999_999_999},
			payouts: map[string]string{hexs(v1): addr(6).String()},
		})
	}
	a, b := mk(), mk()
	to := addr(9)
	for h := 1; h <= 60; h++ {
		votes := []abci.VoteInfo{vote(v1, 10, cmtproto.BlockIDFlagCommit), vote(v2, int64(h), cmtproto.BlockIDFlagCommit)}
		if h%3 == 0 {
			votes[1].BlockIdFlag = cmtproto.BlockIDFlagAbsent
		}
		a.Votes, b.Votes = votes, votes
		var ta, tb [][]byte
		if h%4 == 1 {
			msg := apptest.Msg(bank.MsgSendType, &bankpb.MsgSend{To: to.String(), Amount: uint64(h)})
			ta = [][]byte{a.Sign(a.Keys[h%2], msg)}
			tb = [][]byte{b.Sign(b.Keys[h%2], msg)}
		}
		ra, rb := a.block(ta...), b.block(tb...)
		if !bytes.Equal(ra.AppHash, rb.AppHash) {
			t.Fatalf("height %d: AppHash %X vs %X", h, ra.AppHash, rb.AppHash)
		}
		b.Reopen()
	}
	if a.status().SettledEpochs < 6 || a.status().CumulativeWithheld == 0 || a.status().CumulativePaid == 0 {
		t.Fatalf("the run exercised too little: %v", a.status())
	}
}

// The JSON queries answer what the state holds, and errors say what to do.
func TestQueries(t *testing.T) {
	e := newEnv(t, setup{mns: &standings{mns: []rewards.MasternodeWeight{mn(0, 1)}}})
	e.runTo(25)
	var v rewards.StatusView
	q := e.Query("/rewards/epoch")
	if q.Code != 0 {
		t.Fatal(q.Log)
	}
	if err := json.Unmarshal(q.Value, &v); err != nil {
		t.Fatal(err)
	}
	// Height 25 is in epoch 2 (21..30); epoch 1 is pending and settles at 31.
	if v.Height != 25 || v.Epoch != 2 || v.EpochStartHeight != 21 || v.EpochEndHeight != 30 || v.NextSettlementHeight != 31 || v.NextSettlementEpoch != 1 ||
		v.Emitted != 2*perEpoch || v.PoolBalance != perEpoch || v.SettledEpochs != 1 || v.ClosedEpochs != 2 || v.EmissionPerEpoch != perEpoch ||
		v.Pool != rewards.Pool.String() || v.CumulativePaid != perEpoch {
		t.Fatalf("status view %s", q.Value)
	}
	var pend rewardspb.PendingPool
	if err := protojson.Unmarshal(v.Pending, &pend); err != nil || pend.Epoch != 1 || pend.Amount != perEpoch {
		t.Fatalf("pending %s: %v", v.Pending, err)
	}
	q = e.Query("/rewards/epoch/0")
	if q.Code != 0 {
		t.Fatal(q.Log)
	}
	r, err := rewards.ParseEpochRecord(q.Value)
	if err != nil || r.Epoch != 0 || r.Pool != perEpoch || r.MasternodesPaid != perEpoch || r.SettledHeight != 21 {
		t.Fatalf("epoch 0 record %s: %v", q.Value, err)
	}
	if !bytes.Contains(q.Value, []byte(`"pool":"1000003"`)) {
		t.Fatalf("record JSON %s", q.Value)
	}
	for path, want := range map[string]string{
		"/rewards/epoch/1":                           "settles at height 31",
		"/rewards/epoch/18446744073709551615":        "not settled yet",
		"/rewards/epoch/x":                           "epoch number",
		"/rewards/payouts/pastel1bad":                "address",
		"/rewards/nothing":                           "try params",
		"/rewards/epoch/1/2":                         "try params",
		"/rewards/payouts/" + strings.Repeat("a", 5): "address",
	} {
		q := e.Query(path)
		if q.Code == 0 || !strings.Contains(q.Log, want) {
			t.Errorf("%s: code %d log %q, want an error mentioning %q", path, q.Code, q.Log, want)
		}
	}
	q = e.Query("/rewards/params")
	var p rewards.Params
	if q.Code != 0 || json.Unmarshal(q.Value, &p) != nil || p != e.p {
		t.Fatalf("params %s", q.Value)
	}
}

// Settled records older than keep_epoch_records are pruned; queries say so.
func TestEpochRecordsPruned(t *testing.T) {
	supply := uint64(nkeys * balance)
	p := testParams(supply)
	p.KeepEpochRecords = 2
	p.EpochLength = 3
	e := newEnv(t, setup{params: p})
	e.runTo(1 + 6*3) // epochs 0..4 settled
	if got := e.status().SettledEpochs; got != 5 {
		t.Fatalf("settled %d", got)
	}
	for n := uint64(0); n < 5; n++ {
		_, ok := e.keeper().EpochRecord(e.Ctx(), n)
		if ok != (n >= 3) {
			t.Fatalf("record %d kept = %v", n, ok)
		}
	}
	if q := e.Query("/rewards/epoch/1"); q.Code == 0 || !strings.Contains(q.Log, "pruned") {
		t.Fatalf("pruned record query: %d %s", q.Code, q.Log)
	}
}
