package explorer

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/types"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/client"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/genesis"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/rewards"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
	"github.com/pastelchain/pastel/x/trust"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

var funcs = template.FuncMap{
	"psl": genesis.FormatAmount,
	"short": func(v any) string { // an address, or an id (string or storagepb.HexBytes)
		s := fmt.Sprint(v)
		if len(s) <= 16 {
			return s
		}
		return s[:8] + "…" + s[len(s)-6:]
	},
	"hex":   func(b []byte) string { return hex.EncodeToString(b) },
	"ago":   ago,
	"ratio": func(milli uint64) string { return fmt.Sprintf("%.2f×", float64(milli)/1000) },
	"json": func(v any) string {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	},
	"status": func(s string) string {
		s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(s, "MN_"), "ART_"), "CH_")
		return strings.ToLower(s)
	},
	"bytes": func(v any) string {
		var n uint64
		switch x := v.(type) {
		case uint64:
			n = x
		case uint32:
			n = uint64(x)
		case int64:
			n = uint64(max(x, 0))
		case int:
			n = uint64(max(x, 0))
		}
		switch {
		case n >= 1<<30:
			return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
		case n >= 1<<20:
			return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
		case n >= 1<<10:
			return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
		}
		return fmt.Sprintf("%d B", n)
	},
	"add": func(a, b int64) int64 { return a + b },
	"mul": func(a, b float64) float64 { return a * b },
}

func ago(t time.Time) string {
	d := time.Since(t).Round(time.Second)
	if d < 0 {
		d = 0
	}
	return d.String() + " ago"
}

// parseArtID accepts the 64 hex digits of an art id (or a tx/block hash).
func parseHash(s string) ([]byte, bool) {
	s = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "0x")
	b, err := hex.DecodeString(s)
	return b, err == nil && len(b) == 32
}

// verified is what a page says about a record it proved.
type verified struct {
	OK     bool
	Height int64
	How    string
	Err    string
}

// proven fetches a single-record query with its proof, at the height below
// the latest so the next header (which carries that AppHash) exists.
func (s *Server) proven(ctx context.Context, path string) (*abci.ResponseQuery, verified, error) {
	st, err := s.c.Status(ctx)
	if err != nil {
		return nil, verified{}, err
	}
	h := st.SyncInfo.LatestBlockHeight - 1
	if h < 1 {
		h = 0
	}
	r, err := s.c.Query(ctx, path, h, true)
	if err == nil {
		return r, verified{OK: true, Height: r.Height, How: s.c.VerifiedBy()}, nil
	}
	if _, refused := err.(*client.QueryError); refused {
		return nil, verified{}, err
	}
	// The proof did not check (or the header could not be had): show the
	// node's answer, marked as such.
	r, qerr := s.c.Query(ctx, path, h, false)
	if qerr != nil {
		return nil, verified{}, qerr
	}
	return r, verified{Height: r.Height, Err: err.Error()}, nil
}

// ---- chain -----------------------------------------------------------------

type chainView struct {
	ChainID      string
	Moniker      string
	Height       int64
	Time         time.Time
	CatchingUp   bool
	BlockTime    time.Duration
	Blocks       []blockRow
	Validators   []validatorRow
	Latest       Sample
	HaveSample   bool
	Supply       string
	Masternodes  int
	SeedsVersion uint64
}

type blockRow struct {
	Height   int64
	Time     time.Time
	Txs      int
	Hash     string
	Proposer string
}

type validatorRow struct {
	storage.ValidatorView
	Trust      string
	TrustKnown bool
}

