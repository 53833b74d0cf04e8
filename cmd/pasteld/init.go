package main

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/spf13/cobra"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/genesis"
	"github.com/pastelchain/pastel/x/storage"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the pasteld version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "pasteld %s (app protocol %d)\n", app.Version, app.AppVersion)
		},
	}
}

func newInitCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a node home: keys, config and a genesis with this node as the only validator",
		Long: `init writes <home>/config/{config.toml,app.toml,genesis.json,node_key.json,
priv_validator_key.json} and <home>/data/. The genesis makes this node the
single validator of a new chain; fund accounts with 'pasteld genesis add-account'
before the first start. Existing keys are kept; an existing genesis is refused
unless --overwrite is given.`,
		Example: `  pasteld init --home ./node --chain-id pastel-local --moniker alice`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home := homeFlag(cmd)
			chainID, _ := cmd.Flags().GetString("chain-id")
			moniker, _ := cmd.Flags().GetString("moniker")
			overwrite, _ := cmd.Flags().GetBool("overwrite")
			if chainID == "" {
				return fmt.Errorf("--chain-id is required (e.g. --chain-id pastel-local)")
			}
			genPath := filepath.Join(home, "config", "genesis.json")
			if _, err := os.Stat(genPath); err == nil && !overwrite {
				return fmt.Errorf("%s already exists; use --overwrite to replace it", genPath)
			}
			conf, keys, err := genesis.InitHome(home)
			if err != nil {
				return err
			}
			if moniker == "" {
				moniker, _ = os.Hostname()
			}
			genesis.DefaultNodeConfig(conf, moniker)
			if err := genesis.WriteConfig(conf, genesis.DefaultAppConfig()); err != nil {
				return err
			}
			pub, err := keys.Val.GetPubKey()
			if err != nil {
				return err
			}
			doc, err := genesis.New(chainID, []cmttypes.GenesisValidator{{Address: pub.Address(), PubKey: pub, Power: 10, Name: moniker}})
			if err != nil {
				return err
			}
			if err := doc.SaveAs(genPath); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Initialised node %q (id %s) for chain %q in %s\n", moniker, keys.NodeID, chainID, home)
			fmt.Fprintf(cmd.OutOrStdout(), "Trust seeds: storage's challenger (non-voting), so challenge outcomes become trust scores; add voting seeds, who approve seed changes, with `pasteld trust genesis-seed KEY --home %s`.\n", home)
			fmt.Fprintf(cmd.OutOrStdout(), "Next: fund an account with `pasteld genesis add-account ADDR AMOUNT --home %s`, then `pasteld start --home %s`.\n", home, home)
			return nil
		},
	}
	cmd.Flags().String("chain-id", "", "chain id of the new chain (required)")
	cmd.Flags().String("moniker", "", "human-readable node name (default: hostname)")
	cmd.Flags().Bool("overwrite", false, "replace an existing genesis.json")
	return cmd
}

