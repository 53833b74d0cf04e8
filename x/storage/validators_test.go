package storage_test

import (
	"bytes"
	"encoding/json"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/app/apptest"
	"github.com/pastelchain/pastel/x/rewards"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
	"github.com/pastelchain/pastel/x/trust"
	"github.com/pastelchain/pastel/x/trust/score"
)

// powerOf returns the power CometBFT was told for pub (0 if none).
func powerOf(t *testing.T, c *apptest.Chain, pub []byte) int64 {
	t.Helper()
	for _, v := range (storage.Keeper{Power: trust.Keeper{}}).Validators(c.Ctx()) {
		if v.Address == hexAddr(pub) {
			return v.Power
		}
	}
	return 0
}

func hexAddr(pub []byte) string {
	return string(appendHex(nil, storage.ConsensusAddress(pub)))
}

func appendHex(dst, b []byte) []byte {
	const digits = "0123456789abcdef"
	for _, x := range b {
		dst = append(dst, digits[x>>4], digits[x&15])
	}
	return dst
}

// updateFor returns the update for pub in the last block, if any.
func updateFor(c *apptest.Chain, pub []byte) (abci.ValidatorUpdate, bool) {
	for _, u := range c.Last.ValidatorUpdates {
		if bytes.Equal(u.PubKey.GetEd25519(), pub) {
			return u, true
		}
	}
	return abci.ValidatorUpdate{}, false
}

func withValidators(t *testing.T, n int) {
	validatorMasternodes = n
	t.Cleanup(func() { validatorMasternodes = 0 })
}

// fullPower is the power of a masternode with the test collateral, no trust
// score and good standing at the default power parameters.
var halfTrustPower = trust.VotingPower(collateral, 0, trust.InGoodStanding, trust.DefaultPowerParams())

