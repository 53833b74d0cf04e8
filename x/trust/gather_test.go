package trust

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/trust/score"
)

// newTestCtx is a context over an in-memory IAVL tree with the trust
// genesis g applied.
func newTestCtx(t testing.TB, g Genesis) *types.Context {
	t.Helper()
	ctx := types.NewContext(store.NewMemTree(), "trust-unit", 1, time.Unix(0, 0))
	raw, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if err := (Module{}).InitGenesis(ctx, raw); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func testAddr(i int) types.Address { return secp256k1.ModuleAddress(fmt.Sprintf("trust-test-%d", i)) }

type testEdge struct {
	from, to int
	w        score.Score
	auto     bool
}

// randomWorld writes a random graph: n identities, the first three seeds,
// manual and automatic edges (some pairs have both), plus a region the seeds
// reach by no positive edge, with edges into the honest part.
func randomWorld(t testing.TB, rng *rand.Rand, n int, p Params) (*types.Context, []testEdge) {
	g := Genesis{Params: p, Seeds: []GenesisSeed{}}
	for i := 0; i < 3; i++ {
		g.Seeds = append(g.Seeds, GenesisSeed{Address: testAddr(i).String(), PreTrust: Dec(score.One/3 + score.Score(i)*score.One/4)})
	}
	ctx := newTestCtx(t, g)
	k := Keeper{}
	var edges []testEdge
	isolated := n * 3 / 4 // identities from here on get no positive edge from the others
	for from := 0; from < n; from++ {
		deg := rng.IntN(8)
		for d := 0; d < deg; d++ {
			to := rng.IntN(n)
			if to == from || (to >= isolated && from < isolated && rng.IntN(4) != 0) {
				continue
			}
			w := score.Score(rng.Int64N(2*int64(score.One)+1)) - score.One
			if to >= isolated && from < isolated {
				w = -abs(w) // into the isolated region: distrust only
			}
			if rng.IntN(3) == 0 {
				// An automatic edge, moved by a few outcomes.
				for o := 0; o < 1+rng.IntN(4); o++ {
					if err := k.RecordOutcome(ctx, testAddr(from), testAddr(to), rng.IntN(3) != 0); err != nil {
						t.Fatal(err)
					}
				}
				continue
			}
			if _, _, err := k.SetEdge(ctx, testAddr(from), testAddr(to), w); err != nil && !isLimit(err) {
				t.Fatal(err)
			}
		}
	}
	// Read back the effective edges (the slow, obvious way: every edge in
	// the store, manual winning).
	for from := 0; from < n; from++ {
		for _, e := range k.OutEdges(ctx, testAddr(from)) {
			if e.Effective {
				edges = append(edges, testEdge{from: from, to: indexOf(e.To, n), w: e.Weight, auto: e.Auto})
			}
		}
	}
	return ctx, edges
}

func isLimit(err error) bool { return errors.Is(err, ErrTooManyEdges) }

func abs(x score.Score) score.Score {
	if x < 0 {
		return -x
	}
	return x
}

func indexOf(a types.Address, n int) int {
	for i := 0; i < n; i++ {
		if testAddr(i) == a {
			return i
		}
	}
	panic("unknown address")
}

// TestEpochEqualsFullGraph: without truncation, the epoch over the gathered
// graph equals score.ComputeEpoch over every effective edge in the store.
// Identities the walk leaves out are exactly those the full computation
// gives nothing: no DATT, no EigenTrust, combined 0.
func TestEpochEqualsFullGraph(t *testing.T) {
	var leftOut, negative, unranked int
	for trial := 0; trial < 8; trial++ {
		rng := rand.New(rand.NewPCG(uint64(trial), 99))
		n := 60 + rng.IntN(140)
		p := DefaultParams()
		p.DATTMaxRank = uint32(2 + rng.IntN(6))
		ctx, edges := randomWorld(t, rng, n, p)
		ctx.Height = 100
		if err := (Keeper{}).runEpoch(ctx); err != nil {
			t.Fatal(err)
		}
		var all []score.Edge
		for _, e := range edges {
			all = append(all, score.Edge{From: idOf(testAddr(e.from)), To: idOf(testAddr(e.to)), Weight: e.w})
		}
		var seeds []score.Seed
		for _, sd := range (Keeper{}).Seeds(ctx) {
			seeds = append(seeds, score.Seed{ID: idOf(sd.Address), PreTrust: sd.PreTrust})
		}
		full, err := score.ComputeEpoch(all, seeds, p.ScoreParams())
		if err != nil {
			t.Fatal(err)
		}
		stored := 0
		for _, nr := range full.Nodes {
			r, ok := (Keeper{}).Result(ctx, addrOf(nr.ID))
			if !ok {
				if nr.Rank >= 0 || nr.Eigen != 0 || nr.Combined != 0 {
					t.Fatalf("trial %d: %s left out but the full graph gives %+v", trial, nr.ID, nr)
				}
				leftOut++
				continue
			}
			stored++
			if r.Datt < 0 {
				negative++
			}
			if r.Rank < 0 {
				unranked++
			}
			got := score.NodeResult{ID: nr.ID, DATT: score.Score(r.Datt), Rank: int(r.Rank), Eigen: score.Score(r.Eigen), EigenNorm: score.Score(r.EigenNorm), Combined: score.Score(r.Combined)}
			if got != nr {
				t.Fatalf("trial %d: %s stored %+v, full graph %+v", trial, nr.ID, got, nr)
			}
		}
		info, _ := (Keeper{}).Epoch(ctx)
		if int(info.Identities) != stored || info.GatherTruncated {
			t.Fatalf("trial %d: epoch info %+v, %d stored", trial, info, stored)
		}
		// The ranked index holds exactly the stored identities, in TopN order.
		top := (Keeper{}).Top(ctx, maxTopN)
		if len(top) != stored {
			t.Fatalf("trial %d: index has %d, results %d", trial, len(top), stored)
		}
		for i := 1; i < len(top); i++ {
			if top[i].Combined > top[i-1].Combined {
				t.Fatalf("trial %d: index out of order at %d", trial, i)
			}
		}
	}
	// The worlds must exercise every case: identities left out, distrusted
	// ones kept, and ones EigenTrust reaches beyond DATT's max rank.
	if leftOut == 0 || negative == 0 || unranked == 0 {
		t.Fatalf("left out %d, negative DATT %d, beyond max rank %d: the worlds miss a case", leftOut, negative, unranked)
	}
	t.Logf("left out %d, negative DATT %d, beyond max rank %d", leftOut, negative, unranked)
}

// bfsPrefix is the slow, obvious version of gather's bound: order every
// identity that positive edges reach from the seeds by (rank, address), and
// expand them in that order while the totals stay within the bounds.
func bfsPrefix(edges []testEdge, seeds []int, maxIDs, maxEdges int) (expanded map[int]bool, nEdges, nIDs int) {
	rank := map[int]int{}
	for _, s := range seeds {
		rank[s] = 0
	}
	for r := 0; ; r++ {
		grew := false
		for _, e := range edges {
			if fr, ok := rank[e.from]; ok && fr == r && e.w > 0 {
				if _, seen := rank[e.to]; !seen {
					rank[e.to] = r + 1
					grew = true
				}
			}
		}
		if !grew {
			break
		}
	}
	var order []int
	for id := range rank {
		order = append(order, id)
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(rank[a], rank[b]); c != 0 {
			return c
		}
		return testAddr(a).Compare(testAddr(b))
	})
	ids := map[int]bool{}
	for _, s := range seeds {
		ids[s] = true
	}
	expanded = map[int]bool{}
	for _, u := range order {
		var out []testEdge
		fresh := map[int]bool{}
		for _, e := range edges {
			if e.from == u {
				out = append(out, e)
				if !ids[e.to] {
					fresh[e.to] = true
				}
			}
		}
		if nEdges+len(out) > maxEdges || len(ids)+len(fresh) > maxIDs {
			break
		}
		expanded[u] = true
		nEdges += len(out)
		for _, e := range out {
			ids[e.to] = true
		}
	}
	return expanded, nEdges, len(ids)
}

