package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/pastelchain/pastel/client"
	"github.com/pastelchain/pastel/explorer"
)

func init() { extraCommands = append(extraCommands, newExplorerCmd) }

func newExplorerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "explorer",
		Short: "Serve a web explorer and storage-health dashboard for a node",
		Long: `Serves, on --listen, web pages about the chain behind --node: the chain and
its validators (power, standing, trust), blocks and transactions with their
messages decoded, every art (ticket, editions and owners, per-stripe live
chunks and holders, redundancy, challenges, healing), every masternode
(standing, commitments, challenges, rewards and withheld, trust and why),
accounts, and the storage network's health with plots that follow new
blocks. Search takes a height, an address, an art id or a tx/block hash.

It reads only the node's public RPC and app queries. Art tickets,
masternodes and accounts are fetched with a proof, verified by the light
client from the trust root in <home>/light (see 'pasteld light'; the first
use trusts the node and says so), and each page says whether it checked.
The plots cover the time since the explorer started (one sample per block,
--history samples kept).

Listen on loopback unless you mean to publish it; it has no login.`,
		Example: `  pasteld explorer --node http://127.0.0.1:26657 --listen 127.0.0.1:26680
  open http://127.0.0.1:26680/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			node, _ := cmd.Flags().GetString("node")
			listen, _ := cmd.Flags().GetString("listen")
			history, _ := cmd.Flags().GetInt("history")
			format, _ := cmd.Flags().GetString("log-format")
			var h slog.Handler = slog.NewTextHandler(cmd.ErrOrStderr(), nil)
			if format == "json" {
				h = slog.NewJSONHandler(cmd.ErrOrStderr(), nil)
			} else if format != "text" {
				return fmt.Errorf("--log-format %q: want text or json", format)
			}
			log := slog.New(h).With("module", "explorer")
			c, err := client.New(node)
			if err != nil {
				return err
			}
			l, err := lightFor(cmd)
			if err != nil {
				return err
			}
			c.UseLight(l)
			srv, err := explorer.New(explorer.Config{Client: c, Logger: log, History: history})
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("listen on %s: %w (is another explorer running? pick another --listen)", listen, err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
			go func() {
				<-ctx.Done()
				sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = hs.Shutdown(sctx)
			}()
			go func() { _ = srv.Run(ctx) }()
			log.Info("explorer listening", "url", "http://"+ln.Addr().String()+"/", "node", node)
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	nodeFlag(cmd)
	trustFlags(cmd)
	cmd.Flags().String("listen", "127.0.0.1:26680", "address to serve the pages on")
	cmd.Flags().Int("history", 2000, "per-block samples the health plots keep")
	cmd.Flags().String("log-format", "text", "log format: text or json")
	return cmd
}