func (s *Server) chainPage(r *http.Request) (string, string, any, error) {
	ctx := r.Context()
	st, err := s.c.Status(ctx)
	if err != nil {
		return "", "", nil, err
	}
	v := chainView{ChainID: st.NodeInfo.Network, Moniker: st.NodeInfo.Moniker, Height: st.SyncInfo.LatestBlockHeight,
		Time: st.SyncInfo.LatestBlockTime, CatchingUp: st.SyncInfo.CatchingUp}
	if v.Height > 0 {
		lo := max(v.Height-19, 1)
		bi, err := s.c.RPC.BlockchainInfo(ctx, lo, v.Height)
		if err != nil {
			return "", "", nil, err
		}
		for i, m := range bi.BlockMetas {
			if i < 10 {
				v.Blocks = append(v.Blocks, blockRow{Height: m.Header.Height, Time: m.Header.Time, Txs: m.NumTxs,
					Hash: m.BlockID.Hash.String(), Proposer: m.Header.ProposerAddress.String()})
			}
		}
		if n := len(bi.BlockMetas); n > 1 {
			first, last := bi.BlockMetas[n-1].Header, bi.BlockMetas[0].Header
			v.BlockTime = (last.Time.Sub(first.Time) / time.Duration(last.Height-first.Height)).Round(time.Millisecond)
		}
	}
	var vals []storage.ValidatorView
	if _, err := s.c.QueryJSON(ctx, "/storage/validators", &vals); err != nil {
		return "", "", nil, err
	}
	for _, val := range vals {
		row := validatorRow{ValidatorView: val}
		if val.Masternode != "" {
			row.Trust, row.TrustKnown = s.trustScore(ctx, val.Masternode)
		}
		v.Validators = append(v.Validators, row)
	}
	var supply map[string]any
	if _, err := s.c.QueryJSON(ctx, "/bank/supply", &supply); err == nil {
		v.Supply = pslAny(supply["supply"])
	}
	if mns, err := s.masternodes(ctx); err == nil {
		v.Masternodes = len(mns)
	}
	v.Latest, v.HaveSample = s.hist.latest()
	return "chain", "Chain " + v.ChainID, v, nil
}

func pslAny(v any) string {
	switch x := v.(type) {
	case string:
		if n, err := strconv.ParseUint(x, 10, 64); err == nil {
			return genesis.FormatAmount(n)
		}
		return x
	case float64:
		return genesis.FormatAmount(uint64(x))
	}
	return fmt.Sprint(v)
}

// trustScore is an address's last epoch DATT score ("" if unknown).
func (s *Server) trustScore(ctx context.Context, addr string) (string, bool) {
	a, err := secp256k1.ParseAddress(addr)
	if err != nil {
		return "", false
	}
	r, err := s.c.Query(ctx, "/trust/score/"+addr, 0, false)
	if err != nil || len(r.Value) == 0 {
		return "", false
	}
	var rec trustpb.NodeScore
	if proto.Unmarshal(r.Value, &rec) != nil {
		return "", false
	}
	sv := trust.NewScoreView(a, &rec, true)
	return sv.DATT.String(), true
}

// ---- blocks and transactions -----------------------------------------------

type blockView struct {
	Height   int64
	Hash     string
	Time     time.Time
	Proposer string
	AppHash  string
	LastHash string
	Txs      []txView
	Events   []eventView
}

type txView struct {
	Hash     string
	Height   int64
	Signer   string
	Fee      string
	Nonce    uint64
	Memo     string
	Msgs     []msgView
	Code     uint32
	Log      string
	GasUsed  int64
	Events   []eventView
	DecodeOK bool
	Raw      int
}

type msgView struct {
	Type string
	Body string // indented JSON of the decoded message
}

type eventView struct {
	Type  string
	Attrs [][2]string
}

func events(evs []abci.Event) []eventView {
	out := []eventView{}
	for _, e := range evs {
		ev := eventView{Type: e.Type}
		for _, a := range e.Attributes {
			ev.Attrs = append(ev.Attrs, [2]string{a.Key, a.Value})
		}
		out = append(out, ev)
	}
	return out
}

// decodeTx reads a transaction's envelope and messages; anything that does
// not decode is reported on the page, not fatal.
func (s *Server) decodeTx(raw []byte) txView {
	v := txView{Hash: fmt.Sprintf("%X", cmttypes.Tx(raw).Hash()), Raw: len(raw)}
	var tx txpb.Tx
	var body txpb.TxBody
	if proto.Unmarshal(raw, &tx) != nil || proto.Unmarshal(tx.Body, &body) != nil {
		return v
	}
	v.DecodeOK = true
	if pk, err := secp256k1.PubKeyFromBytes(tx.PubKey); err == nil {
		v.Signer = pk.Address().String()
	}
	v.Fee, v.Nonce, v.Memo = genesis.FormatAmount(body.Fee), body.Nonce, body.Memo
	for _, m := range body.Messages {
		mv := msgView{Type: m.Type}
		if newMsg, ok := s.msgs[m.Type]; ok {
			pm := newMsg()
			if proto.Unmarshal(m.Value, pm) == nil {
				b, _ := json.MarshalIndent(client.ProtoView(pm), "", "  ")
				mv.Body = string(b)
			} else {
				mv.Body = "(does not decode as " + m.Type + ")"
			}
		} else {
			mv.Body = "(unknown message type)"
		}
		v.Msgs = append(v.Msgs, mv)
	}
	return v
}

