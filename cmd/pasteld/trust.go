package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/genesis"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/x/trust"
	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

func init() { extraCommands = append(extraCommands, newTrustCmd) }

func newTrustCmd() *cobra.Command {
	tc := &cobra.Command{
		Use:   "trust",
		Short: "Trust edges between accounts and the scores the chain computes from them",
		Long: `Every account may state how much it trusts another, from -1 (distrust) to 1.
Each epoch the chain computes, from the genesis seed list outward, every
identity's DATT score (transitive trust from the seeds), its EigenTrust share
and a combined score, and stores them: other modules use them, and 'trust
show' reads them with a proof.`,
	}
	tc.AddCommand(newTrustSetCmd(), newTrustRemoveCmd(), newTrustShowCmd(), newTrustTopCmd(), newTrustWhyCmd(),
		newTrustEdgesCmd(), newTrustSeedsCmd(), newTrustEpochCmd(), newTrustGenesisSeedCmd(), newTrustGenesisParamCmd(),
		newSeedChangeCmd())
	return tc
}

// parseKeepingNegatives parses cmd's flags from raw with negative numbers
// such as -1 or -0.5 kept as positional arguments (pflag would take them
// for shorthand flags). Commands that use it set DisableFlagParsing.
func parseKeepingNegatives(cmd *cobra.Command, raw []string) ([]string, error) {
	var kept []string
	rewritten := make([]string, len(raw))
	for i, a := range raw {
		if len(a) > 1 && a[0] == '-' && (a[1] == '.' || (a[1] >= '0' && a[1] <= '9')) {
			rewritten[i] = fmt.Sprintf("\x00negative%d", len(kept))
			kept = append(kept, a)
			continue
		}
		rewritten[i] = a
	}
	cmd.DisableFlagParsing = false // ParseFlags does nothing while it is set
	err := cmd.ParseFlags(rewritten)
	cmd.DisableFlagParsing = true
	if err != nil {
		return nil, err
	}
	args := cmd.Flags().Args()
	for i, a := range args {
		var n int
		if _, err := fmt.Sscanf(a, "\x00negative%d", &n); err == nil && n < len(kept) {
			args[i] = kept[n]
		}
	}
	return args, nil
}

func newTrustSetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "set TARGET SCORE --from KEY",
		Short: "State how much the --from key trusts TARGET (-1 to 1); replaces an earlier statement",
		Long: `set creates or overwrites the trust edge from the --from key to TARGET (an
address or a key name). SCORE is a decimal from -1 (full distrust) to 1 (full
trust), with at most nine decimals: 0.8, -1, 0.25. The last statement included
in a block wins. An account may hold at most max_edges_per_account edges.`,
		Example: `  pasteld trust set pastel1… 0.8 --from alice --yes
  pasteld trust set bob -1 --from alice --yes`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, raw []string) error {
			args, err := parseKeepingNegatives(cmd, raw)
			if help, _ := cmd.Flags().GetBool("help"); help || errors.Is(err, pflag.ErrHelp) {
				return cmd.Help()
			}
			if err != nil {
				return err
			}
			if len(args) != 2 {
				return fmt.Errorf("want TARGET SCORE, got %d arguments (see pasteld trust set --help)", len(args))
			}
			from, _ := cmd.Flags().GetString("from")
			if from == "" {
				return fmt.Errorf("--from KEY is required: the key that states the trust signs it")
			}
			to, err := resolveAddress(cmd, args[0])
			if err != nil {
				return err
			}
			w, err := trust.ParseWeight(args[1])
			if err != nil {
				return err
			}
			m, err := tx.Msg(trust.MsgSetTrustType, &trustpb.MsgSetTrust{Target: to.String(), Weight: int64(w)})
			if err != nil {
				return err
			}
			_, err = sendTx(cmd, from, fmt.Sprintf("Trust %s with %v", to, w), m)
			return err
		},
	}
	txFlags(cmd)
	cmd.Flags().String("from", "", "key that states the trust (required)")
	return cmd
}

func newTrustRemoveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "remove TARGET --from KEY",
		Short:   "Withdraw the --from key's trust statement about TARGET",
		Example: "  pasteld trust remove pastel1… --from alice --yes",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			from, _ := cmd.Flags().GetString("from")
			if from == "" {
				return fmt.Errorf("--from KEY is required")
			}
			to, err := resolveAddress(cmd, args[0])
			if err != nil {
				return err
			}
			m, err := tx.Msg(trust.MsgRemoveTrustType, &trustpb.MsgRemoveTrust{Target: to.String()})
			if err != nil {
				return err
			}
			_, err = sendTx(cmd, from, "Remove trust edge to "+to.String(), m)
			return err
		},
	}
	txFlags(cmd)
	cmd.Flags().String("from", "", "key whose statement to remove (required)")
	return cmd
}

// queryFlags are the flags of every read-only trust command.
func queryFlags(cmd *cobra.Command) {
	nodeFlag(cmd)
	outputFlag(cmd)
	addKeyringFlags(cmd)
}

func newTrustShowCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show ADDRESS|KEY [--viewpoint ADDRESS|KEY] [--prove]",
		Short: "Show an identity's scores from the last epoch (and, with --viewpoint, its DATT from there)",
		Long: `show reads the identity's stored scores of the last epoch: DATT (transitive
trust from the seeds) and its rank, the EigenTrust share, the share relative
to the most trusted identity, and the combined score. With --prove the answer
is checked against the AppHash in a header signed by the validators.

With --viewpoint the node also computes, now, the identity's DATT score with
the viewpoint as the only seed (bounded by max_query_identities/edges).`,
		Example: `  pasteld trust show pastel1… --prove
  pasteld trust show bob --viewpoint alice -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := resolveAddress(cmd, args[0])
			if err != nil {
				return err
			}
			prove, _ := cmd.Flags().GetBool("prove")
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			r, err := c.Query(ctx, "/trust/score/"+a.String(), 0, prove)
			if err != nil {
				return err
			}
			var rec trustpb.NodeScore
			known := len(r.Value) > 0
			if known {
				if err := proto.Unmarshal(r.Value, &rec); err != nil {
					return fmt.Errorf("decode score: %w", err)
				}
			}
			view := trust.NewScoreView(a, &rec, known)
			var ep trust.EpochView
			if er, err := c.Query(ctx, "/trust/epoch", r.Height, false); err == nil {
				if err := json.Unmarshal(er.Value, &ep); err != nil {
					return fmt.Errorf("/trust/epoch: unexpected answer from the node: %w", err)
				}
			}
			var vp *trust.ViewpointView
			if v, _ := cmd.Flags().GetString("viewpoint"); v != "" {
				va, err := resolveAddress(cmd, v)
				if err != nil {
					return err
				}
				vr, err := c.Query(ctx, "/trust/viewpoint/"+va.String()+"/"+a.String(), r.Height, false)
				if err != nil {
					return err
				}
				vp = &trust.ViewpointView{}
				if err := json.Unmarshal(vr.Value, vp); err != nil {
					return err
				}
			}
			if isJSON(cmd) {
				out := map[string]any{"height": r.Height, "proven": prove, "score": view, "epoch": ep.Epoch, "epoch_height": ep.Height}
				if vp != nil {
					out["viewpoint"] = vp
				}
				return printJSON(cmd, out)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "address:    %s\n", a)
			if !known {
				fmt.Fprintf(w, "scores:     none (the last epoch did not reach it from the seeds)\n")
			} else {
				rank := fmt.Sprintf("rank %d", view.Rank)
				if view.Rank < 0 {
					rank = "beyond the max rank"
				}
				fmt.Fprintf(w, "datt:       %v (%s)\neigentrust: %v (%v of the most trusted)\ncombined:   %v\n", view.DATT, rank, view.Eigen, view.EigenNorm, view.Combined)
			}
			if vp != nil {
				if vp.Reached {
					fmt.Fprintf(w, "from %s: DATT %v (rank %d)\n", vp.Viewpoint, vp.DATT, vp.Rank)
				} else {
					fmt.Fprintf(w, "from %s: not reached (%d identities walked, %s)\n", vp.Viewpoint, vp.Identities, vp.DATTTruncation)
				}
			}
			if ep.Epoch > 0 {
				fmt.Fprintf(w, "epoch:      %d, computed at height %d (next at %d)\n", ep.Epoch, ep.Height, ep.NextHeight)
			} else {
				fmt.Fprintf(w, "epoch:      none yet (first at height %d)\n", ep.NextHeight)
			}
			fmt.Fprintf(w, "height:     %d", r.Height)
			if prove {
				fmt.Fprint(w, " (verified against the signed AppHash)")
			}
			fmt.Fprintln(w)
			return nil
		},
	}
	queryFlags(cmd)
	cmd.Flags().String("viewpoint", "", "also compute the DATT score with this identity as the only seed")
	proveFlags(cmd, "verify the stored scores with an IAVL proof against the signed block header")
	return cmd
}

func newTrustTopCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "top [N]",
		Short:   "List the N identities with the highest combined score (default 10, at most 1000)",
		Example: "  pasteld trust top 20",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 10
			if len(args) == 1 {
				v, err := strconv.Atoi(args[0])
				if err != nil || v < 1 || v > 1000 {
					return fmt.Errorf("the count must be a number from 1 to 1000, not %q", args[0])
				}
				n = v
			}
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			var top []trust.ScoreView
			height, err := c.QueryJSON(ctx, fmt.Sprintf("/trust/top/%d", n), &top)
			if err != nil {
				return err
			}
			if isJSON(cmd) {
				return printJSON(cmd, map[string]any{"height": height, "top": top})
			}
			if len(top) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no scores yet (no epoch has run, or genesis has no seeds)")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "#\tADDRESS\tCOMBINED\tDATT\tRANK\tEIGENTRUST")
			for i, v := range top {
				fmt.Fprintf(tw, "%d\t%s\t%v\t%v\t%d\t%v\n", i+1, v.Address, v.Combined, v.DATT, v.Rank, v.Eigen)
			}
			return tw.Flush()
		},
	}
	queryFlags(cmd)
	return cmd
}

func newTrustWhyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "why ADDRESS|KEY [--viewpoint ADDRESS|KEY]",
		Short: "Explain an identity's DATT score: who contributed and the strongest path from a seed",
		Long: `why recomputes DATT over the current edges (from the seeds, within the epoch
bounds, or from --viewpoint within the query bounds) and lists the
predecessors whose trust produced the score and the strongest path from a
seed. For the seeds it also says whether the result is still the stored one
of the last epoch (no edge or seed changed since).`,
		Example: "  pasteld trust why pastel1…",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := resolveAddress(cmd, args[0])
			if err != nil {
				return err
			}
			path := "/trust/why/" + a.String()
			if v, _ := cmd.Flags().GetString("viewpoint"); v != "" {
				va, err := resolveAddress(cmd, v)
				if err != nil {
					return err
				}
				path += "/" + va.String()
			}
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			var why trust.WhyView
			if _, err := c.QueryJSON(ctx, path, &why); err != nil {
				return err
			}
			if isJSON(cmd) {
				return printJSON(cmd, why)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s: DATT %v at rank %d from %s (height %d)\n", why.Address, why.DATT, why.Rank, why.From, why.Height)
			if why.Stored != nil {
				state := "matches the last epoch"
				if !why.MatchesEpoch {
					state = fmt.Sprintf("edges or seeds changed since epoch %d; stored DATT %v", why.Epoch, why.Stored.DATT)
				}
				fmt.Fprintf(w, "(%s)\n", state)
			}
			if len(why.Contributions) > 0 {
				fmt.Fprintln(w, "contributions (score-weighted mean of score × weight):")
				for _, ct := range why.Contributions {
					fmt.Fprintf(w, "  %s  score %v × weight %v = %v\n", ct.From, ct.FromScore, ct.Weight, ct.Product)
				}
			}
			fmt.Fprintln(w, "strongest path:")
			for i, st := range why.Path {
				if i == 0 {
					fmt.Fprintf(w, "  %s  (seed, %v)\n", st.Address, st.Score)
					continue
				}
				fmt.Fprintf(w, "  -> %s  weight %v, score %v\n", st.Address, st.Weight, st.Score)
			}
			return nil
		},
	}
	queryFlags(cmd)
	cmd.Flags().String("viewpoint", "", "explain the DATT score from this identity instead of the seeds")
	return cmd
}

func newTrustEdgesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "edges ADDRESS|KEY [--prove]",
		Short: "List an account's trust edges: its own statements and the automatic ones",
		Long: `edges lists the account's manual edges (its statements) and its automatic
