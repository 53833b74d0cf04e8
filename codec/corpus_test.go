package codec

import (
	"archive/tar"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFuzzCorpus regenerates the hand-picked seeds in testdata/fuzz when
// PASTEL_WRITE_FUZZ_CORPUS=1: hostile archives (traversal, links, bombs), a
// maximal proof, a parity chunk header. Go runs every file there as a
// regular test case of its fuzz target.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("PASTEL_WRITE_FUZZ_CORPUS") == "" {
		t.Skip("set PASTEL_WRITE_FUZZ_CORPUS=1 to rewrite testdata/fuzz")
	}
	write := func(target, name string, b []byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		data := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	good := []byte("picture")
	gi := info("a.png", good)
	for name, entries := range map[string][]rawEntry{
		"traversal":   {metaEntry(gi), {tar.Header{Name: "files/../../evil"}, good}},
		"absolute":    {metaEntry(gi), {tar.Header{Name: "/etc/passwd"}, good}},
		"symlink":     {metaEntry(gi), {tar.Header{Name: "files/a.png", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}, nil}},
		"hardlink":    {metaEntry(gi), {tar.Header{Name: "files/a.png", Typeflag: tar.TypeLink, Linkname: "metadata.json"}, nil}},
		"directory":   {metaEntry(gi), {tar.Header{Name: "files/a.png", Typeflag: tar.TypeDir, Mode: 0o755}, nil}},
		"unlisted":    {metaEntry(gi), {tar.Header{Name: "files/a.png"}, good}, {tar.Header{Name: "files/b"}, good}},
		"huge-claim":  {metaEntry(FileInfo{Name: "a", Size: 1 << 40})},
		"bomb":        {metaEntry(info("z", make([]byte, 4<<20))), {tar.Header{Name: "files/z"}, make([]byte, 4<<20)}},
		"well-formed": {metaEntry(gi), {tar.Header{Name: "files/a.png"}, good}},
	} {
		write("FuzzExtractArchive", name, rawArchive(t, entries, nil))
	}

	payload := make([]byte, MaxChunkSize)
	p, err := ProveRange(payload, 8191-MaxProofLeaves/2, 8191+MaxProofLeaves/2)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := p.MarshalBinary()
	write("FuzzParseProof", "max-size-payload", enc)
	write("FuzzVerifyRangeArbitrary", "max-size-payload", enc)

	_, chunks, err := Encode(make([]byte, 2500), Params{ChunkSize: 1024, Redundancy: 2})
	if err != nil {
		t.Fatal(err)
	}
	// (No whole chunks: kilobyte seeds make Go's fuzzer minimise for ages.)
	write("FuzzParseHeader", "parity-chunk-header", chunks[len(chunks)-1].Bytes()[:HeaderSize])
}
