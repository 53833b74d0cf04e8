package rewards

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/big"
	"sort"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/rewards/rewardspb"
)

// EpochOf is the epoch of height h (h ≥ the start height).
func EpochOf(st *rewardspb.Status, p Params, h int64) uint64 {
	if h < st.StartHeight {
		return 0
	}
	return uint64(h-st.StartHeight) / uint64(p.EpochLength)
}

// EpochStart is the first height of epoch e. Epoch e closes (its pool is
// formed) at EpochStart(e+1) and settles (is paid) at EpochStart(e+2).
func EpochStart(st *rewardspb.Status, p Params, e uint64) int64 {
	return st.StartHeight + int64(e)*p.EpochLength
}

// BeginBlock records who signed the previous block and, at the first block
// of an epoch, settles the pending epoch and closes the one that just ended.
func (k Keeper) BeginBlock(ctx *types.Context) error {
	st, ok := k.Status(ctx)
	if !ok {
		return fmt.Errorf("rewards: no status in the store; the module's genesis never ran")
	}
	p := k.Params(ctx)
	k.recordVotes(ctx, st, p)
	if ctx.Height < EpochStart(st, p, st.ClosedEpochs+1) {
		return nil
	}
	if st.ClosedEpochs > st.SettledEpochs {
		if err := k.settle(ctx, st, p); err != nil {
			return err
		}
	}
	if err := k.close(ctx, st, p); err != nil {
		return err
	}
	k.setStatus(ctx, st)
	return nil
}

// recordVotes adds the voting power of every validator that signed block
// h−1 (the block's DecidedLastCommit, ctx.Votes) to its counter for the
// epoch of h−1. Work: one read and one write per signer, bounded by the
// validator set size.
func (k Keeper) recordVotes(ctx *types.Context, st *rewardspb.Status, p Params) {
	signedHeight := ctx.Height - 1
	if signedHeight < st.StartHeight {
		return
	}
	e := EpochOf(st, p, signedHeight)
	for _, v := range ctx.Votes {
		if v.BlockIdFlag != cmtproto.BlockIDFlagCommit || v.Validator.Power <= 0 || len(v.Validator.Address) != cometAddrLen {
			continue
		}
		k.addSigned(ctx, e, v.Validator.Address, v.Validator.Power)
	}
}

// close forms the pool of epoch st.ClosedEpochs, which has just ended: the
// epoch's emission is minted into the pool, endowment_release_ppb of the
// endowment and every fee collected move into it. Whatever the pool already
// held — what the last settlement did not pay out, or coins sent to it —
// is carried in.
func (k Keeper) close(ctx *types.Context, st *rewardspb.Status, p Params) error {
	e := st.ClosedEpochs
	carried := k.Bank.Balance(ctx, Pool)

	emitted := Emission(st.EmissionTotal, p.EmissionEpochs, e)
	if left := st.EmissionTotal - st.Emitted; emitted > left {
		emitted = left
	}
	if supply := k.Bank.Supply(ctx); supply >= p.MaxSupply {
		emitted = 0
	} else if room := p.MaxSupply - supply; emitted > room {
		emitted = room // never above max_supply, whoever else minted
	}
	if emitted > 0 {
		if err := k.Bank.Mint(ctx, Pool, emitted); err != nil {
			return fmt.Errorf("rewards: mint epoch %d emission: %w", e, err)
		}
	}
	released := mulDiv(k.Bank.Balance(ctx, Endowment), uint64(p.EndowmentReleasePPB), PPB)
	if released > 0 {
		if err := k.Bank.Send(ctx, Endowment, Pool, released); err != nil {
			return fmt.Errorf("rewards: release endowment: %w", err)
		}
	}
	fees := k.Bank.Balance(ctx, bank.FeeCollector)
	if fees > 0 {
		if err := k.Bank.Send(ctx, bank.FeeCollector, Pool, fees); err != nil {
			return fmt.Errorf("rewards: sweep fees: %w", err)
		}
	}
	pend := &rewardspb.PendingPool{
		Epoch: e, ClosedHeight: ctx.Height, Amount: carried + emitted + released + fees,
		Emitted: emitted, Endowment: released, Fees: fees, CarriedIn: carried,
	}
	st.Pending = pend
	st.ClosedEpochs++
	st.Emitted += emitted
	ctx.EmitEvent("epoch_closed", "epoch", types.U64(e), "pool", types.U64(pend.Amount), "emitted", types.U64(emitted),
		"endowment", types.U64(released), "fees", types.U64(fees), "carried_in", types.U64(carried),
		"settles_at", fmt.Sprint(EpochStart(st, p, e+2)))
	return nil
}

