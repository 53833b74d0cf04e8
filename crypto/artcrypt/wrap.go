package artcrypt

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
	"golang.org/x/crypto/sha3"

	"github.com/pastelchain/pastel/crypto/secp256k1"
)

// KeySize is the content key's size.
const KeySize = 32

// Key is a content key.
type Key [KeySize]byte

// WrapVersion is the first byte of a wrap.
const WrapVersion = 1

// WrapSize is the size of a wrap: version, ephemeral public key, sealed key.
const WrapSize = 1 + secp256k1.PubKeySize + KeySize + chacha20poly1305.Overhead

var (
	// ErrMalformedWrap: not a wrap of this format (size, version, point).
	ErrMalformedWrap = errors.New("artcrypt: malformed key wrap")
	// ErrWrapDoesNotOpen: the wrap is not for this key or this art, or was
	// altered.
	ErrWrapDoesNotOpen = errors.New("artcrypt: the key wrap does not open with this key (wrapped for another key or art, or altered)")
	// ErrKeyCheck: the key does not match the ticket's commitment.
	ErrKeyCheck = errors.New("artcrypt: the unwrapped key is not the art's content key (its check does not match the ticket)")
)

// NewKey draws a content key from rand.
func NewKey(rand io.Reader) (Key, error) {
	var k Key
	_, err := io.ReadFull(rand, k[:])
	return k, err
}

// KeyCheck is the public commitment to a content key kept in the ticket.
func KeyCheck(k Key) []byte {
	h := sha3.New256()
	h.Write([]byte("pastel/content-key-check/v1"))
	h.Write(k[:])
	return h.Sum(nil)
}

// CheckKey reports whether k is the key check commits to.
func CheckKey(k Key, check []byte) error {
	if subtle.ConstantTimeCompare(KeyCheck(k), check) != 1 {
		return ErrKeyCheck
	}
	return nil
}

// wrappingKey derives the one-time key that seals the content key.
func wrappingKey(shared, ephemeral, recipient, artID []byte) ([]byte, error) {
	salt := append(append([]byte{}, ephemeral...), recipient...)
	info := append([]byte("pastel/key-wrap/v1"), artID...)
	k := make([]byte, chacha20poly1305.KeySize)
	if _, err := io.ReadFull(hkdf.New(sha3.New256, shared, salt, info), k); err != nil {
		return nil, err
	}
	return k, nil
}

// Wrap seals k for recipient, bound to artID; rand draws the ephemeral key.
func Wrap(rand io.Reader, recipient secp256k1.PubKey, k Key, artID []byte) ([]byte, error) {
	var eph secp256k1.PrivKey
	for {
		var b [secp256k1.PrivKeySize]byte
		if _, err := io.ReadFull(rand, b[:]); err != nil {
			return nil, err
		}
		var err error
		if eph, err = secp256k1.PrivKeyFromBytes(b[:]); err == nil {
			break
		}
	}
	epub := eph.PubKey().Bytes()
	wk, err := wrappingKey(eph.SharedSecret(recipient), epub, recipient.Bytes(), artID)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.New(wk)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, WrapSize)
	out = append(out, WrapVersion)
	out = append(out, epub...)
	return aead.Seal(out, make([]byte, aead.NonceSize()), k[:], artID), nil
}

// Ephemeral returns the ephemeral public key of a well-formed wrap.
func Ephemeral(wrap []byte) []byte { return wrap[1 : 1+secp256k1.PubKeySize] }

// CheckWrap checks what anyone can check without the recipient's key: the
// size, the version and that the ephemeral key is a point of the curve.
func CheckWrap(wrap []byte) error {
	if len(wrap) != WrapSize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrMalformedWrap, len(wrap), WrapSize)
	}
	if wrap[0] != WrapVersion {
		return fmt.Errorf("%w: version %d, want %d", ErrMalformedWrap, wrap[0], WrapVersion)
	}
	if _, err := secp256k1.PubKeyFromBytes(Ephemeral(wrap)); err != nil {
		return fmt.Errorf("%w: ephemeral key: %v", ErrMalformedWrap, err)
	}
	return nil
}

// Unwrap opens a wrap with the recipient's private key.
func Unwrap(priv secp256k1.PrivKey, wrap []byte, artID []byte) (Key, error) {
	var k Key
	if err := CheckWrap(wrap); err != nil {
		return k, err
	}
	epub, _ := secp256k1.PubKeyFromBytes(Ephemeral(wrap))
	wk, err := wrappingKey(priv.SharedSecret(epub), Ephemeral(wrap), priv.PubKey().Bytes(), artID)
	if err != nil {
		return k, err
	}
	aead, err := chacha20poly1305.New(wk)
	if err != nil {
		return k, err
	}
	plain, err := aead.Open(nil, make([]byte, aead.NonceSize()), wrap[1+secp256k1.PubKeySize:], artID)
	if err != nil {
		return k, ErrWrapDoesNotOpen
	}
	copy(k[:], plain)
	return k, nil
}

// Open is what a reader does with its wrap: Unwrap it, then check the key
// against the ticket's commitment. The error is ErrMalformedWrap,
// ErrWrapDoesNotOpen or ErrKeyCheck.
func Open(priv secp256k1.PrivKey, wrap, artID, check []byte) (Key, error) {
	k, err := Unwrap(priv, wrap, artID)
	if err != nil {
		return k, err
	}
	return k, CheckKey(k, check)
}
