package trust_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/trust"
	"github.com/pastelchain/pastel/x/trust/score"
)

// detWorld is a set of trust statements: per account, distinct targets.
type detWorld struct {
	n     int
	edges [][]struct {
		to int
		w  score.Score
	}
}

func newDetWorld(rng *rand.Rand, n int) detWorld {
	w := detWorld{n: n, edges: make([][]struct {
		to int
		w  score.Score
	}, n)}
	for from := 0; from < n; from++ {
		for _, to := range rng.Perm(n)[:4+rng.IntN(4)] {
			if to == from {
				continue
			}
			wt := score.Score(rng.Int64N(2*int64(score.One)+1)) - score.One
			if rng.IntN(3) != 0 {
				wt = abs(wt) // mostly trust, some distrust
			}
			w.edges[from] = append(w.edges[from], struct {
				to int
				w  score.Score
			}{to, wt})
		}
	}
	return w
}

// plan assigns every statement of w to one of `blocks` blocks and says how
// many transactions each account sends in each block.
type plan struct {
	block [][]int // block[from][i]: the block of w.edges[from][i]
	txs   [][]int // txs[from][b]: transactions from `from` in block b
}

func newPlan(w detWorld, rng *rand.Rand, blocks int) plan {
	p := plan{block: make([][]int, w.n), txs: make([][]int, w.n)}
	for from := 0; from < w.n; from++ {
		p.txs[from] = make([]int, blocks)
		count := make([]int, blocks)
		for range w.edges[from] {
			b := rng.IntN(blocks)
			p.block[from] = append(p.block[from], b)
			count[b]++
		}
		for b, c := range count {
			if c > 0 {
				p.txs[from][b] = 1 + rng.IntN(min(c, 2))
			}
		}
	}
	return p
}

// schedule signs the statements of w as p says, with everything p leaves
// open drawn from rng: which statements share a transaction, the order of
// messages in a transaction, and the order of transactions in a block (as
// far as nonces allow).
func schedule(c *chain, w detWorld, p plan, rng *rand.Rand) [][][]byte {
	blocks := len(p.txs[0])
	type placed struct {
		from int
		raw  []byte
	}
	perBlock := make([][]placed, blocks)
	for b := 0; b < blocks; b++ {
		for from := 0; from < w.n; from++ {
			var es []int
			for i, eb := range p.block[from] {
				if eb == b {
					es = append(es, i)
				}
			}
			if len(es) == 0 {
				continue
			}
			rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
			k := p.txs[from][b]
			cut := 1 + rng.IntN(len(es)-1+1) // first group size when k == 2
			if k == 1 || cut >= len(es) {
				cut = len(es)
				if k == 2 {
					cut = len(es) - 1
				}
			}
			groups := [][]int{es[:cut]}
			if k == 2 {
				groups = append(groups, es[cut:])
			}
			for _, g := range groups {
				var msgs []*txpb.Msg
				for _, i := range g {
					msgs = append(msgs, setMsg(c.addr(w.edges[from][i].to), w.edges[from][i].w))
				}
				perBlock[b] = append(perBlock[b], placed{from, c.signed(from, msgs...)})
			}
		}
	}
	out := make([][][]byte, blocks)
	for b, txs := range perBlock {
		// Shuffle, then put each account's transactions back in nonce order
		// into the slots it occupies.
		order := rng.Perm(len(txs))
		queue := map[int][][]byte{}
		for _, p := range txs {
			queue[p.from] = append(queue[p.from], p.raw)
		}
		for _, j := range order {
			from := txs[j].from
			out[b] = append(out[b], queue[from][0])
			queue[from] = queue[from][1:]
		}
	}
	return out
}

// TestDeterminismShuffledOrderAndRestarts:
//
//   - The same trust statements submitted in another order, other
//     groupings and other blocks, on a chain restarted from disk after
//     every block, give identical scores for every identity, an identical
//     epoch record (with its results hash) and an identical ranking.
//   - The same blocks replayed with a restart after every block give the
//     same AppHash at every height.
//
// Only the scores can be compared across different orders, not the
// AppHash: IAVL hashes every node with the version that last wrote it and
// its shape depends on the order of insertions, so the same keys written in
// another order or block give another root. That is why the epoch record
// carries a results hash.
func TestDeterminismShuffledOrderAndRestarts(t *testing.T) {
	const n, txBlocks, epoch = 14, 6, 10
	w := newDetWorld(rand.New(rand.NewPCG(1, 2)), n)
	tg := trustGenesis(epoch, testKeyAddr(0), testKeyAddr(1), testKeyAddr(2))

	run := func(p plan, seed uint64, restart bool, replay [][][]byte) (*chain, [][][]byte, [][]byte) {
		c := newChain(t, n, tg)
		blocks := replay
		if blocks == nil {
			blocks = schedule(c, w, p, rand.New(rand.NewPCG(seed, seed)))
		}
		var hashes [][]byte
		for _, txs := range blocks {
			c.mustBlock(txs...)
			hashes = append(hashes, c.App.Hash())
			if restart {
				c.Reopen()
			}
		}
		for c.Height < 2*epoch {
			c.block()
			hashes = append(hashes, c.App.Hash())
			if restart {
				c.Reopen()
			}
		}
		return c, blocks, hashes
	}
	a, blocksA, hashesA := run(newPlan(w, rand.New(rand.NewPCG(3, 4)), txBlocks), 11, false, nil)
	b, blocksB, _ := run(newPlan(w, rand.New(rand.NewPCG(5, 6)), txBlocks), 22, true, nil)
	if bytes.Equal(flatten(blocksA), flatten(blocksB)) {
		t.Fatal("the two schedules are the same; the test would prove nothing")
	}
	scored := 0
	for i := 0; i < n; i++ {
		ra, oka := a.score(a.addr(i))
		rb, okb := b.score(b.addr(i))
		if oka != okb || ra.String() != rb.String() {
			t.Fatalf("identity %d: %v / %v", i, ra, rb)
		}
		if oka {
			scored++
		}
	}
	if scored < n/2 {
		t.Fatalf("only %d of %d identities scored", scored, n)
	}
	var epA, epB trust.EpochView
	a.queryJSON("/trust/epoch", &epA)
	b.queryJSON("/trust/epoch", &epB)
	if epA != epB || epA.Epoch != 2 || len(epA.ResultsHash) != 64 {
		t.Fatalf("epoch records differ: %+v vs %+v", epA, epB)
	}
	var topA, topB []trust.ScoreView
	a.queryJSON("/trust/top/100", &topA)
	b.queryJSON("/trust/top/100", &topB)
	if len(topA) != scored || !equalViews(topA, topB) {
		t.Fatalf("top differs: %+v vs %+v", topA, topB)
	}
	distinct := map[trust.Dec]bool{}
	for _, v := range topA {
		distinct[v.Combined] = true
	}
	if len(distinct) < scored/2 {
		t.Fatalf("only %d distinct combined scores among %d: the world is too trivial", len(distinct), scored)
	}

	_, _, hashesR := run(plan{}, 0, true, blocksA)
	for h := range hashesA {
		if !bytes.Equal(hashesA[h], hashesR[h]) {
			t.Fatalf("replay with restarts, height %d: %X vs %X", h+1, hashesA[h], hashesR[h])
		}
	}
}

func flatten(blocks [][][]byte) []byte {
	var out []byte
	for _, b := range blocks {
		for _, tx := range b {
			out = append(out, tx...)
		}
	}
	return out
}

func equalViews(a, b []trust.ScoreView) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
