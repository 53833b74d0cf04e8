package rewards_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"github.com/pastelchain/pastel/app/apptest"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/bank/bankpb"
	"github.com/pastelchain/pastel/x/rewards"
	"github.com/pastelchain/pastel/x/storage"
)

func TestModuleAccounts(t *testing.T) {
	if rewards.Endowment != storage.Endowment {
		t.Fatalf("rewards.Endowment %s differs from storage.Endowment %s", rewards.Endowment, storage.Endowment)
	}
	if rewards.Pool == rewards.Endowment || rewards.Pool == bank.FeeCollector {
		t.Fatal("the pool shares an address with another module account")
	}
}

// One masternode takes everything: epoch n's emission is minted at the
// first block of epoch n+1 and reaches it exactly at the first block of
// epoch n+2, never earlier.
func TestEmissionMintedAtCloseAndPaidOneEpochLate(t *testing.T) {
	e := newEnv(t, setup{mns: &standings{mns: []rewards.MasternodeWeight{mn(0, 1)}}})
	m := addr(0)
	for n := int64(0); n < 4; n++ {
		closeH := 1 + (n+1)*10
		e.runTo(closeH - 1)
		if got := e.status().Emitted; got != uint64(n)*perEpoch {
			t.Fatalf("before epoch %d closes (height %d): emitted %d, want %d", n, e.Height, got, n*perEpoch)
		}
		e.block() // closeH: epoch n closes
		if got := e.status().Emitted; got != uint64(n+1)*perEpoch {
			t.Fatalf("epoch %d closed at %d: emitted %d, want %d", n, closeH, got, (n+1)*perEpoch)
		}
		if got := e.status().Pending; got == nil || got.Epoch != uint64(n) || got.Emitted != perEpoch || got.Amount != perEpoch {
			t.Fatalf("epoch %d closed: pending %v, want epoch %d with %d emitted", n, got, n, perEpoch)
		}
		// Paid so far: epochs 0..n-1, the last of them at this block.
		if got, want := e.bal(m), uint64(n)*perEpoch; got != want {
			t.Fatalf("height %d: masternode has %d, want %d (epochs 0..%d paid)", e.Height, got, want, n-1)
		}
		if n >= 1 {
			if got := e.events("epoch_settled"); len(got) != 1 || got[0]["epoch"] != types.U64(uint64(n-1)) {
				t.Fatalf("height %d: epoch_settled events %v, want one for epoch %d", e.Height, got, n-1)
			}
		} else if got := e.events("epoch_settled"); len(got) != 0 {
			t.Fatalf("height %d: nothing to settle yet, got %v", e.Height, got)
		}
	}
	r := e.record(1)
	if r.StartHeight != 11 || r.EndHeight != 20 || r.ClosedHeight != 21 || r.SettledHeight != 31 || r.Pool != perEpoch || r.MasternodesPaid != perEpoch || r.CarriedOut != 0 {
		t.Fatalf("record of epoch 1: %v", r)
	}
}

// The whole schedule: equal parts, the remainder in the last epoch, then
// nothing; supply reaches max_supply exactly and never passes it.
func TestEmissionScheduleExactAndCapped(t *testing.T) {
	supply := uint64(nkeys * balance)
	p := testParams(supply)
	p.EmissionEpochs = 4
	p.MaxSupply = supply + 4*perEpoch + 3 // remainder 3 goes to epoch 3
	e := newEnv(t, setup{params: p})
	want := []uint64{perEpoch, perEpoch, perEpoch, perEpoch + 3, 0, 0, 0}
	for n, w := range want {
		e.runTo(int64(1 + (n+1)*10))
		if got := e.status().Pending.Emitted; got != w {
			t.Fatalf("epoch %d emitted %d, want %d", n, got, w)
		}
	}
	if got := (bank.Keeper{}).Supply(e.Ctx()); got != p.MaxSupply {
		t.Fatalf("after the schedule: supply %d, want max_supply %d", got, p.MaxSupply)
	}
	e.runTo(100)
	if got := (bank.Keeper{}).Supply(e.Ctx()); got != p.MaxSupply {
		t.Fatalf("at height 100: supply %d, want max_supply %d", got, p.MaxSupply)
	}
	// No masternodes, no validators: everything is still in the pool.
	if got := e.bal(rewards.Pool); got != p.MaxSupply-supply {
		t.Fatalf("pool holds %d, want every emitted coin %d", got, p.MaxSupply-supply)
	}
}

