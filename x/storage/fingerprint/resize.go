package fingerprint

import "image"

// side is the edge of the thumbnail the DCT runs on.
const side = 32

// thumbnail is the image reduced to side×side cells, each the mean
// luminance of the part of the image it covers, in units of 1/16 of a
// luminance level (0..4080).
type thumbnail [side][side]int64

// span is the part of one source pixel that falls in one cell along an
// axis, in 1/side of a pixel.
type span struct {
	cell   int
	weight int64
}

// axisSpans returns, for each of n source pixels, the cells it overlaps
// and by how much. Coordinates are multiplied by side so that the cell
// boundaries i·n/side land on integers: pixel j covers [side·j, side·j+side)
// and cell i covers [i·n, i·n+n).
func axisSpans(n int) [][]span {
	out := make([][]span, n)
	for j := range n {
		lo, hi := int64(side*j), int64(side*j+side)
		for i := int(lo / int64(n)); i < side; i++ {
			clo, chi := int64(i*n), int64(i*n+n)
			if clo >= hi {
				break
			}
			w := min(hi, chi) - max(lo, clo)
			if w > 0 {
				out[j] = append(out[j], span{i, w})
			}
		}
	}
	return out
}

// reduce averages the rectangle r of img into a thumbnail with an exact box
// filter: every source pixel contributes in proportion to the area it
// shares with each cell, so resizing the source changes the thumbnail only
// by rounding. Integer arithmetic throughout; r must be non-empty and
// inside img.Bounds(). One row of luminance is held at a time.
func reduce(img image.Image, r image.Rectangle) *thumbnail {
	w, h := r.Dx(), r.Dy()
	xs, ys := axisSpans(w), axisSpans(h)
	row := make([]uint8, w)
	var acc thumbnail
	var line [side]int64
	for y := range h {
		lumaRow(img, r.Min.Y+y, r.Min.X, row)
		line = [side]int64{}
		for x, v := range row {
			for _, s := range xs[x] {
				line[s.cell] += s.weight * int64(v)
			}
		}
		for _, s := range ys[y] {
			for i := range line {
				acc[s.cell][i] += s.weight * line[i]
			}
		}
	}
	// Each cell's weights sum to w·h; round the mean to 1/16 level.
	area := int64(w) * int64(h)
	for i := range acc {
		for j := range acc[i] {
			acc[i][j] = (acc[i][j]*32 + area) / (2 * area)
		}
	}
	return &acc
}
