package main

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pastelchain/pastel/channels/offchain"
	"github.com/pastelchain/pastel/x/channels"
	pb "github.com/pastelchain/pastel/x/channels/channelspb"
	"github.com/pastelchain/pastel/x/channels/state"
)

// Oracle events and bets: `pasteld channel oracle …` for the oracle,
// `pasteld channel bet|resolve-bet|refund-bet|settle-bet` for the bettors.

func newChannelOracleCmd() *cobra.Command {
	o := &cobra.Command{Use: "oracle", Short: "Announce events, reveal outcomes, manage an oracle bond"}
	bond := &cobra.Command{
		Use:   "bond KEY AMOUNT",
		Short: "Lock AMOUNT as your oracle bond (slashed if you are proven to cheat)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			amt, err := parseAmount(args[1])
			if err != nil {
				return err
			}
			return sendChannelTx(cmd, args[0], "Bond "+formatAmount(amt)+" as an oracle", channels.MsgOracleBondType, &pb.MsgOracleBond{Amount: amt})
		},
	}
	unbond := &cobra.Command{
		Use:   "unbond KEY",
		Short: "Take your oracle bond back (after your last event deadline plus the unbond delay)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return sendChannelTx(cmd, args[0], "Unbond as an oracle", channels.MsgOracleUnbondType, &pb.MsgOracleUnbond{})
		},
	}
	announce := &cobra.Command{
		Use:   "announce KEY EVENT_ID --outcomes N --deadline HEIGHT --out FILE",
		Short: "Draw one secret per outcome, sign the list of their hashes, write the announcement",
		Long: `announce keeps the secrets in <home>/oracle/<event id>.json and writes the
signed announcement to --out for bettors ('channel bet') and for
'channel oracle publish'. Outcome i is decided by revealing secret i; never
reveal two — that is an on-chain fraud proof against you.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := keyOf(cmd, args[0])
			if err != nil {
				return err
			}
			n, _ := cmd.Flags().GetInt("outcomes")
			deadline, _ := cmd.Flags().GetUint64("deadline")
			out, _ := cmd.Flags().GetString("out")
			if out == "" || deadline == 0 {
				return fmt.Errorf("--deadline HEIGHT and --out FILE are required")
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
			a, err := offchain.NewEvent(homeFlag(cmd), chainID, key, []byte(args[1]), n, deadline)
			if err != nil {
				return err
			}
			if err := offchain.WriteMessage(out, a); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "event %q (%x): %d outcomes, deadline %d; announcement in %s\n", args[1], []byte(args[1]), n, deadline, out)
			return nil
		},
	}
	announce.Flags().Int("outcomes", 2, "number of outcomes (2-16)")
	announce.Flags().Uint64("deadline", 0, "last height at which a reveal counts")
	announce.Flags().String("out", "", "file for the signed announcement")
	publish := &cobra.Command{
		Use:   "publish FROM ANNOUNCEMENT",
		Short: "Put an oracle's announcement on-chain (anyone may)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, t, err := readAnnouncement(cmd, args[1])
			if err != nil {
				return err
			}
			return sendChannelTx(cmd, args[0], fmt.Sprintf("Publish event %q of %s", t.EventId, t.Oracle), channels.MsgPublishEventType, &pb.MsgPublishEvent{Announcement: a})
		},
	}
	reveal := &cobra.Command{
		Use:   "reveal KEY EVENT_ID OUTCOME",
		Short: "Reveal the secret of outcome OUTCOME (0-based) of your event",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := keyOf(cmd, args[0])
			if err != nil {
				return err
			}
			i, err := strconv.Atoi(args[2])
			if err != nil {
				return fmt.Errorf("outcome %q: a number", args[2])
			}
			_, pre, err := offchain.LoadOracleSecrets(homeFlag(cmd), []byte(args[1]))
			if err != nil {
				return err
			}
			if i < 0 || i >= len(pre) {
				return fmt.Errorf("outcome %d: the event has outcomes 0 to %d", i, len(pre)-1)
			}
			return sendChannelTx(cmd, args[0], fmt.Sprintf("Reveal outcome %d of event %q", i, args[1]), channels.MsgRevealOutcomeType,
				&pb.MsgRevealOutcome{Oracle: key.PubKey().Address().String(), EventId: []byte(args[1]), Preimage: pre[i]})
		},
	}
	for _, c := range []*cobra.Command{bond, unbond, publish, reveal} {
		txFlags(c)
	}
	chanFlags(announce)
	o.AddCommand(bond, unbond, announce, publish, reveal)
	return o
}

func readAnnouncement(cmd *cobra.Command, path string) (*pb.EventAnnouncement, *pb.EventTerms, error) {
	b, err := offchain.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	c, ctx, cancel, err := dial(cmd)
	if err != nil {
		return nil, nil, err
	}
	defer cancel()
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, nil, err
	}
	return offchain.DecodeAnnouncement(b, chainID)
}

// newChannelBetCmds are bet, resolve-bet, refund-bet and settle-bet.
func newChannelBetCmds() []*cobra.Command {
	bet := &cobra.Command{
		Use:   "bet FROM CHAN ANNOUNCEMENT --stake AMOUNT --their-stake AMOUNT --payouts P0,P1,… (--peer URL | --out FILE)",
		Short: "Propose a bet on an oracle event; --payouts is what YOU receive per outcome",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, t, err := readAnnouncement(cmd, args[2])
			if err != nil {
				return err
			}
			mine, err := amountFlag(cmd, "stake")
			if err != nil {
				return err
			}
			theirs, err := amountFlag(cmd, "their-stake")
			if err != nil {
				return err
			}
			ps, _ := cmd.Flags().GetString("payouts")
			var payouts []uint64
			for _, s := range strings.Split(ps, ",") {
				v, err := parseAmount(s)
				if err != nil {
					return fmt.Errorf("--payouts: %w", err)
				}
				payouts = append(payouts, v)
			}
			if len(payouts) != len(t.OutcomeHashes) {
				return fmt.Errorf("--payouts has %d values; the event has %d outcomes", len(payouts), len(t.OutcomeHashes))
			}
			return propose(cmd, args[0], args[1], func(wc *pb.WalletChannel, _ offchain.Env) (*pb.Op, [][]byte, error) {
				b := &pb.Bet{Oracle: t.Oracle, EventId: t.EventId, EventHash: state.EventHash(wc.ChainId, t), Deadline: t.Deadline, StakeA: mine, StakeB: theirs}
				pot := mine + theirs
				if pot < mine {
					return nil, nil, fmt.Errorf("stakes overflow")
				}
				for _, p := range payouts {
					if p > pot {
						return nil, nil, fmt.Errorf("payout %d exceeds the pot %d", p, pot)
					}
					b.PayoutA = append(b.PayoutA, p)
				}
				if wc.Me == pb.Party_PARTY_B {
					b.StakeA, b.StakeB = theirs, mine
					for i, p := range payouts {
						b.PayoutA[i] = pot - p
					}
				}
				return &pb.Op{Kind: state.OpBet, Bet: b}, nil, nil
			})
		},
	}
	chanFlags(bet)
	exchangeFlags(bet)
	bet.Flags().String("stake", "", "your stake")
	bet.Flags().String("their-stake", "", "the counterparty's stake")
	bet.Flags().String("payouts", "", "what you receive for each outcome, comma-separated")

	resolve := &cobra.Command{
		Use:   "resolve-bet FROM CHAN ANNOUNCEMENT PREIMAGE_HEX (--peer URL | --out FILE)",
		Short: "Settle a bet off-chain with the outcome the oracle revealed",
		Args:  cobra.ExactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, t, err := readAnnouncement(cmd, args[2])
			if err != nil {
				return err
			}
			pre, err := hexArg(args[3], state.PreimageSize, "preimage")
			if err != nil {
				return err
			}
			return propose(cmd, args[0], args[1], func(*pb.WalletChannel, offchain.Env) (*pb.Op, [][]byte, error) {
				return &pb.Op{Kind: state.OpResolveBet, Oracle: t.Oracle, EventId: t.EventId, Announcement: a, Preimage: pre}, nil, nil
			})
		},
	}
	chanFlags(resolve)
	exchangeFlags(resolve)

	refund := &cobra.Command{
		Use:   "refund-bet FROM CHAN ORACLE EVENT_ID (--peer URL | --out FILE)",
		Short: "Take both stakes back off-chain after the event's deadline",
		Args:  cobra.ExactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			return propose(cmd, args[0], args[1], func(*pb.WalletChannel, offchain.Env) (*pb.Op, [][]byte, error) {
				return &pb.Op{Kind: state.OpRefundBet, Oracle: args[2], EventId: []byte(args[3])}, nil, nil
			})
		},
	}
	chanFlags(refund)
	exchangeFlags(refund)

	settleBet := &cobra.Command{
		Use:   "settle-bet FROM CHANNEL_ID ORACLE EVENT_ID",
		Short: "Resolve a pending bet of a settled channel on-chain (after its deadline)",
		Args:  cobra.ExactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := channelArg(cmd, args[1])
			if err != nil {
				return err
			}
			return sendChannelTx(cmd, args[0], fmt.Sprintf("Resolve the bet on %q of %s in channel %s", args[3], args[2], hex.EncodeToString(id)),
				channels.MsgResolveBetType, &pb.MsgResolveBet{ChannelId: id, Oracle: args[2], EventId: []byte(args[3])})
		},
	}
	txFlags(settleBet)
	return []*cobra.Command{bet, resolve, refund, settleBet}
}
