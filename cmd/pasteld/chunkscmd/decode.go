package chunkscmd

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pastelchain/pastel/codec"
	"github.com/spf13/cobra"
)

type dirFlags struct {
	manifest     string
	trustHeaders bool
	archive      string
}

func (d *dirFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&d.manifest, "manifest", "", "manifest to check chunks against (default DIR/manifest.json if present)")
	f.BoolVar(&d.trustHeaders, "trust-headers", false, "ignore any manifest; believe chunks whose header and payload are self-consistent")
	f.StringVar(&d.archive, "archive", "", "archive hash to use when DIR holds chunks of several archives (no manifest)")
}

func decodeCommand(quiet *bool) *cobra.Command {
	var (
		out          string
		df           dirFlags
		maxSize      = sizeValue(codec.DefaultMaxContentSize)
		force        bool
		metadataPath string
		keepArchive  bool
	)
	cmd := &cobra.Command{
		Use:   "decode DIR -o OUTDIR",
		Short: "Rebuild the original files from a directory of chunks",
		Long: `Rebuild the archive from the chunk files in DIR, check its hash, and write the
files it contains to OUTDIR.

Any k good chunks of each stripe are enough: damaged, truncated, duplicate and
foreign chunk files are skipped. If a stripe lacks chunks, decode fails and says
which stripe has how many of how many it needs. Files are written under
temporary names and renamed only once the whole archive has checked out.`,
		Example: `  pasteld chunks decode ./mona.chunks -o ./restored
  pasteld chunks decode ./incoming --manifest ticket-manifest.json -o ./restored
  pasteld chunks decode ./mixed --trust-headers --archive 3f2a...e9 -o ./restored`,
		SilenceUsage: true, // errors here are about data, not about how the command was typed
		Args:         cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("missing -o OUTDIR: where to write the files")
			}
			return runDecode(cmd, *quiet, args[0], out, df, codec.ExtractLimits{MaxContentSize: int64(maxSize)}, force, metadataPath, keepArchive)
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "directory to write the files to (created if missing)")
	df.register(cmd)
	cmd.Flags().Var(&maxSize, "max-size", "refuse archives whose files add up to more than this")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite files that already exist in OUTDIR")
	cmd.Flags().StringVar(&metadataPath, "metadata", "", "also write the archive's metadata ticket (JSON) to this file")
	cmd.Flags().BoolVar(&keepArchive, "keep-archive", false, "also keep the archive itself as OUTDIR/<archive hash>.tar.zst")
	return cmd
}

func runDecode(cmd *cobra.Command, quiet bool, dir, outDir string, df dirFlags, lim codec.ExtractLimits, force bool, metadataPath string, keepArchive bool) error {
	m, mpath, err := chooseManifest(dir, df.manifest, df.trustHeaders)
	if err != nil {
		return err
	}
	files, unreadable, err := scanDir(dir)
	if err != nil {
		return err
	}
	files, key, err := pickArchive(files, m, df.archive)
	if err != nil {
		return err
	}
	if mpath != "" {
		logf(cmd, quiet, "checking chunks against %s", mpath)
	} else {
		logf(cmd, quiet, "no manifest: trusting self-consistent chunk headers")
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	d, err := codec.NewDecoder(m)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(outDir, ".archive-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	bw := bufio.NewWriterSize(tmp, 1<<20)

	// Stripe by stripe, so memory holds one stripe's chunks.
	rejected := make(map[string]int)
	groups := byStripe(files)
	stripes := make([]int, 0, len(groups))
	for s := range groups {
		stripes = append(stripes, s)
	}
	sort.Ints(stripes)
	bar := newProgress(quiet, key.size, "decoding", true)
	for _, s := range stripes {
		for _, f := range groups[s] {
			if d.Complete(s) {
				break
			}
			b, err := readChunkFile(f.path)
			if err != nil {
				rejected["unreadable"]++
				continue
			}
			if err := d.Add(b); err != nil {
				rejected[reason(err)]++
			}
		}
		n, err := d.Flush(bw)
		bar.add(n)
		if err != nil {
			return err
		}
	}
	n, err := d.WriteTo(bw)
	bar.add(n)
	bar.finish()
	if len(unreadable) > 0 {
		rejected["unreadable header"] += len(unreadable)
	}
	if len(rejected) > 0 {
		var parts []string
		for r, n := range rejected {
			parts = append(parts, fmt.Sprintf("%d %s", n, r))
		}
		sort.Strings(parts)
		logf(cmd, quiet, "skipped chunk files: %s", strings.Join(parts, ", "))
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}

	// Extract under temporary names; rename once everything checked out.
	type pending struct{ tmp, final string }
	var done []pending
	defer func() {
		for _, p := range done {
			os.Remove(p.tmp)
		}
	}()
	meta, err := codec.ReadArchive(bufio.NewReaderSize(tmp, 1<<20), lim, func(info codec.FileInfo, r io.Reader) error {
		if !filepath.IsLocal(info.Name) { // CheckName already guarantees it; belt and braces
			return fmt.Errorf("%w: %q", codec.ErrUnsafeName, info.Name)
		}
		final := filepath.Join(outDir, info.Name)
		if _, err := os.Lstat(final); err == nil && !force {
			return fmt.Errorf("%s already exists (use --force to overwrite)", final)
		}
		f, err := os.CreateTemp(outDir, "."+info.Name+".partial-*")
		if err != nil {
			return err
		}
		done = append(done, pending{f.Name(), final})
		_, err = io.Copy(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, p := range done {
		if err := os.Rename(p.tmp, p.final); err != nil {
			return err
		}
	}
	done = nil
	if metadataPath != "" {
		b, _ := json.MarshalIndent(meta, "", "  ")
		if err := writeFileAtomic(metadataPath, true, func(w io.Writer) error {
			_, err := w.Write(append(b, '\n'))
			return err
		}); err != nil {
			return err
		}
	}
	if keepArchive {
		tmp.Close()
		if err := os.Rename(tmp.Name(), filepath.Join(outDir, key.hash.String()+".tar.zst")); err != nil {
			return err
		}
	}

	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "archive   %s (%s), hash verified\n", key.hash, FormatSize(key.size))
	if meta.Title != "" {
		fmt.Fprintf(w, "title     %s\n", meta.Title)
	}
	for _, f := range meta.Files {
		fmt.Fprintf(w, "wrote     %s (%s)\n", filepath.Join(outDir, f.Name), FormatSize(f.Size))
	}
	return nil
}

// reason names the kind of rejection for the summary.
func reason(err error) string {
	for _, r := range []struct {
		err  error
		name string
	}{
		{codec.ErrIDMismatch, "corrupt"},
		{codec.ErrTruncated, "truncated"},
		{codec.ErrBadChunk, "malformed"},
		{codec.ErrBadHeader, "bad header"},
		{codec.ErrUnknownVersion, "unknown version"},
		{codec.ErrForeign, "foreign"},
		{codec.ErrDuplicate, "duplicate"},
	} {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "rejected"
}
