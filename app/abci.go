package app

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/x/storage"
)

var zeroTime = time.Unix(0, 0).UTC()

// MaxTxBytes is the largest transaction the app accepts.
const MaxTxBytes = 512 << 10

func (a *App) Info(context.Context, *abci.RequestInfo) (*abci.ResponseInfo, error) {
	return &abci.ResponseInfo{
		Data:             "pastel",
		Version:          Version,
		AppVersion:       AppVersion,
		LastBlockHeight:  a.tree.Version(),
		LastBlockAppHash: a.tree.Hash(),
	}, nil
}

func (a *App) InitChain(_ context.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	if a.tree.Version() != 0 {
		return nil, fmt.Errorf("app: InitChain on a state already at height %d", a.tree.Version())
	}
	if req.InitialHeight > 1 {
		a.tree.SetInitialVersion(uint64(req.InitialHeight))
	}
	var g GenesisState
	if len(req.AppStateBytes) > 0 {
		if err := json.Unmarshal(req.AppStateBytes, &g); err != nil {
			return nil, fmt.Errorf("app: genesis app_state is not valid JSON: %w", err)
		}
	} else {
		g = DefaultGenesisOf(a.modules)
	}
	if err := validateGenesis(a.modules, g); err != nil {
		return nil, fmt.Errorf("app: invalid genesis: %w", err)
	}
	a.chainID = req.ChainId
	root := store.Tree{T: a.tree}
	root.Set(keyChainID, []byte(req.ChainId))
	root.Set(keyStateLayout, []byte(strconv.Itoa(StateLayout)))
	ctx := types.NewContext(root, req.ChainId, req.InitialHeight, req.Time)
	if _, ok := g[StateDumpKey]; ok {
		// A chain restarted from `pasteld export`: the state is restored
		// verbatim and the validator set is the one it records.
		if err := restoreDump(ctx, a.modules, g); err != nil {
			return nil, fmt.Errorf("app: genesis: %w", err)
		}
		var vals []abci.ValidatorUpdate
		for _, m := range a.modules {
			if o, ok := m.(RestoredValidatorSet); ok {
				vals = append(vals, o.CurrentValidators(ctx)...)
			}
		}
		if len(vals) == 0 {
			return nil, fmt.Errorf("app: genesis: the restored state records no validator")
		}
		a.log.Info("genesis restored from an export", "chain_id", req.ChainId, "initial_height", req.InitialHeight, "validators", len(vals))
		return &abci.ResponseInitChain{AppHash: a.tree.WorkingHash(), Validators: vals}, nil
	}
	for _, m := range a.modules {
		raw, ok := g[m.Name()]
		if !ok {
			raw = m.DefaultGenesis()
		}
		if err := m.InitGenesis(ctx, raw); err != nil {
			return nil, fmt.Errorf("app: genesis of %s: %w", m.Name(), err)
		}
	}
	var vals []abci.ValidatorUpdate
	for _, m := range a.modules {
		if o, ok := m.(types.ValidatorSetOwner); ok {
			v, err := o.InitValidators(ctx, req.Validators)
			if err != nil {
				return nil, fmt.Errorf("app: genesis validators (%s): %w", m.Name(), err)
			}
			vals = append(vals, v...)
		}
	}
	a.log.Info("genesis initialised", "chain_id", req.ChainId, "genesis_validators", len(req.Validators), "validators_from_app", len(vals))
	return &abci.ResponseInitChain{AppHash: a.tree.WorkingHash(), Validators: vals}, nil
}

// decodeAndVerify decodes a tx and checks its signature, using the cache.
func (a *App) decodeAndVerify(raw []byte) (*tx.Tx, error) {
	t, err := tx.Decode(raw, MaxTxBytes)
	if err != nil {
		return nil, err
	}
	k := txKey(raw)
	if a.sigs.has(k) {
		return t, nil
	}
	if err := t.Verify(a.chainID); err != nil {
		return nil, err
	}
	a.sigs.add(k)
	return t, nil
}

