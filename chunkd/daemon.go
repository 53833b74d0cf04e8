package chunkd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/pastelchain/pastel/chunkd/auth"
	"github.com/pastelchain/pastel/chunkd/peer"
	"github.com/pastelchain/pastel/chunkd/store"
	"github.com/pastelchain/pastel/client"
	"github.com/pastelchain/pastel/client/keyring"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// Config is <home>/config/chunkd.toml.
type Config struct {
	// Listen is the address the HTTP API binds, e.g. 127.0.0.1:7100.
	Listen string `toml:"listen"`
	// PublicURL is how peers and wallets reach this chunkd (registered on-chain).
	PublicURL string `toml:"public-url"`
	// Node is the RPC address of a pasteld node.
	Node string `toml:"node"`
	// FallbackNodes are RPC addresses of other pasteld nodes, used while
	// Node is unreachable or catching up (e.g. restarting), so challenge
	// answers and confirmations still reach the chain in time.
	FallbackNodes []string `toml:"fallback-nodes,omitempty"`
	// Key is the masternode key's name in <home>/keyring-<backend>.
	Key            string `toml:"key"`
	KeyringBackend string `toml:"keyring-backend"`
	// MaxConcurrent bounds simultaneous HTTP requests (each holds at most one chunk).
	MaxConcurrent int `toml:"max-concurrent"`
	// PullConcurrency bounds simultaneous chunk fetches from peers.
	PullConcurrency int `toml:"pull-concurrency"`
	// PollInterval is how often the chain is polled for new blocks.
	PollInterval string `toml:"poll-interval"`
	// LogFormat is "text" or "json".
	LogFormat string `toml:"log-format"`
	// ScrubInterval is how often the store is scrubbed: every confirmed
	// chunk's file is checked to exist, and a rotating share of them is
	// re-hashed; missing or corrupt chunks are fetched again from other
	// holders or re-minted from their stripe. "0s" turns scrubbing off.
	ScrubInterval string `toml:"scrub-interval"`
	// ScrubMiBPerRound bounds the chunk bytes re-hashed per scrub round.
	ScrubMiBPerRound int `toml:"scrub-mib-per-round"`
	// ScrubMaxRepairs bounds the chunks repaired per scrub round.
	ScrubMaxRepairs int `toml:"scrub-max-repairs"`
	// TrustPublishInterval is how often the outcomes of chunk transfers
	// from peers are published as trust edges from the masternode key
	// (trustreport.go). "0s" turns publishing off.
	TrustPublishInterval string `toml:"trust-publish-interval"`
	// GCGraceBlocks is how many blocks a stored chunk must have been no
	// longer committed to this masternode (its commitment moved away, it
	// exited, a heal left a spare copy) before it is deleted. A committed
	// chunk is never deleted. 0 keeps everything.
	GCGraceBlocks int `toml:"gc-grace-blocks"`
	// Adversary is for the test harness only: "phantom", "lazy" or
	// "hoarder" make this chunkd cheat (see possession.go). Never set it on
	// a real masternode: the chain catches each of them.
	Adversary string `toml:"adversary,omitempty"`
}

// DefaultConfig is written by `chunkd init`.
func DefaultConfig() Config {
	return Config{Listen: "127.0.0.1:7100", PublicURL: "http://127.0.0.1:7100", Node: "http://127.0.0.1:26657",
		Key: "masternode", KeyringBackend: "test", MaxConcurrent: 32, PullConcurrency: 4, PollInterval: "500ms", LogFormat: "text",
		ScrubInterval: "10s", ScrubMiBPerRound: 32, ScrubMaxRepairs: 64, TrustPublishInterval: "10m", GCGraceBlocks: 600}
}

// ConfigPath is where a home keeps its configuration.
func ConfigPath(home string) string { return filepath.Join(home, "config", "chunkd.toml") }

// LoadConfig reads and checks <home>/config/chunkd.toml.
func LoadConfig(home string) (Config, error) {
	c := DefaultConfig()
	md, err := toml.DecodeFile(ConfigPath(home), &c)
	if err != nil {
		return c, fmt.Errorf("chunkd config: %w (create one with `chunkd init --home %s`)", err, home)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return c, fmt.Errorf("chunkd config: unknown setting %q", und[0].String())
	}
	if _, err := time.ParseDuration(c.PollInterval); err != nil {
		return c, fmt.Errorf("chunkd config: poll-interval: %w", err)
	}
	if d, err := time.ParseDuration(c.ScrubInterval); err != nil || d < 0 {
		return c, fmt.Errorf("chunkd config: scrub-interval: want a duration such as 10s (0s disables), got %q", c.ScrubInterval)
	}
	if d, err := time.ParseDuration(c.TrustPublishInterval); err != nil || d < 0 {
		return c, fmt.Errorf("chunkd config: trust-publish-interval: want a duration such as 10m (0s disables), got %q", c.TrustPublishInterval)
	}
	if c.ScrubMiBPerRound <= 0 || c.ScrubMaxRepairs <= 0 {
		return c, fmt.Errorf("chunkd config: scrub-mib-per-round and scrub-max-repairs must be positive")
	}
	if c.GCGraceBlocks < 0 {
		return c, fmt.Errorf("chunkd config: gc-grace-blocks must not be negative (0 keeps every chunk)")
	}
	switch c.Adversary {
	case "", AdversaryPhantom, AdversaryLazy, AdversaryHoarder:
	default:
		return c, fmt.Errorf("chunkd config: adversary %q is not a test mode (phantom, lazy, hoarder); remove the setting", c.Adversary)
	}
	if c.MaxConcurrent <= 0 || c.PullConcurrency <= 0 {
		return c, fmt.Errorf("chunkd config: max-concurrent and pull-concurrency must be positive")
	}
	return c, nil
}

