// Package peer is the client side of the chunkd HTTP API: signed uploads,
// verified downloads and listings. Wallets and chunkd itself use it.
package peer

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/pastelchain/pastel/chunkd/auth"
	"github.com/pastelchain/pastel/chunkd/store"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/crypto/secp256k1"
)

// ErrRefused is a request the chunkd answered with an error status.
var ErrRefused = errors.New("peer: request refused")

// ErrForbidden is a refusal by the chain's rules (403): the requester has
// no right to the chunk now (e.g. a confirmed holder asking for its own
// chunk). The peer did nothing wrong.
var ErrForbidden = errors.New("peer: forbidden by the chain's rules")

// Client signs requests with one key.
type Client struct {
	Key  secp256k1.PrivKey
	HTTP *http.Client
}

// New returns a client with sane timeouts.
func New(key secp256k1.PrivKey) *Client {
	return &Client{Key: key, HTTP: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second}}}
}

// Target is a chunkd: its URL and the masternode address it serves (the
// audience requests are signed for).
type Target struct {
	URL        string
	Masternode string
}

func (c *Client) do(ctx context.Context, t Target, method, path string, body []byte) ([]byte, int, error) {
	u := strings.TrimRight(t.URL, "/") + path
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	auth.Sign(req, body, c.Key, t.Masternode, time.Now())
	res, err := c.HTTP.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("peer %s: %w", t.URL, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(io.LimitReader(res.Body, store.MaxChunkBytes+1))
	if err != nil {
		return nil, res.StatusCode, err
	}
	if res.StatusCode == http.StatusForbidden {
		return nil, res.StatusCode, fmt.Errorf("%w (%w) by %s (%d): %s", ErrRefused, ErrForbidden, t.URL, res.StatusCode, strings.TrimSpace(string(out)))
	}
	if res.StatusCode/100 != 2 {
		return nil, res.StatusCode, fmt.Errorf("%w by %s (%d): %s", ErrRefused, t.URL, res.StatusCode, strings.TrimSpace(string(out)))
	}
	return out, res.StatusCode, nil
}

// Put uploads chunk bytes for position (art, stripe, index).
func (c *Client) Put(ctx context.Context, t Target, art []byte, stripe, index uint32, chunk []byte) error {
	_, _, err := c.do(ctx, t, http.MethodPut, fmt.Sprintf("/v1/arts/%s/chunks/%d/%d", hex.EncodeToString(art), stripe, index), chunk)
	return err
}

// Get downloads chunk id of art and verifies it against id: a peer cannot
// hand back anything else. The result is codec.Verified, so the store and
// the decoder do not hash it again.
func (c *Client) Get(ctx context.Context, t Target, art []byte, id codec.ID) (codec.Verified, error) {
	b, _, err := c.do(ctx, t, http.MethodGet, fmt.Sprintf("/v1/arts/%s/chunks/%s", hex.EncodeToString(art), id), nil)
	if err != nil {
		return codec.Verified{}, err
	}
	v, err := codec.Verify(b, id)
	if err != nil {
		return codec.Verified{}, fmt.Errorf("peer %s served a bad chunk: %w", t.URL, err)
	}
	return v, nil
}

// List returns the ids of art's chunks the chunkd holds.
func (c *Client) List(ctx context.Context, t Target, art []byte) ([]codec.ID, error) {
	b, _, err := c.do(ctx, t, http.MethodGet, fmt.Sprintf("/v1/arts/%s/chunks", hex.EncodeToString(art)), nil)
	if err != nil {
		return nil, err
	}
	var ids []codec.ID
	if err := json.Unmarshal(b, &ids); err != nil {
		return nil, fmt.Errorf("peer %s: bad listing: %w", t.URL, err)
	}
	return ids, nil
}
