package fingerprint

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

var (
	// ErrFormat reports input that is none of the accepted formats.
	ErrFormat = errors.New("fingerprint: not a PNG, JPEG, GIF, WebP, BMP or TIFF image")
	// ErrTooLarge reports an image whose header declares more pixels than
	// the caller allows. It is returned before the pixels are decoded.
	ErrTooLarge = errors.New("fingerprint: image too large")
	// ErrCorrupt reports an image that fails to decode.
	ErrCorrupt = errors.New("fingerprint: corrupt image")
)

// format is one accepted image format. The list is fixed here rather than
// taken from image.RegisterFormat, so what a masternode accepts does not
// depend on which other packages its binary happens to link.
type format struct {
	name   string
	magic  func([]byte) bool
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var formats = []format{
	{"png", prefix("\x89PNG\r\n\x1a\n"), png.DecodeConfig, png.Decode},
	{"jpeg", prefix("\xff\xd8"), jpeg.DecodeConfig, jpeg.Decode},
	{"gif", func(b []byte) bool { return prefix("GIF87a")(b) || prefix("GIF89a")(b) }, gif.DecodeConfig, gif.Decode},
	{"webp", func(b []byte) bool { return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP" }, webp.DecodeConfig, webp.Decode},
	{"bmp", prefix("BM"), bmp.DecodeConfig, bmp.Decode},
	{"tiff", func(b []byte) bool { return prefix("II*\x00")(b) || prefix("MM\x00*")(b) }, tiff.DecodeConfig, tiff.Decode},
}

func prefix(p string) func([]byte) bool {
	return func(b []byte) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }
}

// Compute decodes an image and returns its fingerprint. The header is read
// first and an image of more than maxPixels pixels is refused with
// ErrTooLarge before any pixel buffer is allocated; decoding then needs
// about maxPixels × (bytes per pixel of the format) of memory, plus, for
// TIFF, whose header may sit anywhere in the file, the file itself. r may
// be read past the end of the image (buffering); callers that take input
// from the network should bound it with io.LimitReader.
//
// The result is a pure function of the bytes: every machine computes the
// same Hash (see the package documentation).
func Compute(r io.Reader, maxPixels int) (Hash, error) {
	img, err := Decode(r, maxPixels)
	if err != nil {
		return 0, err
	}
	return FromImage(img), nil
}

// Decode is the bounded decoder Compute uses: it sniffs the format from the
// first bytes, checks the declared size against maxPixels and decodes. It
// never panics; a decoder panic on hostile input is returned as ErrCorrupt.
func Decode(r io.Reader, maxPixels int) (img image.Image, err error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(12)
	var f *format
	for i := range formats {
		if formats[i].magic(head) {
			f = &formats[i]
			break
		}
	}
	if f == nil {
		return nil, ErrFormat
	}
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("%w: %s: decoder panic: %v", ErrCorrupt, f.name, p)
		}
	}()

	// The header bytes DecodeConfig consumes are kept and replayed to the
	// decoder; for most formats that is a few hundred bytes.
	var seen bytes.Buffer
	cfg, err := f.config(io.TeeReader(br, &seen))
	if err != nil {
		return nil, fmt.Errorf("%w: %s header: %v", ErrCorrupt, f.name, err)
	}
	if err := checkSize(cfg.Width, cfg.Height, maxPixels); err != nil {
		return nil, err
	}
	img, err = f.decode(io.MultiReader(&seen, br))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, f.name, err)
	}
	b := img.Bounds()
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, fmt.Errorf("%w: %s: header says %dx%d, pixels are %dx%d",
			ErrCorrupt, f.name, cfg.Width, cfg.Height, b.Dx(), b.Dy())
	}
	return img, nil
}

func checkSize(w, h, maxPixels int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: empty image %dx%d", ErrCorrupt, w, h)
	}
	if h > maxPixels || w > maxPixels/h {
		return fmt.Errorf("%w: %dx%d is more than %d pixels", ErrTooLarge, w, h, maxPixels)
	}
	return nil
}
