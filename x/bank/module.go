package bank

import (
	"encoding/json"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank/bankpb"
)

// MsgSendType is the registered name of bankpb.MsgSend.
const MsgSendType = "bank/Send"

// Genesis is the bank's section of the genesis app state.
type Genesis struct {
	Params   GenesisParams    `json:"params"`
	Accounts []GenesisAccount `json:"accounts"`
}

// GenesisParams are the fee parameters, in npsl.
type GenesisParams struct {
	MinFee     uint64 `json:"min_fee,string"`
	FeePerByte uint64 `json:"fee_per_byte,string"`
}

// GenesisAccount is a funded address at genesis.
type GenesisAccount struct {
	Address string `json:"address"`
	Balance uint64 `json:"balance,string"`
}

// DefaultParams are the fee parameters a new chain starts with: 1,000 npsl
// per message plus 1 npsl per byte — a transfer costs about 0.0000013 PSL.
func DefaultParams() GenesisParams { return GenesisParams{MinFee: 1000, FeePerByte: 1} }

// Module is the bank as an app module.
type Module struct{ Keeper Keeper }

func (Module) Name() string { return ModuleName }

func (Module) DefaultGenesis() json.RawMessage {
	bz, _ := json.Marshal(Genesis{Params: DefaultParams(), Accounts: []GenesisAccount{}})
	return bz
}

// ParseGenesis decodes and validates a bank genesis section.
func ParseGenesis(raw json.RawMessage) (*Genesis, error) {
	var g Genesis
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("bank: %w", err)
	}
	seen := map[string]bool{}
	var total uint64
	for i, a := range g.Accounts {
		addr, err := secp256k1.ParseAddress(a.Address)
		if err != nil {
			return nil, fmt.Errorf("bank.accounts[%d].address: %w", i, err)
		}
		if seen[addr.String()] {
			return nil, fmt.Errorf("bank.accounts[%d].address: %s listed twice", i, a.Address)
		}
		seen[addr.String()] = true
		if total+a.Balance < total {
			return nil, fmt.Errorf("bank.accounts[%d].balance: total supply overflows", i)
		}
		total += a.Balance
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
	m.Keeper.setParams(ctx, &bankpb.Params{MinFee: g.Params.MinFee, FeePerByte: g.Params.FeePerByte})
	for _, a := range g.Accounts {
		addr, _ := secp256k1.ParseAddress(a.Address)
		if err := m.Keeper.Mint(ctx, addr, a.Balance); err != nil {
			return err
		}
	}
	return nil
}

func (m Module) ExportGenesis(ctx *types.Context) (json.RawMessage, error) {
	p := m.Keeper.Params(ctx)
	g := Genesis{Params: GenesisParams{MinFee: p.MinFee, FeePerByte: p.FeePerByte}}
	it := m.Keeper.kv(ctx).Iterator(prefixAccount, types.PrefixEnd(prefixAccount))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		var acc bankpb.Account
		if err := proto.Unmarshal(it.Value(), &acc); err != nil {
			return nil, err
		}
		if acc.Balance > 0 {
			g.Accounts = append(g.Accounts, GenesisAccount{Address: acc.Address, Balance: acc.Balance})
		}
	}
	return json.Marshal(g)
}

func (m Module) Routes() []types.MsgRoute {
	return []types.MsgRoute{
		types.Route(MsgSendType, func(s *bankpb.MsgSend) error {
			if _, err := secp256k1.ParseAddress(s.To); err != nil {
				return types.ErrInvalidAddress.Wrapf("recipient: %v", err)
			}
			if s.Amount == 0 {
				return types.ErrInvalidAmount.Wrapf("amount must be positive")
			}
			return nil
		}, func(ctx *types.Context, signer types.Address, s *bankpb.MsgSend) error {
			to, _ := secp256k1.ParseAddress(s.To)
			if err := m.Keeper.Send(ctx, signer, to, s.Amount); err != nil {
				return err
			}
			ctx.EmitEvent("transfer", "sender", signer.String(), "recipient", s.To, "amount", types.U64(s.Amount))
			return nil
		}),
	}
}

// Query paths: account/<addr> and balance/<addr> return the Account protobuf
// (provable); supply and params return JSON.
func (m Module) Query(ctx *types.Context, path []string, _ []byte) ([]byte, error) {
	switch {
	case len(path) == 2 && (path[0] == "account" || path[0] == "balance"):
		a, err := secp256k1.ParseAddress(path[1])
		if err != nil {
			return nil, types.ErrInvalidAddress.Wrapf("%v", err)
		}
		return store.Marshal.Marshal(m.Keeper.Account(ctx, a))
	case len(path) == 1 && path[0] == "supply":
		return types.JSON(map[string]string{"supply": types.U64(m.Keeper.Supply(ctx))})
	case len(path) == 1 && path[0] == "params":
		p := m.Keeper.Params(ctx)
		return types.JSON(GenesisParams{MinFee: p.MinFee, FeePerByte: p.FeePerByte})
	}
	return nil, types.ErrNotFound.Wrapf("no bank query %q (try account/ADDR, balance/ADDR, supply, params)", path)
}

// QueryKey maps account queries to the store key that proves them.
func (Module) QueryKey(path []string) []byte {
	if len(path) == 2 && (path[0] == "account" || path[0] == "balance") {
		if a, err := secp256k1.ParseAddress(path[1]); err == nil {
			return AccountKey(a)
		}
	}
	return nil
}

func (Module) BeginBlock(*types.Context) error { return nil }
func (Module) EndBlock(*types.Context) ([]abci.ValidatorUpdate, error) {
	return nil, nil
}