// TestGatherTruncatesLikeTheSlowVersion: with small bounds the walk stops
// exactly where the obvious rank-then-address expansion stops.
func TestGatherTruncatesLikeTheSlowVersion(t *testing.T) {
	truncated := 0
	for trial := 0; trial < 40; trial++ {
		rng := rand.New(rand.NewPCG(uint64(trial), 7))
		ctx, edges := randomWorld(t, rng, 80, DefaultParams())
		maxIDs, maxEdges := 3+rng.IntN(70), 1+rng.IntN(150)
		in, err := gather((Keeper{}).kv(ctx), []types.Address{testAddr(0), testAddr(1), testAddr(2)}, maxIDs, maxEdges)
		if err != nil {
			t.Fatal(err)
		}
		want, wantEdges, wantIDs := bfsPrefix(edges, []int{0, 1, 2}, maxIDs, maxEdges)
		got := map[int]bool{}
		for _, e := range in.Graph.Edges() {
			got[indexOf(addrOf(e.From), 80)] = true
		}
		for u := range want {
			if !got[u] && hasOut(edges, u) {
				t.Fatalf("trial %d: %d expanded by the slow version only", trial, u)
			}
		}
		for u := range got {
			if !want[u] {
				t.Fatalf("trial %d: %d expanded by gather only", trial, u)
			}
		}
		if in.Edges != wantEdges || in.Identities != wantIDs || in.Edges > maxEdges || in.Identities > maxIDs {
			t.Fatalf("trial %d: gather %d edges %d ids, slow %d %d, bounds %d %d", trial, in.Edges, in.Identities, wantEdges, wantIDs, maxEdges, maxIDs)
		}
		if in.Truncated {
			truncated++
		}
	}
	if truncated < 10 {
		t.Fatalf("only %d of 40 trials hit a bound; the test does not test truncation", truncated)
	}
}