// settle pays out the pending pool (epoch st.SettledEpochs, closed one epoch
// ago) with the standings observed now. See the package doc for the rule.
func (k Keeper) settle(ctx *types.Context, st *rewardspb.Status, p Params) error {
	pend := st.Pending
	if pend == nil || pend.Epoch != st.SettledEpochs {
		return fmt.Errorf("rewards: status has %d closed and %d settled epochs but pending pool %v", st.ClosedEpochs, st.SettledEpochs, pend)
	}
	e := pend.Epoch
	rec := &rewardspb.EpochRecord{
		Epoch: e, StartHeight: EpochStart(st, p, e), EndHeight: EpochStart(st, p, e+1) - 1,
		ClosedHeight: pend.ClosedHeight, SettledHeight: ctx.Height,
		Pool: pend.Amount, Emitted: pend.Emitted, Endowment: pend.Endowment, Fees: pend.Fees, CarriedIn: pend.CarriedIn,
	}
	rec.ValidatorsPool = mulDiv(pend.Amount, uint64(p.ValidatorsSharePPM), PPM)
	rec.MasternodesPool = pend.Amount - rec.ValidatorsPool

	if err := k.payValidators(ctx, e, rec); err != nil {
		return err
	}
	if err := k.payMasternodes(ctx, e, p, rec); err != nil {
		return err
	}

	rec.Paid = rec.ValidatorsPaid + rec.MasternodesPaid
	rec.CarriedOut = rec.Pool - rec.Paid
	k.set(ctx, epochKey(e), rec)
	if e >= p.KeepEpochRecords {
		k.kv(ctx).Delete(epochKey(e - p.KeepEpochRecords))
	}
	st.Pending = nil
	st.SettledEpochs++
	st.CumulativePaid += rec.Paid
	st.CumulativeWithheld += rec.Withheld
	ctx.EmitEvent("epoch_settled", "epoch", types.U64(e), "pool", types.U64(rec.Pool), "paid", types.U64(rec.Paid),
		"withheld", types.U64(rec.Withheld), "emitted", types.U64(rec.Emitted), "carried_out", types.U64(rec.CarriedOut),
		"validators_unmapped", types.U64(rec.ValidatorsUnmapped))
	return nil
}

// payValidators splits the validators' part of epoch e's pool by signed
// power and deletes the epoch's counters. Shares of validators without a
// payout address stay in the pool (validators_unmapped).
func (k Keeper) payValidators(ctx *types.Context, e uint64, rec *rewardspb.EpochRecord) error {
	signed := k.Signed(ctx, e)
	weights := make([]*big.Int, len(signed))
	total := new(big.Int)
	for i, s := range signed {
		weights[i] = s.Power
		total.Add(total, s.Power)
	}
	rec.SignedPower = total.String()
	rec.Validators = uint32(len(signed))
	shares := split(rec.ValidatorsPool, weights)
	for i, s := range signed {
		k.kv(ctx).Delete(signedKey(e, s.Validator))
		amt := shares[i]
		if amt == 0 {
			continue
		}
		to, ok := k.PayoutAddress(ctx, s.Validator)
		if !ok {
			rec.ValidatorsUnmapped += amt
			ctx.EmitEvent("rewards_unmapped", "epoch", types.U64(e), "validator", hex.EncodeToString(s.Validator), "amount", types.U64(amt))
			continue
		}
		if err := k.pay(ctx, e, to, amt, "validator"); err != nil {
			return err
		}
		rec.ValidatorsPaid += amt
	}
	return nil
}

