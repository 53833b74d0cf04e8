package storage_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pastelchain/pastel/app/apptest"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/fingerprint"
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
	c.Exec(artist, 0, apptest.Msg(storagepb.MsgRegisterArtType, orig.msg))
	confirmAll(t, c, orig)
	attestAll(t, c, orig.msg.ArchiveHash, orig.msg.Fingerprint, true)
	if a := art(c, orig.msg.ArchiveHash); a.Status != storagepb.ArtStatus_ART_ACTIVE {
		t.Fatalf("original: %v", a.Status)
	}
	// The crop: its canonical fingerprint is far from the original's.
	crop := makeArt(t, 2, 30_000, 0xf0f0_f0f0_f0f0_f0f0)
	c.Exec(artist, 0, apptest.Msg(storagepb.MsgRegisterArtType, crop.msg))
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
		c.Exec(first, storage.ErrBadTicket.Code, apptest.Msg(storagepb.MsgAttestType, m))
		for _, at := range art(c, id).Attestations {
			if at.Done {
				t.Fatalf("%s: refused but recorded", name)
			}
		}
	}
	c.Exec(first, 0, apptest.Msg(storagepb.MsgAttestType, claim(orig.msg.ArchiveHash, 4)))
	if got := art(c, id); got.Status != storagepb.ArtStatus_ART_PENDING {
		t.Fatalf("one claim decided the art: %v", got.Status)
	}
	c.Exec(c.Keys[attesters[1]], 0, apptest.Msg(storagepb.MsgAttestType, claim(orig.msg.ArchiveHash, 6)))
	got := art(c, id)
	if got.Status != storagepb.ArtStatus_ART_REJECTED || !strings.Contains(got.RejectReason, "near-duplicate of art "+hex.EncodeToString(orig.msg.ArchiveHash)) {
		t.Fatalf("after two crop claims: %v %q", got.Status, got.RejectReason)
	}
	c.CheckSupply()
}

// TestNearQueryFromTheMirror: /storage/near answers from the app's
// in-memory mirror of the band index, built on the first query and then
// fed every committed block (no rebuild), with the same answers as the
// store: an art is found from a probe within the distance and not beyond,
// never as a duplicate of itself, and a rejected art leaves the index.
func TestNearQueryFromTheMirror(t *testing.T) {
	c := newChain(t, nil)
	c.Block()
	artist := c.Keys[6]
	orig := makeArt(t, 1, 30_000, 0x0f0f_0f0f_0f0f_0f0f)
	c.Exec(artist, 0, apptest.Msg(storagepb.MsgRegisterArtType, orig.msg))
	mirror := c.App.FingerprintMirror()
	if mirror.Height() != 0 {
		t.Fatalf("mirror built before any query, at %d", mirror.Height())
	}
	other := bytes.Repeat([]byte{7}, 32)
	near := func(asking []byte, probes ...uint64) storagepb.NearView {
		t.Helper()
		var raw []byte
		for _, p := range probes {
			raw = binary.BigEndian.AppendUint64(raw, p)
		}
		var v storagepb.NearView
		if err := json.Unmarshal(c.Query("/storage/near/"+hex.EncodeToString(asking)+"/"+hex.EncodeToString(raw)).Value, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	// Probes match at the chain's distance or ProbeThreshold, the smaller.
	d := min(storage.DefaultParams().FingerprintDistance, fingerprint.ProbeThreshold)
	within := orig.msg.Fingerprint ^ (1<<d - 1)     // d bits away
	beyond := orig.msg.Fingerprint ^ (1<<(d+1) - 1) // d+1 bits away
	if v := near(other, beyond, within); !v.Found || !bytes.Equal(v.ArtID, orig.msg.ArchiveHash) || v.Distance != int(d) || v.Probe != 1 {
		t.Fatalf("near from the mirror: %+v", v)
	}
	if mirror.Height() != c.Height || mirror.Len() != 1 {
		t.Fatalf("mirror at %d with %d fingerprints, chain at %d", mirror.Height(), mirror.Len(), c.Height)
	}
	if v := near(other, beyond); v.Found {
		t.Fatalf("found beyond the distance: %+v", v)
	}
	if v := near(orig.msg.ArchiveHash, within); v.Found {
		t.Fatalf("an art is a duplicate of itself: %+v", v)
	}
	// A second art, registered after the mirror was built, is found too:
	// the mirror followed the block.
	second := makeArt(t, 2, 30_000, 0xf0f0_f0f0_f0f0_f0f0)
	c.Exec(artist, 0, apptest.Msg(storagepb.MsgRegisterArtType, second.msg))
	if mirror.Height() != c.Height || mirror.Len() != 2 {
		t.Fatalf("mirror at %d with %d fingerprints after a block, chain at %d", mirror.Height(), mirror.Len(), c.Height)
	}
	if v := near(other, second.msg.Fingerprint^1); !v.Found || !bytes.Equal(v.ArtID, second.msg.ArchiveHash) {
		t.Fatalf("second art: %+v", v)
	}
	// Rejected by its attesters: it leaves the index, and the mirror.
	attestAll(t, c, second.msg.ArchiveHash, second.msg.Fingerprint, false)
	if a := art(c, second.msg.ArchiveHash); a.Status != storagepb.ArtStatus_ART_REJECTED {
		t.Fatalf("second art: %v", a.Status)
	}
	if v := near(other, second.msg.Fingerprint); v.Found || mirror.Len() != 1 {
		t.Fatalf("a rejected art is still found (%+v), mirror holds %d", v, mirror.Len())
	}
	// A restarted node builds it again from the store.
	c.Reopen()
	if v := near(other, within); !v.Found || c.App.FingerprintMirror().Len() != 1 {
		t.Fatalf("after a restart: %+v", v)
	}
}
