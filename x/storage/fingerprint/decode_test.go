package fingerprint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/gif"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	"golang.org/x/image/tiff"
)

// pngHeader is a PNG signature and IHDR chunk declaring w×h RGB pixels.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk := append([]byte("IHDR"), ihdr...)
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestHugeImageRejectedBeforeDecoding(t *testing.T) {
	// 100000×100000 RGB would need 40 GB; the header alone is enough to
	// refuse it, and almost nothing is allocated.
	in := append(pngHeader(100000, 100000), make([]byte, 1<<16)...)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Compute(bytes.NewReader(in), 50_000_000)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Fatalf("allocated %d bytes refusing a huge image", alloc)
	}
}

func TestCheckSize(t *testing.T) {
	for _, c := range []struct {
		w, h, max int
		want      error
	}{
		{1, 1, 1, nil},
		{1000, 1000, 1_000_000, nil},
		{1000, 1001, 1_000_000, ErrTooLarge},
		{1 << 40, 1 << 40, 1 << 62, ErrTooLarge}, // the product overflows int64
		{1, 1, 0, ErrTooLarge},
		{0, 5, 100, ErrCorrupt},
		{5, -1, 100, ErrCorrupt},
	} {
		if err := checkSize(c.w, c.h, c.max); !errors.Is(err, c.want) {
			t.Errorf("checkSize(%d, %d, %d) = %v, want %v", c.w, c.h, c.max, err, c.want)
		}
	}
}

func TestMaxPixelsBoundary(t *testing.T) {
	p := encodePNG(image.NewGray(image.Rect(0, 0, 40, 30)))
	if _, err := Compute(bytes.NewReader(p), 1200); err != nil {
		t.Fatalf("exactly maxPixels: %v", err)
	}
	if _, err := Compute(bytes.NewReader(p), 1199); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("one pixel over: err = %v, want ErrTooLarge", err)
	}
}

func TestCorruptImages(t *testing.T) {
	good := encodePNG(synth(1))
	jpg := encodeJPEG(synth(1), 80)
	badCRC := bytes.Clone(good)
	badCRC[40] ^= 0xff
	for name, c := range map[string]struct {
		in   []byte
		want error
	}{
		"empty":          {nil, ErrFormat},
		"text":           {[]byte("hello, world"), ErrFormat},
		"png truncated":  {good[:len(good)/2], ErrCorrupt},
		"png header":     {good[:20], ErrCorrupt},
		"png bad crc":    {badCRC, ErrCorrupt},
		"png empty":      {pngHeader(0, 10), ErrCorrupt},
		"jpeg truncated": {jpg[:len(jpg)/3], ErrCorrupt},
		"jpeg garbage":   {append([]byte{0xff, 0xd8}, bytes.Repeat([]byte{0x5a}, 100)...), ErrCorrupt},
		"gif garbage":    {[]byte("GIF89a\x01\x00\x01\x00garbage"), ErrCorrupt},
		"webp garbage":   {[]byte("RIFF\x10\x00\x00\x00WEBPVP8 junk"), ErrCorrupt},
		"bmp garbage":    {[]byte("BM\x00\x00\x00\x00"), ErrCorrupt},
		"tiff garbage":   {[]byte("II*\x00\x08\x00\x00\x00\xff\xff"), ErrCorrupt},
	} {
		_, err := Compute(bytes.NewReader(c.in), 1<<24)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", name, err, c.want)
		}
	}
}

// TestFormats fingerprints one picture written in every accepted format:
// lossless ones give the same fingerprint as the pixels, lossy ones (GIF's
// 256 colours, JPEG) a near one.
func TestFormats(t *testing.T) {
	src := synth(3)
	want := FromImage(src)
	var gifBuf, bmpBuf, tiffBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, src, nil); err != nil {
		t.Fatal(err)
	}
	if err := bmp.Encode(&bmpBuf, src); err != nil {
		t.Fatal(err)
	}
	if err := tiff.Encode(&tiffBuf, src, &tiff.Options{Compression: tiff.Deflate}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		in      []byte
		maxDist int
	}{
		{"png", encodePNG(src), 0},
		{"bmp", bmpBuf.Bytes(), 0},
		{"tiff", tiffBuf.Bytes(), 0},
		{"gif", gifBuf.Bytes(), Threshold},
		{"jpeg", encodeJPEG(src, 75), Threshold},
	} {
		h, err := Compute(bytes.NewReader(c.in), 1<<24)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if d := Distance(h, want); d > c.maxDist {
			t.Errorf("%s: distance %d from the pixels' fingerprint, want ≤ %d", c.name, d, c.maxDist)
		}
	}
}

// TestWebP converts a real lossy WebP photograph to PNG and JPEG, and
// fingerprints a lossless WebP with transparency.
func TestWebP(t *testing.T) {
	w := computeFile(t, "testdata/video-001.lossy.webp")
	b, err := os.ReadFile("testdata/video-001.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	img := mustDecode(b)
	if p := FromImage(mustDecode(encodePNG(img))); p != w {
		t.Errorf("webp → png: %v, want %v", p, w)
	}
	if d := Distance(FromImage(mustDecode(encodeJPEG(img, 80))), w); d > Threshold {
		t.Errorf("webp → jpeg: distance %d", d)
	}
	computeFile(t, "testdata/gopher-doc.with-alpha.lossless.webp")
}

func computeFile(t *testing.T, name string) Hash {
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := Compute(f, 1<<24)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return h
}

// TestDeterministic: the same picture gives the same fingerprint however
// it is read, through Compute, FromImage or Probes, wherever its origin.
func TestDeterministic(t *testing.T) {
	img := synth(4)
	p := encodePNG(img)
	h1, err := Compute(bytes.NewReader(p), 1<<24)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		h2, _ := Compute(io.MultiReader(bytes.NewReader(p[:100]), bytes.NewReader(p[100:])), 1<<24)
		if h2 != h1 || FromImage(img) != h1 {
			t.Fatal("same image, different fingerprints")
		}
	}
	if ps := Probes(img); ps[0] != h1 || len(ps) != probeCount() {
		t.Fatalf("Probes: %d probes, first %v, want %d starting with %v", len(ps), ps[0], probeCount(), h1)
	}
	// Moving the image's origin changes nothing.
	moved := image.NewRGBA(img.Bounds().Add(image.Pt(-17, 33)))
	draw.Copy(moved, moved.Bounds().Min, img, img.Bounds(), draw.Src, nil)
	if FromImage(moved) != h1 {
		t.Fatal("fingerprint depends on the image origin")
	}
}

func TestTinyAndFlatImages(t *testing.T) {
	for _, r := range []image.Rectangle{image.Rect(0, 0, 1, 1), image.Rect(0, 0, 3, 200), image.Rect(0, 0, 200, 2)} {
		img := image.NewGray(r)
		if h := FromImage(img); h != 0 {
			t.Errorf("flat %v: %v, want 0", r, h)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range img.Pix {
			img.Pix[i] = uint8(rng.IntN(256))
		}
		FromImage(img) // must not panic
		if ps := Probes(img); len(ps) != probeCount() {
			t.Errorf("%v: %d probes", r, len(ps))
		}
	}
	if h := FromImage(image.NewGray(image.Rectangle{})); h != 0 {
		t.Errorf("empty image: %v", h)
	}
}

func TestFormatNamesInErrors(t *testing.T) {
	_, err := Compute(strings.NewReader("\x89PNG\r\n\x1a\nxx"), 100)
	if err == nil || !strings.Contains(err.Error(), "png") {
		t.Fatalf("err = %v, want it to name the format", err)
	}
}
