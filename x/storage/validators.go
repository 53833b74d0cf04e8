package storage

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"slices"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
	"github.com/pastelchain/pastel/x/trust"
)

// The validator set follows the masternode registry (DESIGN.md §8).
//
// A masternode that runs a CometBFT validator registers its ed25519
// consensus key (MsgRegisterMasternode.consensus_pub_key, or later
// MsgUpdateMasternode). Its voting power is
//
//	trust.VotingPower(collateral, combined trust, standing)
//
// with standing jailed (power 0) for a jailed or exiting masternode,
// penalized while its rewards are withheld, good otherwise. The
// max_validators masternodes with the highest power (ties: lower key first)
// form the set together with the genesis validators, and trust.CapShares
// then bounds every member's share (max_share, default 3/10, so that no
// single validator can stall the chain by going silent).
//
// Genesis validators: when no genesis masternode names a consensus key, the
// validators of CometBFT's genesis keep their genesis power, which is read
// in the same unit as masternode power (one unit = one PSL of fully trusted
// collateral). When genesis masternodes name keys, InitChain returns the
// set computed from them and CometBFT's genesis list is ignored.
//
// The set is recomputed in EndBlock when something it depends on changed:
// a key registered, changed or removed, a masternode penalized, jailed,
// unjailed, exiting or gone (the "vdirty" flag), a penalty running out
// ("vnext"), and at every trust epoch (new scores). Only changed powers are
// returned to CometBFT, which applies them two blocks later. A computation
// that would leave the set with no power keeps the current set and says so
// (event validator_set_kept).
//
// State (under "storage/"):
//
//	vk/<pub32>     owner: masternode address (20 bytes), empty for a genesis validator
//	va/<cons20>    masternode address of a CometBFT validator address (rewards payouts)
//	vg/<pub32>     genesis validator power (int64 big-endian)
//	vp/<pub32>     power CometBFT was last told (int64 big-endian)
//	vdirty         present: recompute at this block's EndBlock
//	vnext          height at which the earliest penalty of a validator ends

// ConsensusKeySize is the length of an ed25519 public key.
const ConsensusKeySize = 32

// DefaultMaxValidators bounds how many masternodes validate.
const DefaultMaxValidators = 100

// PowerView is what the validator set needs from the trust module.
type PowerView interface {
	VotingPower(ctx *types.Context, a types.Address, collateral uint64, standing trust.Standing) int64
	CapPowers(ctx *types.Context, powers []int64) []int64
	IsEpoch(ctx *types.Context) bool
}

// ConsensusAddress is CometBFT's address of an ed25519 key: the first 20
// bytes of its SHA-256.
func ConsensusAddress(pub []byte) []byte {
	h := sha256.Sum256(pub)
	return h[:20]
}

func validConsensusKey(pub []byte) error {
	if len(pub) != ConsensusKeySize {
		return ErrConsensusKey.Wrapf("%d bytes; want the %d-byte ed25519 key of the validator (pasteld show-validator)", len(pub), ConsensusKeySize)
	}
	return nil
}

func i64(v int64) []byte { return u64(uint64(v)) }

func getI64(kv types.KVStore, k []byte) int64 {
	bz := kv.Get(k)
	if len(bz) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(bz))
}

func (k Keeper) markValidatorsDirty(ctx *types.Context) { k.kv(ctx).Set(keyValDirty, types.Marker) }

// bindConsensusKey makes pub the consensus key of masternode a (replacing
// any previous one) after checking nobody else uses it.
func (k Keeper) bindConsensusKey(ctx *types.Context, a types.Address, m *storagepb.Masternode, pub []byte) error {
	if err := validConsensusKey(pub); err != nil {
		return err
	}
	kv := k.kv(ctx)
	if owner := kv.Get(key(prefixValKey, pub)); owner != nil {
		if bytes.Equal(owner, a[:]) {
			return ErrConsensusKey.Wrapf("%s already uses this key", a)
		}
		who := "a genesis validator"
		if len(owner) == 20 {
			who = types.Address(owner).String()
		}
		return ErrConsensusKey.Wrapf("key %s is already used by %s; every validator needs its own key", base64.StdEncoding.EncodeToString(pub), who)
	}
	k.unbindConsensusKey(ctx, m)
	kv.Set(key(prefixValKey, pub), a[:])
	kv.Set(key(prefixValAddr, ConsensusAddress(pub)), a[:])
	m.ConsensusPubKey = slices.Clone(pub)
	k.markValidatorsDirty(ctx)
	return nil
}

// unbindConsensusKey removes m's key from the indexes. Its power, if any,
// stays recorded in vp/ so that the next recomputation removes it from
// CometBFT's set.
func (k Keeper) unbindConsensusKey(ctx *types.Context, m *storagepb.Masternode) {
	if len(m.ConsensusPubKey) == 0 {
		return
	}
	kv := k.kv(ctx)
	kv.Delete(key(prefixValKey, m.ConsensusPubKey))
	kv.Delete(key(prefixValAddr, ConsensusAddress(m.ConsensusPubKey)))
	m.ConsensusPubKey = nil
	k.markValidatorsDirty(ctx)
}

