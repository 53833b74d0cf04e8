package offchain

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

// OracleSecrets is what an oracle keeps for one event: the preimages of
// its outcome hashes. Revealing one decides the event; revealing two is
// provable fraud, so the file must never leak.
type OracleSecrets struct {
	ChainID   string   `json:"chain_id"`
	EventID   string   `json:"event_id"` // hex
	Deadline  uint64   `json:"deadline,string"`
	Preimages []string `json:"preimages"` // hex, in outcome order
}

func oraclePath(home string, eventID []byte) string {
	return filepath.Join(home, "oracle", hex.EncodeToString(eventID)+".json")
}

// NewEvent draws one secret per outcome, stores them under
// <home>/oracle/<event id>.json (atomically, refusing to overwrite) and
// returns the signed announcement.
func NewEvent(home, chainID string, key secp256k1.PrivKey, eventID []byte, outcomes int, deadline uint64) (*pb.EventAnnouncement, error) {
	if outcomes < state.MinOutcomes || outcomes > state.MaxOutcomes {
		return nil, fmt.Errorf("%d outcomes; %d to %d", outcomes, state.MinOutcomes, state.MaxOutcomes)
	}
	path := oraclePath(home, eventID)
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("event %x was already announced (%s); a second announcement for it is fraud", eventID, path)
	}
	sec := OracleSecrets{ChainID: chainID, EventID: hex.EncodeToString(eventID), Deadline: deadline}
	var pre [][]byte
	for i := 0; i < outcomes; i++ {
		p := make([]byte, state.PreimageSize)
		if _, err := rand.Read(p); err != nil {
			return nil, err
		}
		pre = append(pre, p)
		sec.Preimages = append(sec.Preimages, hex.EncodeToString(p))
	}
	a, err := state.Announce(chainID, key, eventID, pre, deadline)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(sec, "", "  ")
	if err := WriteFileAtomic(path, append(b, '\n'), true); err != nil {
		return nil, err
	}
	return a, nil
}

// LoadOracleSecrets reads an event's secrets from home.
func LoadOracleSecrets(home string, eventID []byte) (*OracleSecrets, [][]byte, error) {
	b, err := readBounded(oraclePath(home, eventID))
	if err != nil {
		return nil, nil, err
	}
	return DecodeOracleSecrets(b)
}

// DecodeOracleSecrets parses and checks an oracle secrets file.
func DecodeOracleSecrets(b []byte) (*OracleSecrets, [][]byte, error) {
	if len(b) > MaxFileBytes {
		return nil, nil, fmt.Errorf("oracle secrets: %d bytes", len(b))
	}
	var s OracleSecrets
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, nil, fmt.Errorf("oracle secrets: %w", err)
	}
	if id, err := hex.DecodeString(s.EventID); err != nil || len(id) == 0 || len(id) > state.MaxEventID {
		return nil, nil, fmt.Errorf("oracle secrets: bad event id %q", s.EventID)
	}
	if n := len(s.Preimages); n < state.MinOutcomes || n > state.MaxOutcomes {
		return nil, nil, fmt.Errorf("oracle secrets: %d preimages", n)
	}
	var out [][]byte
	for i, h := range s.Preimages {
		p, err := hex.DecodeString(h)
		if err != nil || len(p) != state.PreimageSize {
			return nil, nil, fmt.Errorf("oracle secrets: preimage %d is not %d bytes of hex", i, state.PreimageSize)
		}
		out = append(out, p)
	}
	return &s, out, nil
}

// DecodeAnnouncement parses an announcement file and checks its signature
// for chainID.
func DecodeAnnouncement(b []byte, chainID string) (*pb.EventAnnouncement, *pb.EventTerms, error) {
	a := &pb.EventAnnouncement{}
	if err := decodeJSON(b, a, "announcement"); err != nil {
		return nil, nil, err
	}
	t, err := state.VerifyAnnouncement(chainID, a)
	if err != nil {
		return nil, nil, err
	}
	return a, t, nil
}
