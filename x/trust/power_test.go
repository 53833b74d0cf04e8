package trust

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/pastelchain/pastel/x/trust/score"
)

const psl = 1_000_000_000

func TestVotingPowerFormula(t *testing.T) {
	p := DefaultPowerParams()
	cases := []struct {
		name       string
		collateral uint64
		combined   score.Score
		standing   Standing
		want       int64
	}{
		{"full trust", 1000 * psl, score.One, InGoodStanding, 1000},
		{"no trust keeps the minimum factor", 1000 * psl, 0, InGoodStanding, 500},
		{"half trust", 1000 * psl, score.One / 2, InGoodStanding, 750},
		{"trust above 1 is clamped", 1000 * psl, 2 * score.One, InGoodStanding, 1000},
		{"penalized halves", 1000 * psl, score.One, Penalized, 500},
		{"jailed is zero", 1000 * psl, score.One, Jailed, 0},
		{"distrusted is zero", 1000 * psl, -1, InGoodStanding, 0},
		{"below one unit", psl - 1, score.One, InGoodStanding, 0},
		{"capped", 1 << 62, score.One, InGoodStanding, p.MaxPower},
		{"rounding down", 3 * psl, score.One / 3, InGoodStanding, 1}, // 3 · (0.5 + 0.5/3) = 1.99…
	}
	for _, c := range cases {
		if got := VotingPower(c.collateral, c.combined, c.standing, p); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	p.MinCollateral = 10 * psl
	if got := VotingPower(10*psl-1, score.One, InGoodStanding, p); got != 0 {
		t.Errorf("below min collateral: %d", got)
	}
}

// TestVotingPowerMonotone: more collateral, more trust or a better standing
// never lowers the power, and it never exceeds MaxPower.
func TestVotingPowerMonotone(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	p := DefaultPowerParams()
	p.MaxPower = 1 << 40
	for i := 0; i < 5000; i++ {
		c := rng.Uint64N(1 << 60)
		tr := score.Score(rng.Int64N(3*int64(score.One))) - score.One
		st := Standing(rng.IntN(3))
		pw := VotingPower(c, tr, st, p)
		if pw < 0 || pw > p.MaxPower {
			t.Fatalf("power %d out of [0, %d]", pw, p.MaxPower)
		}
		if VotingPower(c+rng.Uint64N(1<<50), tr, st, p) < pw ||
			VotingPower(c, tr+score.Score(rng.Int64N(int64(score.One))), st, p) < pw ||
			(st > InGoodStanding && VotingPower(c, tr, st-1, p) < pw) {
			t.Fatalf("not monotone at c=%d t=%v %v", c, tr, st)
		}
	}
}

// shareOK reports whether every power is at most maxShare of the total.
func shareOK(powers []int64, maxShare score.Score) bool {
	total := new(big.Int)
	for _, p := range powers {
		total.Add(total, big.NewInt(p))
	}
	for _, p := range powers {
		lhs := new(big.Int).Mul(big.NewInt(p), big.NewInt(int64(score.One)))
		if lhs.Cmp(new(big.Int).Mul(total, big.NewInt(int64(maxShare)))) > 0 {
			return false
		}
	}
	return true
}

func TestCapShares(t *testing.T) {
	third := score.One / 3
	cases := []struct {
		in, want []int64
		share    score.Score
	}{
		{[]int64{10, 10, 10, 10}, []int64{10, 10, 10, 10}, third},
		{[]int64{100, 10, 10, 10}, []int64{14, 10, 10, 10}, third}, // c = ⌊(1/3)·30/(2/3)⌋ = 14 (15 less rounding of 1/3)
		{[]int64{100, 100, 10, 10, 10, 10}, []int64{39, 39, 10, 10, 10, 10}, third},
		{[]int64{100, 0, 50}, []int64{50, 0, 50}, third}, // too few nodes: equal shares
		{[]int64{7}, []int64{7}, third},
		{[]int64{0, 0}, []int64{0, 0}, third},
		{[]int64{100, 10}, []int64{100, 10}, score.One},
	}
	for _, c := range cases {
		got := CapShares(c.in, c.share)
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("CapShares(%v, %v) = %v, want %v", c.in, c.share, got, c.want)
				break
			}
		}
	}
	// Random sets: the result respects the cap whenever it is achievable,
	// changes only the largest powers, lowers nothing below the next
	// uncapped one, and is as large as possible (raising the cap by one
	// breaks it).
	rng := rand.New(rand.NewPCG(9, 9))
	for i := 0; i < 3000; i++ {
		n := 1 + rng.IntN(30)
		in := make([]int64, n)
		for j := range in {
			in[j] = rng.Int64N(1_000_000)
			if rng.IntN(5) == 0 {
				in[j] = rng.Int64N(100_000_000)
			}
		}
		share := score.Score(1 + rng.Int64N(int64(score.One)-1))
		out := CapShares(in, share)
		positive := 0
		for _, v := range in {
			if v > 0 {
				positive++
			}
		}
		if int64(positive)*int64(share) > int64(score.One) && !shareOK(out, share) {
			t.Fatalf("CapShares(%v, %v) = %v breaks the cap", in, share, out)
		}
		var capV int64 = -1
		for j := range out {
			if out[j] > in[j] || (in[j] == 0 && out[j] != 0) {
				t.Fatalf("CapShares(%v) = %v raised or revived a power", in, out)
			}
			if out[j] < in[j] {
				if capV >= 0 && out[j] != capV {
					t.Fatalf("two different caps in %v -> %v", in, out)
				}
				capV = out[j]
			}
		}
		if capV >= 0 && shareOK(out, share) && int64(positive)*int64(share) > int64(score.One) {
			raised := append([]int64(nil), out...)
			for j := range raised {
				if out[j] == capV && in[j] > capV {
					raised[j] = capV + 1
				}
			}
			if shareOK(raised, share) {
				t.Fatalf("cap %d in %v -> %v is not the largest possible", capV, in, out)
			}
		}
	}
}
