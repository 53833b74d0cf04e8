package state

import (
	"github.com/pastelchain/pastel/types/tx"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
)

// MaxSignedStateBytes bounds an encoded signed state (about 256 locks and
// 64 bets fit comfortably).
const MaxSignedStateBytes = 128 << 10

// EncodeSignedState is the canonical binary form of s.
func EncodeSignedState(s *pb.SignedState) []byte { return mustMarshal(s) }

// DecodeSignedState parses the canonical binary form strictly (no unknown
// fields, no second encoding of the same state) and validates the state.
// Signatures are not checked; VerifyState does that.
func DecodeSignedState(b []byte, lim Limits) (*pb.SignedState, error) {
	if len(b) > MaxSignedStateBytes {
		return nil, ErrDecode.Wrapf("signed state of %d bytes, at most %d", len(b), MaxSignedStateBytes)
	}
	s := &pb.SignedState{}
	if err := tx.DecodeMsg(b, s); err != nil {
		return nil, ErrDecode.Wrapf("signed state: %v", err)
	}
	if err := Validate(s.State, lim); err != nil {
		return nil, err
	}
	return s, nil
}
