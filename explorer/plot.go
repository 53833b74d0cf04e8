package explorer

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// Series is one line of a plot: values at block heights (X ascending).
type Series struct {
	Name  string
	Class string // CSS class of the line: c0..c3
	X     []int64
	Y     []float64
}

// Plot draws series as an SVG line chart, server-side, so pages need no
// chart script and render the same with JavaScript off. The SVG carries the
// last value of every series in data attributes (tests and scripts read
// them) and every label is escaped.
func Plot(id, title, unit string, series []Series) template.HTML {
	const w, h, left, right, top, bottom = 640, 200, 56, 12, 24, 28
	var minX, maxX int64
	maxY := 0.0
	points := 0
	for _, s := range series {
		for i, x := range s.X {
			if points == 0 || x < minX {
				minX = x
			}
			if points == 0 || x > maxX {
				maxX = x
			}
			if s.Y[i] > maxY {
				maxY = s.Y[i]
			}
			points++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="%s" class="plot" viewBox="0 0 %d %d" role="img" aria-label="%s"`, html.EscapeString(id), w, h, html.EscapeString(title))
	for i, s := range series {
		if n := len(s.Y); n > 0 {
			fmt.Fprintf(&b, ` data-last-%d="%s"`, i, trimFloat(s.Y[n-1]))
		}
	}
	b.WriteString(">")
	fmt.Fprintf(&b, `<text class="title" x="%d" y="16">%s</text>`, left, html.EscapeString(title))
	if points == 0 {
		fmt.Fprintf(&b, `<text class="empty" x="%d" y="%d">no samples yet: the explorer records one per block from when it starts</text></svg>`, left, h/2)
		return template.HTML(b.String())
	}
	top2 := niceCeil(maxY)
	if top2 == 0 {
		top2 = 1
	}
	spanX := maxX - minX
	if spanX == 0 {
		spanX = 1
	}
	px := func(x int64) float64 { return left + float64(x-minX)*float64(w-left-right)/float64(spanX) }
	py := func(y float64) float64 { return top + (1-y/top2)*float64(h-top-bottom) }
	// Axes and grid: 0, half and top of the y range; first and last height.
	for _, f := range []float64{0, 0.5, 1} {
		y := py(top2 * f)
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, left, w-right, y, y)
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%.1f" text-anchor="end">%s</text>`, left-4, y+4, html.EscapeString(trimFloat(top2*f)+unit))
	}
	fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d">%d</text>`, left, h-8, minX)
	fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d" text-anchor="end">height %d</text>`, w-right, h-8, maxX)
	for i, s := range series {
		cls := s.Class
		if cls == "" {
			cls = fmt.Sprintf("c%d", i%4)
		}
		var pts strings.Builder
		for j, x := range s.X {
			fmt.Fprintf(&pts, "%.1f,%.1f ", px(x), py(s.Y[j]))
		}
		fmt.Fprintf(&b, `<polyline class="line %s" points="%s"><title>%s</title></polyline>`, cls, strings.TrimSpace(pts.String()), html.EscapeString(s.Name))
		if n := len(s.X); n > 0 {
			fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="3"/>`, cls, px(s.X[n-1]), py(s.Y[n-1]))
		}
		fmt.Fprintf(&b, `<text class="legend %s" x="%d" y="%d">%s</text>`, cls, left+110+150*i, h-8, html.EscapeString(s.Name))
	}
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 0
	}
	p := 1.0
	for p*10 <= v {
		p *= 10
	}
	for p > v {
		p /= 10
	}
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.3f", v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
