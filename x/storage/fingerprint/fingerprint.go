package fingerprint

import "image"

// params are the choices that define the fingerprint. They are fixed:
// changing any of them changes every fingerprint (TestGolden). TestChoose
// compares the alternatives on the test corpus.
type params struct {
	// trim is the margin left out of each side for the canonical hash,
	// in 1/1000 of the width or height.
	trim int
	// taper applies the raised-cosine window before the DCT.
	taper bool
	// coeffs are the DCT coefficients compared to their median, in bit
	// order (see bitOf); at most 64.
	coeffs []freq
	// probeTrims are the per-side margins, in 1/1000, tried by Probes:
	// every combination for left, top, right and bottom.
	probeTrims []int
	// unframe adds to the probes the canonical fingerprint of the image
	// without a plain frame around it (contentBounds), when it has one.
	unframe bool
}

// chosen is the fingerprint. The package documentation explains the
// values and the measurements behind them.
var chosen = params{
	trim:       100,
	taper:      true,
	coeffs:     diagonalOrder(8),
	probeTrims: []int{0, 22, 42, 61, 79, 96},
	unframe:    true,
}

// diagonalOrder lists the n×n lowest DCT frequencies by u+v, then v.
func diagonalOrder(n int) []freq {
	var fs []freq
	for s := 0; s <= 2*(n-1); s++ {
		for v := max(0, s-n+1); v <= min(s, n-1); v++ {
			fs = append(fs, freq{s - v, v})
		}
	}
	return fs
}

// FromImage returns the fingerprint of a decoded image. Compute is the
// bounded way from bytes to a fingerprint; FromImage is for callers that
// already hold an image.
func FromImage(img image.Image) Hash { return chosen.canonical(img) }

// Probes returns the fingerprints a duplicate search should look up for
// img: FromImage(img) first, then the fingerprints of the central windows
// of img in which the canonical window of an original would lie if img
// were a copy of it cropped by up to 10% on each side, and last, if img
// has a plain frame around it, the canonical fingerprint of what is inside.
// A registered image whose fingerprint is within ProbeThreshold of any
// probe is a near-duplicate of img. The result has 1 + 6^4 = 1297 entries
// (1298 with a frame) and is, like FromImage, the same on every machine.
func Probes(img image.Image) []Hash { return chosen.probes(img) }

func (p params) canonical(img image.Image) Hash { return p.canonicalIn(img, img.Bounds()) }

// canonicalIn is the canonical fingerprint of the part b of img.
func (p params) canonicalIn(img image.Image, b image.Rectangle) Hash {
	if b.Empty() {
		return 0
	}
	x, y := p.window(b.Min.X, b.Max.X, p.trim, p.trim), p.window(b.Min.Y, b.Max.Y, p.trim, p.trim)
	return p.hash(reduce(img, []axis{x}, []axis{y})[0][0])
}

func (p params) probes(img image.Image) []Hash {
	b := img.Bounds()
	if b.Empty() {
		return []Hash{0}
	}
	xs := []axis{p.window(b.Min.X, b.Max.X, p.trim, p.trim)}
	ys := []axis{p.window(b.Min.Y, b.Max.Y, p.trim, p.trim)}
	for _, lo := range p.probeTrims {
		for _, hi := range p.probeTrims {
			xs = append(xs, p.window(b.Min.X, b.Max.X, lo, hi))
			ys = append(ys, p.window(b.Min.Y, b.Max.Y, lo, hi))
		}
	}
	ts := reduce(img, xs, ys)
	out := []Hash{p.hash(ts[0][0])}
	for i := 1; i < len(xs); i++ {
		for j := 1; j < len(ys); j++ {
			out = append(out, p.hash(ts[i][j]))
		}
	}
	// A copy in a plain frame: the canonical fingerprint of what is inside.
	if p.unframe {
		if c := contentBounds(img); c != b {
			out = append(out, p.canonicalIn(img, c))
		}
	}
	return out
}

// window is [lo, hi) less trimLo and trimHi thousandths of its length at
// either end, or all of it when that would leave nothing.
func (p params) window(lo, hi, trimLo, trimHi int) axis {
	n := hi - lo
	a, b := lo+n*trimLo/1000, hi-n*trimHi/1000
	if a >= b {
		a, b = lo, hi
	}
	return axis{a, b}
}

func (p params) hash(t *thumbnail) Hash {
	return bitsOf(dct(shape(t, p.taper), p.coeffs))
}

// Threshold is the largest distance at which two fingerprints are taken
// for the same picture. See the package documentation for the evidence.
const Threshold = 6

// ProbeThreshold is the largest distance at which a crop probe (Probes)
// matches a registered fingerprint: stricter than Threshold because an
// image has many probes, and each is a chance for an unrelated image to
// come close (measured in the package documentation).
const ProbeThreshold = 4
