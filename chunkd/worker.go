package chunkd

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/chunkd/peer"
	"github.com/pastelchain/pastel/chunkd/store"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// follow polls the chain and, on every new block or local event, works
// through the node's commitments and attestation tasks.
func (d *Daemon) follow(ctx context.Context) {
	t := time.NewTicker(d.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
		st, err := d.healthyNode(ctx)
		if err != nil {
			d.log.Warn("chain unreachable", "err", err)
			continue
		}
		h := st.SyncInfo.LatestBlockHeight
		d.height.Store(h)
		if err := d.syncCommitments(ctx); err != nil {
			d.log.Warn("commitment sync", "err", err)
		}
		if err := d.attestPending(ctx); err != nil {
			d.log.Warn("attestation", "err", err)
		}
		if err := d.heal(ctx); err != nil {
			d.log.Warn("healing", "err", err)
		}
	}
}

// healthyNode returns the status of the node in use if it answers and is
// not catching up; otherwise it fails over to the first configured node
// that is (the one in use stays if none is).
func (d *Daemon) healthyNode(ctx context.Context) (*ctypes.ResultStatus, error) {
	cur := int(d.cur.Load())
	st, err := d.nodes[cur].Status(ctx)
	if err == nil && !st.SyncInfo.CatchingUp || len(d.nodes) == 1 {
		return st, err
	}
	why := "catching up"
	if err != nil {
		why = err.Error()
	}
	for i := range d.nodes {
		if i == cur {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		s2, err2 := d.nodes[i].Status(sctx)
		cancel()
		if err2 == nil && !s2.SyncInfo.CatchingUp {
			d.cur.Store(int32(i))
			d.metrics.failovers.Inc()
			d.log.Warn("switched chain node", "from", d.nodeURL(cur), "to", d.nodeURL(i), "because", why)
			return s2, nil
		}
	}
	return st, err
}

// syncCommitments confirms commitments whose chunk is stored and verifies,
// and pulls the others from peers (bounded per round).
func (d *Daemon) syncCommitments(ctx context.Context) error {
	m, err := d.chain.MasternodeNow(ctx, d.addr)
	if err != nil {
		return err
	}
	as, err := d.awaiting(ctx, m)
	if err != nil {
		return err
	}
	ready, missing := d.sortAssignments(as)
	d.recordSync(m, as, ready, missing)
	d.collectIfDue(ctx, m, time.Now())
	if len(missing) == 0 {
		clear(d.pullFailing)
		d.metrics.unpullable.Set(0)
	}
	if len(missing) > 0 && time.Now().UnixNano() < d.diskFullUntil.Load() {
		missing = nil // the disk was full a moment ago: back off (logged once per back-off)
	}
	if len(missing) > 0 {
		const perRound = 64
		window := d.pullWindow(missing, perRound)
		got, fails := d.pull(ctx, window)
		for _, g := range got {
			if g.ProveLeafEnd == 0 {
				continue // proof range known next block: confirmed next round
			}
			ref, err := proveRef(g.CommitmentView, g.chunk)
			if err != nil {
				d.log.Warn("cannot prove a pulled chunk", "art", g.ArtID, "stripe", g.Stripe, "index", g.Index, "err", err)
				continue
			}
			ready[string(g.ArtID)] = append(ready[string(g.ArtID)], ref)
		}
		stuck, longest, why := trackPullFailures(d.pullFailing, missing, fails, time.Now(), pullStuckAfter)
		d.metrics.unpullable.Set(float64(stuck))
		if stuck > 0 && time.Since(d.pullWarned) >= pullWarnEvery {
			d.pullWarned = time.Now()
			d.log.Warn("chunks not pulled", "stuck", stuck, "missing", len(missing), "longest", longest.Round(time.Second).String(),
				"error", why.Error(), "next_report_in", pullWarnEvery.String())
		}
	}
	arts := make([]string, 0, len(ready))
	for a := range ready {
		arts = append(arts, a)
	}
	sort.Strings(arts)
	for _, a := range arts {
		refs := ready[a]
		art := storagepb.HexBytes(a)
		for len(refs) > 0 {
			n := min(len(refs), storagepb.MaxConfirmations)
			if err := d.submit(ctx, false, storagepb.MsgConfirmChunksType, &storagepb.MsgConfirmChunks{ArtId: art, Chunks: refs[:n]}); err != nil {
				d.chain.Forget(art)
				return fmt.Errorf("confirm %d chunks of %s: %w", n, art, err)
			}
			d.metrics.confirmed.Add(float64(n))
			d.log.Info("chunks confirmed", "art", art, "count", n)
			d.afterConfirm(ctx, art, refs[:n])
			refs = refs[n:]
		}
		d.chain.Forget(art)
	}
	return nil
}

// listing is a listing of this masternode's commitments (all of them, or
// the unconfirmed ones), with the chain's assignments_version read just
// before it.
type listing struct {
	// number is the masternode's number: a version belongs to one
	// registration (an exit deletes the record, and registering again
	// starts the version from 0 under a new number).
	number  uint32
	version uint64
	at      time.Time
	as      []storagepb.CommitmentView
}

// of reports whether the listing was made at m's current version (m nil:
// this address is no masternode, and was none when the listing was made).
func (l listing) of(m *storagepb.Masternode) bool {
	return !l.at.IsZero() && l.number == m.GetNumber() && l.version == m.GetAssignmentsVersion()
}

// listingOf stamps as with m's registration and version.
func listingOf(m *storagepb.Masternode, at time.Time, as []storagepb.CommitmentView) listing {
	return listing{number: m.GetNumber(), version: m.GetAssignmentsVersion(), at: at, as: as}
}

// relistEvery bounds how long a listing is reused while the version stands
// still (a safety net: the version moves with every change that matters).
const relistEvery = 10 * time.Minute

// fullEvery spaces out full listings while the version keeps moving: on a
// busy network a masternode's commitments change nearly every block, and a
// full listing is a page per storagepb.MaxPage commitments, about a
// thousand pages for a masternode holding a million chunks.
const fullEvery = time.Minute

// awaiting returns this masternode's unconfirmed commitments: what a round
// has to fetch and prove. The chain indexes them apart (the awaiting
// query), so listing them costs what waits, not what the masternode holds.
// A round skips even that when the last listing was empty and the chain's
// assignments_version for this masternode (m) has not moved since, up to
// fullEvery (a listing of nothing is cheap; the bound covers a version
// read from one node and a listing from another, behind it). The version
// is read before the listing, so a change in between makes the next round
// list again.
func (d *Daemon) awaiting(ctx context.Context, m *storagepb.Masternode) ([]storagepb.CommitmentView, error) {
	l := d.waiting
	if m != nil && len(l.as) == 0 && l.of(m) && time.Since(l.at) < fullEvery {
		d.metrics.listings.WithLabelValues("skipped").Inc()
		return nil, nil
	}
	now := time.Now()
	as, err := d.reader.Awaiting(ctx, d.addr)
	if err != nil {
		return nil, err
	}
	d.metrics.listings.WithLabelValues("awaiting").Inc()
	if m == nil {
		now = time.Time{} // not registered yet: list again next round
	}
	d.waiting = listingOf(m, now, as)
	return as, nil
}

// assignments returns every commitment of this masternode, for garbage
// collection and the scrubber, and whether that listing is the chain's
// current one. While the version (m) stands still the last listing is
// current, up to relistEvery; once it moved, a new listing is made if the
// last attempt is fullEvery old, else the last listing is returned, not
// current. A failed listing is retried fullEvery later.
func (d *Daemon) assignments(ctx context.Context, m *storagepb.Masternode, now time.Time) ([]storagepb.CommitmentView, bool, error) {
	l := d.listed
	if m != nil && l.of(m) && now.Sub(l.at) < relistEvery {
		d.metrics.listings.WithLabelValues("skipped").Inc()
		d.publishListing(l.as)
		return l.as, true, nil
	}
	if !d.listTried.IsZero() && now.Sub(d.listTried) < fullEvery {
		return l.as, false, nil
	}
	d.listTried = now
	as, err := d.reader.Assignments(ctx, d.addr)
	if err != nil {
		return l.as, false, err
	}
	d.metrics.listings.WithLabelValues("full").Inc()
	d.listed = listingOf(m, now, as)
	d.publishListing(as)
	return as, true, nil
}

// collectIfDue keeps the full listing as fresh as assignments allows (the
// scrubber reads it) and collects garbage when a collection is due and
// the listing is current: a listing behind the chain could miss a chunk
// just assigned here. A failed listing is logged, not returned: proving
// what awaits comes first.
func (d *Daemon) collectIfDue(ctx context.Context, m *storagepb.Masternode, now time.Time) {
	all, current, err := d.assignments(ctx, m, now)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("cannot list this masternode's commitments; garbage collection waits", "err", err, "retry_in", fullEvery.String())
		}
		return
	}
	if current && d.gcDue(now) {
		l := d.listed
		d.collectGarbage(all, d.height.Load(), now, func() (map[codec.ID]bool, error) { return d.assignedSince(ctx, l) })
	}
}

