package fingerprint

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
)

// Hash is a 64-bit perceptual fingerprint. Similar images have hashes at a
// small Hamming distance; see Distance and Threshold.
type Hash uint64

// Distance is the Hamming distance between two fingerprints: the number of
// bits in which they differ, 0..64.
func Distance(a, b Hash) int { return bits.OnesCount64(uint64(a ^ b)) }

// String formats h as 16 lowercase hex digits, most significant first.
func (h Hash) String() string { return fmt.Sprintf("%016x", uint64(h)) }

// ErrBadHex reports a fingerprint string that is not exactly 16 hex digits.
var ErrBadHex = errors.New("fingerprint: want 16 hex digits")

// Parse reads a fingerprint written by Hash.String. Upper-case digits are
// accepted; anything but exactly 16 digits is an error.
func Parse(s string) (Hash, error) {
	if len(s) != 16 {
		return 0, fmt.Errorf("%w, got %d characters", ErrBadHex, len(s))
	}
	var b [8]byte
	if _, err := hex.Decode(b[:], []byte(s)); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrBadHex, err)
	}
	var h uint64
	for _, c := range b {
		h = h<<8 | uint64(c)
	}
	return Hash(h), nil
}

// MarshalText implements encoding.TextMarshaler (JSON, TOML) as String.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler as Parse.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}
