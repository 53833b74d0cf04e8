package rewards

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/rewards/rewardspb"
)

// Query paths under /rewards/ (all JSON, computed; none is provable):
//
//	params          Params
//	epoch           StatusView: current epoch, next settlement, pool, totals
//	epoch/N         settled epoch N's record (protobuf JSON of EpochRecord)
//	payouts/ADDR    EarningsView: what ADDR was paid and withheld in total
//	validators      []PayoutView: the validator payout mapping

// StatusView is the answer to /rewards/epoch. Amounts are npsl in decimal
// strings.
type StatusView struct {
	// Height is the state's height (the last committed block).
	Height int64 `json:"height"`
	// Epoch is the epoch Height belongs to, from EpochStartHeight to
	// EpochEndHeight.
	Epoch            uint64 `json:"epoch"`
	EpochStartHeight int64  `json:"epoch_start_height"`
	EpochEndHeight   int64  `json:"epoch_end_height"`
	// NextSettlementHeight is the block that pays the next epoch out:
	// epoch NextSettlementEpoch, with the standings observed there.
	NextSettlementHeight int64  `json:"next_settlement_height"`
	NextSettlementEpoch  uint64 `json:"next_settlement_epoch"`
	// Pending is the closed epoch waiting for settlement, if any.
	Pending json.RawMessage `json:"pending"`
	// PoolBalance is what the pool account holds (the pending pool plus
	// anything sent to it since).
	PoolBalance        uint64 `json:"pool_balance,string"`
	EndowmentBalance   uint64 `json:"endowment_balance,string"`
	FeesCollected      uint64 `json:"fees_collected,string"`
	Emitted            uint64 `json:"emitted,string"`
	EmissionTotal      uint64 `json:"emission_total,string"`
	EmissionPerEpoch   uint64 `json:"emission_per_epoch,string"`
	EmissionEpochs     uint64 `json:"emission_epochs"`
	Supply             uint64 `json:"supply,string"`
	MaxSupply          uint64 `json:"max_supply,string"`
	CumulativePaid     uint64 `json:"cumulative_paid,string"`
	CumulativeWithheld uint64 `json:"cumulative_withheld,string"`
	ClosedEpochs       uint64 `json:"closed_epochs"`
	SettledEpochs      uint64 `json:"settled_epochs"`
	Pool               string `json:"pool_address"`
}

// EarningsView is the answer to /rewards/payouts/ADDR.
type EarningsView struct {
	Address      string `json:"address"`
	Paid         uint64 `json:"paid,string"`
	AsValidator  uint64 `json:"as_validator,string"`
	AsMasternode uint64 `json:"as_masternode,string"`
	Withheld     uint64 `json:"withheld,string"`
	EpochsPaid   uint64 `json:"epochs_paid"`
	// LastEpoch is the last epoch that paid ADDR (meaningless if
	// EpochsPaid is 0).
	LastEpoch uint64 `json:"last_epoch"`
}

// PayoutView is one entry of the validator payout mapping.
type PayoutView struct {
	Validator string `json:"validator"`
	Payout    string `json:"payout"`
}

// protoJSON encodes m as compact protobuf JSON (field names as in the
// .proto, every field present, 64-bit integers as strings). Compacting
// removes the whitespace protojson varies on purpose, so every node answers
// byte-identically.
func protoJSON(m proto.Message) ([]byte, error) {
	bz, err := protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}.Marshal(m)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, bz); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Query answers the paths listed above.
