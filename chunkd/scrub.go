package chunkd

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/chunkd/store"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// chainReader is what pulls and the scrubber read from the chain.
type chainReader interface {
	Assignments(ctx context.Context, mn secp256k1.Address) ([]storage.CommitmentView, error)
	Art(ctx context.Context, id []byte, maxAge time.Duration) (*storagepb.Art, error)
	Chunks(ctx context.Context, id []byte, maxAge time.Duration) ([]storage.ChunkView, error)
}

// ScrubReport is what one scrub round did.
type ScrubReport struct {
	Confirmed int // confirmed commitments of this masternode
	Hashed    int // chunks re-hashed this round
	Missing   int // files found missing
	Corrupt   int // files found corrupt (quarantined by the store)
	Fetched   int // repaired by fetching from another holder
	Minted    int // repaired by minting from k chunks of the stripe
	Failed    int // repairs that failed (retried next round)
	Deferred  int // bad chunks left for the next round (repair bound)
}

func (r ScrubReport) bad() int { return r.Missing + r.Corrupt }

// scrubLoop runs a scrub round every scrub-interval, on its own goroutine
// so a slow repair never delays challenge answers or confirmations.
func (d *Daemon) scrubLoop(ctx context.Context) {
	every, _ := time.ParseDuration(d.cfg.ScrubInterval)
	if every <= 0 {
		d.log.Info("scrubbing disabled (scrub-interval = 0s)")
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		r, err := d.scrubRound(ctx)
		if err != nil {
			if ctx.Err() == nil {
				d.log.Warn("scrub round", "err", err)
			}
			continue
		}
		attrs := []any{"confirmed", r.Confirmed, "hashed", r.Hashed, "missing", r.Missing, "corrupt", r.Corrupt,
			"fetched", r.Fetched, "minted", r.Minted, "failed", r.Failed, "deferred", r.Deferred, "seconds", time.Since(start).Seconds()}
		if r.bad() > 0 || r.Failed > 0 {
			d.log.Warn("scrub found damaged chunks", attrs...)
		} else {
			d.log.Debug("scrub round clean", attrs...)
		}
	}
}

// scrubRound checks this masternode's confirmed chunks once and repairs
// what it can. Work is bounded: every confirmed chunk's file is checked to
// exist (a stat), at most scrub-mib-per-round of chunk bytes are re-hashed,
// continuing from where the previous round stopped, and at most
// scrub-max-repairs chunks are repaired.
func (d *Daemon) scrubRound(ctx context.Context) (ScrubReport, error) {
	var r ScrubReport
	as, err := d.reader.Assignments(ctx, d.addr)
	if err != nil {
		return r, err
	}
	var conf []storage.CommitmentView
	for _, a := range as {
		if a.Confirmed {
			conf = append(conf, a)
		}
	}
	sort.Slice(conf, func(i, j int) bool { return chunkPosKey(conf[i]) < chunkPosKey(conf[j]) })
	r.Confirmed = len(conf)
	d.metrics.scrubRounds.Inc()
	if len(conf) == 0 {
		return r, nil
	}
	var bad []storage.CommitmentView
	badSet := map[string]bool{}
	addBad := func(c storage.CommitmentView) {
		if k := chunkPosKey(c); !badSet[k] {
			badSet[k] = true
			bad = append(bad, c)
		}
	}
	// 1. Cheap: does every confirmed chunk still have a file?
	for _, c := range conf {
		id, err := codec.ParseID(c.ChunkID)
		if err != nil {
			continue
		}
		if !d.store.Has(id) {
			r.Missing++
			d.metrics.scrubFound.WithLabelValues("missing").Inc()
			addBad(c)
		}
	}
	d.metrics.scrubChecked.WithLabelValues("exists").Add(float64(len(conf)))
	// 2. Bounded: re-hash the next batch after the cursor (wrapping round).
	budget := int64(d.cfg.ScrubMiBPerRound) << 20
	if d.scrubBytes > 0 {
		budget = d.scrubBytes
	}
	first := sort.Search(len(conf), func(i int) bool { return chunkPosKey(conf[i]) > d.scrubCursor })
	for n := 0; n < len(conf) && budget > 0; n++ {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		c := conf[(first+n)%len(conf)]
		d.scrubCursor = chunkPosKey(c)
		if badSet[chunkPosKey(c)] {
			continue
		}
		id, err := codec.ParseID(c.ChunkID)
		if err != nil {
			continue
		}
		b, err := d.store.Get(id) // verifies; a corrupt file is quarantined
		r.Hashed++
		d.metrics.scrubChecked.WithLabelValues("hash").Inc()
		switch {
		case err == nil:
			budget -= int64(len(b))
		case errors.Is(err, store.ErrCorrupt):
			r.Corrupt++
			d.metrics.scrubFound.WithLabelValues("corrupt").Inc()
			d.log.Warn("scrub: corrupt chunk quarantined", "art", c.ArtID, "stripe", c.Stripe, "index", c.Index, "chunk", c.ChunkID, "err", err)
			addBad(c)
		case errors.Is(err, store.ErrNotFound):
			// Vanished since step 1.
			r.Missing++
			d.metrics.scrubFound.WithLabelValues("missing").Inc()
			addBad(c)
		default:
			d.log.Warn("scrub: cannot read chunk", "chunk", c.ChunkID, "err", err)
		}
	}
	// 3. Repair, bounded.
	if len(bad) > d.cfg.ScrubMaxRepairs {
		r.Deferred = len(bad) - d.cfg.ScrubMaxRepairs
		bad = bad[:d.cfg.ScrubMaxRepairs]
	}
	for _, c := range bad {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		how, err := d.repair(ctx, c)
		if err != nil {
			r.Failed++
			d.metrics.scrubFailed.Inc()
			d.log.Warn("scrub: repair failed; retrying next round", "art", c.ArtID, "stripe", c.Stripe, "index", c.Index, "chunk", c.ChunkID, "err", err)
			continue
		}
		if how == "fetched" {
			r.Fetched++
		} else {
			r.Minted++
		}
		d.metrics.scrubRepaired.WithLabelValues(how).Inc()
		d.log.Info("scrub: chunk repaired", "art", c.ArtID, "stripe", c.Stripe, "index", c.Index, "chunk", c.ChunkID, "how", how)
	}
	return r, nil
}

