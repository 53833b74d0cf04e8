package codec

import (
	"archive/tar"
	"bytes"
	"crypto/sha3"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"
)

// An archive is a zstd-compressed tar of a metadata ticket and the files of one
// artwork. Its SHA3-256 is the archive hash that identifies the art, so the same
// files and metadata must give the same bytes on every machine:
//
//   - entry 1 is MetadataName, the Metadata as encoding/json writes it (struct
//     field order, sorted map keys), listing every file's name, size and SHA3-256;
//   - then every file as "files/<name>", sorted by name (byte order);
//   - every entry is a regular file, mode 0644, uid/gid 0, no user or group names,
//     modification time 0 (the Unix epoch); the tar is as archive/tar writes it;
//   - compression is klauspost/compress zstd at SpeedDefault with an 8 MiB window,
//     frame checksum on, on one goroutine (its output depends only on the input).
//
// Reading accepts only that form: the metadata first, then exactly the files it
// lists, in order, with the sizes and hashes it lists, nothing else, and within
// configurable limits. File names are base names (no directories) that are safe on
// every common file system, so extracting cannot escape the target directory.
const (
	// MetadataName is the name of the metadata entry, first in every archive.
	MetadataName = "metadata.json"
	// MetadataFormat is the Metadata.Format this code writes and reads.
	MetadataFormat = 1
	// MaxMetadataSize bounds the metadata entry.
	MaxMetadataSize = 1 << 20
	// MaxNameLength bounds a file name, in bytes.
	MaxNameLength = 200
	// DefaultMaxContentSize and DefaultMaxFiles are the extraction limits used
	// when ExtractLimits leaves them zero.
	DefaultMaxContentSize = 2 << 30
	DefaultMaxFiles       = 1000

	filesPrefix = "files/"
	zstdWindow  = 8 << 20
)

