package secp256k1

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/btcsuite/btcd/btcutil/bech32"
	"golang.org/x/crypto/sha3"
)

// AddressPrefix is the bech32 human-readable part of every account address.
const AddressPrefix = "pastel"

// AddressSize is the length of an address's raw bytes.
const AddressSize = 20

// ErrBadAddress is returned for strings that are not Pastel addresses.
var ErrBadAddress = errors.New("address: not a valid pastel address")

// Address is the 20 raw bytes of an account address.
type Address [AddressSize]byte

// AddressFromPubKey derives the address of a compressed public key.
func AddressFromPubKey(compressed []byte) Address {
	h := sha3.Sum256(compressed)
	var a Address
	copy(a[:], h[:AddressSize])
	return a
}

// ModuleAddress is the address of an account owned by a module (fee
// collector, reward pool, …). No private key exists for it.
func ModuleAddress(name string) Address {
	h := sha3.Sum256([]byte("pastel/module/" + name))
	var a Address
	copy(a[:], h[:AddressSize])
	return a
}

// String is the bech32 form, e.g. pastel1….
func (a Address) String() string {
	slot := &addrCache[binary.BigEndian.Uint16(a[:2])%addrCacheSlots]
	if e := slot.Load(); e != nil && e.a == a {
		return e.s
	}
	s := a.encode()
	slot.Store(&addrEntry{a: a, s: s})
	return s
}

// Addresses are encoded and parsed over and over (a registration names
// about 700 masternodes in its events; confirmations carry them as
// strings), and bech32's checksum is most of that cost. A small
// direct-mapped cache of recent (address, string) pairs, one per slot,
// answers repeats: bounded memory, safe for concurrent use, and the same
// answer as encoding (an entry is used only for its exact address or
// string).
const addrCacheSlots = 4096

type addrEntry struct {
	a Address
	s string
}

var addrCache, parseCache [addrCacheSlots]atomic.Pointer[addrEntry]

func (a Address) encode() string {
	conv, err := bech32.ConvertBits(a[:], 8, 5, true)
	if err != nil {
		panic(err) // 20 bytes always convert
	}
	s, err := bech32.Encode(AddressPrefix, conv)
	if err != nil {
		panic(err)
	}
	return s
}

// IsZero reports whether a is the zero address.
func (a Address) IsZero() bool { return a == Address{} }

// Compare orders addresses bytewise.
func (a Address) Compare(b Address) int { return bytes.Compare(a[:], b[:]) }

// ParseAddress parses a bech32 pastel address.
func ParseAddress(s string) (Address, error) {
	var slot *atomic.Pointer[addrEntry]
	if len(s) >= 6 {
		h := uint32(0)
		for i := len(s) - 6; i < len(s); i++ { // the checksum
			h = h*31 + uint32(s[i])
		}
		slot = &parseCache[h%addrCacheSlots]
		if e := slot.Load(); e != nil && e.s == s {
			return e.a, nil
		}
	}
	a, err := parseAddress(s)
	if err == nil && slot != nil {
		slot.Store(&addrEntry{a: a, s: s})
	}
	return a, err
}

func parseAddress(s string) (Address, error) {
	if len(s) > 90 {
		return Address{}, fmt.Errorf("%w: %d characters is too long", ErrBadAddress, len(s))
	}
	hrp, data, err := bech32.Decode(s)
	if err != nil {
		return Address{}, fmt.Errorf("%w: %q: %v", ErrBadAddress, s, err)
	}
	if hrp != AddressPrefix {
		return Address{}, fmt.Errorf("%w: prefix %q, want %q", ErrBadAddress, hrp, AddressPrefix)
	}
	raw, err := bech32.ConvertBits(data, 5, 8, false)
	if err != nil {
		return Address{}, fmt.Errorf("%w: %q: %v", ErrBadAddress, s, err)
	}
	if len(raw) != AddressSize {
		return Address{}, fmt.Errorf("%w: %d bytes, want %d", ErrBadAddress, len(raw), AddressSize)
	}
	var a Address
	copy(a[:], raw)
	return a, nil
}
