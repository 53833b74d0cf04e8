package auth

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/pastelchain/pastel/crypto/secp256k1"
)

func TestSignVerifyReplayAudience(t *testing.T) {
	k, _ := secp256k1.GenPrivKey()
	now := time.Unix(1_800_000_000, 0)
	req, _ := http.NewRequest("PUT", "http://x/v1/chunks/abc?art=1", nil)
	body := []byte("chunk bytes")
	Sign(req, body, k, "mnA", now)
	v := &Verifier{Audience: "mnA"}
	who, err := v.Verify(req, body, now)
	if err != nil || who != k.PubKey().Address() {
		t.Fatalf("verify: %v", err)
	}
	if _, err := v.Verify(req, body, now); !errors.Is(err, ErrReplay) {
		t.Fatalf("replay: %v", err)
	}
	other := &Verifier{Audience: "mnB"}
	if _, err := other.Verify(req, body, now); !errors.Is(err, ErrSignature) {
		t.Fatalf("other audience: %v", err)
	}
	req2, _ := http.NewRequest("PUT", "http://x/v1/chunks/abc?art=1", nil)
	Sign(req2, body, k, "mnA", now)
	if _, err := v.Verify(req2, []byte("other body"), now); !errors.Is(err, ErrSignature) {
		t.Fatalf("body swap: %v", err)
	}
	req3, _ := http.NewRequest("GET", "http://x/v1/chunks/abc", nil)
	Sign(req3, nil, k, "mnA", now.Add(-10*time.Minute))
	if _, err := v.Verify(req3, nil, now); !errors.Is(err, ErrStale) {
		t.Fatalf("stale: %v", err)
	}
	req4, _ := http.NewRequest("GET", "http://x/v1/chunks/abc", nil)
	if _, err := v.Verify(req4, nil, now); !errors.Is(err, ErrMissing) {
		t.Fatalf("unsigned: %v", err)
	}
	req5, _ := http.NewRequest("GET", "http://x/v1/chunks/abc", nil)
	Sign(req5, nil, k, "mnA", now)
	req5.URL.Path = "/v1/chunks/abd"
	req5.URL.RawPath = ""
	if _, err := v.Verify(req5, nil, now); !errors.Is(err, ErrSignature) {
		t.Fatalf("path swap: %v", err)
	}
}

func FuzzVerifyHeaders(f *testing.F) {
	f.Add("02aa", "123", "00", "ff")
	f.Fuzz(func(t *testing.T, pk, ts, nonce, sig string) {
		req, _ := http.NewRequest("GET", "http://x/v1/chunks/a", nil)
		req.Header.Set(HeaderPubkey, pk)
		req.Header.Set(HeaderTime, ts)
		req.Header.Set(HeaderNonce, nonce)
		req.Header.Set(HeaderSignature, sig)
		v := &Verifier{Audience: "a"}
		if _, err := v.Verify(req, nil, time.Unix(123, 0)); err == nil {
			t.Fatal("random headers verified")
		}
	})
}
