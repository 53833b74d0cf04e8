// Package explorer is a web view of a Pastel chain for people: the chain
// and its validators, blocks and transactions with their messages decoded,
// every art's ticket, editions, chunks and redundancy, every masternode's
// standing, challenges, rewards and trust, and the storage network's
// health over time.
//
// It reads only what any wallet can read: the node's public CometBFT RPC
// and the app's queries. Single records (an art ticket, a masternode, an
// account) are fetched with an IAVL proof and checked against a signed
// header (by the light client from a trust root, when the client has one),
// and the page says whether that check passed. Nothing of an art's
// protected bytes is ever fetched: tickets carry no image.
//
// Pages are rendered on the server (html/template, so every value from the
// chain is escaped) with server-side SVG plots; a small script served by
// the explorer itself refreshes the live parts on every new block, which
// the explorer learns from the node's websocket (NewBlock). The explorer
// samples the storage network once per block from the moment it starts and
// keeps the last Config.History samples in memory: the plots cover that
// window.
package explorer

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/client"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Config configures a Server.
type Config struct {
	Client *client.Client
	Logger *slog.Logger
	// History is how many per-block samples the plots keep (default 2000).
	History int
	// Poll is how often the explorer asks for a new height when the node's
	// websocket is unavailable (default 1 s).
	Poll time.Duration
}

// Server serves the explorer's pages.
type Server struct {
	c    *client.Client
	log  *slog.Logger
	tmpl *template.Template
	hist *history
	poll time.Duration
	msgs map[string]func() proto.Message

	mu   sync.Mutex
	subs map[chan int64]struct{}
}

// New prepares a server; Run follows the chain.
func New(cfg Config) (*Server, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("explorer: no client")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.History <= 0 {
		cfg.History = 2000
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	t, err := template.New("").Funcs(funcs).ParseFS(assets, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("explorer: templates: %w", err)
	}
	s := &Server{c: cfg.Client, log: cfg.Logger, tmpl: t, hist: newHistory(cfg.History, 64), poll: cfg.Poll,
		msgs: map[string]func() proto.Message{}, subs: map[chan int64]struct{}{}}
	for _, m := range app.Modules() {
		for _, r := range m.Routes() {
			s.msgs[r.Type] = r.New
		}
	}
	return s, nil
}

// Handler routes every page.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServer(http.FS(static))))
	mux.HandleFunc("GET /{$}", s.page(s.chainPage))
	mux.HandleFunc("GET /block/{height}", s.page(s.blockPage))
	mux.HandleFunc("GET /tx/{hash}", s.page(s.txPage))
	mux.HandleFunc("GET /art/{id}", s.page(s.artPage))
	mux.HandleFunc("GET /arts", s.page(s.artsPage))
	mux.HandleFunc("GET /mn/{addr}", s.page(s.mnPage))
	mux.HandleFunc("GET /account/{addr}", s.page(s.accountPage))
	mux.HandleFunc("GET /health", s.page(s.healthPage))
	mux.HandleFunc("GET /search", s.search)
	mux.HandleFunc("GET /events", s.events)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "No such page", "The explorer has no page at this address. Search for an art id, a transaction or block hash, an address or a height.")
	})
	return secure(s.recover(mux))
}

