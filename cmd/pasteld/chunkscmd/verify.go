package chunkscmd

import (
	"errors"
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/pastelchain/pastel/codec"
	"github.com/spf13/cobra"
)

// ErrUnrecoverable is returned by verify when some stripe has fewer than k good
// chunks.
var ErrUnrecoverable = errors.New("chunks: archive cannot be rebuilt")

func verifyCommand(quiet *bool) *cobra.Command {
	var df dirFlags
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Check every chunk file and report, per stripe, good, corrupt and missing chunks",
		Long: `Hash every chunk file in DIR and report, for each stripe, how many distinct good
chunks it has, how many files are corrupt, and how many chunks are missing,
against the k it needs. Exits non-zero if any stripe has fewer than k good
chunks (the archive could not be rebuilt).`,
		Example: `  pasteld chunks verify ./mona.chunks
  pasteld chunks verify ./incoming --manifest ticket-manifest.json`,
		SilenceUsage: true, // errors here are about data, not about how the command was typed
		Args:         cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd, *quiet, args[0], df)
		},
	}
	df.register(cmd)
	return cmd
}

type stripeReport struct {
	good      map[int]bool
	corrupt   int
	duplicate int
}

func runVerify(cmd *cobra.Command, quiet bool, dir string, df dirFlags) error {
	m, mpath, err := chooseManifest(dir, df.manifest, df.trustHeaders)
	if err != nil {
		return err
	}
	all, unreadable, err := scanDir(dir)
	if err != nil {
		return err
	}
	files, key, err := pickArchive(all, m, df.archive)
	if err != nil {
		return err
	}
	l, err := codec.NewLayout(key.size, codec.Params{ChunkSize: key.chunkSize, Redundancy: key.redundancy})
	if err != nil {
		return err
	}
	reports := make(map[int]*stripeReport)
	bar := newProgress(quiet, int64(len(files)), "verifying", false)
	for _, f := range files {
		r := reports[f.hdr.Stripe]
		if r == nil {
			r = &stripeReport{good: make(map[int]bool)}
			reports[f.hdr.Stripe] = r
		}
		c, err := checkChunk(m, f.path)
		bar.add(1)
		switch {
		case err != nil:
			r.corrupt++
		case r.good[c.Index]:
			r.duplicate++
		default:
			r.good[c.Index] = true
		}
	}
	bar.finish()

	w := cmd.OutOrStdout()
	source := "self-consistent headers (no manifest)"
	if mpath != "" {
		source = mpath
	}
	fmt.Fprintf(w, "archive %s, %s, chunk size %s, redundancy %d; checked against %s\n",
		key.hash, FormatSize(key.size), FormatSize(int64(key.chunkSize)), key.redundancy, source)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stripe\tk\tn\tgood\tcorrupt\tmissing\tstatus\t")
	lost := 0
	stripes := l.Stripes()
	if m == nil {
		// Without a manifest, only the stripes seen can be listed cheaply if the
		// header claims an enormous archive; list every stripe up to a sane bound.
		stripes = min(stripes, 1<<16)
	}
	for s := range stripes {
		st := l.Stripe(s)
		r := reports[s]
		if r == nil {
			r = &stripeReport{good: map[int]bool{}}
		}
		good := len(r.good)
		status := fmt.Sprintf("ok, %.1fx of k", float64(good)/float64(st.K))
		if good < st.K {
			status = fmt.Sprintf("LOST: needs %d more", st.K-good)
			lost++
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", s, st.K, st.N, good, r.corrupt, st.N-good, status)
	}
	tw.Flush()
	var dups int
	for _, r := range reports {
		dups += r.duplicate
	}
	if dups > 0 {
		fmt.Fprintf(w, "%d duplicate chunk file(s)\n", dups)
	}
	if len(unreadable) > 0 {
		paths := make([]string, 0, len(unreadable))
		for p := range unreadable {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		fmt.Fprintf(w, "%d chunk file(s) with unreadable headers:\n", len(paths))
		for _, p := range paths {
			fmt.Fprintf(w, "  %s: %v\n", p, unreadable[p])
		}
	}
	if lost > 0 {
		return fmt.Errorf("%w: %d of %d stripes have fewer than k good chunks", ErrUnrecoverable, lost, l.Stripes())
	}
	fmt.Fprintln(w, "every stripe can be rebuilt")
	return nil
}