func hasOut(edges []testEdge, u int) bool {
	for _, e := range edges {
		if e.from == u {
			return true
		}
	}
	return false
}

// dump renders the whole store of ctx.
func dump(ctx *types.Context) string {
	it := ctx.Store().Iterator(nil, nil)
	defer it.Close()
	var out []byte
	for ; it.Valid(); it.Next() {
		out = fmt.Appendf(out, "%x=%x\n", it.Key(), it.Value())
	}
	return string(out)
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// TestGatherGraphEqualsNewGraph: the graph gather builds in rows is exactly
// the one score.NewGraph builds from the edges the walk read (those of the
// identities the slow version expands) and the seeds, truncated or not, and
// Addrs names its identities.
func TestGatherGraphEqualsNewGraph(t *testing.T) {
	for trial := 0; trial < 30; trial++ {
		rng := rand.New(rand.NewPCG(uint64(trial), 11))
		ctx, edges := randomWorld(t, rng, 80, DefaultParams())
		maxIDs, maxEdges := 80, 1000
		if trial%2 == 1 {
			maxIDs, maxEdges = 3+rng.IntN(70), 1+rng.IntN(150)
		}
		seeds := []types.Address{testAddr(2), testAddr(0), testAddr(1)}
		in, err := gather((Keeper{}).kv(ctx), seeds, maxIDs, maxEdges)
		if err != nil {
			t.Fatal(err)
		}
		expanded, _, _ := bfsPrefix(edges, []int{0, 1, 2}, maxIDs, maxEdges)
		var read []score.Edge
		for _, e := range edges {
			if expanded[e.from] {
				read = append(read, score.Edge{From: idOf(testAddr(e.from)), To: idOf(testAddr(e.to)), Weight: e.w})
			}
		}
		rand.New(rand.NewPCG(uint64(trial), 12)).Shuffle(len(read), func(a, b int) { read[a], read[b] = read[b], read[a] })
		want, err := score.NewGraph(read, []string{idOf(seeds[0]), idOf(seeds[1]), idOf(seeds[2])})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in.Graph, want) {
			t.Fatalf("trial %d: gathered graph differs from NewGraph's", trial)
		}
		ids := want.Identities()
		if len(in.Addrs) != len(ids) || in.Identities != len(ids) || in.Edges != want.NumEdges() {
			t.Fatalf("trial %d: %d addrs, %d identities, %d edges; want %d, %d", trial, len(in.Addrs), in.Identities, in.Edges, len(ids), want.NumEdges())
		}
		for i, a := range in.Addrs {
			if idOf(a) != ids[i] {
				t.Fatalf("trial %d: address %d is %s, identity %s", trial, i, a, ids[i])
			}
		}
	}
}