edges (moved by storage challenges and chunk transfers the chain verified).
An automatic edge to a target the account also made a statement about is not
effective: the statement wins.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := resolveAddress(cmd, args[0])
			if err != nil {
				return err
			}
			prove, _ := cmd.Flags().GetBool("prove")
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			r, err := c.Query(ctx, "/trust/outedges/"+a.String(), 0, prove)
			if err != nil {
				return err
			}
			var o trustpb.OutEdges
			if err := proto.Unmarshal(r.Value, &o); err != nil {
				return fmt.Errorf("decode edges: %w", err)
			}
			var maxEdges uint32
			if pr, err := c.Query(ctx, "/trust/params", r.Height, false); err == nil {
				var p trust.Params
				if json.Unmarshal(pr.Value, &p) == nil {
					maxEdges = p.MaxEdgesPerAccount
				}
			}
			v := trust.NewEdgesView(a, &o, maxEdges)
			if isJSON(cmd) {
				return printJSON(cmd, map[string]any{"height": r.Height, "proven": prove, "edges": v})
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s: %d of %d manual edges, %d automatic (height %d%s)\n", a, v.Manual, v.MaxEdges, v.Auto, r.Height,
				map[bool]string{true: ", verified", false: ""}[prove])
			if len(v.Edges) == 0 {
				return nil
			}
			tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TARGET\tWEIGHT\tKIND\tNOTE")
			for _, e := range v.Edges {
				note := ""
				if e.Kind == "auto" {
					note = fmt.Sprintf("%d good, %d bad, last at %d", e.Good, e.Bad, e.Height)
					if !e.Effective {
						note += "; hidden by a statement"
					}
				}
				fmt.Fprintf(tw, "%s\t%v\t%s\t%s\n", e.Target, e.Weight, e.Kind, note)
			}
			return tw.Flush()
		},
	}
	queryFlags(cmd)
	proveFlags(cmd, "verify the edges with an IAVL proof against the signed block header")
	return cmd
}

func newTrustSeedsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "seeds",
		Short: "List the seeds (pre-trusted identities) and the seed-set version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			var v trust.SeedsView
			if _, err := c.QueryJSON(ctx, "/trust/seeds", &v); err != nil {
				return err
			}
			if isJSON(cmd) {
				return printJSON(cmd, v)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "seed-set version %d, %d seeds\n", v.Version, len(v.Seeds))
			for _, s := range v.Seeds {
				nv := ""
				if s.NonVoting {
					nv = "  (non-voting)"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "  %s  pre-trust %v%s\n", s.Address, s.PreTrust, nv)
			}
			return nil
		},
	}
	queryFlags(cmd)
	return cmd
}

func newTrustEpochCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "epoch",
		Short: "Describe the last score computation: size, truncation, convergence, results hash",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			var v trust.EpochView
			if _, err := c.QueryJSON(ctx, "/trust/epoch", &v); err != nil {
				return err
			}
			if isJSON(cmd) {
				return printJSON(cmd, v)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "epoch %d at height %d (next at %d): %d identities, %d edges\n", v.Epoch, v.Height, v.NextHeight, v.Identities, v.Edges)
			fmt.Fprintf(w, "walk truncated: %v; DATT: %s; EigenTrust: %d iterations, converged %v (delta %v)\n",
				v.GatherTruncated, v.DATTTruncation, v.EigenIterations, v.EigenConverged, v.EigenDelta)
			fmt.Fprintf(w, "results hash: %s\n", v.ResultsHash)
			if v.Note != "" {
				fmt.Fprintf(w, "note: %s\n", v.Note)
			}
			return nil
		},
	}
	queryFlags(cmd)
	return cmd
}

