package fingerprint

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/gif"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	"golang.org/x/image/tiff"
)

var update = flag.Bool("update", false, "rewrite the golden images and testdata/golden.txt")

// The golden files are small images committed as bytes (generating them
// again uses floating point, which may round differently on another
// machine), in every format, so that a change to the arithmetic or to a
// decoder shows as a changed fingerprint. Masternodes must all compute the
// same fingerprints, so such a change has to be deliberate.
var goldenFiles = []string{
	"landscape.png", "abstract.jpeg", "clouds.gif", "portrait.bmp", "pattern.tiff",
	"../video-001.lossy.webp", "../gopher-doc.with-alpha.lossless.webp",
}

func writeGoldenImages(t *testing.T) {
	small := func(seed uint64) image.Image {
		src := synthSized(seed, rand.New(rand.NewPCG(seed, 99)), 640, 480)
		w, h := 200, 150
		if seed >= 3 { // uncompressed formats: keep the files small
			w, h = 100, 75
		}
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
		return dst
	}
	var gifBuf, bmpBuf, tiffBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, small(2), nil); err != nil {
		t.Fatal(err)
	}
	if err := bmp.Encode(&bmpBuf, small(3)); err != nil {
		t.Fatal(err)
	}
	if err := tiff.Encode(&tiffBuf, small(4), &tiff.Options{Compression: tiff.Deflate}); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"landscape.png": encodePNG(small(0)),
		"abstract.jpeg": encodeJPEG(small(1), 85),
		"clouds.gif":    gifBuf.Bytes(),
		"portrait.bmp":  bmpBuf.Bytes(),
		"pattern.tiff":  tiffBuf.Bytes(),
	}
	if err := os.MkdirAll("testdata/golden", 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join("testdata/golden", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// coefficientsDigest is the first 8 bytes of SHA-256 over the canonical
// window's DCT coefficients, each big-endian: the exact integers, so any
// change in the arithmetic shows even when no bit of the hash flips.
func coefficientsDigest(img image.Image) []byte {
	b := img.Bounds()
	p := chosen
	x, y := p.window(b.Min.X, b.Max.X, p.trim, p.trim), p.window(b.Min.Y, b.Max.Y, p.trim, p.trim)
	d := sha256.New()
	for _, c := range dct(shape(reduce(img, []axis{x}, []axis{y})[0][0], p.taper), p.coeffs) {
		binary.Write(d, binary.BigEndian, c)
	}
	return d.Sum(nil)[:8]
}

// probesDigest is the first 8 bytes of SHA-256 over the probes, each
// big-endian.
func probesDigest(img image.Image) []byte {
	d := sha256.New()
	for _, p := range Probes(img) {
		binary.Write(d, binary.BigEndian, uint64(p))
	}
	return d.Sum(nil)[:8]
}

func TestGolden(t *testing.T) {
	if *update {
		writeGoldenImages(t)
	}
	var b strings.Builder
	for _, name := range goldenFiles {
		data, err := os.ReadFile(filepath.Join("testdata/golden", name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := Decode(bytes.NewReader(data), 1<<24)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fmt.Fprintf(&b, "%s %v %x %x\n", filepath.Base(name), FromImage(img), probesDigest(img), coefficientsDigest(img))
	}
	got := b.String()
	if *update {
		if err := os.WriteFile("testdata/golden.txt", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("fingerprints changed (run with -update only if that is intended):\ngot\n%swant\n%s", got, want)
	}
}
