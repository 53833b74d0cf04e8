package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pastelchain/pastel/client"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/types/txpb"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/bank/bankpb"
)

// txFlags are the flags every transaction command takes.
func txFlags(cmd *cobra.Command) {
	nodeFlag(cmd)
	addKeyringFlags(cmd)
	outputFlag(cmd)
	cmd.Flags().String("fee", "", "fee (npsl or with a unit); default: the chain's minimum for this transaction")
	cmd.Flags().String("memo", "", "memo to attach (at most 256 bytes)")
	cmd.Flags().BoolP("yes", "y", false, "do not ask for confirmation")
	cmd.Flags().Duration("timeout", 60*time.Second, "how long to wait for the transaction to be included")
}

// sendTx signs msgs with key `from`, asks for confirmation, broadcasts and
// waits, then prints the result.
func sendTx(cmd *cobra.Command, from string, summary string, msgs ...*txpb.Msg) (*client.TxResult, error) {
	kr, err := openKeyring(cmd)
	if err != nil {
		return nil, err
	}
	key, err := kr.PrivKey(from)
	if err != nil {
		return nil, err
	}
	return sendTxWithKey(cmd, key, summary, msgs...)
}

func sendTxWithKey(cmd *cobra.Command, key secp256k1.PrivKey, summary string, msgs ...*txpb.Msg) (*client.TxResult, error) {
	return sendTxOpts(cmd, key, summary, false, msgs...)
}

// sendTxWithKeyQuiet sends a transaction that is one step of an operation
// the user already confirmed (no prompt, no printed result; a failed
// transaction is an error).
func sendTxWithKeyQuiet(cmd *cobra.Command, key secp256k1.PrivKey, msgs ...*txpb.Msg) (*client.TxResult, error) {
	res, err := sendTxOpts(cmd, key, "", true, msgs...)
	if err == nil && res != nil && res.Code != 0 {
		err = fmt.Errorf("transaction %s failed (code %d): %s", res.Hash, res.Code, res.Log)
	}
	return res, err
}

func sendTxOpts(cmd *cobra.Command, key secp256k1.PrivKey, summary string, quiet bool, msgs ...*txpb.Msg) (*client.TxResult, error) {
	c, ctx, cancel, err := dial(cmd)
	if err != nil {
		return nil, err
	}
	defer cancel()
	var fee uint64
	if f, _ := cmd.Flags().GetString("fee"); f != "" {
		if fee, err = parseAmount(f); err != nil {
			return nil, fmt.Errorf("--fee: %w", err)
		}
	}
	memo, _ := cmd.Flags().GetString("memo")
	raw, err := c.Sign(ctx, key, fee, memo, msgs...)
	if err != nil {
		return nil, err
	}
	decoded, err := tx.Decode(raw, 0)
	if err != nil {
		return nil, err
	}
	if y, _ := cmd.Flags().GetBool("yes"); !y && !quiet {
		fmt.Fprintf(os.Stderr, "%s\nfrom %s, fee %s, nonce %d. Send? [y/N] ", summary, key.PubKey().Address(), formatAmount(decoded.Body.Fee), decoded.Body.Nonce)
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			return nil, fmt.Errorf("not sent")
		}
	}
	timeout, _ := cmd.Flags().GetDuration("timeout")
	res, err := c.Broadcast(ctx, raw, timeout)
	// Another process signing with this key (a masternode's chunkd) may
	// have a transaction in the mempool with this nonce: wait for it to be
	// committed and sign again with the next one.
	for try := 0; try < 3 && res != nil && res.Height == 0 && res.Code == types.ErrWrongNonce.Code && strings.HasPrefix(res.Log, types.ErrWrongNonce.Msg); try++ {
		fmt.Fprintf(os.Stderr, "nonce %d is taken by a pending transaction of this key (another process signs with it?); signing again after the next block\n", decoded.Body.Nonce)
		if werr := waitNextBlock(ctx, c); werr != nil {
			break
		}
		if raw, err = c.Sign(ctx, key, fee, memo, msgs...); err != nil {
			return nil, err
		}
		if decoded, err = tx.Decode(raw, 0); err != nil {
			return nil, err
		}
		res, err = c.Broadcast(ctx, raw, timeout)
	}
	if res != nil && !quiet {
		printTxResult(cmd, res, errors.Is(err, client.ErrTxDropped))
	}
	return res, err
}

// waitNextBlock returns once the node's latest height has moved on.
func waitNextBlock(ctx context.Context, c *client.Client) error {
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	h := st.SyncInfo.LatestBlockHeight
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if st, err = c.Status(ctx); err == nil && st.SyncInfo.LatestBlockHeight > h {
			return nil
		}
	}
}

func printTxResult(cmd *cobra.Command, r *client.TxResult, dropped bool) {
	if isJSON(cmd) {
		_ = printJSON(cmd, r)
		return
	}
	status := "ok"
	if r.Code != 0 {
		status = fmt.Sprintf("failed (code %d): %s", r.Code, r.Log)
	} else if dropped {
		status = "dropped from the mempool, not applied"
	} else if r.Height == 0 {
		status = "pending"
	}
	fmt.Fprintf(cmd.OutOrStdout(), "txhash: %s\nheight: %d\nresult: %s\n", r.Hash, r.Height, status)
}

func newTxCmd() *cobra.Command {
	txc := &cobra.Command{Use: "tx", Short: "Sign and send transactions"}
	bankCmd := &cobra.Command{Use: "bank", Short: "Coin transfers"}
	send := &cobra.Command{
		Use:   "send FROM TO AMOUNT",
		Short: "Send coins; waits until the transfer is in a block",
		Long: `send transfers AMOUNT from the key FROM to TO (an address or a key name).
AMOUNT is in npsl, or with a unit: 10psl, 0.5psl, 1000npsl. The fee defaults to
the chain's minimum for the transaction.`,
		Example: `  pasteld tx bank send alice pastel1… 10psl --home ./node --keyring-backend test --yes`,
		Args:    cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			to, err := resolveAddress(cmd, args[1])
			if err != nil {
				return err
			}
			amt, err := parseAmount(args[2])
			if err != nil {
				return err
			}
			if amt == 0 {
				return fmt.Errorf("amount must be positive")
			}
			m, err := tx.Msg(bank.MsgSendType, &bankpb.MsgSend{To: to.String(), Amount: amt})
			if err != nil {
				return err
			}
			_, err = sendTx(cmd, args[0], fmt.Sprintf("Send %s to %s", formatAmount(amt), to), m)
			return err
		},
	}
	txFlags(send)
	bankCmd.AddCommand(send)
	txc.AddCommand(bankCmd)
	return txc
}
