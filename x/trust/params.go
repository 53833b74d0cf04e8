package trust

import (
	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// Params are the trust module's parameters. They are fixed in genesis; the
// defaults are DefaultParams. Scores and steps are decimals in JSON.
type Params struct {
	// EpochBlocks: scores are recomputed at the start of every block whose
	// height is a multiple of it, from the state at the end of the block
	// before.
	EpochBlocks int64 `json:"epoch_blocks"`
	// MaxEdgesPerAccount bounds the manual edges (MsgSetTrust) one account
	// may hold.
	MaxEdgesPerAccount uint32 `json:"max_edges_per_account"`
	// MaxAutoEdgesPerAccount bounds the automatic edges (RecordOutcome) one
	// account may hold; 0 turns automatic edges off.
	MaxAutoEdgesPerAccount uint32 `json:"max_auto_edges_per_account"`
	// MaxSeeds bounds the seed list.
	MaxSeeds uint32 `json:"max_seeds"`
	// MaxEpochIdentities and MaxEpochEdges bound one epoch's work: the walk
	// from the seeds stops before it would exceed either (see gather).
	MaxEpochIdentities uint32 `json:"max_epoch_identities"`
	MaxEpochEdges      uint32 `json:"max_epoch_edges"`
	// MaxQueryIdentities and MaxQueryEdges bound an on-demand DATT from an
	// arbitrary viewpoint (a query, not consensus).
	MaxQueryIdentities uint32 `json:"max_query_identities"`
	MaxQueryEdges      uint32 `json:"max_query_edges"`
	// DATT: deepest rank, per-rank decay, smallest score that propagates.
	DATTMaxRank      uint32 `json:"datt_max_rank"`
	DATTDecay        Dec    `json:"datt_decay"`
	DATTMinPropagate Dec    `json:"datt_min_propagate"`
	// EigenTrust: teleport weight a, stopping threshold, iteration cap.
	EigenAlpha         Dec    `json:"eigen_alpha"`
	EigenEpsilon       Dec    `json:"eigen_epsilon"`
	EigenMaxIterations uint32 `json:"eigen_max_iterations"`
	// DATTWeight is W in combined = W·DATT + (1−W)·EigenNorm.
	DATTWeight Dec `json:"datt_weight"`
	// AutoGoodStep and AutoBadStep are the fractions of the way an automatic
	// edge moves towards +1 on a good outcome and towards −1 on a bad one.
	AutoGoodStep Dec `json:"auto_good_step"`
	AutoBadStep  Dec `json:"auto_bad_step"`
	// Power shapes VotingPower for the validator set.
	Power PowerParams `json:"power"`
}

// Hard limits on the parameters, so no genesis can ask for unbounded work.
const (
	maxEdgesLimit      = 1_000 // per kind: an account's out-edges are one value of at most 2,000 entries
	maxSeedsLimit      = 1_000
	maxIdentitiesLimit = 10_000_000
	maxEpochEdgesLimit = 100_000_000
	maxRankLimit       = 1_000
	maxIterationsLimit = 10_000
)

// DefaultParams: an epoch every 100 blocks; 64 manual and 64 automatic edges
// per account; 64 seeds; at most 25,000 identities and 500,000 edges per
// epoch (about 0.4 s of CPU on the 2-core machine, see BenchmarkChainEpoch;
// 10^5 identities take about 1.5 s)
// and 10,000 identities / 200,000 edges per viewpoint query; the score
// package's defaults for DATT and EigenTrust (rank 8, no decay, propagate
// from 0.001; a = 0.2, epsilon 10^-6, 100 iterations) and W = 0.5; automatic
// edges move 5% towards +1 per good outcome and 20% towards −1 per bad one.
func DefaultParams() Params {
	d := score.DefaultParams()
	return Params{
		EpochBlocks:            100,
		MaxEdgesPerAccount:     64,
		MaxAutoEdgesPerAccount: 64,
		MaxSeeds:               64,
		MaxEpochIdentities:     25_000,
		MaxEpochEdges:          500_000,
		MaxQueryIdentities:     10_000,
		MaxQueryEdges:          200_000,
		DATTMaxRank:            uint32(d.DATT.MaxRank),
		DATTDecay:              Dec(d.DATT.Decay),
		DATTMinPropagate:       Dec(d.DATT.MinPropagate),
		EigenAlpha:             Dec(d.Eigen.Alpha),
		EigenEpsilon:           Dec(d.Eigen.Epsilon),
		EigenMaxIterations:     uint32(d.Eigen.MaxIterations),
		DATTWeight:             Dec(d.DATTWeight),
		AutoGoodStep:           Dec(score.One / 20),
		AutoBadStep:            Dec(score.One / 5),
		Power:                  DefaultPowerParams(),
	}
}

// Validate checks every parameter and names the bad one.
func (p Params) Validate() error {
	switch {
	case p.EpochBlocks < 1:
		return ErrBadParams.Wrapf("epoch_blocks %d must be at least 1", p.EpochBlocks)
	case p.MaxEdgesPerAccount < 1 || p.MaxEdgesPerAccount > maxEdgesLimit:
		return ErrBadParams.Wrapf("max_edges_per_account %d outside [1, %d]", p.MaxEdgesPerAccount, maxEdgesLimit)
	case p.MaxAutoEdgesPerAccount > maxEdgesLimit:
		return ErrBadParams.Wrapf("max_auto_edges_per_account %d above %d", p.MaxAutoEdgesPerAccount, maxEdgesLimit)
	case p.MaxSeeds < 1 || p.MaxSeeds > maxSeedsLimit:
		return ErrBadParams.Wrapf("max_seeds %d outside [1, %d]", p.MaxSeeds, maxSeedsLimit)
	case p.MaxEpochIdentities < p.MaxSeeds || p.MaxEpochIdentities > maxIdentitiesLimit:
		return ErrBadParams.Wrapf("max_epoch_identities %d outside [max_seeds = %d, %d]", p.MaxEpochIdentities, p.MaxSeeds, maxIdentitiesLimit)
	case p.MaxEpochEdges < 1 || p.MaxEpochEdges > maxEpochEdgesLimit:
		return ErrBadParams.Wrapf("max_epoch_edges %d outside [1, %d]", p.MaxEpochEdges, maxEpochEdgesLimit)
	case p.MaxQueryIdentities < 1 || p.MaxQueryIdentities > maxIdentitiesLimit:
		return ErrBadParams.Wrapf("max_query_identities %d outside [1, %d]", p.MaxQueryIdentities, maxIdentitiesLimit)
	case p.MaxQueryEdges < 1 || p.MaxQueryEdges > maxEpochEdgesLimit:
		return ErrBadParams.Wrapf("max_query_edges %d outside [1, %d]", p.MaxQueryEdges, maxEpochEdgesLimit)
	case p.DATTMaxRank > maxRankLimit:
		return ErrBadParams.Wrapf("datt_max_rank %d above %d", p.DATTMaxRank, maxRankLimit)
	case p.EigenMaxIterations > maxIterationsLimit:
		return ErrBadParams.Wrapf("eigen_max_iterations %d above %d", p.EigenMaxIterations, maxIterationsLimit)
	case p.AutoGoodStep < 0 || score.Score(p.AutoGoodStep) > score.One:
		return ErrBadParams.Wrapf("auto_good_step %v outside [0, 1]", p.AutoGoodStep)
	case p.AutoBadStep < 0 || score.Score(p.AutoBadStep) > score.One:
		return ErrBadParams.Wrapf("auto_bad_step %v outside [0, 1]", p.AutoBadStep)
	}
	if err := p.ScoreParams().Validate(); err != nil {
		return ErrBadParams.Wrapf("%v", err)
	}
	return p.Power.Validate()
}

// ScoreParams are the parameters of the epoch computation. DATT's MaxNodes
// is MaxEpochIdentities: the gathered graph never has more.
func (p Params) ScoreParams() score.Params {
	return score.Params{
		DATT: score.DATTParams{
			MaxRank:      int(p.DATTMaxRank),
			MaxNodes:     int(p.MaxEpochIdentities),
			Decay:        score.Score(p.DATTDecay),
			MinPropagate: score.Score(p.DATTMinPropagate),
		},
		Eigen: score.EigenParams{
			Alpha:         score.Score(p.EigenAlpha),
			Epsilon:       score.Score(p.EigenEpsilon),
			MaxIterations: int(p.EigenMaxIterations),
		},
		DATTWeight: score.Score(p.DATTWeight),
	}
}

func (p Params) toProto() *trustpb.Params {
	return &trustpb.Params{
		EpochBlocks:            p.EpochBlocks,
		MaxEdgesPerAccount:     p.MaxEdgesPerAccount,
		MaxAutoEdgesPerAccount: p.MaxAutoEdgesPerAccount,
		MaxSeeds:               p.MaxSeeds,
		MaxEpochIdentities:     p.MaxEpochIdentities,
		MaxEpochEdges:          p.MaxEpochEdges,
		MaxQueryIdentities:     p.MaxQueryIdentities,
		MaxQueryEdges:          p.MaxQueryEdges,
		DattMaxRank:            p.DATTMaxRank,
		DattDecay:              int64(p.DATTDecay),
		DattMinPropagate:       int64(p.DATTMinPropagate),
		EigenAlpha:             int64(p.EigenAlpha),
		EigenEpsilon:           int64(p.EigenEpsilon),
		EigenMaxIterations:     p.EigenMaxIterations,
		DattWeight:             int64(p.DATTWeight),
		AutoGoodStep:           int64(p.AutoGoodStep),
		AutoBadStep:            int64(p.AutoBadStep),
		Power: &trustpb.PowerParams{
			PowerUnit:       p.Power.PowerUnit,
			MinCollateral:   p.Power.MinCollateral,
			MinTrustFactor:  int64(p.Power.MinTrustFactor),
			PenalizedFactor: int64(p.Power.PenalizedFactor),
			MaxPower:        p.Power.MaxPower,
			MaxShare:        int64(p.Power.MaxShare),
		},
	}
}

func paramsFromProto(pb *trustpb.Params) Params {
	pw := pb.GetPower()
	return Params{
		EpochBlocks:            pb.EpochBlocks,
		MaxEdgesPerAccount:     pb.MaxEdgesPerAccount,
		MaxAutoEdgesPerAccount: pb.MaxAutoEdgesPerAccount,
		MaxSeeds:               pb.MaxSeeds,
		MaxEpochIdentities:     pb.MaxEpochIdentities,
		MaxEpochEdges:          pb.MaxEpochEdges,
		MaxQueryIdentities:     pb.MaxQueryIdentities,
		MaxQueryEdges:          pb.MaxQueryEdges,
		DATTMaxRank:            pb.DattMaxRank,
		DATTDecay:              Dec(pb.DattDecay),
		DATTMinPropagate:       Dec(pb.DattMinPropagate),
		EigenAlpha:             Dec(pb.EigenAlpha),
		EigenEpsilon:           Dec(pb.EigenEpsilon),
		EigenMaxIterations:     pb.EigenMaxIterations,
		DATTWeight:             Dec(pb.DattWeight),
		AutoGoodStep:           Dec(pb.AutoGoodStep),
		AutoBadStep:            Dec(pb.AutoBadStep),
		Power: PowerParams{
			PowerUnit:       pw.GetPowerUnit(),
			MinCollateral:   pw.GetMinCollateral(),
			MinTrustFactor:  Dec(pw.GetMinTrustFactor()),
			PenalizedFactor: Dec(pw.GetPenalizedFactor()),
			MaxPower:        pw.GetMaxPower(),
			MaxShare:        Dec(pw.GetMaxShare()),
		},
	}
}
