package rewards

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/rewards/rewardspb"
)

// Genesis is the rewards module's section of the genesis app state. Params
// fields left out keep their defaults.
type Genesis struct {
	Params Params `json:"params"`
	// ValidatorPayouts maps a validator's CometBFT address (40 hex digits,
	// as in the genesis validators list) to the pastel1… address its
	// rewards are paid to. A validator without an entry earns its share,
	// but the share stays in the pool (validators_unmapped).
	ValidatorPayouts map[string]string `json:"validator_payouts"`
	// State is empty for a new chain: the schedule starts at the genesis
	// height, and max_supply − the bank's genesis supply is emitted. An
	// exported chain carries its running state here (protobuf JSON of
	// ExportedState) and continues where it stopped.
	State json.RawMessage `json:"state,omitempty"`
}

// genesisData is a parsed and validated genesis section.
type genesisData struct {
	params  Params
	payouts []ValidatorPayout // in validator address order
	state   *rewardspb.ExportedState
}

// ParseGenesis decodes a rewards genesis section strictly (unknown fields
// are errors) over the default parameters and validates it, naming the bad
// field.
func ParseGenesis(raw json.RawMessage) (*Genesis, error) {
	g, _, err := parseGenesis(raw)
	return g, err
}

func parseGenesis(raw json.RawMessage) (*Genesis, *genesisData, error) {
	g := Genesis{Params: DefaultParams()}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return nil, nil, ErrBadGenesis.Wrapf("%v", err)
	}
	if dec.More() {
		return nil, nil, ErrBadGenesis.Wrapf("trailing data after the genesis section")
	}
	if err := g.Params.Validate(); err != nil {
		return nil, nil, fmt.Errorf("rewards.params: %w", err)
	}
	d := &genesisData{params: g.Params}
	names := make([]string, 0, len(g.ValidatorPayouts))
	for n := range g.ValidatorPayouts {
		names = append(names, n)
	}
	sort.Strings(names)
	seen := map[string]string{}
	for _, n := range names {
		field := fmt.Sprintf("rewards.validator_payouts[%q]", n)
		val, err := hex.DecodeString(n)
		if err != nil || len(val) != cometAddrLen {
			return nil, nil, ErrBadGenesis.Wrapf("%s: a validator is its CometBFT address, %d hex digits", field, 2*cometAddrLen)
		}
		if prev, dup := seen[string(val)]; dup {
			return nil, nil, ErrBadGenesis.Wrapf("%s: the same validator as %q", field, prev)
		}
		seen[string(val)] = n
		to, err := secp256k1.ParseAddress(g.ValidatorPayouts[n])
		if err != nil {
			return nil, nil, ErrBadGenesis.Wrapf("%s: payout address: %v", field, err)
		}
		if err := checkRecipient(to); err != nil {
			return nil, nil, ErrBadGenesis.Wrapf("%s: %v", field, err)
		}
		d.payouts = append(d.payouts, ValidatorPayout{Validator: val, Payout: to})
	}
	sort.Slice(d.payouts, func(i, j int) bool { return bytes.Compare(d.payouts[i].Validator, d.payouts[j].Validator) < 0 })
	if len(bytes.TrimSpace(g.State)) > 0 && string(bytes.TrimSpace(g.State)) != "null" {
		st := &rewardspb.ExportedState{}
		if err := (protojson.UnmarshalOptions{}).Unmarshal(g.State, st); err != nil {
			return nil, nil, ErrBadGenesis.Wrapf("rewards.state: %v", err)
		}
		if err := validateState(g.Params, st); err != nil {
			return nil, nil, err
		}
		d.state = st
	}
	return &g, d, nil
}

// checkRecipient refuses the module accounts rewards moves coins between:
// paying them would loop coins back into the pool or the endowment.
func checkRecipient(a types.Address) error {
	switch a {
	case Pool:
		return fmt.Errorf("%s is the rewards pool itself", a)
	case Endowment:
		return fmt.Errorf("%s is the storage endowment", a)
	case bank.FeeCollector:
		return fmt.Errorf("%s is the fee collector", a)
	}
	return nil
}

