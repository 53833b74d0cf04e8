// Command chunkd is the chunk daemon of a Pastel masternode: it stores the
// erasure-coded chunks the chain assigns to the masternode, serves them to
// edition owners and peers, and confirms and attests on-chain.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/pastelchain/pastel/chunkd"
	"github.com/pastelchain/pastel/client/keyring"
)

func main() {
	if err := rootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "chunkd",
		Short: "Pastel chunk daemon: keeps a masternode's share of the art alive",
		Long: `chunkd runs next to a pasteld node on every masternode.

It stores the chunks the chain commits to its masternode under <home>/chunks
(verified on write and on every read), serves them over HTTP to edition owners
and other masternodes (requests signed and checked against the chain), pulls
the chunks assigned to it from peers, confirms them on-chain, and recomputes
the fingerprint of new art when the chain draws it as an attester.

Set up a masternode:
  chunkd init --home ./mn1 --listen 127.0.0.1:7101 --node http://127.0.0.1:26657
  # fund the printed address, then register it (collateral is locked):
  pasteld mn register --url http://127.0.0.1:7101 --collateral 1000000psl --from masternode --home ./mn1 --keyring-backend test
  chunkd start --home ./mn1
  chunkd status --home ./mn1     # assignments, proofs, standing, disk, reclaimable`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("home", filepath.Join(os.Getenv("HOME"), ".chunkd"), "chunkd home directory")
	root.AddCommand(initCmd(), startCmd(), statusCmd())
	return root
}

func initCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write <home>/config/chunkd.toml and create the masternode key if missing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, _ := cmd.Flags().GetString("home")
			c := chunkd.DefaultConfig()
			c.Listen, _ = cmd.Flags().GetString("listen")
			c.Node, _ = cmd.Flags().GetString("node")
			c.PublicURL, _ = cmd.Flags().GetString("public-url")
			c.KeyringBackend, _ = cmd.Flags().GetString("keyring-backend")
			c.Key, _ = cmd.Flags().GetString("key")
			if c.PublicURL == "" {
				c.PublicURL = "http://" + c.Listen
			}
			if _, err := os.Stat(chunkd.ConfigPath(home)); err == nil {
				return fmt.Errorf("%s exists; edit it or remove it first", chunkd.ConfigPath(home))
			}
			kr, err := keyring.Open(home, c.KeyringBackend, passphrase)
			if err != nil {
				return err
			}
			rec, err := kr.Get(c.Key)
			if errors.Is(err, keyring.ErrNotFound) {
				rec, err = kr.Add(c.Key)
			}
			if err != nil {
				return err
			}
			if err := chunkd.SaveConfig(home, c); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "chunkd home %s\nmasternode address %s\npublic URL %s\n", home, rec.Address, c.PublicURL)
			return nil
		},
	}
	cmd.Flags().String("listen", "127.0.0.1:7100", "address the HTTP API listens on")
	cmd.Flags().String("public-url", "", "URL peers and wallets use (default http://<listen>)")
	cmd.Flags().String("node", "http://127.0.0.1:26657", "RPC address of a pasteld node")
	cmd.Flags().String("key", "masternode", "name of the masternode key in the home's keyring")
	cmd.Flags().String("keyring-backend", "test", `"file" (encrypted) or "test"`)
	return cmd
}

func passphrase(bool) (string, error) {
	if p := os.Getenv("PASTEL_KEYRING_PASSPHRASE"); p != "" {
		return p, nil
	}
	return "", fmt.Errorf("the file keyring needs PASTEL_KEYRING_PASSPHRASE set for chunkd")
}

func startCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "start",
		Short: "Run chunkd until SIGINT/SIGTERM",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, _ := cmd.Flags().GetString("home")
			c, err := chunkd.LoadConfig(home)
			if err != nil {
				return err
			}
			var h slog.Handler = slog.NewTextHandler(os.Stdout, nil)
			if strings.EqualFold(c.LogFormat, "json") {
				h = slog.NewJSONHandler(os.Stdout, nil)
			}
			// DESIGN §10 budgets chunkd below 256 MiB: a soft limit makes the
			// GC return the buffers of whole stripes promptly (GOMEMLIMIT in
			// the environment wins).
			if os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(200 << 20)
			}
			d, err := chunkd.New(home, c, slog.New(h).With("service", "chunkd"), passphrase)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return d.Run(ctx)
		},
	}
}

func statusCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the running chunkd's assignments, standing, tasks, disk used and reclaimable",
		Long: `status asks the chunkd of <home> (at its listen address) what it holds and owes:
its masternode's standing on the chain, proven (paid) bytes, challenges passed,
failed and open, chunks reported lost, heal and attestation tasks, commitments
confirmed and unconfirmed, chunks and bytes on disk, and what garbage
collection will reclaim (chunks no longer committed here, deleted
gc-grace-blocks after their commitment moved away; never a committed one).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, _ := cmd.Flags().GetString("home")
			c, err := chunkd.LoadConfig(home)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 15*time.Second)
			defer cancel()
			s, err := chunkd.FetchStatus(ctx, c.Listen)
			if err != nil {
				return err
			}
			if out, _ := cmd.Flags().GetString("output"); out == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(s)
			}
			s.WriteText(cmd.OutOrStdout())
			return nil
		},
	}
	cmd.Flags().StringP("output", "o", "text", "text or json")
	return cmd
}
