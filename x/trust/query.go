package trust

import (
	"encoding/hex"
	"errors"
	"strconv"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// Query paths under /trust/. Stored answers map to one key and can be
// proven (see QueryKey); the others are computed and returned as JSON.
//
//	score/ADDR              NodeScore protobuf, empty if unknown (provable)
//	outedges/ADDR           OutEdges protobuf: ADDR's manual and automatic edges (provable)
//	ranking                 TopList protobuf: the top 1000 by combined score (provable)
//	edges/ADDR              JSON EdgesView: the same out-edges, for people
//	top[/N]                 JSON []ScoreView: the N highest combined scores (default 10, at most 1000)
//	why/ADDR[/VIEWPOINT]    JSON WhyView: how DATT from the seeds (or VIEWPOINT) reaches ADDR
//	viewpoint/VIEWER/ADDR   JSON ViewpointView: DATT of ADDR from VIEWER alone, computed now
//	seeds, params, epoch    JSON
const (
	defaultTopN = 10
	maxTopN     = 1000
)

// ScoreView is an identity's stored scores in JSON.
type ScoreView struct {
	Address string `json:"address"`
	// Known is false when the last epoch did not reach the identity; every
	// score is then 0.
	Known     bool `json:"known"`
	DATT      Dec  `json:"datt"`
	Rank      int  `json:"rank"`
	Eigen     Dec  `json:"eigen"`
	EigenNorm Dec  `json:"eigen_norm"`
	Combined  Dec  `json:"combined"`
}

// NewScoreView formats a stored result (r may be nil for an unknown one).
func NewScoreView(a types.Address, r *trustpb.NodeScore, known bool) ScoreView {
	v := ScoreView{Address: a.String(), Known: known, Rank: -1}
	if known && r != nil {
		v.DATT, v.Rank, v.Eigen, v.EigenNorm, v.Combined = Dec(r.Datt), int(r.Rank), Dec(r.Eigen), Dec(r.EigenNorm), Dec(r.Combined)
	}
	return v
}

// EdgeView is one out-edge in JSON.
type EdgeView struct {
	Target string `json:"target"`
	Weight Dec    `json:"weight"`
	// Kind is "manual" or "auto"; an automatic edge hidden by a manual one
	// to the same target is not effective.
	Kind      string `json:"kind"`
	Effective bool   `json:"effective"`
	Height    int64  `json:"height,omitempty"`
	Good      uint64 `json:"good,omitempty"`
	Bad       uint64 `json:"bad,omitempty"`
}

// EdgesView lists an account's out-edges.
type EdgesView struct {
	Address  string     `json:"address"`
	Manual   uint32     `json:"manual"`
	Auto     uint32     `json:"auto"`
	MaxEdges uint32     `json:"max_edges"`
	Edges    []EdgeView `json:"edges"`
}

// WhyView explains a DATT score.
type WhyView struct {
	Address string `json:"address"`
	// From is "seeds" or the viewpoint address.
	From          string             `json:"from"`
	Height        int64              `json:"height"`
	DATT          Dec                `json:"datt"`
	Rank          int                `json:"rank"`
	Contributions []ContributionView `json:"contributions"`
	Path          []PathStepView     `json:"path"`
	// Identities, Edges and truncation describe the graph walked.
	Identities      int    `json:"identities"`
	Edges           int    `json:"edges"`
	GatherTruncated bool   `json:"gather_truncated"`
	DATTTruncation  string `json:"datt_truncation"`
	// For the seeds: the last epoch's stored score and whether this
	// explanation reproduces it exactly (no edge or seed changed since).
	Epoch        uint64     `json:"epoch,omitempty"`
	EpochHeight  int64      `json:"epoch_height,omitempty"`
	MatchesEpoch bool       `json:"matches_epoch"`
	Stored       *ScoreView `json:"stored,omitempty"`
}

// ContributionView is one predecessor's part in a DATT score.
type ContributionView struct {
	From      string `json:"from"`
	FromScore Dec    `json:"from_score"`
	Weight    Dec    `json:"weight"`
	Product   Dec    `json:"product"`
}

// PathStepView is one step of the strongest path, seed first.
type PathStepView struct {
	Address string `json:"address"`
	Score   Dec    `json:"score"`
	Weight  Dec    `json:"weight"`
}

// ViewpointView is a DATT score from one account's point of view.
type ViewpointView struct {
	Viewpoint       string `json:"viewpoint"`
	Address         string `json:"address"`
	Height          int64  `json:"height"`
	Reached         bool   `json:"reached"`
	DATT            Dec    `json:"datt"`
	Rank            int    `json:"rank"`
	Identities      int    `json:"identities"`
	Edges           int    `json:"edges"`
	GatherTruncated bool   `json:"gather_truncated"`
	DATTTruncation  string `json:"datt_truncation"`
}

// SeedsView is the seed list.
type SeedsView struct {
	Version uint64        `json:"version,string"`
	Seeds   []GenesisSeed `json:"seeds"`
}

// EpochView describes the last epoch.
type EpochView struct {
	Epoch           uint64 `json:"epoch"`
	Height          int64  `json:"height"`
	NextHeight      int64  `json:"next_height"`
	Identities      uint32 `json:"identities"`
	Edges           uint32 `json:"edges"`
	GatherTruncated bool   `json:"gather_truncated"`
	DATTTruncation  string `json:"datt_truncation"`
	EigenIterations uint32 `json:"eigen_iterations"`
	EigenConverged  bool   `json:"eigen_converged"`
	EigenDelta      Dec    `json:"eigen_delta"`
	// ResultsHash is the hex SHA3-256 digest of every stored score.
	ResultsHash string `json:"results_hash"`
	Note        string `json:"note,omitempty"`
}

// QueryKey maps the stored queries to the store key that proves them.
func (Module) QueryKey(path []string) []byte {
	switch {
	case len(path) == 2 && path[0] == "score":
		if a, err := secp256k1.ParseAddress(path[1]); err == nil {
			return ScoreKey(a)
		}
	case len(path) == 1 && path[0] == "ranking":
		return TopKey()
	case len(path) == 2 && path[0] == "outedges":
		if a, err := secp256k1.ParseAddress(path[1]); err == nil {
			return EdgesKey(a)
		}
	}
	return nil
}

func parseAddr(what, s string) (types.Address, error) {
	a, err := secp256k1.ParseAddress(s)
	if err != nil {
		return a, types.ErrInvalidAddress.Wrapf("%s %q: %v", what, s, err)
	}
	return a, nil
}

// Query answers the computed queries (the stored ones are served by the app
// through QueryKey; a malformed address there lands here and gets an error).
func (m Module) Query(ctx *types.Context, path []string, _ []byte) ([]byte, error) {
	k := m.Keeper
	switch {
	case len(path) == 2 && path[0] == "score":
		_, err := parseAddr("address", path[1])
		return nil, err
	case len(path) == 2 && path[0] == "outedges":
		_, err := parseAddr("address", path[1])
		return nil, err
	case len(path) == 2 && path[0] == "edges":
		a, err := parseAddr("address", path[1])
		if err != nil {
			return nil, err
		}
		return types.JSON(k.EdgesView(ctx, a))
	case (len(path) == 1 || len(path) == 2) && path[0] == "top":
		n := defaultTopN
		if len(path) == 2 {
			v, err := strconv.Atoi(path[1])
			if err != nil || v < 1 || v > maxTopN {
				return nil, types.ErrInvalidRequest.Wrapf("top %q: want a count from 1 to %d", path[1], maxTopN)
			}
			n = v
		}
		return types.JSON(k.Top(ctx, n))
	case (len(path) == 2 || len(path) == 3) && path[0] == "why":
		a, err := parseAddr("address", path[1])
		if err != nil {
			return nil, err
		}
		var vp *types.Address
		if len(path) == 3 {
			v, err := parseAddr("viewpoint", path[2])
			if err != nil {
				return nil, err
			}
			vp = &v
		}
		w, err := k.Why(ctx, a, vp)
		if err != nil {
			return nil, err
		}
		return types.JSON(w)
	case len(path) == 3 && path[0] == "viewpoint":
		viewer, err := parseAddr("viewpoint", path[1])
		if err != nil {
			return nil, err
		}
		a, err := parseAddr("address", path[2])
		if err != nil {
			return nil, err
		}
		v, err := k.FromViewpoint(ctx, viewer, a)
		if err != nil {
			return nil, err
		}
		return types.JSON(v)
	case len(path) == 1 && path[0] == "seeds":
		v := SeedsView{Version: k.SeedVersion(ctx), Seeds: []GenesisSeed{}}
		for _, s := range k.Seeds(ctx) {
			v.Seeds = append(v.Seeds, GenesisSeed{Address: s.Address.String(), PreTrust: Dec(s.PreTrust), NonVoting: s.NonVoting})
		}
		return types.JSON(v)
	case len(path) == 1 && path[0] == "params":
		return types.JSON(k.Params(ctx))
	case len(path) == 1 && path[0] == "epoch":
		p := k.Params(ctx)
		e, ok := k.Epoch(ctx)
		v := EpochView{Epoch: e.Epoch, Height: e.Height, Identities: e.Identities, Edges: e.Edges, GatherTruncated: e.GatherTruncated,
			DATTTruncation: e.DattTruncation, EigenIterations: e.EigenIterations, EigenConverged: e.EigenConverged, EigenDelta: Dec(e.EigenDelta), ResultsHash: hex.EncodeToString(e.ResultsHash), Note: e.Note}
		if !ok {
			v.Note = "no epoch has run yet"
		}
		v.NextHeight = (ctx.Height/p.EpochBlocks + 1) * p.EpochBlocks
		return types.JSON(v)
	}
	return nil, types.ErrNotFound.Wrapf("no trust query %q (try score/ADDR, edges/ADDR, outedges/ADDR, ranking, top/N, why/ADDR, viewpoint/VIEWER/ADDR, seeds, params, epoch)", path)
}

// EdgesView lists a's out-edges for people.
func (k Keeper) EdgesView(ctx *types.Context, a types.Address) EdgesView {
	return NewEdgesView(a, outEdgesOf(k.kv(ctx), a), k.Params(ctx).MaxEdgesPerAccount)
}

// NewEdgesView formats stored out-edges (o may be empty).
func NewEdgesView(a types.Address, o *trustpb.OutEdges, maxEdges uint32) EdgesView {
	m, au := counts(o)
	v := EdgesView{Address: a.String(), Manual: m, Auto: au, MaxEdges: maxEdges, Edges: []EdgeView{}}
	for _, e := range listOutEdges(o) {
		kind := "manual"
		if e.Auto {
			kind = "auto"
		}
		v.Edges = append(v.Edges, EdgeView{Target: e.To.String(), Weight: Dec(e.Weight), Kind: kind, Effective: e.Effective, Height: e.Height, Good: e.Good, Bad: e.Bad})
	}
	return v
}

// Top returns the n highest combined scores of the last epoch (at most
// maxTopN), highest first, ties by address. It reads the ranking key and n
// results.
func (k Keeper) Top(ctx *types.Context, n int) []ScoreView {
	out := []ScoreView{}
	var top trustpb.TopList
	getProto(k.kv(ctx), keyTop, &top)
	for _, e := range top.Entries {
		if len(out) == n {
			break
		}
		var a types.Address
		copy(a[:], e.Address)
		r, ok := k.Result(ctx, a)
		out = append(out, NewScoreView(a, r, ok))
	}
	return out
}

// Why explains a's DATT score from the seeds (viewpoint nil) or from one
// viewpoint, by recomputing DATT over the state of ctx: within the epoch
// bounds for the seeds, within the query bounds for a viewpoint. For the
// seeds the answer reproduces the last epoch exactly when no edge or seed
// changed since (MatchesEpoch); query at the epoch's height for the
// explanation of an older epoch.
func (k Keeper) Why(ctx *types.Context, a types.Address, viewpoint *types.Address) (*WhyView, error) {
	kv := k.kv(ctx)
	p := k.Params(ctx)
	v := &WhyView{Address: a.String(), Height: ctx.Height, Contributions: []ContributionView{}}
	var seeds []types.Address
	dp := p.ScoreParams().DATT
	maxIDs, maxEdges := int(p.MaxEpochIdentities), int(p.MaxEpochEdges)
	if viewpoint != nil {
		v.From = viewpoint.String()
		seeds = []types.Address{*viewpoint}
		maxIDs, maxEdges = int(p.MaxQueryIdentities), int(p.MaxQueryEdges)
		dp.MaxNodes = maxIDs
	} else {
		v.From = "seeds"
		for _, s := range k.Seeds(ctx) {
			seeds = append(seeds, s.Address)
		}
		if len(seeds) == 0 {
			return nil, ErrNotScored.Wrapf("this chain has no seeds, so nobody has a DATT score")
		}
		if e, ok := k.Epoch(ctx); ok {
			v.Epoch, v.EpochHeight = e.Epoch, e.Height
			v.MatchesEpoch = e.EdgesVersion == getU64(kv, keyEdgeVersion) && e.SeedVersion == k.SeedVersion(ctx)
		}
		r, ok := k.Result(ctx, a)
		sv := NewScoreView(a, r, ok)
		v.Stored = &sv
	}
	in, err := gather(kv, seeds, maxIDs, maxEdges)
	if err != nil {
		return nil, err // cannot happen: stored edges are valid
	}
	v.Identities, v.Edges, v.GatherTruncated = in.Identities, in.Edges, in.Truncated
	ids := make([]string, len(seeds))
	for i, s := range seeds {
		ids[i] = idOf(s)
	}
	g := in.Graph
	d, err := score.DATT(g, ids, dp)
	if err != nil {
		return nil, err
	}
	v.DATTTruncation = d.Truncated.String()
	ex, err := d.Why(idOf(a))
	if errors.Is(err, score.ErrUnknownIdentity) || errors.Is(err, score.ErrNotScored) {
		return nil, ErrNotScored.Wrapf("%s is not reached from %s (walked %d identities, %d edges; %s)", a, v.From, in.Identities, in.Edges, d.Truncated)
	}
	if err != nil {
		return nil, err
	}
	v.DATT, v.Rank = Dec(ex.Score), ex.Rank
	for _, c := range ex.Contributions {
		v.Contributions = append(v.Contributions, ContributionView{From: addrOf(c.From).String(), FromScore: Dec(c.FromScore), Weight: Dec(c.Weight), Product: Dec(c.Product)})
	}
	for _, s := range ex.Path {
		v.Path = append(v.Path, PathStepView{Address: addrOf(s.ID).String(), Score: Dec(s.Score), Weight: Dec(s.Weight)})
	}
	return v, nil
}

// FromViewpoint computes a's DATT score with viewer as the only seed, within
// the query bounds (MaxQueryIdentities, MaxQueryEdges).
func (k Keeper) FromViewpoint(ctx *types.Context, viewer, a types.Address) (*ViewpointView, error) {
	p := k.Params(ctx)
	v := &ViewpointView{Viewpoint: viewer.String(), Address: a.String(), Height: ctx.Height, Rank: -1}
	in, err := gather(k.kv(ctx), []types.Address{viewer}, int(p.MaxQueryIdentities), int(p.MaxQueryEdges))
	if err != nil {
		return nil, err // cannot happen: stored edges are valid
	}
	v.Identities, v.Edges, v.GatherTruncated = in.Identities, in.Edges, in.Truncated
	id := idOf(viewer)
	g := in.Graph
	dp := p.ScoreParams().DATT
	dp.MaxNodes = int(p.MaxQueryIdentities)
	d, err := score.DATT(g, []string{id}, dp)
	if err != nil {
		return nil, err // cannot happen: parameters were checked at genesis
	}
	v.DATTTruncation = d.Truncated.String()
	if s, rank, ok := d.Lookup(idOf(a)); ok {
		v.Reached, v.DATT, v.Rank = true, Dec(s), rank
	}
	return v, nil
}