// validateState checks an exported state against the params.
func validateState(p Params, x *rewardspb.ExportedState) error {
	bad := func(field, format string, args ...any) error {
		return ErrBadGenesis.Wrapf("rewards.state.%s: %s", field, fmt.Sprintf(format, args...))
	}
	s := x.Status
	if s == nil {
		return bad("status", "missing")
	}
	switch {
	case s.StartHeight < 1:
		return bad("status.start_height", "%d, want at least 1", s.StartHeight)
	case s.GenesisSupply+s.EmissionTotal < s.GenesisSupply || s.GenesisSupply+s.EmissionTotal != p.MaxSupply:
		return bad("status.emission_total", "genesis_supply %d + emission_total %d must equal params.max_supply %d", s.GenesisSupply, s.EmissionTotal, p.MaxSupply)
	case s.Emitted > s.EmissionTotal:
		return bad("status.emitted", "%d above emission_total %d", s.Emitted, s.EmissionTotal)
	case s.ClosedEpochs != s.SettledEpochs && s.ClosedEpochs != s.SettledEpochs+1:
		return bad("status.closed_epochs", "%d with %d settled: at most one epoch waits for settlement", s.ClosedEpochs, s.SettledEpochs)
	case (s.ClosedEpochs > s.SettledEpochs) != (s.Pending != nil):
		return bad("status.pending", "present exactly when closed_epochs > settled_epochs")
	}
	if pd := s.Pending; pd != nil {
		sum := new(big.Int).SetUint64(pd.Emitted)
		sum.Add(sum, new(big.Int).SetUint64(pd.Endowment))
		sum.Add(sum, new(big.Int).SetUint64(pd.Fees))
		sum.Add(sum, new(big.Int).SetUint64(pd.CarriedIn))
		switch {
		case pd.Epoch != s.SettledEpochs:
			return bad("status.pending.epoch", "%d, want settled_epochs = %d", pd.Epoch, s.SettledEpochs)
		case !sum.IsUint64() || sum.Uint64() != pd.Amount:
			return bad("status.pending.amount", "%d is not emitted + endowment + fees + carried_in = %s", pd.Amount, sum)
		}
	}
	type sk struct {
		e uint64
		v string
	}
	seenSigned := map[sk]bool{}
	limit := new(big.Int).Lsh(big.NewInt(1), 8*powerBytes)
	for i, g := range x.Signed {
		f := fmt.Sprintf("signed[%d]", i)
		if len(g.Validator) != cometAddrLen {
			return bad(f+".validator", "%d bytes, want %d", len(g.Validator), cometAddrLen)
		}
		if g.Epoch < s.SettledEpochs || g.Epoch > s.ClosedEpochs {
			return bad(f+".epoch", "%d is not an unsettled epoch (%d to %d)", g.Epoch, s.SettledEpochs, s.ClosedEpochs)
		}
		pw, ok := new(big.Int).SetString(g.Power, 10)
		if !ok || pw.Sign() <= 0 || pw.Cmp(limit) >= 0 {
			return bad(f+".power", "%q is not a positive integer below 2^%d", g.Power, 8*powerBytes)
		}
		if seenSigned[sk{g.Epoch, string(g.Validator)}] {
			return bad(f, "epoch %d, validator %X listed twice", g.Epoch, g.Validator)
		}
		seenSigned[sk{g.Epoch, string(g.Validator)}] = true
	}
	seenAddr := map[types.Address]bool{}
	for i, a := range x.Earnings {
		f := fmt.Sprintf("earnings[%d]", i)
		addr, err := secp256k1.ParseAddress(a.Address)
		if err != nil {
			return bad(f+".address", "%v", err)
		}
		if seenAddr[addr] {
			return bad(f+".address", "%s listed twice", addr)
		}
		seenAddr[addr] = true
		if a.Earnings == nil {
			return bad(f+".earnings", "missing")
		}
	}
	seenEpoch := map[uint64]bool{}
	for i, r := range x.Epochs {
		f := fmt.Sprintf("epochs[%d]", i)
		if r.Epoch >= s.SettledEpochs {
			return bad(f+".epoch", "%d is not settled (settled_epochs %d)", r.Epoch, s.SettledEpochs)
		}
		if seenEpoch[r.Epoch] {
			return bad(f+".epoch", "%d listed twice", r.Epoch)
		}
		seenEpoch[r.Epoch] = true
	}
	return nil
}