func (s *Server) blockPage(r *http.Request) (string, string, any, error) {
	ctx := r.Context()
	h, err := strconv.ParseInt(r.PathValue("height"), 10, 64)
	if err != nil || h < 1 {
		return "", "", nil, badRequest("%q is not a block height (a positive number).", r.PathValue("height"))
	}
	st, err := s.c.Status(ctx)
	if err != nil {
		return "", "", nil, err
	}
	if h > st.SyncInfo.LatestBlockHeight {
		return "", "", nil, notFound("Block %d is not there yet: the chain is at height %d.", h, st.SyncInfo.LatestBlockHeight)
	}
	if h < st.SyncInfo.EarliestBlockHeight {
		return "", "", nil, notFound("Block %d was pruned by this node (it keeps blocks from %d on).", h, st.SyncInfo.EarliestBlockHeight)
	}
	b, err := s.c.RPC.Block(ctx, &h)
	if err != nil {
		return "", "", nil, err
	}
	v := blockView{Height: h, Hash: b.BlockID.Hash.String(), Time: b.Block.Time, Proposer: b.Block.ProposerAddress.String(),
		AppHash: b.Block.AppHash.String(), LastHash: b.Block.LastBlockID.Hash.String()}
	res, err := s.c.RPC.BlockResults(ctx, &h)
	if err != nil {
		return "", "", nil, err
	}
	for i, raw := range b.Block.Txs {
		tv := s.decodeTx(raw)
		tv.Height = h
		if i < len(res.TxsResults) {
			tr := res.TxsResults[i]
			tv.Code, tv.Log, tv.GasUsed, tv.Events = tr.Code, tr.Log, tr.GasUsed, events(tr.Events)
		}
		v.Txs = append(v.Txs, tv)
	}
	v.Events = events(res.FinalizeBlockEvents)
	return "block", fmt.Sprintf("Block %d", h), v, nil
}

func (s *Server) txPage(r *http.Request) (string, string, any, error) {
	ctx := r.Context()
	h, ok := parseHash(r.PathValue("hash"))
	if !ok {
		return "", "", nil, badRequest("%q is not a transaction hash (64 hex digits).", r.PathValue("hash"))
	}
	res, err := s.c.RPC.Tx(ctx, h, false)
	if err != nil {
		if strings.Contains(err.Error(), "not found") {
			return "", "", nil, notFound("No transaction %X on this chain (not included yet, or the node does not index transactions).", h)
		}
		return "", "", nil, err
	}
	v := s.decodeTx(res.Tx)
	v.Height, v.Code, v.Log, v.GasUsed, v.Events = res.Height, res.TxResult.Code, res.TxResult.Log, res.TxResult.GasUsed, events(res.TxResult.Events)
	return "tx", "Transaction " + v.Hash[:12], v, nil
}

// ---- arts ------------------------------------------------------------------

type artView struct {
	Art        *storagepb.Art
	ID         string
	Verified   verified
	Editions   []editionRow
	Health     storage.Health
	Chunks     []storagepb.ChunkView
	Challenges []*storagepb.Challenge
	Plot       template.HTML
	Tracked    bool
}

type editionRow struct {
	Edition uint32           `json:"edition"`
	Owner   string           `json:"owner"`
	Offer   *storagepb.Offer `json:"offer,omitempty"`
}

