package fingerprint

import (
	"bytes"
	"cmp"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"

	"golang.org/x/image/draw"
)

// The corpus: synthetic images and the edits a copier would make to one.
// Every edit of an image must hash within Threshold of the image; distinct
// images must hash further apart than Threshold.

// corpusSize is the number of distinct images; editedSize of them are also
// edited. The race detector makes image code ~10x slower, so it gets a
// smaller corpus (race_test.go).
var corpusSize, editedSize = 240, 60

// edit is one transformation of an image. bytes-level edits go through
// Compute, as a masternode would; the others hash the pixels.
type edit struct {
	name  string
	apply func(img *image.RGBA, rng *rand.Rand) image.Image
}

func scaled(f float64) func(*image.RGBA, *rand.Rand) image.Image {
	return func(img *image.RGBA, _ *rand.Rand) image.Image {
		b := img.Bounds()
		dst := image.NewRGBA(image.Rect(0, 0, int(float64(b.Dx())*f+0.5), int(float64(b.Dy())*f+0.5)))
		draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
		return dst
	}
}

func jpegged(q int) func(*image.RGBA, *rand.Rand) image.Image {
	return func(img *image.RGBA, _ *rand.Rand) image.Image {
		return mustDecode(encodeJPEG(img, q))
	}
}

// cropped removes the given fractions (in 1/1000) from the left, top,
// right and bottom.
func cropped(l, t, r, b int) func(*image.RGBA, *rand.Rand) image.Image {
	return func(img *image.RGBA, _ *rand.Rand) image.Image {
		return cropTo(img, l, t, r, b)
	}
}

func cropTo(img image.Image, l, t, r, b int) image.Image {
	bd := img.Bounds()
	w, h := bd.Dx(), bd.Dy()
	rect := image.Rect(bd.Min.X+w*l/1000, bd.Min.Y+h*t/1000, bd.Max.X-w*r/1000, bd.Max.Y-h*b/1000)
	dst := image.NewRGBA(image.Rect(0, 0, rect.Dx(), rect.Dy()))
	draw.Copy(dst, image.Point{}, img, rect, draw.Src, nil)
	return dst
}

var edits = []edit{
	{"png", func(img *image.RGBA, _ *rand.Rand) image.Image { return mustDecode(encodePNG(img)) }},
	{"resize50", scaled(0.5)},
	{"resize75", scaled(0.75)},
	{"resize150", scaled(1.5)},
	{"jpeg90", jpegged(90)},
	{"jpeg70", jpegged(70)},
	{"jpeg50", jpegged(50)},
	{"jpeg75>png", func(img *image.RGBA, _ *rand.Rand) image.Image {
		return mustDecode(encodePNG(mustDecode(encodeJPEG(img, 75))))
	}},
	{"crop2", cropped(20, 20, 20, 20)},
	{"crop5", cropped(50, 50, 50, 50)},
	{"crop5-top-left", cropped(50, 50, 0, 0)},
	{"crop5-bottom-right", cropped(0, 0, 50, 50)},
	{"crop2-5-random", func(img *image.RGBA, rng *rand.Rand) image.Image {
		return cropTo(img, 20+rng.IntN(31), 20+rng.IntN(31), 20+rng.IntN(31), 20+rng.IntN(31))
	}},
	{"crop3+resize75+jpeg70", func(img *image.RGBA, rng *rand.Rand) image.Image {
		c := cropTo(img, 30, 30, 30, 30).(*image.RGBA)
		return jpegged(70)(scaled(0.75)(c, rng).(*image.RGBA), rng)
	}},
	{"crop10", cropped(100, 100, 100, 100)},
	{"crop5-10-random", func(img *image.RGBA, rng *rand.Rand) image.Image {
		return cropTo(img, 50+rng.IntN(51), 50+rng.IntN(51), 50+rng.IntN(51), 50+rng.IntN(51))
	}},
	{"border5+jpeg80", func(img *image.RGBA, rng *rand.Rand) image.Image {
		b := img.Bounds()
		return jpegged(80)(framed(img, b.Dx()/20, b.Dy()/20, color.White), rng)
	}},
}

// The helpers below run on worker goroutines, where t.Fatal is not
// allowed; they cannot fail on the images the tests make, so they panic.

