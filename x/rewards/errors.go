package rewards

import "github.com/pastelchain/pastel/types"

// Codespace is the ABCI codespace of the rewards module's errors.
const Codespace = "rewards"

// Errors of the rewards module; match with errors.Is.
var (
	ErrBadParams  = types.Register(Codespace, 2, "rewards: invalid parameters")
	ErrBadGenesis = types.Register(Codespace, 3, "rewards: invalid genesis")
	ErrNoEpoch    = types.Register(Codespace, 4, "rewards: no such settled epoch")
)
