package artcrypt

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"math/rand"
	"testing"

	"golang.org/x/crypto/sha3"

	"github.com/pastelchain/pastel/crypto/secp256k1"
)

// detRand is a fixed stream for test vectors: SHA3-SHAKE256 of a seed.
func detRand(seed string) io.Reader {
	h := sha3.NewShake256()
	h.Write([]byte(seed))
	return h
}

func key(t testing.TB, seed byte) secp256k1.PrivKey {
	b := bytes.Repeat([]byte{seed}, 32)
	k, err := secp256k1.PrivKeyFromBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

const wantCheck = "29988d1cc31c66d5a69f9598ac34b530dc2bec2e8ebfc86bad3e8a083a7e7062"

var artID = bytes.Repeat([]byte{0xa7}, 32)

// TestWrapVector pins the wrap format: fixed recipient, content key and
// ephemeral randomness give fixed bytes, and they open.
func TestWrapVector(t *testing.T) {
	recipient := key(t, 0x11)
	var ck Key
	copy(ck[:], bytes.Repeat([]byte{0x42}, 32))
	w, err := Wrap(detRand("pastel wrap vector 1"), recipient.PubKey(), ck, artID)
	if err != nil {
		t.Fatal(err)
	}
	const want = "01039ec3fa67df21f14a0b9eee964041fd9e5f7442494a427aad8584f278b3e000b320093d01cf2816bae807ad4882eceb7016d4058137962f135b27c57d4d0aa8428d69118c3a10105fef1b5beffb8b0809"
	if got := hex.EncodeToString(w); got != want {
		t.Fatalf("wrap vector changed:\n got %s\nwant %s", got, want)
	}
	got, err := Unwrap(recipient, w, artID)
	if err != nil || got != ck {
		t.Fatalf("vector does not open: %v", err)
	}
	if got := hex.EncodeToString(KeyCheck(ck)); got != wantCheck {
		t.Fatalf("key check vector changed: %s", got)
	}
}

func TestWrapRefusesWhatIsNotForIt(t *testing.T) {
	alice, bob := key(t, 1), key(t, 2)
	ck, _ := NewKey(detRand("ck"))
	w, err := Wrap(detRand("eph"), alice.PubKey(), ck, artID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Unwrap(bob, w, artID); !errors.Is(err, ErrWrapDoesNotOpen) {
		t.Fatalf("bob opened alice's wrap: %v", err)
	}
	other := bytes.Repeat([]byte{0xb8}, 32)
	if _, err := Unwrap(alice, w, other); !errors.Is(err, ErrWrapDoesNotOpen) {
		t.Fatalf("a wrap for another art opened: %v", err)
	}
	for i := range w {
		bad := append([]byte(nil), w...)
		bad[i] ^= 0x01
		if _, err := Unwrap(alice, bad, artID); err == nil {
			t.Fatalf("wrap altered at byte %d opened", i)
		}
	}
	if err := CheckWrap(w[:len(w)-1]); !errors.Is(err, ErrMalformedWrap) {
		t.Fatalf("truncated wrap: %v", err)
	}
	if err := CheckKey(ck, KeyCheck(ck)); err != nil {
		t.Fatal(err)
	}
	if got, err := Open(alice, w, artID, KeyCheck(ck)); err != nil || got != ck {
		t.Fatalf("Open with the right key and check: %v", err)
	}
	var zero Key
	if _, err := Open(alice, w, artID, KeyCheck(zero)); !errors.Is(err, ErrKeyCheck) {
		t.Fatalf("Open against another key's check: %v", err)
	}
	if _, err := Open(bob, w, artID, KeyCheck(ck)); !errors.Is(err, ErrWrapDoesNotOpen) {
		t.Fatalf("Open with another key: %v", err)
	}
	var other2 Key
	if err := CheckKey(other2, KeyCheck(ck)); !errors.Is(err, ErrKeyCheck) {
		t.Fatalf("another key passed the check: %v", err)
	}
}

func TestContentRoundTripAndTamper(t *testing.T) {
	ck, _ := NewKey(detRand("content"))
	if _, err := Encrypt(io.Discard, bytes.NewReader(nil), ck, nil); err == nil {
		t.Fatal("an empty plaintext was encrypted (to a ciphertext that never decrypts)")
	}
	for _, n := range []int{1, 64<<10 - 1, 64 << 10, 64<<10 + 1, 300_000} {
		plain := make([]byte, n)
		rand.New(rand.NewSource(int64(n))).Read(plain)
		var ct bytes.Buffer
		m, err := Encrypt(&ct, bytes.NewReader(plain), ck, detRand("nonce"))
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := EncryptedSize(int64(n)); m != want || int64(ct.Len()) != want {
			t.Fatalf("%d bytes: wrote %d, EncryptedSize %d", n, m, want)
		}
		if bytes.Contains(ct.Bytes(), plain[:min(n, 64)]) && n >= 16 {
			t.Fatalf("%d bytes: plaintext visible in the ciphertext", n)
		}
		open := func(b []byte, k Key) ([]byte, error) {
			r, err := DecryptReader(bytes.NewReader(b), k)
			if err != nil {
				return nil, err
			}
			return io.ReadAll(r)
		}
		got, err := open(ct.Bytes(), ck)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("%d bytes: round trip: %v", n, err)
		}
		var wrong Key
		if _, err := open(ct.Bytes(), wrong); err == nil {
			t.Fatalf("%d bytes: decrypted with the wrong key", n)
		}
		b := ct.Bytes()
		flipped := append([]byte(nil), b...)
		flipped[len(b)/2] ^= 1
		if _, err := open(flipped, ck); err == nil {
			t.Fatalf("%d bytes: altered ciphertext decrypted", n)
		}
		// Truncation anywhere, including at a package boundary.
		for _, cut := range []int{len(b) - 1, len(b) - 16, (len(b) / 2), 64<<10 + 32} {
			if cut <= 0 || cut >= len(b) {
				continue
			}
			if _, err := open(b[:cut], ck); err == nil {
				t.Fatalf("%d bytes: ciphertext cut at %d decrypted", n, cut)
			}
		}
	}
}

func FuzzUnwrap(f *testing.F) {
	alice := key(f, 3)
	ck, _ := NewKey(detRand("fuzz"))
	w, _ := Wrap(detRand("fuzz eph"), alice.PubKey(), ck, artID)
	f.Add(w)
	f.Add(w[:40])
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		err := CheckWrap(b)
		k, uerr := Unwrap(alice, b, artID)
		if err != nil && uerr == nil {
			t.Fatalf("malformed wrap opened: %v", err)
		}
		if uerr == nil && !bytes.Equal(b, w) && k == ck {
			// Another encoding of the same wrap must not exist.
			t.Fatalf("a different wrap %x opened to the content key", b)
		}
	})
}

func FuzzDecrypt(f *testing.F) {
	ck, _ := NewKey(detRand("fuzz content"))
	var ct bytes.Buffer
	if _, err := Encrypt(&ct, bytes.NewReader([]byte("a small archive")), ck, detRand("n")); err != nil {
		f.Fatal(err)
	}
	f.Add(ct.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecryptReader(bytes.NewReader(b), ck)
		if err != nil {
			return
		}
		got, err := io.ReadAll(r)
		if err == nil && !bytes.Equal(b, ct.Bytes()) {
			t.Fatalf("altered ciphertext %x decrypted to %q", b, got)
		}
	})
}
