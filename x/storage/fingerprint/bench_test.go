package fingerprint

import (
	"bytes"
	"image"
	"math/rand/v2"
	"sync"
	"testing"
)

var (
	bigOnce sync.Once
	bigImg  *image.RGBA
	bigPNG  []byte
)

// big is a 3000×2000 synthetic photograph and its PNG (about 20 MiB with
// the grain, which PNG cannot compress away).
func big(b *testing.B) (*image.RGBA, []byte) {
	bigOnce.Do(func() {
		bigImg = synthSized(1, rand.New(rand.NewPCG(1, 1)), 3000, 2000)
		bigPNG = encodePNG(bigImg)
	})
	return bigImg, bigPNG
}

// BenchmarkCompute decodes a 20 MiB PNG and fingerprints it.
func BenchmarkCompute(b *testing.B) {
	_, p := big(b)
	b.SetBytes(int64(len(p)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Compute(bytes.NewReader(p), 1<<24); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFromImage is Compute without the PNG decoding.
func BenchmarkFromImage(b *testing.B) {
	img, _ := big(b)
	for b.Loop() {
		FromImage(img)
	}
}

// BenchmarkProbes is the 82-window fingerprint a masternode computes for
// its duplicate search.
func BenchmarkProbes(b *testing.B) {
	img, _ := big(b)
	for b.Loop() {
		Probes(img)
	}
}

// BenchmarkFromImageJPEG fingerprints a decoded JPEG (YCbCr pixels).
func BenchmarkFromImageJPEG(b *testing.B) {
	img, _ := big(b)
	y := mustDecode(encodeJPEG(img, 85))
	b.ResetTimer()
	for b.Loop() {
		FromImage(y)
	}
}
