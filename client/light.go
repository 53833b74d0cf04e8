package client

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	lightdb "github.com/cometbft/cometbft/light/store/db"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"
)

// DefaultTrustPeriod is how long a verified header stays a trust root: the
// light client can follow the chain from a header younger than this. Two
// weeks, as Cosmos chains use; a wallet unused for longer needs a fresh
// root (`pasteld light init`).
const DefaultTrustPeriod = 14 * 24 * time.Hour

// Light configures how proven queries find the AppHash they check against:
// through CometBFT's light client, from a trust root (a height and header
// hash the user trusts) forward to the block that carries the AppHash. A
// node that serves headers not descending from the root (another chain with
// the same chain id, forged signatures, a forged validator set) is caught.
type Light struct {
	// Dir keeps the trust root and the latest verified header
	// (<home>/light); "" keeps nothing.
	Dir string
	// TrustHeight and TrustHash, when set, are the root for this client
	// (they override the stored one and are not saved).
	TrustHeight int64
	TrustHash   []byte
	// TrustPeriod (0: DefaultTrustPeriod) bounds how old the latest verified
	// header may be.
	TrustPeriod time.Duration
	// Witnesses are other nodes' RPC addresses the light client compares
	// headers with; none: the node itself (a fork is then caught only when
	// it does not descend from the trust root).
	Witnesses []string
	// Notice receives the first-use message when Dir has no root yet (nil:
	// os.Stderr).
	Notice io.Writer
}

// TrustState is what <home>/light/trust.json holds.
type TrustState struct {
	ChainID string `json:"chain_id"`
	// Root is the height and hash the user trusted, and how (given by hand
	// or taken from a node on first use).
	RootHeight int64  `json:"root_height"`
	RootHash   string `json:"root_hash"`
	RootSource string `json:"root_source"`
	// TrustPeriod in seconds.
	TrustPeriodSeconds int64 `json:"trust_period_seconds"`
	// Latest is the newest header verified from the root (a LightBlock in
	// protobuf), where the next verification starts.
	LatestHeight int64     `json:"latest_height"`
	LatestTime   time.Time `json:"latest_time"`
	Latest       []byte    `json:"latest"`
}

const trustFile = "trust.json"

// LoadTrust reads the trust state in dir; (nil, nil) when there is none.
func LoadTrust(dir string) (*TrustState, error) {
	b, err := os.ReadFile(filepath.Join(dir, trustFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s TrustState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w (remove it and run `pasteld light init`)", filepath.Join(dir, trustFile), err)
	}
	return &s, nil
}

func saveTrust(dir string, s *TrustState) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, trustFile+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, trustFile))
}

// UseLight makes proven queries verify headers with the light client.
func (c *Client) UseLight(l Light) { c.light = &l }

// VerifiedBy says what proven answers are checked against, for people.
func (c *Client) VerifiedBy() string {
	if c.light != nil {
		return "light client (trust root in " + c.light.Dir + ")"
	}
	return "the validator set the node reports"
}

func (l *Light) period() time.Duration {
	if l.TrustPeriod > 0 {
		return l.TrustPeriod
	}
	return DefaultTrustPeriod
}

func (c *Client) providers(chainID string, witnesses []string) (provider.Provider, []provider.Provider, error) {
	primary := lighthttp.NewWithClient(chainID, c.RPC)
	var ws []provider.Provider
	for _, w := range witnesses {
		wc, err := NewWithTimeout(w, c.timeout)
		if err != nil {
			return nil, nil, fmt.Errorf("witness %s: %w", w, err)
		}
		ws = append(ws, lighthttp.NewWithClient(chainID, wc.RPC))
	}
	if len(ws) == 0 {
		ws = []provider.Provider{primary}
	}
	return primary, ws, nil
}

// InitTrust sets the trust root in l.Dir: the given height and hash (checked
// against the node: the header must have that hash and carry +2/3 of its
// validators' signatures), or with height 0 the node's latest header, which
// is then trusted because this node says so. It replaces any root there.
func (c *Client) InitTrust(ctx context.Context, l Light) (*TrustState, error) {
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	source := "given"
	h, hash := l.TrustHeight, l.TrustHash
	if h == 0 {
		st, err := c.Status(ctx)
		if err != nil {
			return nil, err
		}
		h = st.SyncInfo.LatestBlockHeight
		if h < 1 {
			return nil, fmt.Errorf("the node at %s has no block yet; retry when it has", c.node)
		}
		res, err := c.RPC.Commit(ctx, &h)
		if err != nil {
			return nil, c.unreachable(err)
		}
		hash = res.SignedHeader.Hash()
		source = "first use of " + c.node
	}
	primary, ws, err := c.providers(chainID, l.Witnesses)
	if err != nil {
		return nil, err
	}
	lc, err := light.NewClient(ctx, chainID, light.TrustOptions{Period: l.period(), Height: h, Hash: hash},
		primary, ws, lightdb.New(dbm.NewMemDB(), "light"), light.Logger(log.NewNopLogger()))
	if err != nil {
		return nil, fmt.Errorf("the node at %s does not confirm the trust root %d/%X: %w", c.node, h, hash, err)
	}
	lb, err := lc.TrustedLightBlock(0)
	if err != nil {
		return nil, err
	}
	s := &TrustState{ChainID: chainID, RootHeight: h, RootHash: strings.ToUpper(hex.EncodeToString(hash)), RootSource: source,
		TrustPeriodSeconds: int64(l.period() / time.Second)}
	if err := s.setLatest(lb); err != nil {
		return nil, err
	}
	if l.Dir != "" {
		if err := saveTrust(l.Dir, s); err != nil {
			return nil, fmt.Errorf("saving the trust root: %w", err)
		}
	}
	return s, nil
}

