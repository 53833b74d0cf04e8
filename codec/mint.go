package codec

import (
	"bytes"
	"fmt"
	"slices"
)

// Mint recreates chunk (stripe, index) from any k good chunks of the same stripe
// among chunks: the same bytes, header and id the encoder produced, so a lost chunk
// can be replaced by anyone holding k others. Chunks of other stripes or archives,
// duplicates and damaged ones are skipped.
//
// With a manifest, Mint rebuilds from the first k chunks whose headers match the
// manifest and checks the result against the manifest's id; only if that fails
// does it hash the inputs to find and drop the bad ones (so the usual cost is one
// k-term combination plus hashing the output). Without one (m nil), inputs are
// believed when self-consistent (see Decoder), which means hashing them first;
// the archive is that of the first good chunk of the stripe.
func Mint(m *Manifest, stripe, index int, chunks [][]byte) (*Chunk, error) {
	if m != nil {
		return mintChecked(m, stripe, index, chunks)
	}
	return mintTrustingHeaders(stripe, index, chunks)
}

func mintChecked(m *Manifest, stripe, index int, chunks [][]byte) (*Chunk, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	l, _ := m.Layout()
	if err := checkPosition(l, stripe, index); err != nil {
		return nil, err
	}
	st := l.Stripe(stripe)
	want := m.ChunkID(stripe, index)
	byIndex := make(map[int]*Chunk)
	for _, b := range chunks {
		c, err := parseFrame(b)
		if err != nil || c.Stripe != stripe {
			continue
		}
		if _, err := m.checkHeader(c); err != nil {
			continue
		}
		if _, dup := byIndex[c.Index]; !dup {
			byIndex[c.Index] = c
		}
	}
	if c, ok := byIndex[index]; ok && MerkleRoot(c.Payload) == want {
		return &Chunk{Header: c.Header, Payload: bytes.Clone(c.Payload)}, nil
	}
	delete(byIndex, index)
	for verified := false; ; verified = true {
		idx := sortedKeys(byIndex)
		if len(idx) < st.K {
			return nil, fmt.Errorf("%w: stripe %d has %d of %d needed chunks", ErrTooFewChunks, stripe, len(idx), st.K)
		}
		c, err := mintFrom(l, m.ArchiveHash, st, index, idx[:st.K], byIndex)
		if err != nil {
			return nil, err
		}
		if c.ID == want {
			return c, nil
		}
		if verified {
			return nil, fmt.Errorf("%w: stripe %d index %d minted from verified chunks hashes to %s, manifest has %s",
				ErrIDMismatch, stripe, index, c.ID, want)
		}
		// Some input was bad: hash them all, drop the bad ones and try again.
		for i, c := range byIndex {
			if MerkleRoot(c.Payload) != c.ID {
				delete(byIndex, i)
			}
		}
	}
}

func mintTrustingHeaders(stripe, index int, chunks [][]byte) (*Chunk, error) {
	var (
		ident   *Header
		l       Layout
		st      StripeLayout
		byIndex = make(map[int]*Chunk)
	)
	for _, b := range chunks {
		c, err := parseFrame(b)
		if err != nil || c.Stripe != stripe {
			continue
		}
		if ident != nil && (!ident.sameArchive(&c.Header) || len(byIndex) >= st.K) {
			continue
		}
		if _, dup := byIndex[c.Index]; dup || MerkleRoot(c.Payload) != c.ID {
			continue
		}
		if c.Index == index {
			return &Chunk{Header: c.Header, Payload: bytes.Clone(c.Payload)}, nil
		}
		if ident == nil {
			ident = &c.Header
			l, _ = c.Header.Layout()
			if err := checkPosition(l, stripe, index); err != nil {
				return nil, err
			}
			st = l.Stripe(stripe)
		}
		byIndex[c.Index] = c
	}
	if ident == nil {
		return nil, fmt.Errorf("%w: stripe %d has no good chunk", ErrTooFewChunks, stripe)
	}
	idx := sortedKeys(byIndex)
	if len(idx) < st.K {
		return nil, fmt.Errorf("%w: stripe %d has %d of %d needed chunks", ErrTooFewChunks, stripe, len(idx), st.K)
	}
	return mintFrom(l, ident.ArchiveHash, st, index, idx[:st.K], byIndex)
}

// mintFrom computes chunk index of stripe st from the k chunks at indices have.
func mintFrom(l Layout, archive Hash, st StripeLayout, index int, have []int, byIndex map[int]*Chunk) (*Chunk, error) {
	in := make([][]byte, len(have))
	for j, i := range have {
		in[j] = byIndex[i].Payload
	}
	out := make([]byte, st.ShardSize)
	if err := recoverChunks(st.K, have, in, []int{index}, [][]byte{out}); err != nil {
		return nil, err
	}
	id := MerkleRoot(out)
	return &Chunk{Header: newHeader(l, archive, st, index, id), Payload: out}, nil
}

func checkPosition(l Layout, stripe, index int) error {
	if stripe < 0 || stripe >= l.Stripes() {
		return fmt.Errorf("%w: stripe %d is outside [0, %d)", ErrBadParams, stripe, l.Stripes())
	}
	if n := l.Stripe(stripe).N; index < 0 || index >= n {
		return fmt.Errorf("%w: index %d is outside stripe %d's [0, %d)", ErrBadParams, index, stripe, n)
	}
	return nil
}

func sortedKeys(m map[int]*Chunk) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
