package storage_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/app/apptest"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// pendingEnv registers an art and advances one block, so every commitment
// is unconfirmed and its proof range known.
func pendingEnv(t *testing.T) (*apptest.Chain, testArt) {
	c := newChain(t, func(p *storagepb.Params) { p.ChallengeInterval = 1_000_000 })
	c.Block()
	ta := makeArt(t, 1, 40_000, 0x1234)
	c.Exec(c.Keys[6], 0, apptest.Msg(storagepb.MsgRegisterArtType, ta.msg))
	c.Block()
	return c, ta
}

// firstCommitments returns the first two commitments of masternode i.
func firstCommitments(t *testing.T, c *apptest.Chain, i int) (types.Address, []*storagepb.Commitment) {
	mn := c.Keys[i].PubKey().Address()
	cms := storage.Keeper{}.MasternodeCommitments(c.Ctx(), mn, nil, 10000)
	if len(cms) < 2 {
		t.Fatalf("masternode %d holds %d commitments, want at least 2", i, len(cms))
	}
	return mn, cms
}

// stateOf is what a refused confirmation must leave untouched.
func stateOf(c *apptest.Chain, mn types.Address, cm *storagepb.Commitment) string {
	k := storage.Keeper{}
	now, _ := k.Commitment(c.Ctx(), cm.ArtId, cm.Stripe, cm.Index, mn)
	m, _ := k.Masternode(c.Ctx(), mn)
	a := art(c, cm.ArtId)
	return fmt.Sprintf("%v|%d|%d|%d|%v", now, m.ProvenBytes, k.ConfirmedHolders(c.Ctx(), cm.ArtId, cm.Stripe, cm.Index),
		k.ConfirmedCommitments(c.Ctx()), a.Status)
}

func confirmMsg(ta testArt, refs ...*storagepb.ChunkRef) *storagepb.MsgConfirmChunks {
	return &storagepb.MsgConfirmChunks{ArtId: ta.msg.ArchiveHash, Chunks: refs}
}

// TestConfirmationNeedsProofOfPossession: a confirmation is accepted only
// with the leaves the chain drew for that holder and chunk, from the
// randomness of the block after the assignment; anything else is refused
// and changes nothing.
func TestConfirmationNeedsProofOfPossession(t *testing.T) {
	c, ta := pendingEnv(t)
	k := storage.Keeper{}
	mn, cms := firstCommitments(t, c, 0)
	cm, other := cms[0], cms[1]
	good := proveRef(t, c, ta, cm, mn)
	before := stateOf(c, mn, cm)

	start, end, _ := k.ProofRange(c.Ctx(), cm, mn)
	payload := ta.chunk(cm.ChunkId).Payload
	leaves := uint32((len(payload) + 1023) / 1024)
	wrongStart := (start + 1) % leaves
	wrongRange, err := storagepb.ProvePossession(cm.Stripe, cm.Index, payload, wrongStart, min(wrongStart+end-start, leaves))
	if err != nil {
		t.Fatal(err)
	}
	otherChunk := proveRef(t, c, ta, other, mn)
	otherChunk.Stripe, otherChunk.Index = cm.Stripe, cm.Index
	tampered := proto.Clone(good).(*storagepb.ChunkRef)
	tampered.Leaves[0] ^= 1
	empty := &storagepb.ChunkRef{Stripe: cm.Stripe, Index: cm.Index}
	// Another holder's proof of the same chunk (copied from its confirmation).
	var stolen *storagepb.ChunkRef
	for i := 1; i < nMasternodes && stolen == nil; i++ {
		if h, ok := k.Commitment(c.Ctx(), cm.ArtId, cm.Stripe, cm.Index, c.Keys[i].PubKey().Address()); ok {
			stolen = proveRef(t, c, ta, h, c.Keys[i].PubKey().Address())
		}
	}
	cases := map[string]*storagepb.ChunkRef{"wrong leaves": wrongRange, "another chunk's proof": otherChunk,
		"tampered leaves": tampered, "no proof": empty}
	if stolen != nil && !bytes.Equal(stolen.Leaves, good.Leaves) {
		cases["another holder's proof"] = stolen
	}
	for name, ref := range cases {
		res := c.Exec(c.Keys[0], storage.ErrBadProof.Code, apptest.Msg(storagepb.MsgConfirmChunksType, confirmMsg(ta, ref)))
		if got := stateOf(c, mn, cm); got != before {
			t.Fatalf("%s: refused confirmation changed state:\n%s\n%s", name, before, got)
		}
		t.Logf("%s: %s", name, res.Log)
	}
	// A good proof next to a bad one in one message: nothing is confirmed.
	c.Exec(c.Keys[0], storage.ErrBadProof.Code, apptest.Msg(storagepb.MsgConfirmChunksType, confirmMsg(ta, proveRef(t, c, ta, other, mn), wrongRange)))
	if got, _ := k.Commitment(c.Ctx(), other.ArtId, other.Stripe, other.Index, mn); got.Confirmed {
		t.Fatal("a message with one bad proof confirmed its good one")
	}
	// The honest proof is accepted.
	c.Exec(c.Keys[0], 0, apptest.Msg(storagepb.MsgConfirmChunksType, confirmMsg(ta, good)))
	now, _ := k.Commitment(c.Ctx(), cm.ArtId, cm.Stripe, cm.Index, mn)
	m, _ := k.Masternode(c.Ctx(), mn)
	if !now.Confirmed || m.ProvenBytes != uint64(cm.PayloadLen) {
		t.Fatalf("honest proof: confirmed %v, proven bytes %d", now.Confirmed, m.ProvenBytes)
	}

	// Old randomness: after a loss report the commitment has a new window
	// and the old proof no longer confirms it.
	c.Exec(c.Keys[0], 0, apptest.Msg(storagepb.MsgReportLossType, &storagepb.MsgReportLoss{ArtId: ta.msg.ArchiveHash,
		Chunks: []*storagepb.ChunkRef{{Stripe: cm.Stripe, Index: cm.Index}}}))
	c.Block()
	reassigned, _ := k.Commitment(c.Ctx(), cm.ArtId, cm.Stripe, cm.Index, mn)
	fresh := proveRef(t, c, ta, reassigned, mn)
	if !bytes.Equal(fresh.Leaves, good.Leaves) {
		c.Exec(c.Keys[0], storage.ErrBadProof.Code, apptest.Msg(storagepb.MsgConfirmChunksType, confirmMsg(ta, good)))
	}
	c.Exec(c.Keys[0], 0, apptest.Msg(storagepb.MsgConfirmChunksType, confirmMsg(ta, fresh)))
	c.CheckSupply()
}

