// Package tx builds, signs, decodes and verifies Pastel transactions. It is
// the one signing path: wallets, chunkd and the app all go through it.
//
// Encoding is canonical protobuf (see proto/pastel/tx/v1/tx.proto): fields
// in order, no unknown fields, no default values written. Decode refuses any
// other encoding, so a transaction has exactly one byte form and one hash.
package tx

import (
	"bytes"
	"errors"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/types/txpb"
)

// Bounds that hold before any parameter is read.
const (
	// MaxTxBytes is the hard ceiling on an encoded transaction; the chain's
	// parameter may set a lower one.
	MaxTxBytes = 1 << 20
	// MaxMsgs is the most messages one transaction may carry.
	MaxMsgs = 64
	// MaxMemo is the longest memo in bytes.
	MaxMemo = 256
	// MaxTypeLen is the longest message type name.
	MaxTypeLen = 64
)

var marshal = proto.MarshalOptions{Deterministic: true}

// Tx is a decoded, structurally valid transaction. Its signature has not
// been checked until Verify succeeds.
type Tx struct {
	Raw       []byte
	Body      *txpb.TxBody
	BodyBytes []byte
	PubKey    secp256k1.PubKey
	Signer    types.Address
	Signature []byte
}

// SignBytes are the bytes a signer signs: the canonical SignDoc binding the
// chain id to the exact body bytes.
func SignBytes(chainID string, body []byte) []byte {
	b, err := marshal.Marshal(&txpb.SignDoc{ChainId: chainID, Body: body})
	if err != nil {
		panic(err) // a SignDoc always encodes
	}
	return b
}

// Msg wraps a module message under its registered type name.
func Msg(typ string, m proto.Message) (*txpb.Msg, error) {
	v, err := marshal.Marshal(m)
	if err != nil {
		return nil, err
	}
	return &txpb.Msg{Type: typ, Value: v}, nil
}

// Sign encodes body, signs it for chainID and returns the transaction bytes.
func Sign(chainID string, body *txpb.TxBody, key secp256k1.PrivKey) ([]byte, error) {
	bb, err := marshal.Marshal(body)
	if err != nil {
		return nil, err
	}
	sig := key.Sign(SignBytes(chainID, bb))
	return marshal.Marshal(&txpb.Tx{Body: bb, PubKey: key.PubKey().Bytes(), Signature: sig})
}

// Decode parses raw strictly: size bounds, canonical encoding, no unknown
// fields, a parseable public key, sane message list and memo.
func Decode(raw []byte, maxBytes int) (*Tx, error) {
	if maxBytes <= 0 || maxBytes > MaxTxBytes {
		maxBytes = MaxTxBytes
	}
	if len(raw) == 0 {
		return nil, types.ErrTxDecode.Wrapf("empty transaction")
	}
	if len(raw) > maxBytes {
		return nil, types.ErrTxTooLarge.Wrapf("%d bytes exceeds the limit of %d", len(raw), maxBytes)
	}
	var t txpb.Tx
	if err := strictUnmarshal(raw, &t); err != nil {
		return nil, types.ErrTxDecode.Wrapf("envelope: %v", err)
	}
	var body txpb.TxBody
	if err := strictUnmarshal(t.Body, &body); err != nil {
		return nil, types.ErrTxDecode.Wrapf("body: %v", err)
	}
	if len(body.Messages) == 0 {
		return nil, types.ErrTxDecode.Wrapf("no messages")
	}
	if len(body.Messages) > MaxMsgs {
		return nil, types.ErrTooManyMsgs.Wrapf("%d messages, at most %d", len(body.Messages), MaxMsgs)
	}
	for i, m := range body.Messages {
		if m.Type == "" || len(m.Type) > MaxTypeLen {
			return nil, types.ErrTxDecode.Wrapf("message %d: type name of %d bytes", i, len(m.Type))
		}
	}
	if len(body.Memo) > MaxMemo {
		return nil, types.ErrTxDecode.Wrapf("memo of %d bytes, at most %d", len(body.Memo), MaxMemo)
	}
	pub, err := secp256k1.PubKeyFromBytes(t.PubKey)
	if err != nil {
		return nil, types.ErrBadSignature.Wrapf("%v", err)
	}
	if len(t.Signature) != secp256k1.SignatureSize {
		return nil, types.ErrBadSignature.Wrapf("signature of %d bytes, want %d", len(t.Signature), secp256k1.SignatureSize)
	}
	return &Tx{Raw: raw, Body: &body, BodyBytes: t.Body, PubKey: pub, Signer: pub.Address(), Signature: t.Signature}, nil
}

// Verify checks the signature for chainID.
func (t *Tx) Verify(chainID string) error {
	if err := t.PubKey.Verify(SignBytes(chainID, t.BodyBytes), t.Signature); err != nil {
		return types.ErrBadSignature.Wrapf("%v (is the chain id %q the one you signed for?)", err, chainID)
	}
	return nil
}

// strictUnmarshal decodes b into m and refuses unknown fields and any
// encoding other than the canonical one.
func strictUnmarshal(b []byte, m proto.Message) error {
	if err := (proto.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, m); err != nil {
		return err
	}
	// Unknown fields (at any depth) were discarded, so they show up here as
	// a difference from the input.
	again, err := marshal.Marshal(m)
	if err != nil {
		return err
	}
	if !bytes.Equal(again, b) {
		return errors.New("non-canonical encoding or unknown fields")
	}
	return nil
}

// DecodeMsg decodes a message value strictly into m.
func DecodeMsg(value []byte, m proto.Message) error { return strictUnmarshal(value, m) }
