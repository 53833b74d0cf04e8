package client

import (
	"encoding/json"

	"github.com/cometbft/cometbft/rpc/client"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/types/txpb"
)

// FeeParams mirrors the bank's fee parameters.
type FeeParams struct {
	MinFee     uint64 `json:"min_fee,string"`
	FeePerByte uint64 `json:"fee_per_byte,string"`
}

// EstimateFee returns the minimum fee for body once signed: the per-message
// fee plus the byte fee of the signed size (computed with a fee field wide
// enough that the final encoding cannot be longer). Messages whose module
// charges more than the per-message minimum need an explicit --fee.
func EstimateFee(p FeeParams, body *txpb.TxBody, key secp256k1.PrivKey) uint64 {
	probe := proto.Clone(body).(*txpb.TxBody)
	probe.Fee = ^uint64(0)
	raw, err := tx.Sign("size-probe", probe, key)
	if err != nil {
		return 0
	}
	return p.MinFee*uint64(len(body.Messages)) + p.FeePerByte*uint64(len(raw))
}

func rpcQueryOpts(height int64, prove bool) client.ABCIQueryOptions {
	return client.ABCIQueryOptions{Height: height, Prove: prove}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
