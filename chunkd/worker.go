package chunkd

import (
	"context"
	"encoding/hex"
	"fmt"
	"sort"
	"sync"
	"time"

	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/chunkd/codec"
	"github.com/pastelchain/pastel/chunkd/peer"
	"github.com/pastelchain/pastel/chunkd/store"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/x/storage"
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
	as, err := d.chain.Assignments(ctx, d.addr)
	if err != nil {
		return err
	}
	ready, missing := d.sortAssignments(as)
	if len(missing) > 0 && time.Now().UnixNano() < d.diskFullUntil.Load() {
		missing = nil // the disk was full a moment ago: back off (logged once per back-off)
	}
	if len(missing) > 0 {
		const perRound = 64
		if len(missing) > perRound {
			missing = missing[:perRound]
		}
		for _, got := range d.pull(ctx, missing) {
			ready[got.ArtID] = append(ready[got.ArtID], &storagepb.ChunkRef{Stripe: got.Stripe, Index: got.Index})
		}
	}
	arts := make([]string, 0, len(ready))
	for a := range ready {
		arts = append(arts, a)
	}
	sort.Strings(arts)
	for _, a := range arts {
		refs := ready[a]
		art, _ := hex.DecodeString(a)
		for len(refs) > 0 {
			n := min(len(refs), storage.MaxConfirmations)
			if err := d.submit(ctx, false, storage.MsgConfirmChunksType, &storagepb.MsgConfirmChunks{ArtId: art, Chunks: refs[:n]}); err != nil {
				return fmt.Errorf("confirm %d chunks of %s: %w", n, a, err)
			}
			d.metrics.confirmed.Add(float64(n))
			d.log.Info("chunks confirmed", "art", a, "count", n)
			refs = refs[n:]
		}
		d.chain.Forget(art)
	}
	return nil
}

// sortAssignments splits the unconfirmed assignments into those whose chunk
// is on disk and verifies (ready to confirm, by art) and those to pull. A
// file already on disk (left from an earlier commitment, a scrub or a heal)
// is verified before it is confirmed: a corrupt one is quarantined and
// pulled again, never confirmed and then failed in a challenge.
func (d *Daemon) sortAssignments(as []storage.CommitmentView) (ready map[string][]*storagepb.ChunkRef, missing []storage.CommitmentView) {
	ready = map[string][]*storagepb.ChunkRef{}
	for _, a := range as {
		if a.Confirmed {
			continue
		}
		id, err := codec.ParseID(a.ChunkID)
		if err != nil {
			continue
		}
		if _, err := d.store.Get(id); err == nil {
			ready[a.ArtID] = append(ready[a.ArtID], &storagepb.ChunkRef{Stripe: a.Stripe, Index: a.Index})
		} else {
			missing = append(missing, a)
		}
	}
	return ready, missing
}

// diskFullBackoff is how long pulls pause after the store reports a full disk.
const diskFullBackoff = 5 * time.Second

// pull fetches missing chunks from confirmed holders, verifying each.
func (d *Daemon) pull(ctx context.Context, missing []storage.CommitmentView) []storage.CommitmentView {
	var (
		mu  sync.Mutex
		got []storage.CommitmentView
		wg  sync.WaitGroup
	)
	sem := make(chan struct{}, d.cfg.PullConcurrency)
	for _, m := range missing {
		wg.Add(1)
		sem <- struct{}{}
		go func(m storage.CommitmentView) {
			defer wg.Done()
			defer func() { <-sem }()
			if d.fetchOne(ctx, m) {
				mu.Lock()
				got = append(got, m)
				mu.Unlock()
			}
		}(m)
	}
	wg.Wait()
	return got
}

func (d *Daemon) fetchOne(ctx context.Context, m storage.CommitmentView) bool {
	art, _ := hex.DecodeString(m.ArtID)
	id, _ := codec.ParseID(m.ChunkID)
	chunks, err := d.reader.Chunks(ctx, art, 3*time.Second)
	if err != nil {
		return false
	}
	for _, c := range chunks {
		if c.Stripe != m.Stripe || c.Index != m.Index {
			continue
		}
		// Confirmed holders first; anyone else may have it too.
		hs := append([]storage.HolderView(nil), c.Holders...)
		sort.SliceStable(hs, func(i, j int) bool { return hs[i].Confirmed && !hs[j].Confirmed })
		for _, h := range hs {
			if h.Masternode == d.addr.String() || h.URL == "" {
				continue
			}
			b, err := d.peers.Get(ctx, peer.Target{URL: h.URL, Masternode: h.Masternode}, art, id)
			if h.Confirmed {
				d.peerOutcome(ctx, h.Masternode, err)
			}
			if err != nil {
				continue
			}
			if err := d.store.Put(id, b); err != nil {
				if store.IsNoSpace(err) {
					// Full disk: no other holder will change that. Pause
					// pulls for a few seconds and say so once.
					until := time.Now().Add(diskFullBackoff).UnixNano()
					if prev := d.diskFullUntil.Swap(until); prev < time.Now().UnixNano() {
						d.log.Warn("disk full: chunk not stored; pausing pulls", "art", m.ArtID, "chunk", m.ChunkID, "retry_in", diskFullBackoff.String(), "err", err)
					}
					return false
				}
				d.log.Warn("cannot store pulled chunk", "art", m.ArtID, "chunk", m.ChunkID, "err", err)
				continue
			}
			d.metrics.pulled.Inc()
			return true
		}
	}
	return false
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
	if err := d.lane.acquire(ctx, urgent); err != nil {
		return err
	}
	defer d.lane.done()
	_, err = d.rpc().SignAndBroadcast(ctx, d.key, 0, "", msg)
	return err
}
