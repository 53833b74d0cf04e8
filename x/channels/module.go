package channels

import (
	"encoding/hex"
	"encoding/json"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

// Message type names.
const (
	MsgOpenType             = "channels/Open"
	MsgTopUpType            = "channels/TopUp"
	MsgCooperativeCloseType = "channels/CooperativeClose"
	MsgCloseType            = "channels/Close"
	MsgDisputeType          = "channels/Dispute"
	MsgSettleType           = "channels/Settle"
	MsgRegisterPreimageType = "channels/RegisterPreimage"
	MsgUnlockType           = "channels/Unlock"
	MsgOracleBondType       = "channels/OracleBond"
	MsgOracleUnbondType     = "channels/OracleUnbond"
	MsgPublishEventType     = "channels/PublishEvent"
	MsgRevealOutcomeType    = "channels/RevealOutcome"
	MsgResolveBetType       = "channels/ResolveBet"
)

// DefaultParams: a 600-block dispute window (10 minutes at 1 s blocks), a
// 40-block minimum expiry delta between hops, 32 locks and 8 bets per state,
// and oracle bonds that stay locked 1,000 blocks past the oracle's last
// event deadline.
func DefaultParams() *pb.Params {
	return &pb.Params{DisputeWindow: 600, MinExpiryDelta: 40, MaxLocks: 32, MaxBets: 8, OracleUnbondDelay: 1000}
}

// Genesis is the module's section of the genesis app state.
type Genesis struct {
	Params GenesisParams `json:"params"`
}

// GenesisParams mirror pb.Params in JSON.
type GenesisParams struct {
	DisputeWindow     uint64 `json:"dispute_window,string"`
	MinExpiryDelta    uint64 `json:"min_expiry_delta,string"`
	MaxLocks          uint32 `json:"max_locks"`
	MaxBets           uint32 `json:"max_bets"`
	OracleUnbondDelay uint64 `json:"oracle_unbond_delay,string"`
}

// ToJSON converts params for genesis and queries.
func ToJSON(p *pb.Params) GenesisParams {
	return GenesisParams{DisputeWindow: p.DisputeWindow, MinExpiryDelta: p.MinExpiryDelta, MaxLocks: p.MaxLocks, MaxBets: p.MaxBets, OracleUnbondDelay: p.OracleUnbondDelay}
}

// ParseGenesis decodes and validates the section.
func ParseGenesis(raw json.RawMessage) (*pb.Params, error) {
	var g Genesis
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("channels: %w", err)
	}
	p := &pb.Params{DisputeWindow: g.Params.DisputeWindow, MinExpiryDelta: g.Params.MinExpiryDelta, MaxLocks: g.Params.MaxLocks, MaxBets: g.Params.MaxBets, OracleUnbondDelay: g.Params.OracleUnbondDelay}
	switch {
	case p.DisputeWindow == 0 || p.DisputeWindow > 10_000_000:
		return nil, fmt.Errorf("channels.params.dispute_window: %d blocks; between 1 and 10,000,000", p.DisputeWindow)
	case p.MaxLocks > state.MaxLocksCeiling:
		return nil, fmt.Errorf("channels.params.max_locks: %d, at most %d", p.MaxLocks, state.MaxLocksCeiling)
	case p.MaxBets > state.MaxBetsCeiling:
		return nil, fmt.Errorf("channels.params.max_bets: %d, at most %d", p.MaxBets, state.MaxBetsCeiling)
	case p.OracleUnbondDelay > 100_000_000:
		return nil, fmt.Errorf("channels.params.oracle_unbond_delay: %d blocks, at most 100,000,000", p.OracleUnbondDelay)
	case p.MinExpiryDelta > 10_000_000:
		return nil, fmt.Errorf("channels.params.min_expiry_delta: %d blocks, at most 10,000,000", p.MinExpiryDelta)
	}
	return p, nil
}

// Module is the channels module.
type Module struct{ Keeper Keeper }

// NewModule wires the module to the bank.
func NewModule() Module {
	return Module{Keeper: Keeper{Bank: bank.Keeper{}, SlashTo: bank.FeeCollector}}
}

func (Module) Name() string { return ModuleName }

func (Module) DefaultGenesis() json.RawMessage {
	bz, _ := json.Marshal(Genesis{Params: ToJSON(DefaultParams())})
	return bz
}

func (Module) ValidateGenesis(raw json.RawMessage) error {
	_, err := ParseGenesis(raw)
	return err
}

func (Module) InitGenesis(ctx *types.Context, raw json.RawMessage) error {
	p, err := ParseGenesis(raw)
	if err != nil {
		return err
	}
	set(ctx, keyParams, p)
	return nil
}

