package chunkd

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pastelchain/pastel/chunkd/store"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	bytesIn    prometheus.Counter
	bytesOut   prometheus.Counter
	corrupt    prometheus.CounterFunc
	confirmed  prometheus.Counter
	pulled     prometheus.Counter
	unpullable prometheus.Gauge
	attested   prometheus.Counter
	proofs     prometheus.Counter
	healed     prometheus.Counter

	scrubRounds   prometheus.Counter
	scrubChecked  *prometheus.CounterVec // by check: exists | hash
	scrubFound    *prometheus.CounterVec // by problem: missing | corrupt
	scrubRepaired *prometheus.CounterVec // by how: fetched | minted
	scrubFailed   prometheus.Counter
	failovers     prometheus.Counter

	peerOutcomes   *prometheus.CounterVec // chunk fetches from confirmed holders, by outcome: good | bad
	trustPublished prometheus.Counter
	refusedFetches prometheus.Counter
	gcDeleted      prometheus.Counter
	lossReports    prometheus.Counter
	listings       *prometheus.CounterVec // assignment syncs, by listing: awaiting | full | skipped | scrub-shared | scrub-full
}

func newMetrics(st *store.Store) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "chunkd", Name: "requests_total", Help: "HTTP requests by route and status."}, []string{"route", "code"})
	m.bytesIn = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "chunkd", Name: "stored_bytes_total", Help: "Chunk bytes accepted."})
	m.bytesOut = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "chunkd", Name: "served_bytes_total", Help: "Chunk bytes served."})
	m.corrupt = prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "chunkd", Name: "corrupt_chunks_total", Help: "Stored chunks that failed verification on read and were quarantined."},
		func() float64 { return float64(st.Corrupt.Load()) })
	m.confirmed = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "chunkd", Name: "confirmed_chunks_total", Help: "Chunks confirmed on-chain."})
	m.pulled = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "chunkd", Name: "pulled_chunks_total", Help: "Chunks fetched from peers."})
	m.unpullable = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "chunkd", Name: "unpullable_chunks", Help: "Chunks committed to this masternode that it has failed to fetch from any holder for over a minute."})
	m.attested = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "chunkd", Name: "attestations_total", Help: "Originality attestations submitted."})
	m.proofs = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "chunkd", Name: "challenge_proofs_total", Help: "Challenge answers accepted on-chain."})
	m.healed = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "chunkd", Name: "healed_chunks_total", Help: "Minted chunks delivered to new holders."})
	m.scrubRounds = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "chunkd", Subsystem: "scrub", Name: "rounds_total", Help: "Scrub rounds completed."})
	m.scrubChecked = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "chunkd", Subsystem: "scrub", Name: "checked_total", Help: "Confirmed chunks checked by the scrubber, by check (exists: file present; hash: payload re-hashed to its id)."}, []string{"check"})
	m.scrubFound = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "chunkd", Subsystem: "scrub", Name: "bad_chunks_total", Help: "Confirmed chunks the scrubber found missing or corrupt."}, []string{"problem"})
	m.scrubRepaired = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "chunkd", Subsystem: "scrub", Name: "repaired_total", Help: "Damaged confirmed chunks handled by the scrubber, by how (minted: rebuilt from k chunks of its stripe on this disk; reported: reported lost on-chain, then pulled again)."}, []string{"how"})
	m.scrubFailed = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "chunkd", Subsystem: "scrub", Name: "repair_failures_total", Help: "Repairs that failed (retried next round)."})
	m.failovers = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "chunkd", Name: "node_failovers_total", Help: "Switches to another configured pasteld node because the one in use was unreachable or catching up."})
	noSpace := prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "chunkd", Name: "store_no_space_total", Help: "Chunk writes refused because the disk or quota was full."},
		func() float64 { return float64(st.NoSpace.Load()) })
	writeErrs := prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "chunkd", Name: "store_write_errors_total", Help: "Chunk writes that failed for other reasons (I/O errors)."},
		func() float64 { return float64(st.WriteErrors.Load()) })
	m.peerOutcomes = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "chunkd", Subsystem: "peer", Name: "transfers_total", Help: "Chunk fetches from confirmed holders, by outcome (good: verified; bad: refused, unreachable or corrupt)."}, []string{"outcome"})
	m.trustPublished = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "chunkd", Subsystem: "peer", Name: "trust_edges_published_total", Help: "Peer trust edges published on-chain."})
	m.refusedFetches = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "chunkd", Name: "refused_fetches_total", Help: "Chunk downloads refused by the chain's fetch rule (e.g. a confirmed holder asking for its own chunk)."})
	m.gcDeleted = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "chunkd", Name: "gc_deleted_chunks_total", Help: "Chunks deleted after their commitment moved away and the grace period passed."})
	m.lossReports = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "chunkd", Name: "loss_reports_total", Help: "Chunks this masternode reported lost on-chain (they leave its proven bytes until proven again)."})
	m.listings = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "chunkd", Name: "assignment_syncs_total", Help: "Assignment syncs by listing (awaiting: the unconfirmed commitments listed from the chain; full: every commitment listed, for garbage collection and scrubbing, at most once a minute while assignments change; skipped: the chain's assignments_version had not moved, so the last listing was used; scrub-shared: a scrub round used the sync's full listing; scrub-full: a scrub round listed for itself, the sync's listing being over two minutes old)."}, []string{"listing"})
	m.reg.MustRegister(m.refusedFetches, m.gcDeleted, m.lossReports, m.listings)
	m.reg.MustRegister(m.requests, m.bytesIn, m.bytesOut, m.corrupt, m.confirmed, m.pulled, m.unpullable, m.attested, m.proofs, m.healed,
		m.scrubRounds, m.scrubChecked, m.scrubFound, m.scrubRepaired, m.scrubFailed, m.failovers, noSpace, writeErrs, m.peerOutcomes, m.trustPublished)
	return m
}

