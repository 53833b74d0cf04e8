package codec

import (
	"encoding/binary"
	"errors"
	"testing"
)

func sampleHeader(t testing.TB) Header {
	t.Helper()
	l, err := NewLayout(50<<20-12345, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	st := l.Stripe(1) // the last stripe: k=4
	return newHeader(l, Hash{1, 2, 3}, st, 17, ID{9, 8, 7})
}

func TestHeaderRoundTrip(t *testing.T) {
	h := sampleHeader(t)
	b, err := h.MarshalBinary()
	if err != nil || len(b) != HeaderSize {
		t.Fatalf("marshal: %d bytes, %v", len(b), err)
	}
	got, err := ParseHeader(b)
	if err != nil || got != h {
		t.Fatalf("parse: %+v, %v", got, err)
	}
	if h.K != 4 || h.N != 48 || !h.IsParity() {
		t.Fatalf("unexpected sample %+v", h)
	}
}

// Every single-byte change to a valid header is detected.
func TestHeaderEveryByteChangeRejected(t *testing.T) {
	h := sampleHeader(t)
	b, _ := h.MarshalBinary()
	for i := range HeaderSize {
		for d := 1; d < 256; d++ {
			c := append([]byte(nil), b...)
			c[i] ^= byte(d)
			if _, err := ParseHeader(c); err == nil {
				t.Fatalf("byte %d xor %#x accepted", i, d)
			}
		}
	}
}

// rawHeader writes fields verbatim with a valid checksum, to test the field checks
// behind the checksum.
func rawHeader(h Header, mutate func(p []byte)) []byte {
	b := h.appendUnchecked(nil)
	mutate(b)
	sum := headerChecksum(b[:120])
	copy(b[120:], sum[:8])
	return b
}

func TestHeaderFieldChecks(t *testing.T) {
	h := sampleHeader(t)
	u16 := func(off int, v uint16) func([]byte) { return func(p []byte) { binary.BigEndian.PutUint16(p[off:], v) } }
	u32 := func(off int, v uint32) func([]byte) { return func(p []byte) { binary.BigEndian.PutUint32(p[off:], v) } }
	cases := []struct {
		name   string
		mutate func([]byte)
		want   error
	}{
		{"version 2", func(p []byte) { p[4] = 2 }, ErrUnknownVersion},
		{"reserved", func(p []byte) { p[6] = 1 }, ErrBadHeader},
		{"reserved tail", func(p []byte) { p[110] = 1 }, ErrBadHeader},
		{"k=0", u16(54, 0), ErrBadHeader},
		{"k>n", u16(54, 60), ErrBadHeader},
		{"n>256", u16(56, 300), ErrBadHeader},
		{"n != k*r", u16(56, 47), ErrBadHeader},
		{"index=n", u16(58, 48), ErrBadHeader},
		{"stripe past end", u32(60, 2), ErrBadHeader},
		{"payload too long", u32(64, MaxChunkSize+1), ErrBadHeader},
		{"payload length off by one", u32(64, uint32(h.PayloadLen+1)), ErrBadHeader},
		{"chunk size 0", u32(48, 0), ErrBadHeader},
		{"chunk size huge", u32(48, 1<<31), ErrBadHeader},
		{"redundancy 0", u16(52, 0), ErrBadHeader},
		{"redundancy 257", u16(52, 257), ErrBadHeader},
		{"archive too large", func(p []byte) { binary.BigEndian.PutUint64(p[40:], 1<<62) }, ErrBadHeader},
	}
	for _, c := range cases {
		if _, err := ParseHeader(rawHeader(h, c.mutate)); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := ParseHeader(rawHeader(h, func([]byte) {})); err != nil {
		t.Fatalf("unmutated raw header: %v", err)
	}
	if _, err := ParseHeader(make([]byte, HeaderSize-1)); !errors.Is(err, ErrTruncated) {
		t.Errorf("short header: %v", err)
	}
}
