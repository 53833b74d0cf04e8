package trust

import (
	"encoding/json"
	"fmt"

	"github.com/pastelchain/pastel/x/trust/score"
)

// maxIntDigits bounds the integer part ParseScore accepts, so every accepted
// value fits an int64 in parts per 10^9.
const maxIntDigits = 9

// ParseScore reads a decimal such as "0.8", "-1", "1.000000000" or "-.25"
// into a fixed-point score (parts per 10^9). It accepts an optional leading
// '-', at most nine integer and nine fractional digits, and nothing else: no
// '+', exponent, spaces or digit separators. It says nothing about ranges;
// callers check the range their field needs. Score.String is its inverse.
func ParseScore(s string) (score.Score, error) {
	orig := s
	bad := func(why string) (score.Score, error) {
		return 0, fmt.Errorf("%q is not a decimal score like 0.8 or -1: %s", orig, why)
	}
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if s == "" {
		return bad("no digits")
	}
	var intPart, frac int64
	i, digits := 0, 0
	for ; i < len(s) && s[i] != '.'; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return bad(fmt.Sprintf("unexpected %q", c))
		}
		if digits++; digits > maxIntDigits {
			return bad("more than nine integer digits")
		}
		intPart = intPart*10 + int64(c-'0')
	}
	fracDigits := 0
	if i < len(s) { // s[i] == '.'
		i++
		if i == len(s) {
			return bad("no digits after '.'")
		}
		for ; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return bad(fmt.Sprintf("unexpected %q", c))
			}
			if fracDigits++; fracDigits > 9 {
				return bad("more than nine fractional digits (the precision is 10^-9)")
			}
			frac = frac*10 + int64(c-'0')
		}
	}
	if digits == 0 && fracDigits == 0 {
		return bad("no digits")
	}
	for k := fracDigits; k < 9; k++ {
		frac *= 10
	}
	v := intPart*int64(score.One) + frac
	if neg {
		v = -v
	}
	return score.Score(v), nil
}

// ParseWeight reads an edge weight: a decimal in [-1, 1].
func ParseWeight(s string) (score.Score, error) {
	w, err := ParseScore(s)
	if err != nil {
		return 0, err
	}
	if w < -score.One || w > score.One {
		return 0, ErrWeightRange.Wrapf("%s is %v", s, w)
	}
	return w, nil
}

// Dec is a score written as a decimal string in JSON ("0.8"), so genesis
// files and query answers are readable and exact.
type Dec score.Score

func (d Dec) MarshalJSON() ([]byte, error) { return json.Marshal(score.Score(d).String()) }

func (d *Dec) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a decimal in quotes, e.g. \"0.5\": %w", err)
	}
	v, err := ParseScore(s)
	if err != nil {
		return err
	}
	*d = Dec(v)
	return nil
}

func (d Dec) String() string { return score.Score(d).String() }
