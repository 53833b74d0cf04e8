// Package bank keeps accounts: balances, nonces, public keys, locked
// collateral and the total supply. Other modules move coins only through the
// Keeper; the app charges fees and checks nonces through it.
//
// State (under the "bank/" prefix):
//
//	a/<20-byte address>  Account (protobuf)
//	params               Params (protobuf)
//	supply               total supply, 8 bytes big-endian
package bank

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank/bankpb"
)

// ModuleName is the bank's store prefix and route prefix.
const ModuleName = "bank"

// FeeCollector is the module account that receives transaction fees until
// the rewards module distributes them.
var FeeCollector = secp256k1.ModuleAddress("fee_collector")

var (
	keyParams     = []byte("params")
	keySupply     = []byte("supply")
	prefixAccount = []byte("a/")
)

// Keeper is the bank's API for the app and the other modules.
type Keeper struct{}

func (Keeper) kv(ctx *types.Context) types.KVStore {
	return store.NewPrefix(ctx.Store(), []byte(ModuleName+"/"))
}

// AccountKey is the full store key of an account (for proofs).
func AccountKey(a types.Address) []byte {
	return append([]byte(ModuleName+"/"+string(prefixAccount)), a[:]...)
}

// Account returns the account, or an empty one (nonce 0, balance 0) if the
// address never received coins.
func (k Keeper) Account(ctx *types.Context, a types.Address) *bankpb.Account {
	acc := &bankpb.Account{}
	if !store.GetProto(k.kv(ctx), store.Key(prefixAccount, a[:]), acc) {
		acc.Address = a.String()
	}
	return acc
}

func (k Keeper) setAccount(ctx *types.Context, a types.Address, acc *bankpb.Account) {
	acc.Address = a.String()
	store.SetProto(k.kv(ctx), store.Key(prefixAccount, a[:]), acc)
}

// Balance is the spendable balance of a.
func (k Keeper) Balance(ctx *types.Context, a types.Address) uint64 {
	return k.Account(ctx, a).Balance
}

// Params returns the module parameters.
func (k Keeper) Params(ctx *types.Context) *bankpb.Params {
	p := &bankpb.Params{}
	store.GetProto(k.kv(ctx), keyParams, p)
	return p
}

func (k Keeper) setParams(ctx *types.Context, p *bankpb.Params) {
	store.SetProto(k.kv(ctx), keyParams, p)
}

// Supply is the total of every balance and every locked amount.
func (k Keeper) Supply(ctx *types.Context) uint64 {
	return store.GetU64(k.kv(ctx), keySupply)
}

func (k Keeper) setSupply(ctx *types.Context, s uint64) {
	store.SetU64(k.kv(ctx), keySupply, s)
}

// Send moves amount from one address's balance to another's.
func (k Keeper) Send(ctx *types.Context, from, to types.Address, amount uint64) error {
	if amount == 0 {
		return types.ErrInvalidAmount.Wrapf("amount must be positive")
	}
	src := k.Account(ctx, from)
	if src.Balance < amount {
		return types.ErrInsufficientFunds.Wrapf("%s has %d npsl, needs %d", from, src.Balance, amount)
	}
	if from == to {
		return nil
	}
	dst := k.Account(ctx, to)
	if dst.Balance+amount < dst.Balance {
		return types.ErrOverflow.Wrapf("balance of %s", to)
	}
	src.Balance -= amount
	dst.Balance += amount
	k.setAccount(ctx, from, src)
	k.setAccount(ctx, to, dst)
	return nil
}

// Lock moves amount of a's balance into its locked part (collateral,
// channel deposits). Locked coins stay in the supply.
func (k Keeper) Lock(ctx *types.Context, a types.Address, amount uint64) error {
	acc := k.Account(ctx, a)
	if acc.Balance < amount {
		return types.ErrInsufficientFunds.Wrapf("%s has %d npsl spendable, needs %d to lock", a, acc.Balance, amount)
	}
	acc.Balance -= amount
	acc.Locked += amount
	k.setAccount(ctx, a, acc)
	return nil
}

