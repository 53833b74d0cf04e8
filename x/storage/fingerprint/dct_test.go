package fingerprint

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestCosTable(t *testing.T) {
	for u := range cosTable {
		c := 1.0
		if u == 0 {
			c = 1 / math.Sqrt2
		}
		for x := range side {
			want := cosScale * c * math.Cos(float64((2*x+1)*u)*math.Pi/(2*side))
			if d := math.Abs(float64(cosTable[u][x]) - want); d > 0.5 {
				t.Errorf("cosTable[%d][%d] = %d, want round(%f)", u, x, cosTable[u][x], want)
			}
		}
	}
}

func TestTaperTable(t *testing.T) {
	for i := range side {
		x := (float64(i) + 0.5) / side
		d := math.Min(x, 1-x) / 0.2
		want := 256.0
		if d < 1 {
			want = 256 * (0.5 - 0.5*math.Cos(math.Pi*d))
		}
		if math.Abs(float64(taper[i])-want) > 0.5 {
			t.Errorf("taper[%d] = %d, want round(%f)", i, taper[i], want)
		}
	}
}

// TestDCTAgainstFloat checks the fixed-point DCT against the textbook
// formula in float64 on random and extreme inputs: equal up to the
// rounding of the cosine table.
func TestDCTAgainstFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	fs := diagonalOrder(8)
	for trial := range 20 {
		var p thumbnail
		for y := range p {
			for x := range p[y] {
				switch trial {
				case 0: // largest magnitudes shape can produce
					p[y][x] = 1<<22 - 1
				case 1:
					p[y][x] = -(1 << 22) * int64((x+y)%2*2-1)
				default:
					p[y][x] = rng.Int64N(1<<23) - 1<<22
				}
			}
		}
		got := dct(&p, fs)
		for k, f := range fs {
			var want float64
			for y := range side {
				for x := range side {
					cu, cv := 1.0, 1.0
					if f.u == 0 {
						cu = 1 / math.Sqrt2
					}
					if f.v == 0 {
						cv = 1 / math.Sqrt2
					}
					want += float64(p[y][x]) * cu * math.Cos(float64((2*x+1)*f.u)*math.Pi/64) *
						cv * math.Cos(float64((2*y+1)*f.v)*math.Pi/64)
				}
			}
			want *= cosScale * cosScale
			// Each table entry is off by at most 1/2 in 2^14; bound the
			// error by the sum of |p| times that, twice.
			tol := 2 * 0.5 * cosScale * side * side * float64(1<<22)
			if math.Abs(float64(got[k])-want) > tol {
				t.Fatalf("trial %d coefficient %v: got %d, want %.0f", trial, f, got[k], want)
			}
		}
	}
}

func TestDiagonalOrder(t *testing.T) {
	fs := diagonalOrder(8)
	if len(fs) != 64 || fs[0] != (freq{0, 0}) || fs[1] != (freq{1, 0}) || fs[2] != (freq{0, 1}) || fs[63] != (freq{7, 7}) {
		t.Fatalf("diagonalOrder(8) = %v", fs)
	}
	seen := map[freq]bool{}
	for _, f := range fs {
		if seen[f] || f.u > 7 || f.v > 7 {
			t.Fatalf("diagonalOrder(8) repeats or overflows at %v", f)
		}
		seen[f] = true
	}
}

func TestBitLayout(t *testing.T) {
	var all Hash
	for k := range 64 {
		b := Hash(1) << bitOf(k)
		if all&b != 0 {
			t.Fatalf("bitOf(%d) = %d is taken", k, bitOf(k))
		}
		all |= b
		if got := int(bitOf(k)) / bandBits; got != k%bands {
			t.Fatalf("coefficient %d lands in band %d, want %d", k, got, k%bands)
		}
	}
}

func TestMedianSplit(t *testing.T) {
	c := make([]int64, 64)
	for i := range c {
		c[i] = int64(i * 7 % 64) // a permutation of 0..63
	}
	h := bitsOf(c)
	if n := popcount(h); n != 32 {
		t.Fatalf("%d bits set for distinct coefficients, want 32", n)
	}
	if got := bitsOf(make([]int64, 64)); got != 0 {
		t.Fatalf("flat coefficients give %v, want 0", got)
	}
}

func popcount(h Hash) int { return Distance(h, 0) }