// ExportGenesis exports the parameters. Channels, registry entries and
// oracles live in coins the bank exports only as balances, so a chain
// restarted from an export starts without open channels.
func (m Module) ExportGenesis(ctx *types.Context) (json.RawMessage, error) {
	return json.Marshal(Genesis{Params: ToJSON(m.Keeper.Params(ctx))})
}

func (Module) BeginBlock(*types.Context) error                         { return nil }
func (Module) EndBlock(*types.Context) ([]abci.ValidatorUpdate, error) { return nil, nil }

func checkID(id []byte, what string) error {
	if len(id) != state.IDSize {
		return types.ErrInvalidRequest.Wrapf("%s of %d bytes, want %d", what, len(id), state.IDSize)
	}
	return nil
}

func checkSigned(s *pb.SignedState) error {
	if s == nil {
		return types.ErrInvalidRequest.Wrapf("no state")
	}
	if err := state.Validate(s.State, state.Limits{MaxLocks: state.MaxLocksCeiling, MaxBets: state.MaxBetsCeiling}); err != nil {
		return err
	}
	if len(s.SigA) != secp256k1.SignatureSize || len(s.SigB) != secp256k1.SignatureSize {
		return state.ErrBadSignature.Wrapf("both parties' %d-byte signatures are required", secp256k1.SignatureSize)
	}
	return nil
}

func checkOracle(addr string, eventID []byte) error {
	if _, err := secp256k1.ParseAddress(addr); err != nil {
		return types.ErrInvalidAddress.Wrapf("oracle: %v", err)
	}
	if len(eventID) == 0 || len(eventID) > state.MaxEventID {
		return types.ErrInvalidRequest.Wrapf("event id of %d bytes; 1 to %d", len(eventID), state.MaxEventID)
	}
	return nil
}

func positive(v uint64, what string) error {
	if v == 0 {
		return types.ErrInvalidAmount.Wrapf("%s must be positive", what)
	}
	return nil
}

func (m Module) Routes() []types.MsgRoute {
	k := m.Keeper
	return []types.MsgRoute{
		types.Route(MsgOpenType, func(x *pb.MsgOpen) error {
			if _, err := secp256k1.PubKeyFromBytes(x.CounterpartyPubKey); err != nil {
				return types.ErrInvalidRequest.Wrapf("counterparty public key: %v", err)
			}
			if len(x.CounterpartySig) != secp256k1.SignatureSize {
				return state.ErrBadSignature.Wrapf("counterparty signature of %d bytes, want %d", len(x.CounterpartySig), secp256k1.SignatureSize)
			}
			if x.Deposit == 0 && x.CounterpartyDeposit == 0 {
				return types.ErrInvalidAmount.Wrapf("a channel needs a deposit")
			}
			return nil
		}, k.open),
		types.Route(MsgTopUpType, func(x *pb.MsgTopUp) error {
			if err := checkID(x.ChannelId, "channel id"); err != nil {
				return err
			}
			return positive(x.Amount, "top-up")
		}, k.topUp),
		types.Route(MsgCooperativeCloseType, func(x *pb.MsgCooperativeClose) error {
			return checkSigned(x.State)
		}, k.cooperativeClose),
		types.Route(MsgCloseType, func(x *pb.MsgClose) error {
			if err := checkID(x.ChannelId, "channel id"); err != nil {
				return err
			}
			if x.State == nil {
				return nil
			}
			return checkSigned(x.State)
		}, k.close),
		types.Route(MsgDisputeType, func(x *pb.MsgDispute) error {
			return checkSigned(x.State)
		}, k.dispute),
		types.Route(MsgSettleType, func(x *pb.MsgSettle) error {
			return checkID(x.ChannelId, "channel id")
		}, k.settle),
		types.Route(MsgRegisterPreimageType, func(x *pb.MsgRegisterPreimage) error {
			if len(x.Preimage) != state.PreimageSize {
				return types.ErrInvalidRequest.Wrapf("preimage of %d bytes, want %d", len(x.Preimage), state.PreimageSize)
			}
			return nil
		}, k.registerPreimage),
		types.Route(MsgUnlockType, func(x *pb.MsgUnlock) error {
			if err := checkID(x.ChannelId, "channel id"); err != nil {
				return err
			}
			return checkID(x.Hash, "lock hash")
		}, k.unlock),
		types.Route(MsgOracleBondType, func(x *pb.MsgOracleBond) error {
			return positive(x.Amount, "bond")
		}, k.oracleBond),
		types.Route(MsgOracleUnbondType, func(*pb.MsgOracleUnbond) error { return nil }, k.oracleUnbond),
		types.Route(MsgPublishEventType, func(x *pb.MsgPublishEvent) error {
			_, _, err := state.AnnouncementTerms(x.Announcement)
			if err == nil && len(x.Announcement.Signature) != secp256k1.SignatureSize {
				err = state.ErrBadSignature.Wrapf("announcement signature of %d bytes", len(x.Announcement.Signature))
			}
			return err
		}, k.publishEvent),
		types.Route(MsgRevealOutcomeType, func(x *pb.MsgRevealOutcome) error {
			if err := checkOracle(x.Oracle, x.EventId); err != nil {
				return err
			}
			if len(x.Preimage) != state.PreimageSize {
				return types.ErrInvalidRequest.Wrapf("preimage of %d bytes, want %d", len(x.Preimage), state.PreimageSize)
			}
			return nil
		}, k.revealOutcome),
		types.Route(MsgResolveBetType, func(x *pb.MsgResolveBet) error {
			if err := checkID(x.ChannelId, "channel id"); err != nil {
				return err
			}
			return checkOracle(x.Oracle, x.EventId)
		}, k.resolveBet),
	}
}

