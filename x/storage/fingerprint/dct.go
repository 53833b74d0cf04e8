package fingerprint

import "slices"

// cosScale is the fixed-point scale of the cosine table: 14 fraction bits.
const cosScale = 1 << 14

// cosTable[u][x] = round(2^14 · c(u) · cos((2x+1)·u·π/64)), c(0) = 1/√2,
// c(u>0) = 1: the orthogonal DCT-II basis on 32 points without its common
// factor √(2/32), which scales every coefficient alike and so cannot change
// a comparison. The numbers are written out rather than computed at start
// up because math.Cos may round differently across architectures (fused
// multiply-add); TestCosTable checks them against math.Cos.
var cosTable = [11][side]int64{
	{11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585, 11585},
	{16364, 16207, 15893, 15426, 14811, 14053, 13160, 12140, 11003, 9760, 8423, 7005, 5520, 3981, 2404, 804, -804, -2404, -3981, -5520, -7005, -8423, -9760, -11003, -12140, -13160, -14053, -14811, -15426, -15893, -16207, -16364},
	{16305, 15679, 14449, 12665, 10394, 7723, 4756, 1606, -1606, -4756, -7723, -10394, -12665, -14449, -15679, -16305, -16305, -15679, -14449, -12665, -10394, -7723, -4756, -1606, 1606, 4756, 7723, 10394, 12665, 14449, 15679, 16305},
	{16207, 14811, 12140, 8423, 3981, -804, -5520, -9760, -13160, -15426, -16364, -15893, -14053, -11003, -7005, -2404, 2404, 7005, 11003, 14053, 15893, 16364, 15426, 13160, 9760, 5520, 804, -3981, -8423, -12140, -14811, -16207},
	{16069, 13623, 9102, 3196, -3196, -9102, -13623, -16069, -16069, -13623, -9102, -3196, 3196, 9102, 13623, 16069, 16069, 13623, 9102, 3196, -3196, -9102, -13623, -16069, -16069, -13623, -9102, -3196, 3196, 9102, 13623, 16069},
	{15893, 12140, 5520, -2404, -9760, -14811, -16364, -14053, -8423, -804, 7005, 13160, 16207, 15426, 11003, 3981, -3981, -11003, -15426, -16207, -13160, -7005, 804, 8423, 14053, 16364, 14811, 9760, 2404, -5520, -12140, -15893},
	{15679, 10394, 1606, -7723, -14449, -16305, -12665, -4756, 4756, 12665, 16305, 14449, 7723, -1606, -10394, -15679, -15679, -10394, -1606, 7723, 14449, 16305, 12665, 4756, -4756, -12665, -16305, -14449, -7723, 1606, 10394, 15679},
	{15426, 8423, -2404, -12140, -16364, -13160, -3981, 7005, 14811, 15893, 9760, -804, -11003, -16207, -14053, -5520, 5520, 14053, 16207, 11003, 804, -9760, -15893, -14811, -7005, 3981, 13160, 16364, 12140, 2404, -8423, -15426},
	{15137, 6270, -6270, -15137, -15137, -6270, 6270, 15137, 15137, 6270, -6270, -15137, -15137, -6270, 6270, 15137, 15137, 6270, -6270, -15137, -15137, -6270, 6270, 15137, 15137, 6270, -6270, -15137, -15137, -6270, 6270, 15137},
	{14811, 3981, -9760, -16364, -11003, 2404, 14053, 15426, 5520, -8423, -16207, -12140, 804, 13160, 15893, 7005, -7005, -15893, -13160, -804, 12140, 16207, 8423, -5520, -15426, -14053, -2404, 11003, 16364, 9760, -3981, -14811},
	{14449, 1606, -12665, -15679, -4756, 10394, 16305, 7723, -7723, -16305, -10394, 4756, 15679, 12665, -1606, -14449, -14449, -1606, 12665, 15679, 4756, -10394, -16305, -7723, 7723, 16305, 10394, -4756, -15679, -12665, 1606, 14449},
}

// taper[i] = round(256 · (1 - cos(π·d))/2), d = distance of cell i's centre
// from the nearer edge in units of 1/5 of the window: a raised-cosine
// window over the outer fifth of each side. Cropping moves content across
// the edges of the window; the taper makes what happens there count little.
var taper = [side]int64{4, 33, 85, 147, 204, 244, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256,
	256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 244, 204, 147, 85, 33, 4}

// freq is one DCT coefficient: u cycles across, v cycles down.
type freq struct{ u, v int }

// shape removes the mean of a thumbnail and, if tapered, applies the
// taper; what is left is the pattern of light and dark the hash describes.
// Values stay below 2^22 in magnitude: 1024·4080 before the taper, and
// the taper (at most 2^16) is divided back out by the shift. The shift
// floors negative values, on every machine alike.
func shape(t *thumbnail, tapered bool) *thumbnail {
	var sum int64
	for y := range t {
		for x := range t[y] {
			sum += t[y][x]
		}
	}
	var p thumbnail
	for y := range t {
		for x := range t[y] {
			c := t[y][x]*side*side - sum
			if tapered {
				c = c * taper[x] * taper[y] >> 16
			}
			p[y][x] = c
		}
	}
	return &p
}

// dct returns the requested coefficients of the 2-D DCT-II of p exactly:
// |p| < 2^22 and each pass multiplies by at most 2^14 · 32, so every sum
// is below 2^60 and int64 neither overflows nor rounds. Every machine gets
// the same integers.
func dct(p *thumbnail, fs []freq) []int64 {
	maxU := 0
	for _, f := range fs {
		maxU = max(maxU, f.u)
	}
	// rows[y][u] = Σx cos[u][x] · p[y][x]
	var rows [side][len(cosTable)]int64
	for y := range side {
		for u := 0; u <= maxU; u++ {
			var s int64
			for x := range side {
				s += cosTable[u][x] * p[y][x]
			}
			rows[y][u] = s
		}
	}
	out := make([]int64, len(fs))
	for k, f := range fs {
		var s int64
		for y := range side {
			s += cosTable[f.v][y] * rows[y][f.u]
		}
		out[k] = s
	}
	return out
}

// bitOf places coefficient k of the hash at bit 16·(k mod 4) + k/4, so each
// 16-bit band of the hash (the unit of the index) holds every fourth
// coefficient, low and high frequencies alike, rather than one frequency
// range whose bits tend to change together.
func bitOf(k int) uint { return uint(16*(k%4) + k/4) }

// bitsOf sets bit bitOf(k) when coefficient k is above the median of all
// of them (compared as 2c > the sum of the two middle values, so an even
// count needs no division).
func bitsOf(c []int64) Hash {
	s := slices.Clone(c)
	slices.Sort(s)
	n := len(s)
	med2 := s[n/2] + s[(n-1)/2]
	var h Hash
	for k, v := range c {
		if 2*v > med2 {
			h |= 1 << bitOf(k)
		}
	}
	return h
}
