package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newQueryCmd() *cobra.Command {
	q := &cobra.Command{Use: "query", Aliases: []string{"q"}, Short: "Read chain state"}
	bankQ := &cobra.Command{Use: "bank", Short: "Balances and supply"}

	balance := &cobra.Command{
		Use:   "balance ADDRESS|KEY",
		Short: "Show an account's spendable and locked balance",
		Long: `balance reads the account at the latest height. With --prove the node also
returns an IAVL proof; the CLI checks it against the AppHash in the next
block's header, whose commit must carry signatures of more than two thirds of
the validators, so a lying node is caught.`,
		Example: `  pasteld query bank balance pastel1… --prove`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return showAccount(cmd, args[0], true)
		},
	}
	supply := &cobra.Command{
		Use:   "supply",
		Short: "Show the total supply",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var s struct {
				Supply uint64 `json:"supply,string"`
			}
			height, err := queryJSON(cmd, "/bank/supply", &s)
			if err != nil {
				return err
			}
			if isJSON(cmd) {
				return printJSON(cmd, map[string]any{"height": height, "supply": fmt.Sprint(s.Supply)})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "supply: %s (%d npsl) at height %d\n", formatAmount(s.Supply), s.Supply, height)
			return nil
		},
	}
	account := &cobra.Command{
		Use:   "account ADDRESS|KEY",
		Short: "Show an account: balance, locked, nonce, public key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return showAccount(cmd, args[0], false)
		},
	}
	txq := &cobra.Command{
		Use:   "tx HASH",
		Short: "Show an included transaction's height, result and events",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := hex.DecodeString(strings.TrimPrefix(args[0], "0x"))
			if err != nil || len(h) != 32 {
				return fmt.Errorf("%q is not a transaction hash (64 hex digits)", args[0])
			}
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			r, err := c.RPC.Tx(ctx, h, false)
			if err != nil {
				return fmt.Errorf("transaction %X not found (not included yet, or the node does not index transactions): %w", h, err)
			}
			events := []map[string]any{}
			for _, e := range r.TxResult.Events {
				attrs := map[string]any{}
				for _, a := range e.Attributes {
					attrs[a.Key] = a.Value
				}
				events = append(events, map[string]any{"type": e.Type, "attributes": attrs})
			}
			out := map[string]any{"hash": fmt.Sprintf("%X", h), "height": r.Height, "code": r.TxResult.Code, "log": r.TxResult.Log, "events": events}
			if isJSON(cmd) {
				return printJSON(cmd, out)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "hash:   %X\nheight: %d\ncode:   %d\n", h, r.Height, r.TxResult.Code)
			if r.TxResult.Log != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "log:    %s\n", r.TxResult.Log)
			}
			for _, e := range events {
				fmt.Fprintf(cmd.OutOrStdout(), "event:  %s\n", e["type"])
				writeText(cmd.OutOrStdout(), e["attributes"], 4)
			}
			return nil
		},
	}
	for _, c := range []*cobra.Command{balance, supply, account, txq} {
		nodeFlag(c)
		outputFlag(c)
		addKeyringFlags(c)
	}
	for _, c := range []*cobra.Command{balance, account} {
		proveFlags(c, "verify the answer with an IAVL proof against the signed block header")
	}
	stats := &cobra.Command{
		Use:   "storage-stats",
		Short: "Show the storage network: arts, masternodes, commitments, challenges, healing, lowest redundancy",
		Long: `storage-stats counts the storage network at the latest height: arts and
masternodes by status, commitments confirmed with a proof and waiting for
one, open challenges, the heal queue (chunks marked for healing), stripes
being healed, under-replicated chunks, proven bytes, and the active art with
the lowest redundancy (live chunk bytes over archive bytes, x1000: below 1000
it cannot be rebuilt). The node's Prometheus endpoint serves the same
figures as pastel_storage_* metrics.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var v json.RawMessage
			if _, err := queryJSON(cmd, "/storage/stats", &v); err != nil {
				return err
			}
			tree, err := jsonView(v)
			if err != nil {
				return err
			}
			return printRecord(cmd, tree)
		},
	}
	nodeFlag(stats)
	outputFlag(stats)
	bankQ.AddCommand(balance, supply)
	q.AddCommand(bankQ, account, txq, stats)
	return q
}

func showAccount(cmd *cobra.Command, who string, balanceOnly bool) error {
	addr, err := resolveAddress(cmd, who)
	if err != nil {
		return err
	}
	prove, _ := cmd.Flags().GetBool("prove")
	c, ctx, cancel, err := dial(cmd)
	if err != nil {
		return err
	}
	defer cancel()
	acc, height, err := c.Account(ctx, addr, prove)
	if err != nil {
		return err
	}
	if isJSON(cmd) {
		out := map[string]any{"address": addr.String(), "height": height, "balance": fmt.Sprint(acc.Balance), "locked": fmt.Sprint(acc.Locked), "proven": prove}
		if !balanceOnly {
			out["nonce"] = acc.Nonce
			out["pub_key"] = hex.EncodeToString(acc.PubKey)
		}
		return printJSON(cmd, out)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "address: %s\nbalance: %s (%d npsl)\nlocked:  %s\n", addr, formatAmount(acc.Balance), acc.Balance, formatAmount(acc.Locked))
	if !balanceOnly {
		fmt.Fprintf(cmd.OutOrStdout(), "nonce:   %d\npub_key: %s\n", acc.Nonce, hex.EncodeToString(acc.PubKey))
	}
	fmt.Fprintf(cmd.OutOrStdout(), "height:  %d", height)
	if prove {
		fmt.Fprint(cmd.OutOrStdout(), " (verified against the signed AppHash)")
	}
	fmt.Fprintln(cmd.OutOrStdout())
	return nil
}