func newGenesisCmd() *cobra.Command {
	g := &cobra.Command{Use: "genesis", Short: "Edit and check the genesis file of a new chain"}
	add := &cobra.Command{
		Use:   "add-account ADDRESS|KEY AMOUNT",
		Short: "Fund an account in genesis.json",
		Long: `add-account adds a funded account to <home>/config/genesis.json. ADDRESS is a
pastel1… address or the name of a key in the keyring. AMOUNT is in npsl (base
units) or with a unit: 1000psl, 2.5psl, 500npsl.`,
		Example: `  pasteld genesis add-account pastel1… 1000000psl --home ./node`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			home := homeFlag(cmd)
			addr, err := resolveAddress(cmd, args[0])
			if err != nil {
				return err
			}
			amt, err := parseAmount(args[1])
			if err != nil {
				return err
			}
			if err := genesis.AddAccount(filepath.Join(home, "config", "genesis.json"), addr, amt); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Funded %s with %s in genesis\n", addr, formatAmount(amt))
			return nil
		},
	}
	addKeyringFlags(add)
	validate := &cobra.Command{
		Use:   "validate",
		Short: "Check <home>/config/genesis.json and name the first bad field",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p := filepath.Join(homeFlag(cmd), "config", "genesis.json")
			if _, _, err := genesis.Load(p); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is valid\n", p)
			return nil
		},
	}
	setParam := &cobra.Command{
		Use:   "set-param MODULE.params.FIELD VALUE",
		Short: "Change one module parameter in genesis.json (before the first start)",
		Example: `  pasteld genesis set-param storage.params.replication 3 --home ./node
  pasteld genesis set-param bank.params.min_fee 500 --home ./node`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			p := filepath.Join(homeFlag(cmd), "config", "genesis.json")
			if err := genesis.SetParam(p, args[0], args[1]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s = %s\n", args[0], args[1])
			return nil
		},
	}
	payout := &cobra.Command{
		Use:   "set-validator-payout ADDRESS|KEY",
		Short: "Pay this node's validator rewards to an account (genesis.json, before the first start)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			home := homeFlag(cmd)
			addr, err := resolveAddress(cmd, args[0])
			if err != nil {
				return err
			}
			_, keys, err := genesis.InitHome(home)
			if err != nil {
				return err
			}
			pub, err := keys.Val.GetPubKey()
			if err != nil {
				return err
			}
			if err := genesis.SetValidatorPayout(filepath.Join(home, "config", "genesis.json"), pub.Address().String(), addr); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "validator %s pays out to %s\n", pub.Address(), addr)
			return nil
		},
	}
	addKeyringFlags(payout)
	addMN := &cobra.Command{
		Use:   "add-masternode PUBKEY|KEY --url URL --collateral AMOUNT [--consensus-key KEY]",
		Short: "Register a masternode in genesis.json, optionally as a validator from block 1",
		Long: `add-masternode lists a masternode in app_state.storage.masternodes of
<home>/config/genesis.json. PUBKEY is its compressed secp256k1 public key in hex
("pasteld keys show NAME --pubkey" prints it); KEY is the name of a key in the
keyring under --home. Its account must already be funded with at least the
collateral (genesis add-account); InitChain locks the collateral.

With --consensus-key (base64 ed25519 from "pasteld show-validator", a node
home, or a priv_validator_key.json) the masternode validates from the first
block: as soon as one genesis masternode names a consensus key, InitChain
returns the validator set computed from the genesis masternodes (power from
collateral, trust and standing, capped at max_share) and CometBFT's
genesis validator list is replaced by it.`,
		Example: `  pasteld genesis add-account pastel1… 1001000psl --home ./node0
  pasteld genesis add-masternode 02ab… --url http://10.0.0.5:7101 --collateral 1000000psl --consensus-key ./node0 --home ./node0`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			home := homeFlag(cmd)
			pkHex := args[0]
			if _, err := hex.DecodeString(pkHex); err != nil || len(pkHex) != 66 {
				kr, err := openKeyring(cmd)
				if err != nil {
					return err
				}
				rec, err := kr.Get(args[0])
				if err != nil {
					return fmt.Errorf("%q is neither a hex public key (66 digits) nor a key: %w", args[0], err)
				}
				pkHex = rec.PubKey
			}
			pkb, _ := hex.DecodeString(pkHex)
			pub, err := secp256k1.PubKeyFromBytes(pkb)
			if err != nil {
				return fmt.Errorf("public key %s: %w", pkHex, err)
			}
			url, amt, cons, err := masternodeFlags(cmd)
			if err != nil {
				return err
			}
			m := storage.GenesisMasternode{Address: pub.Address().String(), PubKey: hex.EncodeToString(pkb), URL: url, Collateral: amt}
			if cons != nil {
				m.ConsensusPubKey = base64.StdEncoding.EncodeToString(cons)
			}
			if err := genesis.AddMasternode(filepath.Join(home, "config", "genesis.json"), m); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "genesis masternode %s at %s with %s collateral", m.Address, url, formatAmount(amt))
			if cons != nil {
				fmt.Fprintf(cmd.OutOrStdout(), ", validating with %s", m.ConsensusPubKey)
			}
			fmt.Fprintln(cmd.OutOrStdout())
			return nil
		},
	}
	addMN.Flags().String("url", "", "public URL of the masternode's chunkd")
	addMN.Flags().String("collateral", "1000000psl", "collateral to lock at genesis")
	addMN.Flags().String("consensus-key", "", "validate from genesis with this CometBFT key: base64 ed25519, a node home, or a priv_validator_key.json")
	addKeyringFlags(addMN)
	g.AddCommand(add, validate, setParam, payout, addMN)
	return g
}
