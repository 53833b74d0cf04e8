package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/channels/offchain"
	"github.com/pastelchain/pastel/client"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/x/channels"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

func init() { extraCommands = append(extraCommands, newChannelCmd) }

func newChannelCmd() *cobra.Command {
	ch := &cobra.Command{
		Use:   "channel",
		Short: "Payment channels: open, pay off-chain, close, dispute, settle",
		Long: `channel manages two-party payment channels. The latest state both parties
signed is kept in <home>/channels/<id>.json (written atomically), so a crash
loses nothing. Updates travel between the two wallets as files (--out FILE,
then 'channel accept' / 'channel complete') or over HTTP ('channel serve' on
one side, --peer URL on the other).

Opening (both parties sign):
  A: pasteld channel propose alice BOB_ADDR --deposit 10psl --their-deposit 5psl --out prop.json
  B: pasteld channel accept-open bob prop.json --out signed.json
  A: pasteld channel open alice signed.json

Paying and closing:
  A: pasteld channel pay alice CHAN 1psl --out upd.json
  B: pasteld channel accept bob upd.json --out ack.json
  A: pasteld channel complete alice ack.json
  A: pasteld channel close alice CHAN --peer http://bob:7070   (cooperative)
  A: pasteld channel close alice CHAN --unilateral             (dispute window)
     pasteld channel settle anyone CHAN_ID                      (after the window)

CHAN is a channel id or a unique prefix of it from this wallet.`,
	}
	ch.AddCommand(
		newChannelProposeCmd(), newChannelAcceptOpenCmd(), newChannelOpenCmd(),
		newChannelPayCmd(), newChannelAcceptCmd(), newChannelCompleteCmd(), newChannelServeCmd(),
		newChannelInvoiceCmd(), newChannelLockCmd(), newChannelFulfillCmd(), newChannelExpireCmd(),
		newChannelCloseCmd(), newChannelDisputeCmd(), newChannelSettleCmd(), newChannelTopUpCmd(), newChannelDepositCmd(),
		newChannelPreimageCmd(), newChannelUnlockCmd(), newChannelStatusCmd(), newChannelRetractCmd(),
		newChannelOracleCmd(),
	)
	ch.AddCommand(newChannelBetCmds()...)
	return ch
}

// ---- helpers ----

func chanFlags(cmd *cobra.Command) {
	nodeFlag(cmd)
	addKeyringFlags(cmd)
	outputFlag(cmd)
}

func exchangeFlags(cmd *cobra.Command) {
	cmd.Flags().String("out", "", "write the update to this file for the counterparty ('channel accept')")
	cmd.Flags().String("peer", "", "send the update to the counterparty's 'channel serve' endpoint, e.g. http://127.0.0.1:7070")
}

func wallet(cmd *cobra.Command) (*offchain.Wallet, error) { return offchain.Open(homeFlag(cmd)) }

func keyOf(cmd *cobra.Command, name string) (secp256k1.PrivKey, error) {
	kr, err := openKeyring(cmd)
	if err != nil {
		return secp256k1.PrivKey{}, err
	}
	return kr.PrivKey(name)
}

// channelArg accepts a full 64-digit id or a unique prefix from the wallet.
func channelArg(cmd *cobra.Command, s string) ([]byte, error) {
	s = strings.TrimPrefix(strings.ToLower(s), "0x")
	if len(s) == 2*state.IDSize {
		if id, err := hex.DecodeString(s); err == nil {
			return id, nil
		}
	}
	w, err := wallet(cmd)
	if err != nil {
		return nil, err
	}
	return w.Resolve(s)
}

func hexArg(s string, n int, what string) ([]byte, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != n {
		return nil, fmt.Errorf("%s %q: want %d bytes as %d hex digits", what, s, n, 2*n)
	}
	return b, nil
}

// chainChannel reads the on-chain record (nil if the chain does not know it).
func chainChannel(ctx context.Context, c *client.Client, id []byte) (*pb.Channel, int64, error) {
	r, err := c.Query(ctx, "/channels/channel/"+hex.EncodeToString(id), 0, false)
	if err != nil {
		return nil, 0, err
	}
	if len(r.Value) == 0 {
		return nil, r.Height, nil
	}
	ch := &pb.Channel{}
	if err := proto.Unmarshal(r.Value, ch); err != nil {
		return nil, 0, fmt.Errorf("decode channel: %w", err)
	}
	return ch, r.Height, nil
}