func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func encodeJPEG(img image.Image, q int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func mustDecode(b []byte) image.Image {
	img, err := Decode(bytes.NewReader(b), 1<<26)
	if err != nil {
		panic(err)
	}
	return img
}

// measured holds, for one params, the fingerprints of the corpus and of
// its edits: canonical hashes and the probes of Probes.
type measured struct {
	originals [][]Hash   // [image] probes; [0] is the canonical hash
	edited    [][][]Hash // [image][edit] probes
}

// measure fingerprints the corpus under every params in ps, two images at
// a time.
func measure(ps []params) []measured {
	out := make([]measured, len(ps))
	for i := range out {
		out[i] = measured{make([][]Hash, corpusSize), make([][][]Hash, editedSize)}
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(2, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for n := range next {
				img := synth(uint64(n))
				for i, p := range ps {
					out[i].originals[n] = p.probes(img)
				}
				if n >= editedSize {
					continue
				}
				rng := rand.New(rand.NewPCG(uint64(n), 7))
				for i := range ps {
					out[i].edited[n] = make([][]Hash, len(edits))
				}
				for e, ed := range edits {
					m := ed.apply(img, rng)
					for i, p := range ps {
						out[i].edited[n][e] = p.probes(m)
					}
				}
			}
		})
	}
	for n := range corpusSize {
		next <- n
	}
	close(next)
	wg.Wait()
	return out
}

// nearest is the smallest distance from any probe to h.
func nearest(probes []Hash, h Hash) int {
	d := 64
	for _, p := range probes {
		d = min(d, Distance(p, h))
	}
	return d
}

// stats are the distance distributions of one measured, with the
// canonical hash alone and with probes.
type stats struct {
	perEdit, perEditProbed [][]int // [edit] distances to the original
	edited, editedProbed   []int   // all edit distances, sorted
	distinct               []int   // canonical distances between originals, sorted
	distinctProbed         []int   // probes of one original to the canonical hash of another, sorted
}

func summarise(m measured) stats {
	var s stats
	s.perEdit = make([][]int, len(edits))
	s.perEditProbed = make([][]int, len(edits))
	for n, es := range m.edited {
		orig := m.originals[n][0]
		for e, ps := range es {
			d, dp := Distance(ps[0], orig), nearest(ps, orig)
			s.perEdit[e] = append(s.perEdit[e], d)
			s.perEditProbed[e] = append(s.perEditProbed[e], dp)
			s.edited = append(s.edited, d)
			s.editedProbed = append(s.editedProbed, dp)
		}
	}
	for i := range m.originals {
		for j := range m.originals {
			if i == j {
				continue
			}
			if i < j {
				s.distinct = append(s.distinct, Distance(m.originals[i][0], m.originals[j][0]))
			}
			s.distinctProbed = append(s.distinctProbed, nearest(m.originals[i], m.originals[j][0]))
		}
	}
	for _, x := range [][]int{s.edited, s.editedProbed, s.distinct, s.distinctProbed} {
		slices.Sort(x)
	}
	return s
}

// quantile of a sorted sample, q in 1/1000.
func quantile(sorted []int, q int) int { return sorted[(len(sorted)-1)*q/1000] }

// histogram is "distance:count" for each distance present.
func histogram(sorted []int) string {
	var b strings.Builder
	for i := 0; i < len(sorted); {
		j := i
		for j < len(sorted) && sorted[j] == sorted[i] {
			j++
		}
		fmt.Fprintf(&b, " %d:%d", sorted[i], j-i)
		i = j
	}
	return b.String()
}

func (s stats) report() string {
	var b strings.Builder
	line := func(name string, ds []int) {
		fmt.Fprintf(&b, "  %-24s max %2d mean %5.2f |%s\n", name, slices.Max(ds), mean(ds), histogram(sorted(ds)))
	}
	fmt.Fprintf(&b, "edited copies, canonical hash vs canonical hash (%d):\n", len(s.edited))
	for e, ds := range s.perEdit {
		line(edits[e].name, ds)
	}
	line("all", s.edited)
	fmt.Fprintf(&b, "edited copies, nearest probe vs canonical hash:\n")
	for e, ds := range s.perEditProbed {
		line(edits[e].name, ds)
	}
	line("all", s.editedProbed)
	fmt.Fprintf(&b, "distinct images, canonical (%d pairs): min %d, 0.1%% %d, 1%% %d, median %d\n  %s\n",
		len(s.distinct), s.distinct[0], quantile(s.distinct, 1), quantile(s.distinct, 10), quantile(s.distinct, 500), histogram(s.distinct))
	fmt.Fprintf(&b, "distinct images, nearest probe (%d ordered pairs): min %d, 0.1%% %d, 1%% %d, median %d\n  %s\n",
		len(s.distinctProbed), s.distinctProbed[0], quantile(s.distinctProbed, 1), quantile(s.distinctProbed, 10), quantile(s.distinctProbed, 500), histogram(s.distinctProbed))
	return b.String()
}

func mean(xs []int) float64 {
	var s int
	for _, x := range xs {
		s += x
	}
	return float64(s) / float64(len(xs))
}

func sorted(xs []int) []int { return slices.SortedFunc(slices.Values(xs), cmp.Compare[int]) }

var (
	corpusOnce sync.Once
	corpus     measured
)

// chosenCorpus is the corpus measured with the chosen params, shared by
// the tests that need it.
func chosenCorpus() measured {
	corpusOnce.Do(func() { corpus = measure([]params{chosen})[0] })
	return corpus
}