// ValidatorOwner returns the masternode behind a CometBFT validator
// address, if a masternode registered that validator's key.
func (k Keeper) ValidatorOwner(ctx *types.Context, consAddr []byte) (types.Address, bool) {
	var a types.Address
	bz := k.kv(ctx).Get(key(prefixValAddr, consAddr))
	if len(bz) != len(a) {
		return a, false
	}
	copy(a[:], bz)
	return a, true
}

// standingOf maps a masternode's record to its standing for voting power.
func standingOf(ctx *types.Context, m *storagepb.Masternode) trust.Standing {
	switch {
	case m.Status != storagepb.MasternodeStatus_MN_ACTIVE:
		return trust.Jailed // jailed or leaving: no power
	case m.WithheldUntil >= ctx.Height:
		return trust.Penalized
	}
	return trust.InGoodStanding
}

// ValidatorView describes one member (or candidate) of the validator set.
type ValidatorView struct {
	PubKey     string `json:"pub_key"` // base64 ed25519
	Address    string `json:"address"` // CometBFT validator address, hex
	Masternode string `json:"masternode,omitempty"`
	Genesis    bool   `json:"genesis,omitempty"`
	Standing   string `json:"standing,omitempty"`
	Collateral uint64 `json:"collateral,omitempty,string"`
	// Raw is the power before the top-N selection and the share cap;
	// Target what the next recomputation would push; Power what CometBFT
	// was last told (it applies changes two blocks later).
	Raw    int64 `json:"raw_power,string"`
	Target int64 `json:"target_power,string"`
	Power  int64 `json:"power,string"`
}

type candidate struct {
	pub     []byte
	owner   types.Address
	genesis bool
	raw     int64
	target  int64
	m       *storagepb.Masternode
}

// computeValidators evaluates every candidate (in key order) and returns
// them with their raw and target powers, plus the earliest height at which
// a penalty of a candidate ends (0 if none).
func (k Keeper) computeValidators(ctx *types.Context) ([]*candidate, int64) {
	kv := k.kv(ctx)
	var cs []*candidate
	var next int64
	it := kv.Iterator(prefixValKey, types.PrefixEnd(prefixValKey))
	for ; it.Valid(); it.Next() {
		c := &candidate{pub: slices.Clone(it.Key()[len(prefixValKey):])}
		if owner := it.Value(); len(owner) == 20 {
			copy(c.owner[:], owner)
		} else {
			c.genesis = true
		}
		cs = append(cs, c)
	}
	it.Close()
	var mnIdx []int
	for i, c := range cs {
		if c.genesis {
			c.raw = getI64(kv, key(prefixValGenesis, c.pub))
			continue
		}
		m, ok := k.Masternode(ctx, c.owner)
		if !ok {
			continue
		}
		c.m = m
		st := standingOf(ctx, m)
		if st == trust.Penalized && (next == 0 || m.WithheldUntil+1 < next) {
			next = m.WithheldUntil + 1
		}
		if k.Power != nil {
			c.raw = k.Power.VotingPower(ctx, c.owner, m.Collateral, st)
		}
		if c.raw > 0 {
			mnIdx = append(mnIdx, i)
		}
	}
	// The max_validators strongest masternodes; ties by key (cs is in key
	// order and the sort is stable).
	slices.SortStableFunc(mnIdx, func(a, b int) int { return cmp.Compare(cs[b].raw, cs[a].raw) })
	if maxV := int(k.Params(ctx).MaxValidators); len(mnIdx) > maxV {
		mnIdx = mnIdx[:maxV]
	}
	chosen := make([]bool, len(cs))
	for _, i := range mnIdx {
		chosen[i] = true
	}
	powers := make([]int64, len(cs))
	for i, c := range cs {
		if c.genesis || chosen[i] {
			powers[i] = c.raw
		}
	}
	if k.Power != nil {
		powers = k.Power.CapPowers(ctx, powers)
	}
	for i, c := range cs {
		c.target = powers[i]
	}
	return cs, next
}

