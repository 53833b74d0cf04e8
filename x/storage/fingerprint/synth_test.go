package fingerprint

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
)

// Synthetic photographs for the tests: deterministic from a seed, 512 to
// 1024 pixels a side, in five styles so that the set has the variety of
// real pictures (smooth skies, hard edges, texture, a central subject,
// regular patterns) rather than being 200 samples of one distribution.
// Every image gets sensor-like grain.

type painter struct {
	rng  *rand.Rand
	img  *image.RGBA
	w, h int
}

func synth(seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	return synthSized(seed, rng, 512+rng.IntN(513), 512+rng.IntN(513))
}

func synthSized(seed uint64, rng *rand.Rand, w, h int) *image.RGBA {
	p := &painter{rng: rng, img: image.NewRGBA(image.Rect(0, 0, w, h)), w: w, h: h}
	switch seed % 5 {
	case 0:
		p.landscape()
	case 1:
		p.abstract()
	case 2:
		p.clouds()
	case 3:
		p.portrait()
	case 4:
		p.pattern()
	}
	p.grain(4 + rng.IntN(8))
	return p.img
}

func (p *painter) color() color.RGBA {
	return color.RGBA{uint8(p.rng.IntN(256)), uint8(p.rng.IntN(256)), uint8(p.rng.IntN(256)), 255}
}

func (p *painter) between(a, b float64) float64 { return a + (b-a)*p.rng.Float64() }

func mix(a, b color.RGBA, t float64) color.RGBA {
	t = math.Max(0, math.Min(1, t))
	f := func(x, y uint8) uint8 { return uint8(float64(x)*(1-t) + float64(y)*t + 0.5) }
	return color.RGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), 255}
}

func (p *painter) set(x, y int, c color.RGBA, alpha float64) {
	if alpha >= 1 {
		p.img.SetRGBA(x, y, c)
		return
	}
	p.img.SetRGBA(x, y, mix(p.img.RGBAAt(x, y), c, alpha))
}

// gradient fills the image with a linear gradient at a random angle.
func (p *painter) gradient(a, b color.RGBA) {
	th := p.between(0, 2*math.Pi)
	cx, cy := math.Cos(th), math.Sin(th)
	span := math.Abs(cx)*float64(p.w) + math.Abs(cy)*float64(p.h)
	off := math.Min(0, cx*float64(p.w)) + math.Min(0, cy*float64(p.h))
	for y := range p.h {
		for x := range p.w {
			p.img.SetRGBA(x, y, mix(a, b, (cx*float64(x)+cy*float64(y)-off)/span))
		}
	}
}

// region paints every pixel of the box [x0,x1)×[y0,y1) for which inside
// holds.
func (p *painter) region(x0, y0, x1, y1 float64, c color.RGBA, alpha float64, inside func(x, y float64) bool) {
	for y := max(0, int(y0)); y < min(p.h, int(y1)+1); y++ {
		for x := max(0, int(x0)); x < min(p.w, int(x1)+1); x++ {
			if inside(float64(x)+0.5, float64(y)+0.5) {
				p.set(x, y, c, alpha)
			}
		}
	}
}

func (p *painter) ellipse(cx, cy, rx, ry, th float64, c color.RGBA, alpha float64) {
	s, co := math.Sincos(th)
	r := math.Max(rx, ry)
	p.region(cx-r, cy-r, cx+r, cy+r, c, alpha, func(x, y float64) bool {
		dx, dy := x-cx, y-cy
		u, v := dx*co+dy*s, -dx*s+dy*co
		return u*u/(rx*rx)+v*v/(ry*ry) <= 1
	})
}

func (p *painter) rect(cx, cy, hw, hh, th float64, c color.RGBA, alpha float64) {
	s, co := math.Sincos(th)
	r := math.Hypot(hw, hh)
	p.region(cx-r, cy-r, cx+r, cy+r, c, alpha, func(x, y float64) bool {
		dx, dy := x-cx, y-cy
		return math.Abs(dx*co+dy*s) <= hw && math.Abs(-dx*s+dy*co) <= hh
	})
}

func (p *painter) triangle(ax, ay, bx, by, cx, cy float64, c color.RGBA, alpha float64) {
	side := func(x, y, x0, y0, x1, y1 float64) float64 { return (x1-x0)*(y-y0) - (y1-y0)*(x-x0) }
	p.region(min(ax, bx, cx), min(ay, by, cy), max(ax, bx, cx), max(ay, by, cy), c, alpha, func(x, y float64) bool {
		d1, d2, d3 := side(x, y, ax, ay, bx, by), side(x, y, bx, by, cx, cy), side(x, y, cx, cy, ax, ay)
		return (d1 >= 0 && d2 >= 0 && d3 >= 0) || (d1 <= 0 && d2 <= 0 && d3 <= 0)
	})
}

// noise is smooth value noise: a random lattice of cell pixels,
// interpolated with smoothstep; octaves halve the cell and the amplitude.
type noise struct {
	gw   int
	vals [][]float64
	cell float64
}

func (p *painter) noise(cell float64, octaves int) []noise {
	var ns []noise
	for range octaves {
		gw, gh := int(float64(p.w)/cell)+2, int(float64(p.h)/cell)+2
		v := make([][]float64, gh)
		for i := range v {
			v[i] = make([]float64, gw)
			for j := range v[i] {
				v[i][j] = p.rng.Float64()
			}
		}
		ns = append(ns, noise{gw, v, cell})
		cell /= 2
	}
	return ns
}