// TestGenesisMasternodesFormTheValidatorSet: masternodes with consensus
// keys at genesis are the initial set; joining with a key adds power;
// keys are unique; removing the key takes the power away.
func TestGenesisMasternodesFormTheValidatorSet(t *testing.T) {
	withValidators(t, 4)
	c := newChain(t, nil)
	c.Block() // InitChain's state is committed with the first block
	for i := 0; i < 4; i++ {
		if got := powerOf(t, c, consensusKey(i)); got != halfTrustPower {
			t.Fatalf("genesis validator %d power %d, want %d", i, got, halfTrustPower)
		}
	}
	if got := powerOf(t, c, consensusKey(4)); got != 0 {
		t.Fatalf("masternode without a key has power %d", got)
	}
	if len(c.Last.ValidatorUpdates) != 0 {
		t.Fatalf("updates without any change: %v", c.Last.ValidatorUpdates)
	}

	// Masternode 4 adds a key: it joins with the same power.
	c.Exec(c.Keys[4], 0, apptest.Msg(storagepb.MsgUpdateMasternodeType, &storagepb.MsgUpdateMasternode{ConsensusPubKey: consensusKey(4)}))
	u, ok := updateFor(c, consensusKey(4))
	if !ok || u.Power != halfTrustPower {
		t.Fatalf("joining validator: update %v (found %v), want power %d", u, ok, halfTrustPower)
	}
	if len(c.Last.ValidatorUpdates) != 1 {
		t.Fatalf("only the new validator should change, got %d updates", len(c.Last.ValidatorUpdates))
	}
	// Nobody may take a key in use, whatever the path; the fee is kept.
	c.Exec(c.Keys[5], storage.ErrConsensusKey.Code, apptest.Msg(storagepb.MsgUpdateMasternodeType, &storagepb.MsgUpdateMasternode{ConsensusPubKey: consensusKey(0)}))
	c.Exec(c.Keys[6], storage.ErrConsensusKey.Code, apptest.Msg(storagepb.MsgRegisterMasternodeType,
		&storagepb.MsgRegisterMasternode{Url: "http://127.0.0.1:9999", Collateral: collateral, ConsensusPubKey: consensusKey(1)}))
	if m, ok := (storage.Keeper{}).Masternode(c.Ctx(), c.Keys[6].PubKey().Address()); ok {
		t.Fatalf("registration with a used key was kept: %v", m)
	}
	// A malformed key is refused before the fee.
	c.Exec(c.Keys[5], storage.ErrConsensusKey.Code, apptest.Msg(storagepb.MsgUpdateMasternodeType, &storagepb.MsgUpdateMasternode{ConsensusPubKey: []byte{1, 2, 3}}))
	// Registering with a fresh key joins at once.
	c.Exec(c.Keys[6], 0, apptest.Msg(storagepb.MsgRegisterMasternodeType,
		&storagepb.MsgRegisterMasternode{Url: "http://127.0.0.1:9999", Collateral: collateral, ConsensusPubKey: consensusKey(6)}))
	if u, ok := updateFor(c, consensusKey(6)); !ok || u.Power != halfTrustPower {
		t.Fatalf("registering validator: %v %v", u, ok)
	}
	// Replacing a key removes the old one and adds the new one in one block.
	c.Exec(c.Keys[6], 0, apptest.Msg(storagepb.MsgUpdateMasternodeType, &storagepb.MsgUpdateMasternode{ConsensusPubKey: consensusKey(7)}))
	if u, ok := updateFor(c, consensusKey(6)); !ok || u.Power != 0 {
		t.Fatalf("old key not removed: %v %v", u, ok)
	}
	if u, ok := updateFor(c, consensusKey(7)); !ok || u.Power != halfTrustPower {
		t.Fatalf("new key not added: %v %v", u, ok)
	}
	// Removing the key leaves the set.
	c.Exec(c.Keys[6], 0, apptest.Msg(storagepb.MsgUpdateMasternodeType, &storagepb.MsgUpdateMasternode{RemoveConsensusKey: true}))
	if u, ok := updateFor(c, consensusKey(7)); !ok || u.Power != 0 {
		t.Fatalf("removed key kept: %v %v", u, ok)
	}
	// The CometBFT address maps back to the masternode (rewards payouts).
	if a, ok := (storage.Keeper{}).ValidatorOwner(c.Ctx(), storage.ConsensusAddress(consensusKey(4))); !ok || a != c.Keys[4].PubKey().Address() {
		t.Fatalf("owner of validator 4: %v %v", a, ok)
	}
	c.CheckSupply()
}

