package storage_test

import (
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank/bankpb"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

func bankSend(a types.Address, amt uint64) proto.Message {
	return &bankpb.MsgSend{To: a.String(), Amount: amt}
}

type storageKeeper struct{}

func (storageKeeper) mn(e *challengeEnv, a types.Address) (*storagepb.Masternode, bool) {
	return storage.Keeper{}.Masternode(e.c.Ctx(), a)
}