func sample(ns []noise, x, y float64) float64 {
	var s, amp, total float64 = 0, 1, 0
	for _, n := range ns {
		fx, fy := x/n.cell, y/n.cell
		ix, iy := int(fx), int(fy)
		tx, ty := fx-float64(ix), fy-float64(iy)
		tx, ty = tx*tx*(3-2*tx), ty*ty*(3-2*ty)
		a := n.vals[iy][ix]*(1-tx) + n.vals[iy][ix+1]*tx
		b := n.vals[iy+1][ix]*(1-tx) + n.vals[iy+1][ix+1]*tx
		s += amp * (a*(1-ty) + b*ty)
		total += amp
		amp /= 2
	}
	return s / total
}

func (p *painter) landscape() {
	sky0, sky1 := p.color(), p.color()
	for y := range p.h {
		for x := range p.w {
			p.img.SetRGBA(x, y, mix(sky0, sky1, float64(y)/float64(p.h)))
		}
	}
	sun := p.between(30, 90)
	p.ellipse(p.between(0, float64(p.w)), p.between(0, float64(p.h)/3), sun, sun, 0, p.color(), 0.9)
	layers := 2 + p.rng.IntN(3)
	for l := range layers {
		base := float64(p.h) * (0.35 + 0.5*float64(l)/float64(layers) + p.between(-0.05, 0.05))
		var amp, freq, phase [3]float64
		for i := range amp {
			amp[i] = p.between(5, 60) / float64(i+1)
			freq[i] = p.between(0.5, 4) * float64(i+1) * 2 * math.Pi / float64(p.w)
			phase[i] = p.between(0, 2*math.Pi)
		}
		top, bottom := p.color(), p.color()
		for x := range p.w {
			ridge := base
			for i := range amp {
				ridge += amp[i] * math.Sin(freq[i]*float64(x)+phase[i])
			}
			for y := max(0, int(ridge)); y < p.h; y++ {
				p.img.SetRGBA(x, y, mix(top, bottom, (float64(y)-ridge)/float64(p.h)*2))
			}
		}
		for range p.rng.IntN(6) {
			x := p.between(0, float64(p.w))
			s := p.between(15, 60)
			p.triangle(x-s/2, base+s, x+s/2, base+s, x, base-s, p.color(), 1)
		}
	}
}

func (p *painter) abstract() {
	p.gradient(p.color(), p.color())
	for range 5 + p.rng.IntN(11) {
		cx, cy := p.between(0, float64(p.w)), p.between(0, float64(p.h))
		a, b := p.between(20, float64(p.w)/3), p.between(20, float64(p.h)/3)
		th, alpha := p.between(0, math.Pi), p.between(0.5, 1)
		switch p.rng.IntN(3) {
		case 0:
			p.ellipse(cx, cy, a, b, th, p.color(), alpha)
		case 1:
			p.rect(cx, cy, a, b, th, p.color(), alpha)
		default:
			p.triangle(cx, cy, cx+a, cy+p.between(-b, b), cx+p.between(-a, a), cy+b, p.color(), alpha)
		}
	}
}

func (p *painter) clouds() {
	ns := p.noise(p.between(80, 300), 5)
	c0, c1, c2 := p.color(), p.color(), p.color()
	for y := range p.h {
		for x := range p.w {
			v := sample(ns, float64(x), float64(y))
			if v < 0.5 {
				p.img.SetRGBA(x, y, mix(c0, c1, v*2))
			} else {
				p.img.SetRGBA(x, y, mix(c1, c2, v*2-1))
			}
		}
	}
}

func (p *painter) portrait() {
	p.gradient(p.color(), p.color())
	cx := float64(p.w) * p.between(0.3, 0.7)
	cy := float64(p.h) * p.between(0.3, 0.55)
	r := float64(min(p.w, p.h)) * p.between(0.15, 0.3)
	p.ellipse(cx, cy+2.2*r, 1.6*r, 1.3*r, 0, p.color(), 1) // shoulders
	skin := p.color()
	p.ellipse(cx, cy, r*0.8, r, p.between(-0.2, 0.2), skin, 1)
	p.ellipse(cx, cy-0.7*r, r*0.85, r*0.45, 0, p.color(), 1) // hair
	eye := p.color()
	p.ellipse(cx-0.3*r, cy-0.1*r, 0.12*r, 0.07*r, 0, eye, 1)
	p.ellipse(cx+0.3*r, cy-0.1*r, 0.12*r, 0.07*r, 0, eye, 1)
	p.ellipse(cx, cy+0.45*r, 0.25*r, 0.06*r, 0, p.color(), 1)
}

func (p *painter) pattern() {
	a, b := p.color(), p.color()
	th := p.between(0, math.Pi)
	period := p.between(20, 200)
	s, c := math.Sincos(th)
	checker := p.rng.IntN(2) == 0
	for y := range p.h {
		for x := range p.w {
			u, v := float64(x)*c+float64(y)*s, -float64(x)*s+float64(y)*c
			on := int(math.Floor(u/period))%2 == 0
			if checker {
				on = on != (int(math.Floor(v/period))%2 == 0)
			}
			if on {
				p.img.SetRGBA(x, y, a)
			} else {
				p.img.SetRGBA(x, y, b)
			}
		}
	}
	for range 1 + p.rng.IntN(4) {
		p.ellipse(p.between(0, float64(p.w)), p.between(0, float64(p.h)), p.between(30, 200), p.between(30, 200), 0, p.color(), p.between(0.6, 1))
	}
}

// grain adds noise of ±amp levels to each channel.
func (p *painter) grain(amp int) {
	pix := p.img.Pix
	n := uint64(2*amp + 1)
	for i := 0; i < len(pix); i += 4 {
		r := p.rng.Uint64()
		for c := range 3 {
			v := int(pix[i+c]) + int((r>>(16*c))&0xffff%n) - amp
			pix[i+c] = uint8(max(0, min(255, v)))
		}
	}
}
