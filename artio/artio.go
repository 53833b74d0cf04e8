// Package artio reads and checks art archives for wallets and attesters:
// fetching an art's archive from its holders (verifying every chunk against
// the ticket), checking that a ticket's chunk ids are the code of the
// archive, and fingerprinting the image inside (decrypted when the art is
// encrypted). It streams: memory is one stripe and the decoded image,
// whatever the art's size. chunkd's attesters and the wallet share it.
package artio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/pastelchain/pastel/chunkd/peer"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/crypto/artcrypt"
	"github.com/pastelchain/pastel/x/storage/fingerprint"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// MaxImagePixels bounds the images whose fingerprint is computed.
const MaxImagePixels = 100_000_000

// ErrNoImage: the archive holds no file that decodes as an image.
var ErrNoImage = errors.New("chunkd: the archive holds no decodable image")

// FingerprintArchive extracts an art archive held in memory and returns
// the fingerprint of its first image (see FingerprintArchiveFrom).
func FingerprintArchive(archive []byte) (uint64, error) {
	return FingerprintArchiveFrom(bytes.NewReader(archive))
}

// FingerprintArchiveFrom reads an archive as a stream and returns the
// fingerprint of its first file that decodes as an image; memory is the
// decoded image, not the archive.
func FingerprintArchiveFrom(r io.Reader) (uint64, error) {
	fp, _, err := probeArchive(r, false)
	return fp, err
}

// ProbeArchiveFrom is FingerprintArchiveFrom that also returns the image's
// crop probes (fingerprint.Probes: the canonical fingerprint and those of
// windows a copy cropped by up to 5% on any side would have), which an
// attester looks up among the registered arts.
func ProbeArchiveFrom(r io.Reader) (uint64, []uint64, error) { return probeArchive(r, true) }

