package fingerprint

import (
	"flag"
	"fmt"
	"testing"
)

var evalParams = flag.Bool("eval", false, "compare candidate fingerprint definitions on the corpus (slow)")

// candidates are the fingerprint definitions TestChooseParams compares.
func candidates() map[string]params {
	rows18 := func() []freq { // pHash.org: u, v in 1..8, no row or column 0
		var fs []freq
		for v := 1; v <= 8; v++ {
			for u := 1; u <= 8; u++ {
				fs = append(fs, freq{u, v})
			}
		}
		return fs
	}
	diagonal := func() []freq { // first 64 AC terms by u+v, then v
		var fs []freq
		for s := 1; len(fs) < 64; s++ {
			for v := 0; v <= s && len(fs) < 64; v++ {
				fs = append(fs, freq{s - v, v})
			}
		}
		return fs
	}
	out := map[string]params{}
	for _, trim := range []int{0, 50, 100} {
		out[fmt.Sprintf("8x8-DC trim %d", trim)] = params{trim, lowFrequencies()}
		out[fmt.Sprintf("1..8 trim %d", trim)] = params{trim, rows18()}
		out[fmt.Sprintf("diagonal trim %d", trim)] = params{trim, diagonal()}
	}
	return out
}

// TestChooseParams prints the distance distributions of every candidate
// definition: run with -eval. The package documentation records the
// result and the choice.
func TestChooseParams(t *testing.T) {
	if !*evalParams {
		t.Skip("run with -eval")
	}
	cs := candidates()
	var names []string
	var ps []params
	for n, p := range cs {
		names = append(names, n)
		ps = append(ps, p)
	}
	ms := measure(ps)
	for i, m := range ms {
		s := summarise(m)
		t.Logf("%s: edited max %d p99 %d | distinct min %d p0.1 %d p1 %d | gap %d\n%s",
			names[i], s.edited[len(s.edited)-1], quantile(s.edited, 990),
			s.distinct[0], quantile(s.distinct, 1), quantile(s.distinct, 10),
			s.distinct[0]-s.edited[len(s.edited)-1], s.report())
	}
}
