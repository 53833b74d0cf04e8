package codec

import (
	"fmt"
	"io"
)

// Chunk is one erasure-coded piece of an archive: a header and its payload.
type Chunk struct {
	Header
	Payload []byte
}

// Size returns the encoded size, HeaderSize + PayloadLen.
func (c *Chunk) Size() int { return HeaderSize + len(c.Payload) }

// Bytes returns the encoded chunk (header then payload) in a new slice.
func (c *Chunk) Bytes() []byte {
	b := make([]byte, 0, c.Size())
	b = c.Header.appendUnchecked(b)
	return append(b, c.Payload...)
}

// WriteTo writes the encoded chunk to w.
func (c *Chunk) WriteTo(w io.Writer) (int64, error) {
	var hb [HeaderSize]byte
	c.Header.appendUnchecked(hb[:0])
	n, err := w.Write(hb[:])
	if err != nil {
		return int64(n), err
	}
	m, err := w.Write(c.Payload)
	return int64(n + m), err
}

// parseFrame parses the header and checks the length, without hashing the payload.
func parseFrame(b []byte) (*Chunk, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return nil, err
	}
	want := HeaderSize + h.PayloadLen
	switch {
	case len(b) < want:
		return nil, fmt.Errorf("%w: %d bytes, header says %d (stripe %d index %d)", ErrTruncated, len(b), want, h.Stripe, h.Index)
	case len(b) > want:
		return nil, fmt.Errorf("%w: %d bytes, header says %d (stripe %d index %d)", ErrBadChunk, len(b), want, h.Stripe, h.Index)
	}
	return &Chunk{Header: h, Payload: b[HeaderSize:want:want]}, nil
}

// ParseChunk parses an encoded chunk and checks that it is self-consistent: a valid
// header, exactly PayloadLen payload bytes, and a payload whose Merkle root is the
// id in the header. The returned chunk's Payload aliases b.
//
// Self-consistency proves nothing about origin: anyone can write a consistent
// chunk. Where the expected id is known (a manifest, the chain), use VerifyChunk
// or Manifest.Check.
func ParseChunk(b []byte) (*Chunk, error) {
	c, err := parseFrame(b)
	if err != nil {
		return nil, err
	}
	if id := MerkleRoot(c.Payload); id != c.ID {
		return nil, fmt.Errorf("%w: stripe %d index %d: payload hashes to %s, header says %s", ErrIDMismatch, c.Stripe, c.Index, id, c.ID)
	}
	return c, nil
}

// Verified is chunk bytes that Verify checked against their id. Only
// Verify makes one, so whoever holds a Verified (a store, a decoder) need
// not hash the payload again: a pulled 2 MiB chunk is hashed once between
// the network and the disk. Bytes aliases the checked slice; changing it
// afterwards voids the check.
type Verified struct {
	id ID
	b  []byte
}

// Verify checks b as VerifyChunk does and returns it as Verified.
func Verify(b []byte, want ID) (Verified, error) {
	if _, err := VerifyChunk(b, want); err != nil {
		return Verified{}, err
	}
	return Verified{id: want, b: b}, nil
}

// ID is the id the bytes were checked against.
func (v Verified) ID() ID { return v.id }

// Bytes are the checked chunk bytes (header and payload).
func (v Verified) Bytes() []byte { return v.b }

// VerifyChunk parses an encoded chunk and checks that its payload hashes to want.
// It is the check to run on a chunk fetched by id.
func VerifyChunk(b []byte, want ID) (*Chunk, error) {
	c, err := parseFrame(b)
	if err != nil {
		return nil, err
	}
	if c.ID != want {
		return nil, fmt.Errorf("%w: header names %s, wanted %s", ErrIDMismatch, c.ID, want)
	}
	if id := MerkleRoot(c.Payload); id != want {
		return nil, fmt.Errorf("%w: stripe %d index %d: payload hashes to %s, wanted %s", ErrIDMismatch, c.Stripe, c.Index, id, want)
	}
	return c, nil
}
