package fingerprint

import (
	"image"
	"slices"
)

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

// freq is one DCT coefficient: u cycles across, v cycles down.
type freq struct{ u, v int }

// dct returns the requested coefficients of the 2-D DCT-II of t, exactly,
// in units of cosScale² / 16 of a luminance level. The largest magnitude is
// below 4080 · 2^14 · 32 · 2^14 · 32 < 2^51, so int64 cannot overflow and
// no rounding happens anywhere: every machine gets the same integers.
func dct(t *thumbnail, fs []freq) []int64 {
	maxU := 0
	for _, f := range fs {
		maxU = max(maxU, f.u, f.v)
	}
	// rows[y][u] = Σx cos[u][x] · t[y][x]
	var rows [side][len(cosTable)]int64
	for y := range side {
		for u := 0; u <= maxU; u++ {
			var s int64
			for x := range side {
				s += cosTable[u][x] * t[y][x]
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

// params are the choices that define the hash. They are fixed: changing
// any of them changes every fingerprint (TestGolden). The alternatives
// compared in TestChooseParams live in the tests.
type params struct {
	// trim is the part of each side left out before reducing, in 1/1000.
	trim int
	// coeffs are the DCT coefficients compared to their median, in bit
	// order; at most 64.
	coeffs []freq
}

// bitOf places coefficient k of the hash at bit 16·(k mod 4) + k/4, so each
// 16-bit band of the hash (the unit of the index) holds every fourth
// coefficient, low and high frequencies alike, rather than one frequency
// range whose bits rise and fall together.
func bitOf(k int) uint { return uint(16*(k%4) + k/4) }

// hashImage computes the fingerprint of img under p.
func hashImage(img image.Image, p params) Hash {
	b := img.Bounds()
	dx, dy := b.Dx()*p.trim/1000, b.Dy()*p.trim/1000
	r := image.Rect(b.Min.X+dx, b.Min.Y+dy, b.Max.X-dx, b.Max.Y-dy)
	if r.Empty() {
		r = b
	}
	c := dct(reduce(img, r), p.coeffs)

	// Compare 2c with twice the median so an even count needs no division.
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
