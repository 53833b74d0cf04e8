package codec

import (
	"encoding/hex"
	"fmt"
)

// HashSize is the size of every hash in this package (SHA3-256).
const HashSize = 32

// Hash is a SHA3-256 digest: an archive hash or an inner Merkle node.
type Hash [HashSize]byte

// ID is a chunk id: the Merkle root of the chunk payload (see MerkleRoot).
type ID [HashSize]byte

// String returns the lower-case hex form.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is all zero bytes (used as "not set").
func (h Hash) IsZero() bool { return h == Hash{} }

// MarshalText implements encoding.TextMarshaler (hex), so JSON carries hex strings.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *Hash) UnmarshalText(b []byte) error { return decodeHex((*[HashSize]byte)(h), b, "hash") }

// String returns the lower-case hex form.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// MarshalText implements encoding.TextMarshaler (hex).
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *ID) UnmarshalText(b []byte) error { return decodeHex((*[HashSize]byte)(id), b, "chunk id") }

// ParseID parses a 64-digit hex chunk id.
func ParseID(s string) (ID, error) {
	var id ID
	err := id.UnmarshalText([]byte(s))
	return id, err
}

// IDFromBytes is the chunk id of 32 bytes (as ids travel in queries and
// protobuf messages).
func IDFromBytes(b []byte) (ID, error) {
	var id ID
	if len(b) != HashSize {
		return id, fmt.Errorf("codec: chunk id of %d bytes, want %d", len(b), HashSize)
	}
	copy(id[:], b)
	return id, nil
}

// ParseHash parses a 64-digit hex hash.
func ParseHash(s string) (Hash, error) {
	var h Hash
	err := h.UnmarshalText([]byte(s))
	return h, err
}

func decodeHex(dst *[HashSize]byte, b []byte, what string) error {
	if len(b) != 2*HashSize {
		return fmt.Errorf("codec: %s %q: want %d hex digits, have %d", what, b, 2*HashSize, len(b))
	}
	if _, err := hex.Decode(dst[:], b); err != nil {
		return fmt.Errorf("codec: %s %q: %v", what, b, err)
	}
	return nil
}
