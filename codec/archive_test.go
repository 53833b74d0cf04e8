package codec

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

func testFiles(rng *rand.Rand) []ArchiveFile {
	return []ArchiveFile{
		FileFromBytes("mona lisa é.png", randBytes(rng, 100_000)),
		FileFromBytes("empty.txt", nil),
		FileFromBytes("one", []byte{7}),
	}
}

func TestArchiveRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	files := testFiles(rng)
	meta := Metadata{Title: "Mona", Creator: "Leo", Attributes: map[string]string{"z": "1", "a": "2"}}
	archive, hash, err := BuildArchive(meta, files)
	if err != nil {
		t.Fatal(err)
	}
	got, out, err := ExtractArchive(archive, ExtractLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Mona" || got.Creator != "Leo" || got.Attributes["a"] != "2" || len(got.Files) != 3 {
		t.Fatalf("metadata: %+v", got)
	}
	want := map[string][]byte{}
	for _, f := range files {
		rc, _ := f.Open()
		want[f.Name], _ = io.ReadAll(rc)
	}
	names := []string{}
	for _, f := range out {
		names = append(names, f.Name)
		if !bytes.Equal(f.Data, want[f.Name]) {
			t.Fatalf("file %q differs", f.Name)
		}
	}
	if len(names) != 3 || names[0] != "empty.txt" || names[1] != "mona lisa é.png" || names[2] != "one" {
		t.Fatalf("files not in name order: %q", names)
	}
	// Order of the inputs does not matter; the bytes are the same every time.
	rev := []ArchiveFile{files[2], files[0], files[1]}
	again, hash2, err := BuildArchive(meta, rev)
	if err != nil || hash2 != hash || !bytes.Equal(again, archive) {
		t.Fatalf("archive depends on file order: %v", err)
	}
}

// The archive bytes are part of the art's identity: pin them. If this fails after
// a Go or klauspost/compress upgrade, the archive format changed and old art
// would get new hashes: do not just update the constant.
func TestArchiveGolden(t *testing.T) {
	data := make([]byte, 300_000)
	x := uint32(1)
	for i := range data {
		x = x*1664525 + 1013904223
		data[i] = byte(x >> 24)
	}
	_, hash, err := BuildArchive(Metadata{Title: "golden"}, []ArchiveFile{
		FileFromBytes("image.png", data), FileFromBytes("notes.txt", []byte("hello\n")),
	})
	if err != nil {
		t.Fatal(err)
	}
	const want = "defd65dd0ac07c21db54a6490bf2443905713007ec49ea6f871226574a3a90a2"
	if hash.String() != want {
		t.Errorf("golden archive hash = %s, want %s", hash, want)
	}
}

func TestArchiveEntriesAreCanonical(t *testing.T) {
	archive, _, err := BuildArchive(Metadata{}, testFiles(rand.New(rand.NewPCG(43, 44))))
	if err != nil {
		t.Fatal(err)
	}
	zr, _ := zstd.NewReader(bytes.NewReader(archive))
	defer zr.Close()
	tr := tar.NewReader(zr)
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
		if hdr.Typeflag != tar.TypeReg || hdr.Mode != 0o644 || hdr.Uid != 0 || hdr.Gid != 0 ||
			hdr.Uname != "" || hdr.Gname != "" || hdr.ModTime.Unix() != 0 {
			t.Fatalf("entry %q not canonical: %+v", hdr.Name, hdr)
		}
	}
	if len(names) != 4 || names[0] != MetadataName || names[1] != "files/empty.txt" {
		t.Fatalf("entries %q", names)
	}
}

type rawEntry struct {
	hdr  tar.Header
	data []byte
}

// rawArchive builds an arbitrary (possibly hostile) tar+zstd archive.
func rawArchive(t *testing.T, entries []rawEntry, trailer []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := zstd.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := e.hdr
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if h.ModTime.IsZero() {
			h.ModTime = time.Unix(0, 0)
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		tw.Write(e.data)
	}
	tw.Close()
	zw.Write(trailer)
	zw.Close()
	return buf.Bytes()
}

func metaEntry(files ...FileInfo) rawEntry {
	mj, _ := json.Marshal(Metadata{Format: 1, Files: files})
	return rawEntry{tar.Header{Name: MetadataName}, mj}
}

