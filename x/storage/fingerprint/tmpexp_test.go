package fingerprint

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

const fineN = 256

type fine [fineN][fineN]float64

func fineThumb(img imageLike) *fine {
	t := reduceN(img)
	return t
}

type imageLike = interface{}

// window samples the fine thumb over the normalized rect into n x n cells (area average, bilinear-free: point-sample fine grid at cell subgrid)
func window(f *fine, x0, y0, x1, y1 float64, n int) [][]float64 {
	out := make([][]float64, n)
	const sub = 4
	for j := range n {
		out[j] = make([]float64, n)
		for i := range n {
			var s float64
			for b := range sub {
				for a := range sub {
					x := x0 + (x1-x0)*(float64(i)+(float64(a)+0.5)/sub)/float64(n)
					y := y0 + (y1-y0)*(float64(j)+(float64(b)+0.5)/sub)/float64(n)
					s += bilin(f, x*fineN-0.5, y*fineN-0.5)
				}
			}
			out[j][i] = s / sub / sub
		}
	}
	return out
}

func bilin(f *fine, x, y float64) float64 {
	x = math.Max(0, math.Min(fineN-1.001, x))
	y = math.Max(0, math.Min(fineN-1.001, y))
	ix, iy := int(x), int(y)
	tx, ty := x-float64(ix), y-float64(iy)
	a := f[iy][ix]*(1-tx) + f[iy][ix+1]*tx
	b := f[iy+1][ix]*(1-tx) + f[iy+1][ix+1]*tx
	return a*(1-ty) + b*ty
}

type scheme struct {
	name  string
	trim  float64
	taper float64 // 0 none; else fraction of width tapered with raised cosine at each border
	sel   []freq
}

func (s scheme) hash(f *fine, x0, y0, x1, y1 float64) Hash {
	w, h := x1-x0, y1-y0
	x0, x1 = x0+w*s.trim, x1-w*s.trim
	y0, y1 = y0+h*s.trim, y1-h*s.trim
	const n = 32
	p := window(f, x0, y0, x1, y1, n)
	var mean float64
	for j := range n {
		for i := range n {
			mean += p[j][i]
		}
	}
	mean /= n * n
	wt := func(i int) float64 {
		if s.taper == 0 {
			return 1
		}
		x := (float64(i) + 0.5) / n
		d := math.Min(x, 1-x) / s.taper
		if d >= 1 {
			return 1
		}
		return 0.5 - 0.5*math.Cos(math.Pi*d)
	}
	for j := range n {
		for i := range n {
			p[j][i] = (p[j][i] - mean) * wt(i) * wt(j)
		}
	}
	c := make([]float64, len(s.sel))
	for k, fq := range s.sel {
		var sum float64
		for j := range n {
			for i := range n {
				sum += p[j][i] * math.Cos(math.Pi*float64(fq.u)*(2*float64(i)+1)/(2*n)) * math.Cos(math.Pi*float64(fq.v)*(2*float64(j)+1)/(2*n))
			}
		}
		c[k] = sum
	}
	sc := slices.Clone(c)
	slices.Sort(sc)
	med := (sc[len(sc)/2] + sc[(len(sc)-1)/2]) / 2
	var hh Hash
	for k, v := range c {
		if v > med {
			hh |= 1 << uint(k)
		}
	}
	return hh
}

func reduceN(img interface{}) *fine { return nil }

func sel(maxSum, maxU int, n int) []freq {
	var fs []freq
	for s := 1; len(fs) < n; s++ {
		for v := 0; v <= s && len(fs) < n; v++ {
			u := s - v
			if u <= maxU && v <= maxU {
				fs = append(fs, freq{u, v})
			}
		}
	}
	return fs
}