// TestJailedValidatorLosesPower: a validating masternode that stops
// answering challenges is penalized (power scaled by penalized_factor),
// then jailed (power 0, removed from CometBFT's set), and gets its power
// back after unjailing once its penalty has run out. The others keep theirs.
// J = F, as in TestRepeatedFailuresJail: with J > F the failure that moves
// every commitment away may leave too few challenges open to reach J, and
// whether it does is a matter of the draw. One challenge a block, so the
// failures expire one block at a time and the penalized power shows before
// the jailing: with 8 a block, several could expire in one block and jail
// the validator with no block in between (the draw follows the AppHash, and
// recording the state layout changed it to such a draw).
func TestJailedValidatorLosesPower(t *testing.T) {
	withValidators(t, 4)
	e := newChallengeEnv(t, func(p *storagepb.Params) {
		p.ChallengeInterval = 1
		p.MaxChallengesPerBlock = 1
		p.JailFailures = p.ReassignFailures
	})
	k := storage.Keeper{}
	dead := e.c.Keys[0].PubKey().Address()
	pub := consensusKey(0)
	var sawPenalized, jailed bool
	for i := 0; i < 200 && !jailed; i++ {
		e.answerAll(t, map[string]bool{dead.String(): true})
		if u, ok := updateFor(e.c, pub); ok {
			switch {
			case u.Power == halfTrustPower/2:
				sawPenalized = true
			case u.Power == halfTrustPower && sawPenalized:
				// The withholding ran out before the next failure.
			case u.Power == 0:
				m, _ := k.Masternode(e.c.Ctx(), dead)
				if m.Status != storagepb.MasternodeStatus_MN_JAILED {
					t.Fatalf("power 0 while %v", m.Status)
				}
				jailed = true
			default:
				t.Fatalf("unexpected power %d for the failing validator", u.Power)
			}
		}
		for j := 1; j < 4; j++ {
			if _, ok := updateFor(e.c, consensusKey(j)); ok {
				t.Fatalf("honest validator %d changed power", j)
			}
		}
	}
	if !sawPenalized || !jailed {
		t.Fatalf("penalized %v, jailed %v", sawPenalized, jailed)
	}
	if got := powerOf(t, e.c, pub); got != 0 {
		t.Fatalf("jailed validator keeps %d", got)
	}
	// Unjail after jail_blocks and once the withholding is over.
	for {
		m, _ := k.Masternode(e.c.Ctx(), dead)
		if e.c.Height > max(m.JailedHeight+5, m.WithheldUntil) {
			break
		}
		e.answerAll(t, map[string]bool{dead.String(): true})
	}
	e.c.Exec(e.c.Keys[0], 0, apptest.Msg(storagepb.MsgUnjailType, &storagepb.MsgUnjail{}))
	if u, ok := updateFor(e.c, pub); !ok || u.Power != halfTrustPower {
		t.Fatalf("unjailed validator: %v %v, want %d", u, ok, halfTrustPower)
	}
}

// TestValidatorSetNeverEmpty: when the only validator is jailed, the set is
// kept (CometBFT cannot run without validators) and the chain says why.
func TestValidatorSetNeverEmpty(t *testing.T) {
	withValidators(t, 1)
	// Its commitments stay until the failure that jails it (reassign at
	// jail_failures), so it keeps being challenged until it is jailed,
	// whatever the draws.
	e := newChallengeEnv(t, func(p *storagepb.Params) {
		p.ChallengeInterval, p.MaxChallengesPerBlock = 1, 8
		p.ReassignFailures = p.JailFailures
	})
	dead := e.c.Keys[0].PubKey().Address()
	kept := false
	for i := 0; i < 200; i++ {
		e.answerAll(t, map[string]bool{dead.String(): true})
		if u, ok := updateFor(e.c, consensusKey(0)); ok && u.Power == 0 {
			t.Fatal("the last validator was removed")
		}
		for _, ev := range e.c.Last.Events {
			if ev.Type == "validator_set_kept" {
				kept = true
			}
		}
		if m, _ := (storage.Keeper{}).Masternode(e.c.Ctx(), dead); m.Status == storagepb.MasternodeStatus_MN_JAILED && kept {
			break
		}
	}
	if !kept {
		t.Fatal("no validator_set_kept event")
	}
	if got := powerOf(t, e.c, consensusKey(0)); got == 0 {
		t.Fatal("the only validator lost its power")
	}
}

// TestTrustRaisesPowerWithinCap: at a trust epoch, a masternode the seeds
// trust gains power, capped at max_share of the total; the set changes only
// at the epoch.
func TestTrustRaisesPowerWithinCap(t *testing.T) {
	withValidators(t, 4)
	seed := apptest.Key(7).PubKey().Address()
	trusted := apptest.Key(1).PubKey().Address()
	extraGenesis = func(g app.GenesisState) {
		p := trust.DefaultParams()
		p.EpochBlocks = 5
		g["trust"], _ = json.Marshal(trust.Genesis{Params: p,
			Seeds: []trust.GenesisSeed{{Address: seed.String(), PreTrust: trust.Dec(score.One)}},
			Edges: []trust.GenesisEdge{{From: seed.String(), To: trusted.String(), Weight: trust.Dec(score.One)}}})
	}
	t.Cleanup(func() { extraGenesis = nil })
	c := newChain(t, nil)
	for c.Height < 4 {
		c.Block()
		if len(c.Last.ValidatorUpdates) != 0 {
			t.Fatalf("updates before the epoch at height %d", c.Height)
		}
	}
	c.Block() // height 5: epoch
	u, ok := updateFor(c, consensusKey(1))
	if !ok || u.Power <= halfTrustPower {
		t.Fatalf("trusted validator: %v %v, want more than %d", u, ok, halfTrustPower)
	}
	total := u.Power + 3*halfTrustPower
	if u.Power*10 > total*3 {
		t.Fatalf("power %d is more than 3/10 of %d", u.Power, total)
	}
	if len(c.Last.ValidatorUpdates) != 1 {
		t.Fatalf("only the trusted validator should change: %v", c.Last.ValidatorUpdates)
	}
}

