package trust

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// SeedChangeFile is a proposed seed change as it travels between seeds
// before submission (pasteld trust seed-change new / sign / submit): the
// chain it is for, the change, and the approvals collected so far.
type SeedChangeFile struct {
	ChainID       string          `json:"chain_id"`
	SeedVersion   uint64          `json:"seed_version,string"`
	ExpiresHeight uint64          `json:"expires_height,string"`
	Add           []GenesisSeed   `json:"add"`
	Remove        []string        `json:"remove"`
	Approvals     []ApprovalEntry `json:"approvals"`
}

// ApprovalEntry is one seed's approval, hex encoded.
type ApprovalEntry struct {
	PubKey    string `json:"pub_key"`
	Signature string `json:"signature"`
}

// maxSeedChangeFile bounds the file before it is parsed.
const maxSeedChangeFile = 1 << 20

// DecodeSeedChangeFile parses a seed-change file strictly (no unknown
// fields, no trailing data, at most 1 MiB) and checks it as the chain's
// stateless validation would.
func DecodeSeedChangeFile(b []byte) (*SeedChangeFile, error) {
	if len(b) > maxSeedChangeFile {
		return nil, fmt.Errorf("seed change file of %d bytes; at most %d", len(b), maxSeedChangeFile)
	}
	var f SeedChangeFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("seed change file: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("seed change file: trailing data")
	}
	if f.ChainID == "" {
		return nil, fmt.Errorf("seed change file: no chain_id")
	}
	if _, err := f.Msg(); err != nil {
		return nil, fmt.Errorf("seed change file: %w", err)
	}
	return &f, nil
}

// Encode writes the file as indented JSON.
func (f *SeedChangeFile) Encode() []byte {
	if f.Add == nil {
		f.Add = []GenesisSeed{}
	}
	if f.Remove == nil {
		f.Remove = []string{}
	}
	if f.Approvals == nil {
		f.Approvals = []ApprovalEntry{}
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// Change is the part the seeds sign.
func (f *SeedChangeFile) Change() *trustpb.SeedChange {
	c := &trustpb.SeedChange{SeedVersion: f.SeedVersion, ExpiresHeight: f.ExpiresHeight, Remove: f.Remove}
	for _, s := range f.Add {
		c.Add = append(c.Add, &trustpb.Seed{Address: s.Address, PreTrust: int64(s.PreTrust), NonVoting: s.NonVoting})
	}
	return c
}

// Msg is the transaction message carrying the change and its approvals,
// checked without state.
func (f *SeedChangeFile) Msg() (*trustpb.MsgUpdateSeeds, error) {
	m := &trustpb.MsgUpdateSeeds{Change: f.Change()}
	for i, a := range f.Approvals {
		pub, err1 := hex.DecodeString(a.PubKey)
		sig, err2 := hex.DecodeString(a.Signature)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("approvals[%d]: pub_key and signature must be hex", i)
		}
		m.Approvals = append(m.Approvals, &trustpb.SeedApproval{PubKey: pub, Signature: sig})
	}
	if err := validateSeedChange(m); err != nil {
		return nil, err
	}
	return m, nil
}

// Sign adds key's approval, replacing an earlier one by the same key.
func (f *SeedChangeFile) Sign(key secp256k1.PrivKey) {
	ap := SignSeedChange(f.ChainID, f.Change(), key)
	e := ApprovalEntry{PubKey: hex.EncodeToString(ap.PubKey), Signature: hex.EncodeToString(ap.Signature)}
	for i, old := range f.Approvals {
		if old.PubKey == e.PubKey {
			f.Approvals[i] = e
			return
		}
	}
	f.Approvals = append(f.Approvals, e)
}
