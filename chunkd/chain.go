package chunkd

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/client"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// Chain is chunkd's read view of the chain, with short-lived caches so a
// burst of requests about one art costs one query.
type Chain struct {
	C   *client.Client
	TTL time.Duration
	// pick, if set, returns the node to ask (chunkd's failover); else C.
	pick func() *client.Client

	mu       sync.Mutex
	tickets  map[string]cached[*storagepb.Art]
	chunks   map[string]cached[[]storagepb.ChunkView]
	download map[string]cached[bool]
	fetch    map[string]cached[storagepb.FetchRight]
	mns      map[string]cached[*storagepb.Masternode]
}

type cached[T any] struct {
	v  T
	at time.Time
}

// NewChain wraps a node client.
func NewChain(c *client.Client) *Chain {
	return &Chain{C: c, TTL: 3 * time.Second, tickets: map[string]cached[*storagepb.Art]{},
		chunks: map[string]cached[[]storagepb.ChunkView]{}, download: map[string]cached[bool]{}, fetch: map[string]cached[storagepb.FetchRight]{}, mns: map[string]cached[*storagepb.Masternode]{}}
}

func lookup[T any](ch *Chain, m map[string]cached[T], k string, maxAge time.Duration, load func() (T, error)) (T, error) {
	ch.mu.Lock()
	e, ok := m[k]
	ch.mu.Unlock()
	if ok && time.Since(e.at) < maxAge {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	remember(ch, m, k, v)
	return v, nil
}

// remember caches v under k, dropping the whole cache when it is large.
func remember[T any](ch *Chain, m map[string]cached[T], k string, v T) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if len(m) > 10_000 {
		clear(m)
	}
	m[k] = cached[T]{v, time.Now()}
}

// Art returns the ticket of art id (nil if there is none).
func (ch *Chain) Art(ctx context.Context, id []byte, maxAge time.Duration) (*storagepb.Art, error) {
	return lookup(ch, ch.tickets, string(id), maxAge, func() (*storagepb.Art, error) {
		r, err := ch.node().Query(ctx, "/storage/art/"+hex.EncodeToString(id), 0, false)
		if err != nil {
			return nil, err
		}
		if len(r.Value) == 0 {
			return nil, nil
		}
		a := &storagepb.Art{}
		return a, proto.Unmarshal(r.Value, a)
	})
}

// Chunks returns every chunk of art id with its holders.
func (ch *Chain) Chunks(ctx context.Context, id []byte, maxAge time.Duration) ([]storagepb.ChunkView, error) {
	return lookup(ch, ch.chunks, string(id), maxAge, func() ([]storagepb.ChunkView, error) {
		var out []storagepb.ChunkView
		return out, ch.queryJSON(ctx, "/storage/chunks/"+hex.EncodeToString(id), &out)
	})
}

// CanDownload asks the chain whether addr may fetch art id's chunks.
func (ch *Chain) CanDownload(ctx context.Context, id []byte, addr secp256k1.Address) (bool, error) {
	return lookup(ch, ch.download, string(id)+addr.String(), ch.TTL, func() (bool, error) {
		var out struct {
			Allowed bool `json:"allowed"`
		}
		err := ch.queryJSON(ctx, fmt.Sprintf("/storage/can-download/%x/%s", id, addr), &out)
		return out.Allowed, err
	})
}

// MayFetch asks the chain whether addr may fetch one chunk now
// (storage.Keeper.MayFetch). Refusals and owners' rights are cached for at
// most TTL; a masternode's right is not: it ends the block the masternode
// confirms, and a remembered yes would let a holder that deleted its copy
// fetch it back for TTL after confirming.
func (ch *Chain) MayFetch(ctx context.Context, art []byte, stripe, index uint32, addr secp256k1.Address) (storagepb.FetchRight, error) {
	k := fmt.Sprintf("%x/%d/%d/%s", art, stripe, index, addr)
	ch.mu.Lock()
	e, ok := ch.fetch[k]
	ch.mu.Unlock()
	if ok && time.Since(e.at) < ch.TTL {
		return e.v, nil
	}
	var out storagepb.FetchRight
	if err := ch.queryJSON(ctx, fmt.Sprintf("/storage/may-fetch/%x/%d/%d/%s", art, stripe, index, addr), &out); err != nil {
		return out, err
	}
	if !out.Allowed || out.Reason == storagepb.FetchOwner {
		remember(ch, ch.fetch, k, out)
	}
	return out, nil
}

