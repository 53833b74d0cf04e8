package trust

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// Message type names.
const (
	MsgSetTrustType    = "trust/SetTrust"
	MsgRemoveTrustType = "trust/RemoveTrust"
	MsgUpdateSeedsType = "trust/UpdateSeeds"
)

// Genesis is the trust module's section of the genesis app state. Params
// fields that are left out keep their defaults.
type Genesis struct {
	Params Params        `json:"params"`
	Seeds  []GenesisSeed `json:"seeds"`
	// SeedVersion is the seed-set version the chain starts at (an exported
	// chain keeps counting).
	SeedVersion uint64            `json:"seed_version,string"`
	Edges       []GenesisEdge     `json:"edges,omitempty"`
	AutoEdges   []GenesisAutoEdge `json:"auto_edges,omitempty"`
}

// GenesisSeed is a pre-trusted identity; PreTrust in (0, 1]. A NonVoting
// seed takes no part in seed changes (see seeds.go).
type GenesisSeed struct {
	Address   string `json:"address"`
	PreTrust  Dec    `json:"pre_trust"`
	NonVoting bool   `json:"non_voting,omitempty"`
}

// GenesisEdge is a manual trust edge.
type GenesisEdge struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Weight Dec    `json:"weight"`
}

// GenesisAutoEdge is an automatic trust edge.
type GenesisAutoEdge struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Weight Dec    `json:"weight"`
	Good   uint64 `json:"good,string"`
	Bad    uint64 `json:"bad,string"`
	Height int64  `json:"height,omitempty"`
}

// Module is the trust module as an app module.
type Module struct{ Keeper Keeper }

func (Module) Name() string { return ModuleName }

// DefaultGenesis has the default parameters and no seeds: every score stays
// unknown until a genesis names seeds (pasteld trust genesis-seed).
func (Module) DefaultGenesis() json.RawMessage {
	bz, _ := json.Marshal(Genesis{Params: DefaultParams(), Seeds: []GenesisSeed{}})
	return bz
}

// ParseGenesis decodes a trust genesis section strictly (unknown fields are
// errors) over the defaults and validates it, naming the bad field.
func ParseGenesis(raw json.RawMessage) (*Genesis, error) {
	g := Genesis{Params: DefaultParams()}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("trust: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("trust: trailing data after the genesis section")
	}
	if err := g.Params.Validate(); err != nil {
		return nil, fmt.Errorf("trust.params: %w", err)
	}
	if len(g.Seeds) > int(g.Params.MaxSeeds) {
		return nil, fmt.Errorf("trust.seeds: %d seeds, max_seeds is %d", len(g.Seeds), g.Params.MaxSeeds)
	}
	seen := map[types.Address]bool{}
	for i, s := range g.Seeds {
		a, err := secp256k1.ParseAddress(s.Address)
		if err != nil {
			return nil, fmt.Errorf("trust.seeds[%d].address: %w", i, err)
		}
		if seen[a] {
			return nil, fmt.Errorf("trust.seeds[%d].address: %s listed twice", i, a)
		}
		seen[a] = true
		if s.PreTrust <= 0 || score.Score(s.PreTrust) > score.One {
			return nil, fmt.Errorf("trust.seeds[%d].pre_trust: %v outside (0, 1]", i, s.PreTrust)
		}
	}
	manual := map[types.Address]uint32{}
	pairs := map[[2 * addrLen]byte]bool{}
	edge := func(field string, i int, from, to string, w Dec) (types.Address, error) {
		f, err := secp256k1.ParseAddress(from)
		if err != nil {
			return f, fmt.Errorf("trust.%s[%d].from: %w", field, i, err)
		}
		t, err := secp256k1.ParseAddress(to)
		if err != nil {
			return f, fmt.Errorf("trust.%s[%d].to: %w", field, i, err)
		}
		if f == t {
			return f, fmt.Errorf("trust.%s[%d]: self-edge of %s", field, i, f)
		}
		if w < Dec(-score.One) || score.Score(w) > score.One {
			return f, fmt.Errorf("trust.%s[%d].weight: %v outside [-1, 1]", field, i, w)
		}
		var pk [2 * addrLen]byte
		copy(pk[:], f[:])
		copy(pk[addrLen:], t[:])
		if pairs[pk] {
			return f, fmt.Errorf("trust.%s[%d]: edge %s -> %s listed twice", field, i, f, t)
		}
		pairs[pk] = true
		return f, nil
	}
	for i, e := range g.Edges {
		f, err := edge("edges", i, e.From, e.To, e.Weight)
		if err != nil {
			return nil, err
		}
		if manual[f]++; manual[f] > g.Params.MaxEdgesPerAccount {
			return nil, fmt.Errorf("trust.edges[%d]: %s has more than max_edges_per_account = %d edges", i, f, g.Params.MaxEdgesPerAccount)
		}
	}
	pairs = map[[2 * addrLen]byte]bool{}
	auto := map[types.Address]uint32{}
	for i, e := range g.AutoEdges {
		f, err := edge("auto_edges", i, e.From, e.To, e.Weight)
		if err != nil {
			return nil, err
		}
		if auto[f]++; auto[f] > g.Params.MaxAutoEdgesPerAccount {
			return nil, fmt.Errorf("trust.auto_edges[%d]: %s has more than max_auto_edges_per_account = %d edges", i, f, g.Params.MaxAutoEdgesPerAccount)
		}
	}
	return &g, nil
}

func (Module) ValidateGenesis(raw json.RawMessage) error {
	_, err := ParseGenesis(raw)
	return err
}

