package codec

import (
	"bytes"
	"crypto/sha3"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Decoder reassembles an archive from chunks given in any order, in any mix of
// good, damaged, duplicate and foreign ones.
//
// With a manifest, a chunk is used only if it belongs to the manifest's archive
// and its payload hashes to the id the manifest lists for its (stripe, index).
// Without one (nil), a chunk is used if it is self-consistent (valid header,
// payload hashing to the id in its header) and belongs to the same archive as the
// first such chunk; that suits an offline copy of one archive's chunks, and the
// final archive hash check still catches a forged but consistent chunk, though
// then decoding fails instead of routing around it.
//
// Memory holds the chunks of stripes not yet written: add chunks stripe by stripe
// and call Flush after each to keep it at one stripe.
type Decoder struct {
	m       *Manifest
	known   bool   // identity and layout are known (always, with a manifest)
	ident   Header // archive identity (header mode: first good chunk)
	layout  Layout
	pending map[int]*stripeSet
	next    int // next stripe to write
	sum     *sha3.SHA3
	written int64
}

type stripeSet struct {
	st   StripeLayout
	have map[int][]byte // index → verified payload; at most k entries
}

// NewDecoder returns a decoder that trusts the manifest m or, if m is nil, chunk
// headers that are self-consistent (see Decoder).
func NewDecoder(m *Manifest) (*Decoder, error) {
	d := &Decoder{m: m, pending: make(map[int]*stripeSet), sum: sha3.New256()}
	if m != nil {
		if err := m.Validate(); err != nil {
			return nil, err
		}
		d.layout, _ = m.Layout()
		d.ident = Header{ArchiveHash: m.ArchiveHash, ArchiveSize: m.ArchiveSize, ChunkSize: m.ChunkSize, Redundancy: m.Redundancy}
		d.known = true
	}
	return d, nil
}

// Add offers one encoded chunk. The decoder keeps b (without copying) if it needs
// it; the caller must not modify b afterwards. Add returns nil if the chunk was
// kept or simply not needed (its stripe already has k chunks or was written), and
// otherwise an error saying why it was rejected (ErrTruncated, ErrBadHeader,
// ErrIDMismatch, ErrForeign, ErrDuplicate, ...). Rejections are normal input to a
// decoder; they only matter if a stripe ends up short.
func (d *Decoder) Add(b []byte) error { return d.add(b, nil) }

// AddVerified is Add for a chunk Verify checked: its payload is not hashed
// again when it was checked against the id the manifest expects.
func (d *Decoder) AddVerified(v Verified) error { return d.add(v.b, &v.id) }

func (d *Decoder) add(b []byte, verified *ID) error {
	c, err := parseFrame(b)
	if err != nil {
		return err
	}
	want := c.ID
	if d.m != nil {
		if want, err = d.m.checkHeader(c); err != nil {
			return err
		}
	} else if d.known && !d.ident.sameArchive(&c.Header) {
		return fmt.Errorf("%w: chunk of archive %s, decoding %s", ErrForeign, c.ArchiveHash, d.ident.ArchiveHash)
	}
	if d.Complete(c.Stripe) {
		return nil
	}
	set := d.pending[c.Stripe]
	if set != nil {
		if _, dup := set.have[c.Index]; dup {
			return fmt.Errorf("%w: stripe %d index %d", ErrDuplicate, c.Stripe, c.Index)
		}
	}
	if verified == nil || *verified != want {
		if id := MerkleRoot(c.Payload); id != want {
			return fmt.Errorf("%w: stripe %d index %d: payload hashes to %s, expected %s", ErrIDMismatch, c.Stripe, c.Index, id, want)
		}
	}
	if !d.known {
		d.ident, d.known = c.Header, true
		d.layout, _ = c.Header.Layout()
	}
	if set == nil {
		set = &stripeSet{st: d.layout.Stripe(c.Stripe), have: make(map[int][]byte)}
		d.pending[c.Stripe] = set
	}
	set.have[c.Index] = c.Payload
	return nil
}

// Complete reports whether stripe s needs no more chunks: it has k good ones or
// was already written.
func (d *Decoder) Complete(s int) bool {
	if s < d.next {
		return true
	}
	set := d.pending[s]
	return set != nil && len(set.have) >= set.st.K
}

// Layout returns the archive layout, once known (always with a manifest; without,
// after the first good chunk).
func (d *Decoder) Layout() (Layout, bool) { return d.layout, d.known }

// Flush writes every stripe that can be written now (the complete ones following
// those already written) to w and releases their chunks.
func (d *Decoder) Flush(w io.Writer) (int64, error) {
	var total int64
	for d.known && d.next < d.layout.Stripes() && d.Complete(d.next) {
		n, err := d.writeStripe(w, d.pending[d.next])
		total += n
		if err != nil {
			return total, err
		}
		delete(d.pending, d.next)
		d.next++
	}
	return total, nil
}

// WriteTo writes the rest of the archive to w and checks its hash. It fails with
// ErrTooFewChunks naming every stripe that lacks chunks (and how many it has of
// how many it needs), or with ErrArchiveHash.
func (d *Decoder) WriteTo(w io.Writer) (int64, error) {
	n, err := d.Flush(w)
	if err != nil {
		return n, err
	}
	if !d.known {
		return n, fmt.Errorf("%w: no good chunk of any archive", ErrTooFewChunks)
	}
	if d.next < d.layout.Stripes() {
		return n, d.shortfall()
	}
	var got Hash
	d.sum.Sum(got[:0])
	if d.written != d.layout.Size || got != d.ident.ArchiveHash {
		return n, fmt.Errorf("%w: rebuilt %d bytes hashing to %s, want %d bytes hashing to %s",
			ErrArchiveHash, d.written, got, d.layout.Size, d.ident.ArchiveHash)
	}
	return n, nil
}

// shortfall describes the stripes that cannot be rebuilt. Its work is bounded by
// the chunks held, not by the stripe count a header declares.
func (d *Decoder) shortfall() error {
	complete := 0
	for _, set := range d.pending {
		if len(set.have) >= set.st.K {
			complete++
		}
	}
	lacking := d.layout.Stripes() - d.next - complete
	var parts []string
	for s := d.next; s < d.layout.Stripes() && len(parts) < 8; s++ {
		if d.Complete(s) {
			continue
		}
		have := 0
		if set := d.pending[s]; set != nil {
			have = len(set.have)
		}
		parts = append(parts, fmt.Sprintf("stripe %d has %d of %d needed chunks", s, have, d.layout.Stripe(s).K))
	}
	msg := strings.Join(parts, "; ")
	if lacking > len(parts) {
		msg += fmt.Sprintf("; and %d more stripes", lacking-len(parts))
	}
	return fmt.Errorf("%w: %s", ErrTooFewChunks, msg)
}

// writeStripe rebuilds the source pieces of a complete stripe and writes its bytes.
func (d *Decoder) writeStripe(w io.Writer, set *stripeSet) (int64, error) {
	st := set.st
	pieces, err := set.pieces()
	if err != nil {
		return 0, err
	}
	var total int64
	remaining := st.Length
	for _, p := range pieces {
		p = p[:min(len(p), remaining)]
		remaining -= len(p)
		d.sum.Write(p)
		n, err := w.Write(p)
		total += int64(n)
		d.written += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// pieces returns the k source pieces of a stripe holding k good chunks,
// computing the missing ones from the parity chunks held.
func (set *stripeSet) pieces() ([][]byte, error) {
	st := set.st
	pieces := make([][]byte, st.K)
	var missing []int
	for i := range st.K {
		if p, ok := set.have[i]; ok {
			pieces[i] = p
		} else {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return pieces, nil
	}
	have := make([]int, 0, len(set.have))
	for i := range set.have {
		have = append(have, i)
	}
	slices.Sort(have)
	in := make([][]byte, len(have))
	for j, i := range have {
		in[j] = set.have[i]
	}
	out := splitShards(make([]byte, len(missing)*st.ShardSize), len(missing), st.ShardSize)
	if err := recoverChunks(st.K, have, in, missing, out); err != nil {
		return nil, err
	}
	for j, i := range missing {
		pieces[i] = out[j]
	}
	return pieces, nil
}

// Decode reassembles an archive held in memory. m may be nil (see Decoder).
// Chunks that cannot be used are skipped; the error, if any, is about the whole.
func Decode(m *Manifest, chunks [][]byte) ([]byte, error) {
	d, err := NewDecoder(m)
	if err != nil {
		return nil, err
	}
	held := 0
	for _, b := range chunks {
		_ = d.Add(b) // a rejected chunk is routine; a short stripe is reported below
		held += len(b)
	}
	var out bytes.Buffer
	if d.known {
		// The size comes from a header; only trust it as far as the input goes.
		out.Grow(int(min(d.layout.Size, int64(held))))
	}
	if _, err := d.WriteTo(&out); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
