package codec

import "fmt"

// Manifest is what a verifier must know about an encoded archive: its hash, size,
// coding parameters and every chunk id in order (stripe by stripe, index by index
// within a stripe; see Layout.Position). The on-chain art ticket carries the same
// facts; the CLI writes it as manifest.json next to the chunks.
type Manifest struct {
	ArchiveHash Hash  `json:"archive_hash"`
	ArchiveSize int64 `json:"archive_size"`
	ChunkSize   int   `json:"chunk_size"`
	Redundancy  int   `json:"redundancy"`
	ChunkIDs    []ID  `json:"chunk_ids"`
}

// Params returns the coding parameters.
func (m *Manifest) Params() Params { return Params{ChunkSize: m.ChunkSize, Redundancy: m.Redundancy} }

// Layout returns the archive layout the manifest describes.
func (m *Manifest) Layout() (Layout, error) { return NewLayout(m.ArchiveSize, m.Params()) }

// Validate checks the parameters and that there is exactly one id per chunk.
func (m *Manifest) Validate() error {
	l, err := m.Layout()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	if want := l.Chunks(); len(m.ChunkIDs) != want {
		return fmt.Errorf("%w: %d chunk ids, an archive of %d bytes at chunk size %d and redundancy %d has %d chunks",
			ErrBadManifest, len(m.ChunkIDs), m.ArchiveSize, m.ChunkSize, m.Redundancy, want)
	}
	return nil
}

// ChunkID returns the id of chunk (stripe, index). The manifest must be valid and
// the position inside the layout.
func (m *Manifest) ChunkID(stripe, index int) ID {
	l := Layout{Size: m.ArchiveSize, Params: m.Params()}
	return m.ChunkIDs[l.Position(stripe, index)]
}

// matches reports whether the header belongs to the archive the manifest describes.
func (m *Manifest) matches(h *Header) error {
	if h.ArchiveHash != m.ArchiveHash || h.ArchiveSize != m.ArchiveSize ||
		h.ChunkSize != m.ChunkSize || h.Redundancy != m.Redundancy {
		return fmt.Errorf("%w: chunk of archive %s (%d bytes, chunk size %d, redundancy %d), want %s (%d bytes, chunk size %d, redundancy %d)",
			ErrForeign, h.ArchiveHash, h.ArchiveSize, h.ChunkSize, h.Redundancy,
			m.ArchiveHash, m.ArchiveSize, m.ChunkSize, m.Redundancy)
	}
	return nil
}

// checkHeader checks that a parsed chunk belongs to the manifest's archive and that
// its header names the id the manifest has for its position. It does not hash.
func (m *Manifest) checkHeader(c *Chunk) (ID, error) {
	if err := m.matches(&c.Header); err != nil {
		return ID{}, err
	}
	want := m.ChunkID(c.Stripe, c.Index)
	if c.ID != want {
		return ID{}, fmt.Errorf("%w: stripe %d index %d: header names %s, manifest has %s", ErrIDMismatch, c.Stripe, c.Index, c.ID, want)
	}
	return want, nil
}

// Check parses an encoded chunk and checks it against the manifest: same archive
// and parameters, and a payload that hashes to the id the manifest lists for the
// chunk's (stripe, index). The manifest must be valid (see Validate). The returned
// chunk's Payload aliases b.
func (m *Manifest) Check(b []byte) (*Chunk, error) {
	c, err := parseFrame(b)
	if err != nil {
		return nil, err
	}
	want, err := m.checkHeader(c)
	if err != nil {
		return nil, err
	}
	if id := MerkleRoot(c.Payload); id != want {
		return nil, fmt.Errorf("%w: stripe %d index %d: payload hashes to %s, manifest has %s", ErrIDMismatch, c.Stripe, c.Index, id, want)
	}
	return c, nil
}