// assignedSince returns the chunks of commitments made here after listing
// l was (possibly) made. The listing's pages are read one query at a
// time, at the chain's latest height, and garbage collection walks the
// store after it: a commitment added meanwhile at a position the pages
// had passed is in neither. Every new commitment starts unconfirmed, so
// when the version moved since l, the awaiting listing (what waits, a
// short list) holds it.
func (d *Daemon) assignedSince(ctx context.Context, l listing) (map[codec.ID]bool, error) {
	m, err := d.reader.MasternodeNow(ctx, d.addr)
	if err != nil {
		return nil, err
	}
	if l.of(m) {
		return nil, nil
	}
	as, err := d.reader.Awaiting(ctx, d.addr)
	if err != nil {
		return nil, err
	}
	return chunkIDs(as), nil
}

// checkedListing is a listing and when it was last known to be the
// chain's (listed, or its version checked unchanged).
type checkedListing struct {
	as []storagepb.CommitmentView
	at time.Time
}

// publishListing makes as, just listed or checked, the scrubber's.
func (d *Daemon) publishListing(as []storagepb.CommitmentView) {
	d.currentMu.Lock()
	d.current = checkedListing{as: as, at: time.Now()}
	d.currentMu.Unlock()
}

// scrubListing returns the assignments a scrub round checks: the follow
// goroutine's listing if it was checked against the chain within maxAge,
// else a listing of its own. Listing every commitment each scrub round
// (every 10 s by default) would page through all of a masternode's
// commitments, a million for a large one, even when nothing changed.
// The slice is shared: callers must not modify it.
func (d *Daemon) scrubListing(ctx context.Context, maxAge time.Duration) ([]storagepb.CommitmentView, error) {
	d.currentMu.Lock()
	c := d.current
	d.currentMu.Unlock()
	if c.as != nil && time.Since(c.at) < maxAge {
		d.metrics.listings.WithLabelValues("scrub-shared").Inc()
		return c.as, nil
	}
	d.metrics.listings.WithLabelValues("scrub-full").Inc()
	return d.reader.Assignments(ctx, d.addr)
}

