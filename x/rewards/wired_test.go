package rewards_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand"
	"testing"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/app/apptest"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/rewards"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
	"github.com/pastelchain/pastel/x/trust"
	"github.com/pastelchain/pastel/x/trust/score"
)

// The app as wired (app.Modules()): real storage masternodes hold a real
// art and never answer their challenges. At every settlement the masternodes'
// payouts are exactly their proven-bytes shares of the pool as storage
// reports them at that block, and those storage withholds get nothing —
// their shares are accounted as withheld.
func TestWiredWithStorage(t *testing.T) {
	const nMN, collateral = 6, 1_000_000 * rewards.Coin
	c := apptest.New(t, "", 8, 10*collateral, func(g app.GenesisState) {
		p := storage.DefaultParams()
		p.Replication = 3
		p.ChallengeInterval = 5
		p.MaxChallengesPerBlock = 4
		p.ChallengeDeadline = 8
		p.WithholdBlocks = 10
		p.FailureWindow = 1000
		p.ReassignFailures = 1000
		p.JailFailures = 1000
		gen := storage.Genesis{Params: p}
		for i := 0; i < nMN; i++ {
			k := apptest.Key(i)
			gen.Masternodes = append(gen.Masternodes, storage.GenesisMasternode{
				Address: k.PubKey().Address().String(), PubKey: hex.EncodeToString(k.PubKey().Bytes()),
				URL: fmt.Sprintf("http://127.0.0.1:%d", 7100+i), Collateral: collateral,
			})
		}
		g["storage"], _ = json.Marshal(gen)
		rp := rewards.DefaultParams()
		rp.EpochLength = 10
		rp.EmissionEpochs = 1000
		rp.ValidatorsSharePPM = 0
		rp.EndowmentReleasePPB = 100_000_000
		g["rewards"], _ = json.Marshal(rewards.Genesis{Params: rp})
	})
	c.Block()
	msg, chunks := registerMsg(t)
	c.Exec(c.Keys[6], 0, apptest.Msg(storagepb.MsgRegisterArtType, msg))
	if c.App.Bank().Balance(c.Ctx(), rewards.Endowment) == 0 {
		t.Fatal("registration fee did not reach the endowment")
	}
	// The proofs of possession draw from the next block's randomness.
	c.Block()
	var txs [][]byte
	for i := 0; i < nMN; i++ {
		var refs []*storagepb.ChunkRef
		mn := c.Keys[i].PubKey().Address()
		for _, cm := range (storage.Keeper{}).MasternodeCommitments(c.Ctx(), mn, nil, 10000) {
			start, end, err := storage.Keeper{}.ProofRange(c.Ctx(), cm, mn)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := storagepb.ProvePossession(cm.Stripe, cm.Index, chunks[string(cm.ChunkId)], start, end)
			if err != nil {
				t.Fatal(err)
			}
			refs = append(refs, ref)
		}
		if len(refs) > 0 {
			txs = append(txs, c.Sign(c.Keys[i], apptest.Msg(storagepb.MsgConfirmChunksType, &storagepb.MsgConfirmChunks{ArtId: msg.ArchiveHash, Chunks: refs})))
		}
	}
	c.Block(txs...)
	a, _ := (storage.Keeper{}).Art(c.Ctx(), msg.ArchiveHash)
	txs = nil
	for _, at := range a.Attestations {
		for i := 0; i < nMN; i++ {
			if c.Keys[i].PubKey().Address().String() == at.Attester {
				txs = append(txs, c.Sign(c.Keys[i], apptest.Msg(storagepb.MsgAttestType, &storagepb.MsgAttest{ArtId: msg.ArchiveHash, Fingerprint: msg.Fingerprint, Ok: true})))
			}
		}
	}
	c.Block(txs...)

	k := rewards.Keeper{Bank: bank.Keeper{}}
	var paid, withheld uint64
	for n := int64(0); n < 8; n++ {
		settle := 1 + (n+2)*10
		for c.Height < settle-1 {
			c.Block()
			c.CheckSupply()
		}
		// What storage will report at the settlement block.
		ctx := c.Ctx()
		ctx.Height = settle
		ws := (storage.Keeper{}).RewardWeights(ctx)
		st, _ := k.Status(c.Ctx())
		pool := st.Pending.Amount
		before := map[types.Address]uint64{}
		total := new(big.Int)
		for _, w := range ws {
			before[w.Address] = c.App.Bank().Balance(c.Ctx(), w.Address)
			total.Add(total, new(big.Int).SetUint64(w.ProvenBytes))
		}
		c.Block()
		c.CheckSupply()
		var wantWithheld uint64
		for _, w := range ws {
			share := uint64(0)
			if total.Sign() > 0 {
				s := new(big.Int).Mul(new(big.Int).SetUint64(pool), new(big.Int).SetUint64(w.ProvenBytes))
				share = s.Quo(s, total).Uint64()
			}
			got := c.App.Bank().Balance(c.Ctx(), w.Address) - before[w.Address]
			switch {
			case w.GoodStanding && got != share:
				t.Fatalf("epoch %d: %s in good standing got %d, want %d", n, w.Address, got, share)
			case !w.GoodStanding && got != 0:
				t.Fatalf("epoch %d: withheld %s got %d", n, w.Address, got)
			case !w.GoodStanding:
				wantWithheld += share
			}
		}
		r, ok := k.EpochRecord(c.Ctx(), uint64(n))
		if !ok || r.Withheld != wantWithheld || r.Pool != pool {
			t.Fatalf("epoch %d: record %v, want withheld %d of pool %d", n, r, wantWithheld, pool)
		}
		paid += r.MasternodesPaid
		withheld += r.Withheld
	}
	if paid == 0 || withheld == 0 {
		t.Fatalf("paid %d, withheld %d: the run should see both", paid, withheld)
	}
}

// registerMsg builds a registration and the payloads of its chunks by id.
func registerMsg(t *testing.T) (*storagepb.MsgRegisterArt, map[string][]byte) {
	img := make([]byte, 40_000)
	rand.New(rand.NewSource(1)).Read(img)
	archive, h, err := codec.BuildArchive(codec.Metadata{Title: "art"}, []codec.ArchiveFile{codec.FileFromBytes("image.png", img)})
	if err != nil {
		t.Fatal(err)
	}
	m, chunks, err := codec.Encode(archive, codec.Params{ChunkSize: 4096, Redundancy: 4})
	if err != nil {
		t.Fatal(err)
	}
	msg := &storagepb.MsgRegisterArt{Title: "Sunflowers", MetadataHash: bytes.Repeat([]byte{1}, 32), ArchiveHash: h[:],
		ArchiveSize: uint64(len(archive)), ChunkSize: 4096, Redundancy: 4, Fingerprint: 0x1234, Editions: 3, MaxFee: 1 << 62}
	for _, id := range m.ChunkIDs {
		msg.ChunkIds = append(msg.ChunkIds, append([]byte(nil), id[:]...))
	}
	payloads := map[string][]byte{}
	for _, ch := range chunks {
		payloads[string(ch.ID[:])] = ch.Payload
	}
	return msg, payloads
}

// The trust keeper plugs in through TrustOf: an identity no epoch reached
// is unknown.
func TestTrustKeeperAdapter(t *testing.T) {
	c := apptest.New(t, "", 1, balance, nil)
	var ts rewards.TrustScores = rewards.TrustOf[score.Score](trust.Keeper{})
	if s, known := ts.Score(c.Ctx(), addr(0)); known || s != 0 {
		t.Fatalf("unknown identity scored %d, known %v", s, known)
	}
}