// repair restores one confirmed chunk: from another holder if one serves
// it, otherwise by minting it from k verified chunks of its stripe. It
// returns "fetched" or "minted".
func (d *Daemon) repair(ctx context.Context, c storage.CommitmentView) (string, error) {
	id, err := codec.ParseID(c.ChunkID)
	if err != nil {
		return "", err
	}
	art, err := hex.DecodeString(c.ArtID)
	if err != nil {
		return "", fmt.Errorf("bad art id %q", c.ArtID)
	}
	// Whatever is left of the bad copy goes (quarantined or half there).
	if err := d.store.Delete(id); err != nil {
		return "", fmt.Errorf("removing the bad copy: %w", err)
	}
	if d.fetchOne(ctx, c) == nil {
		return "fetched", nil
	}
	if d.store.Has(id) { // fetched, but counted elsewhere (e.g. a concurrent pull)
		return "fetched", nil
	}
	t, err := d.reader.Art(ctx, art, time.Hour)
	if err != nil {
		return "", fmt.Errorf("reading the ticket: %w", err)
	}
	if t == nil || int(c.Stripe) >= len(t.Stripes) {
		return "", fmt.Errorf("art %s has no stripe %d", c.ArtID, c.Stripe)
	}
	chunks, err := d.reader.Chunks(ctx, art, 3*time.Second)
	if err != nil {
		return "", fmt.Errorf("reading holders: %w", err)
	}
	have, err := d.gatherStripe(ctx, t, chunks, c.Stripe)
	if err != nil {
		return "", fmt.Errorf("no holder serves the chunk and the stripe cannot be rebuilt: %w", err)
	}
	minted, err := codec.Mint(ManifestOf(t), int(c.Stripe), int(c.Index), have)
	if err != nil {
		return "", fmt.Errorf("minting: %w", err)
	}
	if minted.ID != id {
		return "", fmt.Errorf("minted chunk has id %s, want %s", minted.ID, id)
	}
	if err := d.store.Put(id, minted.Bytes()); err != nil {
		return "", fmt.Errorf("storing the minted chunk: %w", err)
	}
	return "minted", nil
}