// A genesis whose accounts already hold max_supply emits nothing; one
// holding more is refused, naming max_supply.
func TestEmissionNothingLeftAndGenesisAboveMax(t *testing.T) {
	supply := uint64(nkeys * balance)
	p := testParams(supply)
	p.MaxSupply = supply
	e := newEnv(t, setup{params: p})
	e.runTo(60)
	if st := e.status(); st.Emitted != 0 || st.EmissionTotal != 0 {
		t.Fatalf("emitted %d of %d, want nothing", st.Emitted, st.EmissionTotal)
	}

	p.MaxSupply = supply - 1
	a, err := newApp(t, p)
	if err == nil {
		a.Close()
		t.Fatal("genesis with supply above max_supply accepted")
	}
	if !strings.Contains(err.Error(), "rewards.params.max_supply") {
		t.Fatalf("error %q does not name rewards.params.max_supply", err)
	}
}

// Every epoch close moves exactly ⌊balance × ppb / 10^9⌋ of the endowment,
// and every fee of the epoch's blocks, into the pool.
func TestEndowmentReleaseAndFeesExact(t *testing.T) {
	const endow = 123_456_789_011
	supply := uint64(nkeys*balance) + endow
	p := testParams(supply)
	p.EndowmentReleasePPB = 12_345_678 // 1.2345678% per epoch
	e := newEnv(t, setup{params: p, endowment: endow})
	to := addr(9)
	left := uint64(endow)
	for n := 0; n < 5; n++ {
		// n+1 transfers in epoch n, each paying apptest.Fee.
		var txs [][]byte
		for i := 0; i <= n; i++ {
			txs = append(txs, e.Sign(e.Keys[0], apptest.Msg(bank.MsgSendType, &bankpb.MsgSend{To: to.String(), Amount: 1})))
		}
		e.block(txs...)
		for _, r := range e.Last.TxResults {
			if r.Code != 0 {
				t.Fatalf("transfer failed: %s", r.Log)
			}
		}
		e.runTo(int64(1 + (n+1)*10))
		release := left * uint64(p.EndowmentReleasePPB) / 1_000_000_000 // no overflow at these sizes
		left -= release
		pd := e.status().Pending
		if pd.Epoch != uint64(n) || pd.Endowment != release || pd.Fees != uint64(n+1)*apptest.Fee {
			t.Fatalf("epoch %d: pending %v, want endowment %d, fees %d", n, pd, release, (n+1)*apptest.Fee)
		}
		if pd.Amount != pd.Emitted+pd.Endowment+pd.Fees+pd.CarriedIn || pd.CarriedIn != e.record0Pool(n) {
			t.Fatalf("epoch %d: pending %v does not add up", n, pd)
		}
		if got := e.bal(rewards.Endowment); got != left {
			t.Fatalf("epoch %d: endowment holds %d, want %d", n, got, left)
		}
		if got := e.bal(bank.FeeCollector); got != 0 {
			t.Fatalf("epoch %d: fee collector still holds %d", n, got)
		}
		ev := e.events("epoch_closed")
		if len(ev) != 1 || ev[0]["endowment"] != types.U64(release) || ev[0]["fees"] != types.U64(pd.Fees) {
			t.Fatalf("epoch %d: epoch_closed events %v", n, ev)
		}
	}
}

// record0Pool is what an epoch's close carries in with nobody to pay: the
// whole previous pool (every settlement pays nothing here).
func (e *env) record0Pool(n int) uint64 {
	if n == 0 {
		return 0
	}
	return e.record(uint64(n - 1)).CarriedOut
}

