package codec

import "fmt"

// Format limits. A header or manifest outside them is rejected before anything is
// allocated or hashed.
const (
	// MaxShards is the most chunks a stripe may have (n ≤ 256: one GF(2^8) code).
	MaxShards = 256
	// MinChunkSize and MaxChunkSize bound Params.ChunkSize.
	MinChunkSize = 1 << 10
	MaxChunkSize = 16 << 20
	// MaxArchiveSize bounds the archive size a header may declare (1 TiB).
	MaxArchiveSize = 1 << 40

	// DefaultChunkSize and DefaultRedundancy are the design's defaults.
	DefaultChunkSize  = 2 << 20
	DefaultRedundancy = 12
)

// Params are the coding parameters an archive is encoded with.
type Params struct {
	// ChunkSize is the size of a source piece and so of every chunk payload of a
	// full stripe, in bytes: MinChunkSize ≤ ChunkSize ≤ MaxChunkSize.
	ChunkSize int `json:"chunk_size"`
	// Redundancy is n/k, the number of chunks per source piece: 1 ≤ Redundancy ≤ 256.
	Redundancy int `json:"redundancy"`
}

// DefaultParams returns 2 MiB chunks at redundancy 12.
func DefaultParams() Params {
	return Params{ChunkSize: DefaultChunkSize, Redundancy: DefaultRedundancy}
}

// Validate reports whether p is within the format limits.
func (p Params) Validate() error {
	if p.ChunkSize < MinChunkSize || p.ChunkSize > MaxChunkSize {
		return fmt.Errorf("%w: chunk size %d is outside [%d, %d]", ErrBadParams, p.ChunkSize, MinChunkSize, MaxChunkSize)
	}
	if p.Redundancy < 1 || p.Redundancy > MaxShards {
		return fmt.Errorf("%w: redundancy %d is outside [1, %d]", ErrBadParams, p.Redundancy, MaxShards)
	}
	return nil
}

// MaxK returns the number of source pieces in a full stripe: floor(256/Redundancy),
// so that n = k·Redundancy ≤ 256 (21 at redundancy 12, giving n = 252).
func (p Params) MaxK() int { return MaxShards / p.Redundancy }

// Layout says how an archive of a given size is cut into stripes and chunks.
//
// The archive is read as consecutive stripes of MaxK·ChunkSize bytes; every stripe
// but the last is full: k = MaxK source pieces of exactly ChunkSize bytes. The last
// stripe holds the remaining L bytes as k = ceil(L/ChunkSize) pieces (that is,
// min(MaxK, pieces remaining)), but its pieces are ceil(L/k) bytes long rather than
// ChunkSize: the bytes are spread evenly and only the last piece is zero-padded, by
// fewer than k bytes. A 1-byte archive thus becomes chunks of 1 byte, not of 2 MiB.
// An empty archive is one stripe with k = 1 and empty payloads.
//
// A stripe with k pieces has n = k·Redundancy chunks, indices [0, n): index i < k is
// source piece i itself (systematic code), indices k..n-1 are Reed-Solomon parity.
type Layout struct {
	Size int64 // archive size in bytes
	Params
}

// StripeLayout describes one stripe.
type StripeLayout struct {
	Stripe    int   // stripe number
	Offset    int64 // offset of the stripe's first byte in the archive
	Length    int   // archive bytes in the stripe
	K         int   // source pieces (chunks needed to rebuild)
	N         int   // chunks in total
	ShardSize int   // payload length of every chunk of the stripe
}

// NewLayout validates the parameters and returns the layout of an archive of size bytes.
func NewLayout(size int64, p Params) (Layout, error) {
	if err := p.Validate(); err != nil {
		return Layout{}, err
	}
	if size < 0 || size > MaxArchiveSize {
		return Layout{}, fmt.Errorf("%w: archive size %d is outside [0, %d]", ErrBadParams, size, int64(MaxArchiveSize))
	}
	return Layout{Size: size, Params: p}, nil
}

// stripeBytes is the archive bytes in a full stripe.
func (l Layout) stripeBytes() int64 { return int64(l.MaxK()) * int64(l.ChunkSize) }

// Stripes returns the number of stripes (at least 1).
func (l Layout) Stripes() int {
	if l.Size == 0 {
		return 1
	}
	sb := l.stripeBytes()
	return int((l.Size + sb - 1) / sb)
}

// Stripe returns the layout of stripe s, which must be in [0, Stripes()).
func (l Layout) Stripe(s int) StripeLayout {
	if l.Size == 0 {
		return StripeLayout{Stripe: 0, K: 1, N: l.Redundancy}
	}
	sb := l.stripeBytes()
	off := int64(s) * sb
	length := int(min(sb, l.Size-off))
	k := (length + l.ChunkSize - 1) / l.ChunkSize
	return StripeLayout{
		Stripe:    s,
		Offset:    off,
		Length:    length,
		K:         k,
		N:         k * l.Redundancy,
		ShardSize: (length + k - 1) / k,
	}
}

// Chunks returns the number of chunks of the archive, over all stripes.
func (l Layout) Chunks() int {
	s := l.Stripes()
	return (s-1)*l.MaxK()*l.Redundancy + l.Stripe(s-1).N
}

// Position returns the place of chunk (stripe, index) in manifest order: stripes in
// order, indices in order within a stripe.
func (l Layout) Position(stripe, index int) int {
	return stripe*l.MaxK()*l.Redundancy + index
}
