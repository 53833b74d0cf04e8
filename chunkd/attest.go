package chunkd

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/pastelchain/pastel/artio"
	"github.com/pastelchain/pastel/crypto/artcrypt"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// attestPending answers the attestation tasks of this masternode.
func (d *Daemon) attestPending(ctx context.Context) error {
	ids, err := d.chain.Attesting(ctx, d.addr)
	if err != nil {
		return err
	}
	for _, id := range ids {
		art, h := []byte(id), hex.EncodeToString(id)
		if d.attested[h] {
			continue
		}
		t, err := d.chain.Art(ctx, art, 0)
		if err != nil || t == nil {
			continue
		}
		var ck artcrypt.Key
		if t.Encrypted {
			// The artist wraps the content key to the attesters right after
			// registering; until it is there, wait (the attest window runs).
			w, err := d.chain.KeyWrap(ctx, art, d.addr)
			if err != nil || w == nil {
				d.log.Debug("attestation waits for the content key", "art", h, "err", err)
				continue
			}
			if ck, err = artcrypt.Open(d.key, w.Wrap, art, t.KeyCheck); err != nil {
				// The artist gave us a key that is not the art's: refuse.
				d.refuseAttestation(ctx, h, art, "the content key shared with this attester: "+err.Error())
				continue
			}
		}
		chunks, err := d.chain.Chunks(ctx, art, 0)
		if err != nil {
			continue
		}
		// The archive goes to a temporary file, not memory: an art may be
		// far larger than chunkd's memory budget.
		tmp, err := os.CreateTemp(d.tmpDir, "attest-*.archive")
		if err != nil {
			return fmt.Errorf("attestation of %s: %w", h, err)
		}
		fctx, cancel := context.WithTimeout(ctx, 2*time.Minute+time.Duration(t.ArchiveSize>>20)*time.Second)
		err = artio.FetchArchiveTo(fctx, d.peers, t, chunks, tmp, nil, artio.FromLocal(d.store.Get))
		cancel()
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			// The chunks may still be uploading; try again next block.
			d.log.Debug("attestation waits for chunks", "art", h, "err", err)
			continue
		}
		msg := &storagepb.MsgAttest{ArtId: art, Ok: true}
		fp, probes, err := artio.CheckStoredArchive(tmp, t, ck)
		tmp.Close()
		os.Remove(tmp.Name())
		if err != nil {
			msg.Ok, msg.Reason = false, err.Error()
			if len(msg.Reason) > 200 {
				msg.Reason = msg.Reason[:200]
			}
		} else {
			msg.Fingerprint = fp
			// The chain checked the ticket's canonical fingerprint against
			// every registered art; a crop moves it too far for that, so
			// the image's crop probes are looked up too.
			near, err := d.chain.Near(ctx, art, probes)
			if err != nil {
				d.log.Debug("attestation waits for the near-duplicate lookup", "art", h, "err", err)
				continue
			}
			if near.Found {
				msg.Ok, msg.DuplicateOf, msg.DuplicateDistance = false, near.ArtID, uint32(near.Distance)
				msg.Reason = fmt.Sprintf("near-duplicate of art %s (crop probe %d at distance %d)", near.ArtID, near.Probe, near.Distance)
			}
		}
		if !d.sendAttestation(ctx, h, msg) {
			continue
		}
		d.log.Info("art attested", "art", h, "fingerprint", fmt.Sprintf("%016x", fp), "matches_ticket", msg.Ok && fp == t.Fingerprint)
		d.chain.Forget(art)
	}
	return nil
}

// sendAttestation submits msg for art h; false if the chain did not take it.
func (d *Daemon) sendAttestation(ctx context.Context, h string, msg *storagepb.MsgAttest) bool {
	if err := d.submit(ctx, false, storagepb.MsgAttestType, msg); err != nil {
		d.log.Warn("attestation not accepted", "art", h, "err", err)
		return false
	}
	d.attested[h] = true
	d.metrics.attested.Inc()
	return true
}

// refuseAttestation attests art h as not ok, with reason.
func (d *Daemon) refuseAttestation(ctx context.Context, h string, art []byte, reason string) {
	if len(reason) > 200 {
		reason = reason[:200]
	}
	if d.sendAttestation(ctx, h, &storagepb.MsgAttest{ArtId: art, Ok: false, Reason: reason}) {
		d.log.Warn("art refused", "art", h, "reason", reason)
		d.chain.Forget(art)
	}
}