// chainEnv is the chain's view an update is checked against: the latest
// height, the parameters and the channel's deposits.
func chainEnv(cmd *cobra.Command, id []byte) (offchain.Env, error) {
	c, ctx, cancel, err := dial(cmd)
	if err != nil {
		return offchain.Env{}, err
	}
	defer cancel()
	return chainEnvWith(ctx, c, id)
}

func chainEnvWith(ctx context.Context, c *client.Client, id []byte) (offchain.Env, error) {
	var p channels.GenesisParams
	if _, err := c.QueryJSON(ctx, "/channels/params", &p); err != nil {
		return offchain.Env{}, err
	}
	ch, h, err := chainChannel(ctx, c, id)
	if err != nil {
		return offchain.Env{}, err
	}
	env := offchain.Env{Env: state.Env{Height: uint64(h), Limits: state.Limits{MaxLocks: int(p.MaxLocks), MaxBets: int(p.MaxBets)}}, MinExpiryDelta: p.MinExpiryDelta}
	if ch != nil {
		env.DepositA, env.DepositB = ch.DepositA, ch.DepositB
		if ch.Status != pb.Status_STATUS_OPEN {
			return env, fmt.Errorf("channel %x is no longer open on-chain (status %s); off-chain updates are pointless now", id, ch.Status)
		}
	} else {
		return env, fmt.Errorf("channel %x is not on-chain (yet); has 'channel open' been sent and included?", id)
	}
	return env, nil
}

