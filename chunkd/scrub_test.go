package chunkd

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pastelchain/pastel/chunkd/auth"
	"github.com/pastelchain/pastel/chunkd/peer"
	"github.com/pastelchain/pastel/chunkd/store"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// fakeChain answers the scrubber's chain questions from fixed facts.
type fakeChain struct {
	ticket *storagepb.Art
	chunks []storagepb.ChunkView
	mine   []storagepb.CommitmentView
	mn     *storagepb.Masternode // this masternode's record (nil: none)
	mnErr  error                 // MasternodeNow fails with it
}

func (f *fakeChain) MasternodeNow(context.Context, secp256k1.Address) (*storagepb.Masternode, error) {
	return f.mn, f.mnErr
}

func (f *fakeChain) Assignments(context.Context, secp256k1.Address) ([]storagepb.CommitmentView, error) {
	return f.mine, nil
}
func (f *fakeChain) Awaiting(context.Context, secp256k1.Address) ([]storagepb.CommitmentView, error) {
	var out []storagepb.CommitmentView
	for _, c := range f.mine {
		if !c.Confirmed {
			out = append(out, c)
		}
	}
	return out, nil
}
func (f *fakeChain) Art(context.Context, []byte, time.Duration) (*storagepb.Art, error) {
	return f.ticket, nil
}
func (f *fakeChain) Chunks(context.Context, []byte, time.Duration) ([]storagepb.ChunkView, error) {
	return f.chunks, nil
}

// peerServer is another masternode's chunk API over real HTTP: it checks
// the request signature for its audience and serves the chunks it holds.
type peerServer struct {
	addr secp256k1.Address
	srv  *httptest.Server
	mu   sync.Mutex
	have map[codec.ID][]byte
	gets int
}