// sortAssignments splits the unconfirmed assignments into those whose chunk
// is on disk and verifies (ready to confirm, by art, each with its proof of
// possession) and those to pull. A file already on disk (left from an
// earlier commitment, a scrub or a heal) is verified before it is
// confirmed: a corrupt one is quarantined and pulled again, never confirmed
// and then failed in a challenge. A stored chunk whose proof range is not
// known yet (assigned in the last block) waits for the next round.
func (d *Daemon) sortAssignments(as []storagepb.CommitmentView) (ready map[string][]*storagepb.ChunkRef, missing []storagepb.CommitmentView) {
	ready = map[string][]*storagepb.ChunkRef{}
	for _, a := range as {
		if a.Confirmed {
			continue
		}
		id, err := codec.IDFromBytes(a.ChunkID)
		if err != nil {
			continue
		}
		if d.cfg.Adversary == AdversaryPhantom {
			if a.ProveLeafEnd > 0 {
				ready[string(a.ArtID)] = append(ready[string(a.ArtID)], phantomRef(a))
			}
			continue
		}
		b, err := d.store.Get(id)
		if err != nil {
			missing = append(missing, a)
			continue
		}
		if a.ProveLeafEnd == 0 {
			continue
		}
		ref, err := proveRef(a, b)
		if err != nil {
			d.log.Warn("cannot prove a stored chunk", "art", a.ArtID, "stripe", a.Stripe, "index", a.Index, "err", err)
			continue
		}
		ready[string(a.ArtID)] = append(ready[string(a.ArtID)], ref)
	}
	return ready, missing
}