// httpError is an error with an HTTP status and a message for the caller.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func fail(code int, format string, a ...any) error {
	return &httpError{code: code, msg: fmt.Sprintf(format, a...)}
}

// handler returns the HTTP API.
func (d *Daemon) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("PUT /v1/arts/{art}/chunks/{stripe}/{index}", d.route("put", d.handlePut))
	mux.Handle("GET /v1/arts/{art}/chunks/{id}", d.route("get", d.handleGet))
	mux.Handle("GET /v1/arts/{art}/chunks", d.route("list", d.handleList))
	mux.HandleFunc("GET /healthz", d.handleHealth)
	mux.HandleFunc("GET /v1/status", d.handleStatus)
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.metrics.reg, promhttp.HandlerOpts{}))
	return mux
}

// route reads the bounded body, checks the signature, limits concurrency
// and turns errors into statuses.
func (d *Daemon) route(name string, h func(w http.ResponseWriter, r *http.Request, signer secp256k1.Address, body []byte) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := http.StatusOK
		defer func() { d.metrics.requests.WithLabelValues(name, strconv.Itoa(code)).Inc() }()
		select {
		case d.slots <- struct{}{}:
			defer func() { <-d.slots }()
		default:
			code = http.StatusServiceUnavailable
			http.Error(w, "chunkd: too many concurrent requests; retry shortly", code)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, store.MaxChunkBytes+1))
		if err != nil {
			code = http.StatusBadRequest
			http.Error(w, "chunkd: reading body: "+err.Error(), code)
			return
		}
		if len(body) > store.MaxChunkBytes {
			code = http.StatusRequestEntityTooLarge
			http.Error(w, fmt.Sprintf("chunkd: body over %d bytes", store.MaxChunkBytes), code)
			return
		}
		signer, err := d.verifier.Verify(r, body, time.Now())
		if err != nil {
			code = http.StatusUnauthorized
			http.Error(w, err.Error(), code)
			return
		}
		if err := h(w, r, signer, body); err != nil {
			code = http.StatusInternalServerError
			var he *httpError
			if errors.As(err, &he) {
				code = he.code
			}
			if code >= 500 {
				d.log.Warn("request failed", "route", name, "signer", signer.String(), "err", err)
			}
			http.Error(w, err.Error(), code)
		}
	})
}

func parseArtID(s string) ([]byte, error) {
	id, err := hex.DecodeString(s)
	if err != nil || len(id) != 32 {
		return nil, fail(http.StatusBadRequest, "art id must be 64 hex digits")
	}
	return id, nil
}

