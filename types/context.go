package types

import (
	"strconv"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
)

// Context carries what a state transition may depend on: its store, the
// block header's facts and the block's randomness. Nothing else — no wall
// clock, no network, no disk — so every node computes the same result.
type Context struct {
	store   KVStore
	ChainID string
	Height  int64
	// Time is the block header time (BFT time), never the local clock.
	Time time.Time
	// Rand is the block's randomness; see app.BlockRandomness for what it is
	// and who can bias it.
	Rand [32]byte
	// CheckTx is true while validating for the mempool: handlers must not
	// do expensive work that is not needed to decide admissibility.
	CheckTx bool
	// Votes are the validators of the previous block and whether they
	// signed it (from the block's DecidedLastCommit); empty outside blocks.
	Votes []abci.VoteInfo
	// Proposer is the CometBFT address of the block's proposer.
	Proposer []byte
	events   *[]abci.Event
}

// NewContext builds a context over store.
func NewContext(store KVStore, chainID string, height int64, t time.Time) *Context {
	ev := []abci.Event{}
	return &Context{store: store, ChainID: chainID, Height: height, Time: t, events: &ev}
}

// Store returns the root store; modules should use KV with their prefix.
func (c *Context) Store() KVStore { return c.store }

// WithStore returns a copy of the context over another store (a cache for a
// single transaction) with its own event list.
func (c *Context) WithStore(s KVStore) *Context {
	cp := *c
	cp.store = s
	ev := []abci.Event{}
	cp.events = &ev
	return &cp
}

// EmitEvent records an event; attrs alternate key, value.
func (c *Context) EmitEvent(typ string, attrs ...string) {
	ev := abci.Event{Type: typ}
	for i := 0; i+1 < len(attrs); i += 2 {
		ev.Attributes = append(ev.Attributes, abci.EventAttribute{Key: attrs[i], Value: attrs[i+1], Index: true})
	}
	*c.events = append(*c.events, ev)
}

// Events returns the events emitted so far.
func (c *Context) Events() []abci.Event { return *c.events }

// AppendEvents adds events emitted under another context (a committed tx cache).
func (c *Context) AppendEvents(evs []abci.Event) { *c.events = append(*c.events, evs...) }

// U64 formats an integer attribute.
func U64(v uint64) string { return strconv.FormatUint(v, 10) }
