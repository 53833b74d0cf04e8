package types

import (
	"encoding/json"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
)

// Address is an account address.
type Address = secp256k1.Address

// MsgHandler executes one decoded message signed by signer. It returns an
// error to reject the message; the app then discards everything the
// transaction wrote except the fee and nonce.
type MsgHandler func(ctx *Context, signer Address, msg proto.Message) error

// MsgRoute registers a message type with its module.
type MsgRoute struct {
	// Type is the name carried in txpb.Msg.Type, e.g. "bank/Send".
	Type string
	// New returns an empty message to decode into.
	New func() proto.Message
	// Validate checks the message without state (sizes, ranges, formats).
	Validate func(msg proto.Message) error
	// MinFee is this message's cost in base units on top of the byte fee;
	// 0 means the bank's per-message minimum.
	MinFee  func(ctx *Context, msg proto.Message) uint64
	Handler MsgHandler
}

// Route builds the MsgRoute of message type M from typed functions: the
// one way modules register a handler. validate may be nil (nothing to check
// without state).
func Route[M proto.Message](typ string, validate func(M) error, handle func(ctx *Context, signer Address, msg M) error) MsgRoute {
	var zero M
	return MsgRoute{
		Type: typ,
		New:  func() proto.Message { return zero.ProtoReflect().New().Interface() },
		Validate: func(msg proto.Message) error {
			if validate == nil {
				return nil
			}
			return validate(msg.(M))
		},
		Handler: func(ctx *Context, signer Address, msg proto.Message) error {
			return handle(ctx, signer, msg.(M))
		},
	}
}

// Module is one part of the state machine. Modules own their prefix of the
// store and talk to each other only through small interfaces.
type Module interface {
	Name() string
	// DefaultGenesis is the module's genesis section when none is given.
	DefaultGenesis() json.RawMessage
	// ValidateGenesis checks a genesis section and names the bad field.
	ValidateGenesis(raw json.RawMessage) error
	InitGenesis(ctx *Context, raw json.RawMessage) error
	ExportGenesis(ctx *Context) (json.RawMessage, error)
	Routes() []MsgRoute
	// Query answers /<module>/<path>. The result is usually JSON.
	Query(ctx *Context, path []string, data []byte) ([]byte, error)
	// BeginBlock and EndBlock run every block in module order.
	BeginBlock(ctx *Context) error
	EndBlock(ctx *Context) ([]abci.ValidatorUpdate, error)
}

// ValidatorSetOwner is implemented by the module that owns the validator
// set. At InitChain, after every InitGenesis, it receives CometBFT's genesis
// validators and may return the initial set instead (nil keeps CometBFT's).
type ValidatorSetOwner interface {
	InitValidators(ctx *Context, genesis []abci.ValidatorUpdate) ([]abci.ValidatorUpdate, error)
}

// QueryKeyer is implemented by modules whose queries map to one store key,
// so the app can attach an IAVL proof of that key.
type QueryKeyer interface {
	// QueryKey returns the full store key behind a query path, or nil.
	QueryKey(path []string) []byte
}

// JSON marshals v for a query response.
func JSON(v any) ([]byte, error) { return json.Marshal(v) }