// Masternodes of weight 1, 2 and 4 split 1,000,003: ⌊·/7⌋ shares, the
// remainder carried into the next pool and split again there.
func TestMasternodeSplitByWeightRemaindersCarried(t *testing.T) {
	e := newEnv(t, setup{mns: &standings{mns: []rewards.MasternodeWeight{mn(2, 4<<20), mn(0, 1<<20), mn(1, 2<<20), mn(3, 0)}}})
	e.runTo(e.settleHeight(0))
	want := map[int]uint64{0: 142_857, 1: 285_715, 2: 571_430, 3: 0}
	for i, w := range want {
		if got := e.bal(addr(i)); got != w {
			t.Fatalf("epoch 0: masternode %d got %d, want %d", i, got, w)
		}
	}
	r := e.record(0)
	if r.Pool != perEpoch || r.MasternodesPaid != 1_000_002 || r.CarriedOut != 1 || r.MasternodesPaidCount != 3 || r.Withheld != 0 {
		t.Fatalf("record 0: %v", r)
	}
	if got := len(e.events("rewards_paid")); got != 3 {
		t.Fatalf("%d rewards_paid events, want 3", got)
	}
	// Epoch 1's pool is its emission plus the carried 1: 1,000,004.
	e.runTo(e.settleHeight(1))
	r = e.record(1)
	if r.CarriedIn != 1 || r.Pool != perEpoch+1 || r.MasternodesPaid != 1_000_002 || r.CarriedOut != 2 {
		t.Fatalf("record 1: %v", r)
	}
	want = map[int]uint64{0: 142_857 * 2, 1: 285_715 * 2, 2: 571_430 * 2}
	for i, w := range want {
		if got := e.bal(addr(i)); got != w {
			t.Fatalf("after epoch 1: masternode %d has %d, want %d", i, got, w)
		}
	}
	if got := e.bal(rewards.Pool); got != e.status().Pending.Amount {
		t.Fatalf("pool %d, pending %d", got, e.status().Pending.Amount)
	}
}

// A masternode out of good standing at exactly one settlement block gets
// nothing for that epoch; its share is withheld (counted, announced) and
// split again in the next pool, where it is paid as usual.
func TestWithheldForExactlyOneEpochAndCarried(t *testing.T) {
	a, b := addr(0), addr(1)
	s := &standings{
		mns: []rewards.MasternodeWeight{mn(0, 100), mn(1, 100)},
		// b fails a challenge at 15 and is withheld for 10 blocks = one
		// epoch: the window [15, 25) holds exactly one settlement (21).
		bad: map[types.Address][][2]int64{b: {{15, 25}}},
	}
	e := newEnv(t, setup{mns: s})
	e.runTo(e.settleHeight(0))
	if e.bal(a) != 500_001 || e.bal(b) != 0 {
		t.Fatalf("epoch 0: a %d, b %d; want 500001 and 0", e.bal(a), e.bal(b))
	}
	r := e.record(0)
	if r.Withheld != 500_001 || r.MasternodesPaid != 500_001 || r.CarriedOut != 500_002 || r.MasternodesWithheldCount != 1 {
		t.Fatalf("record 0: %v", r)
	}
	if ev := e.events("rewards_withheld"); len(ev) != 1 || ev[0]["masternode"] != b.String() || ev[0]["amount"] != "500001" || ev[0]["epoch"] != "0" {
		t.Fatalf("rewards_withheld events %v", ev)
	}
	if got := e.status().CumulativeWithheld; got != 500_001 {
		t.Fatalf("cumulative withheld %d", got)
	}
	if got := e.earnings(b); got.Withheld != 500_001 || got.Paid != 0 {
		t.Fatalf("earnings of b: %v", got)
	}
	// Next pool: 1,000,003 emitted + 500,002 carried = 1,500,005.
	e.runTo(e.settleHeight(1))
	r = e.record(1)
	if r.CarriedIn != 500_002 || r.Pool != 1_500_005 || r.Withheld != 0 || r.MasternodesPaid != 1_500_004 {
		t.Fatalf("record 1: %v", r)
	}
	if e.bal(a) != 500_001+750_002 || e.bal(b) != 750_002 {
		t.Fatalf("epoch 1: a %d, b %d", e.bal(a), e.bal(b))
	}
	if got := e.status().CumulativeWithheld; got != 500_001 {
		t.Fatalf("cumulative withheld %d after a clean epoch", got)
	}
	// Withheld just outside settlement blocks costs nothing.
	s.bad[a] = [][2]int64{{32, 41}}
	e.runTo(e.settleHeight(2))
	if e.record(2).Withheld != 0 {
		t.Fatalf("withheld between settlements counted: %v", e.record(2))
	}
}

