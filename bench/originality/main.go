// Command originality measures the originality check on real images: for
// every image in the given directories it applies the edits a copier makes
// (crops, rescales, recompression, rotation, mirror, brightness/contrast,
// overlay text, a border) and reports, at the chain's fingerprint distance,
// how many copies of each kind are caught, and how many pairs of distinct
// images would be (false positives).
//
// A copy is caught the way the chain catches it: its canonical fingerprint
// within the distance of the original's (the chain's own check at
// registration), or one of its crop probes within the distance of the
// original's canonical fingerprint (the attesters' lookup). A pair of
// distinct images collides the same way, in either direction.
//
//	go run ./bench/originality [-distance 6] [-max 80] DIR...
//
// scripts/originality.sh (make originality-report) fetches photographs
// shipped in Debian packages and runs it on them.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/f64"
	"golang.org/x/image/math/fixed"

	"github.com/pastelchain/pastel/x/storage/fingerprint"
)

type edit struct {
	name string
	// caughtBy names what should catch it: "chain" (canonical), "probes",
	// or "none" (not expected: the hash is not invariant to it).
	expect string
	apply  func(*image.RGBA) image.Image
}

func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
	return dst
}

func crop(l, t, r, b float64) func(*image.RGBA) image.Image {
	return func(img *image.RGBA) image.Image {
		w, h := float64(img.Bounds().Dx()), float64(img.Bounds().Dy())
		rect := image.Rect(int(w*l), int(h*t), int(w*(1-r)), int(h*(1-b)))
		return toRGBA(img.SubImage(rect))
	}
}

func scale(f float64) func(*image.RGBA) image.Image {
	return func(img *image.RGBA) image.Image {
		b := img.Bounds()
		dst := image.NewRGBA(image.Rect(0, 0, int(float64(b.Dx())*f+0.5), int(float64(b.Dy())*f+0.5)))
		draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
		return dst
	}
}

func jpegQ(q int) func(*image.RGBA) image.Image {
	return func(img *image.RGBA) image.Image {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
			panic(err)
		}
		out, err := fingerprint.Decode(&buf, 1<<28)
		if err != nil {
			panic(err)
		}
		return out
	}
}

// rotate turns the image by deg degrees about its centre, keeping its size
// (corners filled white, as a copier's editor would).
func rotate(deg float64) func(*image.RGBA) image.Image {
	return func(img *image.RGBA) image.Image {
		b := img.Bounds()
		dst := image.NewRGBA(b)
		draw.Draw(dst, b, image.NewUniform(color.White), image.Point{}, draw.Src)
		a := deg * math.Pi / 180
		cx, cy := float64(b.Dx())/2, float64(b.Dy())/2
		cos, sin := math.Cos(a), math.Sin(a)
		// dst = T(c)·R·T(−c)·src
		m := f64.Aff3{cos, -sin, cx - cos*cx + sin*cy, sin, cos, cy - sin*cx - cos*cy}
		draw.CatmullRom.Transform(dst, m, img, b, draw.Over, nil)
		return dst
	}
}

func mirror(img *image.RGBA) image.Image {
	b := img.Bounds()
	dst := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dst.SetRGBA(b.Max.X-1-(x-b.Min.X), y, img.RGBAAt(x, y))
		}
	}
	return dst
}

// levels applies out = (in − 128)·contrast + 128 + brightness per channel.
func levels(brightness, contrast float64) func(*image.RGBA) image.Image {
	return func(img *image.RGBA) image.Image {
		dst := image.NewRGBA(img.Bounds())
		f := func(v uint8) uint8 {
			x := (float64(v)-128)*contrast + 128 + brightness
			return uint8(math.Max(0, math.Min(255, math.Round(x))))
		}
		for i := 0; i+3 < len(img.Pix); i += 4 {
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = f(img.Pix[i]), f(img.Pix[i+1]), f(img.Pix[i+2]), img.Pix[i+3]
		}
		return dst
	}
}

