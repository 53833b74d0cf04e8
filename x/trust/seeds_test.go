package trust_test

import (
	"strings"
	"testing"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/trust"
	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

func updateSeeds(change *trustpb.SeedChange, approvers ...secp256k1.PrivKey) *txpb.Msg {
	m := &trustpb.MsgUpdateSeeds{Change: change}
	for _, k := range approvers {
		m.Approvals = append(m.Approvals, trust.SignSeedChange(chainID, change, k))
	}
	return msg(trust.MsgUpdateSeedsType, m)
}

func (c *chain) seeds() trust.SeedsView {
	var v trust.SeedsView
	c.queryJSON("/trust/seeds", &v)
	return v
}

// TestSeedChangeRule: the seed list changes only with approvals of at
// least two thirds of the current seeds, for the current version, before
// the expiry, on this chain; each set of approvals works once.
func TestSeedChangeRule(t *testing.T) {
	// Seeds 0, 1, 2; 3 and 4 are not seeds; 5 is the one to add.
	c := newChain(t, 6, trustGenesis(1000, testKeyAddr(0), testKeyAddr(1), testKeyAddr(2)))
	c.block()
	k := c.Keys
	add5 := &trustpb.SeedChange{SeedVersion: 0, ExpiresHeight: 100, Add: []*trustpb.Seed{{Address: c.addr(5).String(), PreTrust: int64(score.One / 2)}}}

	refused := func(name string, signer int, m *txpb.Msg, want uint32, logHas string) {
		t.Helper()
		before := c.trustState()
		res := c.block(c.signed(signer, m))
		if r := res.TxResults[0]; r.Code != want || !strings.Contains(r.Log, logHas) {
			t.Fatalf("%s: code %d %q, want %d containing %q", name, r.Code, r.Log, want, logHas)
		}
		if c.trustState() != before {
			t.Fatalf("%s: state changed", name)
		}
	}
	// One of three: a seed signing the transaction alone is not enough,
	// nor with a non-seed's approval, nor approving twice.
	refused("one seed", 0, updateSeeds(add5), trust.ErrSeedApproval.Code, "1 of 3 voting seeds approve; at least 2")
	refused("seed plus outsider", 0, updateSeeds(add5, k[3]), trust.ErrSeedApproval.Code, "not a voting seed")
	refused("same seed twice", 0, updateSeeds(add5, k[0]), trust.ErrSeedApproval.Code, "approves twice")
	// A signature over a different change, version or chain does not count.
	other := &trustpb.SeedChange{SeedVersion: 0, ExpiresHeight: 100, Add: []*trustpb.Seed{{Address: c.addr(4).String(), PreTrust: 1}}}
	forged := &trustpb.MsgUpdateSeeds{Change: add5, Approvals: []*trustpb.SeedApproval{trust.SignSeedChange(chainID, other, k[1])}}
	refused("approval of another change", 0, msg(trust.MsgUpdateSeedsType, forged), trust.ErrSeedApproval.Code, "signed for another")
	wrongChain := &trustpb.MsgUpdateSeeds{Change: add5, Approvals: []*trustpb.SeedApproval{trust.SignSeedChange("other-chain", add5, k[1])}}
	refused("approval for another chain", 0, msg(trust.MsgUpdateSeedsType, wrongChain), trust.ErrSeedApproval.Code, "signed for another")
	stale := &trustpb.SeedChange{SeedVersion: 7, ExpiresHeight: 100, Add: add5.Add}
	refused("wrong version", 0, updateSeeds(stale, k[1]), trust.ErrStaleSeedChange.Code, "version 7")
	expired := &trustpb.SeedChange{SeedVersion: 0, ExpiresHeight: 2, Add: add5.Add}
	refused("expired", 0, updateSeeds(expired, k[1]), trust.ErrStaleSeedChange.Code, "expired at height 2")
	removeAll := &trustpb.SeedChange{SeedVersion: 0, ExpiresHeight: 100, Remove: []string{c.addr(0).String(), c.addr(1).String(), c.addr(2).String()}}
	refused("remove every seed", 0, updateSeeds(removeAll, k[1], k[2]), trust.ErrBadSeedChange.Code, "leaves 0 seeds")
	notSeed := &trustpb.SeedChange{SeedVersion: 0, ExpiresHeight: 100, Remove: []string{c.addr(4).String()}}
	refused("remove a non-seed", 0, updateSeeds(notSeed, k[1]), trust.ErrBadSeedChange.Code, "not a seed")

	// Two of three, relayed by a non-seed: applied, version 1.
	c.mustBlock(c.signed(3, updateSeeds(add5, k[0], k[1])))
	v := c.seeds()
	if v.Version != 1 || len(v.Seeds) != 4 {
		t.Fatalf("after the change: %+v", v)
	}
	// The same approvals again are stale.
	refused("replay", 3, updateSeeds(add5, k[0], k[1]), trust.ErrStaleSeedChange.Code, "version 0")
	// Now 4 seeds: 2 approvals are not enough (3·2 < 2·4), 3 are.
	drop2 := &trustpb.SeedChange{SeedVersion: 1, ExpiresHeight: 100, Remove: []string{c.addr(2).String()}}
	refused("2 of 4", 0, updateSeeds(drop2, k[1]), trust.ErrSeedApproval.Code, "2 of 4 voting seeds approve; at least 3")
	c.mustBlock(c.signed(5, updateSeeds(drop2, k[0], k[1])))
	v = c.seeds()
	if v.Version != 2 || len(v.Seeds) != 3 {
		t.Fatalf("after the second change: %+v", v)
	}
	for _, sd := range v.Seeds {
		if sd.Address == c.addr(2).String() {
			t.Fatal("2 still a seed")
		}
		if sd.Address == c.addr(5).String() && sd.PreTrust != trust.Dec(score.One/2) {
			t.Fatalf("pre-trust of 5: %v", sd.PreTrust)
		}
	}
	// The change reaches the scores at the next epoch: 5 is a seed now.
	c.untilEpoch(1000)
	if r, ok := c.score(c.addr(5)); !ok || r.Rank != 0 || score.Score(r.Datt) != score.One {
		t.Fatalf("new seed's score %+v %v", r, ok)
	}
	if _, ok := c.score(c.addr(2)); ok {
		t.Fatal("removed seed still scored (it has no trust from anyone)")
	}
}

// TestNoSeedsNoScores: a genesis without seeds keeps every score unknown,
// and no seed change can ever be approved.
func TestNoSeedsNoScores(t *testing.T) {
	c := newChain(t, 3, trustGenesis(2))
	c.block()
	c.mustBlock(c.signed(0, setMsg(c.addr(1), score.One)))
	c.untilEpoch(2)
	if _, ok := c.score(c.addr(1)); ok {
		t.Fatal("scored without seeds")
	}
	var ev trust.EpochView
	c.queryJSON("/trust/epoch", &ev)
	if !strings.Contains(ev.Note, "no seeds") {
		t.Fatalf("epoch note %q", ev.Note)
	}
	change := &trustpb.SeedChange{ExpiresHeight: 100, Add: []*trustpb.Seed{{Address: c.addr(0).String(), PreTrust: 1}}}
	res := c.block(c.signed(0, updateSeeds(change)))
	if r := res.TxResults[0]; r.Code != trust.ErrSeedApproval.Code || !strings.Contains(r.Log, "no voting seeds") {
		t.Fatalf("seed change without seeds: %d %s", r.Code, r.Log)
	}
}

// TestNonVotingSeeds: a non-voting seed (a keyless module account) is a
// root of trust for the scores, so its automatic edges count, but it takes
// no part in seed changes: it neither approves nor counts towards the two
// thirds, and a change may not leave only non-voting seeds.
func TestNonVotingSeeds(t *testing.T) {
	recorder := secp256k1.ModuleAddress("trust-test-recorder")
	tg := trustGenesis(1000, testKeyAddr(0), testKeyAddr(1))
	tg.Seeds = append(tg.Seeds, trust.GenesisSeed{Address: recorder.String(), PreTrust: trust.Dec(score.One), NonVoting: true})
	c := newChain(t, 4, tg)
	c.block()
	v := c.seeds()
	if len(v.Seeds) != 3 {
		t.Fatalf("seeds %+v", v)
	}
	// Two voting seeds: one approval is not enough (3·1 < 2·2), two are;
	// the non-voting seed does not count.
	add3 := &trustpb.SeedChange{SeedVersion: 0, ExpiresHeight: 100, Add: []*trustpb.Seed{{Address: c.addr(3).String(), PreTrust: int64(score.One)}}}
	res := c.block(c.signed(0, updateSeeds(add3)))
	if r := res.TxResults[0]; r.Code != trust.ErrSeedApproval.Code || !strings.Contains(r.Log, "1 of 2 voting seeds") {
		t.Fatalf("one of two: %d %s", r.Code, r.Log)
	}
	c.mustBlock(c.signed(0, updateSeeds(add3, c.Keys[1])))
	// Dropping every voting seed is refused even with everyone's approval.
	dropVoters := &trustpb.SeedChange{SeedVersion: 1, ExpiresHeight: 100, Remove: []string{c.addr(0).String(), c.addr(1).String(), c.addr(3).String()}}
	res = c.block(c.signed(0, updateSeeds(dropVoters, c.Keys[1], c.Keys[3])))
	if r := res.TxResults[0]; r.Code != trust.ErrBadSeedChange.Code || !strings.Contains(r.Log, "no voting seed") {
		t.Fatalf("dropping every voter: %d %s", r.Code, r.Log)
	}
	// Turning a voting seed into a non-voting one is a change like any other.
	demote := &trustpb.SeedChange{SeedVersion: 1, ExpiresHeight: 100, Add: []*trustpb.Seed{{Address: c.addr(3).String(), PreTrust: int64(score.One), NonVoting: true}}}
	c.mustBlock(c.signed(0, updateSeeds(demote, c.Keys[1])))
	for _, sd := range c.seeds().Seeds {
		if sd.Address == c.addr(3).String() && !sd.NonVoting {
			t.Fatal("3 still votes")
		}
	}
}
