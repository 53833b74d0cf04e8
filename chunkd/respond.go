package chunkd

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/pastelchain/pastel/artio"
	"github.com/pastelchain/pastel/chunkd/peer"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// respond answers this masternode's open challenges, on its own loop so a
// long pull or attestation never makes it miss a deadline.
func (d *Daemon) respond(ctx context.Context) {
	t := time.NewTicker(d.poll)
	defer t.Stop()
	answered := map[uint64]bool{}
	repairTried := map[uint64]bool{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var open []*storagepb.Challenge
		if err := d.chain.queryJSON(ctx, "/storage/challenges/"+d.addr.String(), &open); err != nil {
			continue
		}
		// Earliest deadline first: when there are more answers than fit one
		// message, the ones about to fail go now.
		sort.SliceStable(open, func(i, j int) bool { return open[i].Deadline < open[j].Deadline })
		var proofs []*storagepb.ChunkProof
		repairs := 0
		for _, ch := range open {
			if answered[ch.Id] {
				continue
			}
			p, err := d.proveOne(ch)
			// The hoarder mints every challenged chunk it threw away, as a
			// rational one would (minting takes milliseconds); the honest
			// repair of damage is bounded per pass.
			if err != nil && !repairTried[ch.Id] && (repairs < maxChallengeRepairs || d.cfg.Adversary == AdversaryHoarder) {
				// The chunk is missing or corrupt here. The deadline is
				// blocks away: rebuild it from this disk's own chunks of
				// its stripe and answer from the rebuilt bytes. (The lazy
				// adversary tries to fetch it back instead; peers refuse.)
				repairTried[ch.Id] = true
				repairs++
				p, err = d.repairAndProve(ctx, ch, err)
			}
			if err != nil {
				// Without the chunk there is no honest answer. Say so now:
				// the challenge fails at once instead of at its deadline,
				// the chunk leaves this node's proven bytes, and it may be
				// pulled again.
				d.log.Warn("cannot answer challenge", "challenge", ch.Id, "chunk", hex.EncodeToString(ch.ChunkId), "err", err)
				answered[ch.Id] = true
				if d.cfg.Adversary == "" {
					if rerr := d.reportLost(ctx, ch.ArtId, []*storagepb.ChunkRef{{Stripe: ch.Stripe, Index: ch.Index}}); rerr != nil {
						d.log.Warn("loss report failed; the challenge fails at its deadline", "challenge", ch.Id, "err", rerr)
					}
				}
				continue
			}
			proofs = append(proofs, p)
			if len(proofs) == storagepb.MaxProofsPerMsg {
				break
			}
		}
		if len(proofs) == 0 {
			continue
		}
		start := time.Now()
		if err := d.submit(ctx, true, storagepb.MsgProveChunksType, &storagepb.MsgProveChunks{Proofs: proofs}); err != nil {
			d.log.Warn("challenge answers not accepted", "count", len(proofs), "err", err)
			continue
		}
		for _, p := range proofs {
			answered[p.ChallengeId] = true
		}
		if d.cfg.Adversary == AdversaryHoarder {
			for _, ch := range open {
				d.hoard(ctx, ch.ArtId) // what it minted to answer goes again
			}
		}
		d.metrics.proofs.Add(float64(len(proofs)))
		d.log.Info("challenges answered", "count", len(proofs), "seconds", time.Since(start).Seconds())
		if len(answered) > 100_000 {
			answered = map[uint64]bool{}
		}
		if len(repairTried) > 100_000 {
			repairTried = map[uint64]bool{}
		}
	}
}

// maxChallengeRepairs bounds the repairs one pass of the respond loop makes
// for challenged chunks it cannot read (the rest wait for the next pass).
const maxChallengeRepairs = 4

// repairAndProve restores a challenged chunk this node should hold but
// cannot read, from its own chunks of the stripe, then answers from it.
// The lazy adversary fetches it from a holder instead, which the holders
// refuse (it is a confirmed holder).
func (d *Daemon) repairAndProve(ctx context.Context, ch *storagepb.Challenge, cause error) (*storagepb.ChunkProof, error) {
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	how := "minted"
	var err error
	if d.cfg.Adversary == AdversaryLazy {
		how = "fetched"
		c := storagepb.CommitmentView{ArtID: ch.ArtId, Stripe: ch.Stripe, Index: ch.Index, ChunkID: ch.ChunkId, Confirmed: true}
		_, err = d.fetchOne(rctx, c)
	} else {
		var id codec.ID
		copy(id[:], ch.ChunkId)
		_ = d.store.Delete(id) // a corrupt copy is quarantined already; a half one goes
		err = d.mintLocal(rctx, ch.ArtId, ch.Stripe, ch.Index)
	}
	if err != nil {
		d.metrics.scrubFailed.Inc()
		return nil, fmt.Errorf("%v; %s: %w", cause, map[string]string{"minted": "rebuilding from this disk", "fetched": "fetching"}[how], err)
	}
	d.metrics.scrubRepaired.WithLabelValues(how).Inc()
	d.log.Info("challenged chunk was damaged here; restored before answering", "challenge", ch.Id, "art", hex.EncodeToString(ch.ArtId), "stripe", ch.Stripe, "index", ch.Index, "how", how, "was", cause.Error())
	return d.proveOne(ch)
}

// proveOne builds the answer to a challenge from the stored chunk.
func (d *Daemon) proveOne(ch *storagepb.Challenge) (*storagepb.ChunkProof, error) {
	var id codec.ID
	copy(id[:], ch.ChunkId)
	b, err := d.store.Get(id)
	if err != nil {
		return nil, err
	}
	c, err := codec.ParseChunk(b)
	if err != nil {
		return nil, err
	}
	return ProveChallenge(c.Payload, ch)
}

