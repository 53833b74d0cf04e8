package codec

import (
	"bytes"
	"crypto/sha3"
	"encoding/binary"
	"fmt"
)

// HeaderSize is the size of a version 1 chunk header. A chunk is the header
// followed by exactly PayloadLen payload bytes.
//
// Layout (big-endian integers):
//
//	offset size field
//	     0    4 magic "PCHK"
//	     4    1 format version (1)
//	     5    3 reserved, zero
//	     8   32 archive hash (SHA3-256 of the archive)
//	    40    8 archive size
//	    48    4 chunk size (Params.ChunkSize)
//	    52    2 redundancy
//	    54    2 k: source pieces in this stripe
//	    56    2 n: chunks in this stripe (k·redundancy)
//	    58    2 index of this chunk in its stripe, < n
//	    60    4 stripe number
//	    64    4 payload length
//	    68   32 chunk id (Merkle root of the payload)
//	   100   20 reserved, zero
//	   120    8 checksum: SHA3-256("pastel/chunk-header/v1" || bytes 0..120)[:8]
//
// Everything but the archive hash and the id is determined by the archive size,
// the parameters and (stripe, index), and parsing checks it is. The checksum
// catches accidental damage to the header; the chunk id, which a manifest or the
// chain holds, is what makes a chunk trustworthy.
const HeaderSize = 128

// FormatVersion is the chunk header version this package writes and reads.
const FormatVersion = 1

var headerMagic = [4]byte{'P', 'C', 'H', 'K'}

const headerChecksumDomain = "pastel/chunk-header/v1"

// Header is the parsed form of a chunk header.
type Header struct {
	ArchiveHash Hash
	ArchiveSize int64
	ChunkSize   int
	Redundancy  int
	Stripe      int
	Index       int // index within the stripe, in [0, N)
	K           int // chunks needed to rebuild the stripe
	N           int // chunks in the stripe
	PayloadLen  int
	ID          ID // Merkle root of the payload
}

// Params returns the coding parameters recorded in the header.
func (h *Header) Params() Params { return Params{ChunkSize: h.ChunkSize, Redundancy: h.Redundancy} }

// Layout returns the layout of the archive the chunk belongs to.
func (h *Header) Layout() (Layout, error) { return NewLayout(h.ArchiveSize, h.Params()) }

// IsParity reports whether the chunk is a parity chunk rather than a source piece.
func (h *Header) IsParity() bool { return h.Index >= h.K }

// sameArchive reports whether two headers describe the same encoding of the same
// archive (hash, size and parameters).
func (h *Header) sameArchive(o *Header) bool {
	return h.ArchiveHash == o.ArchiveHash && h.ArchiveSize == o.ArchiveSize &&
		h.ChunkSize == o.ChunkSize && h.Redundancy == o.Redundancy
}

// newHeader returns the header of chunk (stripe s, index) of layout l.
func newHeader(l Layout, archive Hash, st StripeLayout, index int, id ID) Header {
	return Header{
		ArchiveHash: archive,
		ArchiveSize: l.Size,
		ChunkSize:   l.ChunkSize,
		Redundancy:  l.Redundancy,
		Stripe:      st.Stripe,
		Index:       index,
		K:           st.K,
		N:           st.N,
		PayloadLen:  st.ShardSize,
		ID:          id,
	}
}

// Validate checks every field against the format limits and the archive layout.
func (h *Header) Validate() error {
	l, err := h.Layout()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadHeader, err)
	}
	if h.Stripe < 0 || h.Stripe >= l.Stripes() {
		return fmt.Errorf("%w: stripe %d, but an archive of %d bytes has %d stripes", ErrBadHeader, h.Stripe, h.ArchiveSize, l.Stripes())
	}
	st := l.Stripe(h.Stripe)
	switch {
	case h.K != st.K:
		return fmt.Errorf("%w: k=%d, but stripe %d has k=%d", ErrBadHeader, h.K, h.Stripe, st.K)
	case h.N != st.N:
		return fmt.Errorf("%w: n=%d, but stripe %d has n=%d", ErrBadHeader, h.N, h.Stripe, st.N)
	case h.Index < 0 || h.Index >= h.N:
		return fmt.Errorf("%w: index %d is outside [0, n=%d)", ErrBadHeader, h.Index, h.N)
	case h.PayloadLen != st.ShardSize:
		return fmt.Errorf("%w: payload length %d, but stripe %d has %d-byte chunks", ErrBadHeader, h.PayloadLen, h.Stripe, st.ShardSize)
	}
	return nil
}

