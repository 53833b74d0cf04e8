package state

import "github.com/pastelchain/pastel/types"

// Codespace is the error codespace of the channels module; the module and
// the wallet library share these errors so a refusal reads the same on both
// sides.
const Codespace = "channels"

// Errors of channel states and their signatures.
var (
	ErrInvalidState    = types.Register(Codespace, 2, "channels: invalid state")
	ErrBadSignature    = types.Register(Codespace, 3, "channels: bad signature")
	ErrAmount          = types.Register(Codespace, 4, "channels: amounts do not add up")
	ErrStaleVersion    = types.Register(Codespace, 5, "channels: stale version")
	ErrWrongChannel    = types.Register(Codespace, 6, "channels: wrong channel")
	ErrNotAllowed      = types.Register(Codespace, 7, "channels: operation not allowed")
	ErrDecode          = types.Register(Codespace, 8, "channels: cannot decode")
	ErrUnknownPreimage = types.Register(Codespace, 9, "channels: preimage does not match")
)