// recordSync keeps the last sync's counts for status.
func (d *Daemon) recordSync(m *storagepb.Masternode, as []storagepb.CommitmentView, ready map[string][]*storagepb.ChunkRef, missing []storagepb.CommitmentView) {
	f := syncFigures{Height: d.height.Load(), At: time.Now(), Assignments: int(m.GetCommitments()), Unconfirmed: len(as), Missing: len(missing)}
	f.Confirmed = max(0, f.Assignments-f.Unconfirmed)
	n := 0
	for _, r := range ready {
		n += len(r)
	}
	f.AwaitingRange = max(0, f.Unconfirmed-len(missing)-n)
	d.gcMu.Lock()
	d.lastSync = f
	d.gcMu.Unlock()
}

// pullWarnEvery spaces out the warnings about chunks that could not be
// pulled (they are retried every poll).
const pullWarnEvery = 30 * time.Second

// pullWindow picks up to n of missing (in the chain's order), starting after
// the last one the previous round picked and wrapping around: chunks that
// cannot be fetched yet (no holder has them until a healer pushes them)
// must not keep the rest from ever being pulled.
func (d *Daemon) pullWindow(missing []storagepb.CommitmentView, n int) []storagepb.CommitmentView {
	if len(missing) <= n {
		d.pullCursor = ""
		return missing
	}
	start := sort.Search(len(missing), func(i int) bool { return chunkPosKey(missing[i]) > d.pullCursor })
	out := make([]storagepb.CommitmentView, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, missing[(start+i)%len(missing)])
	}
	d.pullCursor = chunkPosKey(out[n-1])
	return out
}

// chunkPosKey orders commitments as the chain lists them (art, stripe, index).
func chunkPosKey(c storagepb.CommitmentView) string {
	return fmt.Sprintf("%s/%08x/%08x", c.ArtID, c.Stripe, c.Index)
}

// diskFullBackoff is how long pulls pause after the store reports a full disk.
const diskFullBackoff = 5 * time.Second

// pulled is a chunk pull stored, with its bytes.
type pulled struct {
	storagepb.CommitmentView
	chunk []byte
}

// pull fetches missing chunks from holders, verifying each; it returns those
// it stored and, by chunkPosKey, why each of the others could not be.
func (d *Daemon) pull(ctx context.Context, missing []storagepb.CommitmentView) (got []pulled, fails map[string]error) {
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	fails = map[string]error{}
	sem := make(chan struct{}, d.cfg.PullConcurrency)
	for _, m := range missing {
		wg.Add(1)
		sem <- struct{}{}
		go func(m storagepb.CommitmentView) {
			defer wg.Done()
			defer func() { <-sem }()
			b, err := d.fetchOne(ctx, m)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				fails[chunkPosKey(m)] = fmt.Errorf("art %s stripe %d index %d: %w", m.ArtID, m.Stripe, m.Index, err)
				return
			}
			got = append(got, pulled{m, b})
		}(m)
	}
	wg.Wait()
	return got, fails
}

// pullFailure is a missing chunk that could not be pulled: since when, and
// the latest reason.
type pullFailure struct {
	since time.Time
	err   error
}

// pullStuckAfter is how long a chunk must keep failing to be pulled before
// it is reported: right after a registration the holders race the artist's
// upload and fail for a few seconds, which is normal and heals by itself.
const pullStuckAfter = time.Minute

// trackPullFailures updates state (chunkPosKey -> first failure) with one
// round: chunks no longer missing are forgotten, new failures start their
// clock, repeated ones keep it and take the latest reason. It returns how
// many chunks have failed for at least after, the longest such time and
// the reason of that chunk.
func trackPullFailures(state map[string]pullFailure, missing []storagepb.CommitmentView, fails map[string]error, now time.Time, after time.Duration) (stuck int, longest time.Duration, why error) {
	still := make(map[string]bool, len(missing))
	for _, m := range missing {
		still[chunkPosKey(m)] = true
	}
	for k := range state {
		if !still[k] {
			delete(state, k)
		}
	}
	for k, err := range fails {
		if !still[k] {
			continue
		}
		f, ok := state[k]
		if !ok {
			f.since = now
		}
		f.err = err
		state[k] = f
	}
	var worst string
	for k, f := range state {
		age := now.Sub(f.since)
		if age < after {
			continue
		}
		stuck++
		if age > longest || age == longest && k < worst {
			longest, worst = age, k
		}
	}
	if stuck > 0 {
		why = state[worst].err
	}
	return stuck, longest, why
}