// payMasternodes splits the masternodes' part of epoch e's pool by proven
// bytes × trust factor among every masternode with a positive weight. The
// shares of those not in good standing are withheld: accounted, announced
// and left in the pool, which carries them into the next epoch's pool.
func (k Keeper) payMasternodes(ctx *types.Context, e uint64, p Params, rec *rewardspb.EpochRecord) error {
	var ws []MasternodeWeight
	if k.Masternodes != nil {
		ws = sortedWeights(k.Masternodes.RewardWeights(ctx))
	}
	weights := make([]*big.Int, len(ws))
	total := new(big.Int)
	for i, m := range ws {
		w := new(big.Int)
		if m.ProvenBytes > 0 {
			w.SetUint64(m.ProvenBytes)
			w.Mul(w, new(big.Int).SetUint64(k.trustFactor(ctx, p, m.Address)))
		}
		weights[i] = w
		total.Add(total, w)
	}
	rec.MasternodeWeight = total.String()
	shares := split(rec.MasternodesPool, weights)
	for i, m := range ws {
		amt := shares[i]
		if amt == 0 {
			continue
		}
		if !m.GoodStanding {
			rec.Withheld += amt
			rec.MasternodesWithheldCount++
			ern := k.Earnings(ctx, m.Address)
			ern.Withheld += amt
			k.setEarnings(ctx, m.Address, ern)
			ctx.EmitEvent("rewards_withheld", "epoch", types.U64(e), "masternode", m.Address.String(), "amount", types.U64(amt))
			continue
		}
		if err := k.pay(ctx, e, m.Address, amt, "masternode"); err != nil {
			return err
		}
		rec.MasternodesPaid += amt
		rec.MasternodesPaidCount++
	}
	return nil
}

// sortedWeights puts ws in address order and drops repeated addresses
// (keeping the first), so the split never depends on the caller's order.
func sortedWeights(ws []MasternodeWeight) []MasternodeWeight {
	out := append([]MasternodeWeight(nil), ws...)
	sort.SliceStable(out, func(i, j int) bool { return bytes.Compare(out[i].Address[:], out[j].Address[:]) < 0 })
	n := 0
	for i := range out {
		if n > 0 && out[i].Address == out[n-1].Address {
			continue
		}
		out[n] = out[i]
		n++
	}
	return out[:n]
}

// trustFactor is a masternode's weight multiplier in parts per 10^9:
// max(0, score) capped at 10^9 when trust knows it, unknown_trust_ppb when
// it does not, 10^9 without a trust module.
func (k Keeper) trustFactor(ctx *types.Context, p Params, a types.Address) uint64 {
	if k.Trust == nil {
		return PPB
	}
	s, known := k.Trust.Score(ctx, a)
	switch {
	case !known:
		return uint64(p.UnknownTrustPPB)
	case s <= 0:
		return 0
	case uint64(s) > PPB:
		return PPB
	default:
		return uint64(s)
	}
}

// pay moves amount from the pool to to and adds it to to's earnings.
func (k Keeper) pay(ctx *types.Context, e uint64, to types.Address, amount uint64, role string) error {
	if err := k.Bank.Send(ctx, Pool, to, amount); err != nil {
		return fmt.Errorf("rewards: pay %d npsl of epoch %d to %s: %w", amount, e, to, err)
	}
	ern := k.Earnings(ctx, to)
	ern.Paid += amount
	if role == "validator" {
		ern.AsValidator += amount
	} else {
		ern.AsMasternode += amount
	}
	if ern.EpochsPaid == 0 || ern.LastEpoch != e {
		ern.EpochsPaid++
	}
	ern.LastEpoch = e
	k.setEarnings(ctx, to, ern)
	ctx.EmitEvent("rewards_paid", "epoch", types.U64(e), "recipient", to.String(), "amount", types.U64(amount), "role", role)
	return nil
}
