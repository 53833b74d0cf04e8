package chunkd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/chunkd/peer"
	"github.com/pastelchain/pastel/chunkd/store"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// fakeChain answers the scrubber's chain questions from fixed facts.
type fakeChain struct {
	ticket *storagepb.Art
	chunks []storage.ChunkView
	mine   []storage.CommitmentView
}

func (f *fakeChain) Assignments(context.Context, secp256k1.Address) ([]storage.CommitmentView, error) {
	return f.mine, nil
}
func (f *fakeChain) Art(context.Context, []byte, time.Duration) (*storagepb.Art, error) {
	return f.ticket, nil
}
func (f *fakeChain) Chunks(context.Context, []byte, time.Duration) ([]storage.ChunkView, error) {
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

// TestScrubRepairsMissingAndCorruptChunks: a masternode holds five chunks
// of a stripe; one file is deleted and one corrupted on disk. A scrub round
// finds both, fetches the deleted one from the peer that also holds it,
// and mints the corrupt one (no one else holds it) from k chunks of the
// stripe gathered from its own store and the peer. A second round is clean.
func TestScrubRepairsMissingAndCorruptChunks(t *testing.T) {
	ticket, chunks := testArt(t)
	var stripe0 []*codec.Chunk
	for _, c := range chunks {
		if c.Stripe == 0 {
			stripe0 = append(stripe0, c)
		}
	}
	k := int(ticket.Stripes[0].K)
	if len(stripe0) < k+5 || k < 3 {
		t.Fatalf("test archive too small: k=%d, %d chunks in stripe 0", k, len(stripe0))
	}
	fc := &fakeChain{ticket: ticket}
	d := testDaemon(t, filepath.Join(t.TempDir(), "chunks"), fc)
	p := newPeerServer(t)
	artHex := hex.EncodeToString(ticket.Id)
	// We hold indices 0..4; the peer holds index 0 and indices 5.. (enough
	// for the stripe with our own).
	for _, c := range stripe0 {
		cv := storage.ChunkView{Stripe: 0, Index: uint32(c.Index), ID: c.ID.String()}
		if c.Index < 5 {
			if err := d.store.Put(c.ID, c.Bytes()); err != nil {
				t.Fatal(err)
			}
			cv.Holders = append(cv.Holders, storage.HolderView{Masternode: d.addr.String(), Confirmed: true})
			fc.mine = append(fc.mine, storage.CommitmentView{ArtID: artHex, Stripe: 0, Index: uint32(c.Index), ChunkID: c.ID.String(), Confirmed: true})
		}
		if c.Index == 0 || c.Index >= 5 {
			p.have[c.ID] = c.Bytes()
			cv.Holders = append(cv.Holders, storage.HolderView{Masternode: p.addr.String(), URL: p.srv.URL, Confirmed: true})
		}
		fc.chunks = append(fc.chunks, cv)
	}
	// An unconfirmed commitment is not the scrubber's business.
	fc.mine = append(fc.mine, storage.CommitmentView{ArtID: artHex, Stripe: 0, Index: 7, ChunkID: stripe0[7].ID.String()})

	// Damage: delete index 0, flip a payload byte of index 1.
	path := func(id codec.ID) string { h := id.String(); return filepath.Join(d.store.Dir(), h[:2], h) }
	if err := os.Remove(path(stripe0[0].ID)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path(stripe0[1].ID))
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(path(stripe0[1].ID), b, 0o600); err != nil {
		t.Fatal(err)
	}

	r, err := d.scrubRound(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Confirmed != 5 || r.Missing != 1 || r.Corrupt != 1 || r.Fetched != 1 || r.Minted != 1 || r.Failed != 0 {
		t.Fatalf("scrub report %+v", r)
	}
	for _, c := range stripe0[:5] {
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
	if got := counter(t, d, "chunkd_scrub_repaired_total", "minted"); got != 1 {
		t.Fatalf("minted metric %v", got)
	}
	if got := counter(t, d, "chunkd_scrub_bad_chunks_total", "corrupt"); got != 1 {
		t.Fatalf("corrupt metric %v", got)
	}
	r, err = d.scrubRound(context.Background())
	if err != nil || r.bad() != 0 || r.Failed != 0 {
		t.Fatalf("second round: %+v %v", r, err)
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
	artHex := hex.EncodeToString(ticket.Id)
	var held []*codec.Chunk
	for _, c := range chunks {
		if c.Stripe != 0 || c.Index >= 3 {
			continue
		}
		held = append(held, c)
		if err := d.store.Put(c.ID, c.Bytes()); err != nil {
			t.Fatal(err)
		}
		fc.mine = append(fc.mine, storage.CommitmentView{ArtID: artHex, Stripe: 0, Index: uint32(c.Index), ChunkID: c.ID.String(), Confirmed: true})
		fc.chunks = append(fc.chunks, storage.ChunkView{Stripe: 0, Index: uint32(c.Index), ID: c.ID.String(),
			Holders: []storage.HolderView{{Masternode: d.addr.String(), Confirmed: true}}})
	}
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
	// Corrupt one chunk; with no other holder and only 3 of k chunks, the
	// repair fails but is reported, and the round still completes.
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
	// Next round: now missing, still failing, still bounded and alive.
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
// a chunk whose file was deleted; the responder restores it from a peer and
// answers with a proof that verifies against the chunk id.
func TestChallengeOnDamagedChunkIsRepairedThenAnswered(t *testing.T) {
	ticket, chunks := testArt(t)
	fc := &fakeChain{ticket: ticket}
	d := testDaemon(t, filepath.Join(t.TempDir(), "chunks"), fc)
	p := newPeerServer(t)
	c := chunks[0]
	p.have[c.ID] = c.Bytes()
	fc.chunks = []storage.ChunkView{{Stripe: 0, Index: uint32(c.Index), ID: c.ID.String(), Holders: []storage.HolderView{
		{Masternode: d.addr.String(), Confirmed: true}, {Masternode: p.addr.String(), URL: p.srv.URL, Confirmed: true}}}}
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
	if got := counter(t, d, "chunkd_scrub_repaired_total", "fetched"); got != 1 {
		t.Fatalf("repaired metric %v", got)
	}
}
