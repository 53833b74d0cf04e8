package keyring

import (
	"errors"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/btcutil/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg"
	bip39 "github.com/cosmos/go-bip39"

	"github.com/pastelchain/pastel/crypto/secp256k1"
)

// HDPath is the BIP-44 path keys are derived at from a mnemonic: purpose
// 44', coin type 118' (the Cosmos secp256k1 convention, so other Cosmos
// wallets derive the same key), account 0', external chain, index.
const HDPath = "m/44'/118'/0'/0/%d"

// ErrBadMnemonic is a phrase that is not a valid BIP-39 mnemonic.
var ErrBadMnemonic = errors.New("keyring: not a valid BIP-39 mnemonic (check the words and their order)")

// NewMnemonic returns a fresh 24-word BIP-39 mnemonic (256 bits of entropy).
func NewMnemonic() (string, error) {
	e, err := bip39.NewEntropy(256)
	if err != nil {
		return "", err
	}
	return bip39.NewMnemonic(e)
}

// KeyFromMnemonic derives the account key at HDPath with index from a
// BIP-39 mnemonic and its optional passphrase ("25th word").
func KeyFromMnemonic(mnemonic, passphrase string, index uint32) (secp256k1.PrivKey, error) {
	mnemonic = strings.Join(strings.Fields(strings.ToLower(mnemonic)), " ")
	if !bip39.IsMnemonicValid(mnemonic) {
		return secp256k1.PrivKey{}, ErrBadMnemonic
	}
	if index >= hdkeychain.HardenedKeyStart {
		return secp256k1.PrivKey{}, fmt.Errorf("keyring: index %d is too large", index)
	}
	seed, err := bip39.NewSeedWithErrorChecking(mnemonic, passphrase)
	if err != nil {
		return secp256k1.PrivKey{}, fmt.Errorf("%w: %v", ErrBadMnemonic, err)
	}
	k, err := hdkeychain.NewMaster(seed, &chaincfg.MainNetParams)
	if err != nil {
		return secp256k1.PrivKey{}, err
	}
	const h = hdkeychain.HardenedKeyStart
	for _, step := range []uint32{h + 44, h + 118, h + 0, 0, index} {
		if k, err = k.Derive(step); err != nil {
			return secp256k1.PrivKey{}, fmt.Errorf("keyring: derive %s: %w", fmt.Sprintf(HDPath, index), err)
		}
	}
	ec, err := k.ECPrivKey()
	if err != nil {
		return secp256k1.PrivKey{}, err
	}
	return secp256k1.PrivKeyFromBytes(ec.Serialize())
}

// AddWithMnemonic creates a key from a new mnemonic and returns both; the
// mnemonic is shown once and not stored.
func (k *Keyring) AddWithMnemonic(name string) (*Record, string, error) {
	if _, err := k.path(name); err != nil {
		return nil, "", err
	}
	m, err := NewMnemonic()
	if err != nil {
		return nil, "", err
	}
	key, err := KeyFromMnemonic(m, "", 0)
	if err != nil {
		return nil, "", err
	}
	rec, err := k.Import(name, key)
	return rec, m, err
}