// editTrustGenesis applies edit to the trust section of the genesis file at
// path, validates the whole document and saves it.
func editTrustGenesis(path string, edit func(*trust.Genesis) error) error {
	doc, g, err := genesis.Load(path)
	if err != nil {
		return err
	}
	raw, ok := g[trust.ModuleName]
	if !ok {
		raw = trust.Module{}.DefaultGenesis()
	}
	tg, err := trust.ParseGenesis(raw)
	if err != nil {
		return err
	}
	if err := edit(tg); err != nil {
		return err
	}
	if g[trust.ModuleName], err = json.Marshal(tg); err != nil {
		return err
	}
	if doc.AppState, err = json.MarshalIndent(g, "", "  "); err != nil {
		return err
	}
	if _, err := genesis.Validate(doc); err != nil {
		return err
	}
	return doc.SaveAs(path)
}

func genesisPath(cmd *cobra.Command) string {
	return filepath.Join(homeFlag(cmd), "config", "genesis.json")
}

// resolveTrustAddress accepts what resolveAddress does, and module:NAME for
// a module account (e.g. module:storage_challenger, the identity storage
// records challenge outcomes under).
func resolveTrustAddress(cmd *cobra.Command, s string) (secp256k1.Address, error) {
	if name, ok := strings.CutPrefix(s, "module:"); ok && name != "" {
		return secp256k1.ModuleAddress(name), nil
	}
	return resolveAddress(cmd, s)
}

func newTrustGenesisSeedCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "genesis-seed ADDRESS|KEY|module:NAME [PRE_TRUST] [--non-voting]",
		Short: "Add a seed (pre-trusted identity) to the genesis file of a new chain",
		Long: `genesis-seed adds ADDRESS to the trust seeds in <home>/config/genesis.json,
with EigenTrust pre-trust PRE_TRUST in (0, 1] (default 1). After genesis the
seed list changes only through 'pasteld trust seed-change', approved by two
thirds of the voting seeds. A chain without seeds computes no scores.

--non-voting makes a root of trust that takes no part in seed changes, for a
module account without a key: storage records challenge outcomes as
automatic edges from module:storage_challenger, and they reach the scores
only if that identity is a seed.`,
		Example: `  pasteld trust genesis-seed pastel1… --home ./node
  pasteld trust genesis-seed module:storage_challenger 0.5 --non-voting --home ./node`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			nonVoting, _ := cmd.Flags().GetBool("non-voting")
			a, err := resolveTrustAddress(cmd, args[0])
			if err != nil {
				return err
			}
			pre := score.One
			if len(args) == 2 {
				if pre, err = trust.ParseScore(args[1]); err != nil {
					return err
				}
				if pre <= 0 || pre > score.One {
					return fmt.Errorf("pre-trust %v outside (0, 1]", pre)
				}
			}
			err = editTrustGenesis(genesisPath(cmd), func(g *trust.Genesis) error {
				for _, s := range g.Seeds {
					if s.Address == a.String() {
						return fmt.Errorf("%s is already a seed", a)
					}
				}
				g.Seeds = append(g.Seeds, trust.GenesisSeed{Address: a.String(), PreTrust: trust.Dec(pre), NonVoting: nonVoting})
				return nil
			})
			if err != nil {
				return err
			}
			kind := "seed"
			if nonVoting {
				kind = "non-voting seed"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Added trust %s %s (pre-trust %v) to genesis\n", kind, a, pre)
			return nil
		},
	}
	addKeyringFlags(cmd)
	cmd.Flags().Bool("non-voting", false, "a root of trust that takes no part in seed changes (for keyless module accounts)")
	return cmd
}

func newTrustGenesisParamCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "genesis-param NAME VALUE",
		Short: "Set a trust parameter in the genesis file of a new chain",
		Long: `genesis-param sets one trust parameter in <home>/config/genesis.json, e.g.
epoch_blocks 10, eigen_alpha 0.2, max_edges_per_account 32. Decimal
parameters take decimals; the whole section is checked before saving.
'pasteld trust genesis-param list' prints the names and current values.`,
		Example: "  pasteld trust genesis-param epoch_blocks 10 --home ./node",
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] == "list" && len(args) == 1 {
				_, g, err := genesis.Load(genesisPath(cmd))
				if err != nil {
					return err
				}
				tg, err := trust.ParseGenesis(g[trust.ModuleName])
				if err != nil {
					return err
				}
				return printJSON(cmd, tg.Params)
			}
			if len(args) != 2 {
				return fmt.Errorf("want NAME VALUE (or 'list')")
			}
			name, value := args[0], args[1]
			err := editTrustGenesis(genesisPath(cmd), func(g *trust.Genesis) error {
				p, err := setParam(g.Params, name, value)
				if err != nil {
					return err
				}
				g.Params = p
				return nil
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Set trust.params.%s = %s in genesis\n", name, value)
			return nil
		},
	}
	return cmd
}

