package chunkd

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/pastelchain/pastel/chunkd/peer"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/fingerprint"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// MaxImagePixels bounds the images whose fingerprint is computed.
const MaxImagePixels = 100_000_000

// ErrNoImage: the archive holds no file that decodes as an image.
var ErrNoImage = errors.New("chunkd: the archive holds no decodable image")

// FingerprintArchive extracts an art archive and returns the fingerprint of
// its image: the first file, in archive order, that decodes as an image.
// The wallet computes the claimed fingerprint and the attesters the checked
// one with this same function.
func FingerprintArchive(archive []byte) (uint64, error) {
	_, files, err := codec.ExtractArchive(archive, codec.ExtractLimits{})
	if err != nil {
		return 0, err
	}
	for _, f := range files {
		h, err := fingerprint.Compute(bytes.NewReader(f.Data), MaxImagePixels)
		if err == nil {
			return uint64(h), nil
		}
	}
	return 0, ErrNoImage
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

// FetchArchive downloads enough chunks of an art from its holders (k per
// stripe, confirmed holders first, each chunk verified) and rebuilds the
// archive. progress, if set, is called after every chunk.
func FetchArchive(ctx context.Context, pc *peer.Client, t *storagepb.Art, chunks []storage.ChunkView, progress func()) ([]byte, error) {
	m := ManifestOf(t)
	var got [][]byte
	byStripe := map[uint32][]storage.ChunkView{}
	for _, c := range chunks {
		byStripe[c.Stripe] = append(byStripe[c.Stripe], c)
	}
	var lastErr error
	for s, st := range t.Stripes {
		have := 0
		for _, c := range byStripe[uint32(s)] {
			if have >= int(st.K) {
				break
			}
			id, err := codec.ParseID(c.ID)
			if err != nil {
				continue
			}
			hs := append([]storage.HolderView(nil), c.Holders...)
			sort.SliceStable(hs, func(i, j int) bool { return hs[i].Confirmed && !hs[j].Confirmed })
			for _, h := range hs {
				if h.URL == "" {
					continue
				}
				b, err := pc.Get(ctx, peer.Target{URL: h.URL, Masternode: h.Masternode}, t.Id, id)
				if err != nil {
					lastErr = err
					continue
				}
				got = append(got, b)
				have++
				if progress != nil {
					progress()
				}
				break
			}
		}
		if have < int(st.K) {
			msg := fmt.Sprintf("stripe %d: only %d of the %d chunks needed could be fetched", s, have, st.K)
			if lastErr != nil {
				msg += fmt.Sprintf(" (last error: %v)", lastErr)
			}
			return nil, errors.New(msg)
		}
	}
	return codec.Decode(m, got)
}

// CheckTicketCoding re-encodes the archive with the ticket's parameters and
// requires every chunk id of the ticket to match: otherwise an artist could
// register ids that no valid code produces (parity nobody can ever store or
// heal), and the art would look more redundant than it is.
func CheckTicketCoding(archive []byte, t *storagepb.Art) error {
	m, _, err := codec.Encode(archive, codec.Params{ChunkSize: int(t.ChunkSize), Redundancy: int(t.Redundancy)})
	if err != nil {
		return err
	}
	want := ManifestOf(t)
	if len(m.ChunkIDs) != len(want.ChunkIDs) {
		return fmt.Errorf("ticket lists %d chunk ids, the archive encodes to %d", len(want.ChunkIDs), len(m.ChunkIDs))
	}
	for i := range m.ChunkIDs {
		if m.ChunkIDs[i] != want.ChunkIDs[i] {
			return fmt.Errorf("chunk id %d of the ticket is not the archive's (ticket %s, encoded %s)", i, want.ChunkIDs[i], m.ChunkIDs[i])
		}
	}
	return nil
}

// attestPending answers the attestation tasks of this masternode.
func (d *Daemon) attestPending(ctx context.Context) error {
	ids, err := d.chain.Attesting(ctx, d.addr)
	if err != nil {
		return err
	}
	for _, h := range ids {
		if d.attested[h] {
			continue
		}
		art, _ := hex.DecodeString(h)
		t, err := d.chain.Art(ctx, art, 0)
		if err != nil || t == nil {
			continue
		}
		chunks, err := d.chain.Chunks(ctx, art, 0)
		if err != nil {
			continue
		}
		fctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		archive, err := FetchArchive(fctx, d.peers, t, chunks, nil)
		cancel()
		if err != nil {
			// The chunks may still be uploading; try again next block.
			d.log.Debug("attestation waits for chunks", "art", h, "err", err)
			continue
		}
		msg := &storagepb.MsgAttest{ArtId: art, Ok: true}
		fp, err := FingerprintArchive(archive)
		if cerr := CheckTicketCoding(archive, t); cerr != nil {
			err = cerr // a ticket whose ids are not the archive's code is refused
		}
		if err != nil {
			msg.Ok, msg.Reason = false, err.Error()
			if len(msg.Reason) > 200 {
				msg.Reason = msg.Reason[:200]
			}
		} else {
			msg.Fingerprint = fp
		}
		if err := d.submit(ctx, false, storage.MsgAttestType, msg); err != nil {
			d.log.Warn("attestation not accepted", "art", h, "err", err)
			continue
		}
		d.attested[h] = true
		d.metrics.attested.Inc()
		d.log.Info("art attested", "art", h, "fingerprint", fmt.Sprintf("%016x", fp), "matches_ticket", msg.Ok && fp == t.Fingerprint)
		d.chain.Forget(art)
	}
	return nil
}