// DefaultGenesis has the default parameters and no payout mapping.
func (Module) DefaultGenesis() json.RawMessage {
	bz, _ := json.Marshal(Genesis{Params: DefaultParams(), ValidatorPayouts: map[string]string{}})
	return bz
}

// ValidateGenesis checks a section and names the bad field.
func (Module) ValidateGenesis(raw json.RawMessage) error {
	_, err := ParseGenesis(raw)
	return err
}

// InitGenesis stores the params and the payout mapping and fixes the
// emission schedule: it must run after bank's genesis, whose supply is the
// genesis supply.
func (m Module) InitGenesis(ctx *types.Context, raw json.RawMessage) error {
	_, d, err := parseGenesis(raw)
	if err != nil {
		return err
	}
	k := m.Keeper
	k.setParams(ctx, d.params)
	for _, vp := range d.payouts {
		k.setPayoutAddress(ctx, vp.Validator, vp.Payout)
	}
	if x := d.state; x != nil {
		k.setStatus(ctx, x.Status)
		for _, g := range x.Signed {
			pw, _ := new(big.Int).SetString(g.Power, 10)
			k.setSigned(ctx, g.Epoch, g.Validator, pw)
		}
		for _, a := range x.Earnings {
			addr, _ := secp256k1.ParseAddress(a.Address)
			k.setEarnings(ctx, addr, a.Earnings)
		}
		for _, r := range x.Epochs {
			k.set(ctx, epochKey(r.Epoch), r)
		}
		return nil
	}
	supply := k.Bank.Supply(ctx)
	if supply > d.params.MaxSupply {
		return ErrBadGenesis.Wrapf("rewards.params.max_supply: %d npsl is below the genesis supply of %d npsl (the bank accounts' total)", d.params.MaxSupply, supply)
	}
	start := ctx.Height
	if start < 1 {
		start = 1
	}
	k.setStatus(ctx, &rewardspb.Status{StartHeight: start, GenesisSupply: supply, EmissionTotal: d.params.MaxSupply - supply})
	return nil
}

// ExportGenesis writes the params, the mapping and the running state.
func (m Module) ExportGenesis(ctx *types.Context) (json.RawMessage, error) {
	k := m.Keeper
	g := Genesis{Params: k.Params(ctx), ValidatorPayouts: map[string]string{}}
	for _, vp := range k.ValidatorPayouts(ctx) {
		g.ValidatorPayouts[strings.ToUpper(hex.EncodeToString(vp.Validator))] = vp.Payout.String()
	}
	st, ok := k.Status(ctx)
	if !ok {
		return nil, fmt.Errorf("rewards: nothing to export before genesis")
	}
	x := &rewardspb.ExportedState{Status: st}
	kv := k.kv(ctx)
	err := each(kv, prefixSigned, func(key, v []byte) error {
		x.Signed = append(x.Signed, &rewardspb.Signed{
			Epoch: binary.BigEndian.Uint64(key[:8]), Validator: append([]byte(nil), key[8:]...), Power: new(big.Int).SetBytes(v).String(),
		})
		return nil
	})
	if err == nil {
		err = each(kv, prefixEarnings, func(key, v []byte) error {
			var a types.Address
			copy(a[:], key)
			e := &rewardspb.Earnings{}
			if err := proto.Unmarshal(v, e); err != nil {
				return fmt.Errorf("rewards: corrupt earnings of %s: %w", a, err)
			}
			x.Earnings = append(x.Earnings, &rewardspb.AccountEarnings{Address: a.String(), Earnings: e})
			return nil
		})
	}
	if err == nil {
		err = each(kv, prefixEpoch, func(key, v []byte) error {
			r := &rewardspb.EpochRecord{}
			if err := proto.Unmarshal(v, r); err != nil {
				return fmt.Errorf("rewards: corrupt epoch record %x: %w", key, err)
			}
			x.Epochs = append(x.Epochs, r)
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	bz, err := protojson.Marshal(x)
	if err != nil {
		return nil, err
	}
	g.State = bz
	return json.Marshal(g)
}

// each calls fn with every key (without prefix) and value under prefix, in
// key order.
func each(kv types.KVStore, prefix []byte, fn func(key, value []byte) error) error {
	it := kv.Iterator(prefix, types.PrefixEnd(prefix))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		if err := fn(it.Key()[len(prefix):], it.Value()); err != nil {
			return err
		}
	}
	return nil
}
