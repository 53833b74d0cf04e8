package storage_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/pastelchain/pastel/app/apptest"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// TestBenchProofsPerBlock measures how many challenge answers one block can
// apply: open many challenges, answer them in one block of ProveChunks
// transactions (256 proofs each) and time FinalizeBlock + Commit. A figure,
// not a pass/fail timing: runs with PASTEL_BENCH=1.
func TestBenchProofsPerBlock(t *testing.T) {
	if os.Getenv("PASTEL_BENCH") != "1" {
		t.Skip("measurement; run with PASTEL_BENCH=1 (make bench)")
	}
	e := newChallengeEnv(t, func(p *storagepb.Params) {
		p.ChallengeInterval = 1
		p.MaxChallengesPerBlock = 256
		p.ChallengeDeadline = 1000
	})
	for i := 0; i < 12; i++ {
		e.c.Block()
	}
	var txs [][]byte
	total := 0
	for i := 0; i < nMasternodes; i++ {
		k := e.c.Keys[i]
		open := storage.Keeper{}.OpenChallenges(e.c.Ctx(), k.PubKey().Address(), 100000)
		for len(open) > 0 {
			n := min(len(open), storagepb.MaxProofsPerMsg)
			var proofs []*storagepb.ChunkProof
			for _, ch := range open[:n] {
				proofs = append(proofs, e.answer(t, ch))
			}
			open = open[n:]
			total += n
			txs = append(txs, e.c.Sign(k, apptest.Msg(storagepb.MsgProveChunksType, &storagepb.MsgProveChunks{Proofs: proofs})))
		}
	}
	start := time.Now()
	res := e.c.Block(txs...)
	d := time.Since(start)
	for _, r := range res.TxResults {
		if r.Code != 0 {
			t.Fatal(r.Log)
		}
	}
	fmt.Printf("challenge answers applied on-chain: %d proofs in %d txs in one block took %s = %.0f µs per proof, %.0f proofs per second of block execution\n",
		total, len(txs), d.Round(time.Millisecond), float64(d.Microseconds())/float64(total), float64(total)/d.Seconds())
}