// Masternode returns the record of addr (nil if it is not one), at most
// TTL old.
func (ch *Chain) Masternode(ctx context.Context, addr secp256k1.Address) (*storagepb.Masternode, error) {
	return ch.masternode(ctx, addr, ch.TTL)
}

// MasternodeNow returns the record of addr as the chain has it now.
func (ch *Chain) MasternodeNow(ctx context.Context, addr secp256k1.Address) (*storagepb.Masternode, error) {
	return ch.masternode(ctx, addr, 0)
}

func (ch *Chain) masternode(ctx context.Context, addr secp256k1.Address, maxAge time.Duration) (*storagepb.Masternode, error) {
	return lookup(ch, ch.mns, addr.String(), maxAge, func() (*storagepb.Masternode, error) {
		r, err := ch.node().Query(ctx, "/storage/mn/"+addr.String(), 0, false)
		if err != nil {
			return nil, err
		}
		if len(r.Value) == 0 {
			return nil, nil
		}
		m := &storagepb.Masternode{}
		return m, proto.Unmarshal(r.Value, m)
	})
}

// Assignments lists every commitment of mn.
func (ch *Chain) Assignments(ctx context.Context, mn secp256k1.Address) ([]storagepb.CommitmentView, error) {
	return ch.commitments(ctx, "assignments", mn)
}

// Awaiting returns mn's unconfirmed commitments (what it has to fetch and
// prove), page by page.
func (ch *Chain) Awaiting(ctx context.Context, mn secp256k1.Address) ([]storagepb.CommitmentView, error) {
	return ch.commitments(ctx, "awaiting", mn)
}

func (ch *Chain) commitments(ctx context.Context, query string, mn secp256k1.Address) ([]storagepb.CommitmentView, error) {
	var all []storagepb.CommitmentView
	cursor := ""
	for {
		var page []storagepb.CommitmentView
		if err := ch.queryJSON(ctx, "/storage/"+query+"/"+mn.String()+cursor, &page); err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < storagepb.MaxPage {
			return all, nil
		}
		cursor = fmt.Sprintf("/%x", []byte(page[len(page)-1].Cursor))
	}
}

// KeyWrap returns the content key of an encrypted art wrapped to reader
// (nil: none yet).
func (ch *Chain) KeyWrap(ctx context.Context, art []byte, reader secp256k1.Address) (*storagepb.KeyWrap, error) {
	r, err := ch.node().Query(ctx, "/storage/keywrap/"+hex.EncodeToString(art)+"/"+reader.String(), 0, false)
	if err != nil || len(r.Value) == 0 {
		return nil, err
	}
	w := &storagepb.KeyWrap{}
	return w, proto.Unmarshal(r.Value, w)
}

// Near looks probes (crop probes of the image of art) up among the
// registered arts other than art, at the chain's fingerprint distance, in
// queries of at most storagepb.MaxProbes probes: the closest match over all
// of them (ties: the earliest probe), with Probe its index in probes.
func (ch *Chain) Near(ctx context.Context, art []byte, probes []uint64) (storagepb.NearView, error) {
	var best storagepb.NearView
	for off := 0; off < len(probes); off += storagepb.MaxProbes {
		batch := probes[off:min(len(probes), off+storagepb.MaxProbes)]
		raw := make([]byte, 0, 8*len(batch))
		for _, p := range batch {
			raw = binary.BigEndian.AppendUint64(raw, p)
		}
		var v storagepb.NearView
		if err := ch.queryJSON(ctx, "/storage/near/"+hex.EncodeToString(art)+"/"+hex.EncodeToString(raw), &v); err != nil {
			return storagepb.NearView{}, err
		}
		if v.Found && (!best.Found || v.Distance < best.Distance) {
			best = v
			best.Probe += off
		}
	}
	return best, nil
}

// Attesting lists the arts mn must attest.
func (ch *Chain) Attesting(ctx context.Context, mn secp256k1.Address) ([]storagepb.HexBytes, error) {
	var out []storagepb.HexBytes
	return out, ch.queryJSON(ctx, "/storage/attesting/"+mn.String(), &out)
}

func (ch *Chain) queryJSON(ctx context.Context, path string, v any) error {
	_, err := ch.node().QueryJSON(ctx, path, v)
	return err
}

func (ch *Chain) node() *client.Client {
	if ch.pick != nil {
		return ch.pick()
	}
	return ch.C
}

// Forget drops cached facts about art id (after a change we caused).
func (ch *Chain) Forget(id []byte) {
	ch.mu.Lock()
	delete(ch.tickets, string(id))
	delete(ch.chunks, string(id))
	ch.mu.Unlock()
}
