package fingerprint

import (
	"image"
	"image/color"
)

// luma is the 8-bit luminance of a colour given as image/color's 16-bit
// alpha-premultiplied components, composited over white: transparent areas
// look as they do on a white page, the background most viewers use.
// The weights are ITU-R BT.601's, the ones JPEG uses for Y and
// color.GrayModel uses, so a JPEG and a PNG of the same picture agree.
func luma(r, g, b, a uint32) uint8 {
	bg := 0xffff - a
	r, g, b = r+bg, g+bg, b+bg
	return uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 24)
}

// lumaRow writes the luminance of row y, columns [x0, x0+len(dst)), of img
// into dst. The common decoder outputs take a fast path that calls the
// same colour conversions as the generic path on concrete types, so every
// path gives the same bytes (checked by TestLumaFastPathsMatchGeneric).
func lumaRow(img image.Image, y, x0 int, dst []uint8) {
	x1 := x0 + len(dst)
	switch m := img.(type) {
	case *image.Gray:
		copy(dst, m.Pix[m.PixOffset(x0, y):m.PixOffset(x1-1, y)+1])
	case *image.YCbCr:
		yi := m.YOffset(x0, y)
		for x := x0; x < x1; x++ {
			ci := m.COffset(x, y)
			r, g, b, a := color.YCbCr{Y: m.Y[yi], Cb: m.Cb[ci], Cr: m.Cr[ci]}.RGBA()
			dst[x-x0] = luma(r, g, b, a)
			yi++
		}
	case *image.RGBA:
		p := m.Pix[m.PixOffset(x0, y):]
		for i := range dst {
			r, g, b, a := color.RGBA{p[4*i], p[4*i+1], p[4*i+2], p[4*i+3]}.RGBA()
			dst[i] = luma(r, g, b, a)
		}
	case *image.NRGBA:
		p := m.Pix[m.PixOffset(x0, y):]
		for i := range dst {
			r, g, b, a := color.NRGBA{p[4*i], p[4*i+1], p[4*i+2], p[4*i+3]}.RGBA()
			dst[i] = luma(r, g, b, a)
		}
	case *image.Paletted:
		var pal [256]uint8
		for i, c := range m.Palette[:min(len(m.Palette), len(pal))] {
			pal[i] = luma(c.RGBA())
		}
		// Indices past the palette decode as opaque black, as At does.
		black := luma(color.Black.RGBA())
		for i := len(m.Palette); i < len(pal); i++ {
			pal[i] = black
		}
		p := m.Pix[m.PixOffset(x0, y):]
		for i := range dst {
			dst[i] = pal[p[i]]
		}
	default:
		for x := x0; x < x1; x++ {
			dst[x-x0] = luma(img.At(x, y).RGBA())
		}
	}
}
