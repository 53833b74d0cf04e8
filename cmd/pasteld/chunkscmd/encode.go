package chunkscmd

import (
	"bufio"
	"crypto/sha3"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pastelchain/pastel/codec"
	"github.com/spf13/cobra"
)

func encodeCommand(quiet *bool) *cobra.Command {
	var (
		out        string
		chunkSize  = sizeValue(codec.DefaultChunkSize)
		redundancy int
		meta       codec.Metadata
		force      bool
	)
	cmd := &cobra.Command{
		Use:   "encode FILE... -o DIR",
		Short: "Pack files into an archive and erasure-code it into chunk files",
		Long: `Pack the files (by base name) and a metadata ticket into the deterministic
archive, then erasure-code it into DIR: one <id>.chunk file per chunk and
manifest.json listing the archive hash, size, parameters and all chunk ids in
order. The same files and metadata always give the same archive hash and chunks.

Stripes hold up to floor(256 / redundancy) pieces of --chunk-size bytes (21 at
redundancy 12); each stripe of k pieces has n = k x redundancy chunks, any k of
which rebuild it. Memory use is one stripe's pieces plus a batch of parity chunks,
whatever the size of the input; the archive is staged in DIR while encoding.`,
		Example: `  pasteld chunks encode mona.png -o ./mona.chunks
  pasteld chunks encode front.jpg back.jpg --title "Diptych" --creator "A. Artist" -o ./diptych
  pasteld chunks encode big.tif --chunk-size 4MiB --redundancy 8 -o ./big`,
		SilenceUsage: true, // errors here are about data, not about how the command was typed
		Args:         cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("missing -o DIR: where to write the chunks")
			}
			if int64(chunkSize) > int64(int(^uint(0)>>1)) {
				return fmt.Errorf("--chunk-size %s is too large", chunkSize.String())
			}
			p := codec.Params{ChunkSize: int(chunkSize), Redundancy: redundancy}
			if err := p.Validate(); err != nil {
				return err
			}
			return runEncode(cmd, *quiet, args, out, p, meta, force)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "out", "o", "", "directory to write the chunks and manifest.json to (created if missing)")
	f.Var(&chunkSize, "chunk-size", "size of a source piece, e.g. 2MiB, 512KiB or a plain byte count (1KiB..16MiB)")
	f.IntVar(&redundancy, "redundancy", codec.DefaultRedundancy, "chunks per source piece, n/k (1..256)")
	f.StringVar(&meta.Title, "title", "", "title recorded in the archive's metadata ticket")
	f.StringVar(&meta.Creator, "creator", "", "creator recorded in the metadata ticket")
	f.StringVar(&meta.Description, "description", "", "description recorded in the metadata ticket")
	f.StringToStringVar(&meta.Attributes, "attr", nil, "extra metadata attribute key=value (repeatable)")
	f.BoolVar(&force, "force", false, "overwrite an existing manifest.json in DIR")
	return cmd
}

func runEncode(cmd *cobra.Command, quiet bool, paths []string, dir string, p codec.Params, meta codec.Metadata, force bool) error {
	var total int64
	files := make([]codec.ArchiveFile, len(paths))
	for i, path := range paths {
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", path)
		}
		total += st.Size()
		files[i] = codec.FileFromPath(path)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	manifestPath := filepath.Join(dir, ManifestName)
	if _, err := os.Stat(manifestPath); err == nil && !force {
		return fmt.Errorf("%s already exists; use an empty directory or --force", manifestPath)
	}

	// Stage 1: the archive, staged in DIR and hashed as it is written (files are
	// read twice: once to hash them for the metadata, once to copy them).
	bar := newProgress(quiet, 2*total, "archiving", true)
	for i := range files {
		open := files[i].Open
		files[i].Open = func() (io.ReadCloser, error) {
			rc, err := open()
			if err != nil {
				return nil, err
			}
			return struct {
				io.Reader
				io.Closer
			}{progressReader{rc, bar}, rc}, nil
		}
	}
	tmp, err := os.CreateTemp(dir, ".archive-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha3.New256()
	bw := bufio.NewWriterSize(io.MultiWriter(tmp, h), 1<<20)
	written, err := codec.WriteArchive(bw, meta, files)
	if err == nil {
		err = bw.Flush()
	}
	bar.finish()
	if err != nil {
		return err
	}
	var hash codec.Hash
	h.Sum(hash[:0])
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}

	// Stage 2: the chunks.
	l, err := codec.NewLayout(size, p)
	if err != nil {
		return err
	}
	bar = newProgress(quiet, int64(l.Chunks()), "encoding", false)
	m, err := codec.EncodeStream(bufio.NewReaderSize(tmp, 1<<20), size, hash, p, func(c *codec.Chunk) error {
		_, err := writeChunk(dir, c)
		bar.add(1)
		return err
	})
	bar.finish()
	if err != nil {
		return err
	}
	if err := writeManifest(manifestPath, m); err != nil {
		return err
	}

	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "archive   %s\n", m.ArchiveHash)
	fmt.Fprintf(w, "size      %d bytes (%s) from %d file(s), %s of content\n", size, FormatSize(size), len(written.Files), FormatSize(total))
	last := l.Stripe(l.Stripes() - 1)
	fmt.Fprintf(w, "coding    %s chunks, redundancy %d: %d stripe(s), k=%d n=%d", FormatSize(int64(p.ChunkSize)), p.Redundancy, l.Stripes(), l.Stripe(0).K, l.Stripe(0).N)
	if l.Stripes() > 1 {
		fmt.Fprintf(w, " (last stripe k=%d n=%d)", last.K, last.N)
	}
	fmt.Fprintf(w, "\nchunks    %d in %s\n", len(m.ChunkIDs), dir)
	fmt.Fprintf(w, "manifest  %s\n", manifestPath)
	return nil
}
