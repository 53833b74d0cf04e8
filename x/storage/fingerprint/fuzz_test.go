package fingerprint

import (
	"bytes"
	"errors"
	"image"
	"image/gif"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// FuzzCompute feeds arbitrary bytes to Compute: it must return a
// fingerprint or one of the package's errors, never panic, and give the
// same answer twice. The seeds are tiny images in every format (small
// inputs keep the fuzzer fast), the real WebP files, a huge header and
// truncations; testdata/fuzz/FuzzCompute holds inputs found since.
func FuzzCompute(f *testing.F) {
	img := image.NewRGBA(image.Rect(0, 0, 12, 9))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 37)
	}
	var gifBuf, bmpBuf, tiffBuf, tiffRaw bytes.Buffer
	gif.Encode(&gifBuf, img, nil)
	bmp.Encode(&bmpBuf, img)
	tiff.Encode(&tiffBuf, img, &tiff.Options{Compression: tiff.Deflate})
	tiff.Encode(&tiffRaw, img, nil)
	seeds := [][]byte{encodePNG(img), encodeJPEG(img, 50), gifBuf.Bytes(), bmpBuf.Bytes(), tiffBuf.Bytes(), tiffRaw.Bytes()}
	for _, name := range []string{"video-001.lossy.webp", "gopher-doc.with-alpha.lossless.webp"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	for _, s := range seeds {
		f.Add(s)
		f.Add(s[:len(s)*2/3])
	}
	f.Add(pngHeader(1<<20, 1<<20))
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxPixels = 1 << 20 // keeps each input cheap
		h, err := Compute(bytes.NewReader(data), maxPixels)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		h2, err := Compute(bytes.NewReader(data), maxPixels)
		if err != nil || h2 != h {
			t.Fatalf("second run: %v, %v; first %v", h2, err, h)
		}
		img, err := Decode(bytes.NewReader(data), maxPixels)
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx()*b.Dy() > maxPixels {
			t.Fatalf("decoded %v, more than %d pixels", b, maxPixels)
		}
		if ps := Probes(img); ps[0] != h {
			t.Fatalf("Probes(img)[0] = %v, Compute = %v", ps[0], h)
		}
	})
}
