package fingerprint

import "image"

// borderTolerance is how far (in luminance levels) a pixel of an added
// border may be from the border's colour: enough for JPEG ringing in a
// flat frame, little enough that picture content stops the scan.
const borderTolerance = 12

// contentBounds is b less a flat frame around the picture: the rows and
// columns at each edge whose every pixel is within borderTolerance of the
// top-left pixel's luminance, as when a copy is framed by a plain border
// (an edit the canonical window cannot see through: the picture shrinks
// inside it). The frame is removed only if it takes at least 1% of a side
// and leaves at least half the width and height; otherwise, and for a
// flat image, b is returned. Integer arithmetic, so it is the same on
// every machine.
func contentBounds(img image.Image) image.Rectangle {
	b := img.Bounds()
	if b.Dx() < 4 || b.Dy() < 4 {
		return b
	}
	row := make([]uint8, b.Dx())
	lumaRow(img, b.Min.Y, b.Min.X, row)
	c := int(row[0])
	inFrame := func(v uint8) bool { d := int(v) - c; return d <= borderTolerance && d >= -borderTolerance }
	flat := func(px []uint8) bool {
		for _, v := range px {
			if !inFrame(v) {
				return false
			}
		}
		return true
	}
	top, bottom := b.Min.Y, b.Max.Y
	for top < bottom {
		lumaRow(img, top, b.Min.X, row)
		if !flat(row) {
			break
		}
		top++
	}
	if top == bottom {
		return b // a flat image
	}
	for bottom > top {
		lumaRow(img, bottom-1, b.Min.X, row)
		if !flat(row) {
			break
		}
		bottom--
	}
	// Columns, over the rows left: one luma row at a time, tracking for
	// each column whether it is still flat.
	left, right := b.Min.X, b.Max.X
	colFlat := make([]bool, b.Dx())
	for i := range colFlat {
		colFlat[i] = true
	}
	for y := top; y < bottom; y++ {
		lumaRow(img, y, b.Min.X, row)
		for i, v := range row {
			colFlat[i] = colFlat[i] && inFrame(v)
		}
	}
	for left < right && colFlat[left-b.Min.X] {
		left++
	}
	for right > left && colFlat[right-1-b.Min.X] {
		right--
	}
	r := image.Rect(left, top, right, bottom)
	minX, minY := max(1, b.Dx()/100), max(1, b.Dy()/100)
	framed := top-b.Min.Y >= minY || b.Max.Y-bottom >= minY || left-b.Min.X >= minX || b.Max.X-right >= minX
	if !framed || 2*r.Dx() < b.Dx() || 2*r.Dy() < b.Dy() {
		return b
	}
	return r
}