// setParam sets one top-level field of p (or power.FIELD) from its text.
func setParam(p trust.Params, name, value string) (trust.Params, error) {
	bz, err := json.Marshal(p)
	if err != nil {
		return p, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(bz, &m); err != nil {
		return p, err
	}
	target, field := m, name
	var power map[string]json.RawMessage
	if sub, ok := strings.CutPrefix(name, "power."); ok {
		if err := json.Unmarshal(m["power"], &power); err != nil {
			return p, err
		}
		target, field = power, sub
	}
	old, ok := target[field]
	if !ok {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		sort.Strings(names)
		return p, fmt.Errorf("no trust parameter %q; known: %s (and power.FIELD)", name, strings.Join(names, ", "))
	}
	// Keep the parameter's JSON shape: quoted for decimals and large
	// integers, bare for small integers.
	if bytes.HasPrefix(old, []byte(`"`)) {
		target[field], _ = json.Marshal(value)
	} else {
		target[field] = json.RawMessage(value)
	}
	if power != nil {
		if m["power"], err = json.Marshal(power); err != nil {
			return p, err
		}
	}
	if bz, err = json.Marshal(m); err != nil {
		return p, err
	}
	dec := json.NewDecoder(bytes.NewReader(bz))
	dec.DisallowUnknownFields()
	var out trust.Params
	if err := dec.Decode(&out); err != nil {
		return p, fmt.Errorf("%s = %q: %w", name, value, err)
	}
	if err := out.Validate(); err != nil {
		return p, err
	}
	return out, nil
}

func newSeedChangeCmd() *cobra.Command {
	sc := &cobra.Command{
		Use:   "seed-change",
		Short: "Change the seed list: build a change, collect seed signatures, submit",
		Long: `The seed list changes only with the approval of at least two thirds of the
current voting seeds. The flow:

  1. pasteld trust seed-change new --add ADDR[=PRE_TRUST] --remove ADDR > change.json
     (asks the node for the chain id, the seed-set version and the height)
  2. each approving seed: pasteld trust seed-change sign change.json --from SEED_KEY
  3. anyone: pasteld trust seed-change submit change.json --from KEY

A change is bound to the chain, to the current seed-set version and to an
expiry height: once any change is applied, older signatures are useless.`,
	}
	newC := &cobra.Command{
		Use:   "new [--add ADDR[=PRE_TRUST]]... [--add-non-voting ADDR[=PRE_TRUST]]... [--remove ADDR]... [--expires-in BLOCKS]",
		Short: "Write an unsigned seed change to stdout (or --out FILE)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			adds, _ := cmd.Flags().GetStringArray("add")
			nonVotingAdds, _ := cmd.Flags().GetStringArray("add-non-voting")
			removes, _ := cmd.Flags().GetStringArray("remove")
			expiresIn, _ := cmd.Flags().GetUint64("expires-in")
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			chainID, err := c.ChainID(ctx)
			if err != nil {
				return err
			}
			var seeds trust.SeedsView
			height, err := c.QueryJSON(ctx, "/trust/seeds", &seeds)
			if err != nil {
				return err
			}
			f := &trust.SeedChangeFile{ChainID: chainID, SeedVersion: seeds.Version, ExpiresHeight: uint64(height) + expiresIn}
			for i, a := range append(adds, nonVotingAdds...) {
				who, pre, hasPre := strings.Cut(a, "=")
				addr, err := resolveTrustAddress(cmd, who)
				if err != nil {
					return fmt.Errorf("--add %s: %w", a, err)
				}
				p := score.One
				if hasPre {
					if p, err = trust.ParseScore(pre); err != nil {
						return fmt.Errorf("--add %s: %w", a, err)
					}
				}
				f.Add = append(f.Add, trust.GenesisSeed{Address: addr.String(), PreTrust: trust.Dec(p), NonVoting: i >= len(adds)})
			}
			for _, rm := range removes {
				addr, err := resolveTrustAddress(cmd, rm)
				if err != nil {
					return fmt.Errorf("--remove %s: %w", rm, err)
				}
				f.Remove = append(f.Remove, addr.String())
			}
			if _, err := f.Msg(); err != nil {
				return err
			}
			return writeSeedChange(cmd, f)
		},
	}
	queryFlags(newC)
	newC.Flags().StringArray("add", nil, "seed to add (or whose pre-trust to change), as ADDR or ADDR=PRE_TRUST; repeatable")
	newC.Flags().StringArray("add-non-voting", nil, "non-voting seed to add (ADDR, module:NAME, optionally =PRE_TRUST); repeatable")
	newC.Flags().StringArray("remove", nil, "seed to remove; repeatable")
	newC.Flags().Uint64("expires-in", 1000, "blocks from now after which the change can no longer be applied")
	newC.Flags().String("out", "", "write to this file instead of stdout")

	sign := &cobra.Command{
		Use:   "sign FILE --from KEY",
		Short: "Add the --from key's approval to a seed change file (in place)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := readSeedChange(args[0])
			if err != nil {
				return err
			}
			from, _ := cmd.Flags().GetString("from")
			if from == "" {
				return fmt.Errorf("--from KEY is required: a seed's key")
			}
			kr, err := openKeyring(cmd)
			if err != nil {
				return err
			}
			key, err := kr.PrivKey(from)
			if err != nil {
				return err
			}
			// The chain refuses a change carrying an approval from a
			// non-seed, so check first when the node answers.
			if c, ctx, cancel, err := dial(cmd); err == nil {
				defer cancel()
				if r, err := c.Query(ctx, "/trust/seeds", 0, false); err == nil {
					var seeds trust.SeedsView
					if json.Unmarshal(r.Value, &seeds) == nil && seeds.Version == f.SeedVersion {
						me := key.PubKey().Address().String()
						isSeed := false
						for _, s := range seeds.Seeds {
							isSeed = isSeed || (s.Address == me && !s.NonVoting)
						}
						if !isSeed {
							return fmt.Errorf("%s is not a voting seed: its approval would make the chain refuse the whole change", me)
						}
					}
				} else {
					fmt.Fprintf(os.Stderr, "warning: could not check the seed list (%v); signing anyway\n", err)
				}
			}
			f.Sign(key)
			if err := os.WriteFile(args[0], f.Encode(), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Signed by %s: %d approvals in %s\n", key.PubKey().Address(), len(f.Approvals), args[0])
			return nil
		},
	}
	addKeyringFlags(sign)
	nodeFlag(sign)
	sign.Flags().String("from", "", "seed key that approves the change (required)")

	submit := &cobra.Command{
		Use:   "submit FILE --from KEY",
		Short: "Send a signed seed change to the chain (the --from key pays; if it is a seed it also approves)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := readSeedChange(args[0])
			if err != nil {
				return err
			}
			from, _ := cmd.Flags().GetString("from")
			if from == "" {
				return fmt.Errorf("--from KEY is required")
			}
			m, err := f.Msg()
			if err != nil {
				return err
			}
			msg, err := tx.Msg(trust.MsgUpdateSeedsType, m)
			if err != nil {
				return err
			}
			_, err = sendTx(cmd, from, fmt.Sprintf("Change the seeds (version %d): add %d, remove %d, %d approvals", f.SeedVersion, len(f.Add), len(f.Remove), len(f.Approvals)), msg)
			return err
		},
	}
	txFlags(submit)
	submit.Flags().String("from", "", "key that sends (and pays for) the change (required)")
	sc.AddCommand(newC, sign, submit)
	return sc
}

func readSeedChange(path string) (*trust.SeedChangeFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return trust.DecodeSeedChangeFile(b)
}

func writeSeedChange(cmd *cobra.Command, f *trust.SeedChangeFile) error {
	if out, _ := cmd.Flags().GetString("out"); out != "" {
		return os.WriteFile(out, f.Encode(), 0o644)
	}
	_, err := cmd.OutOrStdout().Write(f.Encode())
	return err
}