func (s *TrustState) setLatest(lb *cmttypes.LightBlock) error {
	pb, err := lb.ToProto()
	if err != nil {
		return err
	}
	b, err := pb.Marshal()
	if err != nil {
		return err
	}
	s.Latest, s.LatestHeight, s.LatestTime = b, lb.Height, lb.Time
	return nil
}

func (s *TrustState) latest() (*cmttypes.LightBlock, error) {
	var pb cmtproto.LightBlock
	if err := pb.Unmarshal(s.Latest); err != nil {
		return nil, err
	}
	return cmttypes.LightBlockFromProto(&pb)
}

// lightAppHash is TrustedAppHash through the light client: the header of
// block next, verified from the trust root.
func (c *Client) lightAppHash(ctx context.Context, next int64) ([]byte, error) {
	l := c.light
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	var s *TrustState
	switch {
	case l.TrustHeight > 0:
		mem := *l
		mem.Dir = ""
		if s, err = c.InitTrust(ctx, mem); err != nil {
			return nil, err
		}
	case l.Dir != "":
		if s, err = LoadTrust(l.Dir); err != nil {
			return nil, err
		}
		if s == nil {
			if s, err = c.InitTrust(ctx, *l); err != nil {
				return nil, err
			}
			w := l.Notice
			if w == nil {
				w = os.Stderr
			}
			fmt.Fprintf(w, "light client: no trust root in %s yet; trusting block %d (hash %s) of %s from %s on first use.\n"+
				"  Compare that hash with a source you trust, or set one with `pasteld light init --trust-height H --trust-hash HASH`.\n",
				l.Dir, s.RootHeight, s.RootHash, s.ChainID, c.node)
		}
	default: // no home: a root from the node, kept for this client only
		if s, err = c.InitTrust(ctx, *l); err != nil {
			return nil, err
		}
	}
	if s.ChainID != chainID {
		return nil, fmt.Errorf("the trust root in %s is for chain %s but the node at %s serves %s: use another --node, or `pasteld light init --force` for this chain", l.Dir, s.ChainID, c.node, chainID)
	}
	latest, err := s.latest()
	if err != nil {
		return nil, fmt.Errorf("the trust state in %s is damaged (%v): run `pasteld light init --force`", l.Dir, err)
	}
	period := time.Duration(s.TrustPeriodSeconds) * time.Second
	if period <= 0 {
		period = l.period()
	}
	if age := time.Since(latest.Time); age >= period {
		return nil, fmt.Errorf("the newest header the light client verified (height %d, %s) is older than the trust period %s: get a recent height and hash from a source you trust and run `pasteld light init --force --trust-height H --trust-hash HASH`",
			latest.Height, latest.Time.UTC().Format(time.RFC3339), period)
	}
	store := lightdb.New(dbm.NewMemDB(), "light")
	if err := store.SaveLightBlock(latest); err != nil {
		return nil, err
	}
	primary, ws, err := c.providers(chainID, l.Witnesses)
	if err != nil {
		return nil, err
	}
	lc, err := light.NewClientFromTrustedStore(chainID, period, primary, ws, store, light.Logger(log.NewNopLogger()))
	if err != nil {
		return nil, err
	}
	lb, err := lc.VerifyLightBlockAtHeight(ctx, next, time.Now())
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return nil, c.unreachable(err)
		}
		return nil, fmt.Errorf("header %d from %s does not follow from the trust root (block %d, hash %s; newest verified %d): the node is lying or serves another chain (%w). If the chain was restarted from a new genesis, run `pasteld light init --force`",
			next, c.node, s.RootHeight, s.RootHash, latest.Height, err)
	}
	if top, err := lc.TrustedLightBlock(0); err == nil && top.Height > latest.Height && l.Dir != "" && l.TrustHeight == 0 {
		if err := s.setLatest(top); err == nil {
			// A failed save costs only a longer verification next time.
			_ = saveTrust(l.Dir, s)
		}
	}
	return lb.AppHash, nil
}
