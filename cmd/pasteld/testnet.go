package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pastelchain/pastel/genesis"
)

func newTestnetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "testnet",
		Short: "Write the homes of a multi-validator network on 127.0.0.1",
		Long: `testnet writes --validators node homes (node0, node1, …) under --output-dir, all
sharing one genesis and wired to each other as persistent peers on loopback.
Node i listens on --starting-port + 10·i (p2p), +1 (RPC), +2 (metrics). Each
home has a funded "validator" key in its test keyring; node0 also has a funded
"faucet" key. --full-nodes adds nodes after the validators that are not in the
genesis validator set (a masternode can make one validate with "pasteld mn
update --consensus-key DIR/nodeI"). Start each node with
'pasteld start --home DIR/nodeI'.`,
		Example: `  pasteld testnet --validators 4 --output-dir ./localnet --starting-port 26600`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, _ := cmd.Flags().GetInt("validators")
			full, _ := cmd.Flags().GetInt("full-nodes")
			out, _ := cmd.Flags().GetString("output-dir")
			port, _ := cmd.Flags().GetInt("starting-port")
			chainID, _ := cmd.Flags().GetString("chain-id")
			blockMs, _ := cmd.Flags().GetInt("block-time-ms")
			seeds, _ := cmd.Flags().GetString("trust-seeds")
			appConf := genesis.DefaultAppConfig()
			appConf.SnapshotInterval, _ = cmd.Flags().GetInt64("snapshot-interval")
			nodes, err := genesis.Localnet(genesis.LocalnetOptions{
				Dir: out, ChainID: chainID, Validators: n, FullNodes: full, StartingPort: port,
				FundEach: 10_000_000 * genesis.Coin, ExtraAccounts: map[string]uint64{"faucet": 100_000_000 * genesis.Coin},
				BlockTimeMillis: blockMs, AppConfig: appConf, TrustSeeds: seeds,
			})
			if err != nil {
				return err
			}
			for i, nd := range nodes {
				role := "validator"
				if i >= n {
					role = "full node"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "node%d  %-9s  home %s  rpc %s  p2p %s  key %s\n", i, role, nd.Home, nd.RPC, nd.P2P, nd.Address)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Start each with: pasteld start --home %s/nodeI\n", out)
			return nil
		},
	}
	cmd.Flags().Int("validators", 4, "number of validators")
	cmd.Flags().Int("full-nodes", 0, "number of extra nodes outside the genesis validator set")
	cmd.Flags().String("output-dir", "./localnet", "directory for the node homes")
	cmd.Flags().Int("starting-port", 26600, "first port; node i uses port+10i (p2p), +1 (rpc), +2 (metrics)")
	cmd.Flags().String("chain-id", "pastel-localnet", "chain id")
	cmd.Flags().Int("block-time-ms", 0, "target block time in milliseconds (default 1000)")
	cmd.Flags().Int64("snapshot-interval", 0, "state-sync snapshot every N blocks (0 = off)")
	cmd.Flags().String("trust-seeds", "validators", "trust seeds in genesis: validators (storage's challenger plus every validator's account, who approve seed changes), challenger (the challenger only) or none")
	return cmd
}
