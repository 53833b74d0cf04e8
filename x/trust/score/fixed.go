package score

import (
	"cmp"
	"math/bits"
	"strconv"
	"strings"
)

// Score is a fixed-point number in parts per 10^9: One is 1.0, One/2 is 0.5.
// Edge weights, DATT scores and EigenTrust shares all use it.
type Score int64

// One is the fixed-point 1.0.
const One Score = 1_000_000_000

// String formats s as a decimal number with up to nine fractional digits,
// e.g. "0.23", "-1", "0.000000001". It is for people; consensus code uses the
// integer.
func (s Score) String() string {
	var b strings.Builder
	u := uint64(s)
	if s < 0 {
		b.WriteByte('-')
		u = -u
	}
	b.WriteString(strconv.FormatUint(u/uint64(One), 10))
	if frac := u % uint64(One); frac != 0 {
		digits := strconv.FormatUint(frac+uint64(One), 10)[1:] // zero-padded to nine digits
		b.WriteByte('.')
		b.WriteString(strings.TrimRight(digits, "0"))
	}
	return b.String()
}

// floorDiv returns ⌊a/b⌋ for b > 0, rounding toward negative infinity (Go's /
// truncates toward zero).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// mulDiv returns ⌊a·b/c⌋. The caller guarantees c > 0 and a·b/c < 2^64;
// bits.Div64 panics otherwise, which would be a bug here, not bad input.
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, _ := bits.Div64(hi, lo, c)
	return q
}

// mulHi returns ⌊a·f/2^64⌋: a scaled by the binary fraction f/2^64.
func mulHi(a, f uint64) uint64 {
	hi, _ := bits.Mul64(a, f)
	return hi
}

// fraction returns ⌊2^64·a/b⌋ for 0 ≤ a ≤ b, b > 0, saturated to 2^64-1 when
// a == b. The saturation loses at most one part in 2^64.
func fraction(a, b uint64) uint64 {
	if a >= b {
		return ^uint64(0)
	}
	q, _ := bits.Div64(a, 0, b)
	return q
}

// i128 is a signed 128-bit two's-complement integer. DATT sums exact products
// s(p)·s(p)·w(p,v), each up to 10^27, without rounding until the final division.
type i128 struct{ hi, lo uint64 }

// trustTerm returns s2·w exactly, where s2 = s(p)² ≤ 10^18 and |w| ≤ 10^9.
func trustTerm(s2 uint64, w Score) i128 {
	if w < 0 {
		hi, lo := bits.Mul64(s2, uint64(-w))
		return i128{hi, lo}.neg()
	}
	hi, lo := bits.Mul64(s2, uint64(w))
	return i128{hi, lo}
}

func (x i128) add(y i128) i128 {
	lo, c := bits.Add64(x.lo, y.lo, 0)
	hi, _ := bits.Add64(x.hi, y.hi, c)
	return i128{hi, lo}
}

func (x i128) neg() i128 {
	lo, b := bits.Sub64(0, x.lo, 0)
	hi, _ := bits.Sub64(0, x.hi, b)
	return i128{hi, lo}
}

func (x i128) negative() bool { return int64(x.hi) < 0 }

func (x i128) cmp(y i128) int {
	if x.hi != y.hi {
		return cmp.Compare(int64(x.hi), int64(y.hi))
	}
	return cmp.Compare(x.lo, y.lo)
}

// meanFloor returns ⌊num/(den·One)⌋ rounded toward negative infinity, where
// num = Σ s(p)²·w(p,v) and den = Σ s(p): the score-weighted mean of the
// products s(p)·w(p,v), as a Score. |num| ≤ den·10^18, so the quotient of the
// first division fits 64 bits; ⌊⌊x/a⌋/b⌋ = ⌊x/(a·b)⌋, so there is a single
// rounding.
func meanFloor(num i128, den uint64) Score {
	neg := num.negative()
	mag := num
	if neg {
		mag = num.neg()
	}
	q1, r1 := bits.Div64(mag.hi, mag.lo, den)
	q, r := q1/uint64(One), q1%uint64(One)
	s := Score(q)
	if neg {
		s = -s
		if r1 != 0 || r != 0 {
			s--
		}
	}
	return s
}