// A jailed masternode (never in good standing) gets nothing at any
// settlement; every share it would have had is withheld, not lost.
func TestJailedGetsNothing(t *testing.T) {
	j := addr(2)
	s := &standings{mns: []rewards.MasternodeWeight{mn(0, 10), mn(1, 10), {Address: j, ProvenBytes: 20}}}
	e := newEnv(t, setup{mns: s})
	var withheld uint64
	for n := int64(0); n < 4; n++ {
		e.runTo(e.settleHeight(n))
		r := e.record(uint64(n))
		if r.Withheld == 0 || r.Withheld < r.Pool/2-1 {
			t.Fatalf("epoch %d: withheld %d of pool %d, want the jailed half", n, r.Withheld, r.Pool)
		}
		withheld += r.Withheld
		if r.Paid+r.CarriedOut != r.Pool {
			t.Fatalf("epoch %d: paid %d + carried %d != pool %d", n, r.Paid, r.CarriedOut, r.Pool)
		}
	}
	if e.bal(j) != 0 {
		t.Fatalf("jailed masternode has %d", e.bal(j))
	}
	if got := e.earnings(j); got.Withheld != withheld || got.Paid != 0 {
		t.Fatalf("earnings of the jailed one %v, want withheld %d", got, withheld)
	}
	if got := e.status().CumulativeWithheld; got != withheld {
		t.Fatalf("cumulative withheld %d, want %d", got, withheld)
	}
	// Everything emitted is either paid or still in the pool.
	if got := e.bal(addr(0)) + e.bal(addr(1)) + e.bal(rewards.Pool); got != e.status().Emitted {
		t.Fatalf("paid + pool = %d, emitted %d", got, e.status().Emitted)
	}
}

// Weights are proven bytes × trust: negative trust weighs 0, unknown trust
// weighs unknown_trust_ppb, trust above 1 counts as 1.
func TestTrustWeighting(t *testing.T) {
	supply := uint64(nkeys * balance)
	p := testParams(supply)
	p.MaxSupply = supply + 10*1_100_000
	p.UnknownTrustPPB = 250_000_000
	tr := scores{addr(0): 1_000_000_000, addr(1): 500_000_000, addr(2): -300_000_000, addr(4): 2_000_000_000}
	s := &standings{mns: []rewards.MasternodeWeight{mn(0, 1000), mn(1, 1000), mn(2, 1000), mn(3, 1000), mn(4, 1000)}}
	e := newEnv(t, setup{params: p, mns: s, trust: tr})
	e.runTo(e.settleHeight(0))
	// Weights 1, 0.5, 0, 0.25 (unknown), 1 (capped): 2.75 in all.
	want := []uint64{400_000, 200_000, 0, 100_000, 400_000}
	for i, w := range want {
		if got := e.bal(addr(i)); got != w {
			t.Fatalf("masternode %d got %d, want %d", i, got, w)
		}
	}
	if r := e.record(0); r.CarriedOut != 0 || r.MasternodeWeight != "2750000000000" {
		t.Fatalf("record: %v", r)
	}
}