// runTx applies one transaction to ctx's store: the ante step (nonce, fee)
// is kept even when a message fails; the messages' writes are kept only if
// all of them succeed.
func (a *App) runTx(ctx *types.Context, raw []byte) (events []abci.Event, err error) {
	t, err := a.decodeAndVerify(raw)
	if err != nil {
		return nil, err
	}
	body := t.Body
	if body.TimeoutHeight != 0 && uint64(ctx.Height) > body.TimeoutHeight {
		return nil, types.ErrTxTimeout.Wrapf("valid until height %d, now %d", body.TimeoutHeight, ctx.Height)
	}
	// Decode and validate every message before touching state.
	msgs := make([]proto.Message, len(body.Messages))
	routes := make([]types.MsgRoute, len(body.Messages))
	for i, m := range body.Messages {
		r, ok := a.routes[m.Type]
		if !ok {
			return nil, types.ErrUnknownMsg.Wrapf("message %d has type %q; known types: %s", i, m.Type, a.knownTypes())
		}
		msg := r.New()
		if err := tx.DecodeMsg(m.Value, msg); err != nil {
			return nil, types.ErrTxDecode.Wrapf("message %d (%s): %v", i, m.Type, err)
		}
		if r.Validate != nil {
			if err := r.Validate(msg); err != nil {
				return nil, fmt.Errorf("message %d (%s): %w", i, m.Type, err)
			}
		}
		msgs[i], routes[i] = msg, r
	}
	minFee := a.bank.MinFee(ctx, len(raw), 0)
	for i, r := range routes {
		if r.MinFee != nil {
			minFee += r.MinFee(ctx, msgs[i])
		} else {
			minFee += a.bank.Params(ctx).MinFee
		}
	}
	if body.Fee < minFee {
		return nil, types.ErrInsufficientFee.Wrapf("fee %d npsl is below the minimum %d npsl for this transaction (%d bytes, %d messages)", body.Fee, minFee, len(raw), len(msgs))
	}
	// Ante: charged whatever the messages do.
	if err := a.bank.ChargeSigner(ctx, t.Signer, t.PubKey.Bytes(), body.Nonce, body.Fee); err != nil {
		return nil, err
	}
	ctx.EmitEvent("tx", "signer", t.Signer.String(), "nonce", types.U64(body.Nonce), "fee", types.U64(body.Fee))
	ante := ctx.Events()

	msgCache := store.NewCache(ctx.Store())
	mctx := ctx.WithStore(msgCache)
	for i, msg := range msgs {
		mctx.EmitEvent("message", "type", body.Messages[i].Type, "sender", t.Signer.String())
		if err := routes[i].Handler(mctx, t.Signer, msg); err != nil {
			return ante, fmt.Errorf("message %d (%s): %w", i, body.Messages[i].Type, err)
		}
	}
	msgCache.Write()
	return append(ante, mctx.Events()...), nil
}

func (a *App) knownTypes() string {
	names := make([]string, 0, len(a.routes))
	for n := range a.routes {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (a *App) CheckTx(_ context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	if a.chainID == "" {
		return &abci.ResponseCheckTx{Code: types.ErrInvalidRequest.Code, Codespace: "pastel", Log: "chain not initialised"}, nil
	}
	txCache := store.NewCache(a.checkState)
	ctx := types.NewContext(txCache, a.chainID, a.tree.Version()+1, zeroTime)
	ctx.CheckTx = true
	_, err := a.runTx(ctx, req.Tx)
	if err != nil {
		// In the mempool a failed message must not advance the nonce either:
		// the tx is refused outright and nothing is kept.
		space, code, log := types.ABCIInfo(err)
		return &abci.ResponseCheckTx{Code: code, Codespace: space, Log: log}, nil
	}
	txCache.Write()
	return &abci.ResponseCheckTx{Code: 0, GasWanted: 1}, nil
}

func (a *App) PrepareProposal(_ context.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
	var out [][]byte
	var size int64
	for _, raw := range req.Txs {
		if size+int64(len(raw)) > req.MaxTxBytes {
			break
		}
		if _, err := a.decodeAndVerify(raw); err != nil {
			continue // never propose what ProcessProposal would refuse
		}
		size += int64(len(raw))
		out = append(out, raw)
	}
	return &abci.ResponsePrepareProposal{Txs: out}, nil
}

// ProcessProposal refuses blocks carrying transactions that cannot be
// decoded or whose signature is wrong: they could never pay a fee, so only a
// faulty proposer includes them.
func (a *App) ProcessProposal(_ context.Context, req *abci.RequestProcessProposal) (*abci.ResponseProcessProposal, error) {
	for _, raw := range req.Txs {
		if _, err := a.decodeAndVerify(raw); err != nil {
			return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_REJECT}, nil
		}
	}
	return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_ACCEPT}, nil
}

