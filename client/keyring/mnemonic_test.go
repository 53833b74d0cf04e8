package keyring

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/bech32"
	//lint:ignore SA1019 RIPEMD-160 is the Cosmos address hash this test cross-checks against
	"golang.org/x/crypto/ripemd160"
)

func TestMnemonicRecoversTheSameKey(t *testing.T) {
	home := t.TempDir()
	kr, err := Open(home, BackendTest, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, words, err := kr.AddWithMnemonic("alice")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(words)); n != 24 {
		t.Fatalf("mnemonic has %d words", n)
	}
	// Recovery is insensitive to case and spacing, and gives the same key.
	key, err := KeyFromMnemonic("  "+strings.ToUpper(strings.ReplaceAll(words, " ", "   "))+"\n", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := key.PubKey().Address().String(); got != rec.Address {
		t.Fatalf("recovered %s, created %s", got, rec.Address)
	}
	other, _ := KeyFromMnemonic(words, "", 1)
	withPass, _ := KeyFromMnemonic(words, "25th word", 0)
	if other.PubKey().Address() == key.PubKey().Address() || withPass.PubKey().Address() == key.PubKey().Address() {
		t.Fatal("index and passphrase do not change the key")
	}
	// A swapped word breaks the checksum.
	w := strings.Fields(words)
	w[0], w[1] = w[1], w[0]
	if w[0] != w[1] {
		if _, err := KeyFromMnemonic(strings.Join(w, " "), "", 0); !errors.Is(err, ErrBadMnemonic) {
			t.Fatalf("swapped words: %v", err)
		}
	}
	if _, err := KeyFromMnemonic("not a mnemonic", "", 0); !errors.Is(err, ErrBadMnemonic) {
		t.Fatalf("garbage: %v", err)
	}
}

// The derivation is BIP-39 + BIP-32 at m/44'/118'/0'/0/0, the Cosmos path:
// the standard test phrase must give the public key whose Cosmos address
// (bech32 "cosmos" of RIPEMD160(SHA256(pubkey))) is the one every Cosmos
// wallet derives from it. A change of library or path would move every
// recovered account; this catches it.
func TestMnemonicDerivationMatchesCosmosWallets(t *testing.T) {
	const words = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
	key, err := KeyFromMnemonic(words, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	pub := key.PubKey().Bytes()
	sha := sha256.Sum256(pub)
	r := ripemd160.New()
	r.Write(sha[:])
	conv, _ := bech32.ConvertBits(r.Sum(nil), 8, 5, true)
	got, _ := bech32.Encode("cosmos", conv)
	if want := "cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4"; got != want {
		t.Fatalf("the test phrase derives %s (pubkey %x), Cosmos wallets derive %s", got, pub, want)
	}
}

// Whatever is typed as a mnemonic is either a valid one or ErrBadMnemonic.
func FuzzKeyFromMnemonic(f *testing.F) {
	f.Add("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about", uint32(0))
	f.Add("  Zoo  ", uint32(1<<31))
	f.Fuzz(func(t *testing.T, words string, index uint32) {
		if _, err := KeyFromMnemonic(words, "", index); err != nil && !errors.Is(err, ErrBadMnemonic) && index < 1<<31 {
			t.Fatalf("%q: %v", words, err)
		}
	})
}