// deliverUpdate sends a proposal to the counterparty (--peer) and stores the
// answer, or writes it to --out for a file exchange.
func deliverUpdate(cmd *cobra.Command, w *offchain.Wallet, upd *pb.Update) (done bool, err error) {
	peer, _ := cmd.Flags().GetString("peer")
	out, _ := cmd.Flags().GetString("out")
	switch {
	case peer != "":
		ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
		defer cancel()
		ack, err := offchain.Send(ctx, http.DefaultClient, strings.TrimRight(peer, "/"), upd)
		if err != nil {
			return false, fmt.Errorf("%w (the proposal stays pending; if the peer never got it, 'channel retract' drops it)", err)
		}
		return true, w.Complete(ack)
	case out != "":
		if err := offchain.WriteMessage(out, upd); err != nil {
			return false, err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s: give it to the counterparty ('pasteld channel accept KEY %s --out ack.json'), then run 'pasteld channel complete KEY ack.json'\n", out, out)
		return false, nil
	}
	return false, errors.New("give --peer URL or --out FILE: the counterparty must countersign")
}

// propose builds, signs and delivers one update.
func propose(cmd *cobra.Command, keyName, chanArg string, mkOp func(wc *pb.WalletChannel, env offchain.Env) (*pb.Op, [][]byte, error)) error {
	id, err := channelArg(cmd, chanArg)
	if err != nil {
		return err
	}
	key, err := keyOf(cmd, keyName)
	if err != nil {
		return err
	}
	w, err := wallet(cmd)
	if err != nil {
		return err
	}
	wc, err := w.Load(id)
	if err != nil {
		return err
	}
	env, err := chainEnv(cmd, id)
	if err != nil {
		return err
	}
	op, reveal, err := mkOp(wc, env)
	if err != nil {
		return err
	}
	upd, err := w.Propose(id, key, op, env, reveal...)
	if err != nil {
		return err
	}
	done, err := deliverUpdate(cmd, w, upd)
	if err != nil {
		return err
	}
	return printChannelLocal(cmd, w, id, map[bool]string{true: "countersigned", false: "proposed"}[done])
}

func printChannelLocal(cmd *cobra.Command, w *offchain.Wallet, id []byte, what string) error {
	wc, err := w.Load(id)
	if err != nil {
		return err
	}
	mine, theirs := offchain.Balances(wc)
	st := wc.Latest.State
	out := map[string]any{
		"channel_id": hex.EncodeToString(id), "result": what, "version": st.Version,
		"my_balance": fmt.Sprint(mine), "their_balance": fmt.Sprint(theirs),
		"locks": len(st.Locks), "bets": len(st.Bets), "final": st.Final,
	}
	if wc.Pending != nil {
		out["pending_version"] = wc.Pending.State.Version
	}
	if isJSON(cmd) {
		return printJSON(cmd, out)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "channel %x: %s; co-signed version %d, mine %s, theirs %s", id, what, st.Version, formatAmount(mine), formatAmount(theirs))
	if len(st.Locks)+len(st.Bets) > 0 {
		fmt.Fprintf(cmd.OutOrStdout(), ", %d locks, %d bets pending", len(st.Locks), len(st.Bets))
	}
	if wc.Pending != nil {
		fmt.Fprintf(cmd.OutOrStdout(), " (version %d waiting for the counterparty)", wc.Pending.State.Version)
	}
	fmt.Fprintln(cmd.OutOrStdout())
	return nil
}

func sendChannelTx(cmd *cobra.Command, keyName, summary string, typ string, m proto.Message) error {
	msg, err := tx.Msg(typ, m)
	if err != nil {
		return err
	}
	_, err = sendTx(cmd, keyName, summary, msg)
	return err
}

// ---- open ----

func newChannelProposeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "propose FROM COUNTERPARTY --deposit AMOUNT [--their-deposit AMOUNT] --out FILE",
		Short: "Write open terms for the counterparty to sign (step 1 of opening)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := keyOf(cmd, args[0])
			if err != nil {
				return err
			}
			b, err := resolveAddress(cmd, args[1])
			if err != nil {
				return err
			}
			depA, err := amountFlag(cmd, "deposit")
			if err != nil {
				return err
			}
			depB, err := amountFlag(cmd, "their-deposit")
			if err != nil {
				return err
			}
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			chainID, err := c.ChainID(ctx)
			if err != nil {
				return err
			}
			var next struct {
				Counter string `json:"counter"`
			}
			height, err := c.QueryJSON(ctx, "/channels/next/"+key.PubKey().Address().String()+"/"+b.String(), &next)
			if err != nil {
				return err
			}
			counter, err := strconv.ParseUint(next.Counter, 10, 64)
			if err != nil {
				return err
			}
			validFor, _ := cmd.Flags().GetUint64("valid-for")
			p, err := offchain.NewProposal(chainID, key, b, depA, depB, counter, uint64(height)+validFor)
			if err != nil {
				return err
			}
			out, _ := cmd.Flags().GetString("out")
			if out == "" {
				return errors.New("--out FILE is required")
			}
			if err := offchain.WriteMessage(out, p); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "channel %x: terms written to %s; the counterparty signs them with 'pasteld channel accept-open KEY %s --out signed.json'\n", p.ChannelId, out, out)
			return nil
		},
	}
	chanFlags(cmd)
	cmd.Flags().String("deposit", "", "your deposit (npsl or e.g. 10psl)")
	cmd.Flags().String("their-deposit", "0", "the counterparty's deposit")
	cmd.Flags().Uint64("valid-for", 200, "blocks during which the signed terms may be submitted")
	cmd.Flags().String("out", "", "file to write the terms to")
	return cmd
}

func amountFlag(cmd *cobra.Command, name string) (uint64, error) {
	s, _ := cmd.Flags().GetString(name)
	if s == "" {
		return 0, fmt.Errorf("--%s is required", name)
	}
	v, err := parseAmount(s)
	if err != nil {
		return 0, fmt.Errorf("--%s: %w", name, err)
	}
	return v, nil
}

func readProposal(path string) (*pb.OpenProposal, error) {
	b, err := offchain.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return offchain.DecodeProposal(b)
}

func newChannelAcceptOpenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "accept-open KEY PROPOSAL --out FILE",
		Short: "Sign open terms as the counterparty (step 2 of opening)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := keyOf(cmd, args[0])
			if err != nil {
				return err
			}
			p, err := readProposal(args[1])
			if err != nil {
				return err
			}
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			if chainID, err := c.ChainID(ctx); err != nil {
				return err
			} else if chainID != p.ChainId {
				return fmt.Errorf("the terms are for chain %q but the node serves %q", p.ChainId, chainID)
			}
			w, err := wallet(cmd)
			if err != nil {
				return err
			}
			signed, err := w.AcceptProposal(p, key)
			if err != nil {
				return err
			}
			out, _ := cmd.Flags().GetString("out")
			if out == "" {
				return errors.New("--out FILE is required")
			}
			if err := offchain.WriteMessage(out, signed); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "channel %x: signed (you deposit %s, they deposit %s); %s goes back to %s for 'pasteld channel open'\n",
				p.ChannelId, formatAmount(p.Terms.DepositB), formatAmount(p.Terms.DepositA), out, p.Terms.PartyA)
			return nil
		},
	}
	chanFlags(cmd)
	cmd.Flags().String("out", "", "file to write the signed terms to")
	return cmd
}

func newChannelOpenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "open FROM SIGNED_PROPOSAL",
		Short: "Submit the open transaction with the counterparty's signature (step 3)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := keyOf(cmd, args[0])
			if err != nil {
				return err
			}
			p, err := readProposal(args[1])
			if err != nil {
				return err
			}
			w, err := wallet(cmd)
			if err != nil {
				return err
			}
			if err := w.RecordOpen(p, key); err != nil {
				return err
			}
			return sendChannelTx(cmd, args[0], fmt.Sprintf("Open channel %x with %s: you lock %s, they lock %s", p.ChannelId, p.Terms.PartyB, formatAmount(p.Terms.DepositA), formatAmount(p.Terms.DepositB)),
				channels.MsgOpenType, offchain.OpenMsg(p))
		},
	}
	txFlags(cmd)
	return cmd
}

// ---- off-chain updates ----

func newChannelPayCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pay FROM CHAN AMOUNT (--peer URL | --out FILE)",
		Short: "Pay the counterparty off-chain",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			amt, err := parseAmount(args[2])
			if err != nil {
				return err
			}
			return propose(cmd, args[0], args[1], func(wc *pb.WalletChannel, _ offchain.Env) (*pb.Op, [][]byte, error) {
				return &pb.Op{Kind: state.OpPay, Party: wc.Me, Amount: amt}, nil, nil
			})
		},
	}
	chanFlags(cmd)
	exchangeFlags(cmd)
	return cmd
}

func readUpdate(path string) (*pb.Update, error) {
	b, err := offchain.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return offchain.DecodeUpdate(b)
}

func newChannelAcceptCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "accept KEY UPDATE --out ACK",
		Short: "Check and countersign the counterparty's update; write the answer",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := keyOf(cmd, args[0])
			if err != nil {
				return err
			}
			upd, err := readUpdate(args[1])
			if err != nil {
				return err
			}
			env, err := chainEnv(cmd, upd.ChannelId)
			if err != nil {
				return err
			}
			bets, _ := cmd.Flags().GetBool("accept-bets")
			w, err := wallet(cmd)
			if err != nil {
				return err
			}
			ack, err := w.Accept(upd, key, env, offchain.Policy{AcceptBets: bets})
			if err != nil {
				return err
			}
			out, _ := cmd.Flags().GetString("out")
			if out == "" {
				return errors.New("--out FILE is required")
			}
			if err := offchain.WriteMessage(out, ack); err != nil {
				return err
			}
			return printChannelLocal(cmd, w, upd.ChannelId, "accepted "+upd.Op.Kind+"; answer in "+out)
		},
	}
	chanFlags(cmd)
	cmd.Flags().String("out", "", "file to write the countersigned answer to")
	cmd.Flags().Bool("accept-bets", false, "countersign bets the counterparty proposes")
	return cmd
}

func newChannelCompleteCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "complete KEY ACK",
		Short: "Store the counterparty's countersigned answer to our update",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ack, err := readUpdate(args[1])
			if err != nil {
				return err
			}
			w, err := wallet(cmd)
			if err != nil {
				return err
			}
			if err := w.Complete(ack); err != nil {
				return err
			}
			return printChannelLocal(cmd, w, ack.ChannelId, "countersigned")
		},
	}
	chanFlags(cmd)
	return cmd
}

func newChannelRetractCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "retract CHAN",
		Short: "Drop our pending update (only if the counterparty never received it)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := channelArg(cmd, args[0])
			if err != nil {
				return err
			}
			w, err := wallet(cmd)
			if err != nil {
				return err
			}
			if err := w.Retract(id); err != nil {
				return err
			}
			return printChannelLocal(cmd, w, id, "pending update dropped")
		},
	}
	chanFlags(cmd)
	return cmd
}

func newChannelServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve KEY --listen 127.0.0.1:7070",
		Short: "Accept and countersign the counterparty's updates over HTTP",
		Long: `serve runs the wallet's update endpoint (POST /channels/update) for the
channels of KEY in this home, checking every update against the node's view
and the same rules as 'channel accept'. Stop it with Ctrl-C.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := keyOf(cmd, args[0])
			if err != nil {
				return err
			}
			w, err := wallet(cmd)
			if err != nil {
				return err
			}
			node, _ := cmd.Flags().GetString("node")
			c, err := client.New(node)
			if err != nil {
				return err
			}
			bets, _ := cmd.Flags().GetBool("accept-bets")
			h := offchain.Handler(w, key, func(ctx context.Context, id []byte) (offchain.Env, error) { return chainEnvWith(ctx, c, id) }, offchain.Policy{AcceptBets: bets})
			listen, _ := cmd.Flags().GetString("listen")
			srv := &http.Server{Addr: listen, Handler: h, ReadHeaderTimeout: 10 * time.Second}
			stop := make(chan os.Signal, 1)
			signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
			go func() { <-stop; _ = srv.Close() }()
			fmt.Fprintf(cmd.OutOrStdout(), "serving channel updates for %s on http://%s%s\n", key.PubKey().Address(), listen, offchain.UpdatePath)
			if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	chanFlags(cmd)
	cmd.Flags().String("listen", "127.0.0.1:7070", "address to listen on")
	cmd.Flags().Bool("accept-bets", false, "countersign bets the counterparty proposes")
	return cmd
}

func newChannelInvoiceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "invoice CHAN",
		Short: "Draw a secret for a hash-locked payment to you; prints its hash",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := channelArg(cmd, args[0])
			if err != nil {
				return err
			}
			w, err := wallet(cmd)
			if err != nil {
				return err
			}
			_, h, err := w.NewSecret(id)
			if err != nil {
				return err
			}
			if isJSON(cmd) {
				return printJSON(cmd, map[string]string{"hash": hex.EncodeToString(h)})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%x\n", h)
			return nil
		},
	}
	chanFlags(cmd)
	return cmd
}

func newChannelLockCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lock FROM CHAN AMOUNT HASH (--expiry HEIGHT | --expires-in BLOCKS) (--peer URL | --out FILE)",
		Short: "Pay off-chain against a hash: the receiver gets it by revealing the preimage before expiry",
		Long: `lock offers AMOUNT to the counterparty, payable on the preimage of HASH
until the expiry height. To forward a payment that came in on another
channel, give --forward-from IN_CHAN: the outgoing lock then must expire at
least the chain's min_expiry_delta blocks before the incoming one.`,
		Args: cobra.ExactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			amt, err := parseAmount(args[2])
			if err != nil {
				return err
			}
			h, err := hexArg(args[3], state.HashSize, "hash")
			if err != nil {
				return err
			}
			return propose(cmd, args[0], args[1], func(wc *pb.WalletChannel, env offchain.Env) (*pb.Op, [][]byte, error) {
				exp, _ := cmd.Flags().GetUint64("expiry")
				if in, _ := cmd.Flags().GetUint64("expires-in"); in > 0 {
					exp = env.Height + in
				}
				if exp == 0 {
					return nil, nil, errors.New("give --expiry HEIGHT or --expires-in BLOCKS")
				}
				out := &pb.Lock{Amount: amt, Hash: h, Expiry: exp, Sender: wc.Me}
				if err := state.CheckIncoming(out, env.Height, env.MinExpiryDelta); err != nil {
					return nil, nil, fmt.Errorf("the receiver would refuse it: %w", err)
				}
				if from, _ := cmd.Flags().GetString("forward-from"); from != "" {
					inID, err := channelArg(cmd, from)
					if err != nil {
						return nil, nil, err
					}
					w, _ := wallet(cmd)
					inWC, err := w.Load(inID)
					if err != nil {
						return nil, nil, err
					}
					i := state.FindLock(inWC.Latest.State, h)
					if i < 0 || inWC.Latest.State.Locks[i].Sender == inWC.Me {
						return nil, nil, fmt.Errorf("channel %x has no incoming lock with hash %x to forward", inID, h)
					}
					if err := state.CheckForward(inWC.Latest.State.Locks[i], out, env.MinExpiryDelta); err != nil {
						return nil, nil, err
					}
				}
				return &pb.Op{Kind: state.OpLock, Party: wc.Me, Amount: amt, Hash: h, Expiry: exp}, nil, nil
			})
		},
	}
	chanFlags(cmd)
	exchangeFlags(cmd)
	cmd.Flags().Uint64("expiry", 0, "last height at which a registered preimage pays the receiver")
	cmd.Flags().Uint64("expires-in", 0, "expiry as blocks from the current height")
	cmd.Flags().String("forward-from", "", "the channel the payment comes in on (checks the expiry delta)")
	return cmd
}

func newChannelFulfillCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fulfill FROM CHAN HASH (--peer URL | --out FILE)",
		Short: "Claim a lock paying you by revealing its preimage off-chain",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := hexArg(args[2], state.HashSize, "hash")
			if err != nil {
				return err
			}
			return propose(cmd, args[0], args[1], func(wc *pb.WalletChannel, _ offchain.Env) (*pb.Op, [][]byte, error) {
				p := offchain.Preimage(wc, h)
				if p == nil {
					return nil, nil, fmt.Errorf("this wallet does not know the preimage of %x", h)
				}
				return &pb.Op{Kind: state.OpFulfill, Hash: h, Preimage: p}, nil, nil
			})
		},
	}
	chanFlags(cmd)
	exchangeFlags(cmd)
	return cmd
}

func newChannelExpireCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "expire FROM CHAN HASH (--peer URL | --out FILE)",
		Short: "Take back an expired lock you sent, off-chain",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := hexArg(args[2], state.HashSize, "hash")
			if err != nil {
				return err
			}
			return propose(cmd, args[0], args[1], func(*pb.WalletChannel, offchain.Env) (*pb.Op, [][]byte, error) {
				return &pb.Op{Kind: state.OpExpire, Hash: h}, nil, nil
			})
		},
	}
	chanFlags(cmd)
	exchangeFlags(cmd)
	return cmd
}

// ---- on-chain ----

func newChannelCloseCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "close FROM CHAN [--peer URL | --out FILE] [--unilateral]",
		Short: "Close: cooperatively with a final co-signed state, or unilaterally",
		Long: `close without --unilateral agrees a final state with the counterparty
(--peer, or --out and a second 'close' after 'complete') and submits it: the
payout is immediate. With --unilateral it registers the latest co-signed
state on-chain; the counterparty (or anyone) may replace it with a strictly
newer one until the dispute window ends, then 'channel settle' pays out.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := channelArg(cmd, args[1])
			if err != nil {
				return err
			}
			w, err := wallet(cmd)
			if err != nil {
				return err
			}
			wc, err := w.Load(id)
			if err != nil {
				return err
			}
			if uni, _ := cmd.Flags().GetBool("unilateral"); uni {
				m := &pb.MsgClose{ChannelId: id}
				if wc.Latest.State.Version > 0 {
					m.State = wc.Latest
				}
				return sendChannelTx(cmd, args[0], fmt.Sprintf("Close channel %x unilaterally with version %d", id, wc.Latest.State.Version), channels.MsgCloseType, m)
			}
			if !wc.Latest.State.Final {
				key, err := keyOf(cmd, args[0])
				if err != nil {
					return err
				}
				env, err := chainEnv(cmd, id)
				if err != nil {
					return err
				}
				upd, err := w.Propose(id, key, &pb.Op{Kind: state.OpFinal}, env)
				if err != nil {
					return err
				}
				done, err := deliverUpdate(cmd, w, upd)
				if err != nil || !done {
					return err
				}
				if wc, err = w.Load(id); err != nil {
					return err
				}
			}
			mine, theirs := offchain.Balances(wc)
			return sendChannelTx(cmd, args[0], fmt.Sprintf("Close channel %x cooperatively: you get %s, they get %s", id, formatAmount(mine), formatAmount(theirs)),
				channels.MsgCooperativeCloseType, &pb.MsgCooperativeClose{State: wc.Latest})
		},
	}
	txFlags(cmd)
	exchangeFlags(cmd)
	cmd.Flags().Bool("unilateral", false, "register the latest state and start the dispute window")
	return cmd
}

// readStateSource returns a co-signed state from a wallet channel file or
// an update file (for watchtowers), or from this wallet.
func readStateSource(cmd *cobra.Command, id []byte) (*pb.SignedState, error) {
	if path, _ := cmd.Flags().GetString("state"); path != "" {
		b, err := offchain.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if wc, err := offchain.DecodeWalletChannel(b); err == nil {
			return wc.Latest, nil
		}
		u, err := offchain.DecodeUpdate(b)
		if err != nil {
			return nil, fmt.Errorf("%s is neither a wallet channel file nor an update: %w", path, err)
		}
		return u.State, nil
	}
	w, err := wallet(cmd)
	if err != nil {
		return nil, err
	}
	wc, err := w.Load(id)
	if err != nil {
		return nil, err
	}
	return wc.Latest, nil
}

func newChannelDisputeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dispute FROM CHAN [--state FILE]",
		Short: "Refute a registered state with a strictly newer co-signed one (anyone may)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := channelArg(cmd, args[1])
			if err != nil {
				return err
			}
			s, err := readStateSource(cmd, id)
			if err != nil {
				return err
			}
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			ch, _, err := chainChannel(ctx, c, id)
			cancel()
			if err != nil {
				return err
			}
			if ch == nil {
				return fmt.Errorf("channel %x is not on-chain", id)
			}
			if ch.Status != pb.Status_STATUS_DISPUTE {
				return fmt.Errorf("channel %x is not in dispute (status %s)", id, ch.Status)
			}
			if s.State.Version <= ch.Registered.Version {
				return fmt.Errorf("our version %d is not newer than the registered %d: nothing to refute", s.State.Version, ch.Registered.Version)
			}
			return sendChannelTx(cmd, args[0], fmt.Sprintf("Refute channel %x: version %d replaces %d (window ends at height %d)", id, s.State.Version, ch.Registered.Version, ch.DisputeDeadline),
				channels.MsgDisputeType, &pb.MsgDispute{State: s})
		},
	}
	txFlags(cmd)
	cmd.Flags().String("state", "", "take the state from this wallet channel or update file (watchtower)")
	return cmd
}

func newChannelSettleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "settle FROM CHANNEL_ID",
		Short: "Pay out a channel after its dispute window (needs no local state)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := channelArg(cmd, args[1])
			if err != nil {
				return err
			}
			return sendChannelTx(cmd, args[0], fmt.Sprintf("Settle channel %x", id), channels.MsgSettleType, &pb.MsgSettle{ChannelId: id})
		},
	}
	txFlags(cmd)
	return cmd
}

func newChannelTopUpCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "topup FROM CHAN AMOUNT",
		Short: "Add to your deposit on-chain (then 'channel deposit' accounts for it off-chain)",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := channelArg(cmd, args[1])
			if err != nil {
				return err
			}
			amt, err := parseAmount(args[2])
			if err != nil {
				return err
			}
			return sendChannelTx(cmd, args[0], fmt.Sprintf("Top up channel %x by %s", id, formatAmount(amt)), channels.MsgTopUpType, &pb.MsgTopUp{ChannelId: id, Amount: amt})
		},
	}
	txFlags(cmd)
	return cmd
}

func newChannelDepositCmd() *cobra.Command {
	deposit := &cobra.Command{
		Use:   "deposit FROM CHAN AMOUNT (--peer URL | --out FILE)",
		Short: "Account for an on-chain top-up in the off-chain state",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			amt, err := parseAmount(args[2])
			if err != nil {
				return err
			}
			return propose(cmd, args[0], args[1], func(wc *pb.WalletChannel, _ offchain.Env) (*pb.Op, [][]byte, error) {
				return &pb.Op{Kind: state.OpDeposit, Party: wc.Me, Amount: amt}, nil, nil
			})
		},
	}
	chanFlags(deposit)
	exchangeFlags(deposit)
	return deposit
}

func newChannelPreimageCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "register-preimage FROM (PREIMAGE | --channel CHAN --hash HASH)",
		Short: "Register a preimage on-chain so locks with its hash pay their receivers",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var pre []byte
			var err error
			if len(args) == 2 {
				if pre, err = hexArg(args[1], state.PreimageSize, "preimage"); err != nil {
					return err
				}
			} else {
				chArg, _ := cmd.Flags().GetString("channel")
				hs, _ := cmd.Flags().GetString("hash")
				id, err := channelArg(cmd, chArg)
				if err != nil {
					return err
				}
				h, err := hexArg(hs, state.HashSize, "hash")
				if err != nil {
					return err
				}
				w, err := wallet(cmd)
				if err != nil {
					return err
				}
				wc, err := w.Load(id)
				if err != nil {
					return err
				}
				if pre = offchain.Preimage(wc, h); pre == nil {
					return fmt.Errorf("this wallet does not know the preimage of %x", h)
				}
			}
			return sendChannelTx(cmd, args[0], fmt.Sprintf("Register the preimage of %x", state.Hash(pre)), channels.MsgRegisterPreimageType, &pb.MsgRegisterPreimage{Preimage: pre})
		},
	}
	txFlags(cmd)
	cmd.Flags().String("channel", "", "channel whose wallet file knows the preimage")
	cmd.Flags().String("hash", "", "hash whose preimage to register")
	return cmd
}

func newChannelUnlockCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "unlock FROM CHANNEL_ID HASH",
		Short: "Resolve a pending lock of a settled channel (pay or refund)",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := channelArg(cmd, args[1])
			if err != nil {
				return err
			}
			h, err := hexArg(args[2], state.HashSize, "hash")
			if err != nil {
				return err
			}
			return sendChannelTx(cmd, args[0], fmt.Sprintf("Resolve lock %x of channel %x", h, id), channels.MsgUnlockType, &pb.MsgUnlock{ChannelId: id, Hash: h})
		},
	}
	txFlags(cmd)
	return cmd
}

func newChannelStatusCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status [CHAN]",
		Short: "Show the wallet's channels, or one channel off-chain and on-chain",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := wallet(cmd)
			if err != nil {
				return err
			}
			if len(args) == 0 {
				ids, err := w.List()
				if err != nil {
					return err
				}
				var rows []map[string]any
				for _, id := range ids {
					wc, err := w.Load(id)
					if err != nil {
						return err
					}
					mine, theirs := offchain.Balances(wc)
					rows = append(rows, map[string]any{"channel_id": hex.EncodeToString(id), "me": state.PartyName(wc.Me), "version": wc.Latest.State.Version,
						"my_balance": fmt.Sprint(mine), "their_balance": fmt.Sprint(theirs), "final": wc.Latest.State.Final})
				}
				if isJSON(cmd) {
					return printJSON(cmd, rows)
				}
				for _, r := range rows {
					mine, _ := strconv.ParseUint(r["my_balance"].(string), 10, 64)
					theirs, _ := strconv.ParseUint(r["their_balance"].(string), 10, 64)
					fmt.Fprintf(cmd.OutOrStdout(), "%s  party %s  v%d  mine %s  theirs %s\n", r["channel_id"], r["me"], r["version"], formatAmount(mine), formatAmount(theirs))
				}
				return nil
			}
			id, err := channelArg(cmd, args[0])
			if err != nil {
				return err
			}
			out := map[string]any{"channel_id": hex.EncodeToString(id)}
			if wc, err := w.Load(id); err == nil {
				mine, theirs := offchain.Balances(wc)
				out["local"] = map[string]any{"me": state.PartyName(wc.Me), "version": wc.Latest.State.Version, "my_balance": fmt.Sprint(mine),
					"their_balance": fmt.Sprint(theirs), "locks": len(wc.Latest.State.Locks), "bets": len(wc.Latest.State.Bets), "final": wc.Latest.State.Final,
					"pending": wc.Pending != nil}
			}
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			ch, h, err := chainChannel(ctx, c, id)
			if err != nil {
				return err
			}
			if ch != nil {
				on := map[string]any{"height": h, "status": strings.TrimPrefix(ch.Status.String(), "STATUS_"), "party_a": ch.PartyA, "party_b": ch.PartyB,
					"deposit_a": fmt.Sprint(ch.DepositA), "deposit_b": fmt.Sprint(ch.DepositB), "paid_a": fmt.Sprint(ch.PaidA), "paid_b": fmt.Sprint(ch.PaidB)}
				if ch.Registered != nil {
					on["registered_version"] = ch.Registered.Version
					on["dispute_deadline"] = ch.DisputeDeadline
					var locks []string
					for _, l := range ch.Registered.Locks {
						locks = append(locks, hex.EncodeToString(l.Hash))
					}
					on["pending_locks"] = locks
				}
				out["chain"] = on
			}
			if isJSON(cmd) {
				return printJSON(cmd, out)
			}
			b, _ := json.MarshalIndent(out, "", "  ")
			fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return nil
		},
	}
	chanFlags(cmd)
	return cmd
}