// TestConfirmTooEarly: the proof range is unknown in the block of
// the assignment (its randomness comes from the next block).
func TestConfirmTooEarly(t *testing.T) {
	c := newChain(t, func(p *storagepb.Params) { p.ChallengeInterval = 1_000_000 })
	c.Block()
	ta := makeArt(t, 1, 40_000, 0x1234)
	c.Exec(c.Keys[6], 0, apptest.Msg(storagepb.MsgRegisterArtType, ta.msg))
	mn, cms := firstCommitments(t, c, 0)
	if _, _, err := (storage.Keeper{}).ProofRange(c.Ctx(), cms[0], mn); !errors.Is(err, storage.ErrTooEarly) {
		t.Fatalf("proof range right after the assignment: %v, want ErrTooEarly", err)
	}
}

func mayFetch(t *testing.T, c *apptest.Chain, cm *storagepb.Commitment, who types.Address) storagepb.FetchRight {
	t.Helper()
	r := c.Query(fmt.Sprintf("/storage/may-fetch/%x/%d/%d/%s", cm.ArtId, cm.Stripe, cm.Index, who))
	if r.Code != 0 {
		t.Fatalf("may-fetch: %s", r.Log)
	}
	var fr storagepb.FetchRight
	if err := json.Unmarshal(r.Value, &fr); err != nil {
		t.Fatal(err)
	}
	return fr
}

