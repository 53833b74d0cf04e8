package main

import (
	"fmt"
	"os"
	"path/filepath"

	"strings"
	"text/tabwriter"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/pastelchain/pastel/client/keyring"
)

// clientSettings are the wallet defaults kept in <home>/config/client.toml:
// each is the default of the command-line flag of the same name (a flag
// given on the command line wins), as in Cosmos SDK's client.toml.
var clientSettings = []struct{ key, def, help string }{
	{"keyring-backend", keyring.BackendFile, `"file" (encrypted) or "test" (unencrypted, local networks)`},
	{"node", "http://127.0.0.1:26657", "RPC address of the node commands talk to"},
	{"output", "text", `"text" or "json"`},
}

func clientConfigPath(home string) string { return filepath.Join(home, "config", "client.toml") }

// loadClientConfig reads client.toml (missing: no settings).
func loadClientConfig(home string) (map[string]string, error) {
	path := clientConfigPath(home)
	out := map[string]string{}
	if _, err := os.Stat(path); err != nil {
		return out, nil
	}
	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("toml")
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("%s: %w (fix or delete it)", path, err)
	}
	for _, s := range clientSettings {
		if v.IsSet(s.key) {
			out[s.key] = v.GetString(s.key)
		}
	}
	return out, nil
}

func saveClientConfig(home string, settings map[string]string) error {
	var b strings.Builder
	b.WriteString("# Wallet defaults for pasteld commands run with this --home; a flag on the\n# command line wins. Edit with `pasteld config KEY VALUE`.\n")
	for _, s := range clientSettings {
		if v, ok := settings[s.key]; ok {
			fmt.Fprintf(&b, "\n# %s\n%s = %q\n", s.help, s.key, v)
		}
	}
	path := clientConfigPath(home)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// applyClientConfig sets the defaults of the command's flags that were not
// given from the home's client.toml.
func applyClientConfig(cmd *cobra.Command) error {
	settings, err := loadClientConfig(homeFlag(cmd))
	if err != nil {
		return err
	}
	for k, v := range settings {
		f := cmd.Flags().Lookup(k)
		if f == nil || f.Changed {
			continue
		}
		if k == "output" && f.Value.Type() != "string" {
			continue
		}
		if err := f.Value.Set(v); err != nil {
			return fmt.Errorf("%s: %s = %q: %w", clientConfigPath(homeFlag(cmd)), k, v, err)
		}
	}
	return nil
}

func validClientValue(key, value string) error {
	switch key {
	case "keyring-backend":
		if value != keyring.BackendFile && value != keyring.BackendTest {
			return fmt.Errorf("keyring-backend must be %q or %q", keyring.BackendFile, keyring.BackendTest)
		}
	case "output":
		if value != "text" && value != "json" {
			return fmt.Errorf(`output must be "text" or "json"`)
		}
	case "node":
		if value == "" {
			return fmt.Errorf("node must be an RPC address, e.g. http://127.0.0.1:26657")
		}
	}
	return nil
}

// clientDefault is the built-in default of a client setting (ok: key is one).
func clientDefault(key string) (def string, ok bool) {
	for _, s := range clientSettings {
		if s.key == key {
			return s.def, true
		}
	}
	return "", false
}

func isClientKey(key string) bool {
	_, ok := clientDefault(key)
	return ok
}

// setNodeConfig changes one key of config.toml (dotted, e.g. p2p.laddr) and
// rewrites the file after checking the result.
func setNodeConfig(home, key, value string) error {
	if !strings.Contains(key, ".") {
		return fmt.Errorf("%q is neither a client setting (%s) nor a dotted key of config.toml (e.g. p2p.laddr)", key, clientKeyList())
	}
	v, path, err := readNodeConfigFile(home)
	if err != nil {
		return err
	}
	if !v.IsSet(key) {
		return fmt.Errorf("%q is neither a client setting (%s) nor a key of %s (e.g. p2p.laddr, rpc.laddr, instrumentation.prometheus_listen_addr)", key, clientKeyList(), path)
	}
	v.Set(key, value)
	conf := cfg.DefaultConfig()
	if err := v.Unmarshal(conf); err != nil {
		return fmt.Errorf("%s = %q: %w", key, value, err)
	}
	conf.SetRoot(home)
	if err := conf.ValidateBasic(); err != nil {
		return fmt.Errorf("%s = %q: %w", key, value, err)
	}
	cfg.WriteConfigFile(path, conf)
	return nil
}

func clientKeyList() string {
	var ks []string
	for _, s := range clientSettings {
		ks = append(ks, s.key)
	}
	return strings.Join(ks, ", ")
}

func newConfigCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "config [KEY [VALUE]]",
		Short: "Show or change the home's settings (wallet defaults in client.toml, node settings in config.toml)",
		Long: `Without arguments, config lists the wallet defaults of this --home and where
each comes from. With KEY it prints one; with KEY VALUE it changes it.

Wallet defaults (<home>/config/client.toml), used when the flag is not given:
  keyring-backend   "file" (encrypted, the default) or "test" (unencrypted)
  node              RPC address of the node (default http://127.0.0.1:26657)
  output            "text" or "json"

Any other KEY is a dotted key of the node's <home>/config/config.toml
(CometBFT), e.g. p2p.laddr, rpc.laddr, consensus.timeout_commit,
instrumentation.prometheus_listen_addr; the file is checked and rewritten.`,
		Example: `  pasteld config --home .devnet/node
  pasteld config keyring-backend test --home .devnet/node
  pasteld config p2p.laddr tcp://127.0.0.1:26656 --home ./node`,
		Args: cobra.RangeArgs(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			home := homeFlag(cmd)
			settings, err := loadClientConfig(home)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch len(args) {
			case 0:
				w := tabwriter.NewWriter(out, 0, 2, 2, ' ', 0)
				fmt.Fprintln(w, "KEY\tVALUE\tFROM")
				for _, s := range clientSettings {
					v, from := s.def, "default"
					if got, ok := settings[s.key]; ok {
						v, from = got, clientConfigPath(home)
					}
					fmt.Fprintf(w, "%s\t%s\t%s\n", s.key, v, from)
				}
				return w.Flush()
			case 1:
				if v, ok := clientDefault(args[0]); ok {
					if got, set := settings[args[0]]; set {
						v = got
					}
					fmt.Fprintln(out, v)
					return nil
				}
				v, _, err := readNodeConfigFile(home)
				if err != nil || !v.IsSet(args[0]) {
					return fmt.Errorf("%q is neither a client setting (%s) nor a key of the node's config.toml", args[0], clientKeyList())
				}
				fmt.Fprintln(out, v.Get(args[0]))
				return nil
			}
			key, value := args[0], args[1]
			if isClientKey(key) {
				if err := validClientValue(key, value); err != nil {
					return err
				}
				settings[key] = value
				if err := saveClientConfig(home, settings); err != nil {
					return err
				}
				fmt.Fprintf(out, "%s = %s (in %s)\n", key, value, clientConfigPath(home))
				return nil
			}
			if err := setNodeConfig(home, key, value); err != nil {
				return err
			}
			fmt.Fprintf(out, "%s = %s (in %s; restart the node to apply)\n", key, value, filepath.Join(home, "config", "config.toml"))
			return nil
		},
	}
}
