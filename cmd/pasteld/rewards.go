package main

import (
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/pastelchain/pastel/x/rewards"
	"github.com/pastelchain/pastel/x/rewards/rewardspb"
)

func init() { extraCommands = append(extraCommands, newRewardsCmd) }

func newRewardsCmd() *cobra.Command {
	rw := &cobra.Command{Use: "rewards", Short: "Emission, epoch pools and payouts"}
	show := &cobra.Command{
		Use:   "show",
		Short: "Show the current epoch, the next settlement, the pool and the totals",
		Long: `show prints where the rewards schedule stands. Epoch n's pool (its emission,
its fees, one endowment release, and what the last settlement left) is formed
at the first block of epoch n+1 and paid at the first block of epoch n+2,
with the masternode standings of that block.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var v rewards.StatusView
			if _, err := queryJSON(cmd, "/rewards/epoch", &v); err != nil {
				return err
			}
			if isJSON(cmd) {
				return printJSON(cmd, v)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "height\t%d\n", v.Height)
			fmt.Fprintf(w, "epoch\t%d (blocks %d to %d)\n", v.Epoch, v.EpochStartHeight, v.EpochEndHeight)
			fmt.Fprintf(w, "next settlement\theight %d pays epoch %d\n", v.NextSettlementHeight, v.NextSettlementEpoch)
			if string(v.Pending) != "null" {
				p := &rewardspb.PendingPool{}
				if err := protojson.Unmarshal(v.Pending, p); err == nil {
					fmt.Fprintf(w, "pending pool\tepoch %d: %s (emitted %s, endowment %s, fees %s, carried in %s)\n", p.Epoch, formatAmount(p.Amount),
						formatAmount(p.Emitted), formatAmount(p.Endowment), formatAmount(p.Fees), formatAmount(p.CarriedIn))
				}
			}
			fmt.Fprintf(w, "pool balance\t%s (%s)\n", formatAmount(v.PoolBalance), v.Pool)
			fmt.Fprintf(w, "endowment\t%s\n", formatAmount(v.EndowmentBalance))
			fmt.Fprintf(w, "fees to sweep\t%s\n", formatAmount(v.FeesCollected))
			fmt.Fprintf(w, "emitted\t%s of %s (%s per epoch over %d epochs)\n", formatAmount(v.Emitted), formatAmount(v.EmissionTotal), formatAmount(v.EmissionPerEpoch), v.EmissionEpochs)
			fmt.Fprintf(w, "supply\t%s of max %s\n", formatAmount(v.Supply), formatAmount(v.MaxSupply))
			fmt.Fprintf(w, "paid\t%s over %d settled epochs\n", formatAmount(v.CumulativePaid), v.SettledEpochs)
			fmt.Fprintf(w, "withheld\t%s (returned to the pool)\n", formatAmount(v.CumulativeWithheld))
			return w.Flush()
		},
	}
	earned := &cobra.Command{
		Use:     "earned ADDRESS|KEY",
		Short:   "Show what an address was paid (as validator, as masternode) and what was withheld",
		Example: "  pasteld rewards earned pastel1…\n  pasteld rewards earned masternode --home ./mn1 --keyring-backend test",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := resolveAddress(cmd, args[0])
			if err != nil {
				return err
			}
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			var v rewards.EarningsView
			if _, err := c.QueryJSON(ctx, "/rewards/payouts/"+a.String(), &v); err != nil {
				return err
			}
			if isJSON(cmd) {
				return printJSON(cmd, v)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "address\t%s\n", v.Address)
			fmt.Fprintf(w, "paid\t%s (%d npsl)\n", formatAmount(v.Paid), v.Paid)
			fmt.Fprintf(w, "  as validator\t%s\n", formatAmount(v.AsValidator))
			fmt.Fprintf(w, "  as masternode\t%s\n", formatAmount(v.AsMasternode))
			fmt.Fprintf(w, "withheld\t%s\n", formatAmount(v.Withheld))
			if v.EpochsPaid > 0 {
				fmt.Fprintf(w, "epochs paid\t%d (last: epoch %d)\n", v.EpochsPaid, v.LastEpoch)
			} else {
				fmt.Fprintf(w, "epochs paid\t0\n")
			}
			return w.Flush()
		},
	}
	epoch := &cobra.Command{
		Use:   "epoch N",
		Short: "Show a settled epoch: its pool, what was paid, withheld and carried over",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("epoch %q: want an epoch number", args[0])
			}
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			r, err := c.Query(ctx, "/rewards/epoch/"+strconv.FormatUint(n, 10), 0, false)
			if err != nil {
				return err
			}
			rec, err := rewards.ParseEpochRecord(r.Value)
			if err != nil {
				return fmt.Errorf("epoch record: %w", err)
			}
			if isJSON(cmd) {
				_, err := cmd.OutOrStdout().Write(append(r.Value, '\n'))
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "epoch\t%d (blocks %d to %d; closed at %d, settled at %d)\n", rec.Epoch, rec.StartHeight, rec.EndHeight, rec.ClosedHeight, rec.SettledHeight)
			fmt.Fprintf(w, "pool\t%s = emitted %s + endowment %s + fees %s + carried in %s\n", formatAmount(rec.Pool), formatAmount(rec.Emitted),
				formatAmount(rec.Endowment), formatAmount(rec.Fees), formatAmount(rec.CarriedIn))
			fmt.Fprintf(w, "validators\t%s of %s to %d validators (signed power %s); unmapped %s\n", formatAmount(rec.ValidatorsPaid),
				formatAmount(rec.ValidatorsPool), rec.Validators, rec.SignedPower, formatAmount(rec.ValidatorsUnmapped))
			fmt.Fprintf(w, "masternodes\t%s of %s to %d masternodes; withheld %s from %d\n", formatAmount(rec.MasternodesPaid),
				formatAmount(rec.MasternodesPool), rec.MasternodesPaidCount, formatAmount(rec.Withheld), rec.MasternodesWithheldCount)
			fmt.Fprintf(w, "carried out\t%s (stays in the pool for the next epoch)\n", formatAmount(rec.CarriedOut))
			return w.Flush()
		},
	}
	for _, c := range []*cobra.Command{show, earned, epoch} {
		nodeFlag(c)
		outputFlag(c)
		rw.AddCommand(c)
	}
	addKeyringFlags(earned)
	return rw
}
