package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/pastelchain/pastel/client"
)

func nodeFlag(cmd *cobra.Command) {
	cmd.Flags().String("node", "http://127.0.0.1:26657", "RPC address of the node to talk to")
}

func dial(cmd *cobra.Command) (*client.Client, context.Context, context.CancelFunc, error) {
	n, _ := cmd.Flags().GetString("node")
	c, err := client.New(n)
	if err != nil {
		return nil, nil, nil, err
	}
	// Proven answers are checked through the light client, from the trust
	// root in the home (or the command's --trust-height/--trust-hash).
	l, err := lightFor(cmd)
	if err != nil {
		return nil, nil, nil, err
	}
	c.UseLight(l)
	ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
	return c, ctx, cancel, nil
}

// queryJSON runs an unproven query of the node behind --node and decodes
// its JSON answer into v; it returns the height the answer is from.
func queryJSON(cmd *cobra.Command, path string, v any) (int64, error) {
	c, ctx, cancel, err := dial(cmd)
	if err != nil {
		return 0, err
	}
	defer cancel()
	return c.QueryJSON(ctx, path, v)
}

func newStatusCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the node's chain, height, AppHash and sync state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			st, err := c.Status(ctx)
			if err != nil {
				return err
			}
			out := map[string]any{
				"chain_id":            st.NodeInfo.Network,
				"moniker":             st.NodeInfo.Moniker,
				"node_id":             string(st.NodeInfo.ID()),
				"latest_block_height": st.SyncInfo.LatestBlockHeight,
				"latest_block_time":   st.SyncInfo.LatestBlockTime,
				"latest_app_hash":     st.SyncInfo.LatestAppHash.String(),
				"catching_up":         st.SyncInfo.CatchingUp,
				"validator_address":   st.ValidatorInfo.Address.String(),
				"voting_power":        st.ValidatorInfo.VotingPower,
			}
			if isJSON(cmd) {
				return printJSON(cmd, out)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "chain:       %s\nnode:        %s (%s)\nheight:      %d at %s\napp hash:    %s\ncatching up: %v\nvalidator:   %s (power %d)\n",
				out["chain_id"], out["moniker"], out["node_id"], st.SyncInfo.LatestBlockHeight,
				st.SyncInfo.LatestBlockTime.Format(time.RFC3339), out["latest_app_hash"], st.SyncInfo.CatchingUp,
				out["validator_address"], st.ValidatorInfo.VotingPower)
			return nil
		},
	}
	nodeFlag(cmd)
	outputFlag(cmd)
	return cmd
}