func probeArchive(r io.Reader, probes bool) (uint64, []uint64, error) {
	var (
		fp    uint64
		ps    []uint64
		found bool
	)
	_, err := codec.ReadArchive(r, codec.ExtractLimits{}, func(_ codec.FileInfo, fr io.Reader) error {
		if found {
			return nil
		}
		img, err := fingerprint.Decode(fr, MaxImagePixels)
		if err != nil {
			return nil // not an image: the next file may be
		}
		fp, found = uint64(fingerprint.FromImage(img)), true
		if probes {
			for _, h := range fingerprint.Probes(img) {
				ps = append(ps, uint64(h))
			}
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	if !found {
		return 0, nil, ErrNoImage
	}
	return fp, ps, nil
}

// ManifestOf returns the codec manifest an art ticket describes.
func ManifestOf(t *storagepb.Art) *codec.Manifest {
	m := &codec.Manifest{ArchiveSize: int64(t.ArchiveSize), ChunkSize: int(t.ChunkSize), Redundancy: int(t.Redundancy)}
	copy(m.ArchiveHash[:], t.Id)
	for _, s := range t.Stripes {
		for _, c := range s.ChunkIds {
			var id codec.ID
			copy(id[:], c)
			m.ChunkIDs = append(m.ChunkIDs, id)
		}
	}
	return m
}

// FetchArchive downloads an art's archive into memory (see FetchArchiveTo).
func FetchArchive(ctx context.Context, pc *peer.Client, t *storagepb.Art, chunks []storagepb.ChunkView, progress func()) ([]byte, error) {
	var buf bytes.Buffer
	err := FetchArchiveTo(ctx, pc, t, chunks, &buf, func(int) {
		if progress != nil {
			progress()
		}
	})
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// FetchArchiveTo downloads enough chunks of an art from its holders (k per
// stripe, confirmed holders first, each chunk verified against the ticket;
// a bad one is skipped for the next holder), rebuilds the archive stripe by
// stripe and writes it to w. Memory is one stripe's k chunks whatever the
// size of the art. The archive hash is checked at the end: until
// FetchArchiveTo returns nil, what was written is unconfirmed. progress, if
// set, is called with the bytes of every chunk fetched.
//
// With FromLocal, chunks found locally are used first (a masternode
// attesting an art reads the chunks it holds from its own disk: peers refuse
// it a chunk it has confirmed holding, by the no-outsourcing rule).
func FetchArchiveTo(ctx context.Context, pc *peer.Client, t *storagepb.Art, chunks []storagepb.ChunkView, w io.Writer, progress func(n int), opts ...FetchOption) error {
	var o fetchOptions
	for _, f := range opts {
		f(&o)
	}
	d, err := codec.NewDecoder(ManifestOf(t))
	if err != nil {
		return fmt.Errorf("art %x: %w", t.Id, err)
	}
	byStripe := map[uint32][]storagepb.ChunkView{}
	for _, c := range chunks {
		byStripe[c.Stripe] = append(byStripe[c.Stripe], c)
	}
	var lastErr error
	for s, st := range t.Stripes {
		have := 0
		for _, c := range byStripe[uint32(s)] {
			if d.Complete(s) {
				break
			}
			id, err := codec.IDFromBytes(c.ID)
			if err != nil {
				continue
			}
			if o.local != nil {
				if b, err := o.local(id); err == nil && d.Add(b) == nil {
					have++
					continue
				}
			}
			hs := append([]storagepb.HolderView(nil), c.Holders...)
			sort.SliceStable(hs, func(i, j int) bool { return hs[i].Confirmed && !hs[j].Confirmed })
			for _, h := range hs {
				if h.URL == "" {
					continue
				}
				v, err := pc.Get(ctx, peer.Target{URL: h.URL, Masternode: h.Masternode}, t.Id, id)
				if err == nil {
					err = d.AddVerified(v)
				}
				if err != nil {
					lastErr = err
					continue
				}
				have++
				if progress != nil {
					progress(len(v.Bytes()))
				}
				break
			}
		}
		if !d.Complete(s) {
			msg := fmt.Sprintf("stripe %d: only %d of the %d chunks needed could be fetched", s, have, st.K)
			if lastErr != nil {
				msg += fmt.Sprintf(" (last error: %v)", lastErr)
			}
			return errors.New(msg)
		}
		if _, err := d.Flush(w); err != nil {
			return fmt.Errorf("writing the archive: %w", err)
		}
	}
	if _, err := d.WriteTo(w); err != nil {
		return err
	}
	return nil
}

// FetchOption changes how FetchArchiveTo finds chunks.
type FetchOption func(*fetchOptions)

type fetchOptions struct {
	local func(codec.ID) ([]byte, error)
}

// FromLocal makes FetchArchiveTo try get (e.g. a chunk store) before the
// holders; a chunk get returns is verified like any other.
func FromLocal(get func(codec.ID) ([]byte, error)) FetchOption {
	return func(o *fetchOptions) { o.local = get }
}

// CheckTicketCoding re-encodes the archive with the ticket's parameters and
// requires every chunk id of the ticket to match: otherwise an artist could
// register ids that no valid code produces (parity nobody can ever store or
// heal), and the art would look more redundant than it is.
func CheckTicketCoding(archive []byte, t *storagepb.Art) error {
	return CheckTicketCodingFrom(bytes.NewReader(archive), t)
}

// CheckTicketCodingFrom is CheckTicketCoding over a stream of the archive
// (ArchiveSize bytes); memory is one stripe, not the art's n chunks.
func CheckTicketCodingFrom(r io.Reader, t *storagepb.Art) error {
	want := ManifestOf(t)
	var hash codec.Hash
	copy(hash[:], t.Id)
	i := 0
	m, err := codec.EncodeStream(r, int64(t.ArchiveSize), hash, codec.Params{ChunkSize: int(t.ChunkSize), Redundancy: int(t.Redundancy)}, func(c *codec.Chunk) error {
		if i >= len(want.ChunkIDs) {
			return fmt.Errorf("ticket lists %d chunk ids, the archive encodes to more", len(want.ChunkIDs))
		}
		if c.ID != want.ChunkIDs[i] {
			return fmt.Errorf("chunk id %d of the ticket is not the archive's (ticket %s, encoded %s)", i, want.ChunkIDs[i], c.ID)
		}
		i++
		return nil
	})
	if err != nil {
		return err
	}
	if len(m.ChunkIDs) != len(want.ChunkIDs) {
		return fmt.Errorf("ticket lists %d chunk ids, the archive encodes to %d", len(want.ChunkIDs), len(m.ChunkIDs))
	}
	return nil
}

// CheckStoredArchive is an attester's verdict on the archive as stored
// (ArchiveSize bytes at r, the bytes the chunk ids code): the ticket's ids
// must be its code, and its image (decrypted with ck when the art is
// encrypted) must decode; it returns the image's fingerprint.
//
// It also returns the image's crop probes (ProbeArchiveFrom).
func CheckStoredArchive(r io.ReaderAt, t *storagepb.Art, ck artcrypt.Key) (uint64, []uint64, error) {
	if err := CheckTicketCodingFrom(io.NewSectionReader(r, 0, int64(t.ArchiveSize)), t); err != nil {
		return 0, nil, err // a ticket whose ids are not the archive's code is refused
	}
	var plain io.Reader = io.NewSectionReader(r, 0, int64(t.ArchiveSize))
	if t.Encrypted {
		var err error
		if plain, err = artcrypt.DecryptReader(plain, ck); err != nil {
			return 0, nil, err
		}
	}
	return ProbeArchiveFrom(plain)
}