func (s *Server) artPage(r *http.Request) (string, string, any, error) {
	ctx := r.Context()
	id, ok := parseHash(r.PathValue("id"))
	if !ok {
		return "", "", nil, badRequest("%q is not an art id (64 hex digits).", r.PathValue("id"))
	}
	hid := hex.EncodeToString(id)
	q, ver, err := s.proven(ctx, "/storage/art/"+hid)
	if err != nil {
		return "", "", nil, queryErr(err, "no art "+hid)
	}
	if len(q.Value) == 0 {
		return "", "", nil, notFound("No art %s on this chain.", hid)
	}
	a := &storagepb.Art{}
	if err := proto.Unmarshal(q.Value, a); err != nil {
		return "", "", nil, fmt.Errorf("art %s: the node's answer does not decode: %w", hid, err)
	}
	v := artView{Art: a, ID: hid, Verified: ver}
	if _, err := s.c.QueryJSON(ctx, "/storage/editions/"+hid, &v.Editions); err != nil {
		return "", "", nil, err
	}
	if _, err := s.c.QueryJSON(ctx, "/storage/health/"+hid, &v.Health); err != nil {
		return "", "", nil, err
	}
	if _, err := s.c.QueryJSON(ctx, "/storage/chunks/"+hid, &v.Chunks); err != nil {
		return "", "", nil, err
	}
	if _, err := s.c.QueryJSON(ctx, "/storage/history/art/"+hid, &v.Challenges); err != nil {
		return "", "", nil, err
	}
	s.hist.track(hid)
	xs, ys := s.hist.artSeries(hid)
	if len(xs) == 0 {
		// The first view starts the series with what was just read.
		s.hist.addArt(hid, q.Height, float64(v.Health.RedundancyMilli)/1000)
		xs, ys = s.hist.artSeries(hid)
	}
	v.Plot = Plot("art-redundancy", "Redundancy (live chunk bytes ÷ archive bytes) since first viewed", "×",
		[]Series{{Name: "redundancy", X: xs, Y: ys}})
	title := a.Title
	if title == "" {
		title = "Art " + hid[:12]
	}
	return "art", title, v, nil
}

type artsView struct {
	Arts []artRow
	Next string
	From string
}

type artRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Artist      string `json:"artist"`
	Status      string `json:"status"`
	Editions    uint32 `json:"editions"`
	ArchiveSize uint64 `json:"archive_size"`
	Registered  int64  `json:"registered_height"`
	Encrypted   bool   `json:"encrypted"`
}

const artsPerPage = 50

func (s *Server) artsPage(r *http.Request) (string, string, any, error) {
	after := r.URL.Query().Get("after")
	path := "/storage/arts/-/" + strconv.Itoa(artsPerPage+1)
	if after != "" {
		id, ok := parseHash(after)
		if !ok {
			return "", "", nil, badRequest("%q is not an art id (64 hex digits).", after)
		}
		path = "/storage/arts/" + hex.EncodeToString(id) + "/" + strconv.Itoa(artsPerPage+1)
	}
	v := artsView{From: after}
	if _, err := s.c.QueryJSON(r.Context(), path, &v.Arts); err != nil {
		return "", "", nil, queryErr(err, "arts")
	}
	if len(v.Arts) > artsPerPage {
		v.Arts = v.Arts[:artsPerPage]
		v.Next = v.Arts[artsPerPage-1].ID
	}
	return "arts", "Arts", v, nil
}

// ---- masternodes and accounts ------------------------------------------------

type mnView struct {
	MN         *storagepb.Masternode
	Verified   verified
	Earnings   rewards.EarningsView
	HaveEarn   bool
	Why        *trust.WhyView
	WhyErr     string
	Challenges []*storagepb.Challenge
	Passed     int
	Failed     int
	Healing    []storagepb.HealView
	Validator  *storage.ValidatorView
	Plot       template.HTML
}

