package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/spf13/cobra"

	"github.com/pastelchain/pastel/app"
)

func newExportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write a genesis that restarts the chain from its state at a height (upgrades, new chain ids)",
		Long: `export reads the node's committed state (the node must be stopped) and writes
a genesis document that starts a chain from it with nothing lost:

  - app_state holds every module's readable section (accounts, parameters,
    trust edges, reward records, …) and "state_dump", the complete state:
    every key of every module at that height (arts, editions, commitments,
    challenges, heal tasks, channels, nonces, locked collateral, indexes);
  - initial_height is the exported height + 1, so every height recorded in
    the state (deadlines, assignments) keeps its meaning;
  - validators are the set the state records; consensus parameters are kept
    from the current genesis.

Start the new chain from it on every validator: stop the node, keep the
exported file, clear <home>/data (keep priv_validator_key.json), reset
priv_validator_state.json, put the file at <home>/config/genesis.json and
start. The readable sections must not be edited (the node refuses a genesis
whose sections disagree with the dump).`,
		Example: `  pasteld export --home ./node > exported.json
  pasteld export --home ./node --height 120000 --chain-id pastel-2 --output-document genesis-v2.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home := homeFlag(cmd)
			conf, err := loadNodeConfig(home)
			if err != nil {
				return err
			}
			doc, err := cmttypes.GenesisDocFromFile(conf.GenesisFile())
			if err != nil {
				return fmt.Errorf("genesis %s: %w", conf.GenesisFile(), err)
			}
			a, err := app.New(app.Options{DataDir: filepath.Join(conf.DBDir(), "application"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				return fmt.Errorf("open the state in %s (is the node still running? stop it first): %w", conf.DBDir(), err)
			}
			defer a.Close()
			height, _ := cmd.Flags().GetInt64("height")
			if height == 0 {
				height = a.Height()
			}
			g, vals, err := a.Export(height)
			if err != nil {
				return err
			}
			state, err := json.Marshal(g)
			if err != nil {
				return err
			}
			out := &cmttypes.GenesisDoc{
				GenesisTime:     time.Now().UTC().Truncate(time.Second),
				ChainID:         doc.ChainID,
				InitialHeight:   height + 1,
				ConsensusParams: doc.ConsensusParams,
				AppState:        state,
			}
			if id, _ := cmd.Flags().GetString("chain-id"); id != "" {
				out.ChainID = id
			}
			names := map[string]string{}
			for _, v := range doc.Validators {
				names[v.PubKey.Address().String()] = v.Name
			}
			for _, v := range vals {
				pk := ed25519.PubKey(v.PubKey.GetEd25519())
				out.Validators = append(out.Validators, cmttypes.GenesisValidator{Address: pk.Address(), PubKey: pk, Power: v.Power, Name: names[pk.Address().String()]})
			}
			if len(out.Validators) == 0 {
				// A chain whose set never changed from genesis records no
				// powers of its own: keep the genesis validators.
				out.Validators = doc.Validators
			}
			if err := out.ValidateAndComplete(); err != nil {
				return fmt.Errorf("exported genesis: %w", err)
			}
			bz, err := cmtjson.MarshalIndent(out, "", "  ")
			if err != nil {
				return err
			}
			path, _ := cmd.Flags().GetString("output-document")
			if path == "" {
				_, err = cmd.OutOrStdout().Write(append(bz, '\n'))
				return err
			}
			if err := os.WriteFile(path, append(bz, '\n'), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "exported height %d of %s (%d bytes) to %s; the new chain starts at height %d\n", height, doc.ChainID, len(bz), path, height+1)
			return nil
		},
	}
	cmd.Flags().Int64("height", 0, "height to export (default: the last committed one; must not be pruned)")
	cmd.Flags().String("chain-id", "", "chain id of the new chain (default: the same)")
	cmd.Flags().String("output-document", "", "write the genesis to this file instead of standard output")
	return cmd
}
