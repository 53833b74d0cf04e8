package main

import (
	"crypto/sha3"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pastelchain/pastel/artio"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/x/storage/fingerprint"
)

// fingerprintFile is the perceptual fingerprint of an image file, read as a
// stream; a file that is not an image in a supported format is refused
// with an error that says so (before any archive is built).
func fingerprintFile(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	h, err := fingerprint.Compute(f, artio.MaxImagePixels)
	if err != nil {
		return 0, fmt.Errorf("%s: %w (register PNG, JPEG, GIF, WebP, BMP or TIFF images of at most %d pixels)", path, err, artio.MaxImagePixels)
	}
	return uint64(h), nil
}

// archiveFile is an art archive written to a temporary file.
type archiveFile struct {
	f    *os.File
	size int64
	hash codec.Hash
	meta codec.Metadata
}

// writeArchiveFile writes the archive of files to a temporary file (under
// $TMPDIR) and hashes it on the way.
func writeArchiveFile(meta codec.Metadata, files []codec.ArchiveFile) (*archiveFile, error) {
	f, err := os.CreateTemp("", "pastel-archive-*")
	if err != nil {
		return nil, fmt.Errorf("temporary archive: %w (set TMPDIR to a folder with room for the image)", err)
	}
	h := sha3.New256()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	written, err := codec.WriteArchive(cw, meta, files)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	a := &archiveFile{f: f, size: cw.n, meta: written}
	h.Sum(a.hash[:0])
	return a, nil
}

// reader reads the archive from its start (each call independently).
func (a *archiveFile) reader() io.Reader { return io.NewSectionReader(a.f, 0, a.size) }

func (a *archiveFile) remove() {
	a.f.Close()
	os.Remove(a.f.Name())
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// partialPath is where a download is written before it is verified.
func partialPath(dir, name string) string { return filepath.Join(dir, "."+name+".partial") }
