package fingerprint

import "image"

// side is the edge of the thumbnail the DCT runs on.
const side = 32

// thumbnail is part of an image reduced to side×side cells, each the mean
// luminance of the area it covers, in units of 1/16 of a level (0..4080).
type thumbnail [side][side]int64

// span is the part of one source pixel that falls in one cell along an
// axis, in 1/side of a pixel.
type span struct {
	cell   int
	weight int64
}

// axis is a window [lo, hi) of pixel columns (or rows) divided into side
// cells. Coordinates are multiplied by side so that the cell boundaries
// lo + i·n/side (n = hi-lo) land on integers: pixel lo+j covers
// [side·j, side·j+side) and cell i covers [i·n, i·n+n).
type axis struct {
	lo, hi int
	spans  [][]span // by pixel - lo
}

func newAxis(lo, hi int) axis {
	n := hi - lo
	a := axis{lo: lo, hi: hi, spans: make([][]span, n)}
	for j := range n {
		plo, phi := int64(side*j), int64(side*j+side)
		for i := int(plo / int64(n)); i < side; i++ {
			clo, chi := int64(i*n), int64(i*n+n)
			if clo >= phi {
				break
			}
			if w := min(phi, chi) - max(plo, clo); w > 0 {
				a.spans[j] = append(a.spans[j], span{i, w})
			}
		}
	}
	return a
}

// reduce averages img over every window xs[i] × ys[j] into out[i][j] with
// an exact box filter: each pixel counts in proportion to the area it
// shares with each cell, so a resized copy of an image gives the same
// thumbnail up to rounding. Integer arithmetic throughout, so the result
// is the same on every machine. The image is read once, a row at a time,
// whatever the number of windows; all windows must be non-empty and inside
// img.Bounds().
func reduce(img image.Image, xs, ys []axis) [][]*thumbnail {
	b := img.Bounds()
	x0, x1 := b.Max.X, b.Min.X
	for _, a := range xs {
		x0, x1 = min(x0, a.lo), max(x1, a.hi)
	}
	y0, y1 := b.Max.Y, b.Min.Y
	for _, a := range ys {
		y0, y1 = min(y0, a.lo), max(y1, a.hi)
	}
	acc := make([][]*thumbnail, len(xs))
	for i := range acc {
		acc[i] = make([]*thumbnail, len(ys))
		for j := range acc[i] {
			acc[i][j] = new(thumbnail)
		}
	}
	row := make([]uint8, x1-x0)
	lines := make([][side]int64, len(xs))
	for y := y0; y < y1; y++ {
		lumaRow(img, y, x0, row)
		for i, a := range xs {
			l := &lines[i]
			*l = [side]int64{}
			for j, v := range row[a.lo-x0 : a.hi-x0] {
				for _, s := range a.spans[j] {
					l[s.cell] += s.weight * int64(v)
				}
			}
		}
		for j, a := range ys {
			if y < a.lo || y >= a.hi {
				continue
			}
			for _, s := range a.spans[y-a.lo] {
				for i := range xs {
					cells := &acc[i][j][s.cell]
					for c, v := range lines[i] {
						cells[c] += s.weight * v
					}
				}
			}
		}
	}
	// A cell's weights sum to (x window)·(y window): divide, rounding to
	// the nearest 1/16 level. Sums stay below 255·2^5·maxPixels·2^5.
	for i, xa := range xs {
		for j, ya := range ys {
			area := int64(xa.hi-xa.lo) * int64(ya.hi-ya.lo)
			t := acc[i][j]
			for r := range t {
				for c := range t[r] {
					t[r][c] = (t[r][c]*32 + area) / (2 * area)
				}
			}
		}
	}
	return acc
}
