package channels

import (
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/channels/state"
)

// Errors of the module's handlers (codes 2–9 are the state package's).
var (
	ErrChannelNotFound = types.Register(state.Codespace, 20, "channels: no such channel")
	ErrWrongStatus     = types.Register(state.Codespace, 21, "channels: not allowed in the channel's status")
	ErrNotParty        = types.Register(state.Codespace, 22, "channels: signer is not a party of the channel")
	ErrWindowClosed    = types.Register(state.Codespace, 23, "channels: dispute window closed")
	ErrWindowOpen      = types.Register(state.Codespace, 24, "channels: dispute window still open")
	ErrCounter         = types.Register(state.Codespace, 25, "channels: wrong open counter")
	ErrNotYet          = types.Register(state.Codespace, 26, "channels: not resolvable yet")
	ErrResolved        = types.Register(state.Codespace, 27, "channels: already resolved")
	ErrNoSuchLock      = types.Register(state.Codespace, 28, "channels: no such lock or bet in this channel")
	ErrOracle          = types.Register(state.Codespace, 29, "channels: oracle")
	ErrEventNotFound   = types.Register(state.Codespace, 30, "channels: no such oracle event")
	ErrDuplicate       = types.Register(state.Codespace, 31, "channels: already recorded")
	ErrExpired         = types.Register(state.Codespace, 32, "channels: approval expired")
)
