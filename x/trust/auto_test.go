package trust

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pastelchain/pastel/x/trust/score"
)

func TestRecordOutcomeRule(t *testing.T) {
	ctx := newTestCtx(t, Genesis{Params: DefaultParams(), Seeds: []GenesisSeed{}})
	k := Keeper{}
	a, b := testAddr(0), testAddr(1)
	// From 0: good → 0.05, good → 0.05 + 0.05·0.95 = 0.0975, bad → 0.0975 +
	// 0.2·(−1.0975) = −0.122, exactly in parts per 10^9.
	steps := []struct {
		good bool
		want score.Score
	}{{true, 50_000_000}, {true, 97_500_000}, {false, -122_000_000}, {true, -65_900_000}}
	for i, st := range steps {
		if err := k.RecordOutcome(ctx, a, b, st.good); err != nil {
			t.Fatal(err)
		}
		e, ok := k.AutoEdge(ctx, a, b)
		if !ok || score.Score(e.Auto) != st.want {
			t.Fatalf("step %d: %v, want %v", i, score.Score(e.Auto), st.want)
		}
	}
	e, _ := k.AutoEdge(ctx, a, b)
	if _, au := k.EdgeCount(ctx, a); e.Good != 3 || e.Bad != 1 || au != 1 {
		t.Fatalf("counts %+v, %d automatic edges", e, au)
	}
	if err := k.RecordOutcome(ctx, a, a, true); !errors.Is(err, ErrSelfEdge) {
		t.Fatalf("self outcome: %v", err)
	}
}

// TestRecordOutcomeStaysInRange: any sequence of outcomes with any steps
// keeps the weight in [−1, 1], and floor rounding never overshoots ±1.
func TestRecordOutcomeStaysInRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for trial := 0; trial < 200; trial++ {
		good := score.Score(rng.Int64N(int64(score.One) + 1))
		bad := score.Score(rng.Int64N(int64(score.One) + 1))
		if trial%10 == 0 {
			good, bad = score.One, score.One
		}
		w := score.Score(rng.Int64N(2*int64(score.One)+1)) - score.One
		for i := 0; i < 200; i++ {
			prev := w
			if rng.IntN(2) == 0 {
				w = StepTowards(w, score.One, good)
				if w < prev || w > score.One {
					t.Fatalf("good step %v from %v gave %v", good, prev, w)
				}
			} else {
				w = StepTowards(w, -score.One, bad)
				if w > prev || w < -score.One {
					t.Fatalf("bad step %v from %v gave %v", bad, prev, w)
				}
			}
		}
	}
}

func TestAutoEdgeEvictionAndManualPrecedence(t *testing.T) {
	p := DefaultParams()
	p.MaxAutoEdgesPerAccount = 3
	p.EpochBlocks = 1
	ctx := newTestCtx(t, Genesis{Params: p, Seeds: []GenesisSeed{{Address: testAddr(0).String(), PreTrust: Dec(score.One)}}})
	k := Keeper{}
	s := testAddr(0)
	// 1: strongly trusted, 2: distrusted, 3: barely touched (closest to 0).
	for i := 0; i < 10; i++ {
		ctx.Height = int64(10 + i)
		_ = k.RecordOutcome(ctx, s, testAddr(1), true)
		_ = k.RecordOutcome(ctx, s, testAddr(2), false)
	}
	ctx.Height = 30
	_ = k.RecordOutcome(ctx, s, testAddr(3), true)
	_ = k.RecordOutcome(ctx, s, testAddr(3), false) // 0.05 → −0.16
	if _, au := k.EdgeCount(ctx, s); au != 3 {
		t.Fatal("count")
	}
	// A fourth target evicts the edge closest to neutral: 3.
	ctx.Height = 31
	if err := k.RecordOutcome(ctx, s, testAddr(4), true); err != nil {
		t.Fatal(err)
	}
	if _, ok := k.AutoEdge(ctx, s, testAddr(3)); ok {
		t.Fatal("3 was not evicted")
	}
	for _, i := range []int{1, 2, 4} {
		if _, ok := k.AutoEdge(ctx, s, testAddr(i)); !ok {
			t.Fatalf("%d evicted", i)
		}
	}
	if _, au := k.EdgeCount(ctx, s); au != 3 {
		t.Fatal("count after eviction")
	}

	// In the epoch the automatic edge counts until a manual edge to the
	// same target replaces it, and again after the manual one is removed.
	epochDATT := func(i int) score.Score {
		ctx.Height++
		if err := k.runEpoch(ctx); err != nil {
			t.Fatal(err)
		}
		r, ok := k.Result(ctx, testAddr(i))
		if !ok {
			t.Fatalf("%d not scored", i)
		}
		return score.Score(r.Datt)
	}
	auto2, _ := k.AutoEdge(ctx, s, testAddr(2))
	if d := epochDATT(2); d != score.Score(auto2.Auto) || d >= 0 {
		t.Fatalf("DATT of 2 from the automatic edge: %v, edge %v", d, score.Score(auto2.Auto))
	}
	if _, _, err := k.SetEdge(ctx, s, testAddr(2), score.One/2); err != nil {
		t.Fatal(err)
	}
	if d := epochDATT(2); d != score.One/2 {
		t.Fatalf("manual edge does not win: %v", d)
	}
	if _, err := k.RemoveEdge(ctx, s, testAddr(2)); err != nil {
		t.Fatal(err)
	}
	if d := epochDATT(2); d != score.Score(auto2.Auto) {
		t.Fatalf("automatic edge not back: %v", d)
	}
	if !k.IsDistrusted(ctx, testAddr(2)) || k.IsDistrusted(ctx, testAddr(1)) || k.IsDistrusted(ctx, testAddr(77)) {
		t.Fatal("IsDistrusted")
	}
	if c, known := k.Score(ctx, testAddr(77)); known || c != 0 {
		t.Fatal("unknown identity has a score")
	}

	// With automatic edges off, outcomes change nothing.
	p.MaxAutoEdgesPerAccount = 0
	k.setParams(ctx, p)
	_ = k.RecordOutcome(ctx, s, testAddr(5), true)
	if _, ok := k.AutoEdge(ctx, s, testAddr(5)); ok {
		t.Fatal("automatic edge written while off")
	}
}

