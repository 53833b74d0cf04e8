package chunkscmd

import (
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/pastelchain/pastel/codec"
	"github.com/spf13/cobra"
)

func mintCommand(quiet *bool) *cobra.Command {
	var (
		out     string
		df      dirFlags
		stripe  int
		index   int
		missing bool
	)
	cmd := &cobra.Command{
		Use:   "mint DIR (--index I [--stripe S] | --missing) -o OUTDIR",
		Short: "Re-create lost chunks from any k good chunks of their stripe",
		Long: `Re-create chunk I of stripe S (or, with --missing, every chunk of every stripe
that has no good file in DIR) from any k good chunks of the stripe. A minted chunk
is byte-for-byte the chunk the encoder wrote, with the same id, so it can replace
a lost one anywhere. The new files go to OUTDIR (which may be DIR itself).`,
		Example: `  pasteld chunks mint ./mona.chunks --index 17 -o ./mona.chunks
  pasteld chunks mint ./mona.chunks --stripe 2 --index 0 -o ./spare
  pasteld chunks mint ./mona.chunks --missing -o ./mona.chunks`,
		SilenceUsage: true, // errors here are about data, not about how the command was typed
		Args:         cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("missing -o OUTDIR: where to write the minted chunks")
			}
			if missing == cmd.Flags().Changed("index") {
				return errors.New("give exactly one of --index or --missing")
			}
			return runMint(cmd, *quiet, args[0], out, df, stripe, index, missing)
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "directory to write minted chunks to (created if missing)")
	df.register(cmd)
	cmd.Flags().IntVar(&stripe, "stripe", 0, "stripe of the chunk to mint")
	cmd.Flags().IntVar(&index, "index", 0, "index within the stripe of the chunk to mint")
	cmd.Flags().BoolVar(&missing, "missing", false, "mint every chunk that has no good file in DIR")
	return cmd
}

func runMint(cmd *cobra.Command, quiet bool, dir, outDir string, df dirFlags, stripe, index int, missing bool) error {
	m, _, err := chooseManifest(dir, df.manifest, df.trustHeaders)
	if err != nil {
		return err
	}
	all, _, err := scanDir(dir)
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
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	groups := byStripe(files)
	todo := map[int][]int{}
	if missing {
		if m == nil && l.Stripes() > 1<<16 {
			return fmt.Errorf("headers claim %d stripes; use a manifest to mint missing chunks", l.Stripes())
		}
		for s := range l.Stripes() {
			todo[s] = nil // filled below, once the good chunks are known
		}
	} else {
		if stripe < 0 || stripe >= l.Stripes() || index < 0 || index >= l.Stripe(stripe).N {
			return fmt.Errorf("no chunk (stripe %d, index %d): the archive has %d stripe(s), stripe %d has indices 0..%d",
				stripe, index, l.Stripes(), max(0, min(stripe, l.Stripes()-1)), l.Stripe(max(0, min(stripe, l.Stripes()-1))).N-1)
		}
		todo[stripe] = []int{index}
	}
	stripes := make([]int, 0, len(todo))
	for s := range todo {
		stripes = append(stripes, s)
	}
	sort.Ints(stripes)
	w := cmd.OutOrStdout()
	minted := 0
	for _, s := range stripes {
		st := l.Stripe(s)
		// Read good chunks of the stripe: all of them for --missing (to know what
		// is missing), else just k.
		good := map[int][]byte{}
		for _, f := range groups[s] {
			if !missing && len(good) >= st.K {
				break
			}
			if _, ok := good[f.hdr.Index]; ok {
				continue
			}
			b, err := readChunkFile(f.path)
			if err != nil {
				continue
			}
			var cerr error
			if m != nil {
				_, cerr = m.Check(b)
			} else {
				_, cerr = codec.ParseChunk(b)
			}
			if cerr == nil {
				good[f.hdr.Index] = b
			}
		}
		want := todo[s]
		if missing {
			for i := range st.N {
				if _, ok := good[i]; !ok {
					want = append(want, i)
				}
			}
		}
		if len(want) == 0 {
			continue
		}
		in := make([][]byte, 0, st.K)
		idx := make([]int, 0, len(good))
		for i := range good {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		for _, i := range idx[:min(len(idx), st.K)] {
			in = append(in, good[i])
		}
		bar := newProgress(quiet, int64(len(want)), fmt.Sprintf("minting stripe %d", s), false)
		for _, i := range want {
			c, err := codec.Mint(m, s, i, in)
			if err != nil {
				bar.finish()
				return err
			}
			name, err := writeChunk(outDir, c)
			if err != nil {
				bar.finish()
				return err
			}
			bar.add(1)
			minted++
			if !missing || quiet {
				fmt.Fprintf(w, "minted stripe %d index %d: %s\n", s, i, name)
			}
		}
		bar.finish()
		if missing && !quiet {
			fmt.Fprintf(w, "stripe %d: minted %d missing chunk(s)\n", s, len(want))
		}
	}
	if missing {
		fmt.Fprintf(w, "minted %d chunk(s) into %s\n", minted, outDir)
	}
	return nil
}