// overlay writes a line of text across the lower part, scaled to about a
// twentieth of the image height (a watermark or a signature).
func overlay(img *image.RGBA) image.Image {
	b := img.Bounds()
	text := image.NewRGBA(image.Rect(0, 0, 7*24, 13))
	d := font.Drawer{Dst: text, Src: image.NewUniform(color.White), Face: basicfont.Face7x13, Dot: fixed.P(0, 11)}
	d.DrawString("(c) not the artist")
	dst := toRGBA(img)
	h := b.Dy() / 20
	w := h * text.Bounds().Dx() / text.Bounds().Dy()
	at := image.Rect(b.Dx()/10, b.Dy()*8/10, b.Dx()/10+w, b.Dy()*8/10+h)
	draw.NearestNeighbor.Scale(dst, at, text, text.Bounds(), draw.Over, nil)
	return dst
}

// border adds a white frame of frac of the size on every side.
func border(frac float64) func(*image.RGBA) image.Image {
	return func(img *image.RGBA) image.Image {
		b := img.Bounds()
		px, py := int(float64(b.Dx())*frac), int(float64(b.Dy())*frac)
		dst := image.NewRGBA(image.Rect(0, 0, b.Dx()+2*px, b.Dy()+2*py))
		draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		draw.Draw(dst, image.Rect(px, py, px+b.Dx(), py+b.Dy()), img, b.Min, draw.Src)
		return dst
	}
}

var edits = []edit{
	{"crop 2% per side", "probes", crop(.02, .02, .02, .02)},
	{"crop 5% per side", "probes", crop(.05, .05, .05, .05)},
	{"crop 10% per side", "probes", crop(.10, .10, .10, .10)},
	{"crop 5% two sides", "probes", crop(.05, .05, 0, 0)},
	{"rescale 50%", "chain", scale(.5)},
	{"rescale 75%", "chain", scale(.75)},
	{"rescale 150%", "chain", scale(1.5)},
	{"jpeg q30", "chain", jpegQ(30)},
	{"jpeg q60", "chain", jpegQ(60)},
	{"jpeg q90", "chain", jpegQ(90)},
	{"rotate +3°", "none", rotate(3)},
	{"rotate -3°", "none", rotate(-3)},
	{"mirror", "none", mirror},
	{"brightness +20", "chain", levels(20, 1)},
	{"contrast ×1.2", "chain", levels(0, 1.2)},
	{"overlay text", "chain", overlay},
	{"border 5%", "probes", border(.05)},
}

type result struct {
	canon  fingerprint.Hash
	probes []fingerprint.Hash
}

func hashes(img image.Image) result {
	ps := fingerprint.Probes(img)
	return result{canon: ps[0], probes: ps}
}

// nearest is the smallest distance from any of probes to h.
func nearest(probes []fingerprint.Hash, h fingerprint.Hash) int {
	best := 65
	for _, p := range probes {
		best = min(best, fingerprint.Distance(p, h))
	}
	return best
}

