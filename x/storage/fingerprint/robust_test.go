package fingerprint

import (
	"strings"
	"testing"
)

// cropEdit reports whether an edit crops or frames: those are found
// through Probes, the others by the canonical fingerprint alone.
func cropEdit(name string) bool {
	return strings.Contains(name, "crop") || strings.Contains(name, "border")
}

// TestRobustness checks the threshold against the corpus and logs the
// distance distributions (go test -v -run TestRobustness).
//
//   - Every resized, recompressed or converted copy has a canonical
//     fingerprint within Threshold of the original's: the chain's own
//     check finds it.
//   - A cropped copy has a probe within ProbeThreshold of the original's
//     canonical fingerprint in at least 98% of cases (the rest is reported:
//     a 64-bit hash cannot promise every crop).
//   - No two distinct images are within Threshold canonical to canonical,
//     nor within ProbeThreshold from any probe of one to the canonical
//     fingerprint of the other.
func TestRobustness(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and edits the image corpus")
	}
	m := chosenCorpus()
	s := summarise(m)
	t.Logf("Threshold %d, ProbeThreshold %d; %d images, %d of them edited %d ways\n%s", Threshold, ProbeThreshold, corpusSize, editedSize, len(edits), s.report())

	var crops, cropMisses int
	for e, ed := range edits {
		for n, d := range s.perEdit[e] {
			if !cropEdit(ed.name) && d > Threshold {
				t.Errorf("image %d, %s: canonical distance %d > %d", n, ed.name, d, Threshold)
			}
		}
		if cropEdit(ed.name) {
			for n, d := range s.perEditProbed[e] {
				crops++
				if d > ProbeThreshold {
					cropMisses++
					t.Logf("image %d, %s: nearest probe at %d, not found", n, ed.name, d)
				}
			}
		}
	}
	if allowed := max(1, crops/50); cropMisses > allowed {
		t.Errorf("%d of %d cropped copies not found, more than %d", cropMisses, crops, allowed)
	}
	if d := s.distinct[0]; d <= Threshold {
		t.Errorf("two distinct images at distance %d ≤ %d", d, Threshold)
	}
	if d := s.distinctProbed[0]; d <= ProbeThreshold {
		t.Errorf("a probe of one image at distance %d ≤ %d from another image", d, ProbeThreshold)
	}
}
