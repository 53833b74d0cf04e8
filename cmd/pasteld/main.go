// Command pasteld is the Pastel node and wallet: it initialises and runs a
// node (CometBFT in-process with the Pastel application), manages keys,
// builds and sends transactions and queries state.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func main() {
	root := newRootCmd()
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		var ec exitCoder
		if errors.As(err, &ec) {
			os.Exit(ec.ExitCode())
		}
		os.Exit(1)
	}
}

type exitCoder interface{ ExitCode() int }

func defaultHome() string {
	if h := os.Getenv("PASTELD_HOME"); h != "" {
		return h
	}
	dir, err := os.UserHomeDir()
	if err != nil {
		return ".pasteld"
	}
	return filepath.Join(dir, ".pasteld")
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "pasteld",
		Short: "Pastel: a chain that keeps rare digital art alive",
		Long: `pasteld runs a Pastel node and is the wallet for it.

A node is CometBFT (consensus, p2p, RPC) with the Pastel application in the
same process; its state lives in an IAVL tree under <home>/data.

Start a local single-validator chain:
  pasteld init --home ./mynode --chain-id pastel-local
  pasteld keys add alice --home ./mynode --keyring-backend test
  pasteld genesis add-account $(pasteld keys show alice -a --home ./mynode --keyring-backend test) 1000psl --home ./mynode
  pasteld start --home ./mynode

Environment: PASTELD_HOME sets the default --home; PASTEL_KEYRING_PASSPHRASE
answers the file keyring's passphrase prompt (for scripts).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			// Wallet commands stream big arts stripe by stripe; a soft memory
			// limit makes the GC hand those buffers back promptly instead of
			// letting the heap double (the node itself is not limited).
			if cmd.Name() != "start" && os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(256 << 20)
			}
			return applyClientConfig(cmd)
		},
	}
	root.PersistentFlags().String("home", defaultHome(), "node and wallet home directory")
	root.AddCommand(
		newInitCmd(),
		newStartCmd(),
		newKeysCmd(),
		newGenesisCmd(),
		newTxCmd(),
		newQueryCmd(),
		newStatusCmd(),
		newTestnetCmd(),
		newVersionCmd(),
		newConfigCmd(),
		newExportCmd(),
		newLightCmd(),
	)
	for _, extra := range extraCommands {
		root.AddCommand(extra())
	}
	return root
}

// extraCommands are subcommands contributed by other packages' files.
var extraCommands []func() *cobra.Command

func homeFlag(cmd *cobra.Command) string {
	h, _ := cmd.Flags().GetString("home")
	return h
}