// errNoSource: no holder other than this node is listed for the chunk.
var errNoSource = errors.New("no other holder to fetch it from (a healer re-mints it)")

// fetchOne fetches one chunk from its holders (confirmed first) into the
// store and returns its bytes, or says why it could not. Peers serve it
// only while the chain says this masternode needs it (an unconfirmed
// commitment, a heal task, an attestation): a confirmed holder is refused.
func (d *Daemon) fetchOne(ctx context.Context, m storagepb.CommitmentView) ([]byte, error) {
	art := []byte(m.ArtID)
	id, err := codec.IDFromBytes(m.ChunkID)
	if err != nil {
		return nil, err
	}
	chunks, err := d.reader.Chunks(ctx, art, 3*time.Second)
	if err != nil {
		return nil, fmt.Errorf("chain: %w", err)
	}
	last := errNoSource
	for _, c := range chunks {
		if c.Stripe != m.Stripe || c.Index != m.Index {
			continue
		}
		// Confirmed holders first; anyone else may have it too.
		hs := append([]storagepb.HolderView(nil), c.Holders...)
		sort.SliceStable(hs, func(i, j int) bool { return hs[i].Confirmed && !hs[j].Confirmed })
		for _, h := range hs {
			if h.Masternode == d.addr.String() || h.URL == "" {
				continue
			}
			v, err := d.peers.Get(ctx, peer.Target{URL: h.URL, Masternode: h.Masternode}, art, id)
			if h.Confirmed {
				d.peerOutcome(ctx, h.Masternode, err)
			}
			if err != nil {
				last = err
				continue
			}
			if err := d.store.PutVerified(v); err != nil {
				if store.IsNoSpace(err) {
					// Full disk: no other holder will change that. Pause
					// pulls for a few seconds and say so once.
					until := time.Now().Add(diskFullBackoff).UnixNano()
					if prev := d.diskFullUntil.Swap(until); prev < time.Now().UnixNano() {
						d.log.Warn("disk full: chunk not stored; pausing pulls", "art", m.ArtID, "chunk", m.ChunkID, "retry_in", diskFullBackoff.String(), "err", err)
					}
					return nil, err
				}
				d.log.Warn("cannot store pulled chunk", "art", m.ArtID, "chunk", m.ChunkID, "err", err)
				last = err
				continue
			}
			d.metrics.pulled.Inc()
			return v.Bytes(), nil
		}
	}
	return nil, last
}

// submitWait bounds how long one transaction of the masternode key is
// waited for. A valid transaction is in a block within a few blocks and a
// dropped one is noticed sooner (client.ErrTxDropped); past this the node
// is stuck or gone, and answers to challenges (deadline: a few dozen
// blocks) must not wait longer behind it.
const submitWait = 15 * time.Second

// submit signs and sends one message from the masternode key and waits
// for it to be committed. Submissions take turns on d.lane, so each is
// signed with the nonce its predecessor left; urgent ones (challenge
// answers) go before those already waiting.
func (d *Daemon) submit(ctx context.Context, urgent bool, typ string, m proto.Message) error {
	msg, err := tx.Msg(typ, m)
	if err != nil {
		return err
	}
	return d.send(ctx, urgent, "", msg)
}

// send signs msgs into one transaction from the masternode key, in its turn
// on d.lane, and waits for it to be committed.
func (d *Daemon) send(ctx context.Context, urgent bool, memo string, msgs ...*txpb.Msg) error {
	if err := d.lane.acquire(ctx, urgent); err != nil {
		return err
	}
	defer d.lane.done()
	_, err := d.rpc().SignAndBroadcast(ctx, d.key, 0, memo, msgs...)
	return err
}
