package artio

import (
	"bytes"
	"crypto/rand"
	"image"
	"image/color"
	"image/png"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/crypto/artcrypt"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

func ticketOf(m *codec.Manifest, chunks []*codec.Chunk) *storagepb.Art {
	t := &storagepb.Art{Id: m.ArchiveHash[:], ArchiveSize: uint64(m.ArchiveSize), ChunkSize: uint32(m.ChunkSize), Redundancy: uint32(m.Redundancy)}
	l, _ := m.Layout()
	pos := 0
	for s := 0; s < l.Stripes(); s++ {
		sl := l.Stripe(s)
		st := &storagepb.Stripe{K: uint32(sl.K), N: uint32(sl.N)}
		for i := 0; i < sl.N; i++ {
			st.ChunkIds = append(st.ChunkIds, append([]byte(nil), m.ChunkIDs[pos][:]...))
			pos++
		}
		t.Stripes = append(t.Stripes, st)
	}
	return t
}

func TestAttesterChecksFingerprintAndCoding(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 200, 150))
	for y := 0; y < 150; y++ {
		for x := 0; x < 200; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	archive, _, err := codec.BuildArchive(codec.Metadata{Title: "t"}, []codec.ArchiveFile{codec.FileFromBytes("a.png", buf.Bytes())})
	if err != nil {
		t.Fatal(err)
	}
	m, chunks, err := codec.Encode(archive, codec.Params{ChunkSize: 4096, Redundancy: 3})
	if err != nil {
		t.Fatal(err)
	}
	ticket := ticketOf(m, chunks)
	if err := CheckTicketCoding(archive, ticket); err != nil {
		t.Fatalf("honest ticket: %v", err)
	}
	if _, err := FingerprintArchive(archive); err != nil {
		t.Fatalf("fingerprint: %v", err)
	}
	// A ticket with one invented parity id is refused.
	last := ticket.Stripes[0].ChunkIds[len(ticket.Stripes[0].ChunkIds)-1]
	last[0] ^= 1
	if err := CheckTicketCoding(archive, ticket); err == nil {
		t.Fatal("a ticket with a forged parity id passed")
	}
	// An archive without an image cannot be attested.
	noImg, _, _ := codec.BuildArchive(codec.Metadata{Title: "t"}, []codec.ArchiveFile{codec.FileFromBytes("a.txt", []byte("not an image"))})
	if _, err := FingerprintArchive(noImg); err == nil {
		t.Fatal("a text file got a fingerprint")
	}
}

// TestAttesterDecryptsEncryptedArt: an attester holding the content key
// fingerprints an encrypted art as its plaintext; with another key, or
// without the key, or from altered ciphertext, it cannot and says so.
func TestAttesterDecryptsEncryptedArt(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 160, 120))
	for y := 0; y < 120; y++ {
		for x := 0; x < 160; x++ {
			img.Set(x, y, color.RGBA{uint8(3 * x), uint8(y * y), uint8(x + y), 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	archive, _, err := codec.BuildArchive(codec.Metadata{Title: "t"}, []codec.ArchiveFile{codec.FileFromBytes("a.png", buf.Bytes())})
	if err != nil {
		t.Fatal(err)
	}
	want, err := FingerprintArchive(archive)
	if err != nil {
		t.Fatal(err)
	}
	ck, _ := artcrypt.NewKey(rand.Reader)
	var sealed bytes.Buffer
	if _, err := artcrypt.Encrypt(&sealed, bytes.NewReader(archive), ck, nil); err != nil {
		t.Fatal(err)
	}
	m, chunks, err := codec.Encode(sealed.Bytes(), codec.Params{ChunkSize: 4096, Redundancy: 3})
	if err != nil {
		t.Fatal(err)
	}
	ticket := ticketOf(m, chunks)
	ticket.Encrypted, ticket.KeyCheck = true, artcrypt.KeyCheck(ck)
	got, probes, err := CheckStoredArchive(bytes.NewReader(sealed.Bytes()), ticket, ck)
	if err != nil || got != want {
		t.Fatalf("attester with the key: fingerprint %016x err %v, want %016x", got, err, want)
	}
	if len(probes) < 2 || probes[0] != want {
		t.Fatalf("crop probes: %d, first %016x; want the canonical fingerprint first and the crop windows", len(probes), probes[0])
	}
	other, _ := artcrypt.NewKey(rand.Reader)
	if _, _, err := CheckStoredArchive(bytes.NewReader(sealed.Bytes()), ticket, other); err == nil {
		t.Fatal("an attester with another key fingerprinted the art")
	}
	// Ciphertext is no archive: read as public, it has no image.
	public := proto.Clone(ticket).(*storagepb.Art)
	public.Encrypted = false
	if _, _, err := CheckStoredArchive(bytes.NewReader(sealed.Bytes()), public, artcrypt.Key{}); err == nil {
		t.Fatal("ciphertext read as a public archive gave a fingerprint")
	}
}
