package codec

import (
	"encoding/binary"
	"fmt"
)

// Range proofs show that leaves [Start, End) of a chunk payload are part of the
// chunk whose id is known, without the rest of the payload. The proof is the list
// of roots of the maximal subtrees that lie entirely outside the range, in
// left-to-right order: the verifier walks the tree from the root, hashes the leaves
// it is given where the range is, takes the next proof hash where it is not, and
// compares the root with the id. Each sibling appears once; a range of r leaves in
// a tree of depth d needs at most 2d hashes and r leaf hashes plus about r+2d node
// hashes to check.
//
// Verification runs on every validator, so it is deterministic (no goroutines, no
// maps) and its work is bounded before any hashing: the range must lie inside the
// payload and be at most MaxProofLeaves long, and the proof must hold exactly the
// number of hashes the (payload length, range) pair calls for.
const (
	// MaxProofLeaves is the longest range a proof may cover (16 KiB of payload),
	// which keeps a verification under 100 µs.
	MaxProofLeaves = 16
	// MaxProofSiblings bounds the hashes in a proof: a range in a tree over
	// MaxChunkSize/LeafSize = 2^14 leaves needs at most 2·14.
	MaxProofSiblings = 32

	proofVersion    = 1
	proofHeaderSize = 1 + 4 + 4 + 4 + 1
	// MaxProofSize is the longest encoded proof.
	MaxProofSize = proofHeaderSize + MaxProofSiblings*HashSize
)

// Proof proves the leaves [Start, End) of a payload of PayloadLen bytes.
type Proof struct {
	PayloadLen int
	Start, End int    // leaf range, half-open
	Siblings   []Hash // roots of the subtrees outside the range, left to right
}

// LeafBytes returns the byte range [off, end) of the payload that leaves
// [start, end) cover: what a prover sends along with the proof.
func LeafBytes(payloadLen, start, end int) (off, to int) {
	off = start * LeafSize
	to = min(end*LeafSize, payloadLen)
	return off, to
}

// checkRange validates a (payload length, leaf range) pair against the limits.
func checkRange(payloadLen, start, end int) error {
	if payloadLen < 0 || payloadLen > MaxChunkSize {
		return fmt.Errorf("%w: payload length %d is outside [0, %d]", ErrBadProof, payloadLen, MaxChunkSize)
	}
	leaves := NumLeaves(payloadLen)
	if start < 0 || start >= end || end > leaves {
		return fmt.Errorf("%w: leaf range [%d, %d) is not a non-empty part of [0, %d)", ErrBadProof, start, end, leaves)
	}
	if end-start > MaxProofLeaves {
		return fmt.Errorf("%w: range of %d leaves exceeds %d", ErrBadProof, end-start, MaxProofLeaves)
	}
	return nil
}

// proofSiblings returns how many hashes a proof of leaves [start, end) of a tree
// over leaves [lo, hi) holds. It only recurses into nodes overlapping the range.
func proofSiblings(lo, hi, start, end int) int {
	if hi <= start || lo >= end {
		return 1
	}
	if hi-lo == 1 {
		return 0
	}
	k := lo + splitPoint(hi-lo)
	return proofSiblings(lo, k, start, end) + proofSiblings(k, hi, start, end)
}

// ProveRange builds the proof of leaves [start, end) of payload. It hashes the
// whole payload once.
func ProveRange(payload []byte, start, end int) (*Proof, error) {
	if err := checkRange(len(payload), start, end); err != nil {
		return nil, err
	}
	p := &Proof{PayloadLen: len(payload), Start: start, End: end}
	var walk func(lo, hi int)
	walk = func(lo, hi int) {
		if hi <= start || lo >= end {
			from, to := LeafBytes(len(payload), lo, hi)
			p.Siblings = append(p.Siblings, Hash(MerkleRoot(payload[from:to])))
			return
		}
		if hi-lo == 1 {
			return
		}
		k := lo + splitPoint(hi-lo)
		walk(lo, k)
		walk(k, hi)
	}
	walk(0, NumLeaves(len(payload)))
	return p, nil
}

// Verify checks that leaves — the payload bytes LeafBytes(PayloadLen, Start, End) —
// are leaves [Start, End) of the chunk with the given id. The caller must also
// check that PayloadLen, Start and End are what it asked for (VerifyRange does).
func (p *Proof) Verify(id ID, leaves []byte) error {
	if err := checkRange(p.PayloadLen, p.Start, p.End); err != nil {
		return err
	}
	leafCount := NumLeaves(p.PayloadLen)
	if want := proofSiblings(0, leafCount, p.Start, p.End); len(p.Siblings) != want {
		return fmt.Errorf("%w: %d hashes, leaves [%d, %d) of %d need %d", ErrBadProof, len(p.Siblings), p.Start, p.End, leafCount, want)
	}
	from, to := LeafBytes(p.PayloadLen, p.Start, p.End)
	if len(leaves) != to-from {
		return fmt.Errorf("%w: %d leaf bytes, leaves [%d, %d) of a %d-byte payload are %d", ErrBadProof, len(leaves), p.Start, p.End, p.PayloadLen, to-from)
	}
	lh := newLeafHasher()
	next := 0
	var walk func(lo, hi int) Hash
	walk = func(lo, hi int) Hash {
		if hi <= p.Start || lo >= p.End {
			h := p.Siblings[next]
			next++
			return h
		}
		if hi-lo == 1 {
			off, end := leafSpan(p.PayloadLen, lo)
			return lh.leaf(leaves[off-from : end-from])
		}
		k := lo + splitPoint(hi-lo)
		l := walk(lo, k)
		r := walk(k, hi)
		return lh.node(&l, &r)
	}
	if root := walk(0, leafCount); ID(root) != id {
		return fmt.Errorf("%w: leaves [%d, %d) lead to root %s, not chunk id %s", ErrBadProof, p.Start, p.End, root, id)
	}
	return nil
}

