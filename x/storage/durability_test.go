package storage

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// TestBenchDurability: the share of arts lost when a share of the
// masternodes disappears at once and for good, before any healing, with
// holders drawn by the chain's own placement (Place on the ring of 10^3
// masternodes, 16 points each) at the default parameters (R = 10 holders
// a chunk; a 20 MiB image is one stripe of k = 10 pieces and n = 120
// chunks). An art is lost when a stripe keeps fewer than k chunks with a
// live holder. Beside it, the figure for ideal placement (every holder
// independent): a chunk survives with 1 - f^R, a stripe with
// P(Binomial(n, 1 - f^R) >= k). A measurement: runs with PASTEL_BENCH=1
// (make bench-scale).
func TestBenchDurability(t *testing.T) {
	if os.Getenv("PASTEL_BENCH") != "1" {
		t.Skip("measurement; run with PASTEL_BENCH=1 (make bench-scale)")
	}
	const nMN = 1000
	p := DefaultParams()
	tree := store.NewMemTree()
	ctx := types.NewContext(tree, "durability", 1, time.Unix(0, 0))
	k := Keeper{}
	k.setParams(ctx, p)
	mns := make([]types.Address, nMN)
	index := make(map[types.Address]int, nMN)
	for i := range mns {
		binary.BigEndian.PutUint32(mns[i][:], uint32(i)+1)
		k.setMasternode(ctx, mns[i], &storagepb.Masternode{Address: mns[i].String(), Status: storagepb.MasternodeStatus_MN_ACTIVE})
		k.ringAdd(ctx, mns[i])
		index[mns[i]] = i
	}
	ctx = savedContext(t, tree.T)
	order := rand.New(rand.NewPCG(42, 42)).Perm(nMN)
	losses := []float64{0.5, 0.8, 0.9, 0.95, 0.97, 0.99}
	fmt.Printf("durability: 20 MiB arts (k = 10 pieces) on %d masternodes, sudden permanent loss, no healing; arts lost, measured on the chain's placement (ideal placement in brackets):\n", nMN)
	fmt.Printf("%-26s", "coding × R (raw storage)")
	for _, f := range losses {
		fmt.Printf(" %17s", fmt.Sprintf("%.0f%% lost", 100*f))
	}
	fmt.Println()
	for _, cfg := range []struct{ coding, r, arts int }{{12, int(p.Replication), 1000}, {12, 3, 500}, {6, 3, 500}, {4, 5, 500}, {4, 3, 500}} {
		l, err := codec.NewLayout(20<<20, codec.Params{ChunkSize: codec.DefaultChunkSize, Redundancy: cfg.coding})
		if err != nil {
			t.Fatal(err)
		}
		st := l.Stripe(0)
		if l.Stripes() != 1 {
			t.Fatalf("%d stripes", l.Stripes())
		}
		// holders[a][i]: the masternodes of chunk i of art a.
		holders := make([][][]int, cfg.arts)
		for a := range cfg.arts {
			id := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(a)))
			holders[a] = make([][]int, st.N)
			for i := range st.N {
				for _, h := range k.Place(ctx, ChunkPoint(id[:], 0, uint32(i)), cfg.r, nil) {
					holders[a][i] = append(holders[a][i], index[h])
				}
			}
		}
		label := fmt.Sprintf("%d× × %d (%d×)", cfg.coding, cfg.r, cfg.coding*cfg.r)
		if cfg.coding == codec.DefaultRedundancy && cfg.r == int(p.Replication) {
			label += " default"
		}
		fmt.Printf("%-26s", label)
		for _, f := range losses {
			dead := make([]bool, nMN)
			for _, i := range order[:int(math.Round(f*nMN))] {
				dead[i] = true
			}
			lost := 0
			for _, hs := range holders {
				live := 0
				for _, chunk := range hs {
					for _, h := range chunk {
						if !dead[h] {
							live++
							break
						}
					}
				}
				if live < st.K {
					lost++
				}
			}
			ideal := binomialBelow(st.N, st.K, 1-math.Pow(f, float64(cfg.r)))
			fmt.Printf(" %17s", fmt.Sprintf("%.1f%% (%s)", 100*float64(lost)/float64(cfg.arts), pct(ideal)))
		}
		fmt.Println()
	}
}

func pct(x float64) string {
	if x < 1e-4 {
		return fmt.Sprintf("%.0e", x)
	}
	return fmt.Sprintf("%.1f%%", 100*x)
}

// binomialBelow is P(X < k) for X ~ Binomial(n, p).
func binomialBelow(n, k int, p float64) float64 {
	var sum float64
	lc, _ := math.Lgamma(float64(n + 1))
	for x := 0; x < k; x++ {
		a, _ := math.Lgamma(float64(x + 1))
		b, _ := math.Lgamma(float64(n - x + 1))
		sum += math.Exp(lc - a - b + float64(x)*math.Log(p) + float64(n-x)*math.Log1p(-p))
	}
	return sum
}