// SaveConfig writes c to home.
func SaveConfig(home string, c Config) error {
	if err := os.MkdirAll(filepath.Join(home, "config"), 0o700); err != nil {
		return err
	}
	f, err := os.Create(ConfigPath(home))
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintln(f, "# chunkd settings; see `chunkd --help`.")
	return toml.NewEncoder(f).Encode(c)
}

// Daemon is one running chunkd.
type Daemon struct {
	cfg      Config
	home     string
	tmpDir   string // scratch files (whole archives while attesting)
	log      *slog.Logger
	key      secp256k1.PrivKey
	addr     secp256k1.Address
	store    *store.Store
	nodes    []*client.Client // Node, then FallbackNodes
	cur      atomic.Int32     // index in nodes of the one in use
	chain    *Chain
	reader   chainReader // chain facts the scrubber and pulls need (d.chain; a fake in tests)
	peers    *peer.Client
	verifier *auth.Verifier
	metrics  *metrics
	slots    chan struct{}
	wake     chan struct{}
	height   atomic.Int64
	// diskFullUntil (unix ns): pulls pause until then after ENOSPC.
	diskFullUntil atomic.Int64
	poll          time.Duration

	attested map[string]bool
	lane     *txLane // the masternode key's transactions, challenge answers first

	trustLedger *peerLedger // outcomes of chunk transfers from peers

	healDone    map[string]time.Time   // heal tasks worked on, and when (follow goroutine only)
	scrubCursor string                 // chunkPosKey after which the next re-hash batch starts
	pullCursor  string                 // chunkPosKey after which the next pull window starts (follow goroutine only)
	pullWarned  time.Time              // when unpullable chunks were last reported (follow goroutine only)
	pullFailing map[string]pullFailure // missing chunks whose pulls fail, by chunkPosKey (follow goroutine only)
	scrubBytes  int64                  // overrides the per-round byte budget (tests)

	listed    listing   // the last full listing of this masternode's assignments (follow goroutine only)
	listTried time.Time // when a full listing was last asked for (follow goroutine only)
	waiting   listing   // the last listing of its unconfirmed ones (follow goroutine only)
	// current is the follow goroutine's listing as of its last check
	// against the chain, for the scrubber (guarded by currentMu).
	currentMu sync.Mutex
	current   checkedListing
	gc        gcState    // garbage collection (follow goroutine only)
	gcMu      sync.Mutex // guards gc's figures for status
	lastSync  syncFigures
	// sendLoss, if set, replaces submitting loss reports (tests).
	sendLoss func(context.Context, *storagepb.MsgReportLoss) error
}

// New opens the store and key of home.
func New(home string, cfg Config, log *slog.Logger, passphrase func(bool) (string, error)) (*Daemon, error) {
	kr, err := keyring.Open(home, cfg.KeyringBackend, passphrase)
	if err != nil {
		return nil, err
	}
	key, err := kr.PrivKey(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("masternode key: %w", err)
	}
	st, err := store.Open(filepath.Join(home, "chunks"))
	if err != nil {
		return nil, err
	}
	// Scratch space for whole archives (attestation); leftovers of a crash
	// are removed.
	tmpDir := filepath.Join(home, "tmp")
	if err := os.RemoveAll(tmpDir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return nil, err
	}
	c, err := client.New(cfg.Node)
	if err != nil {
		return nil, err
	}
	nodes := []*client.Client{c}
	for _, u := range cfg.FallbackNodes {
		fc, err := client.New(u)
		if err != nil {
			return nil, fmt.Errorf("chunkd config: fallback-nodes: %w", err)
		}
		nodes = append(nodes, fc)
	}
	for _, n := range nodes {
		n.TxWait = submitWait
	}
	poll, _ := time.ParseDuration(cfg.PollInterval)
	addr := key.PubKey().Address()
	ch := NewChain(c)
	d := &Daemon{cfg: cfg, home: home, tmpDir: tmpDir, log: log, key: key, addr: addr, store: st, nodes: nodes, chain: ch, reader: ch,
		peers: peer.New(key), verifier: &auth.Verifier{Audience: addr.String()}, metrics: newMetrics(st),
		slots: make(chan struct{}, cfg.MaxConcurrent), wake: make(chan struct{}, 1), poll: poll, attested: map[string]bool{}, pullFailing: map[string]pullFailure{},
		lane: newTxLane(), trustLedger: newPeerLedger()}
	ch.pick = d.rpc
	return d, nil
}

// rpc is the pasteld node in use.
func (d *Daemon) rpc() *client.Client { return d.nodes[d.cur.Load()] }

// nodeURL names node i for logs.
func (d *Daemon) nodeURL(i int) string {
	if i == 0 {
		return d.cfg.Node
	}
	return d.cfg.FallbackNodes[i-1]
}

// Address is the masternode this chunkd serves.
func (d *Daemon) Address() secp256k1.Address { return d.addr }

func (d *Daemon) kick() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run serves the API and follows the chain until ctx ends.
func (d *Daemon) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", d.cfg.Listen)
	if err != nil {
		return fmt.Errorf("chunkd: listen on %s: %w", d.cfg.Listen, err)
	}
	srv := &http.Server{Handler: d.handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute,
		WriteTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	d.log.Info("chunkd started", "masternode", d.addr.String(), "listen", ln.Addr().String(), "node", d.cfg.Node, "store", d.store.Dir())
	go d.follow(ctx)
	go d.respond(ctx)
	go d.scrubLoop(ctx)
	go d.watchStanding(ctx, 5*time.Second)
	every, _ := time.ParseDuration(d.cfg.TrustPublishInterval)
	go d.publishTrustLoop(ctx, every)
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(shut)
	d.log.Info("chunkd stopped")
	return nil
}
