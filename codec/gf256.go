package codec

import "fmt"

// Arithmetic in GF(2^8) with the generating polynomial x^8+x^4+x^3+x^2+1 (0x11d),
// the field github.com/klauspost/reedsolomon multiplies in. We need our own only
// for small k×k matrix work (choosing coefficients); the bulk multiply-adds over
// shard bytes run in the library's SIMD kernels.

var gfExp [510]byte
var gfLog [256]int

func init() {
	x := 1
	for i := range 255 {
		gfExp[i] = byte(x)
		gfExp[i+255] = byte(x)
		gfLog[x] = i
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11d
		}
	}
}

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[gfLog[a]+gfLog[b]]
}

func gfInv(a byte) byte {
	if a == 0 {
		panic("codec: inverse of zero in GF(256)")
	}
	return gfExp[255-gfLog[a]]
}

// generatorRow returns row i of the systematic generator matrix of an (n, k) code:
// the identity for i < k (data chunks are the source pieces themselves) and a
// Cauchy row 1/(i XOR c), c in [0, k), for parity chunks. The x values (i >= k)
// and y values (c < k) are disjoint, so every square submatrix of the Cauchy part
// is invertible and any k rows of the generator are: the code is MDS. This is the
// matrix reedsolomon.WithCauchyMatrix builds; we pin it through WithCustomMatrix
// so chunk bytes never depend on a library default.
func generatorRow(k, i int) []byte {
	row := make([]byte, k)
	if i < k {
		row[i] = 1
		return row
	}
	for c := range k {
		row[c] = gfInv(byte(i ^ c))
	}
	return row
}

// invertMatrix inverts the k×k matrix m (rows) by Gauss-Jordan elimination.
func invertMatrix(m [][]byte) ([][]byte, error) {
	k := len(m)
	a := make([][]byte, k)
	inv := make([][]byte, k)
	for i := range k {
		a[i] = append([]byte(nil), m[i]...)
		inv[i] = make([]byte, k)
		inv[i][i] = 1
	}
	for col := range k {
		p := col
		for p < k && a[p][col] == 0 {
			p++
		}
		if p == k {
			return nil, fmt.Errorf("codec: singular coding matrix at column %d", col)
		}
		a[col], a[p] = a[p], a[col]
		inv[col], inv[p] = inv[p], inv[col]
		if s := a[col][col]; s != 1 {
			f := gfInv(s)
			for j := range k {
				a[col][j] = gfMul(a[col][j], f)
				inv[col][j] = gfMul(inv[col][j], f)
			}
		}
		for r := range k {
			if r == col || a[r][col] == 0 {
				continue
			}
			f := a[r][col]
			for j := range k {
				a[r][j] ^= gfMul(f, a[col][j])
				inv[r][j] ^= gfMul(f, inv[col][j])
			}
		}
	}
	return inv, nil
}

// recoveryRows returns, for each wanted chunk index, the coefficients that compute
// it from the chunks at indices have (exactly k distinct indices of an (n, k) code):
// want_row · G_have^-1.
func recoveryRows(k int, have, want []int) ([][]byte, error) {
	g := make([][]byte, k)
	for i, idx := range have {
		g[i] = generatorRow(k, idx)
	}
	inv, err := invertMatrix(g)
	if err != nil {
		return nil, err
	}
	rows := make([][]byte, len(want))
	for w, idx := range want {
		gw := generatorRow(k, idx)
		row := make([]byte, k)
		for c := range k {
			var acc byte
			for j := range k {
				acc ^= gfMul(gw[j], inv[j][c])
			}
			row[c] = acc
		}
		rows[w] = row
	}
	return rows, nil
}
