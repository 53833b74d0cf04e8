package chunkd

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/pastelchain/pastel/chunkd/store"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// chainReader is what the sync loop, pulls and the scrubber read from the
// chain.
type chainReader interface {
	Assignments(ctx context.Context, mn secp256k1.Address) ([]storagepb.CommitmentView, error)
	Awaiting(ctx context.Context, mn secp256k1.Address) ([]storagepb.CommitmentView, error)
	MasternodeNow(ctx context.Context, mn secp256k1.Address) (*storagepb.Masternode, error)
	Art(ctx context.Context, id []byte, maxAge time.Duration) (*storagepb.Art, error)
	Chunks(ctx context.Context, id []byte, maxAge time.Duration) ([]storagepb.ChunkView, error)
}

// ScrubReport is what one scrub round did.
type ScrubReport struct {
	Confirmed int // confirmed commitments of this masternode
	Hashed    int // chunks re-hashed this round
	Missing   int // files found missing
	Corrupt   int // files found corrupt (quarantined by the store)
	Reported  int // reported lost on-chain (then pulled again as unconfirmed)
	Minted    int // repaired by minting from k chunks of its stripe on this disk
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
	if d.cfg.Adversary != "" {
		d.log.Warn("scrubbing off: adversary test mode", "adversary", d.cfg.Adversary)
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
			"reported", r.Reported, "minted", r.Minted, "failed", r.Failed, "deferred", r.Deferred, "seconds", time.Since(start).Seconds()}
		if r.bad() > 0 || r.Failed > 0 {
			d.log.Warn("scrub found damaged chunks", attrs...)
		} else {
			d.log.Debug("scrub round clean", attrs...)
		}
	}
}

// scrubListingAge is how old (since its last check against the chain) the
// follow goroutine's full listing may be for a scrub round to use it; that
// loop checks it every round and relists at most every fullEvery, so an
// older one means it is stuck or failing and the round lists for itself.
const scrubListingAge = 2 * fullEvery

// scrubRound checks this masternode's confirmed chunks once and repairs
// what it can. Work is bounded: every confirmed chunk's file is checked to
// exist (a stat), at most scrub-mib-per-round of chunk bytes are re-hashed,
// continuing from where the previous round stopped, and at most
// scrub-max-repairs chunks are repaired.
func (d *Daemon) scrubRound(ctx context.Context) (ScrubReport, error) {
	var r ScrubReport
	as, err := d.scrubListing(ctx, scrubListingAge)
	if err != nil {
		return r, err
	}
	var conf []storagepb.CommitmentView
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
	var bad []storagepb.CommitmentView
	badSet := map[string]bool{}
	addBad := func(c storagepb.CommitmentView) {
		if k := chunkPosKey(c); !badSet[k] {
			badSet[k] = true
			bad = append(bad, c)
		}
	}
	// 1. Cheap: does every confirmed chunk still have a file?
	for _, c := range conf {
		id, err := codec.IDFromBytes(c.ChunkID)
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
		id, err := codec.IDFromBytes(c.ChunkID)
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
	var lost []storagepb.CommitmentView
	for _, c := range bad {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		err := d.repair(ctx, c)
		if errors.Is(err, errCannotMint) {
			lost = append(lost, c)
			continue
		}
		if err != nil {
			r.Failed++
			d.metrics.scrubFailed.Inc()
			d.log.Warn("scrub: repair failed; retrying next round", "art", c.ArtID, "stripe", c.Stripe, "index", c.Index, "chunk", c.ChunkID, "err", err)
			continue
		}
		r.Minted++
		d.metrics.scrubRepaired.WithLabelValues("minted").Inc()
		d.log.Info("scrub: chunk repaired", "art", c.ArtID, "stripe", c.Stripe, "index", c.Index, "chunk", c.ChunkID, "how", "minted")
	}
	// What cannot be restored from this disk is reported lost: a confirmed
	// holder may not fetch its own chunk from peers (they refuse), and must
	// not keep claiming bytes it does not have. Once reported, the chunk is
	// an unconfirmed commitment again and the follow loop pulls and proves it.
	arts, refs := lostRefs(lost)
	for _, a := range arts {
		art := storagepb.HexBytes(a)
		if err := d.reportLost(ctx, art, refs[a]); err != nil {
			r.Failed += len(refs[a])
			d.metrics.scrubFailed.Add(float64(len(refs[a])))
			d.log.Warn("scrub: loss report failed; retrying next round", "art", art, "count", len(refs[a]), "err", err)
			continue
		}
		r.Reported += len(refs[a])
		d.metrics.scrubRepaired.WithLabelValues("reported").Add(float64(len(refs[a])))
	}
	return r, nil
}

// repair restores one confirmed chunk from k verified chunks of its stripe
// on this node's own disk (errCannotMint when there are fewer: the caller
// reports the loss). Nothing is fetched: peers do not serve a confirmed
// holder its own chunk.
func (d *Daemon) repair(ctx context.Context, c storagepb.CommitmentView) error {
	id, err := codec.IDFromBytes(c.ChunkID)
	if err != nil {
		return err
	}
	art := []byte(c.ArtID)
	if len(art) != 32 {
		return fmt.Errorf("bad art id %s", c.ArtID)
	}
	// Whatever is left of the bad copy goes (quarantined or half there).
	if err := d.store.Delete(id); err != nil {
		return fmt.Errorf("removing the bad copy: %w", err)
	}
	return d.mintLocal(ctx, art, c.Stripe, c.Index)
}
