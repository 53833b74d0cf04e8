package rewards

import (
	"math/big"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestMulDivAgainstBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := rapid.Uint64Min(1).Draw(t, "c")
		b := rapid.Uint64Range(0, c).Draw(t, "b")
		a := rapid.Uint64().Draw(t, "a")
		want := new(big.Int).Mul(new(big.Int).SetUint64(a), new(big.Int).SetUint64(b))
		want.Quo(want, new(big.Int).SetUint64(c))
		if got := mulDiv(a, b, c); !want.IsUint64() || got != want.Uint64() {
			t.Fatalf("mulDiv(%d, %d, %d) = %d, want %s", a, b, c, got, want)
		}
	})
}

// The schedule's parts add up to the total exactly, are equal but for the
// last, and stop after n epochs.
func TestEmissionPartsAddUp(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		total := rapid.Uint64().Draw(t, "total")
		n := rapid.Uint64Range(1, 300).Draw(t, "n")
		sum := new(big.Int)
		for e := uint64(0); e < n+3; e++ {
			x := Emission(total, n, e)
			switch {
			case e >= n && x != 0:
				t.Fatalf("epoch %d of %d emits %d", e, n, x)
			case e < n-1 && x != total/n:
				t.Fatalf("epoch %d emits %d, want %d", e, x, total/n)
			}
			sum.Add(sum, new(big.Int).SetUint64(x))
		}
		if !sum.IsUint64() || sum.Uint64() != total {
			t.Fatalf("parts add up to %s, want %d", sum, total)
		}
	})
	if got := Emission(1_000_000_000_000_000_000, DefaultParams().EmissionEpochs, 0); got != 38_580_246_913 {
		t.Fatalf("default per-epoch emission %d", got)
	}
}

// split against the obvious rational computation: each share is the floor
// of its exact share, and the remainder is below the number of positive
// weights.
func TestSplitAgainstRationals(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		amount := rapid.Uint64().Draw(t, "amount")
		ws := rapid.SliceOfN(rapid.Uint64(), 0, 20).Draw(t, "weights")
		scale := rapid.Uint64Range(1, 1_000_000_000).Draw(t, "trust")
		weights := make([]*big.Int, len(ws))
		total := new(big.Rat)
		positive := uint64(0)
		for i, w := range ws {
			weights[i] = new(big.Int).Mul(new(big.Int).SetUint64(w), new(big.Int).SetUint64(scale))
			total.Add(total, new(big.Rat).SetInt(weights[i]))
			if w > 0 {
				positive++
			}
		}
		shares := split(amount, weights)
		var sum uint64
		for i, s := range shares {
			if total.Sign() == 0 {
				if s != 0 {
					t.Fatalf("share %d is %d with no weight", i, s)
				}
				continue
			}
			exact := new(big.Rat).Mul(new(big.Rat).SetUint64(amount), new(big.Rat).SetInt(weights[i]))
			exact.Quo(exact, total)
			fl := new(big.Int).Quo(exact.Num(), exact.Denom())
			if fl.Uint64() != s {
				t.Fatalf("share %d = %d, want ⌊%s⌋", i, s, exact.FloatString(3))
			}
			sum += s
		}
		if sum > amount || (total.Sign() > 0 && amount-sum >= max(positive, 1)) {
			t.Fatalf("shares add up to %d of %d with %d positive weights", sum, amount, positive)
		}
	})
}

// TestSeedSchedule: the default emission follows the project's schedule —
// 10^3 monthly periods, each emitting a thousandth of the emission (10^6
// PSL when nothing is minted at genesis), linear, nothing after the last
// period, the whole emission exactly, at 1 s blocks and at the devnet's.
func TestSeedSchedule(t *testing.T) {
	if got := DefaultParams().EmissionEpochs; got != 25_920_000 {
		t.Fatalf("default emission_epochs %d, want 25,920,000 (1,000 months of 2,592,000 one-second blocks in 100-block epochs)", got)
	}
	for _, bt := range []time.Duration{time.Second, 300 * time.Millisecond, 5 * time.Second} {
		n := SeedEmissionEpochs(bt, 100)
		perMonth := n / SeedPeriods
		if perMonth*SeedPeriods != n {
			t.Fatalf("block time %s: %d epochs do not split into %d equal months", bt, n, SeedPeriods)
		}
		if got := time.Duration(perMonth*100) * bt; got != SeedPeriod {
			t.Fatalf("block time %s: a period is %s of blocks, want %s", bt, got, SeedPeriod)
		}
		total := DefaultParams().MaxSupply // no genesis supply
		month := func(m uint64) uint64 {
			// Closed form of the sum of Emission over the epochs of month m.
			s := (perMonth) * (total / n)
			if m == SeedPeriods-1 {
				s += total % n
			}
			return s
		}
		var sum uint64
		for m := uint64(0); m < SeedPeriods; m++ {
			x := month(m)
			want := 1_000_000 * Coin
			// Integer parts: a month is off by less than n npsl (n epochs'
			// rounding; the last also takes the remainder), < 0.09 PSL here.
			if d := int64(x) - int64(want); d >= int64(n) || d <= -int64(n) {
				t.Fatalf("block time %s: month %d emits %d npsl, want %d (± %d)", bt, m, x, want, n)
			}
			sum += x
		}
		if sum != total {
			t.Fatalf("block time %s: the months emit %d, want %d", bt, sum, total)
		}
		for _, e := range []uint64{n, n + 1, 10 * n} {
			if Emission(total, n, e) != 0 {
				t.Fatalf("epoch %d after the schedule emits", e)
			}
		}
		// Spot-check the closed form against Emission itself.
		for _, e := range []uint64{0, perMonth - 1, perMonth, n / 2, n - 2} {
			if Emission(total, n, e) != total/n {
				t.Fatalf("epoch %d emits %d, want %d", e, Emission(total, n, e), total/n)
			}
		}
	}
}
