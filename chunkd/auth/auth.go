// Package auth signs and checks chunkd requests.
//
// Every request carries four headers:
//
//	X-Pastel-Pubkey     the signer's compressed secp256k1 key (hex)
//	X-Pastel-Time       unix seconds when signed
//	X-Pastel-Nonce      16 random bytes (hex), never reused
//	X-Pastel-Signature  64-byte signature (hex) over the sign bytes
//
// The sign bytes bind the audience (the masternode address of the chunkd
// the request is for, so it cannot be replayed to another node), the method,
// the path with query, the SHA3-256 of the body, the time and the nonce. A
// verifier accepts a request only within a time window and only once.
package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/sha3"

	"github.com/pastelchain/pastel/crypto/secp256k1"
)

const (
	HeaderPubkey    = "X-Pastel-Pubkey"
	HeaderTime      = "X-Pastel-Time"
	HeaderNonce     = "X-Pastel-Nonce"
	HeaderSignature = "X-Pastel-Signature"
)

var (
	ErrMissing   = errors.New("auth: request is not signed (X-Pastel-* headers missing)")
	ErrMalformed = errors.New("auth: malformed signature headers")
	ErrStale     = errors.New("auth: request time outside the accepted window (check the clock)")
	ErrReplay    = errors.New("auth: nonce already used (replayed request)")
	ErrSignature = errors.New("auth: bad signature")
)

// SignBytes are the bytes a request signature covers.
func SignBytes(audience, method, pathQuery string, body []byte, unix int64, nonce string) []byte {
	bh := sha3.Sum256(body)
	return []byte(fmt.Sprintf("pastel-chunkd/v1\n%s\n%s\n%s\n%x\n%d\n%s", audience, method, pathQuery, bh, unix, nonce))
}

// Sign adds the signature headers to req for body (nil for none).
func Sign(req *http.Request, body []byte, key secp256k1.PrivKey, audience string, now time.Time) {
	var n [16]byte
	_, _ = rand.Read(n[:])
	nonce := hex.EncodeToString(n[:])
	unix := now.Unix()
	sig := key.Sign(SignBytes(audience, req.Method, req.URL.RequestURI(), body, unix, nonce))
	req.Header.Set(HeaderPubkey, hex.EncodeToString(key.PubKey().Bytes()))
	req.Header.Set(HeaderTime, strconv.FormatInt(unix, 10))
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set(HeaderSignature, hex.EncodeToString(sig))
}

// Verifier checks signatures for one audience and remembers nonces.
type Verifier struct {
	Audience string
	Window   time.Duration // accepted clock skew either way (default 2 min)
	MaxSeen  int           // nonces remembered (default 1,000,000)

	mu    sync.Mutex
	seen  map[string]int64
	order []string
}

// Verify checks req's signature over body and returns the signer.
func (v *Verifier) Verify(req *http.Request, body []byte, now time.Time) (secp256k1.Address, error) {
	pk, ts, nonce, sg := req.Header.Get(HeaderPubkey), req.Header.Get(HeaderTime), req.Header.Get(HeaderNonce), req.Header.Get(HeaderSignature)
	if pk == "" || ts == "" || nonce == "" || sg == "" {
		return secp256k1.Address{}, ErrMissing
	}
	if len(pk) != 66 || len(nonce) != 32 || len(sg) != 128 || len(ts) > 20 {
		return secp256k1.Address{}, ErrMalformed
	}
	pkb, err1 := hex.DecodeString(pk)
	sgb, err2 := hex.DecodeString(sg)
	_, err3 := hex.DecodeString(nonce)
	unix, err4 := strconv.ParseInt(ts, 10, 64)
	if errors.Join(err1, err2, err3, err4) != nil {
		return secp256k1.Address{}, ErrMalformed
	}
	window := v.Window
	if window == 0 {
		window = 2 * time.Minute
	}
	if d := now.Unix() - unix; d > int64(window.Seconds()) || -d > int64(window.Seconds()) {
		return secp256k1.Address{}, fmt.Errorf("%w: signed at %d, now %d", ErrStale, unix, now.Unix())
	}
	pub, err := secp256k1.PubKeyFromBytes(pkb)
	if err != nil {
		return secp256k1.Address{}, ErrMalformed
	}
	if err := pub.Verify(SignBytes(v.Audience, req.Method, req.URL.RequestURI(), body, unix, nonce), sgb); err != nil {
		return secp256k1.Address{}, ErrSignature
	}
	if !v.remember(nonce, unix, now.Unix()-int64(window.Seconds())) {
		return secp256k1.Address{}, ErrReplay
	}
	return pub.Address(), nil
}

// remember records nonce and reports false if it was seen. Entries older
// than the window are dropped: a request that old is refused as stale.
func (v *Verifier) remember(nonce string, unix, oldest int64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.seen == nil {
		v.seen = map[string]int64{}
	}
	if _, ok := v.seen[nonce]; ok {
		return false
	}
	max := v.MaxSeen
	if max == 0 {
		max = 1_000_000
	}
	for len(v.order) > 0 && (len(v.order) >= max || v.seen[v.order[0]] < oldest) {
		delete(v.seen, v.order[0])
		v.order = v.order[1:]
	}
	v.seen[nonce] = unix
	v.order = append(v.order, nonce)
	return true
}
