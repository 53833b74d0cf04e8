package main

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/cometbft/cometbft/privval"
	"github.com/spf13/cobra"

	"github.com/pastelchain/pastel/x/storage"
)

func init() { extraCommands = append(extraCommands, newShowValidatorCmd, newValidatorsCmd) }

// parseConsensusKey reads an ed25519 validator public key given as base64,
// as a node home, or as the path of a priv_validator_key.json. Empty gives
// nil.
func parseConsensusKey(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	if st, err := os.Stat(s); err == nil {
		path := s
		if st.IsDir() {
			path = filepath.Join(s, "config", "priv_validator_key.json")
		}
		pub, err := validatorPubKey(path)
		if err != nil {
			return nil, fmt.Errorf("--consensus-key %s: %w", s, err)
		}
		return pub, nil
	}
	pub, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(pub) != storage.ConsensusKeySize {
		return nil, fmt.Errorf("--consensus-key %q: want the base64 ed25519 key printed by \"pasteld show-validator\" (32 bytes), a node home or a priv_validator_key.json", s)
	}
	return pub, nil
}

func validatorPubKey(keyFile string) ([]byte, error) {
	if _, err := os.Stat(keyFile); err != nil {
		return nil, fmt.Errorf("no validator key at %s (run pasteld init first): %w", keyFile, err)
	}
	pv := privval.LoadFilePV(keyFile, filepath.Join(filepath.Dir(keyFile), "..", "data", "priv_validator_state.json"))
	pub, err := pv.GetPubKey()
	if err != nil {
		return nil, err
	}
	if pub.Type() != "ed25519" {
		return nil, fmt.Errorf("the validator key is %s; the chain supports ed25519 only", pub.Type())
	}
	return pub.Bytes(), nil
}

func newShowValidatorCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show-validator",
		Short: "Print this node's consensus (validator) public key and address",
		Long: `show-validator prints the ed25519 public key of <home>/config/priv_validator_key.json
in base64, and its CometBFT address. Give the key to "pasteld mn register
--consensus-key" to make a masternode validate with this node.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pub, err := validatorPubKey(filepath.Join(homeFlag(cmd), "config", "priv_validator_key.json"))
			if err != nil {
				return err
			}
			out := map[string]string{"pub_key": base64.StdEncoding.EncodeToString(pub), "address": hex.EncodeToString(storage.ConsensusAddress(pub))}
			if isJSON(cmd) {
				return printJSON(cmd, out)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "pub_key: %s\naddress: %s\n", out["pub_key"], out["address"])
			return nil
		},
	}
	outputFlag(cmd)
	return cmd
}

func newValidatorsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validators",
		Short: "List the validator set as the chain computes it from masternodes and trust",
		Long: `validators lists every validator candidate: genesis validators and masternodes
with a consensus key. POWER is what CometBFT was last told (it applies changes
two blocks later), TARGET what the next recomputation gives (after the
max_validators selection and the max_share cap), RAW the power from
collateral, trust and standing alone.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var vs []storage.ValidatorView
			if _, err := queryJSON(cmd, "/storage/validators", &vs); err != nil {
				return err
			}
			if isJSON(cmd) {
				return printJSON(cmd, vs)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ADDRESS\tMASTERNODE\tSTANDING\tPOWER\tTARGET\tRAW")
			for _, v := range vs {
				who := v.Masternode
				if v.Genesis {
					who = "(genesis validator)"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\n", v.Address, who, v.Standing, v.Power, v.Target, v.Raw)
			}
			return w.Flush()
		},
	}
	nodeFlag(cmd)
	outputFlag(cmd)
	return cmd
}