// TestReportLossCostsAndReopensFetch: a confirmed holder may not fetch its
// own chunk; after reporting the loss it may, the chunk has left its proven
// bytes, the loss is counted, and an open challenge of the chunk fails.
func TestReportLossCostsAndReopensFetch(t *testing.T) {
	e := newChallengeEnv(t, nil)
	k := storage.Keeper{}
	ch := e.waitOpen(t)
	mn, _ := secp256k1.ParseAddress(ch.Masternode)
	cm, _ := k.Commitment(e.c.Ctx(), ch.ArtId, ch.Stripe, ch.Index, mn)
	if !cm.Confirmed {
		t.Fatal("challenged commitment is not confirmed")
	}
	if fr := mayFetch(t, e.c, cm, mn); fr.Allowed || !bytes.Contains([]byte(fr.Reason), []byte("report the loss")) {
		t.Fatalf("confirmed holder may fetch its own chunk: %+v", fr)
	}
	if fr := mayFetch(t, e.c, cm, e.c.Keys[6].PubKey().Address()); !fr.Allowed {
		t.Fatalf("the artist (edition owner) may not fetch: %+v", fr)
	}
	if fr := mayFetch(t, e.c, cm, e.c.Keys[7].PubKey().Address()); fr.Allowed {
		t.Fatalf("a stranger may fetch: %+v", fr)
	}
	before, _ := k.Masternode(e.c.Ctx(), mn)
	key := e.mnKey[ch.Masternode]
	loss := &storagepb.MsgReportLoss{ArtId: ch.ArtId, Chunks: []*storagepb.ChunkRef{{Stripe: ch.Stripe, Index: ch.Index}}}
	// A chunk named twice, or one not confirmed, is refused whole.
	twice := &storagepb.MsgReportLoss{ArtId: ch.ArtId, Chunks: []*storagepb.ChunkRef{{Stripe: ch.Stripe, Index: ch.Index}, {Stripe: ch.Stripe, Index: ch.Index}}}
	e.c.Exec(key, storage.ErrBadTicket.Code, apptest.Msg(storagepb.MsgReportLossType, twice))
	e.c.Exec(e.c.Keys[7], storage.ErrNoMasternode.Code, apptest.Msg(storagepb.MsgReportLossType, loss))
	e.c.Exec(key, 0, apptest.Msg(storagepb.MsgReportLossType, loss))
	after, _ := k.Masternode(e.c.Ctx(), mn)
	if after.LossesReported != before.LossesReported+1 || after.ProvenBytes != before.ProvenBytes-uint64(cm.PayloadLen) {
		t.Fatalf("loss report: losses %d -> %d, proven bytes %d -> %d", before.LossesReported, after.LossesReported, before.ProvenBytes, after.ProvenBytes)
	}
	if e.status(ch.Id) != storagepb.ChallengeStatus_CH_FAILED || after.ChallengesFailed != before.ChallengesFailed+1 {
		t.Fatalf("challenge of the lost chunk is %v after the report, want failed", e.status(ch.Id))
	}
	now, _ := k.Commitment(e.c.Ctx(), ch.ArtId, ch.Stripe, ch.Index, mn)
	if now.Confirmed {
		t.Fatal("lost chunk still confirmed")
	}
	if fr := mayFetch(t, e.c, now, mn); !fr.Allowed {
		t.Fatalf("after the loss report the holder may not fetch: %+v", fr)
	}
	e.c.Exec(key, storage.ErrNotConfirmed.Code, apptest.Msg(storagepb.MsgReportLossType, loss))
	// It proves the chunk again and is back.
	e.c.Block()
	e.c.Exec(key, 0, apptest.Msg(storagepb.MsgConfirmChunksType, confirmMsg(e.art, proveRef(t, e.c, e.art, now, mn))))
	if m, _ := k.Masternode(e.c.Ctx(), mn); m.ProvenBytes != before.ProvenBytes {
		t.Fatalf("re-confirmed: proven bytes %d, want %d", m.ProvenBytes, before.ProvenBytes)
	}
	e.c.CheckSupply()
}

// TestFailedChallengeUnprovesTheChunk: a missed challenge takes the chunk
// out of the masternode's proven bytes until it proves it again.
func TestFailedChallengeUnprovesTheChunk(t *testing.T) {
	e := newChallengeEnv(t, func(p *storagepb.Params) { p.ReassignFailures, p.JailFailures = 100, 100 })
	k := storage.Keeper{}
	ch := e.waitOpen(t)
	mn, _ := secp256k1.ParseAddress(ch.Masternode)
	before, _ := k.Masternode(e.c.Ctx(), mn)
	for e.status(ch.Id) == storagepb.ChallengeStatus_CH_OPEN {
		e.c.Block()
	}
	after, _ := k.Masternode(e.c.Ctx(), mn)
	cm, _ := k.Commitment(e.c.Ctx(), ch.ArtId, ch.Stripe, ch.Index, mn)
	if cm.Confirmed || after.ProvenBytes >= before.ProvenBytes {
		t.Fatalf("missed challenge: still confirmed %v, proven bytes %d -> %d", cm.Confirmed, before.ProvenBytes, after.ProvenBytes)
	}
}

