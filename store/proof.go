package store

import (
	"errors"
	"fmt"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	"github.com/cosmos/iavl"
	ics23 "github.com/cosmos/ics23/go"
)

// ProofOpType names the single proof op a Pastel query returns: an ICS-23
// commitment proof from the IAVL tree whose root is the block's AppHash.
const ProofOpType = "ics23:iavl"

// ErrProof is returned when a proof does not check out.
var ErrProof = errors.New("store: proof verification failed")

// Prove returns a membership proof of key in tree, or a non-membership
// proof when the key is absent.
func Prove(tree *iavl.ImmutableTree, key []byte) (*cmtcrypto.ProofOps, error) {
	has, err := tree.Has(key)
	if err != nil {
		return nil, err
	}
	var p *ics23.CommitmentProof
	if has {
		p, err = tree.GetMembershipProof(key)
	} else {
		p, err = tree.GetNonMembershipProof(key)
	}
	if err != nil {
		return nil, err
	}
	bz, err := p.Marshal()
	if err != nil {
		return nil, err
	}
	return &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: ProofOpType, Key: key, Data: bz}}}, nil
}

// VerifyProof checks that key maps to value (or, when value is empty, that
// key is absent) in the state whose root is appHash.
func VerifyProof(appHash, key, value []byte, ops *cmtcrypto.ProofOps) error {
	if ops == nil || len(ops.Ops) != 1 {
		return fmt.Errorf("%w: want exactly one proof op", ErrProof)
	}
	op := ops.Ops[0]
	if op.Type != ProofOpType {
		return fmt.Errorf("%w: proof op type %q, want %q", ErrProof, op.Type, ProofOpType)
	}
	if string(op.Key) != string(key) {
		return fmt.Errorf("%w: proof is for key %x, not %x", ErrProof, op.Key, key)
	}
	var p ics23.CommitmentProof
	if err := p.Unmarshal(op.Data); err != nil {
		return fmt.Errorf("%w: decode: %v", ErrProof, err)
	}
	if len(value) == 0 {
		if !ics23.VerifyNonMembership(ics23.IavlSpec, appHash, &p, key) {
			return fmt.Errorf("%w: key %x is not proven absent under AppHash %X", ErrProof, key, appHash)
		}
		return nil
	}
	if !ics23.VerifyMembership(ics23.IavlSpec, appHash, &p, key, value) {
		return fmt.Errorf("%w: value of key %x does not match AppHash %X", ErrProof, key, appHash)
	}
	return nil
}
