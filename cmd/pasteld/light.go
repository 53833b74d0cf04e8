package main

import (
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pastelchain/pastel/client"
)

// proveFlags adds --prove (with usage) and the light client's trust flags.
func proveFlags(cmd *cobra.Command, usage string) {
	cmd.Flags().Bool("prove", false, usage+"; the header is verified by the light client from the trust root in <home>/light (see `pasteld light`)")
	trustFlags(cmd)
}

// trustFlags are the light client's settings for commands that verify.
func trustFlags(cmd *cobra.Command) {
	cmd.Flags().Int64("trust-height", 0, "height of a header you trust (with --trust-hash): verify from it instead of the root in <home>/light, without saving it")
	cmd.Flags().String("trust-hash", "", "hex hash of the header at --trust-height")
	cmd.Flags().StringSlice("witness", nil, "RPC address of another node the light client compares headers with (repeatable; default: none but --node)")
}

func lightDir(cmd *cobra.Command) string { return filepath.Join(homeFlag(cmd), "light") }

// lightFor reads the trust flags of cmd (absent flags: the stored root).
func lightFor(cmd *cobra.Command) (client.Light, error) {
	l := client.Light{Dir: lightDir(cmd), Notice: cmd.ErrOrStderr()}
	if f := cmd.Flags().Lookup("trust-height"); f != nil {
		l.TrustHeight, _ = cmd.Flags().GetInt64("trust-height")
		hs, _ := cmd.Flags().GetString("trust-hash")
		switch {
		case l.TrustHeight < 0:
			return l, fmt.Errorf("--trust-height must be positive")
		case (l.TrustHeight > 0) != (hs != ""):
			return l, fmt.Errorf("--trust-height and --trust-hash go together: give both (a header you trust), or neither to use the root in %s", l.Dir)
		case hs != "":
			h, err := hex.DecodeString(strings.TrimPrefix(strings.ToLower(hs), "0x"))
			if err != nil || len(h) != 32 {
				return l, fmt.Errorf("--trust-hash %q: want the 64 hex digits of a block hash", hs)
			}
			l.TrustHash = h
		}
	}
	if f := cmd.Flags().Lookup("trust-period"); f != nil {
		l.TrustPeriod, _ = cmd.Flags().GetDuration("trust-period")
	}
	if f := cmd.Flags().Lookup("witness"); f != nil {
		l.Witnesses, _ = cmd.Flags().GetStringSlice("witness")
	}
	return l, nil
}

func newLightCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "light",
		Short: "The light client's trust root, which --prove verifies headers from",
		Long: `Proven queries (--prove) check the node's answer against the AppHash of a
block header, and the header with CometBFT's light client: it must descend,
through validator signatures, from a header you trust (the trust root). A
node that serves another chain with the same chain id, forged signatures or
a forged validator set is caught.

The root and the newest verified header live in <home>/light/trust.json.
Without one, the first proven query trusts the node's latest header and
says so (trust on first use); set a root you checked with
'pasteld light init --trust-height H --trust-hash HASH', taking H and HASH
from a source you trust (another node you run, an explorer, the operator).`,
	}
	init := &cobra.Command{
		Use:   "init",
		Short: "Set the trust root (a given height and hash, or the node's latest header)",
		Example: `  pasteld light init --trust-height 1200 --trust-hash 6F1C…  # a header you checked
  pasteld light init                                         # trust --node's latest header`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := lightFor(cmd)
			if err != nil {
				return err
			}
			force, _ := cmd.Flags().GetBool("force")
			if s, err := client.LoadTrust(l.Dir); err != nil && !force {
				return err
			} else if s != nil && !force {
				return fmt.Errorf("%s already has a trust root (block %d of %s, hash %s): pass --force to replace it", l.Dir, s.RootHeight, s.ChainID, s.RootHash)
			}
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			s, err := c.InitTrust(ctx, l)
			if err != nil {
				return err
			}
			if s.RootSource != "given" {
				fmt.Fprintf(cmd.ErrOrStderr(), "trusting what %s says its latest header is: compare the hash with a source you trust\n", c.Node())
			}
			return printTrust(cmd, l.Dir, s)
		},
	}
	nodeFlag(init)
	outputFlag(init)
	init.Flags().Int64("trust-height", 0, "height of the header you trust (0: the node's latest)")
	init.Flags().String("trust-hash", "", "hex hash of the header at --trust-height")
	init.Flags().Duration("trust-period", client.DefaultTrustPeriod, "how old the newest verified header may get before a new root is needed")
	init.Flags().StringSlice("witness", nil, "RPC address of another node to compare the header with (repeatable)")
	init.Flags().Bool("force", false, "replace an existing trust root")

	show := &cobra.Command{
		Use:   "show",
		Short: "Show the trust root and the newest verified header",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := client.LoadTrust(lightDir(cmd))
			if err != nil {
				return err
			}
			if s == nil {
				return fmt.Errorf("no trust root in %s: run `pasteld light init`", lightDir(cmd))
			}
			return printTrust(cmd, lightDir(cmd), s)
		},
	}
	outputFlag(show)
	cmd.AddCommand(init, show)
	return cmd
}

func printTrust(cmd *cobra.Command, dir string, s *client.TrustState) error {
	return printRecord(cmd, map[string]any{
		"dir":           dir,
		"chain_id":      s.ChainID,
		"root_height":   s.RootHeight,
		"root_hash":     s.RootHash,
		"root_source":   s.RootSource,
		"trust_period":  (time.Duration(s.TrustPeriodSeconds) * time.Second).String(),
		"latest_height": s.LatestHeight,
		"latest_time":   s.LatestTime.UTC().Format(time.RFC3339),
	})
}
