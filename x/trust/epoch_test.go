package trust_test

import (
	"testing"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/trust"
	"github.com/pastelchain/pastel/x/trust/score"
)

func abs(x score.Score) score.Score {
	if x < 0 {
		return -x
	}
	return x
}

// referenceDATT is the DATT graph; identity i is key i.
var referenceDATT = []struct {
	from, to int
	w        float64
}{
	{0, 1, .1}, {0, 2, .9}, {0, 3, .8}, {0, 4, .5},
	{1, 5, .5}, {2, 6, .9}, {3, 5, .3}, {4, 5, .5},
}

// submitEdges sends every edge as a SetTrust transaction from its truster,
// one transaction per truster, in one block.
func submitEdges(c *chain, edges []struct {
	from, to int
	w        float64
}) {
	c.T.Helper()
	byFrom := map[int][]int{}
	var order []int
	for i, e := range edges {
		if _, ok := byFrom[e.from]; !ok {
			order = append(order, e.from)
		}
		byFrom[e.from] = append(byFrom[e.from], i)
	}
	var txs [][]byte
	for _, f := range order {
		var ms []*txpb.Msg
		for _, i := range byFrom[f] {
			ms = append(ms, setMsg(c.addr(edges[i].to), s(edges[i].w)))
		}
		txs = append(txs, c.signed(f, ms...))
	}
	c.mustBlock(txs...)
}

