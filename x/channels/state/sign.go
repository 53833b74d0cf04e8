package state

import (
	"encoding/binary"

	"golang.org/x/crypto/sha3"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
)

// ModuleName is the channels module's name, store prefix and the module
// field of every sign doc.
const ModuleName = "channels"

// Type tags of the sign docs. A signature made for one tag never verifies
// under another, so an open signature cannot pass as a state signature or an
// oracle announcement, and the reverse.
const (
	TypeOpen        = "channels/Open"
	TypeState       = "channels/State"
	TypeOracleEvent = "channels/OracleEvent"
	typeChannelID   = "channels/ChannelID"
)

// Sizes of the fixed-length fields.
const (
	IDSize       = 32
	HashSize     = 32
	PreimageSize = 32
	MaxEventID   = 64
	MaxOutcomes  = 16
	MinOutcomes  = 2
)

var marshal = proto.MarshalOptions{Deterministic: true}

func mustMarshal(m proto.Message) []byte {
	b, err := marshal.Marshal(m)
	if err != nil {
		panic(err) // only valid Go values reach here; protobuf always encodes them
	}
	return b
}

// signDoc serializes the one document every channel signature covers.
func signDoc(chainID, typ string, object, payload []byte) []byte {
	return mustMarshal(&pb.SignDoc{ChainId: chainID, Module: ModuleName, Type: typ, ObjectId: object, Payload: payload})
}

// Hash is SHA3-256, the hash of preimages, event outcomes and ids.
func Hash(b []byte) []byte {
	h := sha3.Sum256(b)
	return h[:]
}

// ChannelID derives the id of the counter-th channel opened between a (the
// opener) and b on chainID. The counter of a pair only grows, so a reopened
// channel between the same two accounts always gets a fresh id, and
// signatures made for an earlier channel never verify for it.
func ChannelID(chainID string, a, b types.Address, counter uint64) []byte {
	payload := make([]byte, 0, 2*secp256k1.AddressSize+8)
	payload = append(payload, a[:]...)
	payload = append(payload, b[:]...)
	payload = binary.BigEndian.AppendUint64(payload, counter)
	return Hash(signDoc(chainID, typeChannelID, nil, payload))
}

// OpenSignBytes are the bytes the counterparty signs to open channelID.
func OpenSignBytes(chainID string, channelID []byte, t *pb.OpenTerms) []byte {
	return signDoc(chainID, TypeOpen, channelID, mustMarshal(t))
}

// StateSignBytes are the bytes both parties sign for a state. They bind the
// chain id, the module, the type tag and the channel id of the state.
func StateSignBytes(chainID string, st *pb.State) []byte {
	return signDoc(chainID, TypeState, st.ChannelId, mustMarshal(st))
}

// EventSignBytes are the bytes an oracle signs to announce an event.
func EventSignBytes(chainID string, t *pb.EventTerms) []byte {
	return signDoc(chainID, TypeOracleEvent, t.EventId, mustMarshal(t))
}

// EventHash identifies an announcement: the hash of its sign bytes. A bet
// names the announcement it is about by this hash.
func EventHash(chainID string, t *pb.EventTerms) []byte {
	return Hash(EventSignBytes(chainID, t))
}

// AnnouncementTerms returns the terms an announcement's signature covers and
// the oracle's key, after checking sizes.
func AnnouncementTerms(a *pb.EventAnnouncement) (*pb.EventTerms, secp256k1.PubKey, error) {
	if a == nil {
		return nil, secp256k1.PubKey{}, ErrInvalidState.Wrapf("no announcement")
	}
	pub, err := secp256k1.PubKeyFromBytes(a.OraclePubKey)
	if err != nil {
		return nil, secp256k1.PubKey{}, ErrBadSignature.Wrapf("oracle public key: %v", err)
	}
	if err := checkEventID(a.EventId); err != nil {
		return nil, secp256k1.PubKey{}, err
	}
	if n := len(a.OutcomeHashes); n < MinOutcomes || n > MaxOutcomes {
		return nil, secp256k1.PubKey{}, ErrInvalidState.Wrapf("announcement has %d outcomes; between %d and %d are allowed", n, MinOutcomes, MaxOutcomes)
	}
	seen := map[string]bool{}
	for i, h := range a.OutcomeHashes {
		if len(h) != HashSize {
			return nil, secp256k1.PubKey{}, ErrInvalidState.Wrapf("outcome hash %d has %d bytes, want %d", i, len(h), HashSize)
		}
		if seen[string(h)] {
			return nil, secp256k1.PubKey{}, ErrInvalidState.Wrapf("outcome hash %d repeats an earlier one", i)
		}
		seen[string(h)] = true
	}
	if a.Deadline == 0 {
		return nil, secp256k1.PubKey{}, ErrInvalidState.Wrapf("announcement deadline must be a height > 0")
	}
	return &pb.EventTerms{Oracle: pub.Address().String(), EventId: a.EventId, OutcomeHashes: a.OutcomeHashes, Deadline: a.Deadline}, pub, nil
}

// VerifyAnnouncement checks an announcement's signature for chainID.
func VerifyAnnouncement(chainID string, a *pb.EventAnnouncement) (*pb.EventTerms, error) {
	t, pub, err := AnnouncementTerms(a)
	if err != nil {
		return nil, err
	}
	if err := pub.Verify(EventSignBytes(chainID, t), a.Signature); err != nil {
		return nil, ErrBadSignature.Wrapf("oracle %s's announcement of event %x: %v", t.Oracle, t.EventId, err)
	}
	return t, nil
}

// Announce builds and signs an announcement of eventID whose outcomes are
// the hashes of preimages.
func Announce(chainID string, key secp256k1.PrivKey, eventID []byte, preimages [][]byte, deadline uint64) (*pb.EventAnnouncement, error) {
	a := &pb.EventAnnouncement{OraclePubKey: key.PubKey().Bytes(), EventId: eventID, Deadline: deadline}
	for _, p := range preimages {
		if len(p) != PreimageSize {
			return nil, ErrInvalidState.Wrapf("preimage of %d bytes, want %d", len(p), PreimageSize)
		}
		a.OutcomeHashes = append(a.OutcomeHashes, Hash(p))
	}
	t, _, err := AnnouncementTerms(a)
	if err != nil {
		return nil, err
	}
	a.Signature = key.Sign(EventSignBytes(chainID, t))
	return a, nil
}

// SignState signs st for chainID with key.
func SignState(chainID string, key secp256k1.PrivKey, st *pb.State) []byte {
	return key.Sign(StateSignBytes(chainID, st))
}

// VerifyState checks both signatures of s against the parties' keys. The
// state's own validity is checked by Validate.
func VerifyState(chainID string, s *pb.SignedState, pubA, pubB secp256k1.PubKey) error {
	if s == nil || s.State == nil {
		return ErrInvalidState.Wrapf("no state")
	}
	msg := StateSignBytes(chainID, s.State)
	if err := pubA.Verify(msg, s.SigA); err != nil {
		return ErrBadSignature.Wrapf("party A's signature on version %d of channel %x: %v", s.State.Version, s.State.ChannelId, err)
	}
	if err := pubB.Verify(msg, s.SigB); err != nil {
		return ErrBadSignature.Wrapf("party B's signature on version %d of channel %x: %v", s.State.Version, s.State.ChannelId, err)
	}
	return nil
}
