package chunkd

import (
	"cmp"
	"context"
	"errors"
	"github.com/pastelchain/pastel/chunkd/peer"
	"slices"
	"sync"
	"time"

	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/trust"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// Peer trust: chunk transfers between masternodes feed the trust graph
// (DESIGN.md §7). Whenever this chunkd fetches a chunk from a peer that the
// chain lists as a confirmed holder, the outcome is recorded: good when the
// chunk arrived and verified against its id, bad when the peer refused it,
// could not be reached, or served bytes that do not verify. Each peer's
// weight moves like the chain's automatic edges (trust/auto.go):
//
//	good: w ← w + ⌊0.05·(1 − w)⌋      bad: w ← w + ⌊0.2·(−1 − w)⌋
//
// in parts per 10^9, starting at 0. Every trust-publish-interval the
// masternode publishes, as ordinary signed trust/SetTrust edges from its
// own key, the weights that moved by at least publishThreshold since they
// were last published (or were never published and rest on at least
// minOutcomes transfers), largest change first, at most maxPublish per
// round in one transaction. The ledger lives in memory: after a restart the
// published edges stay on-chain and new outcomes start from 0 again.
const (
	ppb              = 1_000_000_000
	peerGoodStep     = 50_000_000  // 0.05
	peerBadStep      = 200_000_000 // 0.2
	publishThreshold = 100_000_000 // 0.1
	minOutcomes      = 3
	maxPublish       = 16
)

type peerRecord struct {
	weight    int64
	good, bad uint64
	published int64
	announced bool
}

type peerLedger struct {
	mu    sync.Mutex
	peers map[string]*peerRecord
}

func newPeerLedger() *peerLedger { return &peerLedger{peers: map[string]*peerRecord{}} }

// record applies one transfer outcome with masternode mn.
func (l *peerLedger) record(mn string, good bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.peers[mn]
	if r == nil {
		r = &peerRecord{}
		l.peers[mn] = r
	}
	if good {
		r.good++
		r.weight += (ppb - r.weight) * peerGoodStep / ppb
	} else {
		r.bad++
		r.weight += (-ppb - r.weight) * peerBadStep / ppb
	}
}

type edgeUpdate struct {
	target string
	weight int64
}

// due lists the edges worth publishing now, largest change first.
func (l *peerLedger) due() []edgeUpdate {
	l.mu.Lock()
	defer l.mu.Unlock()
	type c struct {
		edgeUpdate
		delta int64
	}
	var cs []c
	for mn, r := range l.peers {
		d := r.weight - r.published
		if d < 0 {
			d = -d
		}
		if (r.announced && d >= publishThreshold) || (!r.announced && r.good+r.bad >= minOutcomes) {
			cs = append(cs, c{edgeUpdate{mn, r.weight}, d})
		}
	}
	slices.SortFunc(cs, func(a, b c) int {
		if x := cmp.Compare(b.delta, a.delta); x != 0 {
			return x
		}
		return cmp.Compare(a.target, b.target)
	})
	out := make([]edgeUpdate, 0, min(len(cs), maxPublish))
	for i := 0; i < len(cs) && i < maxPublish; i++ {
		out = append(out, cs[i].edgeUpdate)
	}
	return out
}

func (l *peerLedger) published(us []edgeUpdate) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, u := range us {
		if r := l.peers[u.target]; r != nil {
			r.published, r.announced = u.weight, true
		}
	}
}

// peerOutcome records a transfer from a confirmed holder; an outcome caused
// by our own shutdown is not the peer's fault and is dropped.
func (d *Daemon) peerOutcome(ctx context.Context, mn string, err error) {
	if d.trustLedger == nil || mn == "" || mn == d.addr.String() || ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return
	}
	if errors.Is(err, peer.ErrForbidden) {
		return // the peer applied the chain's fetch rule: no fault of its
	}
	d.trustLedger.record(mn, err == nil)
	d.metrics.peerOutcomes.WithLabelValues(map[bool]string{true: "good", false: "bad"}[err == nil]).Inc()
}

// publishTrustLoop publishes due peer edges every interval.
func (d *Daemon) publishTrustLoop(ctx context.Context, every time.Duration) {
	if every <= 0 {
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
		if err := d.publishTrust(ctx); err != nil {
			d.log.Warn("publishing peer trust", "err", err)
		}
	}
}

func (d *Daemon) publishTrust(ctx context.Context) error {
	us := d.trustLedger.due()
	if len(us) == 0 {
		return nil
	}
	msgs := make([]*txpb.Msg, 0, len(us))
	for _, u := range us {
		m, err := tx.Msg(trust.MsgSetTrustType, &trustpb.MsgSetTrust{Target: u.target, Weight: u.weight})
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if err := d.send(ctx, false, "peer trust from chunk transfers", msgs...); err != nil {
		return err
	}
	d.trustLedger.published(us)
	d.metrics.trustPublished.Add(float64(len(us)))
	for _, u := range us {
		d.log.Info("peer trust published", "peer", u.target, "weight_ppb", u.weight)
	}
	return nil
}
