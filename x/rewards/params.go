package rewards

import (
	"time"

	"github.com/pastelchain/pastel/x/rewards/rewardspb"
)

// Coin is one PSL in npsl.
const Coin uint64 = 1_000_000_000

// Fixed-point scales.
const (
	PPM uint64 = 1_000_000     // shares
	PPB uint64 = 1_000_000_000 // trust factors and the endowment release
)

// Params are the rewards module's parameters, fixed in genesis. Amounts are
// npsl, written as JSON strings when they can exceed 2^53.
type Params struct {
	// MaxSupply is the supply emission never exceeds.
	MaxSupply uint64 `json:"max_supply,string"`
	// EpochLength is the epoch size in blocks.
	EpochLength int64 `json:"epoch_length"`
	// EmissionEpochs is how many epochs emit: (max_supply − genesis supply)
	// is minted in that many equal parts, the remainder in the last.
	EmissionEpochs uint64 `json:"emission_epochs"`
	// ValidatorsSharePPM of every settled pool goes to validators by signed
	// blocks; the rest to masternodes by proven bytes × trust.
	ValidatorsSharePPM uint32 `json:"validators_share_ppm"`
	// EndowmentReleasePPB of the storage endowment's balance moves into the
	// pool at every epoch close (geometric release).
	EndowmentReleasePPB uint32 `json:"endowment_release_ppb"`
	// UnknownTrustPPB is the trust factor of a masternode the trust module
	// has no score for (only when trust is wired).
	UnknownTrustPPB uint32 `json:"unknown_trust_ppb"`
	// KeepEpochRecords is how many settled epoch records stay queryable.
	KeepEpochRecords uint64 `json:"keep_epoch_records"`
}

// Hard limits, so no genesis asks for absurd or overflowing schedules.
const (
	maxEpochLength      = 10_000_000
	maxEmissionEpochs   = 1_000_000_000
	maxKeepEpochRecords = 100_000_000
)

// The project's reward schedule: SeedPeriods periods of SeedPeriod, each
// emitting an equal part of the emission.
const (
	SeedPeriods = 1_000
	SeedPeriod  = 30 * 24 * time.Hour
)

// SeedEmissionEpochs is emission_epochs for the project's schedule at a
// block time and epoch length: SeedPeriods × (blocks per SeedPeriod) /
// epochLength, so emission lasts SeedPeriods periods of wall time at that
// block time. Genesis tools call it; no state transition does.
func SeedEmissionEpochs(blockTime time.Duration, epochLength int64) uint64 {
	if blockTime <= 0 || epochLength <= 0 {
		return 0
	}
	blocksPerPeriod := uint64(SeedPeriod / blockTime)
	return SeedPeriods * blocksPerPeriod / uint64(epochLength)
}

