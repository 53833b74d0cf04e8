package rewards

import (
	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pastelchain/pastel/types"
)

// Module is the rewards module as an app module. It has no messages: it
// acts at the first block of every epoch.
type Module struct{ Keeper Keeper }

func (Module) Name() string { return ModuleName }

func (Module) Routes() []types.MsgRoute { return nil }

// BeginBlock records the previous block's signers and, at an epoch's first
// block, settles and closes epochs (see the package doc).
func (m Module) BeginBlock(ctx *types.Context) error { return m.Keeper.BeginBlock(ctx) }

func (Module) EndBlock(*types.Context) ([]abci.ValidatorUpdate, error) { return nil, nil }