// AppendBinary appends the encoding of p:
//
//	version (1 byte, 1) | payload length (u32) | start (u32) | end (u32) |
//	hash count (1 byte) | hashes (32 bytes each)
//
// with big-endian integers. It fails if the range or hash count is out of bounds.
func (p *Proof) AppendBinary(b []byte) ([]byte, error) {
	if err := checkRange(p.PayloadLen, p.Start, p.End); err != nil {
		return b, err
	}
	if len(p.Siblings) > MaxProofSiblings {
		return b, fmt.Errorf("%w: %d hashes exceed %d", ErrBadProof, len(p.Siblings), MaxProofSiblings)
	}
	b = append(b, proofVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(p.PayloadLen))
	b = binary.BigEndian.AppendUint32(b, uint32(p.Start))
	b = binary.BigEndian.AppendUint32(b, uint32(p.End))
	b = append(b, byte(len(p.Siblings)))
	for _, h := range p.Siblings {
		b = append(b, h[:]...)
	}
	return b, nil
}

// MarshalBinary returns the encoding of p (see AppendBinary).
func (p *Proof) MarshalBinary() ([]byte, error) {
	return p.AppendBinary(make([]byte, 0, proofHeaderSize+HashSize*len(p.Siblings)))
}

// ParseProof decodes a proof strictly: exact length, known version, range within
// bounds and exactly as many hashes as the range needs. It allocates at most
// MaxProofSiblings hashes, whatever the input.
func ParseProof(b []byte) (*Proof, error) {
	if len(b) < proofHeaderSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte proof header", ErrBadProof, len(b), proofHeaderSize)
	}
	if b[0] != proofVersion {
		return nil, fmt.Errorf("%w: proof version %d, this code reads %d", ErrUnknownVersion, b[0], proofVersion)
	}
	payloadLen := binary.BigEndian.Uint32(b[1:5])
	start := binary.BigEndian.Uint32(b[5:9])
	end := binary.BigEndian.Uint32(b[9:13])
	count := int(b[13])
	if count > MaxProofSiblings {
		return nil, fmt.Errorf("%w: %d hashes exceed %d", ErrBadProof, count, MaxProofSiblings)
	}
	if len(b) != proofHeaderSize+count*HashSize {
		return nil, fmt.Errorf("%w: %d bytes, a proof with %d hashes has %d", ErrBadProof, len(b), count, proofHeaderSize+count*HashSize)
	}
	if payloadLen > MaxChunkSize || start > MaxChunkSize || end > MaxChunkSize {
		return nil, fmt.Errorf("%w: payload length %d or range [%d, %d) out of bounds", ErrBadProof, payloadLen, start, end)
	}
	p := &Proof{PayloadLen: int(payloadLen), Start: int(start), End: int(end)}
	if err := checkRange(p.PayloadLen, p.Start, p.End); err != nil {
		return nil, err
	}
	if want := proofSiblings(0, NumLeaves(p.PayloadLen), p.Start, p.End); count != want {
		return nil, fmt.Errorf("%w: %d hashes, leaves [%d, %d) of %d need %d", ErrBadProof, count, p.Start, p.End, NumLeaves(p.PayloadLen), want)
	}
	p.Siblings = make([]Hash, count)
	for i := range p.Siblings {
		copy(p.Siblings[i][:], b[proofHeaderSize+i*HashSize:])
	}
	return p, nil
}

// VerifyRange is the check a validator runs on a storage-challenge answer: the
// encoded proof must be for exactly the payload length and leaf range that were
// challenged, and leaves must be those leaves of the chunk with the given id.
// Its work is bounded by MaxProofLeaves and MaxProofSiblings whatever the input.
func VerifyRange(id ID, payloadLen, start, end int, leaves, proof []byte) error {
	if err := checkRange(payloadLen, start, end); err != nil {
		return err
	}
	p, err := ParseProof(proof)
	if err != nil {
		return err
	}
	if p.PayloadLen != payloadLen || p.Start != start || p.End != end {
		return fmt.Errorf("%w: proof is for leaves [%d, %d) of a %d-byte payload, challenge was [%d, %d) of %d bytes",
			ErrBadProof, p.Start, p.End, p.PayloadLen, start, end, payloadLen)
	}
	return p.Verify(id, leaves)
}
