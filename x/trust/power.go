package trust

import (
	"cmp"
	"fmt"
	"math/big"
	"math/bits"
	"slices"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/trust/score"
)

// Standing is a masternode's standing as the storage module sees it.
type Standing int

const (
	// InGoodStanding: no recent failures.
	InGoodStanding Standing = iota
	// Penalized: rewards are being withheld after a failed or missed
	// challenge; the node keeps PenalizedFactor of its power.
	Penalized
	// Jailed: out of placement and out of the validator set; power 0.
	Jailed
)

func (s Standing) String() string {
	switch s {
	case InGoodStanding:
		return "good"
	case Penalized:
		return "penalized"
	case Jailed:
		return "jailed"
	}
	return fmt.Sprintf("Standing(%d)", int(s))
}

// PowerParams shape VotingPower and CapShares.
type PowerParams struct {
	// PowerUnit is the collateral, in npsl, worth one unit of voting power
	// before adjustments (default 1 PSL).
	PowerUnit uint64 `json:"power_unit,string"`
	// MinCollateral: below it the power is 0 (default 0: no minimum).
	MinCollateral uint64 `json:"min_collateral,string"`
	// MinTrustFactor in [0, 1] is the share of its power an identity with
	// combined trust 0 (or no score) keeps; full trust (1) keeps all of it.
	MinTrustFactor Dec `json:"min_trust_factor"`
	// PenalizedFactor in [0, 1] multiplies the power of a penalized node.
	PenalizedFactor Dec `json:"penalized_factor"`
	// MaxPower caps one node's power (default 10^7, i.e. 10 million PSL of
	// fully trusted collateral).
	MaxPower int64 `json:"max_power,string"`
	// MaxShare in (0, 1] caps one node's share of the total power in
	// CapShares (default 3/10). It must stay below 1/3 for one node not to
	// stall consensus: CometBFT commits with more than 2/3 of the power, so
	// a node holding exactly 1/3 that goes silent halts the chain.
	MaxShare Dec `json:"max_share"`
}

// maxPowerLimit keeps the sum of many capped powers far below CometBFT's
// MaxTotalVotingPower (2^63/8).
const maxPowerLimit = int64(1) << 50

// DefaultPowerParams: 1 PSL per unit, no minimum, half power at zero trust,
// half power while penalized, at most 10^7 per node and 3/10 of the total.
func DefaultPowerParams() PowerParams {
	return PowerParams{
		PowerUnit:       1_000_000_000,
		MinTrustFactor:  Dec(score.One / 2),
		PenalizedFactor: Dec(score.One / 2),
		MaxPower:        10_000_000,
		MaxShare:        Dec(score.One / 10 * 3),
	}
}

// Validate checks every field's range.
func (p PowerParams) Validate() error {
	unit := func(name string, d Dec) error {
		if d < 0 || score.Score(d) > score.One {
			return ErrBadParams.Wrapf("power.%s %v outside [0, 1]", name, d)
		}
		return nil
	}
	switch {
	case p.PowerUnit == 0:
		return ErrBadParams.Wrapf("power.power_unit must be positive")
	case p.MaxPower < 1 || p.MaxPower > maxPowerLimit:
		return ErrBadParams.Wrapf("power.max_power %d outside [1, 2^50]", p.MaxPower)
	case p.MaxShare <= 0 || score.Score(p.MaxShare) > score.One:
		return ErrBadParams.Wrapf("power.max_share %v outside (0, 1]", p.MaxShare)
	}
	if err := unit("min_trust_factor", p.MinTrustFactor); err != nil {
		return err
	}
	return unit("penalized_factor", p.PenalizedFactor)
}