func TestTmpExp(t *testing.T) {
	const N = 240
	fines := make([]*fine, N)
	var wg sync.WaitGroup
	ch := make(chan int)
	for range 2 {
		wg.Go(func() {
			for i := range ch {
				img := synth(uint64(i))
				b := img.Bounds()
				var f fine
				// area average via reduce-like float: simple box sampling
				for y := range fineN {
					for x := range fineN {
						xa, xb := x*b.Dx()/fineN, (x+1)*b.Dx()/fineN
						ya, yb := y*b.Dy()/fineN, (y+1)*b.Dy()/fineN
						var s float64
						for yy := ya; yy < yb; yy++ {
							for xx := xa; xx < xb; xx++ {
								o := img.PixOffset(xx, yy)
								s += float64(luma(uint32(img.Pix[o])*0x101, uint32(img.Pix[o+1])*0x101, uint32(img.Pix[o+2])*0x101, 0xffff))
							}
						}
						f[y][x] = s / float64((xb-xa)*(yb-ya))
					}
				}
				fines[i] = &f
			}
		})
	}
	for i := range N {
		ch <- i
	}
	close(ch)
	wg.Wait()

	type crop struct{ l, t, r, b float64 }
	rng := rand.New(rand.NewPCG(1, 2))
	var crops []crop
	for range 8 {
		crops = append(crops, crop{0.02 + 0.03*rng.Float64(), 0.02 + 0.03*rng.Float64(), 0.02 + 0.03*rng.Float64(), 0.02 + 0.03*rng.Float64()})
	}
	crops = append(crops, crop{0.05, 0.05, 0, 0}, crop{0.05, 0.05, 0.05, 0.05}, crop{0, 0, 0.05, 0.05}, crop{0.05, 0, 0, 0}, crop{0.02, 0.02, 0.02, 0.02})
	// probe trims per side (Case A: query is a crop of the registered image)
	type design struct {
		name  string
		s     scheme
		tau   float64
		grid  []float64
	}
	designs := []design{
		{"no probe 8x8 taper.2", scheme{"", 0, 0.2, lowFrequencies()}, 0.1, []float64{0.1}},
		{"1 probe .078", scheme{"", 0, 0.2, lowFrequencies()}, 0.1, []float64{0.078}},
		{"2^4 probes", scheme{"", 0, 0.2, lowFrequencies()}, 0.1, []float64{0.066, 0.092}},
		{"3^4 probes", scheme{"", 0, 0.2, lowFrequencies()}, 0.1, []float64{0.062, 0.079, 0.096}},
		{"2^4 notaper", scheme{"", 0, 0, lowFrequencies()}, 0.1, []float64{0.066, 0.092}},
		{"3^4 notaper", scheme{"", 0, 0, lowFrequencies()}, 0.1, []float64{0.062, 0.079, 0.096}},
	}
	for _, d := range designs {
		can := func(f *fine, x0, y0, x1, y1 float64) Hash {
			w, h := x1-x0, y1-y0
			return d.s.hash(f, x0+d.tau*w, y0+d.tau*h, x1-d.tau*w, y1-d.tau*h)
		}
		probes := func(f *fine, x0, y0, x1, y1 float64) []Hash {
			w, h := x1-x0, y1-y0
			var out []Hash
			for _, l := range d.grid {
				for _, t := range d.grid {
					for _, r := range d.grid {
						for _, b := range d.grid {
							out = append(out, d.s.hash(f, x0+l*w, y0+t*h, x1-r*w, y1-b*h))
						}
					}
				}
			}
			return out
		}
		minDist := func(ps []Hash, h Hash) int {
			m := 64
			for _, p := range ps {
				m = min(m, Distance(p, h))
			}
			return m
		}
		var cans []Hash
		var prs [][]Hash
		for _, f := range fines {
			cans = append(cans, can(f, 0, 0, 1, 1))
			prs = append(prs, probes(f, 0, 0, 1, 1))
		}
		var ed, di []int
		for i := range 60 {
			for _, c := range crops {
				ed = append(ed, minDist(probes(fines[i], c.l, c.t, 1-c.r, 1-c.b), cans[i]))
			}
		}
		for i := range cans {
			for j := range cans {
				if i != j {
					di = append(di, minDist(prs[i], cans[j]))
				}
			}
		}
		slices.Sort(ed)
		slices.Sort(di)
		fmt.Printf("%-22s probes %d crop: mean %.1f p95 %d p99 %d max %d | distinct min %d p.1 %d p1 %d med %d\n", d.name, len(prs[0]), mean(ed), quantile(ed, 950), quantile(ed, 990), ed[len(ed)-1], di[0], quantile(di, 1), quantile(di, 10), quantile(di, 500))
	}
}