func decodeHex(s string, n int, what string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || (n > 0 && len(b) != n) {
		return nil, types.ErrInvalidRequest.Wrapf("%s %q: want %d bytes in hex", what, s, n)
	}
	return b, nil
}

// QueryKey maps the provable queries to their store key: channel/<id>,
// preimage/<hash>, oracle/<address>, event/<oracle>/<event id hex>.
func (Module) QueryKey(path []string) []byte {
	switch {
	case len(path) == 2 && path[0] == "channel":
		if id, err := decodeHex(path[1], state.IDSize, "channel id"); err == nil {
			return ChannelKey(id)
		}
	case len(path) == 2 && path[0] == "preimage":
		if h, err := decodeHex(path[1], state.HashSize, "hash"); err == nil {
			return PreimageKey(h)
		}
	case len(path) == 2 && path[0] == "oracle":
		if a, err := secp256k1.ParseAddress(path[1]); err == nil {
			return OracleKey(a)
		}
	case len(path) == 3 && path[0] == "event":
		a, err := secp256k1.ParseAddress(path[1])
		id, err2 := hex.DecodeString(path[2])
		if err == nil && err2 == nil && len(id) > 0 && len(id) <= state.MaxEventID {
			return EventKey(a, id)
		}
	}
	return nil
}

// maxListed bounds the party/<address> listing.
const maxListed = 1000

// Query answers the computed queries: params, next/<a>/<b> (the counter and
// id the next channel between a and b gets) and party/<address> (channel
// ids of an account, oldest key first). The stored records (channel,
// preimage, oracle, event) are answered by the app through QueryKey.
func (m Module) Query(ctx *types.Context, path []string, _ []byte) ([]byte, error) {
	switch {
	case len(path) == 1 && path[0] == "params":
		return types.JSON(ToJSON(m.Keeper.Params(ctx)))
	case len(path) == 3 && path[0] == "next":
		a, err := secp256k1.ParseAddress(path[1])
		if err != nil {
			return nil, types.ErrInvalidAddress.Wrapf("%v", err)
		}
		b, err := secp256k1.ParseAddress(path[2])
		if err != nil {
			return nil, types.ErrInvalidAddress.Wrapf("%v", err)
		}
		n := m.Keeper.NextCounter(ctx, a, b)
		return types.JSON(map[string]string{"counter": types.U64(n), "channel_id": hx(state.ChannelID(ctx.ChainID, a, b, n))})
	case len(path) == 2 && path[0] == "party":
		a, err := secp256k1.ParseAddress(path[1])
		if err != nil {
			return nil, types.ErrInvalidAddress.Wrapf("%v", err)
		}
		prefix := cat(prefixByParty, a[:])
		it := kv(ctx).Iterator(prefix, types.PrefixEnd(prefix))
		defer it.Close()
		type row struct {
			ID     string `json:"channel_id"`
			Status string `json:"status"`
		}
		out := []row{}
		for ; it.Valid() && len(out) < maxListed; it.Next() {
			id := it.Key()[len(prefix):]
			ch := m.Keeper.Channel(ctx, id)
			if ch == nil {
				continue
			}
			out = append(out, row{ID: hx(id), Status: statusWord(ch.Status)})
		}
		return types.JSON(out)
	}
	return nil, types.ErrNotFound.Wrapf("no channels query %q (try channel/ID, preimage/HASH, oracle/ADDR, event/ORACLE/EVENTHEX, next/A/B, party/ADDR, params)", path)
}