// TestPenaltyEndRestoresPower: a penalized validator gets its full power
// back when the withholding ends, without any transaction.
func TestPenaltyEndRestoresPower(t *testing.T) {
	withValidators(t, 4)
	e := newChallengeEnv(t, func(p *storagepb.Params) {
		p.ChallengeInterval = 1
		p.MaxChallengesPerBlock = 8
		p.ReassignFailures, p.JailFailures = 50, 50
	})
	dead := map[string]bool{e.c.Keys[0].PubKey().Address().String(): true}
	pub := consensusKey(0)
	penalizedAt := int64(0)
	for i := 0; i < 100 && penalizedAt == 0; i++ {
		e.answerAll(t, dead)
		if u, ok := updateFor(e.c, pub); ok && u.Power == halfTrustPower/2 {
			penalizedAt = e.c.Height
		}
	}
	if penalizedAt == 0 {
		t.Fatal("never penalized")
	}
	// Answer everything from now on; open challenges of the silent period
	// may still expire and extend the penalty.
	restored := int64(0)
	for i := 0; i < 100 && restored == 0; i++ {
		e.answerAll(t, nil)
		if u, ok := updateFor(e.c, pub); ok {
			if u.Power != halfTrustPower {
				t.Fatalf("power %d", u.Power)
			}
			restored = e.c.Height
		}
	}
	m, _ := (storage.Keeper{}).Masternode(e.c.Ctx(), e.c.Keys[0].PubKey().Address())
	if restored != m.WithheldUntil+1 {
		t.Fatalf("power restored at %d, withholding ended at %d", restored, m.WithheldUntil)
	}
}

// TestMasternodeValidatorEarnsValidatorRewards: blocks signed by a
// masternode's consensus key pay that masternode's address as a validator,
// without any genesis payout mapping.
func TestMasternodeValidatorEarnsValidatorRewards(t *testing.T) {
	withValidators(t, 2)
	extraGenesis = func(g app.GenesisState) {
		rp := rewards.DefaultParams()
		rp.EpochLength = 5
		g["rewards"], _ = json.Marshal(rewards.Genesis{Params: rp, ValidatorPayouts: map[string]string{}})
	}
	t.Cleanup(func() { extraGenesis = nil })
	c := newChain(t, nil)
	c.Votes = []abci.VoteInfo{{Validator: abci.Validator{Address: storage.ConsensusAddress(consensusKey(0)), Power: halfTrustPower}, BlockIdFlag: cmtproto.BlockIDFlagCommit}}
	want := c.Keys[0].PubKey().Address().String()
	for i := 0; i < 30; i++ {
		c.Block()
		for _, ev := range c.Last.Events {
			if ev.Type != "rewards_paid" {
				continue
			}
			attr := map[string]string{}
			for _, a := range ev.Attributes {
				attr[a.Key] = a.Value
			}
			if attr["role"] == "validator" {
				if attr["recipient"] != want {
					t.Fatalf("validator share paid to %s, want the masternode %s", attr["recipient"], want)
				}
				c.CheckSupply()
				return
			}
		}
	}
	t.Fatal("no validator reward paid in 30 blocks")
}