// VotingPower is a masternode's validator power from its collateral, its
// combined trust score and its standing. It is a pure function of its
// arguments:
//
//	power = 0                                  if jailed, combined < 0 or
//	                                           collateral < MinCollateral
//	base  = ⌊collateral / PowerUnit⌋
//	f     = MinTrustFactor + (1 − MinTrustFactor)·clamp(combined, 0, 1)
//	power = min(MaxPower, ⌊⌊base·f⌋·g⌋)        g = 1, or PenalizedFactor
//	                                           when penalized
//
// with every product in parts per 10^9 rounded down. An identity without a
// score passes combined = 0 and keeps MinTrustFactor of its power; a
// distrusted one (negative combined: its first-rank trusters distrust it on
// balance) gets 0, like a jailed one. Raising trust, collateral or standing
// never lowers the power. CapShares then bounds each node's share of the
// set.
func VotingPower(collateral uint64, combined score.Score, standing Standing, p PowerParams) int64 {
	if standing == Jailed || combined < 0 || collateral < p.MinCollateral || p.PowerUnit == 0 {
		return 0
	}
	base := collateral / p.PowerUnit
	t := min(combined, score.One)
	minF := uint64(p.MinTrustFactor)
	f := minF + mulDivU(uint64(score.One)-minF, uint64(t), uint64(score.One))
	pw := mulDivU(base, f, uint64(score.One))
	if standing == Penalized {
		pw = mulDivU(pw, uint64(p.PenalizedFactor), uint64(score.One))
	}
	if pw > uint64(p.MaxPower) {
		return p.MaxPower
	}
	return int64(pw)
}

// mulDivU returns ⌊a·b/c⌋ for b ≤ c, so the quotient never exceeds a.
func mulDivU(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, _ := bits.Div64(hi, lo, c)
	return q
}

// CapShares lowers the largest powers so that none exceeds maxShare of the
// new total, changing as little as possible ("water-filling"): it finds the
// smallest k such that capping the k largest powers at
//
//	c = ⌊maxShare·R / (1 − k·maxShare)⌋,  R = the sum of the others,
//
// leaves the (k+1)-th largest at or below c, and sets the k largest to c.
// A node at c then holds at most maxShare of the total. When no such k
// exists (fewer than 1/maxShare nodes with power), every positive power is
// set to the smallest one: equal shares are the closest to the cap. Zero
// powers stay zero; the input is not modified; ties are broken by position,
// so the result depends only on the input.
func CapShares(powers []int64, maxShare score.Score) []int64 {
	out := slices.Clone(powers)
	if maxShare <= 0 || maxShare >= score.One {
		return out
	}
	var idx []int
	total := new(big.Int)
	for i, p := range out {
		if p > 0 {
			idx = append(idx, i)
			total.Add(total, big.NewInt(p))
		}
	}
	if len(idx) == 0 {
		return out
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(out[b], out[a]) })
	one := big.NewInt(int64(score.One))
	s := big.NewInt(int64(maxShare))
	// Already within the cap?
	lim := new(big.Int).Mul(s, total)
	lim.Quo(lim, one)
	if big.NewInt(out[idx[0]]).Cmp(lim) <= 0 {
		return out
	}
	rest := new(big.Int).Set(total)
	for k := 1; k < len(idx); k++ {
		rest.Sub(rest, big.NewInt(out[idx[k-1]]))
		den := new(big.Int).Sub(one, new(big.Int).Mul(s, big.NewInt(int64(k))))
		if den.Sign() <= 0 {
			break
		}
		c := new(big.Int).Mul(s, rest)
		c.Quo(c, den)
		if c.Cmp(big.NewInt(out[idx[k]])) >= 0 {
			cv := c.Int64() // ≤ out[idx[k-1]]: see the doc comment
			for _, i := range idx[:k] {
				out[i] = min(out[i], cv)
			}
			return out
		}
	}
	low := out[idx[len(idx)-1]]
	for _, i := range idx {
		out[i] = low
	}
	return out
}

// CapPowers is CapShares with the chain's max_share parameter.
func (k Keeper) CapPowers(ctx *types.Context, powers []int64) []int64 {
	return CapShares(powers, score.Score(k.Params(ctx).Power.MaxShare))
}

// IsEpoch reports whether the current block starts a trust epoch: its
// BeginBlock has just replaced the scores, so powers derived from them may
// change.
func (k Keeper) IsEpoch(ctx *types.Context) bool { return IsEpochHeight(ctx.Height, k.Params(ctx)) }
