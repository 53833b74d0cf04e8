package fingerprint

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestHashText(t *testing.T) {
	for _, h := range []Hash{0, 1, 0x0123456789abcdef, ^Hash(0)} {
		s := h.String()
		if len(s) != 16 {
			t.Fatalf("%#x.String() = %q", uint64(h), s)
		}
		got, err := Parse(s)
		if err != nil || got != h {
			t.Fatalf("Parse(%q) = %v, %v", s, got, err)
		}
	}
	if h, err := Parse("0123456789ABCDEF"); err != nil || h != 0x0123456789abcdef {
		t.Fatalf("upper case: %v, %v", h, err)
	}
	for _, bad := range []string{"", "0", "0123456789abcde", "0123456789abcdef0", "0123456789abcdeg", "+123456789abcdef"} {
		if _, err := Parse(bad); !errors.Is(err, ErrBadHex) {
			t.Errorf("Parse(%q) err = %v, want ErrBadHex", bad, err)
		}
	}
}

func TestHashJSON(t *testing.T) {
	in := struct{ F Hash }{0xfedcba9876543210}
	b, err := json.Marshal(in)
	if err != nil || string(b) != `{"F":"fedcba9876543210"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var out struct{ F Hash }
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Fatalf("Unmarshal = %v, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"F":"xyz"}`), &out); !errors.Is(err, ErrBadHex) {
		t.Fatalf("bad JSON err = %v", err)
	}
}

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b Hash
		d    int
	}{{0, 0, 0}, {0, ^Hash(0), 64}, {0b1011, 0b0001, 2}, {1 << 63, 0, 1}} {
		if got := Distance(c.a, c.b); got != c.d || Distance(c.b, c.a) != c.d {
			t.Errorf("Distance(%v, %v) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}