// DefaultParams are the defaults of a new chain:
//
//   - max_supply 10^18 npsl: 10^9 PSL of 10^9 npsl, the project's reward design.
//   - epoch_length 100 blocks (about 100 s at Pastel's 1 s blocks). It equals
//     storage's default withholding window (100 blocks) on purpose: any run
//     of epoch_length consecutive blocks contains exactly one settlement
//     block, so a masternode withheld for that window misses exactly one
//     payout, never zero and never two.
//   - emission_epochs 25,920,000: the project's schedule of SeedPeriods (10^3)
//     monthly periods of 10^6 PSL each, linear (about 83 years), in
//     100-block epochs at 1 s blocks: a 30-day month is 2,592,000 blocks,
//     25,920 epochs, so 1,000 months are 25,920,000 epochs
//     (SeedEmissionEpochs; `pasteld init` and `testnet` compute it for the
//     chain's block time). Each month emits (max_supply − genesis supply) /
//     1,000: 10^6 PSL less the genesis supply's share. Payouts settle one
//     epoch late (the seed pays one month late; an epoch is the unit here,
//     so operators see rewards within minutes, not a month).
//   - validators_share_ppm 200,000 (20%): validators run consensus;
//     masternodes carry the storage cost and get the other 80%.
//   - endowment_release_ppb 300 per epoch: a geometric release with a
//     half-life of ln 2 / 3·10^-7 ≈ 2.3 million epochs ≈ 7.3 years, about
//     9% of the balance a year, so a registration fee pays its storage over
//     decades. (A ppm unit could not express this at 100-block epochs: 1 ppm,
//     its smallest step, is already a 2.2-year half-life.)
//   - unknown_trust_ppb 0.25: a masternode trust has not scored yet (a new
//     one, before its first storage challenge) weighs a quarter of its
//     proven bytes. New chains seed trust with storage's challenger, so an
//     audited honest masternode's score climbs to about 0.58 within a few
//     dozen passed challenges (measured in x/storage's challenge tests):
//     a fresh identity never earns more per byte than an audited one. On a
//     chain without seeds every masternode is unknown, the factor is the
//     same for all and the shares are by storage alone.
//   - keep_epoch_records 100,000 (about 116 days of epochs).
func DefaultParams() Params {
	return Params{
		MaxSupply:           1_000_000_000 * Coin,
		EpochLength:         100,
		EmissionEpochs:      SeedEmissionEpochs(time.Second, 100),
		ValidatorsSharePPM:  200_000,
		EndowmentReleasePPB: 300,
		UnknownTrustPPB:     250_000_000,
		KeepEpochRecords:    100_000,
	}
}

// Validate checks every parameter and names the bad one.
func (p Params) Validate() error {
	switch {
	case p.MaxSupply == 0:
		return ErrBadParams.Wrapf("max_supply must be positive")
	case p.EpochLength < 1 || p.EpochLength > maxEpochLength:
		return ErrBadParams.Wrapf("epoch_length %d outside [1, %d] blocks", p.EpochLength, maxEpochLength)
	case p.EmissionEpochs < 1 || p.EmissionEpochs > maxEmissionEpochs:
		return ErrBadParams.Wrapf("emission_epochs %d outside [1, %d]", p.EmissionEpochs, maxEmissionEpochs)
	case uint64(p.ValidatorsSharePPM) > PPM:
		return ErrBadParams.Wrapf("validators_share_ppm %d above %d (100%%)", p.ValidatorsSharePPM, PPM)
	case uint64(p.EndowmentReleasePPB) > PPB:
		return ErrBadParams.Wrapf("endowment_release_ppb %d above %d (100%%)", p.EndowmentReleasePPB, PPB)
	case uint64(p.UnknownTrustPPB) > PPB:
		return ErrBadParams.Wrapf("unknown_trust_ppb %d above %d (1.0)", p.UnknownTrustPPB, PPB)
	case p.KeepEpochRecords < 1 || p.KeepEpochRecords > maxKeepEpochRecords:
		return ErrBadParams.Wrapf("keep_epoch_records %d outside [1, %d]", p.KeepEpochRecords, maxKeepEpochRecords)
	}
	return nil
}

func (p Params) toProto() *rewardspb.Params {
	return &rewardspb.Params{
		MaxSupply:           p.MaxSupply,
		EpochLength:         p.EpochLength,
		EmissionEpochs:      p.EmissionEpochs,
		ValidatorsSharePpm:  p.ValidatorsSharePPM,
		EndowmentReleasePpb: p.EndowmentReleasePPB,
		UnknownTrustPpb:     p.UnknownTrustPPB,
		KeepEpochRecords:    p.KeepEpochRecords,
	}
}

func paramsFromProto(pb *rewardspb.Params) Params {
	return Params{
		MaxSupply:           pb.MaxSupply,
		EpochLength:         pb.EpochLength,
		EmissionEpochs:      pb.EmissionEpochs,
		ValidatorsSharePPM:  pb.ValidatorsSharePpm,
		EndowmentReleasePPB: pb.EndowmentReleasePpb,
		UnknownTrustPPB:     pb.UnknownTrustPpb,
		KeepEpochRecords:    pb.KeepEpochRecords,
	}
}
