// Package secp256k1 holds Pastel's account keys: secp256k1 key pairs, the
// deterministic (RFC 6979) compact signatures wallets produce, and the address
// derived from a public key.
//
// An address is bech32("pastel", SHA3-256(compressed public key)[:20]).
// Signatures are 64 bytes r||s over SHA3-256 of the message, with s in the
// lower half of the curve order so a signature cannot be malleated into a
// second valid one.
package secp256k1

import (
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"golang.org/x/crypto/sha3"
)

const (
	PubKeySize    = 33
	PrivKeySize   = 32
	SignatureSize = 64
)

var (
	ErrBadPubKey      = errors.New("secp256k1: malformed public key")
	ErrBadPrivKey     = errors.New("secp256k1: malformed private key")
	ErrBadSignature   = errors.New("secp256k1: malformed signature")
	ErrHighS          = errors.New("secp256k1: signature s is not in the lower half of the order (malleable)")
	ErrWrongSignature = errors.New("secp256k1: signature does not verify")
)

// PrivKey is a secp256k1 private key.
type PrivKey struct{ k *btcec.PrivateKey }

// PubKey is a parsed secp256k1 public key.
type PubKey struct{ k *btcec.PublicKey }

// GenPrivKey draws a new key from the operating system's randomness.
func GenPrivKey() (PrivKey, error) {
	var b [PrivKeySize]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return PrivKey{}, err
		}
		if k, err := PrivKeyFromBytes(b[:]); err == nil {
			return k, nil
		}
	}
}

// PrivKeyFromBytes parses 32 bytes; zero and values ≥ the order are refused.
func PrivKeyFromBytes(b []byte) (PrivKey, error) {
	if len(b) != PrivKeySize {
		return PrivKey{}, fmt.Errorf("%w: %d bytes, want %d", ErrBadPrivKey, len(b), PrivKeySize)
	}
	var s btcec.ModNScalar
	if overflow := s.SetByteSlice(b); overflow || s.IsZero() {
		return PrivKey{}, fmt.Errorf("%w: out of range", ErrBadPrivKey)
	}
	return PrivKey{k: btcec.PrivKeyFromScalar(&s)}, nil
}

// Bytes is the 32-byte secret.
func (p PrivKey) Bytes() []byte { return p.k.Serialize() }

// PubKey is the matching public key.
func (p PrivKey) PubKey() PubKey { return PubKey{k: p.k.PubKey()} }

// Sign signs SHA3-256(msg) deterministically and returns 64 bytes r||s (low s).
func (p PrivKey) Sign(msg []byte) []byte {
	h := sha3.Sum256(msg)
	sig := ecdsa.SignCompact(p.k, h[:], true) // 65 bytes: recovery id, r, s; s is canonical (low)
	return sig[1:]
}

// PubKeyFromBytes parses a 33-byte compressed public key.
func PubKeyFromBytes(b []byte) (PubKey, error) {
	if len(b) != PubKeySize {
		return PubKey{}, fmt.Errorf("%w: %d bytes, want %d compressed", ErrBadPubKey, len(b), PubKeySize)
	}
	k, err := btcec.ParsePubKey(b)
	if err != nil {
		return PubKey{}, fmt.Errorf("%w: %v", ErrBadPubKey, err)
	}
	return PubKey{k: k}, nil
}

// Bytes is the 33-byte compressed encoding.
func (p PubKey) Bytes() []byte { return p.k.SerializeCompressed() }

// Address is the account address of this key.
func (p PubKey) Address() Address { return AddressFromPubKey(p.Bytes()) }

// Verify checks a 64-byte r||s signature over SHA3-256(msg).
func (p PubKey) Verify(msg, sig []byte) error {
	if len(sig) != SignatureSize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrBadSignature, len(sig), SignatureSize)
	}
	var r, s btcec.ModNScalar
	if overflow := r.SetByteSlice(sig[:32]); overflow || r.IsZero() {
		return fmt.Errorf("%w: r out of range", ErrBadSignature)
	}
	if overflow := s.SetByteSlice(sig[32:]); overflow || s.IsZero() {
		return fmt.Errorf("%w: s out of range", ErrBadSignature)
	}
	if s.IsOverHalfOrder() {
		return ErrHighS
	}
	h := sha3.Sum256(msg)
	if !ecdsa.NewSignature(&r, &s).Verify(h[:], p.k) {
		return ErrWrongSignature
	}
	return nil
}

// SharedSecret is the x coordinate of p·pub (ECDH, 32 bytes). Use it only
// as input to a key derivation function.
func (p PrivKey) SharedSecret(pub PubKey) []byte {
	return btcec.GenerateSharedSecret(p.k, pub.k)
}