// Metadata is the ticket stored first in every archive.
type Metadata struct {
	Format      int               `json:"format"`
	Title       string            `json:"title,omitempty"`
	Creator     string            `json:"creator,omitempty"`
	Description string            `json:"description,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	Files       []FileInfo        `json:"files"`
}

// FileInfo describes one file of an archive.
type FileInfo struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	SHA3 Hash   `json:"sha3"`
}

// ArchiveFile is a file to put into an archive. Open is called twice (once to
// hash, once to copy) and must yield the same bytes both times.
type ArchiveFile struct {
	Name string
	Open func() (io.ReadCloser, error)
}

// FileFromBytes returns an ArchiveFile with the given contents.
func FileFromBytes(name string, data []byte) ArchiveFile {
	return ArchiveFile{Name: name, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}

// FileFromPath returns an ArchiveFile named after the base name of path.
func FileFromPath(path string) ArchiveFile {
	return ArchiveFile{Name: filepath.Base(path), Open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

// CheckName reports whether name may be a file name in an archive: 1 to
// MaxNameLength bytes of UTF-8, not "." or "..", without control characters or
// any of / \ : * ? " < > |.
func CheckName(name string) error {
	switch {
	case name == "" || len(name) > MaxNameLength:
		return fmt.Errorf("%w: %q: length %d is outside [1, %d]", ErrUnsafeName, name, len(name), MaxNameLength)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: %q is not UTF-8", ErrUnsafeName, name)
	case name == "." || name == "..":
		return fmt.Errorf("%w: %q", ErrUnsafeName, name)
	case strings.ContainsAny(name, "/\\:*?\"<>|"):
		return fmt.Errorf("%w: %q contains one of / \\ : * ? \" < > |", ErrUnsafeName, name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: %q contains a control character", ErrUnsafeName, name)
		}
	}
	return nil
}

// WriteArchive writes the archive of files with the given metadata (its Files
// and Format are filled in) to w and returns the metadata written. The result
// depends only on the files' names and contents and on meta, not on the order of
// files.
func WriteArchive(w io.Writer, meta Metadata, files []ArchiveFile) (Metadata, error) {
	files = slices.Clone(files)
	slices.SortFunc(files, func(a, b ArchiveFile) int { return strings.Compare(a.Name, b.Name) })
	for i, f := range files {
		if err := CheckName(f.Name); err != nil {
			return Metadata{}, err
		}
		if i > 0 && files[i-1].Name == f.Name {
			return Metadata{}, fmt.Errorf("%w: two files named %q", ErrUnsafeName, f.Name)
		}
	}
	meta.Format = MetadataFormat
	meta.Files = make([]FileInfo, len(files))
	for i, f := range files {
		info, err := hashFile(f, -1, io.Discard)
		if err != nil {
			return Metadata{}, err
		}
		meta.Files[i] = info
	}
	mj, err := json.Marshal(meta)
	if err != nil {
		return Metadata{}, fmt.Errorf("codec: encoding metadata: %w", err)
	}
	if len(mj) > MaxMetadataSize {
		return Metadata{}, fmt.Errorf("%w: metadata is %d bytes, limit %d", ErrBadArchive, len(mj), MaxMetadataSize)
	}
	zw, err := zstd.NewWriter(w,
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(zstdWindow),
		zstd.WithEncoderCRC(true),
	)
	if err != nil {
		return Metadata{}, fmt.Errorf("codec: internal: %v", err)
	}
	tw := tar.NewWriter(zw)
	if err := writeEntry(tw, MetadataName, int64(len(mj))); err != nil {
		return Metadata{}, err
	}
	if _, err := tw.Write(mj); err != nil {
		return Metadata{}, fmt.Errorf("codec: writing archive: %w", err)
	}
	for i, f := range files {
		want := meta.Files[i]
		if err := writeEntry(tw, filesPrefix+f.Name, want.Size); err != nil {
			return Metadata{}, err
		}
		got, err := hashFile(f, want.Size, tw)
		if err != nil {
			return Metadata{}, err
		}
		if got != want {
			return Metadata{}, fmt.Errorf("codec: file %q changed while it was being archived", f.Name)
		}
	}
	if err := tw.Close(); err != nil {
		return Metadata{}, fmt.Errorf("codec: writing archive: %w", err)
	}
	if err := zw.Close(); err != nil {
		return Metadata{}, fmt.Errorf("codec: writing archive: %w", err)
	}
	return meta, nil
}

// BuildArchive returns the archive of files in memory with its hash.
func BuildArchive(meta Metadata, files []ArchiveFile) ([]byte, Hash, error) {
	var buf bytes.Buffer
	if _, err := WriteArchive(&buf, meta, files); err != nil {
		return nil, Hash{}, err
	}
	return buf.Bytes(), Hash(sha3.Sum256(buf.Bytes())), nil
}

// hashFile copies f to w (at most limit bytes if limit ≥ 0) and returns its info.
func hashFile(f ArchiveFile, limit int64, w io.Writer) (FileInfo, error) {
	rc, err := f.Open()
	if err != nil {
		return FileInfo{}, fmt.Errorf("codec: opening %q: %w", f.Name, err)
	}
	defer rc.Close()
	var r io.Reader = rc
	if limit >= 0 {
		r = io.LimitReader(rc, limit+1) // one more byte shows a file that grew
	}
	h := sha3.New256()
	n, err := io.Copy(io.MultiWriter(h, w), r)
	if err != nil {
		return FileInfo{}, fmt.Errorf("codec: reading %q: %w", f.Name, err)
	}
	info := FileInfo{Name: f.Name, Size: n}
	h.Sum(info.SHA3[:0])
	return info, nil
}

func writeEntry(tw *tar.Writer, name string, size int64) error {
	err := tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeReg,
		Name:     name,
		Size:     size,
		Mode:     0o644,
		ModTime:  time.Unix(0, 0),
	})
	if err != nil {
		return fmt.Errorf("codec: writing archive entry %q: %w", name, err)
	}
	return nil
}

// ExtractLimits bound what reading an archive may produce.
type ExtractLimits struct {
	// MaxContentSize bounds the sum of the file sizes (default DefaultMaxContentSize).
	MaxContentSize int64
	// MaxFiles bounds the number of files (default DefaultMaxFiles).
	MaxFiles int
}

func (lim ExtractLimits) withDefaults() ExtractLimits {
	if lim.MaxContentSize <= 0 {
		lim.MaxContentSize = DefaultMaxContentSize
	}
	if lim.MaxFiles <= 0 {
		lim.MaxFiles = DefaultMaxFiles
	}
	return lim
}

// ReadArchive reads an archive from r, checks it is in the canonical form within
// lim, and calls fn for each file in order with a reader of its contents (fn may
// read all, some or none of it). Each file's size and hash are checked after fn
// returns, so fn must treat what it read as unconfirmed until ReadArchive returns
// nil (write to a temporary name, rename at the end). fn may be nil.
func ReadArchive(r io.Reader, lim ExtractLimits, fn func(info FileInfo, r io.Reader) error) (*Metadata, error) {
	lim = lim.withDefaults()
	zr, err := zstd.NewReader(r,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxWindow(zstdWindow),
		zstd.WithDecoderLowmem(true),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadArchive, err)
	}
	defer zr.Close()
	// Bound the decompressed stream itself: content, metadata, and tar's 512-byte
	// headers and padding (plus PAX records for long names).
	budget := lim.MaxContentSize + MaxMetadataSize + int64(lim.MaxFiles+2)*4096
	lr := &limitedReader{r: zr, n: budget}
	tr := tar.NewReader(lr)

	hdr, err := nextEntry(tr)
	if err != nil {
		return nil, err
	}
	if err := checkEntry(hdr, MetadataName, -1); err != nil {
		return nil, err
	}
	if hdr.Size > MaxMetadataSize {
		return nil, fmt.Errorf("%w: metadata entry is %d bytes, limit %d", ErrBadArchive, hdr.Size, MaxMetadataSize)
	}
	mj, err := io.ReadAll(tr)
	if err != nil {
		return nil, archiveReadError(err)
	}
	meta, err := parseMetadata(mj, lim)
	if err != nil {
		return nil, err
	}
	for _, want := range meta.Files {
		hdr, err := nextEntry(tr)
		if err != nil {
			return nil, err
		}
		if err := checkEntry(hdr, filesPrefix+want.Name, want.Size); err != nil {
			return nil, err
		}
		h := sha3.New256()
		cr := &countingReader{r: io.TeeReader(tr, h)}
		if fn != nil {
			if err := fn(want, cr); err != nil {
				return nil, err
			}
		}
		if _, err := io.Copy(io.Discard, cr); err != nil {
			return nil, archiveReadError(err)
		}
		var got Hash
		h.Sum(got[:0])
		if cr.n != want.Size || got != want.SHA3 {
			return nil, fmt.Errorf("%w: file %q is %d bytes hashing to %s, metadata says %d bytes hashing to %s",
				ErrBadArchive, want.Name, cr.n, got, want.Size, want.SHA3)
		}
	}
	if hdr, err := tr.Next(); err != io.EOF {
		if err != nil {
			return nil, archiveReadError(err)
		}
		return nil, fmt.Errorf("%w: entry %q is not listed in the metadata", ErrBadArchive, hdr.Name)
	}
	if n, err := io.Copy(io.Discard, lr); err != nil || n > 0 {
		if err != nil {
			return nil, archiveReadError(err)
		}
		return nil, fmt.Errorf("%w: %d bytes after the end of the tar", ErrBadArchive, n)
	}
	return meta, nil
}

// File is an extracted file.
type File struct {
	Name string
	Data []byte
}

// ExtractArchive reads an archive held in memory (see ReadArchive).
func ExtractArchive(archive []byte, lim ExtractLimits) (*Metadata, []File, error) {
	var files []File
	meta, err := ReadArchive(bytes.NewReader(archive), lim, func(info FileInfo, r io.Reader) error {
		// Grow with the bytes that actually arrive, not with the size the
		// (untrusted) metadata claims.
		buf := bytes.NewBuffer(make([]byte, 0, min(info.Size, 1<<20)))
		if _, err := io.Copy(buf, r); err != nil {
			return archiveReadError(err)
		}
		files = append(files, File{Name: info.Name, Data: buf.Bytes()})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return meta, files, nil
}

func nextEntry(tr *tar.Reader) (*tar.Header, error) {
	hdr, err := tr.Next()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: archive ends early", ErrBadArchive)
	}
	if err != nil {
		return nil, archiveReadError(err)
	}
	return hdr, nil
}

// checkEntry accepts only the canonical entry for name (of size bytes, unless size
// is negative).
func checkEntry(hdr *tar.Header, name string, size int64) error {
	if hdr.Name != name {
		if !filepath.IsLocal(hdr.Name) || strings.Contains(hdr.Name, `\`) {
			return fmt.Errorf("%w: entry %q would leave the target directory", ErrUnsafeName, hdr.Name)
		}
		return fmt.Errorf("%w: entry %q where %q should be", ErrBadArchive, hdr.Name, name)
	}
	switch {
	case hdr.Typeflag != tar.TypeReg:
		return fmt.Errorf("%w: entry %q has type %q, only regular files are allowed", ErrBadArchive, name, hdr.Typeflag)
	case size >= 0 && hdr.Size != size:
		return fmt.Errorf("%w: entry %q is %d bytes, metadata says %d", ErrBadArchive, name, hdr.Size, size)
	case hdr.Size < 0:
		return fmt.Errorf("%w: entry %q has negative size", ErrBadArchive, name)
	case hdr.Mode != 0o644 || hdr.Uid != 0 || hdr.Gid != 0 || hdr.Uname != "" || hdr.Gname != "" ||
		hdr.Linkname != "" || hdr.Devmajor != 0 || hdr.Devminor != 0 || hdr.ModTime.Unix() != 0:
		return fmt.Errorf("%w: entry %q is not in canonical form (mode, owner, link or time)", ErrBadArchive, name)
	}
	for k := range hdr.PAXRecords {
		if k != "path" {
			return fmt.Errorf("%w: entry %q has PAX record %q", ErrBadArchive, name, k)
		}
	}
	return nil
}

func parseMetadata(mj []byte, lim ExtractLimits) (*Metadata, error) {
	var meta Metadata
	dec := json.NewDecoder(bytes.NewReader(mj))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&meta); err != nil {
		return nil, fmt.Errorf("%w: metadata: %v", ErrBadArchive, err)
	}
	if meta.Format != MetadataFormat {
		return nil, fmt.Errorf("%w: metadata format %d, this code reads %d", ErrUnknownVersion, meta.Format, MetadataFormat)
	}
	if again, err := json.Marshal(meta); err != nil || !bytes.Equal(again, mj) {
		return nil, fmt.Errorf("%w: metadata is not in canonical JSON form", ErrBadArchive)
	}
	if len(meta.Files) > lim.MaxFiles {
		return nil, fmt.Errorf("%w: %d files, limit %d", ErrArchiveTooLarge, len(meta.Files), lim.MaxFiles)
	}
	var total int64
	for i, f := range meta.Files {
		if err := CheckName(f.Name); err != nil {
			return nil, err
		}
		if i > 0 && meta.Files[i-1].Name >= f.Name {
			return nil, fmt.Errorf("%w: files %q and %q are not in strictly increasing order", ErrBadArchive, meta.Files[i-1].Name, f.Name)
		}
		if f.Size < 0 || f.Size > lim.MaxContentSize-total {
			return nil, fmt.Errorf("%w: files add up to more than %d bytes", ErrArchiveTooLarge, lim.MaxContentSize)
		}
		total += f.Size
	}
	return &meta, nil
}

func archiveReadError(err error) error {
	if errors.Is(err, ErrArchiveTooLarge) || errors.Is(err, ErrBadArchive) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrBadArchive, err)
}

// limitedReader fails with ErrArchiveTooLarge past n bytes (io.LimitReader would
// report a clean EOF and hide the overrun).
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// At the budget: the stream must be over.
		var one [1]byte
		for range 100 {
			n, err := l.r.Read(one[:])
			if n > 0 {
				return 0, fmt.Errorf("%w: decompressed stream exceeds its budget", ErrArchiveTooLarge)
			}
			if err != nil {
				return 0, err
			}
		}
		return 0, io.ErrNoProgress
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