// AppendBinary appends the 128-byte encoding of h to b. It fails if h does not
// validate.
func (h *Header) AppendBinary(b []byte) ([]byte, error) {
	if err := h.Validate(); err != nil {
		return b, err
	}
	return h.appendUnchecked(b), nil
}

// MarshalBinary returns the 128-byte encoding of h.
func (h *Header) MarshalBinary() ([]byte, error) { return h.AppendBinary(make([]byte, 0, HeaderSize)) }

func (h *Header) appendUnchecked(b []byte) []byte {
	start := len(b)
	b = append(b, make([]byte, HeaderSize)...)
	p := b[start:]
	copy(p[0:4], headerMagic[:])
	p[4] = FormatVersion
	copy(p[8:40], h.ArchiveHash[:])
	binary.BigEndian.PutUint64(p[40:48], uint64(h.ArchiveSize))
	binary.BigEndian.PutUint32(p[48:52], uint32(h.ChunkSize))
	binary.BigEndian.PutUint16(p[52:54], uint16(h.Redundancy))
	binary.BigEndian.PutUint16(p[54:56], uint16(h.K))
	binary.BigEndian.PutUint16(p[56:58], uint16(h.N))
	binary.BigEndian.PutUint16(p[58:60], uint16(h.Index))
	binary.BigEndian.PutUint32(p[60:64], uint32(h.Stripe))
	binary.BigEndian.PutUint32(p[64:68], uint32(h.PayloadLen))
	copy(p[68:100], h.ID[:])
	sum := headerChecksum(p[:120])
	copy(p[120:128], sum[:8])
	return b
}

func headerChecksum(b []byte) [32]byte {
	var buf [len(headerChecksumDomain) + 120]byte
	copy(buf[:], headerChecksumDomain)
	copy(buf[len(headerChecksumDomain):], b)
	return sha3.Sum256(buf[:])
}

var zero20 [20]byte

// ParseHeader parses and validates the header at the start of b (b may continue
// with the payload). It never allocates in proportion to any field it reads.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("%w: %d bytes, a header needs %d", ErrTruncated, len(b), HeaderSize)
	}
	p := b[:HeaderSize]
	if !bytes.Equal(p[0:4], headerMagic[:]) {
		return Header{}, fmt.Errorf("%w: bad magic %q", ErrBadHeader, p[0:4])
	}
	if p[4] != FormatVersion {
		return Header{}, fmt.Errorf("%w: chunk format version %d, this code reads %d", ErrUnknownVersion, p[4], FormatVersion)
	}
	if sum := headerChecksum(p[:120]); !bytes.Equal(sum[:8], p[120:128]) {
		return Header{}, fmt.Errorf("%w: header checksum mismatch", ErrBadHeader)
	}
	if p[5] != 0 || p[6] != 0 || p[7] != 0 || !bytes.Equal(p[100:120], zero20[:]) {
		return Header{}, fmt.Errorf("%w: reserved bytes are not zero", ErrBadHeader)
	}
	size := binary.BigEndian.Uint64(p[40:48])
	if size > MaxArchiveSize {
		return Header{}, fmt.Errorf("%w: archive size %d exceeds %d", ErrBadHeader, size, uint64(MaxArchiveSize))
	}
	var h Header
	copy(h.ArchiveHash[:], p[8:40])
	h.ArchiveSize = int64(size)
	h.ChunkSize = int(binary.BigEndian.Uint32(p[48:52]))
	h.Redundancy = int(binary.BigEndian.Uint16(p[52:54]))
	h.K = int(binary.BigEndian.Uint16(p[54:56]))
	h.N = int(binary.BigEndian.Uint16(p[56:58]))
	h.Index = int(binary.BigEndian.Uint16(p[58:60]))
	h.Stripe = int(binary.BigEndian.Uint32(p[60:64]))
	h.PayloadLen = int(binary.BigEndian.Uint32(p[64:68]))
	copy(h.ID[:], p[68:100])
	if err := h.Validate(); err != nil {
		return Header{}, err
	}
	return h, nil
}