// TestDATTReferenceThroughChain: the DATT vector with key 0 as the
// only genesis seed, edges submitted as transactions: score(5) = 0.23 and
// score(6) = 0.81 exactly, stored, proven and explained.
func TestDATTReferenceThroughChain(t *testing.T) {
	c := newChain(t, 7, trustGenesis(5, testKeyAddr(0)))
	c.block()
	submitEdges(c, referenceDATT)
	// Before the epoch nothing is scored yet.
	if _, ok := c.score(c.addr(5)); ok {
		t.Fatal("scored before the first epoch")
	}
	c.untilEpoch(5)
	want := map[int]struct {
		datt score.Score
		rank int32
	}{0: {score.One, 0}, 1: {s(.1), 1}, 2: {s(.9), 1}, 3: {s(.8), 1}, 4: {s(.5), 1}, 5: {s(.23), 2}, 6: {s(.81), 2}}
	for i, w := range want {
		r, ok := c.score(c.addr(i))
		if !ok || score.Score(r.Datt) != w.datt || r.Rank != w.rank {
			t.Errorf("identity %d: DATT %v rank %d (known %v), want %v rank %d", i, score.Score(r.Datt), r.Rank, ok, w.datt, w.rank)
		}
	}
	// The chain's results are exactly the core's.
	ep, err := score.ComputeEpoch(coreEdges(c, referenceDATT), []score.Seed{{ID: c.addr(0).String(), PreTrust: score.One}}, trust.DefaultParams().ScoreParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ep.Nodes {
		a := mustAddr(t, n.ID)
		r, _ := c.score(a)
		if score.Score(r.Eigen) != n.Eigen || score.Score(r.EigenNorm) != n.EigenNorm || score.Score(r.Combined) != n.Combined {
			t.Errorf("%s: chain eigen %d norm %d combined %d, core %d %d %d", n.ID, r.Eigen, r.EigenNorm, r.Combined, n.Eigen, n.EigenNorm, n.Combined)
		}
	}
	// Why 5: contributions from 1, 3, 4 and the strongest path 0 → 3 → 5.
	var why trust.WhyView
	c.queryJSON("/trust/why/"+c.addr(5).String(), &why)
	if why.DATT != trust.Dec(s(.23)) || len(why.Contributions) != 3 || !why.MatchesEpoch || why.Stored == nil || why.Stored.DATT != why.DATT {
		t.Fatalf("why: %+v", why)
	}
	path := []types.Address{c.addr(0), c.addr(3), c.addr(5)}
	if len(why.Path) != 3 {
		t.Fatalf("path %+v", why.Path)
	}
	for i, st := range why.Path {
		if st.Address != path[i].String() {
			t.Fatalf("path step %d is %s, want %s", i, st.Address, path[i])
		}
	}
	if why.Path[1].Weight != trust.Dec(s(.8)) || why.Path[2].Weight != trust.Dec(s(.3)) {
		t.Fatalf("path weights %+v", why.Path)
	}
	// Top 3 by combined score, highest first, as the core ranks them.
	var top []trust.ScoreView
	c.queryJSON("/trust/top/3", &top)
	coreTop := score.TopN(ep.Combined(), 3)
	if len(top) != 3 {
		t.Fatalf("top %+v", top)
	}
	for i := range top {
		if top[i].Address != coreTop[i].ID || top[i].Combined != trust.Dec(coreTop[i].Score) {
			t.Errorf("top[%d] = %s %v, core %s %v", i, top[i].Address, top[i].Combined, coreTop[i].ID, coreTop[i].Score)
		}
	}
	// DATT from another viewpoint, computed on demand: from 3, 5 is 0.3.
	var vp trust.ViewpointView
	c.queryJSON("/trust/viewpoint/"+c.addr(3).String()+"/"+c.addr(5).String(), &vp)
	if !vp.Reached || vp.DATT != trust.Dec(s(.3)) || vp.Rank != 1 {
		t.Fatalf("viewpoint %+v", vp)
	}
	c.queryJSON("/trust/viewpoint/"+c.addr(3).String()+"/"+c.addr(6).String(), &vp)
	if vp.Reached {
		t.Fatalf("6 reached from 3: %+v", vp)
	}
	var whyVP trust.WhyView
	c.queryJSON("/trust/why/"+c.addr(5).String()+"/"+c.addr(3).String(), &whyVP)
	if whyVP.DATT != trust.Dec(s(.3)) || whyVP.From != c.addr(3).String() || len(whyVP.Path) != 2 {
		t.Fatalf("why from viewpoint %+v", whyVP)
	}
	var ev trust.EpochView
	c.queryJSON("/trust/epoch", &ev)
	if ev.Epoch != 1 || ev.Height != 5 || ev.Identities != 7 || ev.Edges != 8 || !ev.EigenConverged || ev.NextHeight != 10 {
		t.Fatalf("epoch %+v", ev)
	}
	// After an edge changes, why says it no longer matches the epoch.
	c.mustBlock(c.signed(3, setMsg(c.addr(5), s(.9))))
	c.queryJSON("/trust/why/"+c.addr(5).String(), &why)
	if why.MatchesEpoch || why.Stored.DATT != trust.Dec(s(.23)) || why.DATT == why.Stored.DATT {
		t.Fatalf("why after a change: %+v", why)
	}
}

// TestEigenTrustReferenceThroughChain: the EigenTrust vector with
// a = 0.5, seeds ek (pre-trust 0.5) and vm (1) from genesis and the local
// trust as edges (100 → 1, 75 → 0.75; row normalization removes the scale).
func TestEigenTrustReferenceThroughChain(t *testing.T) {
	const ek, sd, vm = 0, 1, 2
	tg := trustGenesis(3)
	tg.Params.EigenAlpha = trust.Dec(score.One / 2)
	tg.Params.EigenEpsilon = 10
	tg.Seeds = []trust.GenesisSeed{{Address: testKeyAddr(ek).String(), PreTrust: trust.Dec(score.One / 2)}, {Address: testKeyAddr(vm).String(), PreTrust: trust.Dec(score.One)}}
	c := newChain(t, 3, tg)
	c.block()
	c.mustBlock(c.signed(ek, setMsg(c.addr(sd), score.One), setMsg(c.addr(vm), s(.75))), c.signed(vm, setMsg(c.addr(sd), score.One)))
	c.untilEpoch(3)
	want := map[int]struct {
		six   float64
		exact score.Score // 28/129, 39/129, 62/129
	}{ek: {.217054, 217_054_263}, sd: {.302326, 302_325_581}, vm: {.480620, 480_620_155}}
	for i, w := range want {
		r, ok := c.score(c.addr(i))
		if !ok {
			t.Fatalf("%d not scored", i)
		}
		got := score.Score(r.Eigen)
		if abs(got-s(w.six)) > 1000 || abs(got-w.exact) > 12 {
			t.Errorf("identity %d: EigenTrust %v, want %v (exactly %v within 12 parts per 10^9)", i, got, w.six, w.exact)
		}
	}
}

func testKeyAddr(i int) types.Address { return addr(testKey(i)) }

// coreEdges are edges with bech32 identities, for the score package.
func coreEdges(c *chain, edges []struct {
	from, to int
	w        float64
}) []score.Edge {
	out := make([]score.Edge, len(edges))
	for i, e := range edges {
		out[i] = score.Edge{From: c.addr(e.from).String(), To: c.addr(e.to).String(), Weight: s(e.w)}
	}
	return out
}

func mustAddr(t testing.TB, s string) types.Address {
	a, err := secp256k1.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