func (m Module) Query(ctx *types.Context, path []string, _ []byte) ([]byte, error) {
	k := m.Keeper
	switch {
	case len(path) == 1 && path[0] == "params":
		return types.JSON(k.Params(ctx))
	case len(path) == 1 && path[0] == "epoch":
		v, err := k.StatusView(ctx)
		if err != nil {
			return nil, err
		}
		return types.JSON(v)
	case len(path) == 2 && path[0] == "epoch":
		n, err := strconv.ParseUint(path[1], 10, 64)
		if err != nil {
			return nil, types.ErrInvalidRequest.Wrapf("epoch %q: want an epoch number", path[1])
		}
		st, ok := k.Status(ctx)
		if !ok {
			return nil, ErrNoEpoch.Wrapf("no rewards state at this height")
		}
		if n >= st.SettledEpochs {
			p := k.Params(ctx)
			if n-st.SettledEpochs > uint64(math.MaxInt64-st.StartHeight)/uint64(p.EpochLength)/2 {
				return nil, ErrNoEpoch.Wrapf("epoch %d is not settled yet (%d epochs settled so far)", n, st.SettledEpochs)
			}
			return nil, ErrNoEpoch.Wrapf("epoch %d is not settled yet; it settles at height %d (%d epochs settled so far)", n, EpochStart(st, p, n+2), st.SettledEpochs)
		}
		r, ok := k.EpochRecord(ctx, n)
		if !ok {
			return nil, ErrNoEpoch.Wrapf("the record of epoch %d was pruned; the last %d are kept", n, k.Params(ctx).KeepEpochRecords)
		}
		return protoJSON(r)
	case len(path) == 2 && path[0] == "payouts":
		a, err := secp256k1.ParseAddress(path[1])
		if err != nil {
			return nil, types.ErrInvalidAddress.Wrapf("address %q: %v", path[1], err)
		}
		e := k.Earnings(ctx, a)
		return types.JSON(EarningsView{Address: a.String(), Paid: e.Paid, AsValidator: e.AsValidator, AsMasternode: e.AsMasternode,
			Withheld: e.Withheld, EpochsPaid: e.EpochsPaid, LastEpoch: e.LastEpoch})
	case len(path) == 1 && path[0] == "validators":
		out := []PayoutView{}
		for _, vp := range k.ValidatorPayouts(ctx) {
			out = append(out, PayoutView{Validator: strings.ToUpper(hex.EncodeToString(vp.Validator)), Payout: vp.Payout.String()})
		}
		return types.JSON(out)
	}
	return nil, types.ErrNotFound.Wrapf("no rewards query %q (try params, epoch, epoch/N, payouts/ADDR, validators)", strings.Join(path, "/"))
}

// StatusView reports the epoch status at ctx's height.
func (k Keeper) StatusView(ctx *types.Context) (*StatusView, error) {
	st, ok := k.Status(ctx)
	if !ok {
		return nil, ErrNoEpoch.Wrapf("no rewards state at this height")
	}
	p := k.Params(ctx)
	e := EpochOf(st, p, ctx.Height)
	v := &StatusView{
		Height: ctx.Height, Epoch: e, EpochStartHeight: EpochStart(st, p, e), EpochEndHeight: EpochStart(st, p, e+1) - 1,
		NextSettlementHeight: EpochStart(st, p, st.SettledEpochs+2), NextSettlementEpoch: st.SettledEpochs,
		Pending:     json.RawMessage("null"),
		PoolBalance: k.Bank.Balance(ctx, Pool), EndowmentBalance: k.Bank.Balance(ctx, Endowment), FeesCollected: k.Bank.Balance(ctx, bank.FeeCollector),
		Emitted: st.Emitted, EmissionTotal: st.EmissionTotal, EmissionPerEpoch: Emission(st.EmissionTotal, p.EmissionEpochs, 0), EmissionEpochs: p.EmissionEpochs,
		Supply: k.Bank.Supply(ctx), MaxSupply: p.MaxSupply,
		CumulativePaid: st.CumulativePaid, CumulativeWithheld: st.CumulativeWithheld,
		ClosedEpochs: st.ClosedEpochs, SettledEpochs: st.SettledEpochs, Pool: Pool.String(),
	}
	if st.Pending != nil {
		bz, err := protoJSON(st.Pending)
		if err != nil {
			return nil, err
		}
		v.Pending = bz
	}
	return v, nil
}

// ParseEpochRecord decodes the answer to /rewards/epoch/N.
func ParseEpochRecord(bz []byte) (*rewardspb.EpochRecord, error) {
	r := &rewardspb.EpochRecord{}
	return r, protojson.Unmarshal(bz, r)
}
