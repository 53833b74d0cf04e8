package storagepb

import (
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/pastelchain/pastel/codec"
)

// This file is the storage module's interface for the programs around the
// chain (chunkd, wallets, the CLI, the explorer): message type names,
// limits, the JSON views its queries answer with, and the proof a holder
// builds to confirm a chunk. It lives beside the protobuf types so those
// programs need not compile against the keeper (x/storage).

// Message type names.
const (
	MsgRegisterMasternodeType = "storage/RegisterMasternode"
	MsgUpdateMasternodeType   = "storage/UpdateMasternode"
	MsgExitMasternodeType     = "storage/ExitMasternode"
	MsgRegisterArtType        = "storage/RegisterArt"
	MsgConfirmChunksType      = "storage/ConfirmChunks"
	MsgAttestType             = "storage/Attest"
	MsgTransferEditionType    = "storage/TransferEdition"
	MsgOfferEditionType       = "storage/OfferEdition"
	MsgCancelOfferType        = "storage/CancelOffer"
	MsgAcceptOfferType        = "storage/AcceptOffer"
	MsgProveChunksType        = "storage/ProveChunks"
	MsgRequestChallengeType   = "storage/RequestChallenge"
	MsgUnjailType             = "storage/Unjail"
	MsgReportLossType         = "storage/ReportLoss"
	MsgShareKeyType           = "storage/ShareKey"
)

// MaxConfirmations bounds the chunk references of one confirmation or loss
// report. 64 proofs of 16 leaves (the most confirm_leaves allows) are about
// 1.1 MB: too big, so the message validation also bounds the bytes.
const MaxConfirmations = 64

// MaxProofsPerMsg bounds one ProveChunks message.
// 128 answers of 4 leaves are about 330 KB, inside the 512 KiB transaction limit.
const MaxProofsPerMsg = 128

// MaxProbes bounds the fingerprints one near-duplicate query takes.
const MaxProbes = 300

// MaxPage bounds list queries.
const MaxPage = 1000

// HexBytes is an id (art, chunk) as bytes in Go and as lowercase hex in
// JSON and in text, the way the CLI and the explorer show ids.
type HexBytes []byte

func (h HexBytes) String() string { return hex.EncodeToString(h) }

func (h HexBytes) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(h)) }

func (h *HexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(s)
	if err != nil {
		return fmt.Errorf("id %q: not hex: %w", s, err)
	}
	*h = v
	return nil
}

// ChunkView is one chunk with its holders, as downloaders need it.
type ChunkView struct {
	Stripe  uint32       `json:"stripe"`
	Index   uint32       `json:"index"`
	ID      HexBytes     `json:"id"`
	Holders []HolderView `json:"holders"`
}

// HolderView is a masternode committed to a chunk.
type HolderView struct {
	Masternode string `json:"masternode"`
	URL        string `json:"url"`
	Confirmed  bool   `json:"confirmed"`
}

// CommitmentView is a commitment in JSON.
type CommitmentView struct {
	ArtID     HexBytes `json:"art_id"`
	Stripe    uint32   `json:"stripe"`
	Index     uint32   `json:"index"`
	ChunkID   HexBytes `json:"chunk_id"`
	Confirmed bool     `json:"confirmed"`
	Replaces  string   `json:"replaces,omitempty"`
	// AssignedHeight is when the commitment (or its current confirmation
	// window) began. For an unconfirmed commitment whose proof range is
	// known (from height AssignedHeight+2 on), ProveLeafEnd > 0 and the
	// confirmation must prove leaves [ProveLeafStart, ProveLeafEnd).
	AssignedHeight int64  `json:"assigned_height"`
	ProveLeafStart uint32 `json:"prove_leaf_start,omitempty"`
	ProveLeafEnd   uint32 `json:"prove_leaf_end,omitempty"`
	// Cursor is where the next page of the assignments query starts
	// (/storage/assignments/<mn>/<cursor>).
	Cursor HexBytes `json:"cursor,omitempty"`
}

// HealView is an open heal task: the chunks of a stripe its healer must
// re-create by a deadline.
type HealView struct {
	ArtID    HexBytes `json:"art_id"`
	Stripe   uint32   `json:"stripe"`
	Missing  []uint32 `json:"missing"`
	Deadline int64    `json:"deadline"`
}

// NearView answers /storage/near: the registered art (other than the one
// asking) closest to any of the probes, within fingerprint_distance and
// fingerprint.ProbeThreshold.
type NearView struct {
	Found    bool     `json:"found"`
	ArtID    HexBytes `json:"art_id,omitempty"`
	Distance int      `json:"distance,omitempty"`
	Probe    int      `json:"probe,omitempty"` // index of the probe that matched
}

// FetchRight says whether a masternode or wallet may fetch one chunk from a
// chunk daemon, and why.
type FetchRight struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
}

// FetchOwner is the reason of an owner's right to fetch: the only lasting
// one (a masternode's need ends when it confirms, so chunk daemons must not
// remember that answer).
const FetchOwner = "edition owner"

// ProvePossession builds the reference that confirms chunk (stripe, index)
// from its payload: the leaves [start, end) and their range proof.
func ProvePossession(stripe, index uint32, payload []byte, start, end uint32) (*ChunkRef, error) {
	pr, err := codec.ProveRange(payload, int(start), int(end))
	if err != nil {
		return nil, err
	}
	pb, err := pr.MarshalBinary()
	if err != nil {
		return nil, err
	}
	off, to := codec.LeafBytes(len(payload), int(start), int(end))
	return &ChunkRef{Stripe: stripe, Index: index, Leaves: append([]byte(nil), payload[off:to]...), Proof: pb}, nil
}