func (s *Server) mnPage(r *http.Request) (string, string, any, error) {
	ctx := r.Context()
	raw := r.PathValue("addr")
	a, err := secp256k1.ParseAddress(raw)
	if err != nil {
		return "", "", nil, badRequest("%q is not an address: %v", raw, err)
	}
	q, ver, err := s.proven(ctx, "/storage/mn/"+a.String())
	if err != nil {
		return "", "", nil, queryErr(err, "no masternode "+a.String())
	}
	if len(q.Value) == 0 {
		return "", "", nil, notFound("%s is not a masternode (see its account page: /account/%s).", a, a)
	}
	m := &storagepb.Masternode{}
	if err := proto.Unmarshal(q.Value, m); err != nil {
		return "", "", nil, fmt.Errorf("masternode %s: the node's answer does not decode: %w", a, err)
	}
	v := mnView{MN: m, Verified: ver}
	if _, err := s.c.QueryJSON(ctx, "/rewards/payouts/"+a.String(), &v.Earnings); err == nil {
		v.HaveEarn = true
	}
	var why trust.WhyView
	if _, err := s.c.QueryJSON(ctx, "/trust/why/"+a.String(), &why); err == nil {
		v.Why = &why
	} else {
		v.WhyErr = err.Error()
	}
	if _, err := s.c.QueryJSON(ctx, "/storage/history/mn/"+a.String(), &v.Challenges); err != nil {
		return "", "", nil, err
	}
	if _, err := s.c.QueryJSON(ctx, "/storage/healing/"+a.String(), &v.Healing); err != nil {
		return "", "", nil, err
	}
	var vals []storage.ValidatorView
	if _, err := s.c.QueryJSON(ctx, "/storage/validators", &vals); err == nil {
		for i := range vals {
			if vals[i].Masternode == a.String() {
				v.Validator = &vals[i]
			}
		}
	}
	// Challenges passed and failed over the recent history, by the height
	// they closed (open ones are not counted yet).
	closed := []*storagepb.Challenge{}
	for _, c := range v.Challenges {
		if c.Status == storagepb.ChallengeStatus_CH_PASSED || c.Status == storagepb.ChallengeStatus_CH_FAILED {
			closed = append(closed, c)
		}
	}
	sort.Slice(closed, func(i, j int) bool { return closed[i].ClosedHeight < closed[j].ClosedHeight })
	var pass, fail Series
	pass.Name, fail.Name, pass.Class, fail.Class = "passed", "failed", "c1", "c2"
	for _, c := range closed {
		if c.Status == storagepb.ChallengeStatus_CH_PASSED {
			v.Passed++
		} else {
			v.Failed++
		}
		pass.X, pass.Y = append(pass.X, c.ClosedHeight), append(pass.Y, float64(v.Passed))
		fail.X, fail.Y = append(fail.X, c.ClosedHeight), append(fail.Y, float64(v.Failed))
	}
	v.Plot = Plot("mn-challenges", "Recent challenges, cumulative, by closing height", "", []Series{pass, fail})
	return "mn", "Masternode " + a.String()[:14], v, nil
}

type accountView struct {
	Address    string
	Balance    string
	Nonce      uint64
	Verified   verified
	Owned      []ownedRow
	Masternode bool
}

type ownedRow struct {
	ArtID   string `json:"art_id"`
	Edition uint32 `json:"edition"`
}

func (s *Server) accountPage(r *http.Request) (string, string, any, error) {
	ctx := r.Context()
	raw := r.PathValue("addr")
	a, err := secp256k1.ParseAddress(raw)
	if err != nil {
		return "", "", nil, badRequest("%q is not an address: %v", raw, err)
	}
	v := accountView{Address: a.String()}
	acc, h, err := s.c.Account(ctx, a, true)
	if err != nil {
		acc, h, err = s.c.Account(ctx, a, false)
		if err != nil {
			return "", "", nil, err
		}
		v.Verified = verified{Height: h, Err: "the proof did not check"}
	} else {
		v.Verified = verified{OK: true, Height: h, How: s.c.VerifiedBy()}
	}
	v.Balance, v.Nonce = genesis.FormatAmount(acc.Balance), acc.Nonce
	if _, err := s.c.QueryJSON(ctx, "/storage/owned/"+a.String(), &v.Owned); err != nil {
		return "", "", nil, err
	}
	if r, err := s.c.Query(ctx, "/storage/mn/"+a.String(), 0, false); err == nil && len(r.Value) > 0 {
		v.Masternode = true
	}
	return "account", "Account " + a.String()[:14], v, nil
}

// ---- storage health ----------------------------------------------------------

type healthView struct {
	Latest      Sample
	HaveSample  bool
	Samples     int
	Since       int64
	Events      []Event
	BelowTarget []storage.BelowTargetView
	HealQueue   []storage.HealQueueView
	Jailed      []*storagepb.Masternode
	Redundancy  template.HTML
	Chunks      template.HTML
	Nodes       template.HTML
	Stats       storage.Stats
	MinRed      float64
	MinRedAt    int64
}

