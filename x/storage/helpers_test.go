package storage_test

import (
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank/bankpb"
)

func bankSend(a types.Address, amt uint64) proto.Message {
	return &bankpb.MsgSend{To: a.String(), Amount: amt}
}