func (d *Daemon) handlePut(w http.ResponseWriter, r *http.Request, signer secp256k1.Address, body []byte) error {
	art, err := parseArtID(r.PathValue("art"))
	if err != nil {
		return err
	}
	stripe, err1 := strconv.ParseUint(r.PathValue("stripe"), 10, 32)
	index, err2 := strconv.ParseUint(r.PathValue("index"), 10, 32)
	if err1 != nil || err2 != nil {
		return fail(http.StatusBadRequest, "stripe and index must be numbers")
	}
	ctx := r.Context()
	ticket, err := d.chain.Art(ctx, art, d.chain.TTL)
	// The uploader saw the registration committed on its node; ours may be
	// a block behind. Ask again, fresh, for up to about two seconds.
	for try := 0; err == nil && ticket == nil && try < 8; try++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		ticket, err = d.chain.Art(ctx, art, 0)
	}
	if err != nil {
		return fail(http.StatusBadGateway, "chain: %v", err)
	}
	if ticket == nil || ticket.Status == storagepb.ArtStatus_ART_REJECTED {
		return fail(http.StatusNotFound, "art %x is not registered (or was rejected)", art)
	}
	if signer.String() != ticket.Artist {
		mn, err := d.chain.Masternode(ctx, signer)
		if err != nil {
			return fail(http.StatusBadGateway, "chain: %v", err)
		}
		if mn == nil {
			return fail(http.StatusForbidden, "only the artist or a masternode may upload chunks of art %x", art)
		}
	}
	if int(stripe) >= len(ticket.Stripes) || int(index) >= len(ticket.Stripes[stripe].ChunkIds) {
		return fail(http.StatusBadRequest, "art %x has no chunk (stripe %d, index %d)", art, stripe, index)
	}
	var want codec.ID
	copy(want[:], ticket.Stripes[stripe].ChunkIds[index])
	if !d.committed(r, art, uint32(stripe), uint32(index)) {
		return fail(http.StatusForbidden, "chunk (stripe %d, index %d) of art %x is not committed to masternode %s", stripe, index, art, d.addr)
	}
	if err := d.store.Put(want, body); err != nil {
		if store.IsNoSpace(err) {
			d.log.Warn("chunk not stored: disk full", "art", hex.EncodeToString(art), "stripe", stripe, "index", index, "err", err)
			return fail(http.StatusInsufficientStorage, "chunk not stored: %v", err)
		}
		if _, verr := codec.VerifyChunk(body, want); verr != nil || errors.Is(err, store.ErrTooLarge) {
			return fail(http.StatusUnprocessableEntity, "chunk rejected: %v", err)
		}
		return fail(http.StatusInternalServerError, "chunk not stored: %v", err)
	}
	d.metrics.bytesIn.Add(float64(len(body)))
	d.kick()
	w.WriteHeader(http.StatusCreated)
	return nil
}

// committed reports whether (art, stripe, index) is committed to this node,
// refreshing the cached placement once if it says no.
func (d *Daemon) committed(r *http.Request, art []byte, stripe, index uint32) bool {
	for attempt := 0; attempt < 2; attempt++ {
		age := d.chain.TTL
		if attempt == 1 {
			age = 0
		}
		chunks, err := d.chain.Chunks(r.Context(), art, age)
		if err != nil {
			return false
		}
		for _, c := range chunks {
			if c.Stripe == stripe && c.Index == index {
				for _, h := range c.Holders {
					if h.Masternode == d.addr.String() {
						return true
					}
				}
			}
		}
	}
	return false
}