func (a *App) FinalizeBlock(_ context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	root := &store.Recorder{KVStore: store.Tree{T: a.tree}, Prefix: storage.FingerprintPrefix}
	defer func() { a.fpWrites = root.Writes }()
	ctx := types.NewContext(root, a.chainID, req.Height, req.Time)
	ctx.Rand = BlockRandomness(req.Height, req.Hash, a.tree.Hash())
	ctx.Votes = req.DecidedLastCommit.Votes
	ctx.Proposer = req.ProposerAddress
	for _, m := range a.modules {
		if err := m.BeginBlock(ctx); err != nil {
			return nil, fmt.Errorf("app: begin block %d, module %s: %w", req.Height, m.Name(), err)
		}
	}
	results := make([]*abci.ExecTxResult, len(req.Txs))
	for i, raw := range req.Txs {
		txCache := store.NewCache(root)
		tctx := ctx.WithStore(txCache)
		events, err := a.runTx(tctx, raw)
		res := &abci.ExecTxResult{Events: events}
		if err != nil {
			res.Codespace, res.Code, res.Log = types.ABCIInfo(err)
			if events == nil {
				txCache = nil // decode, signature, nonce or fee failed: nothing at all changes
			}
		}
		if txCache != nil {
			txCache.Write()
		}
		results[i] = res
	}
	var updates []abci.ValidatorUpdate
	for _, m := range a.modules {
		before, t0 := len(ctx.Events()), time.Now()
		u, err := m.EndBlock(ctx)
		if err != nil {
			return nil, fmt.Errorf("app: end block %d, module %s: %w", req.Height, m.Name(), err)
		}
		if a.metrics != nil { // a side output: the duration feeds no state
			a.metrics.observeEndBlock(m.Name(), time.Since(t0), ctx.Events()[before:])
		}
		updates = append(updates, u...)
	}
	if a.metrics != nil {
		a.metrics.observeEvents(ctx.Events())
		for _, r := range results {
			if r.Code == 0 {
				a.metrics.observeEvents(r.Events)
			}
		}
	}
	return &abci.ResponseFinalizeBlock{
		TxResults:        results,
		Events:           ctx.Events(),
		ValidatorUpdates: updates,
		AppHash:          a.tree.WorkingHash(),
	}, nil
}

func (a *App) Commit(context.Context, *abci.RequestCommit) (*abci.ResponseCommit, error) {
	_, version, err := a.tree.SaveVersion()
	if err != nil {
		return nil, fmt.Errorf("app: save version: %w", err)
	}
	if k := a.opts.PruneKeepRecent; k > 0 && version%a.opts.PruneInterval == 0 && version > k {
		if err := a.tree.DeleteVersionsTo(version - k); err != nil {
			a.log.Error("pruning failed", "to", version-k, "err", err)
		}
	}
	if a.snapshots != nil && a.opts.SnapshotInterval > 0 && version%a.opts.SnapshotInterval == 0 {
		if err := a.takeSnapshot(version); err != nil {
			a.log.Error("snapshot failed", "height", version, "err", err)
		}
	}
	a.resetCheckState()
	a.fpMirror.Committed(version, a.fpWrites)
	a.fpWrites = nil
	if a.metrics != nil {
		a.metrics.committed(version)
	}
	return &abci.ResponseCommit{}, nil
}
