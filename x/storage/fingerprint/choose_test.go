package fingerprint

import (
	"flag"
	"testing"
)

var evalParams = flag.Bool("eval", false, "compare candidate fingerprint definitions on the corpus (slow)")

// candidates are the fingerprint definitions TestChooseParams compares,
// in the order they are printed.
func candidates() ([]string, []params) {
	noDC := diagonalOrder(8)[1:] // without the taper the DC term is 0 after centring
	names := []string{
		"classic pHash (whole frame, no taper)",
		"centre 80%, no taper",
		"centre 80%, taper",
		"whole frame, taper",
		"chosen: centre 80%, taper, 3 trims/side",
		"centre 80%, taper, 4 trims/side",
	}
	ps := []params{
		{trim: 0, coeffs: noDC},
		{trim: 100, coeffs: noDC, probeTrims: chosen.probeTrims},
		{trim: 100, taper: true, coeffs: chosen.coeffs},
		{trim: 0, taper: true, coeffs: chosen.coeffs},
		chosen,
		{trim: 100, taper: true, coeffs: chosen.coeffs, probeTrims: []int{59, 72, 86, 99}},
	}
	return names, ps
}

// TestChooseParams prints the distance distributions of every candidate
// definition: run with -eval (minutes). The package documentation records
// the result and the choice.
func TestChooseParams(t *testing.T) {
	if !*evalParams {
		t.Skip("run with -eval")
	}
	names, ps := candidates()
	for i, m := range measure(ps) {
		t.Logf("%s\n%s", names[i], summarise(m).report())
	}
}