// TestEpochNotConverged: when EigenTrust hits its iteration cap the epoch
// still stores the (deterministic) last iterate and says so.
func TestEpochNotConverged(t *testing.T) {
	p := DefaultParams()
	p.EigenMaxIterations = 2
	p.EigenEpsilon = 1
	ctx := newTestCtx(t, Genesis{Params: p, Seeds: []GenesisSeed{{Address: testAddr(0).String(), PreTrust: Dec(score.One)}},
		Edges: []GenesisEdge{
			{From: testAddr(0).String(), To: testAddr(1).String(), Weight: Dec(score.One)},
			{From: testAddr(1).String(), To: testAddr(2).String(), Weight: Dec(score.One / 2)},
			{From: testAddr(2).String(), To: testAddr(0).String(), Weight: Dec(score.One)},
		}})
	ctx.Height = 100
	k := Keeper{}
	if err := k.runEpoch(ctx); err != nil {
		t.Fatal(err)
	}
	info, _ := k.Epoch(ctx)
	if info.EigenConverged || info.EigenIterations != 2 || !strings.Contains(info.Note, "did not converge in 2 iterations") || info.Identities != 3 {
		t.Fatalf("epoch %+v", info)
	}
	if r, ok := k.Result(ctx, testAddr(2)); !ok || r.Eigen == 0 || r.Datt != int64(score.One/2) {
		t.Fatalf("result %+v %v", r, ok)
	}
}

// TestOutcomesFromANonVotingSeedCount: automatic edges recorded under a
// keyless identity (as storage does under its challenger) reach the scores
// once that identity is a (non-voting) seed, and not before.
func TestOutcomesFromANonVotingSeedCount(t *testing.T) {
	recorder := testAddr(90)
	run := func(seeded bool) (score.Score, bool) {
		seeds := []GenesisSeed{{Address: testAddr(0).String(), PreTrust: Dec(score.One)}}
		if seeded {
			seeds = append(seeds, GenesisSeed{Address: recorder.String(), PreTrust: Dec(score.One / 2), NonVoting: true})
		}
		ctx := newTestCtx(t, Genesis{Params: DefaultParams(), Seeds: seeds})
		k := Keeper{}
		for i := 0; i < 3; i++ {
			if err := k.RecordOutcome(ctx, recorder, testAddr(5), false); err != nil {
				t.Fatal(err)
			}
		}
		ctx.Height = 100
		if err := k.runEpoch(ctx); err != nil {
			t.Fatal(err)
		}
		r, ok := k.Result(ctx, testAddr(5))
		return score.Score(r.GetDatt()), ok
	}
	if _, ok := run(false); ok {
		t.Fatal("outcomes from an identity nobody trusts reached the scores")
	}
	// Three failures: 0 → −0.2 → −0.36 → −0.488.
	if d, ok := run(true); !ok || d != -488_000_000 {
		t.Fatalf("DATT %v %v, want -0.488", d, ok)
	}
}
