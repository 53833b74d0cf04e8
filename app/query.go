package app

import (
	"context"
	"fmt"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
)

// Query answers /<module>/<path...> at req.Height (0 = the last committed
// height). Queries that map to a single store key return the raw stored
// value and, when req.Prove is set, an IAVL proof of it against the AppHash
// of that height (which CometBFT puts in the header of the next block).
func (a *App) Query(_ context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	fail := func(err error) (*abci.ResponseQuery, error) {
		space, code, log := types.ABCIInfo(err)
		return &abci.ResponseQuery{Code: code, Codespace: space, Log: log, Height: req.Height}, nil
	}
	height := req.Height
	latest := a.tree.Version()
	if height == 0 {
		height = latest
	}
	if height <= 0 || height > latest {
		return fail(types.ErrInvalidRequest.Wrapf("height %d is not committed yet (latest %d)", req.Height, latest))
	}
	imm, err := a.tree.GetImmutable(height)
	if err != nil {
		return fail(types.ErrNotFound.Wrapf("height %d is pruned or missing: %v", height, err))
	}
	parts := strings.Split(strings.Trim(req.Path, "/"), "/")
	if len(parts) == 0 || parts[0] == "" {
		return fail(types.ErrInvalidRequest.Wrapf("empty query path; use /<module>/<query>, e.g. /bank/balance/ADDR"))
	}
	var mod types.Module
	for _, m := range a.modules {
		if m.Name() == parts[0] {
			mod = m
		}
	}
	if mod == nil {
		return fail(types.ErrNotFound.Wrapf("no module %q", parts[0]))
	}
	ctx := types.NewContext(store.NewCache(store.Immutable{T: imm}), a.chainID, height, zeroTime)
	res := &abci.ResponseQuery{Height: height}
	if kq, ok := mod.(types.QueryKeyer); ok {
		if key := kq.QueryKey(parts[1:]); key != nil {
			v, err := imm.Get(key)
			if err != nil {
				return fail(fmt.Errorf("read %x: %w", key, err))
			}
			res.Key, res.Value = key, v
			if req.Prove {
				ops, err := store.Prove(imm, key)
				if err != nil {
					return fail(fmt.Errorf("prove %x: %w", key, err))
				}
				res.ProofOps = ops
			}
			return res, nil
		}
	}
	if req.Prove {
		return fail(types.ErrInvalidRequest.Wrapf("query %s cannot be proven; it is computed, not stored under one key", req.Path))
	}
	out, err := mod.Query(ctx, parts[1:], req.Data)
	if err != nil {
		return fail(err)
	}
	res.Value = out
	return res, nil
}