// TestPaidChallengeIsABounty: the fee of a requested challenge waits in
// escrow, goes to the holder that proves, and back to the payer less the
// endowment's cut when the holder fails.
func TestPaidChallengeIsABounty(t *testing.T) {
	for _, passes := range []bool{true, false} {
		t.Run(fmt.Sprintf("passes=%v", passes), func(t *testing.T) {
			e := newChallengeEnv(t, func(p *storagepb.Params) { p.ChallengeInterval = 1_000_000 })
			bank := e.c.App.Bank()
			payer := e.c.Keys[7].PubKey().Address()
			fee := storage.DefaultParams().ChallengeFee
			e.c.Exec(e.c.Keys[7], 0, apptest.Msg(storagepb.MsgRequestChallengeType, &storagepb.MsgRequestChallenge{ArtId: e.art.msg.ArchiveHash}))
			open := e.open()
			if len(open) != 1 || open[0].Bounty != fee {
				t.Fatalf("open challenges %v, want one with bounty %d", open, fee)
			}
			ch := open[0]
			if got := bank.Balance(e.c.Ctx(), storage.BountyEscrow); got != fee {
				t.Fatalf("escrow holds %d, want %d", got, fee)
			}
			mn, _ := secp256k1.ParseAddress(ch.Masternode)
			mnBefore := bank.Balance(e.c.Ctx(), mn)
			payerBefore := bank.Balance(e.c.Ctx(), payer)
			endowBefore := bank.Balance(e.c.Ctx(), storage.Endowment)
			if passes {
				e.prove(t, e.mnKey[ch.Masternode], 0, e.answer(t, ch))
				if got := bank.Balance(e.c.Ctx(), mn) - mnBefore; got != fee-apptest.Fee {
					t.Fatalf("proving holder gained %d, want the bounty %d less its tx fee", got, fee)
				}
			} else {
				for e.status(ch.Id) == storagepb.ChallengeStatus_CH_OPEN {
					e.c.Block()
				}
				cut := fee * uint64(storage.DefaultParams().BountyCutPermille) / 1000
				if got := bank.Balance(e.c.Ctx(), payer) - payerBefore; got != fee-cut {
					t.Fatalf("payer refunded %d, want %d", got, fee-cut)
				}
				if got := bank.Balance(e.c.Ctx(), storage.Endowment) - endowBefore; got < cut {
					t.Fatalf("endowment gained %d, want at least the cut %d", got, cut)
				}
				if bank.Balance(e.c.Ctx(), mn) != mnBefore {
					t.Fatal("the failing holder was paid")
				}
			}
			if got := bank.Balance(e.c.Ctx(), storage.BountyEscrow); got != 0 {
				t.Fatalf("escrow keeps %d after the outcome", got)
			}
			e.c.CheckSupply()
		})
	}
}

// TestLossOfAChunkChallengedTwiceIsOneIncident: when several challenges are
// open on the chunk a holder reports lost, all of them fail, but it counts
// as one failure: one lost chunk must not jail a masternode that says so.
func TestLossOfAChunkChallengedTwiceIsOneIncident(t *testing.T) {
	e := newChallengeEnv(t, func(p *storagepb.Params) {
		p.ChallengeInterval = 1
		p.MaxChallengesPerBlock = 16
		p.ChallengeDeadline = 200
		p.JailFailures, p.ReassignFailures = 100, 100
	})
	k := storage.Keeper{}
	var pair []*storagepb.Challenge
	for i := 0; i < 100 && pair == nil; i++ {
		seen := map[string]*storagepb.Challenge{}
		for _, ch := range e.open() {
			pos := fmt.Sprintf("%s/%d/%d", ch.Masternode, ch.Stripe, ch.Index)
			if o, ok := seen[pos]; ok {
				pair = []*storagepb.Challenge{o, ch}
				break
			}
			seen[pos] = ch
		}
		if pair == nil {
			e.c.Block()
		}
	}
	if pair == nil {
		t.Fatal("no chunk challenged twice at once in 100 blocks")
	}
	mn, _ := secp256k1.ParseAddress(pair[0].Masternode)
	before, _ := k.Masternode(e.c.Ctx(), mn)
	loss := &storagepb.MsgReportLoss{ArtId: pair[0].ArtId, Chunks: []*storagepb.ChunkRef{{Stripe: pair[0].Stripe, Index: pair[0].Index}}}
	e.c.Exec(e.mnKey[pair[0].Masternode], 0, apptest.Msg(storagepb.MsgReportLossType, loss))
	after, _ := k.Masternode(e.c.Ctx(), mn)
	for _, ch := range pair {
		if st := e.status(ch.Id); st != storagepb.ChallengeStatus_CH_FAILED {
			t.Fatalf("challenge %d of the lost chunk is %v, want failed", ch.Id, st)
		}
	}
	if after.ChallengesFailed != before.ChallengesFailed+1 || len(after.RecentFailures) != len(before.RecentFailures)+1 {
		t.Fatalf("one lost chunk counted %d failures (%d recent)", after.ChallengesFailed-before.ChallengesFailed, len(after.RecentFailures)-len(before.RecentFailures))
	}
	e.c.CheckSupply()
}