// ProveChallenge answers a challenge from a chunk payload.
func ProveChallenge(payload []byte, ch *storagepb.Challenge) (*storagepb.ChunkProof, error) {
	pr, err := codec.ProveRange(payload, int(ch.LeafStart), int(ch.LeafEnd))
	if err != nil {
		return nil, err
	}
	pb, err := pr.MarshalBinary()
	if err != nil {
		return nil, err
	}
	off, to := codec.LeafBytes(len(payload), int(ch.LeafStart), int(ch.LeafEnd))
	return &storagepb.ChunkProof{ChallengeId: ch.Id, Nonce: ch.Nonce, Leaves: append([]byte(nil), payload[off:to]...), Proof: pb}, nil
}

// heal works through the heal tasks the chain gave this masternode: rebuild
// the stripe from any k live chunks, mint the missing ones and hand each to
// the masternodes committed to hold it.
func (d *Daemon) heal(ctx context.Context) error {
	var tasks []storagepb.HealView
	if err := d.chain.queryJSON(ctx, "/storage/healing/"+d.addr.String(), &tasks); err != nil {
		return err
	}
	if d.healDone == nil {
		d.healDone = map[string]time.Time{}
	}
	now := time.Now()
	if len(d.healDone) > 10_000 {
		for k, at := range d.healDone {
			if now.Sub(at) > healRetry {
				delete(d.healDone, k)
			}
		}
	}
	for _, task := range tasks {
		if len(task.Missing) == 0 {
			continue
		}
		// A task stays open until the new holders confirm, which takes a
		// few blocks; minting and delivering again on every poll only
		// loads the network. Redo one only after healRetry.
		key := fmt.Sprintf("%s/%d/%v/%d", task.ArtID, task.Stripe, task.Missing, task.Deadline)
		if at, ok := d.healDone[key]; ok && now.Sub(at) < healRetry {
			continue
		}
		d.healDone[key] = now
		art := []byte(task.ArtID)
		t, err := d.chain.Art(ctx, art, time.Hour)
		if err != nil || t == nil || int(task.Stripe) >= len(t.Stripes) {
			continue
		}
		chunks, err := d.chain.Chunks(ctx, art, 0)
		if err != nil {
			continue
		}
		m := artio.ManifestOf(t)
		have, err := d.gatherStripe(ctx, t, chunks, task.Stripe)
		if err != nil {
			d.log.Warn("heal: cannot rebuild stripe", "art", task.ArtID, "stripe", task.Stripe, "err", err)
			continue
		}
		healed := 0
		for _, idx := range task.Missing {
			minted, err := codec.Mint(m, int(task.Stripe), int(idx), have)
			if err != nil {
				d.log.Warn("heal: mint failed", "art", task.ArtID, "stripe", task.Stripe, "index", idx, "err", err)
				continue
			}
			b := minted.Bytes()
			for _, c := range chunks {
				if c.Stripe != task.Stripe || c.Index != idx {
					continue
				}
				for _, h := range c.Holders {
					if h.Masternode == d.addr.String() {
						_ = d.store.Put(minted.ID, b)
						d.kick()
						continue
					}
					if err := d.peers.Put(ctx, peer.Target{URL: h.URL, Masternode: h.Masternode}, art, task.Stripe, idx, b); err != nil {
						d.log.Warn("heal: holder refused the minted chunk", "holder", h.Masternode, "err", err)
						continue
					}
					healed++
				}
			}
		}
		if healed == 0 {
			delete(d.healDone, key) // nothing delivered: try again on the next poll
		}
		d.log.Info("stripe healed", "art", task.ArtID, "stripe", task.Stripe, "minted", len(task.Missing), "delivered", healed)
		d.metrics.healed.Add(float64(healed))
	}
	return nil
}

// healRetry is how long a heal task that was worked on is left to the new
// holders (pull and confirm) before it is worked on again.
const healRetry = 8 * time.Second

// gatherStripe fetches k verified chunks of one stripe (own store first).
func (d *Daemon) gatherStripe(ctx context.Context, t *storagepb.Art, chunks []storagepb.ChunkView, stripe uint32) ([][]byte, error) {
	k := int(t.Stripes[stripe].K)
	var out [][]byte
	var cands []storagepb.ChunkView
	for _, c := range chunks {
		if c.Stripe == stripe {
			cands = append(cands, c)
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].Index < cands[j].Index })
	for _, c := range cands {
		if len(out) >= k {
			break
		}
		id, err := codec.IDFromBytes(c.ID)
		if err != nil {
			continue
		}
		if b, err := d.store.Get(id); err == nil {
			out = append(out, b)
			continue
		}
		for _, h := range c.Holders {
			if !h.Confirmed || h.Masternode == d.addr.String() {
				continue
			}
			v, err := d.peers.Get(ctx, peer.Target{URL: h.URL, Masternode: h.Masternode}, t.Id, id)
			d.peerOutcome(ctx, h.Masternode, err) // only confirmed holders get here
			if err == nil {
				out = append(out, v.Bytes())
				break
			}
		}
	}
	if len(out) < k {
		return nil, &stripeShort{have: len(out), need: k}
	}
	return out, nil
}

type stripeShort struct{ have, need int }

func (e *stripeShort) Error() string {
	b, _ := json.Marshal(map[string]int{"have": e.have, "need": e.need})
	return "not enough live chunks to rebuild: " + string(b)
}