// secure sets headers that keep a page from running anything the explorer
// did not serve itself, even if a value escaped the templates.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// recover turns a panic into a plain error page (logged with its stack by
// net/http's conventions in the log, never shown).
func (s *Server) recover(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("explorer: page failed", "path", r.URL.Path, "panic", fmt.Sprint(v))
				s.fail(w, r, http.StatusInternalServerError, "Something went wrong", "The explorer could not build this page; the error is in its log.")
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// pageError is an error a page reports to the reader with a status code.
type pageError struct {
	code  int
	title string
	msg   string
}

func (e *pageError) Error() string { return e.msg }

func notFound(format string, a ...any) error {
	return &pageError{http.StatusNotFound, "Not found", fmt.Sprintf(format, a...)}
}

func badRequest(format string, a ...any) error {
	return &pageError{http.StatusBadRequest, "Not understood", fmt.Sprintf(format, a...)}
}

// view is what every template gets.
type view struct {
	Title  string
	Page   string
	Height int64
	Data   any
}

// page adapts a page builder: it returns the template name, title and data.
func (s *Server) page(build func(r *http.Request) (string, string, any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
		defer cancel()
		r = r.WithContext(ctx)
		name, title, data, err := build(r)
		if err != nil {
			var pe *pageError
			if asPageError(err, &pe) {
				s.fail(w, r, pe.code, pe.title, pe.msg)
				return
			}
			s.log.Warn("explorer: node request failed", "path", r.URL.Path, "err", err)
			s.fail(w, r, http.StatusBadGateway, "The node did not answer", "The explorer could not read this from the node at "+s.c.Node()+": "+err.Error())
			return
		}
		s.render(w, http.StatusOK, name, view{Title: title, Page: name, Height: s.height(), Data: data})
	}
}

func asPageError(err error, pe **pageError) bool {
	e, ok := err.(*pageError)
	if ok {
		*pe = e
	}
	return ok
}

func (s *Server) height() int64 {
	if l, ok := s.hist.latest(); ok {
		return l.Height
	}
	return 0
}

func (s *Server) render(w http.ResponseWriter, code int, name string, v view) {
	var b strings.Builder
	if err := s.tmpl.ExecuteTemplate(&b, name, v); err != nil {
		s.log.Error("explorer: template", "page", name, "err", err)
		code = http.StatusInternalServerError
		b.Reset()
		_ = s.tmpl.ExecuteTemplate(&b, "error", view{Title: "Something went wrong", Page: "error",
			Data: errorView{Code: code, Message: "The explorer could not render this page; the error is in its log."}})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(b.String()))
}

type errorView struct {
	Code    int
	Message string
	Query   string
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, code int, title, msg string) {
	s.render(w, code, "error", view{Title: title, Page: "error", Height: s.height(), Data: errorView{Code: code, Message: msg}})
}

// Run follows the chain until ctx ends: it samples the storage network at
// every new block and tells open pages. It subscribes to NewBlock on the
// node's websocket, and polls when that fails.
func (s *Server) Run(ctx context.Context) error {
	heights := make(chan int64, 16)
	go s.follow(ctx, heights)
	var last int64
	for {
		select {
		case <-ctx.Done():
			return nil
		case h := <-heights:
			if h <= last {
				continue
			}
			last = h
			if err := s.sample(ctx, h); err != nil {
				s.log.Warn("explorer: sample", "height", h, "err", err)
				continue
			}
			s.publish(h)
		}
	}
}

// follow feeds new heights: from the websocket while it works, else by
// polling /status.
func (s *Server) follow(ctx context.Context, out chan<- int64) {
	for ctx.Err() == nil {
		if err := s.subscribe(ctx, out); err != nil && ctx.Err() == nil {
			s.log.Info("explorer: no websocket subscription; polling", "node", s.c.Node(), "err", err)
		}
		// Poll for a while, then try the websocket again.
		for i := 0; i < 30 && ctx.Err() == nil; i++ {
			if st, err := s.c.Status(ctx); err == nil {
				select {
				case out <- st.SyncInfo.LatestBlockHeight:
				default:
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(s.poll):
			}
		}
	}
}

func (s *Server) subscribe(ctx context.Context, out chan<- int64) error {
	rpc := s.c.RPC
	if !rpc.IsRunning() {
		if err := rpc.Start(); err != nil {
			return err
		}
	}
	sub, err := rpc.Subscribe(ctx, "pastel-explorer", "tm.event='NewBlock'", 16)
	if err != nil {
		return err
	}
	defer func() { _ = rpc.UnsubscribeAll(context.Background(), "pastel-explorer") }()
	if st, err := s.c.Status(ctx); err == nil {
		out <- st.SyncInfo.LatestBlockHeight
	}
	idle := time.NewTimer(30 * time.Second)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-sub:
			if !ok {
				return fmt.Errorf("websocket closed")
			}
			h := int64(0)
			if nb, ok := ev.Data.(interface{ GetHeight() int64 }); ok {
				h = nb.GetHeight()
			} else if st, err := s.c.Status(ctx); err == nil {
				h = st.SyncInfo.LatestBlockHeight
			}
			select {
			case out <- h:
			default:
			}
			idle.Reset(30 * time.Second)
		case <-idle.C:
			return fmt.Errorf("no block for 30 s on the websocket")
		}
	}
}

// sample records the network at (about) height h and the tracked arts.
func (s *Server) sample(ctx context.Context, h int64) error {
	var st storage.Stats
	if _, err := s.c.QueryJSON(ctx, "/storage/stats", &st); err != nil {
		return err
	}
	mns, err := s.masternodes(ctx)
	if err != nil {
		return err
	}
	smp := Sample{Height: st.Height, Time: time.Now(), LowestRedundancy: -1, LowestArt: st.LowestRedundancyArt,
		UnderReplicated: st.UnderReplicated, HealQueue: st.HealQueue, HealTasks: st.HealTasks, ChallengesOpen: st.ChallengesOpen,
		ActiveArts: st.Arts[storagepb.ArtStatus_ART_ACTIVE.String()], JailedSet: map[string]bool{}}
	if st.LowestRedundancyArt != "" {
		smp.LowestRedundancy = float64(st.LowestRedundancyMilli) / 1000
	}
	for _, m := range mns {
		switch m.Status {
		case storagepb.MasternodeStatus_MN_ACTIVE:
			smp.Active++
		case storagepb.MasternodeStatus_MN_JAILED:
			smp.Jailed++
			smp.JailedSet[m.Address] = true
		}
	}
	s.hist.add(smp)
	for _, id := range s.hist.tracked() {
		var hl storage.Health
		if hh, err := s.c.QueryJSON(ctx, "/storage/health/"+id, &hl); err == nil {
			s.hist.addArt(id, hh, float64(hl.RedundancyMilli)/1000)
		}
	}
	return nil
}

// masternodes lists every masternode (the mns query answers with the
// records as JSON).
func (s *Server) masternodes(ctx context.Context) ([]*storagepb.Masternode, error) {
	var mns []*storagepb.Masternode
	if _, err := s.c.QueryJSON(ctx, "/storage/mns", &mns); err != nil {
		return nil, err
	}
	sort.Slice(mns, func(i, j int) bool { return mns[i].Address < mns[j].Address })
	return mns, nil
}

func (s *Server) publish(h int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.subs {
		select {
		case ch <- h:
		default: // a slow page misses a beat; the next block refreshes it
		}
	}
}

// events streams new heights to a page (Server-Sent Events).
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch := make(chan int64, 1)
	s.mu.Lock()
	if len(s.subs) >= 256 {
		s.mu.Unlock()
		http.Error(w, "too many open pages", http.StatusServiceUnavailable)
		return
	}
	s.subs[ch] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl.Flush()
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case h := <-ch:
			b, _ := json.Marshal(map[string]int64{"height": h})
			fmt.Fprintf(w, "data: %s\n\n", b)
			fl.Flush()
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
			fl.Flush()
		}
	}
}

// queryErr turns an app query refusal into the page the reader should see.
func queryErr(err error, what string) error {
	if qe, ok := err.(*client.QueryError); ok {
		if qe.Code == types.ErrNotFound.Code {
			return notFound("%s", what)
		}
		return badRequest("%s: %s", what, qe.Log)
	}
	return err
}
