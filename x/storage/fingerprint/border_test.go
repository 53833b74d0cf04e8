package fingerprint

import (
	"image"
	"image/color"
	"testing"

	"golang.org/x/image/draw"
)

// probeCount is the number of Probes of an image without a frame.
func probeCount() int {
	n := len(chosen.probeTrims)
	return 1 + n*n*n*n
}

func framed(img image.Image, px, py int, c color.Color) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx()+2*px, b.Dy()+2*py))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(c), image.Point{}, draw.Src)
	draw.Draw(dst, image.Rect(px, py, px+b.Dx(), py+b.Dy()), img, b.Min, draw.Src)
	return dst
}

// TestContentBounds: a plain frame is found exactly, also through JPEG; a
// picture without one, a frame under 1% of a side, one that would leave
// less than half the picture, and a flat image are left whole.
func TestContentBounds(t *testing.T) {
	pic := synth(11)
	b := pic.Bounds()
	for _, c := range []color.Color{color.White, color.Black, color.RGBA{200, 30, 90, 255}} {
		f := framed(pic, 40, 25, c)
		if got, want := contentBounds(f), image.Rect(40, 25, 40+b.Dx(), 25+b.Dy()); got != want {
			t.Errorf("frame %v: %v, want %v", c, got, want)
		}
		j := mustDecode(encodeJPEG(f, 80))
		got := contentBounds(j)
		if d := got.Min.Sub(image.Pt(40, 25)); d.X < -1 || d.X > 8 || d.Y < -1 || d.Y > 8 || got.Dx() < b.Dx()-16 || got.Dx() > b.Dx()+2 {
			t.Errorf("frame %v through JPEG: %v", c, got)
		}
	}
	if got := contentBounds(pic); got != b {
		t.Errorf("no frame: %v, want %v", got, b)
	}
	thin := framed(pic, 1, 1, color.White) // under 1% of a side
	if got := contentBounds(thin); got != thin.Bounds() {
		t.Errorf("thin frame: %v", got)
	}
	small := image.NewRGBA(image.Rect(0, 0, 60, 60))
	draw.Draw(small, small.Bounds(), image.NewUniform(color.Black), image.Point{}, draw.Src)
	wide := framed(small, 100, 100, color.White) // the picture is a sixth of it
	if got := contentBounds(wide); got != wide.Bounds() {
		t.Errorf("frame leaving less than half: %v", got)
	}
	flat := image.NewGray(image.Rect(0, 0, 300, 200))
	if got := contentBounds(flat); got != flat.Bounds() {
		t.Errorf("flat image: %v", got)
	}
}

// TestFramedCopyHasAProbe: Probes of a framed copy end with the
// fingerprint of what is inside the frame, which is the original's; an
// image without a frame has no such probe.
func TestFramedCopyHasAProbe(t *testing.T) {
	pic := synth(12)
	orig := FromImage(pic)
	ps := Probes(framed(pic, 30, 30, color.White))
	if len(ps) != probeCount()+1 {
		t.Fatalf("%d probes of a framed copy, want %d", len(ps), probeCount()+1)
	}
	if d := Distance(ps[len(ps)-1], orig); d > ProbeThreshold {
		t.Fatalf("inside the frame at %d from the original", d)
	}
	if len(Probes(pic)) != probeCount() {
		t.Fatal("an unframed image got a frame probe")
	}
}
