package storage_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/pastelchain/pastel/app/apptest"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// TestCropDuplicateAttestationsReject: a crop's canonical fingerprint can be
// far from the original's (the chain's own check passes it), so attesters
// report "near-duplicate of X" from the image's crop probes. Two of three
// such reports reject the art, naming X; a claim about the art itself, an
// unknown art or a distance above the parameter is refused and changes
// nothing.
func TestCropDuplicateAttestationsReject(t *testing.T) {
	c := newChain(t, nil)
	c.Block()
	artist := c.Keys[6]
	orig := makeArt(t, 1, 30_000, 0x0f0f_0f0f_0f0f_0f0f)
	c.Exec(artist, 0, apptest.Msg(storage.MsgRegisterArtType, orig.msg))
	confirmAll(t, c, orig)
	attestAll(t, c, orig.msg.ArchiveHash, orig.msg.Fingerprint, true)
	if a := art(c, orig.msg.ArchiveHash); a.Status != storagepb.ArtStatus_ART_ACTIVE {
		t.Fatalf("original: %v", a.Status)
	}
	// The crop: its canonical fingerprint is far from the original's.
	crop := makeArt(t, 2, 30_000, 0xf0f0_f0f0_f0f0_f0f0)
	c.Exec(artist, 0, apptest.Msg(storage.MsgRegisterArtType, crop.msg))
	id := crop.msg.ArchiveHash
	a := art(c, id)
	var attesters []int
	for _, at := range a.Attestations {
		for i := 0; i < nMasternodes; i++ {
			if c.Keys[i].PubKey().Address().String() == at.Attester {
				attesters = append(attesters, i)
			}
		}
	}
	claim := func(dup []byte, d uint32) *storagepb.MsgAttest {
		return &storagepb.MsgAttest{ArtId: id, Fingerprint: crop.msg.Fingerprint, Ok: false, DuplicateOf: dup, DuplicateDistance: d, Reason: "crop probe"}
	}
	first := c.Keys[attesters[0]]
	for name, m := range map[string]*storagepb.MsgAttest{
		"itself":           claim(id, 4),
		"an unknown art":   claim(bytes.Repeat([]byte{9}, 32), 4),
		"beyond the limit": claim(orig.msg.ArchiveHash, storage.DefaultParams().FingerprintDistance+1),
	} {
		c.Exec(first, storage.ErrBadTicket.Code, apptest.Msg(storage.MsgAttestType, m))
		for _, at := range art(c, id).Attestations {
			if at.Done {
				t.Fatalf("%s: refused but recorded", name)
			}
		}
	}
	c.Exec(first, 0, apptest.Msg(storage.MsgAttestType, claim(orig.msg.ArchiveHash, 4)))
	if got := art(c, id); got.Status != storagepb.ArtStatus_ART_PENDING {
		t.Fatalf("one claim decided the art: %v", got.Status)
	}
	c.Exec(c.Keys[attesters[1]], 0, apptest.Msg(storage.MsgAttestType, claim(orig.msg.ArchiveHash, 6)))
	got := art(c, id)
	if got.Status != storagepb.ArtStatus_ART_REJECTED || !strings.Contains(got.RejectReason, "near-duplicate of art "+hex.EncodeToString(orig.msg.ArchiveHash)) {
		t.Fatalf("after two crop claims: %v %q", got.Status, got.RejectReason)
	}
	c.CheckSupply()
}