// Unlock returns amount of a's locked coins to its balance.
func (k Keeper) Unlock(ctx *types.Context, a types.Address, amount uint64) error {
	acc := k.Account(ctx, a)
	if acc.Locked < amount {
		return types.ErrInsufficientFunds.Wrapf("%s has %d npsl locked, cannot unlock %d", a, acc.Locked, amount)
	}
	acc.Locked -= amount
	acc.Balance += amount
	k.setAccount(ctx, a, acc)
	return nil
}

// PayLocked moves amount of from's locked coins to to's spendable balance
// (channel settlement, slashing into a pool).
func (k Keeper) PayLocked(ctx *types.Context, from, to types.Address, amount uint64) error {
	src := k.Account(ctx, from)
	if src.Locked < amount {
		return types.ErrInsufficientFunds.Wrapf("%s has %d npsl locked, cannot pay %d", from, src.Locked, amount)
	}
	src.Locked -= amount
	k.setAccount(ctx, from, src)
	dst := k.Account(ctx, to)
	dst.Balance += amount
	k.setAccount(ctx, to, dst)
	return nil
}

// Mint creates amount new coins in to's balance (emission only).
func (k Keeper) Mint(ctx *types.Context, to types.Address, amount uint64) error {
	s := k.Supply(ctx)
	if s+amount < s {
		return types.ErrOverflow.Wrapf("supply")
	}
	acc := k.Account(ctx, to)
	acc.Balance += amount
	k.setAccount(ctx, to, acc)
	k.setSupply(ctx, s+amount)
	return nil
}

// ChargeSigner is the app's ante step: the nonce must match, the public key
// must match the one the account first used, and the fee is moved to the fee
// collector. The nonce then advances, whatever the messages do afterwards.
func (k Keeper) ChargeSigner(ctx *types.Context, signer types.Address, pub []byte, nonce, fee uint64) error {
	acc := k.Account(ctx, signer)
	if nonce != acc.Nonce {
		return types.ErrWrongNonce.Wrapf("account %s expects nonce %d, tx has %d", signer, acc.Nonce, nonce)
	}
	if acc.Balance < fee {
		return types.ErrInsufficientFunds.Wrapf("%s has %d npsl, fee is %d", signer, acc.Balance, fee)
	}
	if len(acc.PubKey) == 0 {
		acc.PubKey = append([]byte(nil), pub...)
	}
	acc.Nonce++
	acc.Balance -= fee
	k.setAccount(ctx, signer, acc)
	if fee > 0 {
		fc := k.Account(ctx, FeeCollector)
		fc.Balance += fee
		k.setAccount(ctx, FeeCollector, fc)
	}
	return nil
}

// MinFee is the least fee for a transaction of txBytes bytes and nMsgs
// messages.
func (k Keeper) MinFee(ctx *types.Context, txBytes, nMsgs int) uint64 {
	p := k.Params(ctx)
	return p.MinFee*uint64(nMsgs) + p.FeePerByte*uint64(txBytes)
}

// CheckInvariant verifies that balances and locked amounts add up to the
// supply. It walks every account: for tests and operators, not for blocks.
func (k Keeper) CheckInvariant(ctx *types.Context) error {
	var sum uint64
	it := k.kv(ctx).Iterator(prefixAccount, types.PrefixEnd(prefixAccount))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		var acc bankpb.Account
		if err := proto.Unmarshal(it.Value(), &acc); err != nil {
			return fmt.Errorf("bank: corrupt account %x: %w", it.Key(), err)
		}
		sum += acc.Balance + acc.Locked
	}
	if s := k.Supply(ctx); s != sum {
		return fmt.Errorf("bank: supply invariant broken: accounts hold %d npsl, supply says %d", sum, s)
	}
	return nil
}
