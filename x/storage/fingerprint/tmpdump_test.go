package fingerprint

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"testing"
	"time"

	"golang.org/x/image/draw"
)

func TestTmpDump(t *testing.T) {
	// contact sheet of 20 images at 160px
	sheet := image.NewRGBA(image.Rect(0, 0, 5*160, 4*160))
	t0 := time.Now()
	for i := range 20 {
		m := synth(uint64(i))
		draw.ApproxBiLinear.Scale(sheet, image.Rect((i%5)*160, (i/5)*160, (i%5)*160+160, (i/5)*160+160), m, m.Bounds(), draw.Src, nil)
	}
	fmt.Println("20 synth", time.Since(t0))
	f, _ := os.Create("/tmp/sheet.png")
	png.Encode(f, sheet)
	f.Close()
}
