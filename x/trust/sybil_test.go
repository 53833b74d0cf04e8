package trust_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/trust"
	"github.com/pastelchain/pastel/x/trust/score"
)

// sybilChain runs a chain with 30 honest identities (keys 0..29, seeds 0, 1
// and 2 unless uniform), the honest non-seed 15 trusting Sybil 30 with 0.5,
// and k Sybils (keys 30..29+k) each fully trusting the next min(k−1, 10).
// With uniform, every identity is a seed with the same pre-trust: the
// failure the seeds guard against. It returns the chain after one epoch.
func sybilChain(t *testing.T, k int, uniform bool) *chain {
	const honest, attacker = 30, 15
	n := honest + k
	tg := trustGenesis(4, testKeyAddr(0), testKeyAddr(1), testKeyAddr(2))
	tg.Params.EigenEpsilon = 10
	tg.Params.EigenMaxIterations = 1000
	tg.Params.MaxSeeds = 100
	if uniform {
		tg.Seeds = nil
		for i := 0; i < n; i++ {
			tg.Seeds = append(tg.Seeds, trust.GenesisSeed{Address: testKeyAddr(i).String(), PreTrust: trust.Dec(score.One)})
		}
	}
	c := newChain(t, n, tg)
	c.block()
	rng := rand.New(rand.NewPCG(7, 7)) // the same honest graph every time
	var txs [][]byte
	for i := 0; i < honest; i++ {
		var msgs []*txpb.Msg
		for _, j := range rng.Perm(honest)[:6] {
			if j != i {
				msgs = append(msgs, setMsg(c.addr(j), score.Score(rng.Int64N(int64(score.One)*7/10))+score.One*3/10))
			}
		}
		if i == attacker {
			msgs = append(msgs, setMsg(c.addr(honest), score.One/2))
		}
		txs = append(txs, c.signed(i, msgs...))
	}
	for i := 0; i < k; i++ {
		var msgs []*txpb.Msg
		for d := 1; d <= min(k-1, 10); d++ {
			msgs = append(msgs, setMsg(c.addr(honest+(i+d)%k), score.One))
		}
		txs = append(txs, c.signed(honest+i, msgs...))
	}
	c.mustBlock(txs...)
	c.untilEpoch(4)
	return c
}

// TestSybilRegionThroughChain is the Sybil property end to end: edges as
// transactions, seeds from genesis, scores read from the chain. The
// region's EigenTrust stays below (1−a)/a × the trust flowing over the
// attack edge whatever its size, and its DATT below the honest median; with
// every identity pre-trusted the region's share grows with its size.
func TestSybilRegionThroughChain(t *testing.T) {
	const honest, attacker = 30, 15
	a := score.DefaultParams().Eigen.Alpha
	regionMass := func(c *chain, k int) int64 {
		var m int64
		for i := honest; i < honest+k; i++ {
			if r, ok := c.score(c.addr(i)); ok {
				m += r.Eigen
			}
		}
		return m
	}
	var seeded, uniform []int64
	var bestSybil []score.Score
	for _, k := range []int{10, 40} {
		c := sybilChain(t, k, false)
		// Trust over the attack edge: t(attacker) · c(attacker → Sybil).
		var rowSum int64
		for _, e := range (trust.Keeper{}).OutEdges(c.ctx(), c.addr(attacker)) {
			if e.Weight > 0 {
				rowSum += int64(e.Weight)
			}
		}
		ra, _ := c.score(c.addr(attacker))
		flow := float64(ra.Eigen) * float64(score.One/2) / float64(rowSum)
		bound := float64(score.One-a) / float64(a) * flow
		m := regionMass(c, k)
		// Slack: the rounding of the stored shares and the distance to the
		// fixed point (epsilon·(1−a)/a = 40 parts per 10^9).
		if float64(m) > bound+100 {
			t.Errorf("k=%d: region holds %d parts per 10^9 > (1−a)/a·t·c = %.0f", k, m, bound)
		}
		seeded = append(seeded, m)

		var honestDATT []score.Score
		for i := 0; i < honest; i++ {
			if r, ok := c.score(c.addr(i)); ok && r.Rank >= 0 {
				honestDATT = append(honestDATT, score.Score(r.Datt))
			}
		}
		slices.Sort(honestDATT)
		top := -score.One
		for i := honest; i < honest+k; i++ {
			if r, ok := c.score(c.addr(i)); ok && r.Rank >= 0 {
				top = max(top, score.Score(r.Datt))
			}
		}
		if median := honestDATT[len(honestDATT)/2]; top >= median || len(honestDATT) < 25 {
			t.Errorf("k=%d: best Sybil DATT %v, honest median %v (%d honest scored)", k, top, median, len(honestDATT))
		}
		bestSybil = append(bestSybil, top)
		t.Logf("k=%d: region EigenTrust %v (bound %.0f parts), best Sybil DATT %v, attacker DATT %v", k, score.Score(m), bound, top, score.Score(ra.Datt))

		u := sybilChain(t, k, true)
		uniform = append(uniform, regionMass(u, k))
	}
	if d := seeded[1] - seeded[0]; d > 100 || d < -100 {
		t.Errorf("seeded region mass depends on its size: %d vs %d", seeded[0], seeded[1])
	}
	if bestSybil[0] != bestSybil[1] {
		t.Errorf("best Sybil DATT depends on the region size: %v vs %v", bestSybil[0], bestSybil[1])
	}
	// Without seeds the region's share grows with its size and dwarfs the
	// seeded one.
	if uniform[1] <= uniform[0] || uniform[1] < 10*seeded[1] {
		t.Errorf("uniform pre-trust: region %v -> %v, seeded %v: the failure does not show", score.Score(uniform[0]), score.Score(uniform[1]), score.Score(seeded[1]))
	}
	t.Logf("uniform pre-trust: region EigenTrust %v (k=10) and %v (k=40)", score.Score(uniform[0]), score.Score(uniform[1]))
}
