package rewards

import (
	"math/big"
	"math/bits"
)

// mulDiv returns ⌊a·b/c⌋ for 0 < c and b ≤ c, so the result is at most a and
// the 128-bit quotient fits in 64 bits.
func mulDiv(a, b, c uint64) uint64 {
	if b > c || c == 0 {
		panic("rewards: mulDiv needs 0 < c and b ≤ c")
	}
	hi, lo := bits.Mul64(a, b)
	q, _ := bits.Div64(hi, lo, c)
	return q
}

// Emission is epoch e's part of a schedule that emits total over n equal
// epochs, the remainder of the division in the last one: ⌊total/n⌋ for
// e < n−1, ⌊total/n⌋ + total mod n for e = n−1, and 0 from epoch n on. The
// parts add up to total exactly.
func Emission(total, n, e uint64) uint64 {
	switch {
	case n == 0 || e >= n:
		return 0
	case e == n-1:
		return total/n + total%n
	default:
		return total / n
	}
}

// split divides amount in proportion to weights: share i is
// ⌊amount·w_i / Σw⌋. The shares add up to at most amount; the rest (less
// than the number of positive weights) is the caller's remainder. With no
// positive weight every share is 0. Weights must not be negative.
func split(amount uint64, weights []*big.Int) []uint64 {
	shares := make([]uint64, len(weights))
	total := new(big.Int)
	for _, w := range weights {
		total.Add(total, w)
	}
	if total.Sign() == 0 {
		return shares
	}
	a := new(big.Int).SetUint64(amount)
	var q big.Int
	for i, w := range weights {
		if w.Sign() == 0 {
			continue
		}
		q.Mul(a, w)
		q.Quo(&q, total)
		shares[i] = q.Uint64() // ≤ amount: w ≤ total
	}
	return shares
}