func main() {
	dist := flag.Int("distance", fingerprint.Threshold, "fingerprint distance (storage.params.fingerprint_distance): the canonical fingerprints")
	probeDist := flag.Int("probe-distance", fingerprint.ProbeThreshold, "distance at which a crop probe matches (the attesters' lookup: at most -distance)")
	maxN := flag.Int("max", 80, "images to use at most")
	maxSide := flag.Int("max-side", 1600, "downscale larger images to this side first (speed; the edits apply to the result)")
	flag.Parse()
	*probeDist = min(*probeDist, *dist)
	var files []string
	for _, dir := range flag.Args() {
		_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				switch strings.ToLower(filepath.Ext(p)) {
				case ".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif":
					files = append(files, p)
				}
			}
			return nil
		})
	}
	sort.Strings(files)
	var imgs []*image.RGBA
	var names []string
	seen := map[fingerprint.Hash]bool{}
	for _, f := range files {
		if len(imgs) >= *maxN {
			break
		}
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		img, err := fingerprint.Decode(fh, 1<<28)
		fh.Close()
		if err != nil || img.Bounds().Dx() < 200 || img.Bounds().Dy() < 200 {
			continue
		}
		// Flattened on white first, as the fingerprint sees transparency
		// and as an editor exports a copy: otherwise a JPEG "copy" of a
		// transparent PNG gets a black background (Go's encoder drops alpha)
		// and counts as missed for a change that is not an edit.
		rgba := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
		draw.Draw(rgba, rgba.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Over)
		if s := max(rgba.Bounds().Dx(), rgba.Bounds().Dy()); s > *maxSide {
			rgba = scale(float64(*maxSide) / float64(s))(rgba).(*image.RGBA)
		}
		// The same picture shipped twice (sizes, variants) is not two
		// distinct images.
		h := fingerprint.FromImage(rgba)
		if seen[h] {
			continue
		}
		seen[h] = true
		imgs = append(imgs, rgba)
		names = append(names, f)
	}
	if len(imgs) < 2 {
		fmt.Fprintln(os.Stderr, "originality: need at least 2 decodable images of 200×200 or more in", flag.Args())
		os.Exit(2)
	}

	orig := make([]result, len(imgs))
	edited := make([][]result, len(imgs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.NumCPU())
	for i := range imgs {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			orig[i] = hashes(imgs[i])
			edited[i] = make([]result, len(edits))
			for e, ed := range edits {
				edited[i][e] = hashes(ed.apply(imgs[i]))
			}
		}(i)
	}
	wg.Wait()

	fmt.Printf("originality at fingerprint distance %d (crop probes at %d, %d probes an image): %d distinct images (%s…), %d edits each\n",
		*dist, *probeDist, len(orig[0].probes), len(imgs), filepath.Dir(names[0]), len(edits))
	fmt.Printf("%-20s %-8s %8s %8s %8s %10s\n", "edit", "by", "chain", "probes", "caught", "median d")
	for e, ed := range edits {
		chain, probes := 0, 0
		var ds []int
		var missed []string
		for i := range imgs {
			c := fingerprint.Distance(edited[i][e].canon, orig[i].canon)
			p := nearest(edited[i][e].probes, orig[i].canon)
			ds = append(ds, min(c, p))
			switch {
			case c <= *dist:
				chain++
			case p <= *probeDist:
				probes++
			default:
				missed = append(missed, fmt.Sprintf("%s (%d)", filepath.Base(names[i]), min(c, p)))
			}
		}
		defer func(name string, missed []string) {
			if len(missed) > 0 && len(missed) <= 4 {
				fmt.Printf("  %s missed: %s\n", name, strings.Join(missed, ", "))
			}
		}(ed.name, missed)
		sort.Ints(ds)
		n := len(imgs)
		fmt.Printf("%-20s %-8s %7.1f%% %7.1f%% %7.1f%% %10d\n", ed.name, ed.expect,
			100*float64(chain)/float64(n), 100*float64(probes)/float64(n), 100*float64(chain+probes)/float64(n), ds[len(ds)/2])
	}
	pairs, fp := 0, 0
	closest := 65
	for i := range imgs {
		for j := range imgs {
			if i == j {
				continue
			}
			c, p := fingerprint.Distance(orig[i].canon, orig[j].canon), nearest(orig[i].probes, orig[j].canon)
			d := min(c, p)
			closest = min(closest, d)
			if j > i {
				pairs++
			}
			if c <= *dist || p <= *probeDist {
				fp++
				fmt.Printf("  collision: %s ~ %s at %d\n", filepath.Base(names[i]), filepath.Base(names[j]), d)
			}
		}
	}
	fmt.Printf("false positives: %d of %d ordered pairs of distinct images within %d (probes: %d) (closest pair at %d)\n", fp, 2*pairs, *dist, *probeDist, closest)
}
