package channels

import (
	"fmt"
	"sort"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank/bankpb"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

// ModuleName is the store and route prefix.
const ModuleName = state.ModuleName

// Bank is what the channels module needs from x/bank: public keys, and
// locking, unlocking and paying out locked coins.
type Bank interface {
	Account(ctx *types.Context, a types.Address) *bankpb.Account
	Lock(ctx *types.Context, a types.Address, amount uint64) error
	Unlock(ctx *types.Context, a types.Address, amount uint64) error
	PayLocked(ctx *types.Context, from, to types.Address, amount uint64) error
}

// Keeper reads and writes the module's state.
type Keeper struct {
	Bank Bank
	// SlashTo receives slashed oracle bonds (the fee collector, so they are
	// paid out as rewards and the supply is unchanged).
	SlashTo types.Address
}

var (
	keyParams      = []byte("params")
	prefixChannel  = []byte("c/")
	prefixCounter  = []byte("n/")
	prefixPreimage = []byte("p/")
	prefixOracle   = []byte("o/")
	prefixEvent    = []byte("e/")
	prefixByParty  = []byte("i/")
)

func kv(ctx *types.Context) types.KVStore {
	return store.NewPrefix(ctx.Store(), []byte(ModuleName+"/"))
}

func cat(parts ...[]byte) []byte { return store.Key(parts...) }

// Full store keys, for proofs.

// ChannelKey is the store key of a channel record.
func ChannelKey(id []byte) []byte { return cat([]byte(ModuleName+"/"), prefixChannel, id) }

// PreimageKey is the store key of a preimage registry entry.
func PreimageKey(hash []byte) []byte { return cat([]byte(ModuleName+"/"), prefixPreimage, hash) }

// OracleKey is the store key of an oracle record.
func OracleKey(a types.Address) []byte { return cat([]byte(ModuleName+"/"), prefixOracle, a[:]) }

// EventKey is the store key of an oracle event.
func EventKey(oracle types.Address, eventID []byte) []byte {
	return cat([]byte(ModuleName+"/"), prefixEvent, oracle[:], eventID)
}

func get(ctx *types.Context, key []byte, m proto.Message) bool {
	return store.GetProto(kv(ctx), key, m)
}

func set(ctx *types.Context, key []byte, m proto.Message) { store.SetProto(kv(ctx), key, m) }

// Params returns the module parameters.
func (k Keeper) Params(ctx *types.Context) *pb.Params {
	p := &pb.Params{}
	if !get(ctx, keyParams, p) {
		return DefaultParams()
	}
	return p
}

func limits(p *pb.Params) state.Limits {
	return state.Limits{MaxLocks: int(p.MaxLocks), MaxBets: int(p.MaxBets)}
}

// Channel returns the channel record, or nil.
func (k Keeper) Channel(ctx *types.Context, id []byte) *pb.Channel {
	ch := &pb.Channel{}
	if !get(ctx, cat(prefixChannel, id), ch) {
		return nil
	}
	return ch
}

func (k Keeper) setChannel(ctx *types.Context, ch *pb.Channel) {
	set(ctx, cat(prefixChannel, ch.Id), ch)
}

func pairKey(a, b types.Address) []byte {
	if a.Compare(b) > 0 {
		a, b = b, a
	}
	return cat(prefixCounter, a[:], b[:])
}

// NextCounter is the counter the next channel between a and b (in either
// role) must use.
func (k Keeper) NextCounter(ctx *types.Context, a, b types.Address) uint64 {
	return store.GetU64(kv(ctx), pairKey(a, b))
}

func (k Keeper) setNextCounter(ctx *types.Context, a, b types.Address, n uint64) {
	store.SetU64(kv(ctx), pairKey(a, b), n)
}

// Preimage returns the registry entry for hash, or nil.
func (k Keeper) Preimage(ctx *types.Context, hash []byte) *pb.Preimage {
	p := &pb.Preimage{}
	if !get(ctx, cat(prefixPreimage, hash), p) {
		return nil
	}
	return p
}

// Oracle returns an oracle's record (empty if it never bonded or was flagged).
func (k Keeper) Oracle(ctx *types.Context, a types.Address) *pb.Oracle {
	o := &pb.Oracle{}
	if !get(ctx, cat(prefixOracle, a[:]), o) {
		o.Address = a.String()
	}
	return o
}

// Event returns a published event, or nil.
func (k Keeper) Event(ctx *types.Context, oracle types.Address, eventID []byte) *pb.Event {
	e := &pb.Event{}
	if !get(ctx, cat(prefixEvent, oracle[:], eventID), e) {
		return nil
	}
	return e
}

func parties(ch *pb.Channel) (a, b types.Address) {
	a, _ = secp256k1.ParseAddress(ch.PartyA)
	b, _ = secp256k1.ParseAddress(ch.PartyB)
	return a, b
}

func pubKeys(ch *pb.Channel) (secp256k1.PubKey, secp256k1.PubKey, error) {
	pa, err := secp256k1.PubKeyFromBytes(ch.PubKeyA)
	if err != nil {
		return pa, pa, err
	}
	pbk, err := secp256k1.PubKeyFromBytes(ch.PubKeyB)
	return pa, pbk, err
}

// pay moves amount out of the channel's escrow to party p: first from the
// coins p itself locked, then from the other party's. The escrow always
// equals what the channel still owes, so it never runs short; if it did,
// the transaction fails and nothing changes.
func (k Keeper) pay(ctx *types.Context, ch *pb.Channel, p pb.Party, amount uint64) error {
	if amount == 0 {
		return nil
	}
	a, b := parties(ch)
	to, other := a, b
	own, theirs := &ch.EscrowA, &ch.EscrowB
	paid := &ch.PaidA
	if p == pb.Party_PARTY_B {
		to, other = b, a
		own, theirs = &ch.EscrowB, &ch.EscrowA
		paid = &ch.PaidB
	}
	fromOwn := min(amount, *own)
	fromOther := amount - fromOwn
	if fromOther > *theirs {
		return fmt.Errorf("channels: escrow of channel %x short by %d npsl paying %d to %s", ch.Id, fromOther-*theirs, amount, to)
	}
	if fromOwn > 0 {
		if err := k.Bank.Unlock(ctx, to, fromOwn); err != nil {
			return err
		}
		*own -= fromOwn
	}
	if fromOther > 0 {
		if err := k.Bank.PayLocked(ctx, other, to, fromOther); err != nil {
			return err
		}
		*theirs -= fromOther
	}
	var err error
	*paid, err = state.Add(*paid, amount, "paid out")
	return err
}

// payState pays out a registered state's balances and the deposits made
// after it (which go back to their depositor).
func (k Keeper) payState(ctx *types.Context, ch *pb.Channel, st *pb.State) error {
	extraA, err := state.Sub(ch.DepositA, st.DepositA, "deposit of A")
	if err != nil {
		return err
	}
	extraB, err := state.Sub(ch.DepositB, st.DepositB, "deposit of B")
	if err != nil {
		return err
	}
	toA, err := state.Add(st.BalanceA, extraA, "payout to A")
	if err != nil {
		return err
	}
	toB, err := state.Add(st.BalanceB, extraB, "payout to B")
	if err != nil {
		return err
	}
	if err := k.pay(ctx, ch, pb.Party_PARTY_A, toA); err != nil {
		return err
	}
	return k.pay(ctx, ch, pb.Party_PARTY_B, toB)
}

// finishIfDone closes a settled channel once no lock or bet is pending.
func finishIfDone(ctx *types.Context, ch *pb.Channel) {
	if len(ch.Registered.Locks) == 0 && len(ch.Registered.Bets) == 0 {
		ch.Status = pb.Status_STATUS_CLOSED
		ch.ClosedHeight = uint64(ctx.Height)
	}
}

// slash flags an oracle proven to have cheated and moves its bond to SlashTo.
func (k Keeper) slash(ctx *types.Context, oracle types.Address, why string) error {
	o := k.Oracle(ctx, oracle)
	if !o.Flagged {
		o.Flagged = true
		o.FlaggedHeight = uint64(ctx.Height)
	}
	slashed := o.Bond
	if o.Bond > 0 {
		if err := k.Bank.PayLocked(ctx, oracle, k.SlashTo, o.Bond); err != nil {
			return err
		}
		o.Slashed += o.Bond
		o.Bond = 0
	}
	set(ctx, cat(prefixOracle, oracle[:]), o)
	ctx.EmitEvent("oracle_fraud", "oracle", oracle.String(), "reason", why, "slashed", types.U64(slashed))
	return nil
}

// CheckInvariant verifies, for every channel, that the escrow still held
// equals what the channel still owes and that payouts plus escrow equal the
// deposits; and, for every account, that its locked coins cover the escrow
// of its channels plus its oracle bond. It walks all channels: for tests
// and operators, not for blocks.
func (k Keeper) CheckInvariant(ctx *types.Context) error {
	owed := map[types.Address]uint64{}
	it := kv(ctx).Iterator(prefixChannel, types.PrefixEnd(prefixChannel))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		ch := &pb.Channel{}
		if err := proto.Unmarshal(it.Value(), ch); err != nil {
			return fmt.Errorf("channels: corrupt channel %x: %w", it.Key(), err)
		}
		var want uint64
		switch ch.Status {
		case pb.Status_STATUS_OPEN, pb.Status_STATUS_DISPUTE:
			want = ch.DepositA + ch.DepositB
		case pb.Status_STATUS_SETTLED:
			e, err := state.Escrowed(ch.Registered)
			if err != nil {
				return err
			}
			want = e
		}
		if ch.EscrowA+ch.EscrowB != want {
			return fmt.Errorf("channels: channel %x (%s) holds %d+%d in escrow but owes %d", ch.Id, statusWord(ch.Status), ch.EscrowA, ch.EscrowB, want)
		}
		if ch.PaidA+ch.PaidB+ch.EscrowA+ch.EscrowB != ch.DepositA+ch.DepositB {
			return fmt.Errorf("channels: channel %x paid %d+%d with %d+%d left of deposits %d+%d", ch.Id, ch.PaidA, ch.PaidB, ch.EscrowA, ch.EscrowB, ch.DepositA, ch.DepositB)
		}
		a, b := parties(ch)
		owed[a] += ch.EscrowA
		owed[b] += ch.EscrowB
	}
	oit := kv(ctx).Iterator(prefixOracle, types.PrefixEnd(prefixOracle))
	defer oit.Close()
	for ; oit.Valid(); oit.Next() {
		o := &pb.Oracle{}
		if err := proto.Unmarshal(oit.Value(), o); err != nil {
			return fmt.Errorf("channels: corrupt oracle %x: %w", oit.Key(), err)
		}
		a, _ := secp256k1.ParseAddress(o.Address)
		owed[a] += o.Bond
	}
	addrs := make([]types.Address, 0, len(owed))
	for a := range owed {
		addrs = append(addrs, a)
	}
	sort.Slice(addrs, func(i, j int) bool { return addrs[i].Compare(addrs[j]) < 0 })
	for _, a := range addrs {
		if locked := k.Bank.Account(ctx, a).Locked; locked < owed[a] {
			return fmt.Errorf("channels: %s has %d npsl locked but its channels and bond hold %d", a, locked, owed[a])
		}
	}
	return nil
}
