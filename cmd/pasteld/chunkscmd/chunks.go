// Package chunkscmd is the "pasteld chunks" command: it turns image files into
// Pastel chunks and back, offline, with the codec in codec/.
//
//	pasteld chunks encode IMAGE... -o DIR     archive + erasure-code into DIR
//	pasteld chunks verify DIR                 which stripes are healthy
//	pasteld chunks decode DIR -o OUTDIR       rebuild the original files
//	pasteld chunks mint DIR --index I -o DIR  re-create a lost chunk
//
// A chunk directory holds one file per chunk, named by its hex chunk id with the
// extension .chunk, and manifest.json: the archive hash, size, coding parameters
// and every chunk id in order (what the on-chain ticket records).
package chunkscmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pastelchain/pastel/codec"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// ManifestName is the manifest file in a chunk directory.
const ManifestName = "manifest.json"

// chunkExt is the extension of chunk files.
const chunkExt = ".chunk"

// manifestFormat tags manifest.json files.
const manifestFormat = "pastel-chunk-manifest/1"

// Command returns the "chunks" command with its subcommands.
func Command() *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use:   "chunks",
		Short: "Encode images into erasure-coded chunks, verify, decode and mint them (offline)",
		Long: `Work with Pastel chunks offline, without a node.

An artwork's files and a metadata ticket are packed into a deterministic archive
(tar + zstd; its SHA3-256 is the archive hash that identifies the art), and the
archive is cut into stripes of k pieces, each Reed-Solomon coded into
n = k x redundancy chunks. Any k distinct chunks of a stripe rebuild it. Each chunk
is named by its id, the SHA3-256 Merkle root of its payload.

A chunk directory holds <id>.chunk files and manifest.json (archive hash, size,
parameters and every chunk id in order). With the manifest, only chunks whose
payload hashes to the listed id are used; without it (or with --trust-headers),
chunks are believed when their header and payload are self-consistent.`,
		Example: `  # Encode an image at the defaults (2 MiB chunks, redundancy 12)
  pasteld chunks encode mona.png --title "Mona" -o ./mona.chunks

  # Which stripes could be rebuilt from what is left?
  pasteld chunks verify ./mona.chunks

  # Get the files back
  pasteld chunks decode ./mona.chunks -o ./restored

  # Re-create chunk 17 of stripe 0, or every missing chunk
  pasteld chunks mint ./mona.chunks --index 17 -o ./mona.chunks
  pasteld chunks mint ./mona.chunks --missing -o ./mona.chunks`,
		SilenceUsage: true,
	}
	cmd.PersistentFlags().BoolVarP(&quiet, "quiet", "q", false, "no progress bars or summaries on stderr")
	cmd.AddCommand(encodeCommand(&quiet), decodeCommand(&quiet), verifyCommand(&quiet), mintCommand(&quiet))
	return cmd
}

// progress is a progress bar on stderr when it is a terminal and not --quiet;
// otherwise it does nothing.
type progress struct{ bar *progressbar.ProgressBar }

func newProgress(quiet bool, max int64, desc string, bytes bool) *progress {
	if quiet || !term.IsTerminal(int(os.Stderr.Fd())) {
		return &progress{}
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true),
	}
	if bytes {
		opts = append(opts, progressbar.OptionShowBytes(true), progressbar.OptionUseIECUnits(true))
	}
	return &progress{bar: progressbar.NewOptions64(max, opts...)}
}

