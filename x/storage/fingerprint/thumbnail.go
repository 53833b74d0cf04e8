package fingerprint

import "image"

// side is the edge of the thumbnail the DCT runs on.
const side = 32

// thumbnail is part of an image reduced to side×side cells, each the mean
// luminance of the area it covers, in units of 1/16 of a level (0..4080).
type thumbnail [side][side]int64

// axis is a window [lo, hi) of pixel columns (or rows) divided into side
// equal cells. Coordinates relative to lo are multiplied by side so that
// cell boundaries land on integers: pixel j covers [side·j, side·j+side)
// and cell i covers [i·n, i·n+n), n = hi-lo. A pixel's weight in a cell is
// the length of the overlap; a cell's weights sum to n.
type axis struct{ lo, hi int }

func (a axis) len() int { return a.hi - a.lo }

// cellSum is the weighted sum of cell i of a row of the window, given the
// row from the window's first pixel and its prefix sums (prefix[j+1] -
// prefix[j] = row[j]): the partial first and last pixels by their overlap,
// the whole ones between by side each.
func (a axis) cellSum(i int, row []uint8, prefix []int64) int64 {
	n := int64(a.len())
	lo, hi := int64(i)*n, int64(i+1)*n
	first, last := lo/side, (hi-1)/side
	if first == last {
		return n * int64(row[first])
	}
	wFirst := side*(first+1) - lo
	wLast := hi - side*last
	return wFirst*int64(row[first]) + side*(prefix[last]-prefix[first+1]) + wLast*int64(row[last])
}

// rowCells calls fn for each cell that pixel r (relative to lo) overlaps,
// with the overlap.
func (a axis) rowCells(r int, fn func(cell int, weight int64)) {
	n := a.len()
	plo, phi := side*r, side*r+side
	for c := plo / n; c < side && c*n < phi; c++ {
		if w := min(phi, (c+1)*n) - max(plo, c*n); w > 0 {
			fn(c, int64(w))
		}
	}
}

// reduce averages img over every window xs[i] × ys[j] into out[i][j] with
// an exact box filter: each pixel counts in proportion to the area it
// shares with each cell, so a resized copy of an image gives the same
// thumbnail up to rounding. Integer arithmetic throughout, so the result
// is the same on every machine. The image is read once, a row at a time,
// whatever the number of windows, and each row costs one prefix sum plus a
// few operations per window cell. All windows must be non-empty and inside
// img.Bounds().
func reduce(img image.Image, xs, ys []axis) [][]*thumbnail {
	x0, x1 := xs[0].lo, xs[0].hi
	for _, a := range xs {
		x0, x1 = min(x0, a.lo), max(x1, a.hi)
	}
	y0, y1 := ys[0].lo, ys[0].hi
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
	prefix := make([]int64, x1-x0+1)
	lines := make([][side]int64, len(xs))
	for y := y0; y < y1; y++ {
		lumaRow(img, y, x0, row)
		for j, v := range row {
			prefix[j+1] = prefix[j] + int64(v)
		}
		for i, a := range xs {
			off := a.lo - x0
			for c := range side {
				lines[i][c] = a.cellSum(c, row[off:], prefix[off:])
			}
		}
		for j, a := range ys {
			if y < a.lo || y >= a.hi {
				continue
			}
			a.rowCells(y-a.lo, func(cell int, w int64) {
				for i := range xs {
					cells := &acc[i][j][cell]
					for c, v := range lines[i] {
						cells[c] += w * v
					}
				}
			})
		}
	}
	// A cell's weights sum to (x window)·(y window): divide, rounding to
	// the nearest 1/16 level. Sums are at most 255·area, so ·32 is safe.
	for i, xa := range xs {
		for j, ya := range ys {
			area := int64(xa.len()) * int64(ya.len())
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