func (d *Daemon) handleGet(w http.ResponseWriter, r *http.Request, signer secp256k1.Address, _ []byte) error {
	art, err := parseArtID(r.PathValue("art"))
	if err != nil {
		return err
	}
	id, err := codec.ParseID(r.PathValue("id"))
	if err != nil {
		return fail(http.StatusBadRequest, "chunk id must be 64 hex digits")
	}
	ticket, err := d.chain.Art(r.Context(), art, time.Hour)
	if err != nil {
		return fail(http.StatusBadGateway, "chain: %v", err)
	}
	if ticket == nil {
		return fail(http.StatusNotFound, "art %x not found", art)
	}
	positions := ticketPositions(ticket, id)
	if len(positions) == 0 {
		return fail(http.StatusNotFound, "chunk %s is not part of art %x", id, art)
	}
	// One chunk id can stand at several positions (with k = 1 the first
	// parity chunk is a copy of the data chunk; zero-padded shards of a
	// last stripe are alike): the signer may fetch it if it needs any of
	// them. Checking only the first refused every new holder of index 1 of
	// a one-data-chunk art, which then never reached its replication.
	stripe, index, err := d.mayFetchAny(r, art, positions, signer)
	if err != nil {
		return err
	}
	b, err := d.store.Get(id)
	if errors.Is(err, store.ErrNotFound) && d.cfg.Adversary == AdversaryHoarder {
		b, err = d.mintForServing(r.Context(), art, stripe, index)
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrCorrupt) {
		if errors.Is(err, store.ErrCorrupt) {
			d.log.Error("corrupt chunk quarantined", "chunk", id.String(), "art", hex.EncodeToString(art))
			d.kick() // re-fetch it
		}
		return fail(http.StatusNotFound, "chunk %s not held here", id)
	}
	if err != nil {
		return err
	}
	d.metrics.bytesOut.Add(float64(len(b)))
	w.Header().Set("Content-Type", "application/octet-stream")
	_, err = io.Copy(w, bytes.NewReader(b))
	return err
}

// ticketPositions lists every position (stripe, index) of chunk id in the
// ticket, in ticket order.
func ticketPositions(t *storagepb.Art, id codec.ID) [][2]uint32 {
	var out [][2]uint32
	for s, st := range t.Stripes {
		for i, c := range st.ChunkIds {
			if bytes.Equal(c, id[:]) {
				out = append(out, [2]uint32{uint32(s), uint32(i)})
			}
		}
	}
	return out
}

// mayFetchAny applies the chain's fetch rule (storage.Keeper.MayFetch) to
// each position of a chunk, in order, and returns the first the signer may
// fetch; if none, the refusal of the first. Edition owners may always;
// masternodes only with an unconfirmed commitment, a heal task or an
// attestation needing it. A confirmed holder asking for its own chunk is
// refused: serving it would let a masternode that deleted its copy answer
// challenges from ours.
func (d *Daemon) mayFetchAny(r *http.Request, art []byte, positions [][2]uint32, signer secp256k1.Address) (stripe, index uint32, err error) {
	var refusal error
	for _, p := range positions {
		fr, err := d.chain.MayFetch(r.Context(), art, p[0], p[1], signer)
		if err != nil {
			return 0, 0, fail(http.StatusBadGateway, "chain: %v", err)
		}
		if fr.Allowed {
			return p[0], p[1], nil
		}
		if refusal == nil {
			refusal = fail(http.StatusForbidden, "chunk (stripe %d, index %d) of art %x: %s", p[0], p[1], art, fr.Reason)
		}
	}
	d.metrics.refusedFetches.Inc()
	return 0, 0, refusal
}

// mayList: listing which chunks of an art are held here is for edition
// owners and masternodes (it reveals no chunk bytes).
func (d *Daemon) mayList(r *http.Request, art []byte, signer secp256k1.Address) error {
	ok, err := d.chain.CanDownload(r.Context(), art, signer)
	if err != nil {
		return fail(http.StatusBadGateway, "chain: %v", err)
	}
	if !ok {
		return fail(http.StatusForbidden, "%s owns no edition of art %x and is not a masternode", signer, art)
	}
	return nil
}

func (d *Daemon) handleList(w http.ResponseWriter, r *http.Request, signer secp256k1.Address, _ []byte) error {
	art, err := parseArtID(r.PathValue("art"))
	if err != nil {
		return err
	}
	if err := d.mayList(r, art, signer); err != nil {
		return err
	}
	ticket, err := d.chain.Art(r.Context(), art, time.Hour)
	if err != nil || ticket == nil {
		return fail(http.StatusNotFound, "art %x not found", art)
	}
	out := []codec.ID{}
	for _, s := range ticket.Stripes {
		for _, c := range s.ChunkIds {
			var id codec.ID
			copy(id[:], c)
			if d.store.Has(id) {
				out = append(out, id)
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(out)
}

func (d *Daemon) handleHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"masternode": d.addr.String(), "height": d.height.Load(), "url": d.cfg.PublicURL})
}
