package storagepb

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestHexBytesJSON: ids are hex in JSON both ways, and a view decodes the
// JSON the chain's queries answer with.
func TestHexBytesJSON(t *testing.T) {
	v := CommitmentView{ArtID: HexBytes{0xab, 0x01}, ChunkID: HexBytes{}, Stripe: 2}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"art_id":"ab01"`)) || !bytes.Contains(b, []byte(`"chunk_id":""`)) {
		t.Fatalf("JSON %s", b)
	}
	var back CommitmentView
	if err := json.Unmarshal(b, &back); err != nil || !bytes.Equal(back.ArtID, v.ArtID) || back.Stripe != 2 {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	if v.ArtID.String() != "ab01" {
		t.Fatalf("String %q", v.ArtID.String())
	}
	for _, bad := range []string{`{"art_id":"zz"}`, `{"art_id":"abc"}`, `{"art_id":12}`} {
		var x CommitmentView
		if err := json.Unmarshal([]byte(bad), &x); err == nil {
			t.Errorf("%s decoded as %+v", bad, x)
		}
	}
}

// FuzzHexBytesJSON: whatever a node answers, decoding an id returns an
// error or bytes that encode back to the same hex.
func FuzzHexBytesJSON(f *testing.F) {
	for _, s := range []string{`"ab01"`, `""`, `"zz"`, `12`, `null`, `"ABCD"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var h HexBytes
		if err := json.Unmarshal(data, &h); err != nil {
			return
		}
		out, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		var again HexBytes
		if err := json.Unmarshal(out, &again); err != nil || !bytes.Equal(again, h) {
			t.Fatalf("%s -> %x -> %s -> %x (%v)", data, []byte(h), out, []byte(again), err)
		}
	})
}