func (s *Server) healthPage(r *http.Request) (string, string, any, error) {
	ctx := r.Context()
	v := healthView{}
	if _, err := s.c.QueryJSON(ctx, "/storage/stats", &v.Stats); err != nil {
		return "", "", nil, err
	}
	if _, err := s.c.QueryJSON(ctx, "/storage/below-target", &v.BelowTarget); err != nil {
		return "", "", nil, err
	}
	if _, err := s.c.QueryJSON(ctx, "/storage/heal-queue", &v.HealQueue); err != nil {
		return "", "", nil, err
	}
	mns, err := s.masternodes(ctx)
	if err != nil {
		return "", "", nil, err
	}
	for _, m := range mns {
		if m.Status == storagepb.MasternodeStatus_MN_JAILED {
			v.Jailed = append(v.Jailed, m)
		}
	}
	samples, evs := s.hist.snapshot()
	v.Events, v.Samples = evs, len(samples)
	v.Latest, v.HaveSample = s.hist.latest()
	var red, under, heal, active, jailed Series
	red.Name, under.Name, heal.Name, active.Name, jailed.Name = "lowest redundancy", "chunks below target", "chunks to heal", "active", "jailed"
	heal.Class, jailed.Class = "c2", "c2"
	v.MinRed = -1
	for _, smp := range samples {
		if v.Since == 0 {
			v.Since = smp.Height
		}
		if smp.LowestRedundancy >= 0 {
			red.X, red.Y = append(red.X, smp.Height), append(red.Y, smp.LowestRedundancy)
			if v.MinRed < 0 || smp.LowestRedundancy < v.MinRed {
				v.MinRed, v.MinRedAt = smp.LowestRedundancy, smp.Height
			}
		}
		under.X, under.Y = append(under.X, smp.Height), append(under.Y, float64(smp.UnderReplicated))
		heal.X, heal.Y = append(heal.X, smp.Height), append(heal.Y, float64(smp.HealQueue))
		active.X, active.Y = append(active.X, smp.Height), append(active.Y, float64(smp.Active))
		jailed.X, jailed.Y = append(jailed.X, smp.Height), append(jailed.Y, float64(smp.Jailed))
	}
	v.Redundancy = Plot("plot-redundancy", "Lowest art redundancy", "×", []Series{red})
	v.Chunks = Plot("plot-chunks", "Chunks below target and waiting to heal", "", []Series{under, heal})
	v.Nodes = Plot("plot-nodes", "Masternodes", "", []Series{active, jailed})
	return "health", "Storage health", v, nil
}

// ---- search ----------------------------------------------------------------

// maxQuery bounds a search string.
const maxQuery = 200

// search sends a query to the page it names: a height, an address (its
// masternode page if it is one), an art id, a transaction hash or a block
// hash, in that order.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	to, err := s.resolve(ctx, q)
	if err != nil {
		var pe *pageError
		code, title, msg := http.StatusBadGateway, "The node did not answer", err.Error()
		if asPageError(err, &pe) {
			code, title, msg = pe.code, pe.title, pe.msg
		}
		s.render(w, code, "error", view{Title: title, Page: "error", Height: s.height(), Data: errorView{Code: code, Message: msg, Query: q}})
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// resolve is the page a search string leads to.
func (s *Server) resolve(ctx context.Context, q string) (string, error) {
	switch {
	case q == "":
		return "/", nil
	case len(q) > maxQuery:
		return "", badRequest("A search is at most %d characters.", maxQuery)
	}
	if h, err := strconv.ParseInt(q, 10, 64); err == nil && h > 0 {
		return "/block/" + strconv.FormatInt(h, 10), nil
	}
	if a, err := secp256k1.ParseAddress(strings.ToLower(q)); err == nil {
		r, err := s.c.Query(ctx, "/storage/mn/"+a.String(), 0, false)
		if err != nil {
			return "", err
		}
		if len(r.Value) > 0 {
			return "/mn/" + a.String(), nil
		}
		return "/account/" + a.String(), nil
	}
	if id, ok := parseHash(q); ok {
		hid := hex.EncodeToString(id)
		r, err := s.c.Query(ctx, "/storage/art/"+hid, 0, false)
		if err != nil {
			return "", err
		}
		if len(r.Value) > 0 {
			return "/art/" + hid, nil
		}
		if _, err := s.c.RPC.Tx(ctx, id, false); err == nil {
			return "/tx/" + strings.ToUpper(hid), nil
		}
		if b, err := s.c.RPC.BlockByHash(ctx, id); err == nil && b.Block != nil {
			return "/block/" + strconv.FormatInt(b.Block.Height, 10), nil
		}
		return "", notFound("Nothing on this chain has the id %s: no art, transaction or block.", hid)
	}
	return "", badRequest("The explorer searches for a block height, an address (pastel1…), or the 64 hex digits of an art id, a transaction hash or a block hash. It did not understand the search below.")
}
