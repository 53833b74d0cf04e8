// Package client talks to a Pastel node over CometBFT's RPC: it signs and
// broadcasts transactions, waits for their inclusion, and reads state with
// proofs it checks against the signed block header.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	jsonrpcclient "github.com/cometbft/cometbft/rpc/jsonrpc/client"
	cmttypes "github.com/cometbft/cometbft/types"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/bank/bankpb"
)

// Client is a connection to one node.
type Client struct {
	RPC *rpchttp.HTTP
	// TxWait bounds how long SignAndBroadcast waits for a block holding the
	// transaction (0: DefaultTxWait). A dropped transaction returns sooner.
	TxWait  time.Duration
	node    string
	chainID string
	timeout time.Duration
	// light, when set, verifies headers from a trust root (UseLight).
	light *Light
}

// DefaultRequestTimeout bounds one RPC request to the node: a node that
// accepts the connection but does not answer (stopped, overloaded, a
// half-open connection) fails the call instead of hanging it.
const DefaultRequestTimeout = 30 * time.Second

// New connects to a node's RPC address, e.g. http://127.0.0.1:26657, with
// DefaultRequestTimeout per request.
func New(node string) (*Client, error) {
	return NewWithTimeout(node, DefaultRequestTimeout)
}

// NewWithTimeout is New with a per-request deadline (>0).
func NewWithTimeout(node string, timeout time.Duration) (*Client, error) {
	if !strings.Contains(node, "://") {
		node = "http://" + node
	}
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	hc, err := jsonrpcclient.DefaultHTTPClient(node)
	if err != nil {
		return nil, fmt.Errorf("client: node address %q: %w", node, err)
	}
	hc.Timeout = timeout
	c, err := rpchttp.NewWithClient(node, "/websocket", hc)
	if err != nil {
		return nil, fmt.Errorf("client: node address %q: %w", node, err)
	}
	return &Client{RPC: c, node: node, timeout: timeout}, nil
}

// Node is the RPC address the client talks to.
func (c *Client) Node() string { return c.node }

// unreachable turns a transport error into advice naming the node.
func (c *Client) unreachable(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("the node at %s did not answer within %s (is it stopped, overloaded or still starting? check its log, or use another --node): %w", c.node, c.timeout, err)
	}
	return fmt.Errorf("cannot reach the node at %s (is `pasteld start` running, and is --node right?): %w", c.node, err)
}

// Status is the node's /status.
func (c *Client) Status(ctx context.Context) (*ctypes.ResultStatus, error) {
	st, err := c.RPC.Status(ctx)
	if err != nil {
		return nil, c.unreachable(err)
	}
	return st, nil
}

// ChainID is the chain the node serves.
func (c *Client) ChainID(ctx context.Context) (string, error) {
	if c.chainID != "" {
		return c.chainID, nil
	}
	st, err := c.Status(ctx)
	if err != nil {
		return "", err
	}
	c.chainID = st.NodeInfo.Network
	return c.chainID, nil
}

// QueryError is a query the app refused.
type QueryError struct {
	Path string
	Code uint32
	Log  string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("query %s: %s (code %d)", e.Path, e.Log, e.Code)
}

// QueryJSON runs an unproven query of the latest state whose answer is
// JSON and decodes it into v; it returns the height the answer is from. An
// answer that does not decode is an error naming the path (a node of
// another version, most often).
func (c *Client) QueryJSON(ctx context.Context, path string, v any) (int64, error) {
	r, err := c.Query(ctx, path, 0, false)
	if err != nil {
		return 0, err
	}
	if err := json.Unmarshal(r.Value, v); err != nil {
		return r.Height, fmt.Errorf("%s: unexpected answer from the node (%d bytes): %w", path, len(r.Value), err)
	}
	return r.Height, nil
}