func info(name string, data []byte) FileInfo {
	return FileInfo{Name: name, Size: int64(len(data)), SHA3: Hash(hashOf(data))}
}

func hashOf(b []byte) Hash {
	h, _, _ := HashArchive(bytes.NewReader(b))
	return h
}

func TestArchiveRejectsHostileInput(t *testing.T) {
	good := []byte("picture")
	gi := info("a.png", good)
	cases := []struct {
		name    string
		entries []rawEntry
		trailer []byte
		lim     ExtractLimits
		want    error
	}{
		{"path traversal", []rawEntry{metaEntry(gi), {tar.Header{Name: "files/../../evil"}, good}}, nil, ExtractLimits{}, ErrUnsafeName},
		{"absolute path", []rawEntry{metaEntry(gi), {tar.Header{Name: "/etc/passwd"}, good}}, nil, ExtractLimits{}, ErrUnsafeName},
		{"traversal in metadata", []rawEntry{metaEntry(info("../x", good)), {tar.Header{Name: "files/../x"}, good}}, nil, ExtractLimits{}, ErrUnsafeName},
		{"symlink", []rawEntry{metaEntry(gi), {tar.Header{Name: "files/a.png", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}, nil}}, nil, ExtractLimits{}, ErrBadArchive},
		{"directory", []rawEntry{metaEntry(gi), {tar.Header{Name: "files/a.png", Typeflag: tar.TypeDir, Mode: 0o755}, nil}}, nil, ExtractLimits{}, ErrBadArchive},
		{"hard link", []rawEntry{metaEntry(gi), {tar.Header{Name: "files/a.png", Typeflag: tar.TypeLink, Linkname: "metadata.json"}, nil}}, nil, ExtractLimits{}, ErrBadArchive},
		{"unlisted entry", []rawEntry{metaEntry(gi), {tar.Header{Name: "files/a.png"}, good}, {tar.Header{Name: "files/b.png"}, good}}, nil, ExtractLimits{}, ErrBadArchive},
		{"missing entry", []rawEntry{metaEntry(gi)}, nil, ExtractLimits{}, ErrBadArchive},
		{"wrong hash", []rawEntry{metaEntry(gi), {tar.Header{Name: "files/a.png"}, []byte("Picture")}}, nil, ExtractLimits{}, ErrBadArchive},
		{"wrong size", []rawEntry{metaEntry(gi), {tar.Header{Name: "files/a.png"}, []byte("pic")}}, nil, ExtractLimits{}, ErrBadArchive},
		{"metadata not first", []rawEntry{{tar.Header{Name: "files/a.png"}, good}, metaEntry(gi)}, nil, ExtractLimits{}, ErrBadArchive},
		{"odd mode", []rawEntry{metaEntry(gi), {tar.Header{Name: "files/a.png", Mode: 0o4755}, good}}, nil, ExtractLimits{}, ErrBadArchive},
		{"owner", []rawEntry{metaEntry(gi), {tar.Header{Name: "files/a.png", Uid: 1000, Uname: "eve"}, good}}, nil, ExtractLimits{}, ErrBadArchive},
		{"mtime", []rawEntry{metaEntry(gi), {tar.Header{Name: "files/a.png", ModTime: time.Unix(1e9, 0)}, good}}, nil, ExtractLimits{}, ErrBadArchive},
		{"non-canonical metadata", []rawEntry{{tar.Header{Name: MetadataName}, []byte(`{"format":1, "files":[]}`)}}, nil, ExtractLimits{}, ErrBadArchive},
		{"unknown metadata field", []rawEntry{{tar.Header{Name: MetadataName}, []byte(`{"format":1,"files":[],"x":1}`)}}, nil, ExtractLimits{}, ErrBadArchive},
		{"future format", []rawEntry{{tar.Header{Name: MetadataName}, []byte(`{"format":2,"files":[]}`)}}, nil, ExtractLimits{}, ErrUnknownVersion},
		{"unsorted files", []rawEntry{metaEntry(info("b", good), info("a", good)), {tar.Header{Name: "files/b"}, good}, {tar.Header{Name: "files/a"}, good}}, nil, ExtractLimits{}, ErrBadArchive},
		{"too many files", []rawEntry{metaEntry(info("a", good), info("b", good)), {tar.Header{Name: "files/a"}, good}, {tar.Header{Name: "files/b"}, good}}, nil, ExtractLimits{MaxFiles: 1}, ErrArchiveTooLarge},
		{"too large", []rawEntry{metaEntry(gi), {tar.Header{Name: "files/a.png"}, good}}, nil, ExtractLimits{MaxContentSize: 3}, ErrArchiveTooLarge},
		{"claims huge file", []rawEntry{metaEntry(FileInfo{Name: "a", Size: 1 << 40})}, nil, ExtractLimits{}, ErrArchiveTooLarge},
		{"trailing data", []rawEntry{metaEntry(gi), {tar.Header{Name: "files/a.png"}, good}}, []byte("junk"), ExtractLimits{}, ErrBadArchive},
		{"pax records", []rawEntry{metaEntry(gi), {tar.Header{Name: "files/a.png", PAXRecords: map[string]string{"comment": "hi"}, Format: tar.FormatPAX}, good}}, nil, ExtractLimits{}, ErrBadArchive},
	}
	for _, c := range cases {
		a := rawArchive(t, c.entries, c.trailer)
		_, _, err := ExtractArchive(a, c.lim)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	// Sanity: the well-formed version of these passes.
	if _, _, err := ExtractArchive(rawArchive(t, []rawEntry{metaEntry(gi), {tar.Header{Name: "files/a.png"}, good}}, nil), ExtractLimits{}); err != nil {
		t.Fatalf("well-formed raw archive: %v", err)
	}
	for _, junk := range [][]byte{nil, []byte("not zstd at all"), {0x28, 0xb5, 0x2f, 0xfd}} {
		if _, _, err := ExtractArchive(junk, ExtractLimits{}); !errors.Is(err, ErrBadArchive) {
			t.Errorf("junk %q: %v", junk, err)
		}
	}
}

func TestArchiveBombIsBounded(t *testing.T) {
	// 64 MiB of zeros compress to a few KiB; a 1 MiB limit must stop it without
	// reading it all into memory.
	zeros := make([]byte, 64<<20)
	a := rawArchive(t, []rawEntry{metaEntry(info("z", zeros)), {tar.Header{Name: "files/z"}, zeros}}, nil)
	if len(a) > 1<<20 {
		t.Fatalf("bomb is %d bytes", len(a))
	}
	if _, _, err := ExtractArchive(a, ExtractLimits{MaxContentSize: 1 << 20}); !errors.Is(err, ErrArchiveTooLarge) {
		t.Fatalf("bomb: %v", err)
	}
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"a", "Mona Lisa (final).png", "é.jpg", ".hidden", "a..b"} {
		if err := CheckName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", `a\b`, "/abs", "c:x", "a\x00b", "tab\t", "q?", string(make([]byte, 201)), "\xff"} {
		if err := CheckName(bad); !errors.Is(err, ErrUnsafeName) {
			t.Errorf("%q accepted", bad)
		}
	}
	_, err := WriteArchive(io.Discard, Metadata{}, []ArchiveFile{FileFromBytes("x", nil), FileFromBytes("x", nil)})
	if !errors.Is(err, ErrUnsafeName) {
		t.Errorf("duplicate names: %v", err)
	}
}

// The wallet hashes the metadata WriteArchive returns (it streams the
// archive to a file and never extracts it); that must be byte-for-byte the
// metadata a reader extracts, or the ticket's metadata hash would not match.
func TestWrittenMetadataIsTheExtractedOne(t *testing.T) {
	var buf bytes.Buffer
	written, err := WriteArchive(&buf, Metadata{Title: "Sunflowers", Creator: "pastel1x", Description: "oil on canvas"},
		[]ArchiveFile{FileFromBytes("b.png", []byte("second")), FileFromBytes("a.png", []byte("first"))})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadArchive(bytes.NewReader(buf.Bytes()), ExtractLimits{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(written)
	b, _ := json.Marshal(got)
	if !bytes.Equal(a, b) {
		t.Fatalf("written metadata %s, extracted %s", a, b)
	}
}
