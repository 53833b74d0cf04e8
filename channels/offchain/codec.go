package offchain

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

// Files are JSON (protojson of the channelspb messages): people can read
// them, and the signed bytes are recomputed from the parsed values, so the
// JSON layout never matters to a signature. Every decoder bounds the size,
// refuses unknown fields and checks every field before the caller sees it.

var jsonIn = protojson.UnmarshalOptions{DiscardUnknown: false}

// limits used to check states read from files: the hard ceilings; the chain
// parameters are applied again when an update is accepted.
var fileLimits = state.Limits{MaxLocks: state.MaxLocksCeiling, MaxBets: state.MaxBetsCeiling}

func decodeJSON(b []byte, m proto.Message, what string) error {
	if len(b) > MaxFileBytes {
		return fmt.Errorf("%s: %d bytes, at most %d", what, len(b), MaxFileBytes)
	}
	if err := jsonIn.Unmarshal(b, m); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func checkSignedState(s *pb.SignedState, what string) error {
	if s == nil {
		return nil
	}
	if err := state.Validate(s.State, fileLimits); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	for _, sig := range [][]byte{s.SigA, s.SigB} {
		if len(sig) != 0 && len(sig) != secp256k1.SignatureSize {
			return fmt.Errorf("%s: signature of %d bytes", what, len(sig))
		}
	}
	return nil
}

func checkPreimages(ps [][]byte, what string) error {
	if len(ps) > 4*state.MaxLocksCeiling {
		return fmt.Errorf("%s: %d preimages", what, len(ps))
	}
	for i, p := range ps {
		if len(p) != state.PreimageSize {
			return fmt.Errorf("%s: preimage %d has %d bytes, want %d", what, i, len(p), state.PreimageSize)
		}
	}
	return nil
}

// DecodeUpdate parses and checks an update received from a counterparty.
func DecodeUpdate(b []byte) (*pb.Update, error) {
	u := &pb.Update{}
	if err := decodeJSON(b, u, "update"); err != nil {
		return nil, err
	}
	if len(u.ChannelId) != state.IDSize {
		return nil, fmt.Errorf("update: channel id of %d bytes", len(u.ChannelId))
	}
	if u.State == nil {
		return nil, fmt.Errorf("update: no state")
	}
	if err := checkSignedState(u.State, "update"); err != nil {
		return nil, err
	}
	if !bytesEqual(u.State.State.ChannelId, u.ChannelId) {
		return nil, fmt.Errorf("update: state is for channel %x, update for %x", u.State.State.ChannelId, u.ChannelId)
	}
	if err := checkPreimages(u.Preimages, "update"); err != nil {
		return nil, err
	}
	return u, nil
}

// DecodeWalletChannel parses and checks a wallet channel file.
func DecodeWalletChannel(b []byte) (*pb.WalletChannel, error) {
	wc := &pb.WalletChannel{}
	if err := decodeJSON(b, wc, "wallet channel file"); err != nil {
		return nil, err
	}
	if len(wc.ChannelId) != state.IDSize {
		return nil, fmt.Errorf("wallet channel file: channel id of %d bytes", len(wc.ChannelId))
	}
	if wc.Me != pb.Party_PARTY_A && wc.Me != pb.Party_PARTY_B {
		return nil, fmt.Errorf("wallet channel file: party must be A or B")
	}
	for _, a := range []string{wc.PartyA, wc.PartyB} {
		if _, err := secp256k1.ParseAddress(a); err != nil {
			return nil, fmt.Errorf("wallet channel file: %w", err)
		}
	}
	for _, k := range [][]byte{wc.PubKeyA, wc.PubKeyB} {
		if _, err := secp256k1.PubKeyFromBytes(k); err != nil {
			return nil, fmt.Errorf("wallet channel file: %w", err)
		}
	}
	if wc.Latest == nil {
		return nil, fmt.Errorf("wallet channel file: no latest state")
	}
	for _, s := range []*pb.SignedState{wc.Latest, wc.Pending} {
		if err := checkSignedState(s, "wallet channel file"); err != nil {
			return nil, err
		}
		if s != nil && !bytesEqual(s.State.ChannelId, wc.ChannelId) {
			return nil, fmt.Errorf("wallet channel file: state of another channel")
		}
	}
	if err := checkPreimages(wc.Preimages, "wallet channel file"); err != nil {
		return nil, err
	}
	return wc, nil
}

// DecodeProposal parses and checks an open proposal.
func DecodeProposal(b []byte) (*pb.OpenProposal, error) {
	p := &pb.OpenProposal{}
	if err := decodeJSON(b, p, "open proposal"); err != nil {
		return nil, err
	}
	t := p.Terms
	if t == nil {
		return nil, fmt.Errorf("open proposal: no terms")
	}
	a, err := secp256k1.ParseAddress(t.PartyA)
	if err != nil {
		return nil, fmt.Errorf("open proposal: party A: %w", err)
	}
	b2, err := secp256k1.ParseAddress(t.PartyB)
	if err != nil {
		return nil, fmt.Errorf("open proposal: party B: %w", err)
	}
	pa, err := secp256k1.PubKeyFromBytes(p.PubKeyA)
	if err != nil || pa.Address() != a {
		return nil, fmt.Errorf("open proposal: party A's public key does not match its address")
	}
	if len(p.PubKeyB) > 0 {
		pbk, err := secp256k1.PubKeyFromBytes(p.PubKeyB)
		if err != nil || pbk.Address() != b2 {
			return nil, fmt.Errorf("open proposal: party B's public key does not match its address")
		}
	}
	if t.DepositA+t.DepositB < t.DepositA || t.DepositA+t.DepositB == 0 {
		return nil, fmt.Errorf("open proposal: deposits %d + %d", t.DepositA, t.DepositB)
	}
	if t.ValidUntil == 0 {
		return nil, fmt.Errorf("open proposal: valid_until must be a height > 0")
	}
	if want := state.ChannelID(p.ChainId, a, b2, t.Counter); !bytesEqual(want, p.ChannelId) {
		return nil, fmt.Errorf("open proposal: channel id %x does not derive from the terms (want %x)", p.ChannelId, want)
	}
	if len(p.SigB) != 0 && len(p.SigB) != secp256k1.SignatureSize {
		return nil, fmt.Errorf("open proposal: signature of %d bytes", len(p.SigB))
	}
	return p, nil
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }
