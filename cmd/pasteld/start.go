package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	cfg "github.com/cometbft/cometbft/config"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/genesis"
)

// readNodeConfigFile reads <home>/config/config.toml as it is on disk.
func readNodeConfigFile(home string) (*viper.Viper, string, error) {
	path := filepath.Join(home, "config", "config.toml")
	if _, err := os.Stat(path); err != nil {
		return nil, path, fmt.Errorf("no node at %s (%v); create one with `pasteld init --home %s --chain-id ID`", home, err, home)
	}
	v := viper.New()
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return nil, path, fmt.Errorf("%s: %w", path, err)
	}
	return v, path, nil
}

// loadNodeConfig reads <home>/config/config.toml over CometBFT's defaults.
func loadNodeConfig(home string) (*cfg.Config, error) {
	v, path, err := readNodeConfigFile(home)
	if err != nil {
		return nil, err
	}
	conf := cfg.DefaultConfig()
	if err := v.Unmarshal(conf); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	conf.SetRoot(home)
	if err := conf.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return conf, nil
}

func newStartCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Run the node (CometBFT and the Pastel application in one process)",
		Long: `start runs the node until SIGINT or SIGTERM, then shuts down cleanly: the
last committed block is on disk and a restart continues from it. A crash (or
SIGKILL) is safe too: on restart CometBFT replays the blocks the application
had not committed.

Settings: <home>/config/config.toml (CometBFT: ports, peers, block time) and
<home>/config/app.toml (pruning, snapshots, log format, state caches).`,
		Example: `  pasteld start --home ./node`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home := homeFlag(cmd)
			conf, err := loadNodeConfig(home)
			if err != nil {
				return err
			}
			appConf, err := genesis.LoadAppConfig(home)
			if err != nil {
				return err
			}
			if _, _, err := genesis.Load(conf.GenesisFile()); err != nil {
				return err
			}
			var handler slog.Handler = slog.NewTextHandler(os.Stdout, nil)
			var cmtLogger cmtlog.Logger = cmtlog.NewTMLogger(cmtlog.NewSyncWriter(os.Stdout))
			if appConf.LogFormat == "json" {
				handler = slog.NewJSONHandler(os.Stdout, nil)
				cmtLogger = cmtlog.NewTMJSONLogger(cmtlog.NewSyncWriter(os.Stdout))
			}
			logger := slog.New(handler).With("module", "app")
			opt, err := cmtlog.AllowLevel(strings.ToLower(conf.LogLevel))
			if err != nil {
				return fmt.Errorf("config.toml log_level: %w", err)
			}
			cmtLogger = cmtlog.NewFilter(cmtLogger, opt)

			// The app's own metrics join CometBFT's on its Prometheus endpoint
			// (the default registry it serves).
			var metrics *app.Metrics
			if conf.Instrumentation.Prometheus {
				if metrics, err = app.NewMetrics(prometheus.DefaultRegisterer); err != nil {
					return fmt.Errorf("metrics: %w", err)
				}
			}
			a, err := app.New(app.Options{
				Metrics:            metrics,
				DataDir:            filepath.Join(conf.DBDir(), "application"),
				PruneKeepRecent:    appConf.PruningKeepRecent,
				PruneInterval:      appConf.PruningInterval,
				SnapshotInterval:   appConf.SnapshotInterval,
				SnapshotKeepRecent: appConf.SnapshotKeepRecent,
				DBCacheMiB:         appConf.DBCacheMiB,
				DBOpenFiles:        appConf.DBOpenFiles,
				CacheSize:          appConf.IAVLCacheNodes,
				WarmWalks:          app.DefaultWarmWalks,
				Logger:             logger,
			})
			if err != nil {
				return err
			}
			defer a.Close()
			nodeKey, err := p2p.LoadNodeKey(conf.NodeKeyFile())
			if err != nil {
				return fmt.Errorf("node key: %w", err)
			}
			pv := privval.LoadFilePV(conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile())
			n, err := node.NewNode(conf, pv, nodeKey,
				proxy.NewLocalClientCreator(a),
				node.DefaultGenesisDocProviderFunc(conf),
				cfg.DefaultDBProvider,
				node.DefaultMetricsProvider(conf.Instrumentation),
				cmtLogger)
			if err != nil {
				return fmt.Errorf("start CometBFT: %w", err)
			}
			if err := n.Start(); err != nil {
				return fmt.Errorf("start CometBFT: %w", err)
			}
			logger.Info("node started", "home", home, "rpc", conf.RPC.ListenAddress, "p2p", conf.P2P.ListenAddress, "height", a.Height())
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
			s := <-sig
			logger.Info("shutting down", "signal", s.String())
			if err := n.Stop(); err != nil {
				logger.Error("stop", "err", err)
			}
			n.Wait()
			logger.Info("stopped", "height", a.Height())
			return nil
		},
	}
	return cmd
}
