package secp256k1

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"

	"golang.org/x/crypto/sha3"
)

func TestSignVerifyRoundTrip(t *testing.T) {
	k, err := GenPrivKey()
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("pastel")
	sig := k.Sign(msg)
	if len(sig) != SignatureSize {
		t.Fatalf("signature is %d bytes", len(sig))
	}
	if !bytes.Equal(sig, k.Sign(msg)) {
		t.Fatal("signing is not deterministic")
	}
	pub, err := PubKeyFromBytes(k.PubKey().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Verify(msg, sig); err != nil {
		t.Fatal(err)
	}
	if err := pub.Verify([]byte("pastel!"), sig); !errors.Is(err, ErrWrongSignature) {
		t.Fatalf("other message: %v", err)
	}
	for i := 0; i < len(sig); i++ {
		bad := append([]byte(nil), sig...)
		bad[i] ^= 0x01
		if pub.Verify(msg, bad) == nil {
			t.Fatalf("flipped bit in byte %d still verifies", i)
		}
	}
}

func TestHighSRefused(t *testing.T) {
	k, _ := GenPrivKey()
	msg := []byte("malleate me")
	sig := k.Sign(msg)
	// s' = n - s is the malleated twin; it must be refused.
	n := []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
		0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41}
	s := sig[32:]
	var out [32]byte
	borrow := 0
	for i := 31; i >= 0; i-- {
		d := int(n[i]) - int(s[i]) - borrow
		borrow = 0
		if d < 0 {
			d += 256
			borrow = 1
		}
		out[i] = byte(d)
	}
	twin := append(append([]byte(nil), sig[:32]...), out[:]...)
	if err := k.PubKey().Verify(msg, twin); !errors.Is(err, ErrHighS) {
		t.Fatalf("high-s twin: %v", err)
	}
}

func TestAddressRoundTrip(t *testing.T) {
	k, _ := GenPrivKey()
	a := k.PubKey().Address()
	s := a.String()
	if s[:7] != "pastel1" {
		t.Fatalf("address %s lacks prefix", s)
	}
	b, err := ParseAddress(s)
	if err != nil || b != a {
		t.Fatalf("parse %s: %v %v", s, b, err)
	}
	// A changed last character breaks the checksum (pick one that differs:
	// the key is random, and its address may already end in 'x').
	last := "x"
	if s[len(s)-1] == 'x' {
		last = "q"
	}
	for _, bad := range []string{"", "pastel1", "cosmos1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", s[:len(s)-1] + last, s + "q"} {
		if _, err := ParseAddress(bad); !errors.Is(err, ErrBadAddress) {
			t.Errorf("ParseAddress(%q) = %v, want ErrBadAddress", bad, err)
		}
	}
}

// TestAddressCacheAnswersAsEncoding: with far more addresses than cache
// slots, used from several goroutines, String and ParseAddress give what
// bech32 gives without the cache, and a string differing only in its
// checksum from a cached one is still refused.
func TestAddressCacheAnswersAsEncoding(t *testing.T) {
	addrs := make([]Address, 3*addrCacheSlots)
	for i := range addrs {
		h := sha3.Sum256(binary.BigEndian.AppendUint32(nil, uint32(i)))
		copy(addrs[i][:], h[:])
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 3 {
				for i := range addrs {
					a := addrs[(i*7+g*1013+round*31)%len(addrs)]
					s := a.String()
					if want := a.encode(); s != want {
						errs <- fmt.Errorf("String(%x) = %s, want %s", a, s, want)
						return
					}
					b, err := ParseAddress(s)
					if err != nil || b != a {
						errs <- fmt.Errorf("ParseAddress(%s) = %x, %v; want %x", s, b, err, a)
						return
					}
					last := byte('x')
					if s[len(s)-1] == 'x' {
						last = 'q'
					}
					if _, err := ParseAddress(s[:len(s)-1] + string(last)); !errors.Is(err, ErrBadAddress) {
						errs <- fmt.Errorf("a broken checksum of cached %s was accepted", s)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// BenchmarkAddressString: String of 1,000 addresses in turn (a
// registration's masternodes) with the cache, against bech32 encoding each
// time, in the same run.
func BenchmarkAddressString(b *testing.B) {
	addrs := make([]Address, 1000)
	for i := range addrs {
		h := sha3.Sum256(binary.BigEndian.AppendUint32(nil, uint32(i)))
		copy(addrs[i][:], h[:])
	}
	b.Run("cached", func(b *testing.B) {
		i := 0
		for b.Loop() {
			_ = addrs[i%len(addrs)].String()
			i++
		}
	})
	b.Run("encode", func(b *testing.B) {
		i := 0
		for b.Loop() {
			_ = addrs[i%len(addrs)].encode()
			i++
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	k, _ := GenPrivKey()
	msg := []byte("benchmark message of typical transaction size ........................")
	sig := k.Sign(msg)
	pub := k.PubKey()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := pub.Verify(msg, sig); err != nil {
			b.Fatal(err)
		}
	}
}
