package trust

import (
	"encoding/json"
	"testing"

	"github.com/pastelchain/pastel/x/trust/score"
)

func TestParseScore(t *testing.T) {
	good := map[string]score.Score{
		"0.8": 800_000_000, "-1": -score.One, "1": score.One, "0": 0, "-0": 0, ".5": score.One / 2,
		"-.25": -score.One / 4, "0.000000001": 1, "1.000000000": score.One, "123456789.123456789": 123456789_123456789,
		"00.10": score.One / 10,
	}
	for in, want := range good {
		if got, err := ParseScore(in); err != nil || got != want {
			t.Errorf("ParseScore(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-", ".", "-.", "1.", "+1", "1e3", " 1", "1 ", "0.0000000001", "1234567890", "0x10", "1,5", "--1", "1.2.3", "NaN", "∞"} {
		if v, err := ParseScore(in); err == nil {
			t.Errorf("ParseScore(%q) = %v, want an error", in, v)
		}
	}
	for _, in := range []string{"1.000000001", "-1.000000001", "2"} {
		if _, err := ParseWeight(in); err == nil {
			t.Errorf("ParseWeight(%q) accepted", in)
		}
	}
	var d struct{ X Dec }
	if err := json.Unmarshal([]byte(`{"X":"0.25"}`), &d); err != nil || d.X != Dec(score.One/4) {
		t.Fatalf("Dec JSON: %v %v", d.X, err)
	}
	if err := json.Unmarshal([]byte(`{"X":0.25}`), &d); err == nil {
		t.Fatal("a JSON number was accepted for a Dec (floats are not exact)")
	}
}

// FuzzParseScore: no input panics; every accepted value formats back to a
// string that parses to the same value, and String's output always parses.
func FuzzParseScore(f *testing.F) {
	for _, s := range []string{"0.8", "-1", ".5", "1.", "123456789.123456789", "-0.000000001", "9e9"} {
		f.Add(s, int64(0))
	}
	f.Add("", int64(-1_000_000_000))
	f.Fuzz(func(t *testing.T, s string, v int64) {
		if got, err := ParseScore(s); err == nil {
			if again, err := ParseScore(got.String()); err != nil || again != got {
				t.Fatalf("%q -> %v -> %q -> %v, %v", s, got, got.String(), again, err)
			}
		}
		v %= 1_000_000_000_000_000_000 // within ParseScore's nine integer digits
		if got, err := ParseScore(score.Score(v).String()); err != nil || got != score.Score(v) {
			t.Fatalf("String/Parse round trip of %d: %v, %v", v, got, err)
		}
	})
}