// Validators share by signed power over the epoch's blocks; a commit vote
// counts, absent and nil votes do not; an unmapped validator's share stays
// in the pool and is accounted.
func TestValidatorShareBySignedBlocks(t *testing.T) {
	v1, v2, v3 := bytes.Repeat([]byte{1}, 20), bytes.Repeat([]byte{2}, 20), bytes.Repeat([]byte{3}, 20)
	payout := addr(7)
	supply := uint64(nkeys * balance)
	p := testParams(supply)
	p.ValidatorsSharePPM = 1_000_000
	e := newEnv(t, setup{params: p, payouts: map[string]string{strings.ToUpper(hexs(v1)): payout.String()}})
	// Blocks 2..11 carry the votes for blocks 1..10 (epoch 0).
	for h := int64(1); h <= 11; h++ {
		flag2 := cmtproto.BlockIDFlagCommit
		if h > 6 {
			flag2 = cmtproto.BlockIDFlagAbsent
		}
		e.Votes = []abci.VoteInfo{vote(v1, 10, cmtproto.BlockIDFlagCommit), vote(v2, 30, flag2), vote(v3, 60, cmtproto.BlockIDFlagNil)}
		e.block()
	}
	e.Votes = nil
	e.runTo(e.settleHeight(0))
	// s1 = 10 blocks × 10 = 100, s2 = 5 × 30 = 150: 1,000,003 × 100/250 and × 150/250.
	if got := e.bal(payout); got != 400_001 {
		t.Fatalf("payout address got %d, want 400001", got)
	}
	r := e.record(0)
	if r.SignedPower != "250" || r.Validators != 2 || r.ValidatorsPaid != 400_001 || r.ValidatorsUnmapped != 600_001 || r.CarriedOut != 600_002 {
		t.Fatalf("record 0: %v", r)
	}
	if ev := e.events("rewards_unmapped"); len(ev) != 1 || ev[0]["amount"] != "600001" || ev[0]["validator"] != hexs(v2) {
		t.Fatalf("rewards_unmapped events %v", ev)
	}
	if ev := e.events("rewards_paid"); len(ev) != 1 || ev[0]["recipient"] != payout.String() || ev[0]["role"] != "validator" {
		t.Fatalf("rewards_paid events %v", ev)
	}
	if got := e.earnings(payout); got.AsValidator != 400_001 || got.Paid != 400_001 || got.EpochsPaid != 1 {
		t.Fatalf("earnings %v", got)
	}
	// Epoch 1 had no signatures at all: the whole validators' part stays.
	e.runTo(e.settleHeight(1))
	if r := e.record(1); r.ValidatorsPaid != 0 || r.SignedPower != "0" || r.CarriedOut != r.Pool {
		t.Fatalf("record 1: %v", r)
	}
	// The counters of settled epochs are gone.
	if got := e.keeper().Signed(e.Ctx(), 0); len(got) != 0 {
		t.Fatalf("epoch 0 counters left: %v", got)
	}
}

// Validators and masternodes split one pool by validators_share_ppm.
func TestValidatorsAndMasternodesShare(t *testing.T) {
	v1 := bytes.Repeat([]byte{0xaa}, 20)
	payout := addr(8)
	supply := uint64(nkeys * balance)
	p := testParams(supply)
	p.ValidatorsSharePPM = 200_000
	e := newEnv(t, setup{params: p, mns: &standings{mns: []rewards.MasternodeWeight{mn(0, 1)}}, payouts: map[string]string{hexs(v1): payout.String()}})
	e.Votes = []abci.VoteInfo{vote(v1, 5, cmtproto.BlockIDFlagCommit)}
	e.runTo(e.settleHeight(0))
	// V = ⌊1,000,003 × 0.2⌋ = 200,000; M = 800,003.
	if e.bal(payout) != 200_000 || e.bal(addr(0)) != 800_003 {
		t.Fatalf("validator %d, masternode %d; want 200000 and 800003", e.bal(payout), e.bal(addr(0)))
	}
	if r := e.record(0); r.ValidatorsPool != 200_000 || r.MasternodesPool != 800_003 || r.CarriedOut != 0 {
		t.Fatalf("record 0: %v", r)
	}
}

// A pastel address both validator payout and masternode is paid twice and
// its earnings say so.
func TestEarningsBothRoles(t *testing.T) {
	v1 := bytes.Repeat([]byte{0xbb}, 20)
	supply := uint64(nkeys * balance)
	p := testParams(supply)
	p.ValidatorsSharePPM = 500_000
	e := newEnv(t, setup{params: p, mns: &standings{mns: []rewards.MasternodeWeight{mn(0, 1)}}, payouts: map[string]string{hexs(v1): addr(0).String()}})
	e.Votes = []abci.VoteInfo{vote(v1, 5, cmtproto.BlockIDFlagCommit)}
	e.runTo(e.settleHeight(1))
	got := e.earnings(addr(0))
	if got.AsValidator != 2*500_001 || got.AsMasternode != 2*500_002 || got.Paid != 2*perEpoch || got.EpochsPaid != 2 || got.LastEpoch != 1 {
		t.Fatalf("earnings %v", got)
	}
	var v rewards.EarningsView
	q := e.Query("/rewards/payouts/" + addr(0).String())
	if q.Code != 0 {
		t.Fatal(q.Log)
	}
	if err := json.Unmarshal(q.Value, &v); err != nil || v.Paid != 2*perEpoch || v.AsValidator != 2*500_001 {
		t.Fatalf("query %s: %v %+v", q.Value, err, v)
	}
}

func hexs(b []byte) string { return hex.EncodeToString(b) }