func (m Module) InitGenesis(ctx *types.Context, raw json.RawMessage) error {
	g, err := ParseGenesis(raw)
	if err != nil {
		return err
	}
	k := m.Keeper
	kv := k.kv(ctx)
	k.setParams(ctx, g.Params)
	for _, s := range g.Seeds {
		a, _ := secp256k1.ParseAddress(s.Address)
		k.setSeed(ctx, a, score.Score(s.PreTrust), s.NonVoting)
	}
	setU64(kv, keySeedVersion, g.SeedVersion)
	entry := func(f, t types.Address) (*trustpb.OutEdges, *trustpb.OutEdge) {
		o := outEdgesOf(kv, f)
		i, found := find(o, t)
		if !found {
			o.Edges = slices.Insert(o.Edges, i, &trustpb.OutEdge{Target: t[:]})
		}
		return o, o.Edges[i]
	}
	for _, e := range g.Edges {
		f, _ := secp256k1.ParseAddress(e.From)
		t, _ := secp256k1.ParseAddress(e.To)
		o, oe := entry(f, t)
		oe.HasManual, oe.Manual = true, int64(e.Weight)
		setProto(kv, key(prefixOut, f), o)
	}
	for _, e := range g.AutoEdges {
		f, _ := secp256k1.ParseAddress(e.From)
		t, _ := secp256k1.ParseAddress(e.To)
		o, oe := entry(f, t)
		oe.HasAuto, oe.Auto, oe.Good, oe.Bad, oe.AutoHeight = true, int64(e.Weight), e.Good, e.Bad, e.Height
		setProto(kv, key(prefixOut, f), o)
	}
	return nil
}

// ExportGenesis writes parameters, seeds and edges. Scores are not
// exported: the first epoch of the new chain recomputes them.
func (m Module) ExportGenesis(ctx *types.Context) (json.RawMessage, error) {
	k := m.Keeper
	kv := k.kv(ctx)
	g := Genesis{Params: k.Params(ctx), Seeds: []GenesisSeed{}, SeedVersion: k.SeedVersion(ctx)}
	for _, s := range k.Seeds(ctx) {
		g.Seeds = append(g.Seeds, GenesisSeed{Address: s.Address.String(), PreTrust: Dec(s.PreTrust), NonVoting: s.NonVoting})
	}
	forEach(kv, prefixOut, func(f types.Address, v []byte) {
		var o trustpb.OutEdges
		mustUnmarshal(v, &o)
		for _, e := range o.Edges {
			t := types.Address(e.Target)
			if e.HasManual {
				g.Edges = append(g.Edges, GenesisEdge{From: f.String(), To: t.String(), Weight: Dec(e.Manual)})
			}
			if e.HasAuto {
				g.AutoEdges = append(g.AutoEdges, GenesisAutoEdge{From: f.String(), To: t.String(), Weight: Dec(e.Auto), Good: e.Good, Bad: e.Bad, Height: e.AutoHeight})
			}
		}
	})
	return json.Marshal(g)
}

func (m Module) Routes() []types.MsgRoute {
	return []types.MsgRoute{
		types.Route(MsgSetTrustType, func(s *trustpb.MsgSetTrust) error {
			if _, err := secp256k1.ParseAddress(s.Target); err != nil {
				return types.ErrInvalidAddress.Wrapf("target %q: %v", s.Target, err)
			}
			if s.Weight < -int64(score.One) || s.Weight > int64(score.One) {
				return ErrWeightRange.Wrapf("%v (%d parts per 10^9); use a value from -1 to 1", score.Score(s.Weight), s.Weight)
			}
			return nil
		}, func(ctx *types.Context, signer types.Address, s *trustpb.MsgSetTrust) error {
			to, _ := secp256k1.ParseAddress(s.Target)
			prev, existed, err := m.Keeper.SetEdge(ctx, signer, to, score.Score(s.Weight))
			if err != nil {
				return err
			}
			action, was := "create", ""
			if existed {
				action, was = "update", prev.String()
			}
			ctx.EmitEvent("trust_edge", "truster", signer.String(), "target", s.Target, "action", action,
				"weight", score.Score(s.Weight).String(), "previous", was)
			return nil
		}),
		types.Route(MsgRemoveTrustType, func(s *trustpb.MsgRemoveTrust) error {
			if _, err := secp256k1.ParseAddress(s.Target); err != nil {
				return types.ErrInvalidAddress.Wrapf("target %q: %v", s.Target, err)
			}
			return nil
		}, func(ctx *types.Context, signer types.Address, s *trustpb.MsgRemoveTrust) error {
			to, _ := secp256k1.ParseAddress(s.Target)
			prev, err := m.Keeper.RemoveEdge(ctx, signer, to)
			if err != nil {
				return err
			}
			ctx.EmitEvent("trust_edge", "truster", signer.String(), "target", s.Target, "action", "remove", "previous", prev.String())
			return nil
		}),
		types.Route(MsgUpdateSeedsType, validateSeedChange, m.Keeper.UpdateSeeds),
	}
}

// BeginBlock recomputes the scores at every epoch height (see runEpoch);
// in the blocks between, it applies result writes an epoch staged because
// they exceeded the per-block bound (see applyPending).
func (m Module) BeginBlock(ctx *types.Context) error {
	if !IsEpochHeight(ctx.Height, m.Keeper.Params(ctx)) {
		m.Keeper.applyPending(ctx, resultWritesPerBlock)
		return nil
	}
	return m.Keeper.runEpoch(ctx)
}

// EndBlock returns no validator updates: the storage module owns the
// validator set and calls VotingPower (see power.go).
func (Module) EndBlock(*types.Context) ([]abci.ValidatorUpdate, error) { return nil, nil }
