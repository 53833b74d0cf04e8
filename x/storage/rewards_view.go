package storage

import (
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// MasternodeWeight is one masternode as the rewards module weighs it.
type MasternodeWeight struct {
	Address      types.Address
	ProvenBytes  uint64
	GoodStanding bool
}

// InGoodStanding: active, and no failed challenge within withhold_blocks.
func InGoodStanding(m *storagepb.Masternode, height int64) bool {
	return m.Status == storagepb.MasternodeStatus_MN_ACTIVE && m.WithheldUntil < height
}

// RewardWeights lists every masternode in address order with its proven
// bytes (payload of confirmed commitments) and standing.
func (k Keeper) RewardWeights(ctx *types.Context) []MasternodeWeight {
	var out []MasternodeWeight
	for _, m := range k.Masternodes(ctx) {
		a, err := secp256k1.ParseAddress(m.Address)
		if err != nil {
			continue
		}
		out = append(out, MasternodeWeight{Address: a, ProvenBytes: m.ProvenBytes, GoodStanding: InGoodStanding(m, ctx.Height)})
	}
	return out
}
