package offchain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
)

// UpdatePath is where a wallet's endpoint takes proposals.
const UpdatePath = "/channels/update"

// Handler serves POST UpdatePath: the body is an Update proposal (JSON),
// the answer the countersigned Update, or 4xx with the reason. envFn reads
// the chain's view of the update's channel for each request.
func Handler(w *Wallet, key secp256k1.PrivKey, envFn func(ctx context.Context, channelID []byte) (Env, error), pol Policy) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(UpdatePath, func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(rw, "POST an update", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxFileBytes+1))
		if err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		upd, err := DecodeUpdate(body)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		env, err := envFn(r.Context(), upd.ChannelId)
		if err != nil {
			http.Error(rw, "chain view: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		ack, err := w.Accept(upd, key, env, pol)
		if err != nil {
			code := http.StatusUnprocessableEntity
			if errors.Is(err, ErrPending) {
				code = http.StatusConflict
			} else if errors.Is(err, ErrNoChannel) {
				code = http.StatusNotFound
			}
			http.Error(rw, err.Error(), code)
			return
		}
		b, err := jsonOut.Marshal(ack)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusInternalServerError)
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		_, _ = rw.Write(b)
	})
	return mux
}

// Send posts a proposal to a counterparty's endpoint and returns its answer.
func Send(ctx context.Context, hc *http.Client, baseURL string, upd *pb.Update) (*pb.Update, error) {
	b, err := jsonOut.Marshal(upd)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+UpdatePath, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w by the counterparty (%s): %s", ErrRefused, res.Status, bytes.TrimSpace(body))
	}
	ack, err := DecodeUpdate(body)
	if err != nil {
		return nil, fmt.Errorf("counterparty answer: %w", err)
	}
	return ack, nil
}