// Query runs an ABCI query at height (0 = latest). With prove, the result's
// proof is checked against the AppHash in the signed header of the next
// block, and a failure is returned as an error.
func (c *Client) Query(ctx context.Context, path string, height int64, prove bool) (*abci.ResponseQuery, error) {
	res, err := c.RPC.ABCIQueryWithOptions(ctx, path, nil, rpcQueryOpts(height, prove))
	if err != nil {
		return nil, c.unreachable(err)
	}
	r := res.Response
	if r.Code != 0 {
		return nil, &QueryError{Path: path, Code: r.Code, Log: r.Log}
	}
	if prove {
		if err := c.VerifyQuery(ctx, &r); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

// VerifyQuery checks a proven query result: the header of block height+1
// carries the AppHash of height; its commit must be signed by more than two
// thirds of the validator set, and the proof must lead from the value to
// that AppHash.
func (c *Client) VerifyQuery(ctx context.Context, r *abci.ResponseQuery) error {
	appHash, err := c.TrustedAppHash(ctx, r.Height)
	if err != nil {
		return err
	}
	if err := store.VerifyProof(appHash, r.Key, r.Value, r.ProofOps); err != nil {
		return fmt.Errorf("the node's answer does not match the chain: %w", err)
	}
	return nil
}

// TrustedAppHash returns the AppHash of state height, taken from the signed
// header of block height+1. It waits (up to 30 s) for that block if it is
// not there yet. With UseLight the header is verified by CometBFT's light
// client from a trust root; without, only against the validator set the
// same node reports (a node that lies consistently is not caught: every
// command of pasteld uses the light client).
func (c *Client) TrustedAppHash(ctx context.Context, height int64) ([]byte, error) {
	next := height + 1
	var commit *ctypes.ResultCommit
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		commit, err = c.RPC.Commit(ctx, &next)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no signed header for height %d yet: %w", next, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	if c.light != nil {
		return c.lightAppHash(ctx, next)
	}
	sh := commit.SignedHeader
	if sh.Header == nil || sh.Commit == nil {
		return nil, fmt.Errorf("node returned an incomplete signed header for %d", next)
	}
	vals, err := c.validatorSet(ctx, next)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(vals.Hash(), sh.ValidatorsHash) {
		return nil, fmt.Errorf("validator set of height %d does not match the header", next)
	}
	if err := sh.ValidateBasic(sh.ChainID); err != nil {
		return nil, fmt.Errorf("signed header %d: %w", next, err)
	}
	if err := vals.VerifyCommitLight(sh.ChainID, sh.Commit.BlockID, next, sh.Commit); err != nil {
		return nil, fmt.Errorf("commit of height %d is not signed by +2/3 of the validators: %w", next, err)
	}
	return sh.AppHash, nil
}

func (c *Client) validatorSet(ctx context.Context, h int64) (*cmttypes.ValidatorSet, error) {
	var all []*cmttypes.Validator
	page, per := 1, 100
	for {
		res, err := c.RPC.Validators(ctx, &h, &page, &per)
		if err != nil {
			return nil, c.unreachable(err)
		}
		all = append(all, res.Validators...)
		if len(all) >= res.Total || len(res.Validators) == 0 {
			break
		}
		page++
	}
	return cmttypes.ValidatorSetFromExistingValidators(all)
}

// Account reads an account (zero for an address never used). With prove it
// is checked against the chain.
func (c *Client) Account(ctx context.Context, a types.Address, prove bool) (*bankpb.Account, int64, error) {
	r, err := c.Query(ctx, "/bank/account/"+a.String(), 0, prove)
	if err != nil {
		return nil, 0, err
	}
	acc := &bankpb.Account{Address: a.String()}
	if len(r.Value) > 0 {
		if err := proto.Unmarshal(r.Value, acc); err != nil {
			return nil, 0, fmt.Errorf("decode account: %w", err)
		}
	}
	return acc, r.Height, nil
}

// TxResult is the outcome of an included transaction.
type TxResult struct {
	Hash   string       `json:"hash"`
	Height int64        `json:"height"`
	Code   uint32       `json:"code"`
	Log    string       `json:"log,omitempty"`
	Events []abci.Event `json:"events,omitempty"`
}

// ErrTxFailed wraps a transaction the chain refused or failed.
var ErrTxFailed = errors.New("transaction failed")

// ErrTxDropped wraps a transaction the node accepted into its mempool and
// later dropped without including it: it stopped being valid there (its
// timeout height passed, or a message no longer applies, e.g. a challenge
// closed), the node restarted, or another transaction of the same signer
// used its nonce. Nothing of it was applied. If its nonce is still unused,
// a rebuilt transaction takes the same nonce, so at most one of the two is
// ever applied.
var ErrTxDropped = errors.New("transaction dropped from the mempool")

// Broadcast submits raw and waits until it is in a block (or timeout). It
// returns early with ErrTxDropped once the node has dropped the
// transaction from its mempool without including it, instead of waiting
// out the timeout for a block that can no longer come.
func (c *Client) Broadcast(ctx context.Context, raw []byte, timeout time.Duration) (*TxResult, error) {
	res, err := c.RPC.BroadcastTxSync(ctx, raw)
	if err != nil {
		return nil, c.unreachable(err)
	}
	hash := fmt.Sprintf("%X", res.Hash)
	if res.Code != 0 {
		return &TxResult{Hash: hash, Code: res.Code, Log: res.Log}, fmt.Errorf("%w: refused by the mempool: %s (code %d)", ErrTxFailed, res.Log, res.Code)
	}
	return c.waitTx(ctx, raw, res.Hash, timeout)
}

// How waitTx watches a transaction: its index every txPoll; the node's
// mempool every mempoolCheck. A transaction counts as gone from the
// mempool once it was missing (and not indexed) at droppedAfter checks in
// a row: one check could fall between a block removing it from the
// mempool and the indexer recording it.
const (
	txPoll       = 150 * time.Millisecond
	mempoolCheck = time.Second
	droppedAfter = 2
	// supersededGrace is how long a transaction whose nonce the chain has
	// used is still looked for in the index (it may be the one that used
	// it) before it counts as replaced by another.
	supersededGrace = 5 * time.Second
)

// waitTx waits until the transaction (hash; signer and nonce from raw) is
// in a block, the node drops it, or timeout. Dropped is only reported when
// it is safe to build the transaction again: the signer's nonce is unused
// (a new transaction takes the same nonce, so at most one is ever
// applied), or it was used and, after supersededGrace, this transaction is
// still in no block.
func (c *Client) waitTx(ctx context.Context, raw, hash []byte, timeout time.Duration) (*TxResult, error) {
	hexHash := fmt.Sprintf("%X", hash)
	var signer types.Address
	var nonce uint64
	known := false
	if t, err := tx.Decode(raw, 0); err == nil {
		signer, nonce, known = t.Signer, t.Body.Nonce, true
	}
	start := time.Now()
	deadline := start.Add(timeout)
	nextCheck := start.Add(mempoolCheck)
	missing := 0
	var usedSince time.Time // when the nonce was first seen used while the tx was missing
	for {
		r, err := c.RPC.Tx(ctx, hash, false)
		if err == nil {
			out := &TxResult{Hash: hexHash, Height: r.Height, Code: r.TxResult.Code, Log: r.TxResult.Log, Events: r.TxResult.Events}
			if out.Code != 0 {
				return out, fmt.Errorf("%w in block %d: %s (code %d)", ErrTxFailed, r.Height, out.Log, out.Code)
			}
			return out, nil
		}
		now := time.Now()
		if now.After(deadline) {
			return &TxResult{Hash: hexHash}, fmt.Errorf("transaction %s was accepted but not included within %s; check later with `pasteld query tx %s`", hexHash, timeout, hexHash)
		}
		if known && !now.Before(nextCheck) {
			nextCheck = now.Add(mempoolCheck)
			if in, listed, err := c.inMempool(ctx, hash); err == nil && listed && !in {
				missing++
			} else {
				missing, usedSince = 0, time.Time{}
			}
			if missing >= droppedAfter {
				acc, _, err := c.Account(ctx, signer, false)
				switch {
				case err != nil: // account unreadable just now: look again at the next check
				case acc.Nonce <= nonce:
					return &TxResult{Hash: hexHash}, fmt.Errorf("%w: %s was accepted %s ago; the node no longer holds it and its nonce %d is unused: "+
						"it stopped being valid (timeout height passed, or a message no longer applies) or the node restarted; "+
						"nothing was applied, build and send it again", ErrTxDropped, hexHash, now.Sub(start).Round(time.Second), nonce)
				case usedSince.IsZero():
					usedSince = now
				case now.Sub(usedSince) >= supersededGrace:
					return &TxResult{Hash: hexHash}, fmt.Errorf("%w: %s was accepted %s ago, but another transaction of %s used its nonce %d; "+
						"this one was not applied", ErrTxDropped, hexHash, now.Sub(start).Round(time.Second), signer, nonce)
				}
			}
		}
		select {
		case <-ctx.Done():
			return &TxResult{Hash: hexHash}, ctx.Err()
		case <-time.After(txPoll):
		}
	}
}

// mempoolListMax is the most transactions one /unconfirmed_txs answers.
const mempoolListMax = 100

// inMempool reports whether the node's mempool holds hash. known is false
// when the mempool is too large to list in one request (the caller then
// keeps waiting).
func (c *Client) inMempool(ctx context.Context, hash []byte) (in, known bool, err error) {
	n, err := c.RPC.NumUnconfirmedTxs(ctx)
	if err != nil {
		return false, false, c.unreachable(err)
	}
	if n.Total == 0 {
		return false, true, nil
	}
	if n.Total > mempoolListMax || n.TotalBytes > 16<<20 {
		return false, false, nil
	}
	limit := mempoolListMax
	u, err := c.RPC.UnconfirmedTxs(ctx, &limit)
	if err != nil {
		return false, false, c.unreachable(err)
	}
	for _, t := range u.Txs {
		if bytes.Equal(t.Hash(), hash) {
			return true, true, nil
		}
	}
	return false, len(u.Txs) >= u.Total, nil
}

// SignAndBroadcast builds a transaction of msgs from key with the account's
// current nonce and the given fee (0 = the minimum), and waits for it.
func (c *Client) SignAndBroadcast(ctx context.Context, key secp256k1.PrivKey, fee uint64, memo string, msgs ...*txpb.Msg) (*TxResult, error) {
	raw, err := c.Sign(ctx, key, fee, memo, msgs...)
	if err != nil {
		return nil, err
	}
	wait := c.TxWait
	if wait <= 0 {
		wait = DefaultTxWait
	}
	return c.Broadcast(ctx, raw, wait)
}

// DefaultTxWait is how long SignAndBroadcast waits for inclusion unless
// the client's TxWait says otherwise.
const DefaultTxWait = 60 * time.Second

// Sign builds and signs a transaction using the account's committed nonce.
func (c *Client) Sign(ctx context.Context, key secp256k1.PrivKey, fee uint64, memo string, msgs ...*txpb.Msg) ([]byte, error) {
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	acc, _, err := c.Account(ctx, key.PubKey().Address(), false)
	if err != nil {
		return nil, err
	}
	body := &txpb.TxBody{Messages: msgs, Nonce: acc.Nonce, Memo: memo, Fee: fee}
	if fee == 0 {
		p, err := c.FeeParams(ctx)
		if err != nil {
			return nil, err
		}
		body.Fee = EstimateFee(p, body, key)
	}
	return tx.Sign(chainID, body, key)
}

// FeeParams reads the bank's fee parameters.
func (c *Client) FeeParams(ctx context.Context) (FeeParams, error) {
	r, err := c.Query(ctx, "/bank/params", 0, false)
	if err != nil {
		return FeeParams{}, err
	}
	var p FeeParams
	if err := jsonUnmarshal(r.Value, &p); err != nil {
		return FeeParams{}, err
	}
	return p, nil
}