// updateValidators recomputes the set when needed and returns the changes
// for CometBFT, in key order.
func (k Keeper) updateValidators(ctx *types.Context) []abci.ValidatorUpdate {
	kv := k.kv(ctx)
	next := getI64(kv, keyValNext)
	due := kv.Has(keyValDirty) || (next > 0 && ctx.Height >= next) || (k.Power != nil && k.Power.IsEpoch(ctx))
	if !due || k.Power == nil {
		return nil
	}
	kv.Delete(keyValDirty)
	cs, next := k.computeValidators(ctx)
	if next > 0 {
		kv.Set(keyValNext, i64(next))
	} else {
		kv.Delete(keyValNext)
	}
	var total int64
	target := make(map[string]int64, len(cs))
	for _, c := range cs {
		total += c.target
		if c.target > 0 {
			target[string(c.pub)] = c.target
		}
	}
	if total == 0 {
		ctx.EmitEvent("validator_set_kept", "reason", "every candidate has zero power; CometBFT needs at least one validator")
		return nil
	}
	// Union of the current set (vp/) and the new one, in key order.
	var keys [][]byte
	it := kv.Iterator(prefixValPower, types.PrefixEnd(prefixValPower))
	for ; it.Valid(); it.Next() {
		keys = append(keys, slices.Clone(it.Key()[len(prefixValPower):]))
	}
	it.Close()
	for _, c := range cs {
		if c.target > 0 {
			keys = append(keys, c.pub)
		}
	}
	slices.SortFunc(keys, bytes.Compare)
	keys = slices.CompactFunc(keys, bytes.Equal)
	var out []abci.ValidatorUpdate
	for _, pub := range keys {
		old := getI64(kv, key(prefixValPower, pub))
		now := target[string(pub)]
		if old == now {
			continue
		}
		if now == 0 {
			kv.Delete(key(prefixValPower, pub))
		} else {
			kv.Set(key(prefixValPower, pub), i64(now))
		}
		out = append(out, abci.Ed25519ValidatorUpdate(pub, now))
		ctx.EmitEvent("validator_power", "pub_key", base64.StdEncoding.EncodeToString(pub),
			"address", hex.EncodeToString(ConsensusAddress(pub)), "from", types.U64(uint64(old)), "to", types.U64(uint64(now)))
	}
	return out
}

// InitValidators runs at InitChain after InitGenesis. If genesis
// masternodes named consensus keys, the set is computed from them and
// returned (CometBFT's genesis validators are then ignored); otherwise the
// genesis validators are recorded with their power and nil is returned.
func (k Keeper) InitValidators(ctx *types.Context, genesis []abci.ValidatorUpdate) ([]abci.ValidatorUpdate, error) {
	kv := k.kv(ctx)
	it := kv.Iterator(prefixValKey, types.PrefixEnd(prefixValKey))
	fromMasternodes := it.Valid()
	it.Close()
	if fromMasternodes {
		out := k.updateValidators(ctx)
		if len(out) == 0 {
			return nil, ErrConsensusKey.Wrapf("the genesis masternodes with consensus keys have no voting power (check collateral and trust.params.power)")
		}
		return out, nil
	}
	for i, v := range genesis {
		pub := v.PubKey.GetEd25519()
		if err := validConsensusKey(pub); err != nil {
			return nil, ErrConsensusKey.Wrapf("genesis validator %d: %v (only ed25519 keys are supported)", i, err)
		}
		if v.Power <= 0 {
			return nil, ErrConsensusKey.Wrapf("genesis validator %d: power %d must be positive", i, v.Power)
		}
		if kv.Has(key(prefixValKey, pub)) {
			return nil, ErrConsensusKey.Wrapf("genesis validator %d is listed twice", i)
		}
		kv.Set(key(prefixValKey, pub), types.Marker)
		kv.Set(key(prefixValGenesis, pub), i64(v.Power))
		kv.Set(key(prefixValPower, pub), i64(v.Power))
	}
	kv.Delete(keyValDirty)
	return nil, nil
}

// Validators lists every candidate and every current member of the set.
func (k Keeper) Validators(ctx *types.Context) []ValidatorView {
	cs, _ := k.computeValidators(ctx)
	kv := k.kv(ctx)
	seen := map[string]bool{}
	var out []ValidatorView
	view := func(pub []byte) ValidatorView {
		return ValidatorView{PubKey: base64.StdEncoding.EncodeToString(pub), Address: hex.EncodeToString(ConsensusAddress(pub)),
			Power: getI64(kv, key(prefixValPower, pub))}
	}
	for _, c := range cs {
		v := view(c.pub)
		v.Genesis, v.Raw, v.Target = c.genesis, c.raw, c.target
		if c.m != nil {
			v.Masternode = c.owner.String()
			v.Standing = standingOf(ctx, c.m).String()
			v.Collateral = c.m.Collateral
		}
		seen[string(c.pub)] = true
		out = append(out, v)
	}
	it := kv.Iterator(prefixValPower, types.PrefixEnd(prefixValPower))
	for ; it.Valid(); it.Next() {
		pub := it.Key()[len(prefixValPower):]
		if !seen[string(pub)] {
			out = append(out, view(slices.Clone(pub)))
		}
	}
	it.Close()
	slices.SortStableFunc(out, func(a, b ValidatorView) int { return cmp.Compare(b.Power, a.Power) })
	return out
}

// parseGenesisConsensusKey decodes a genesis masternode's base64 key.
func parseGenesisConsensusKey(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	pub, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrConsensusKey.Wrapf("not base64: %v", err)
	}
	return pub, validConsensusKey(pub)
}

// CurrentValidators is the validator set the state records (vp/: consensus
// key → power), in key order: what a chain restarted from an export of this
// state starts with.
func (k Keeper) CurrentValidators(ctx *types.Context) []abci.ValidatorUpdate {
	kv := k.kv(ctx)
	var out []abci.ValidatorUpdate
	it := kv.Iterator(prefixValPower, types.PrefixEnd(prefixValPower))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		pub := slices.Clone(it.Key()[len(prefixValPower):])
		if p := getI64(kv, it.Key()); p > 0 {
			out = append(out, abci.Ed25519ValidatorUpdate(pub, p))
		}
	}
	return out
}
