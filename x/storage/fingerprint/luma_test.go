package fingerprint

import (
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"testing"
)

// TestLumaFastPathsMatchGeneric requires every fast path of lumaRow to give
// what the generic At-based path gives, pixel for pixel.
func TestLumaFastPathsMatchGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	r := image.Rect(-3, 5, 61, 40)
	src := image.NewNRGBA(r)
	for i := range src.Pix {
		src.Pix[i] = uint8(rng.IntN(256))
	}
	pal := color.Palette{color.Black, color.White, color.NRGBA{200, 10, 10, 128}, color.RGBA{0, 0, 255, 255}}
	paletted := image.NewPaletted(r, pal)
	for i := range paletted.Pix {
		paletted.Pix[i] = uint8(rng.IntN(len(pal) + 2)) // including indices past the palette
	}
	ycc := image.NewYCbCr(r, image.YCbCrSubsampleRatio420)
	for _, p := range [][]byte{ycc.Y, ycc.Cb, ycc.Cr} {
		for i := range p {
			p[i] = uint8(rng.IntN(256))
		}
	}
	gray := image.NewGray(r)
	rgba := image.NewRGBA(r)
	draw.Draw(gray, r, src, r.Min, draw.Src)
	draw.Draw(rgba, r, src, r.Min, draw.Src)
	for _, img := range []image.Image{src, rgba, gray, ycc, paletted} {
		row := make([]uint8, r.Dx()-5)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			lumaRow(img, y, r.Min.X+2, row)
			for i, got := range row {
				x := r.Min.X + 2 + i
				var want uint8
				if p, ok := img.(*image.Paletted); ok && int(p.ColorIndexAt(x, y)) >= len(p.Palette) {
					want = luma(color.Black.RGBA()) // At would panic; the fast path reads black
				} else {
					want = luma(img.At(x, y).RGBA())
				}
				if got != want {
					t.Fatalf("%T at (%d,%d): fast path %d, generic %d", img, x, y, got, want)
				}
			}
		}
	}
}

func TestLumaOverWhite(t *testing.T) {
	for _, c := range []struct {
		c    color.Color
		want uint8
	}{
		{color.Transparent, 255},
		{color.Black, 0},
		{color.White, 255},
		{color.NRGBA{0, 0, 0, 128}, 127},
		{color.RGBA{255, 0, 0, 255}, 76},
		{color.RGBA{0, 255, 0, 255}, 150},
		{color.RGBA{0, 0, 255, 255}, 29},
	} {
		if got := luma(c.c.RGBA()); got != c.want {
			t.Errorf("luma(%v) = %d, want %d", c.c, got, c.want)
		}
	}
}
