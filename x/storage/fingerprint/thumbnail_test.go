package fingerprint

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// slowThumbnail is reduce written the obvious way: for every cell and every
// pixel, the overlap of their extents along each axis.
func slowThumbnail(img image.Image, xa, ya axis) *thumbnail {
	overlap := func(a axis, cell, px int) int64 {
		n := a.len()
		lo, hi := max(cell*n, side*(px-a.lo)), min((cell+1)*n, side*(px-a.lo+1))
		return int64(max(0, hi-lo))
	}
	var t thumbnail
	area := int64(xa.len()) * int64(ya.len())
	for cy := range side {
		for cx := range side {
			var s int64
			for y := ya.lo; y < ya.hi; y++ {
				for x := xa.lo; x < xa.hi; x++ {
					s += overlap(xa, cx, x) * overlap(ya, cy, y) * int64(luma(img.At(x, y).RGBA()))
				}
			}
			t[cy][cx] = (s*32 + area) / (2 * area)
		}
	}
	return &t
}

func TestReduceMatchesSlow(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := range 12 {
		// Sizes below, at and above the thumbnail, odd and even.
		w, h := 1+rng.IntN(90), 1+rng.IntN(90)
		if trial == 0 {
			w, h = 1, 1
		}
		img := image.NewGray(image.Rect(3, -2, 3+w, -2+h))
		for i := range img.Pix {
			img.Pix[i] = uint8(rng.IntN(256))
		}
		b := img.Bounds()
		var xs, ys []axis
		for range 3 {
			lo := b.Min.X + rng.IntN(w)
			xs = append(xs, axis{lo, lo + 1 + rng.IntN(b.Max.X-lo)})
			lo = b.Min.Y + rng.IntN(h)
			ys = append(ys, axis{lo, lo + 1 + rng.IntN(b.Max.Y-lo)})
		}
		got := reduce(img, xs, ys)
		for i, xa := range xs {
			for j, ya := range ys {
				if want := slowThumbnail(img, xa, ya); *got[i][j] != *want {
					t.Fatalf("%dx%d window %v×%v: reduce differs from the slow sum", w, h, xa, ya)
				}
			}
		}
	}
}

// TestReduceResizeInvariant: a thumbnail of an image scaled up by an
// integer factor by pixel replication is the same thumbnail exactly.
func TestReduceResizeInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	small := image.NewGray(image.Rect(0, 0, 45, 37))
	for i := range small.Pix {
		small.Pix[i] = uint8(rng.IntN(256))
	}
	big := image.NewGray(image.Rect(0, 0, 45*3, 37*3))
	for y := range 37 * 3 {
		for x := range 45 * 3 {
			big.SetGray(x, y, color.Gray{small.GrayAt(x/3, y/3).Y})
		}
	}
	a := reduce(small, []axis{{0, 45}}, []axis{{0, 37}})[0][0]
	b := reduce(big, []axis{{0, 135}}, []axis{{0, 111}})[0][0]
	if *a != *b {
		t.Fatal("replicating pixels changed the thumbnail")
	}
}