func newPeerServer(t *testing.T) *peerServer {
	k, err := secp256k1.GenPrivKey()
	if err != nil {
		t.Fatal(err)
	}
	p := &peerServer{addr: k.PubKey().Address(), have: map[codec.ID][]byte{}}
	v := &auth.Verifier{Audience: p.addr.String()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/arts/{art}/chunks/{id}", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := v.Verify(r, body, time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		id, err := codec.ParseID(r.PathValue("id"))
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		p.mu.Lock()
		b, ok := p.have[id]
		p.gets++
		p.mu.Unlock()
		if !ok {
			http.Error(w, "not here", http.StatusNotFound)
			return
		}
		_, _ = w.Write(b)
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func testDaemon(t *testing.T, dir string, reader chainReader) *Daemon {
	k, err := secp256k1.GenPrivKey()
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	return &Daemon{cfg: cfg, log: slog.New(slog.NewTextHandler(io.Discard, nil)), key: k, addr: k.PubKey().Address(), store: st,
		reader: reader, peers: peer.New(k), metrics: newMetrics(st), wake: make(chan struct{}, 1)}
}

// testArt encodes a random archive (random bytes do not compress, so the
// stripe has many chunks) and returns its ticket and chunks.
func testArt(t *testing.T) (*storagepb.Art, []*codec.Chunk) {
	data := make([]byte, 40_000)
	_, _ = rand.Read(data)
	archive, _, err := codec.BuildArchive(codec.Metadata{Title: "scrub"}, []codec.ArchiveFile{codec.FileFromBytes("a.bin", data)})
	if err != nil {
		t.Fatal(err)
	}
	m, chunks, err := codec.Encode(archive, codec.Params{ChunkSize: 4096, Redundancy: 3})
	if err != nil {
		t.Fatal(err)
	}
	return ticketOf(m, chunks), chunks
}

// lossSink records the loss reports a daemon would submit.
type lossSink struct {
	mu      sync.Mutex
	reports []*storagepb.MsgReportLoss
}

func (l *lossSink) send(_ context.Context, m *storagepb.MsgReportLoss) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reports = append(l.reports, m)
	return nil
}

func (l *lossSink) reported() (n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.reports {
		n += len(r.Chunks)
	}
	return n
}

// stripe0 returns the chunks of stripe 0 and its k.
func stripe0Of(t *testing.T, ticket *storagepb.Art, chunks []*codec.Chunk) ([]*codec.Chunk, int) {
	var out []*codec.Chunk
	for _, c := range chunks {
		if c.Stripe == 0 {
			out = append(out, c)
		}
	}
	k := int(ticket.Stripes[0].K)
	if len(out) < k+5 || k < 3 {
		t.Fatalf("test archive too small: k=%d, %d chunks in stripe 0", k, len(out))
	}
	return out, k
}

// holdConfirmed stores chunks and lists them as this daemon's confirmed
// commitments; a peer holding every chunk of the stripe is listed too.
func holdConfirmed(t *testing.T, d *Daemon, fc *fakeChain, p *peerServer, ticket *storagepb.Art, stripe []*codec.Chunk, held int) {
	artHex := storagepb.HexBytes(ticket.Id)
	for _, c := range stripe {
		cv := storagepb.ChunkView{Stripe: 0, Index: uint32(c.Index), ID: c.ID[:]}
		if c.Index < held {
			if err := d.store.Put(c.ID, c.Bytes()); err != nil {
				t.Fatal(err)
			}
			cv.Holders = append(cv.Holders, storagepb.HolderView{Masternode: d.addr.String(), Confirmed: true})
			fc.mine = append(fc.mine, storagepb.CommitmentView{ArtID: artHex, Stripe: 0, Index: uint32(c.Index), ChunkID: c.ID[:], Confirmed: true})
		}
		p.have[c.ID] = c.Bytes()
		cv.Holders = append(cv.Holders, storagepb.HolderView{Masternode: p.addr.String(), URL: p.srv.URL, Confirmed: true})
		fc.chunks = append(fc.chunks, cv)
	}
}

func damage(t *testing.T, d *Daemon, del, flip codec.ID) {
	path := func(id codec.ID) string { h := id.String(); return filepath.Join(d.store.Dir(), h[:2], h) }
	if err := os.Remove(path(del)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path(flip))
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(path(flip), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestScrubRepairsMissingAndCorruptChunks: a masternode holds k+2 chunks of
// a stripe; one file is deleted and one corrupted on disk. A scrub round
// finds both and mints both from the k good chunks left on its own disk,
// asking no peer. A second round is clean.
func TestScrubRepairsMissingAndCorruptChunks(t *testing.T) {
	ticket, chunks := testArt(t)
	stripe0, k := stripe0Of(t, ticket, chunks)
	fc := &fakeChain{ticket: ticket}
	d := testDaemon(t, filepath.Join(t.TempDir(), "chunks"), fc)
	sink := &lossSink{}
	d.sendLoss = sink.send
	p := newPeerServer(t)
	holdConfirmed(t, d, fc, p, ticket, stripe0, k+2)
	// An unconfirmed commitment is not the scrubber's business.
	fc.mine = append(fc.mine, storagepb.CommitmentView{ArtID: ticket.Id, Stripe: 0, Index: uint32(k + 3), ChunkID: stripe0[k+3].ID[:]})
	damage(t, d, stripe0[0].ID, stripe0[1].ID)
	r, err := d.scrubRound(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Confirmed != k+2 || r.Missing != 1 || r.Corrupt != 1 || r.Minted != 2 || r.Reported != 0 || r.Failed != 0 {
		t.Fatalf("scrub report %+v", r)
	}
	for _, c := range stripe0[:k+2] {
		got, err := d.store.Get(c.ID)
		if err != nil {
			t.Fatalf("chunk %d after repair: %v", c.Index, err)
		}
		if string(got) != string(c.Bytes()) {
			t.Fatalf("chunk %d differs after repair", c.Index)
		}
	}
	// The quarantined copy is gone too.
	if _, err := os.Stat(filepath.Join(d.store.Dir(), "corrupt", stripe0[1].ID.String())); !os.IsNotExist(err) {
		t.Fatalf("quarantined copy left behind: %v", err)
	}
	if got := counter(t, d, "chunkd_scrub_repaired_total", "minted"); got != 2 {
		t.Fatalf("minted metric %v", got)
	}
	if got := counter(t, d, "chunkd_scrub_bad_chunks_total", "corrupt"); got != 1 {
		t.Fatalf("corrupt metric %v", got)
	}
	if p.gets != 0 || sink.reported() != 0 {
		t.Fatalf("repair asked peers %d times and reported %d losses, want neither", p.gets, sink.reported())
	}
	r, err = d.scrubRound(context.Background())
	if err != nil || r.bad() != 0 || r.Failed != 0 {
		t.Fatalf("second round: %+v %v", r, err)
	}
}

// TestScrubReportsWhatItCannotRebuild: with fewer than k chunks of the
// stripe on its disk, a damaged confirmed chunk is reported lost on-chain
// (it is not fetched from the peer that has it: peers refuse a confirmed
// holder its own chunk, and asking would be outsourcing).
func TestScrubReportsWhatItCannotRebuild(t *testing.T) {
	ticket, chunks := testArt(t)
	stripe0, _ := stripe0Of(t, ticket, chunks)
	fc := &fakeChain{ticket: ticket}
	d := testDaemon(t, filepath.Join(t.TempDir(), "chunks"), fc)
	sink := &lossSink{}
	d.sendLoss = sink.send
	p := newPeerServer(t)
	holdConfirmed(t, d, fc, p, ticket, stripe0, 3)
	damage(t, d, stripe0[0].ID, stripe0[1].ID)
	r, err := d.scrubRound(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Reported != 2 || r.Minted != 0 || r.Failed != 0 {
		t.Fatalf("scrub report %+v", r)
	}
	if len(sink.reports) != 1 || !bytes.Equal(sink.reports[0].ArtId, ticket.Id) || sink.reported() != 2 {
		t.Fatalf("loss reports %v", sink.reports)
	}
	if p.gets != 0 {
		t.Fatalf("the scrubber asked a peer %d times for its own chunks", p.gets)
	}
}

// TestScrubIsBoundedAndRotates: with a byte budget of one chunk per round,
// each round re-hashes about one chunk and successive rounds walk the
// whole set; a corrupt chunk is found within one full rotation. A chunk
// that cannot be repaired (no holder, stripe not rebuildable) is reported
// as failed and left for the next round, and the daemon keeps going.
func TestScrubIsBoundedAndRotates(t *testing.T) {
	ticket, chunks := testArt(t)
	fc := &fakeChain{ticket: ticket}
	d := testDaemon(t, filepath.Join(t.TempDir(), "chunks"), fc)
	artHex := storagepb.HexBytes(ticket.Id)
	var held []*codec.Chunk
	for _, c := range chunks {
		if c.Stripe != 0 || c.Index >= 3 {
			continue
		}
		held = append(held, c)
		if err := d.store.Put(c.ID, c.Bytes()); err != nil {
			t.Fatal(err)
		}
		fc.mine = append(fc.mine, storagepb.CommitmentView{ArtID: artHex, Stripe: 0, Index: uint32(c.Index), ChunkID: c.ID[:], Confirmed: true})
		fc.chunks = append(fc.chunks, storagepb.ChunkView{Stripe: 0, Index: uint32(c.Index), ID: c.ID[:],
			Holders: []storagepb.HolderView{{Masternode: d.addr.String(), Confirmed: true}}})
	}
	d.sendLoss = func(context.Context, *storagepb.MsgReportLoss) error { return errors.New("node unreachable") }
	// A budget of one byte: each round re-hashes exactly one chunk, and
	// len(held) rounds visit every chunk once.
	d.scrubBytes = 1
	seen := map[string]bool{}
	for i := 0; i < len(held); i++ {
		r := mustScrub(t, d, 1)
		if r.Hashed != 1 {
			t.Fatalf("round %d hashed %d", i, r.Hashed)
		}
		seen[d.scrubCursor] = true
	}
	if len(seen) != len(held) {
		t.Fatalf("%d rounds visited %d distinct chunks, want %d", len(held), len(seen), len(held))
	}
	d.scrubBytes = 0
	// Corrupt one chunk; with only 3 of k chunks it cannot be rebuilt here
	// and the loss report fails: counted as failed, and the round still
	// completes.
	h := held[2].ID.String()
	p := filepath.Join(d.store.Dir(), h[:2], h)
	b, _ := os.ReadFile(p)
	b[len(b)-1] ^= 1
	_ = os.WriteFile(p, b, 0o600)
	r, err := d.scrubRound(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Corrupt != 1 || r.Failed != 1 {
		t.Fatalf("report %+v", r)
	}
	// Next round: now missing, still failing (the loss report cannot be
	// sent), still bounded and alive.
	r, err = d.scrubRound(context.Background())
	if err != nil || r.Missing != 1 || r.Failed != 1 {
		t.Fatalf("report %+v %v", r, err)
	}
	if got := counter(t, d, "chunkd_scrub_repair_failures_total", ""); got != 2 {
		t.Fatalf("failure metric %v", got)
	}
}

func mustScrub(t *testing.T, d *Daemon, maxHashed int) ScrubReport {
	t.Helper()
	r, err := d.scrubRound(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Hashed > maxHashed {
		t.Fatalf("hashed %d chunks, bound %d", r.Hashed, maxHashed)
	}
	return r
}

// counter reads a counter (with the given label value, if any) from the
// daemon's Prometheus registry, as a scrape would.
func counter(t *testing.T, d *Daemon, name, label string) float64 {
	t.Helper()
	mfs, err := d.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label == "" || (len(m.GetLabel()) > 0 && m.GetLabel()[0].GetValue() == label) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestChallengeOnDamagedChunkIsRepairedThenAnswered: a challenge arrives for
// a chunk whose file was deleted; the responder rebuilds it from its own
// chunks of the stripe (no peer asked) and answers with a proof that
// verifies against the chunk id. Without enough chunks it cannot answer.
func TestChallengeOnDamagedChunkIsRepairedThenAnswered(t *testing.T) {
	ticket, chunks := testArt(t)
	stripe0, k := stripe0Of(t, ticket, chunks)
	fc := &fakeChain{ticket: ticket}
	d := testDaemon(t, filepath.Join(t.TempDir(), "chunks"), fc)
	p := newPeerServer(t)
	holdConfirmed(t, d, fc, p, ticket, stripe0, k+1)
	c := stripe0[0]
	if err := d.store.Delete(c.ID); err != nil {
		t.Fatal(err)
	}
	ch := &storagepb.Challenge{Id: 7, ArtId: ticket.Id, Stripe: 0, Index: uint32(c.Index), ChunkId: c.ID[:], PayloadLen: uint32(len(c.Payload)), LeafStart: 0, LeafEnd: 2, Nonce: []byte("n")}
	_, cause := d.proveOne(ch)
	if cause == nil {
		t.Fatal("answered without the chunk")
	}
	pr, err := d.repairAndProve(context.Background(), ch, cause)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ProveChallenge(c.Payload, ch)
	if err != nil {
		t.Fatal(err)
	}
	if string(pr.Leaves) != string(want.Leaves) || string(pr.Proof) != string(want.Proof) {
		t.Fatal("proof from the repaired chunk differs from the honest one")
	}
	if got := counter(t, d, "chunkd_scrub_repaired_total", "minted"); got != 1 || p.gets != 0 {
		t.Fatalf("repaired metric %v, peer asked %d times", got, p.gets)
	}
	// Two more gone: k-1 left on disk, nothing to rebuild from.
	for _, x := range stripe0[1:3] {
		_ = d.store.Delete(x.ID)
	}
	ch.Index, ch.ChunkId = uint32(stripe0[1].Index), stripe0[1].ID[:]
	_, cause = d.proveOne(ch)
	if _, err := d.repairAndProve(context.Background(), ch, cause); !errors.Is(err, errCannotMint) || p.gets != 0 {
		t.Fatalf("repair with k-1 chunks: %v (peer asked %d times)", err, p.gets)
	}
}

// countingChain counts full listings and listings of what awaits.
type countingChain struct {
	*fakeChain
	listings, awaiting int
	fail               error // Assignments fails with it
}

func (c *countingChain) Awaiting(ctx context.Context, mn secp256k1.Address) ([]storagepb.CommitmentView, error) {
	c.awaiting++
	return c.fakeChain.Awaiting(ctx, mn)
}

func (c *countingChain) Assignments(ctx context.Context, mn secp256k1.Address) ([]storagepb.CommitmentView, error) {
	c.listings++
	if c.fail != nil {
		return nil, c.fail
	}
	return c.fakeChain.Assignments(ctx, mn)
}

// TestScrubUsesTheSyncListing: a scrub round checks the listing the sync
// loop last checked against the chain instead of listing every commitment
// again, while that check is under a minute old; an older one (the sync
// loop stuck) makes the round list for itself. Either way it finds the
// damaged chunk.
func TestScrubUsesTheSyncListing(t *testing.T) {
	ticket, chunks := testArt(t)
	stripe0, k := stripe0Of(t, ticket, chunks)
	fc := &fakeChain{ticket: ticket}
	cc := &countingChain{fakeChain: fc}
	d := testDaemon(t, filepath.Join(t.TempDir(), "chunks"), cc)
	d.sendLoss = (&lossSink{}).send
	p := newPeerServer(t)
	holdConfirmed(t, d, fc, p, ticket, stripe0, k+2)
	d.publishListing(fc.mine)
	damage(t, d, stripe0[0].ID, stripe0[1].ID)
	r, err := d.scrubRound(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cc.listings != 0 || r.Confirmed != k+2 || r.Missing != 1 || r.Corrupt != 1 {
		t.Fatalf("with a fresh sync listing: %d listings, report %+v; want none and the damage found", cc.listings, r)
	}
	if got := counter(t, d, "chunkd_assignment_syncs_total", "scrub-shared"); got != 1 {
		t.Fatalf("scrub-shared metric %v", got)
	}
	d.currentMu.Lock()
	d.current.at = time.Now().Add(-scrubListingAge)
	d.currentMu.Unlock()
	damage(t, d, stripe0[2].ID, stripe0[3].ID)
	if r, err = d.scrubRound(context.Background()); err != nil {
		t.Fatal(err)
	}
	if cc.listings != 1 || r.Missing != 1 || r.Corrupt != 1 {
		t.Fatalf("with a stale sync listing: %d listings, report %+v; want one and the damage found", cc.listings, r)
	}
}
