package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pastelchain/pastel/client/keyring"
	"github.com/pastelchain/pastel/crypto/secp256k1"
)

func addKeyringFlags(cmd *cobra.Command) {
	cmd.Flags().String("keyring-backend", keyring.BackendFile, `where keys live: "file" (encrypted with a passphrase) or "test" (unencrypted, for scripts)`)
}

var stdinReader = bufio.NewReader(os.Stdin)

// askPassphrase answers the keyring's prompt from PASTEL_KEYRING_PASSPHRASE,
// the terminal, or a line of standard input.
func askPassphrase(prompt string, confirm bool) (string, error) {
	if p := os.Getenv("PASTEL_KEYRING_PASSPHRASE"); p != "" {
		return p, nil
	}
	read := func(label string) (string, error) {
		return readSecret(label, "no passphrase on standard input (set PASTEL_KEYRING_PASSPHRASE, or use --keyring-backend test for throwaway keys)")
	}
	p, err := read(prompt)
	if err != nil {
		return "", err
	}
	if confirm {
		again, err := read("Repeat the passphrase: ")
		if err != nil {
			return "", err
		}
		if again != p {
			return "", fmt.Errorf("the passphrases differ")
		}
	}
	return p, nil
}

func openKeyring(cmd *cobra.Command) (*keyring.Keyring, error) {
	backend, _ := cmd.Flags().GetString("keyring-backend")
	return keyring.Open(homeFlag(cmd), backend, func(confirm bool) (string, error) {
		return askPassphrase("Keyring passphrase: ", confirm)
	})
}

// resolveAddress accepts a bech32 address or a key name.
func resolveAddress(cmd *cobra.Command, s string) (secp256k1.Address, error) {
	if strings.HasPrefix(s, secp256k1.AddressPrefix+"1") {
		return secp256k1.ParseAddress(s)
	}
	kr, err := openKeyring(cmd)
	if err != nil {
		return secp256k1.Address{}, err
	}
	rec, err := kr.Get(s)
	if err != nil {
		return secp256k1.Address{}, fmt.Errorf("%q is neither a pastel1… address nor a key: %w", s, err)
	}
	return secp256k1.ParseAddress(rec.Address)
}

func outputFlag(cmd *cobra.Command) {
	cmd.Flags().StringP("output", "o", "text", `output format: "text" or "json"`)
}

func isJSON(cmd *cobra.Command) bool {
	o, _ := cmd.Flags().GetString("output")
	return o == "json"
}

func printJSON(cmd *cobra.Command, v any) error {
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newKeysCmd() *cobra.Command {
	keys := &cobra.Command{
		Use:   "keys",
		Short: "Manage account keys (secp256k1) in the home's keyring",
		Long: `Keys sign transactions. The "file" backend encrypts each key with a passphrase
(scrypt + XChaCha20-Poly1305) under <home>/keyring-file; the "test" backend
stores them unencrypted under <home>/keyring-test and is meant for scripts and
local networks only.`,
	}
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Create a new key from a new 24-word mnemonic, or recover one from its mnemonic",
		Long: `add creates a key from a fresh BIP-39 mnemonic (24 words) and prints the
mnemonic once: write it down, it is the only way to recover the account (the
keyring stores the key, not the words). With --recover, add reads a mnemonic
(from the terminal, a line of standard input, or PASTEL_MNEMONIC) and
restores the key it derives (PASTEL_BIP39_PASSPHRASE is the optional BIP-39
passphrase, the "25th word"). Keys are derived at m/44'/118'/0'/0/INDEX, the
path Cosmos wallets use, so the same words give the same address there.`,
		Example: `  pasteld keys add alice --keyring-backend test
  pasteld keys add alice --recover --home ./wallet        # type the 24 words
  echo "$WORDS" | pasteld keys add bob --recover --keyring-backend test`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, err := openKeyring(cmd)
			if err != nil {
				return err
			}
			index, _ := cmd.Flags().GetUint32("index")
			if recover, _ := cmd.Flags().GetBool("recover"); recover {
				words, err := readMnemonic()
				if err != nil {
					return err
				}
				key, err := keyring.KeyFromMnemonic(words, os.Getenv("PASTEL_BIP39_PASSPHRASE"), index)
				if err != nil {
					return err
				}
				rec, err := kr.Import(args[0], key)
				if err != nil {
					return err
				}
				return showRecord(cmd, rec)
			}
			if index != 0 {
				return fmt.Errorf("--index needs --recover (a new key is always index 0 of its new mnemonic)")
			}
			rec, words, err := kr.AddWithMnemonic(args[0])
			if err != nil {
				return err
			}
			if isJSON(cmd) {
				return printJSON(cmd, map[string]string{"name": rec.Name, "address": rec.Address, "pub_key": rec.PubKey, "mnemonic": words})
			}
			if err := showRecord(cmd, rec); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "\n**Write this mnemonic down and keep it safe. It is the only way to recover the account:**\n\n%s\n", words)
			return nil
		},
	}
	add.Flags().Bool("recover", false, "restore a key from its BIP-39 mnemonic instead of creating one")
	add.Flags().Uint32("index", 0, "with --recover: the address index to derive (m/44'/118'/0'/0/INDEX)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			kr, err := openKeyring(cmd)
			if err != nil {
				return err
			}
			recs, err := kr.List()
			if err != nil {
				return err
			}
			if isJSON(cmd) {
				if recs == nil {
					recs = []*keyring.Record{}
				}
				pub := make([]map[string]string, len(recs))
				for i, r := range recs {
					pub[i] = map[string]string{"name": r.Name, "address": r.Address, "pub_key": r.PubKey}
				}
				return printJSON(cmd, pub)
			}
			if len(recs) == 0 {
				backend, _ := cmd.Flags().GetString("keyring-backend")
				fmt.Fprintf(cmd.OutOrStdout(), "No keys in the %q keyring of %s. Create one with `pasteld keys add NAME`.\n", backend, homeFlag(cmd))
				if other, n := otherBackendKeys(cmd, backend); n > 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "The %q keyring here holds %d key(s): add --keyring-backend %s, or make it the default with `pasteld config keyring-backend %s --home %s`.\n", other, n, other, other, homeFlag(cmd))
				}
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tADDRESS")
			for _, r := range recs {
				fmt.Fprintf(w, "%s\t%s\n", r.Name, r.Address)
			}
			return w.Flush()
		},
	}
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a key's address and public key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, err := openKeyring(cmd)
			if err != nil {
				return err
			}
			rec, err := kr.Get(args[0])
			if err != nil {
				return err
			}
			if a, _ := cmd.Flags().GetBool("address"); a {
				fmt.Fprintln(cmd.OutOrStdout(), rec.Address)
				return nil
			}
			if p, _ := cmd.Flags().GetBool("pubkey"); p {
				fmt.Fprintln(cmd.OutOrStdout(), rec.PubKey)
				return nil
			}
			return showRecord(cmd, rec)
		},
	}
	show.Flags().BoolP("address", "a", false, "print only the address")
	show.Flags().Bool("pubkey", false, "print only the public key (hex, compressed secp256k1)")
	del := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a key (it cannot be recovered unless you exported it)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if y, _ := cmd.Flags().GetBool("yes"); !y {
				return fmt.Errorf("deleting %q cannot be undone; add --yes to confirm", args[0])
			}
			kr, err := openKeyring(cmd)
			if err != nil {
				return err
			}
			if err := kr.Delete(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Deleted key %q\n", args[0])
			return nil
		},
	}
	del.Flags().BoolP("yes", "y", false, "confirm the deletion")
	export := &cobra.Command{
		Use:   "export NAME",
		Short: "Print a key encrypted with an export passphrase (JSON, for 'keys import')",
		Long: `export prints the key encrypted with a passphrase you choose now (asked twice,
or PASTEL_EXPORT_PASSPHRASE). Keep the output and the passphrase safe: together
they are the account.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, err := openKeyring(cmd)
			if err != nil {
				return err
			}
			pass := os.Getenv("PASTEL_EXPORT_PASSPHRASE")
			if pass == "" {
				if pass, err = askPassphrase("Export passphrase: ", true); err != nil {
					return err
				}
			}
			out, err := kr.Export(args[0], pass)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), string(out))
			return nil
		},
	}
	imp := &cobra.Command{
		Use:   "import NAME FILE",
		Short: "Import a key written by 'keys export'",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[1])
			if err != nil {
				return err
			}
			pass := os.Getenv("PASTEL_EXPORT_PASSPHRASE")
			if pass == "" {
				if pass, err = askPassphrase("Passphrase of the exported key: ", false); err != nil {
					return err
				}
			}
			key, err := keyring.OpenExport(data, pass)
			if err != nil {
				return err
			}
			kr, err := openKeyring(cmd)
			if err != nil {
				return err
			}
			rec, err := kr.Import(args[0], key)
			if err != nil {
				return err
			}
			return showRecord(cmd, rec)
		},
	}
	for _, c := range []*cobra.Command{add, list, show, del, export, imp} {
		addKeyringFlags(c)
		outputFlag(c)
		keys.AddCommand(c)
	}
	return keys
}

// otherBackendKeys counts the keys of the keyring backend not in use (its
// files only: no passphrase is asked).
func otherBackendKeys(cmd *cobra.Command, backend string) (string, int) {
	other := keyring.BackendTest
	if backend == keyring.BackendTest {
		other = keyring.BackendFile
	}
	kr, err := keyring.Open(homeFlag(cmd), other, func(bool) (string, error) { return "", fmt.Errorf("no passphrase") })
	if err != nil {
		return other, 0
	}
	recs, err := kr.List()
	if err != nil {
		return other, 0
	}
	return other, len(recs)
}

// readMnemonic reads the words of a mnemonic from PASTEL_MNEMONIC, the
// terminal (not echoed) or a line of standard input.
func readMnemonic() (string, error) {
	if m := os.Getenv("PASTEL_MNEMONIC"); m != "" {
		return m, nil
	}
	words, err := readSecret("Enter the mnemonic (12 or 24 words): ", "no mnemonic on standard input (pipe the words in, or set PASTEL_MNEMONIC)")
	return strings.TrimSpace(words), err
}

// readSecret prompts with label on stderr and reads a secret: from the
// terminal without echo, or one line of standard input (missing: the
// error when standard input has nothing).
func readSecret(label, missing string) (string, error) {
	fmt.Fprint(os.Stderr, label)
	if term.IsTerminal(int(os.Stdin.Fd())) {
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(os.Stderr)
		return string(b), err
	}
	line, err := stdinReader.ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New(missing)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func showRecord(cmd *cobra.Command, rec *keyring.Record) error {
	if isJSON(cmd) {
		return printJSON(cmd, map[string]string{"name": rec.Name, "address": rec.Address, "pub_key": rec.PubKey})
	}
	fmt.Fprintf(cmd.OutOrStdout(), "name:    %s\naddress: %s\npub_key: %s\n", rec.Name, rec.Address, rec.PubKey)
	return nil
}