func (p *progress) add(n int64) {
	if p.bar != nil {
		_ = p.bar.Add64(n)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// progressReader counts bytes read into a progress bar.
type progressReader struct {
	r io.Reader
	p *progress
}

func (pr progressReader) Read(b []byte) (int, error) {
	n, err := pr.r.Read(b)
	pr.p.add(int64(n))
	return n, err
}

// logf writes a human-readable note to stderr unless quiet.
func logf(cmd *cobra.Command, quiet bool, format string, args ...any) {
	if !quiet {
		fmt.Fprintf(cmd.ErrOrStderr(), format+"\n", args...)
	}
}

// manifestFile is manifest.json.
type manifestFile struct {
	Format string `json:"format"`
	codec.Manifest
}

func writeManifest(path string, m *codec.Manifest) error {
	b, err := json.MarshalIndent(manifestFile{Format: manifestFormat, Manifest: *m}, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, true, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// loadManifest reads a manifest. A missing file gives (nil, nil).
func loadManifest(path string) (*codec.Manifest, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var mf manifestFile
	// A manifest lists ~12 ids per 2 MiB of archive; 64 MiB covers terabytes.
	dec := json.NewDecoder(io.LimitReader(f, 64<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&mf); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if mf.Format != manifestFormat {
		return nil, fmt.Errorf("%s: format %q, want %q", path, mf.Format, manifestFormat)
	}
	if err := mf.Manifest.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &mf.Manifest, nil
}

// chooseManifest finds the manifest to trust for a chunk directory: --manifest if
// given, else DIR/manifest.json if present, else none (trust headers). With
// --trust-headers, none.
func chooseManifest(dir, flagPath string, trustHeaders bool) (*codec.Manifest, string, error) {
	if trustHeaders {
		if flagPath != "" {
			return nil, "", errors.New("--manifest and --trust-headers exclude each other")
		}
		return nil, "", nil
	}
	path := flagPath
	if path == "" {
		path = filepath.Join(dir, ManifestName)
	}
	m, err := loadManifest(path)
	if err != nil {
		return nil, "", err
	}
	if m == nil && flagPath != "" {
		return nil, "", fmt.Errorf("manifest %s does not exist", flagPath)
	}
	if m == nil {
		return nil, "", nil
	}
	return m, path, nil
}

// chunkFile is a chunk file whose header parsed.
type chunkFile struct {
	path string
	hdr  codec.Header
}

// scanDir reads the header of every *.chunk file in dir. Files whose header does
// not parse are returned separately with the reason.
func scanDir(dir string) (good []chunkFile, unreadable map[string]error, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	unreadable = make(map[string]error)
	var buf [codec.HeaderSize]byte
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), chunkExt) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		f, err := os.Open(path)
		if err != nil {
			unreadable[path] = err
			continue
		}
		n, _ := io.ReadFull(f, buf[:])
		f.Close()
		h, err := codec.ParseHeader(buf[:n])
		if err != nil {
			unreadable[path] = err
			continue
		}
		good = append(good, chunkFile{path: path, hdr: h})
	}
	sort.Slice(good, func(i, j int) bool {
		a, b := good[i].hdr, good[j].hdr
		if a.Stripe != b.Stripe {
			return a.Stripe < b.Stripe
		}
		if a.Index != b.Index {
			return a.Index < b.Index
		}
		return good[i].path < good[j].path
	})
	return good, unreadable, nil
}

// archiveKey identifies an encoding of an archive.
type archiveKey struct {
	hash       codec.Hash
	size       int64
	chunkSize  int
	redundancy int
}

func keyOf(h *codec.Header) archiveKey {
	return archiveKey{h.ArchiveHash, h.ArchiveSize, h.ChunkSize, h.Redundancy}
}

// pickArchive selects the chunk files of one archive: the manifest's, or in
// header mode the only archive present (or the one named by --archive).
func pickArchive(files []chunkFile, m *codec.Manifest, want string) ([]chunkFile, archiveKey, error) {
	var key archiveKey
	switch {
	case m != nil:
		key = archiveKey{m.ArchiveHash, m.ArchiveSize, m.ChunkSize, m.Redundancy}
	case want != "":
		h, err := codec.ParseHash(want)
		if err != nil {
			return nil, key, err
		}
		found := false
		for _, f := range files {
			if f.hdr.ArchiveHash == h {
				key, found = keyOf(&f.hdr), true
				break
			}
		}
		if !found {
			return nil, key, fmt.Errorf("no chunk of archive %s", h)
		}
	default:
		counts := make(map[archiveKey]int)
		for _, f := range files {
			counts[keyOf(&f.hdr)]++
		}
		if len(counts) == 0 {
			return nil, key, errors.New("no readable chunk files (*.chunk)")
		}
		if len(counts) > 1 {
			var lines []string
			for k, n := range counts {
				lines = append(lines, fmt.Sprintf("  %s: %d chunks", k.hash, n))
			}
			sort.Strings(lines)
			return nil, key, fmt.Errorf("chunks of %d archives found; choose one with --archive:\n%s", len(counts), strings.Join(lines, "\n"))
		}
		for k := range counts {
			key = k
		}
	}
	var out []chunkFile
	for _, f := range files {
		if keyOf(&f.hdr) == key {
			out = append(out, f)
		}
	}
	return out, key, nil
}

// byStripe groups chunk files by stripe (files keep their index order).
func byStripe(files []chunkFile) map[int][]chunkFile {
	out := make(map[int][]chunkFile)
	for _, f := range files {
		out[f.hdr.Stripe] = append(out[f.hdr.Stripe], f)
	}
	return out
}

// checkChunk reads a chunk file and checks it against the manifest, or for
// self-consistency without one.
func checkChunk(m *codec.Manifest, path string) (*codec.Chunk, error) {
	b, err := readChunkFile(path)
	if err != nil {
		return nil, err
	}
	if m != nil {
		return m.Check(b)
	}
	return codec.ParseChunk(b)
}

// readChunkFile reads a chunk file, refusing files larger than any chunk can be.
func readChunkFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, codec.HeaderSize+codec.MaxChunkSize+1))
	if err != nil {
		return nil, err
	}
	return b, nil
}

// writeFileAtomic writes path through a temporary file in the same directory,
// renamed into place, so a crash never leaves half a file under the final name.
// With durable, the file is fsynced before the rename.
func writeFileAtomic(path string, durable bool, write func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if durable {
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// writeChunk stores a chunk in dir as <id>.chunk. If a different chunk with the
// same payload (hence the same id) is already there, the new one is stored as
// <id>-s<stripe>-i<index>.chunk. It returns the file name.
func writeChunk(dir string, c *codec.Chunk) (string, error) {
	name := c.ID.String() + chunkExt
	path := filepath.Join(dir, name)
	if old, err := os.ReadFile(path); err == nil {
		if h, err := codec.ParseHeader(old); err == nil && h == c.Header && len(old) == c.Size() {
			if string(old[codec.HeaderSize:]) == string(c.Payload) {
				return name, nil
			}
		}
		name = fmt.Sprintf("%s-s%d-i%d%s", c.ID, c.Stripe, c.Index, chunkExt)
		path = filepath.Join(dir, name)
	}
	err := writeFileAtomic(path, false, func(w io.Writer) error {
		_, err := c.WriteTo(w)
		return err
	})
	return name, err
}
