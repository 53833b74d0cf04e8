package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/sha3"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/client"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/crypto/artcrypt"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

func init() { extraCommands = append(extraCommands, newMnCmd, newArtCmd) }

// masternodeFlags reads --url, --collateral and --consensus-key, shared by
// "mn register" and "genesis add-masternode".
func masternodeFlags(cmd *cobra.Command) (url string, collateral uint64, consensusKey []byte, err error) {
	url, _ = cmd.Flags().GetString("url")
	c, _ := cmd.Flags().GetString("collateral")
	if collateral, err = parseAmount(c); err != nil {
		return "", 0, nil, fmt.Errorf("--collateral: %w", err)
	}
	ck, _ := cmd.Flags().GetString("consensus-key")
	consensusKey, err = parseConsensusKey(ck)
	return url, collateral, consensusKey, err
}

func newMnCmd() *cobra.Command {
	mn := &cobra.Command{Use: "mn", Short: "Masternodes: register, update, exit, list"}
	reg := &cobra.Command{
		Use:   "register --url URL --collateral AMOUNT --from KEY [--consensus-key KEY]",
		Short: "Register the key as a masternode, locking collateral",
		Long: `register makes the --from key a masternode whose chunkd is reachable at --url.
The collateral (at least the chain's min_collateral) is locked until the
masternode exits and its chunks have moved to others. Run chunkd with the same
key.

With --consensus-key the masternode also validates: the chain gives that
CometBFT key voting power from the collateral, its trust score and its
standing (jailed: none), effective two blocks after the next recomputation.
Give the base64 ed25519 key printed by "pasteld show-validator", or the path
of a node home or of its priv_validator_key.json.`,
		Example: "  pasteld mn register --url http://127.0.0.1:7101 --collateral 1000000psl --from masternode --home ./mn1 --keyring-backend test --yes",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			from, _ := cmd.Flags().GetString("from")
			url, amt, pub, err := masternodeFlags(cmd)
			if err != nil {
				return err
			}
			m, err := tx.Msg(storagepb.MsgRegisterMasternodeType, &storagepb.MsgRegisterMasternode{Url: url, Collateral: amt, ConsensusPubKey: pub})
			if err != nil {
				return err
			}
			what := fmt.Sprintf("Register masternode at %s locking %s", url, formatAmount(amt))
			if pub != nil {
				what += fmt.Sprintf(", validating with consensus key %s", base64.StdEncoding.EncodeToString(pub))
			}
			_, err = sendTx(cmd, from, what, m)
			return err
		},
	}
	reg.Flags().String("url", "", "public URL of this masternode's chunkd")
	reg.Flags().String("collateral", "1000000psl", "collateral to lock")
	reg.Flags().String("consensus-key", "", "also validate with this CometBFT key: base64 ed25519, a node home, or a priv_validator_key.json")
	upd := &cobra.Command{
		Use:   "update [--url URL] [--consensus-key KEY | --remove-consensus-key] --from KEY",
		Short: "Change a masternode's chunkd URL or validator key",
		Long: `update changes the chunkd URL, sets or replaces the consensus key the masternode
validates with (see "mn register --help"), or with --remove-consensus-key takes
the masternode out of the validator set. Unset flags keep their value.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			from, _ := cmd.Flags().GetString("from")
			url, _ := cmd.Flags().GetString("url")
			ck, _ := cmd.Flags().GetString("consensus-key")
			rm, _ := cmd.Flags().GetBool("remove-consensus-key")
			pub, err := parseConsensusKey(ck)
			if err != nil {
				return err
			}
			if url == "" && pub == nil && !rm {
				return fmt.Errorf("nothing to update: give --url, --consensus-key or --remove-consensus-key")
			}
			var what []string
			if url != "" {
				what = append(what, "set chunkd URL to "+url)
			}
			if pub != nil {
				what = append(what, "validate with consensus key "+base64.StdEncoding.EncodeToString(pub))
			}
			if rm {
				what = append(what, "leave the validator set")
			}
			m, _ := tx.Msg(storagepb.MsgUpdateMasternodeType, &storagepb.MsgUpdateMasternode{Url: url, ConsensusPubKey: pub, RemoveConsensusKey: rm})
			_, err = sendTx(cmd, from, "Update masternode: "+strings.Join(what, "; "), m)
			return err
		},
	}
	upd.Flags().String("url", "", "new public URL")
	upd.Flags().String("consensus-key", "", "validate with this CometBFT key: base64 ed25519, a node home, or a priv_validator_key.json")
	upd.Flags().Bool("remove-consensus-key", false, "stop validating")
	exit := &cobra.Command{
		Use:   "exit --from KEY",
		Short: "Leave: commitments move to other masternodes, then the collateral unlocks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			from, _ := cmd.Flags().GetString("from")
			m, _ := tx.Msg(storagepb.MsgExitMasternodeType, &storagepb.MsgExitMasternode{})
			_, err := sendTx(cmd, from, "Exit as masternode (keep chunkd running until its chunks have moved)", m)
			return err
		},
	}
	unjail := &cobra.Command{
		Use:   "unjail --from KEY",
		Short: "Return a jailed masternode to placement after its jail time",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			from, _ := cmd.Flags().GetString("from")
			m, _ := tx.Msg(storagepb.MsgUnjailType, &storagepb.MsgUnjail{})
			_, err := sendTx(cmd, from, "Unjail masternode", m)
			return err
		},
	}
	for _, c := range []*cobra.Command{reg, upd, exit, unjail} {
		txFlags(c)
		c.Flags().String("from", "", "key that signs")
		mn.AddCommand(c)
	}
	mn.AddCommand(mnReportLossCmd())
	list := &cobra.Command{
		Use:   "list",
		Short: "List masternodes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var mns []*storagepb.Masternode
			if _, err := queryJSON(cmd, "/storage/mns", &mns); err != nil {
				return err
			}
			if isJSON(cmd) {
				views := make([]any, len(mns))
				for i, m := range mns {
					views[i] = protoView(m)
				}
				return printRecord(cmd, views)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ADDRESS\tSTATUS\tURL\tCOLLATERAL\tCOMMITMENTS")
			for _, m := range mns {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\n", m.Address, strings.TrimPrefix(m.Status.String(), "MN_"), m.Url, formatAmount(m.Collateral), m.Commitments)
			}
			return w.Flush()
		},
	}
	show := &cobra.Command{
		Use:   "show ADDRESS|KEY",
		Short: "Show one masternode (verified with --prove)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := resolveAddress(cmd, args[0])
			if err != nil {
				return err
			}
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			prove, _ := cmd.Flags().GetBool("prove")
			r, err := c.Query(ctx, "/storage/mn/"+addr.String(), 0, prove)
			if err != nil {
				return err
			}
			if len(r.Value) == 0 {
				return fmt.Errorf("%s is not a masternode", addr)
			}
			m := &storagepb.Masternode{}
			if err := proto.Unmarshal(r.Value, m); err != nil {
				return err
			}
			return printRecord(cmd, m)
		},
	}
	proveFlags(show, "verify against the signed AppHash")
	challenges := &cobra.Command{
		Use:   "challenges ADDRESS|KEY",
		Short: "Show a masternode's open and recent storage challenges",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := resolveAddress(cmd, args[0])
			if err != nil {
				return err
			}
			v, err := queryView(cmd, "/storage/history/mn/"+addr.String())
			if err != nil {
				return err
			}
			return printRecord(cmd, v)
		},
	}
	for _, c := range []*cobra.Command{list, show, challenges} {
		nodeFlag(c)
		outputFlag(c)
		addKeyringFlags(c)
		mn.AddCommand(c)
	}
	return mn
}

func parseArtArg(s string) ([]byte, error) {
	id, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(id) != 32 {
		return nil, fmt.Errorf("%q is not an art id (64 hex digits, as printed by `pasteld art register`)", s)
	}
	return id, nil
}

// fetchTicket reads an art ticket, verified against the chain when prove.
func fetchTicket(ctx context.Context, c *client.Client, id []byte, prove bool) (*storagepb.Art, error) {
	r, err := c.Query(ctx, "/storage/art/"+hex.EncodeToString(id), 0, prove)
	if err != nil {
		return nil, err
	}
	if len(r.Value) == 0 {
		return nil, fmt.Errorf("no art %x on this chain", id)
	}
	a := &storagepb.Art{}
	return a, proto.Unmarshal(r.Value, a)
}

func fetchChunks(ctx context.Context, c *client.Client, id []byte) ([]storagepb.ChunkView, error) {
	var out []storagepb.ChunkView
	_, err := c.QueryJSON(ctx, "/storage/chunks/"+hex.EncodeToString(id), &out)
	return out, err
}

func parseSize(s string) (int, error) {
	s = strings.TrimSpace(s)
	mult := 1
	for _, u := range []struct {
		suf string
		m   int
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suf) {
			s, mult = strings.TrimSuffix(s, u.suf), u.m
			break
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("size %q: use bytes or a unit, e.g. 2MiB, 512KiB", s)
	}
	return n * mult, nil
}

// step times the phases of a registration for the closing report.
type step struct {
	name string
	d    time.Duration
}

func newArtCmd() *cobra.Command {
	art := &cobra.Command{Use: "art", Short: "Register, download, trade and inspect art"}

	register := &cobra.Command{
		Use:   "register IMAGE --title T --editions N --from KEY",
		Short: "Archive, fingerprint, encode, register and upload an image; wait until it is active",
		Long: `register turns IMAGE into a deterministic archive (the image plus a metadata
ticket), computes its perceptual fingerprint, erasure-codes the archive into
chunks, registers the ticket on-chain (paying the storage fee into the
endowment), uploads every chunk to a masternode the chain assigned it to, and
waits until three drawn masternodes have attested the fingerprint and enough
chunks are confirmed. It prints the art id; you own all N editions.

The archive is encrypted on this machine before it is coded (a fresh
256-bit content key, AES-256-GCM or ChaCha20-Poly1305 in 64 KiB packages):
masternodes store, prove and heal ciphertext and never hold the key. The key
is kept on-chain only wrapped to your public key, and to the three attesters
the chain draws, who must decrypt the image to fingerprint it (they see it;
nobody else does). Transfers and sales wrap it to the new owner. --public
stores the archive unencrypted instead, for works meant to be seen.`,
		Example: `  pasteld art register sunflowers.png --title "Sunflowers" --editions 10 --from alice --home .devnet/node --keyring-backend test --yes`,
		Args:    cobra.ExactArgs(1),
		RunE:    runArtRegister,
	}
	txFlags(register)
	register.Flags().String("from", "", "artist key")
	register.Flags().String("title", "", "title of the work (required)")
	register.Flags().String("description", "", "description stored in the metadata ticket")
	register.Flags().Uint32("editions", 1, "number of editions")
	register.Flags().String("chunk-size", "2MiB", "chunk size")
	register.Flags().Int("redundancy", codec.DefaultRedundancy, "chunks per source piece (n/k)")
	register.Flags().String("max-fee", "", "refuse if the storage fee is higher (default: the current fee)")
	register.Flags().Bool("no-wait", false, "return after uploading, without waiting for activation")
	register.Flags().Duration("activation-timeout", 10*time.Minute, "how long to wait for activation")
	register.Flags().Bool("quiet", false, "no progress output")
	register.Flags().Bool("public", false, "store the image unencrypted, readable by anyone (default: encrypted, readable by edition owners only)")

	get := &cobra.Command{
		Use:   "get ART_ID --output-dir DIR --from KEY",
		Short: "Download an art you own: verified chunks from any holders, rebuilt, written to DIR",
		Args:  cobra.ExactArgs(1),
		RunE:  runArtGet,
	}
	nodeFlag(get)
	addKeyringFlags(get)
	get.Flags().StringP("output-dir", "d", ".", "directory to write the image and metadata.json into")
	outputFlag(get)
	get.Flags().String("from", "", "key that owns an edition (or a masternode key)")
	get.Flags().Bool("quiet", false, "no progress output")
	// The ticket (so every chunk id) is verified through the light client.
	trustFlags(get)

	show := &cobra.Command{
		Use:   "show ART_ID",
		Short: "Show an art ticket (verified against the chain with --prove)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseArtArg(args[0])
			if err != nil {
				return err
			}
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			prove, _ := cmd.Flags().GetBool("prove")
			a, err := fetchTicket(ctx, c, id, prove)
			if err != nil {
				return err
			}
			full, _ := cmd.Flags().GetBool("chunks")
			if !full {
				a.Stripes = nil
			}
			bz, err := storage.ArtJSON(a)
			if err != nil {
				return err
			}
			v, err := jsonView(bz)
			if err != nil {
				return err
			}
			return printRecord(cmd, v)
		},
	}
	proveFlags(show, "verify against the signed AppHash")
	show.Flags().Bool("chunks", false, "include every chunk id")
	list := &cobra.Command{
		Use:   "list",
		Short: "List registered art (1,000 per page; --after ID for the next)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			path := "/storage/arts"
			if after, _ := cmd.Flags().GetString("after"); after != "" {
				path += "/" + after
			}
			var arts []map[string]any
			if _, err := c.QueryJSON(ctx, path, &arts); err != nil {
				return err
			}
			if isJSON(cmd) {
				return printJSON(cmd, arts)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tSTATUS\tTITLE\tARTIST\tEDITIONS")
			for _, a := range arts {
				fmt.Fprintf(w, "%v\t%v\t%v\t%v\t%v\n", a["id"], strings.TrimPrefix(fmt.Sprint(a["status"]), "ART_"), a["title"], a["artist"], a["editions"])
			}
			return w.Flush()
		},
	}
	list.Flags().String("after", "", "list after this art id")
	editions := &cobra.Command{
		Use:   "editions ART_ID",
		Short: "Show who owns each edition and open offers",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseArtArg(args[0])
			if err != nil {
				return err
			}
			v, err := queryView(cmd, "/storage/editions/"+hex.EncodeToString(id))
			if err != nil {
				return err
			}
			return printRecord(cmd, v)
		},
	}
	health := &cobra.Command{
		Use:   "health ART_ID",
		Short: "Show live distinct chunks per stripe, holders, the redundancy figure and recent challenges",
		Long: `health shows how safe an art is: for every stripe, how many distinct chunks have
a confirmed holder (any k rebuild the stripe), how many holders each chunk has
against the target, any healing in progress, the original design's redundancy
figure (total size of the distinct live chunks / archive size; 12.0 at full
strength with the default coding) and the latest storage challenges.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseArtArg(args[0])
			if err != nil {
				return err
			}
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			var h storage.Health
			height, err := c.QueryJSON(ctx, "/storage/health/"+hex.EncodeToString(id), &h)
			if err != nil {
				return err
			}
			var hist []*storagepb.Challenge
			if _, err := c.QueryJSON(ctx, "/storage/history/art/"+hex.EncodeToString(id), &hist); err != nil {
				return err
			}
			if isJSON(cmd) {
				// Challenges as every record prints them: hex ids, status names.
				chs := make([]any, len(hist))
				for i, ch := range hist {
					chs[i] = protoView(ch)
				}
				return printJSON(cmd, map[string]any{"height": height, "health": h, "challenges": chs})
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "art %s at height %d\nredundancy %s (distinct live chunk bytes / archive size)\nrecoverable %v, at target (%d holders per chunk) %v\n",
				h.ArtID, height, h.Redundancy, h.Recoverable, h.Target, h.AtTarget)
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "STRIPE\tK\tN\tLIVE\tMIN HOLDERS\tHEALER")
			for _, s := range h.Stripes {
				minH := uint32(1 << 31)
				for _, x := range s.Holders {
					minH = min(minH, x)
				}
				fmt.Fprintf(w, "%d\t%d\t%d\t%d\t%d\t%s\n", s.Stripe, s.K, s.N, s.Live, minH, s.Healing)
			}
			_ = w.Flush()
			if len(hist) > 0 {
				fmt.Fprintln(out, "recent challenges:")
				for i, ch := range hist {
					if i == 10 {
						break
					}
					fmt.Fprintf(out, "  #%d height %d %s chunk %d/%d %s %s\n", ch.Id, ch.CreatedHeight, ch.Masternode, ch.Stripe, ch.Index, strings.TrimPrefix(ch.Status.String(), "CH_"), ch.Reason)
				}
			}
			return nil
		},
	}
	for _, c := range []*cobra.Command{show, list, editions, health} {
		nodeFlag(c)
		outputFlag(c)
		art.AddCommand(c)
	}

	transfer := &cobra.Command{
		Use:   "transfer ART_ID EDITION TO --from KEY",
		Short: "Give an edition to another address",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, ed, err := artEdition(args[0], args[1])
			if err != nil {
				return err
			}
			to, err := resolveAddress(cmd, args[2])
			if err != nil {
				return err
			}
			from, _ := cmd.Flags().GetString("from")
			key, err := keyOf(cmd, from)
			if err != nil {
				return err
			}
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			t, err := fetchTicket(ctx, c, id, true)
			if err != nil {
				return err
			}
			w, err := rewrap(ctx, cmd, c, key, t, args[2], to)
			if err != nil {
				return err
			}
			m, _ := tx.Msg(storagepb.MsgTransferEditionType, &storagepb.MsgTransferEdition{ArtId: id, Edition: ed, To: to.String(), Key: w})
			_, err = sendTxWithKey(cmd, key, fmt.Sprintf("Transfer edition %d of %x to %s", ed, id, to), m)
			return err
		},
	}
	offer := &cobra.Command{
		Use:   "offer ART_ID EDITION PRICE --from KEY [--buyer ADDR]",
		Short: "Offer an edition for sale; the buyer's accept pays and transfers atomically",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, ed, err := artEdition(args[0], args[1])
			if err != nil {
				return err
			}
			price, err := parseAmount(args[2])
			if err != nil {
				return err
			}
			from, _ := cmd.Flags().GetString("from")
			key, err := keyOf(cmd, from)
			if err != nil {
				return err
			}
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			t, err := fetchTicket(ctx, c, id, true)
			if err != nil {
				return err
			}
			buyerArg, _ := cmd.Flags().GetString("buyer")
			var buyer secp256k1.Address
			if buyerArg != "" {
				if buyer, err = resolveAddress(cmd, buyerArg); err != nil {
					return err
				}
			} else if t.Encrypted {
				return fmt.Errorf("art %x is encrypted: name the buyer with --buyer, so the content key can be wrapped to them (the chain hands it over when they accept)", id)
			}
			w, err := rewrap(ctx, cmd, c, key, t, buyerArg, buyer)
			if err != nil {
				return err
			}
			msg := &storagepb.MsgOfferEdition{ArtId: id, Edition: ed, Price: price, Key: w}
			if buyerArg != "" {
				msg.Buyer = buyer.String()
			}
			m, _ := tx.Msg(storagepb.MsgOfferEditionType, msg)
			_, err = sendTxWithKey(cmd, key, fmt.Sprintf("Offer edition %d of %x for %s", ed, id, formatAmount(price)), m)
			return err
		},
	}
	offer.Flags().String("buyer", "", "reserve the offer for one address (required for an encrypted art: the content key is wrapped to them)")
	for _, c := range []*cobra.Command{transfer, offer} {
		c.Flags().String("recipient-pubkey", "", "hex public key of the recipient, when the art is encrypted and the recipient is neither in your keyring nor has signed a transaction")
	}
	cancelOffer := &cobra.Command{
		Use:   "cancel-offer ART_ID EDITION --from KEY",
		Short: "Withdraw an offer",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, ed, err := artEdition(args[0], args[1])
			if err != nil {
				return err
			}
			m, _ := tx.Msg(storagepb.MsgCancelOfferType, &storagepb.MsgCancelOffer{ArtId: id, Edition: ed})
			from, _ := cmd.Flags().GetString("from")
			_, err = sendTx(cmd, from, fmt.Sprintf("Cancel the offer on edition %d of %x", ed, id), m)
			return err
		},
	}
	accept := &cobra.Command{
		Use:   "accept ART_ID EDITION --max-price P --from KEY",
		Short: "Buy an offered edition: pays the seller and takes the edition in one transaction",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, ed, err := artEdition(args[0], args[1])
			if err != nil {
				return err
			}
			mp, _ := cmd.Flags().GetString("max-price")
			price, err := parseAmount(mp)
			if err != nil {
				return fmt.Errorf("--max-price: %w", err)
			}
			from, _ := cmd.Flags().GetString("from")
			key, err := keyOf(cmd, from)
			if err != nil {
				return err
			}
			c, ctx, cancel, err := dial(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			// For an encrypted art, pay only for a key that opens.
			if err := checkOfferKey(ctx, c, key, id, ed); err != nil {
				return err
			}
			m, _ := tx.Msg(storagepb.MsgAcceptOfferType, &storagepb.MsgAcceptOffer{ArtId: id, Edition: ed, MaxPrice: price})
			_, err = sendTxWithKey(cmd, key, fmt.Sprintf("Buy edition %d of %x for at most %s", ed, id, formatAmount(price)), m)
			return err
		},
	}
	accept.Flags().String("max-price", "", "the most you pay (required)")
	for _, c := range []*cobra.Command{transfer, offer, accept} {
		trustFlags(c) // the ticket and offer are verified through the light client
	}
	challenge := &cobra.Command{
		Use:   "challenge ART_ID --from KEY",
		Short: "Pay a bounty for a storage challenge of an art (the chain draws the chunk, holder and range)",
		Long: `challenge asks the chain to check, now, that an art is really stored: the chain
draws one confirmed chunk of it, one of its holders and a random leaf range
(you choose none of them), and the holder must answer with the leaves and their
Merkle proof within challenge_deadline blocks.

The fee (storage.params.challenge_fee, 0.1 psl by default) is a bounty held in
escrow until the outcome:
  - the holder proves the chunk: the whole bounty goes to the holder;
  - the holder fails or misses the deadline: the bounty comes back to you,
    less bounty_cut_permille (10% by default) kept by the storage endowment,
    and the holder is penalized as for any failed challenge.
Follow it with: pasteld mn challenges <holder> or pasteld art health ART_ID.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseArtArg(args[0])
			if err != nil {
				return err
			}
			m, _ := tx.Msg(storagepb.MsgRequestChallengeType, &storagepb.MsgRequestChallenge{ArtId: id})
			from, _ := cmd.Flags().GetString("from")
			_, err = sendTx(cmd, from, fmt.Sprintf("Request a storage challenge of %x (bounty: the chain's challenge_fee, to the holder if it proves, back to you less the endowment's bounty_cut_permille if it fails)", id), m)
			return err
		},
	}
	for _, c := range []*cobra.Command{transfer, offer, cancelOffer, accept, challenge} {
		txFlags(c)
		c.Flags().String("from", "", "key that signs")
		art.AddCommand(c)
	}
	art.AddCommand(register, get)
	return art
}

func artEdition(a, e string) ([]byte, uint32, error) {
	id, err := parseArtArg(a)
	if err != nil {
		return nil, 0, err
	}
	ed, err := strconv.ParseUint(e, 10, 32)
	if err != nil || ed == 0 {
		return nil, 0, fmt.Errorf("edition %q: editions are numbered from 1", e)
	}
	return id, uint32(ed), nil
}

func runArtRegister(cmd *cobra.Command, args []string) error {
	from, _ := cmd.Flags().GetString("from")
	title, _ := cmd.Flags().GetString("title")
	if title == "" {
		return fmt.Errorf("--title is required")
	}
	if from == "" {
		return fmt.Errorf("--from is required (the artist's key)")
	}
	quiet, _ := cmd.Flags().GetBool("quiet")
	editions, _ := cmd.Flags().GetUint32("editions")
	desc, _ := cmd.Flags().GetString("description")
	csz, _ := cmd.Flags().GetString("chunk-size")
	chunkSize, err := parseSize(csz)
	if err != nil {
		return fmt.Errorf("--chunk-size: %w", err)
	}
	redundancy, _ := cmd.Flags().GetInt("redundancy")
	kr, err := openKeyring(cmd)
	if err != nil {
		return err
	}
	key, err := kr.PrivKey(from)
	if err != nil {
		return err
	}
	if _, err := os.Stat(args[0]); err != nil {
		return err
	}
	var steps []step
	t0 := time.Now()
	say := func(format string, a ...any) {
		if !quiet {
			fmt.Fprintf(os.Stderr, format+"\n", a...)
		}
	}

	// The image is checked first, from the file itself: anything that is
	// not an image we fingerprint is refused before an archive is built.
	fp, err := fingerprintFile(args[0])
	if err != nil {
		return err
	}
	steps = append(steps, step{"fingerprint", time.Since(t0)})
	say("fingerprint: %016x", fp)

	// The archive goes to a temporary file (memory stays at one stripe
	// whatever the image size); the chunks are encoded from it twice: once
	// for their ids (the ticket), once to upload them.
	t := time.Now()
	arch, err := writeArchiveFile(codec.Metadata{Title: title, Creator: key.PubKey().Address().String(), Description: desc},
		[]codec.ArchiveFile{codec.FileFromPath(args[0])})
	if err != nil {
		return err
	}
	steps = append(steps, step{"archive", time.Since(t)})
	public, _ := cmd.Flags().GetBool("public")
	var ck artcrypt.Key
	if !public {
		// Encrypted before anything leaves this machine: masternodes store
		// ciphertext; the key travels only wrapped to owners and attesters.
		t = time.Now()
		if arch, ck, err = encryptArchive(arch); err != nil {
			return err
		}
		steps = append(steps, step{"encrypt", time.Since(t)})
	}
	defer arch.remove()
	say("archive: %d bytes (%s), id %s", arch.size, map[bool]string{true: "public", false: "encrypted"}[public], arch.hash)
	hash := arch.hash

	t = time.Now()
	params := codec.Params{ChunkSize: chunkSize, Redundancy: redundancy}
	var uploadBytes int64
	manifest, err := codec.EncodeStream(arch.reader(), arch.size, arch.hash, params, func(c *codec.Chunk) error {
		uploadBytes += int64(c.Size())
		return nil
	})
	if err != nil {
		return err
	}
	chunks := manifest.ChunkIDs
	metaJSON, _ := json.Marshal(arch.meta)
	metaHash := sha3.Sum256(metaJSON)
	steps = append(steps, step{"encode", time.Since(t)})
	say("encoded: %d chunks of up to %d bytes at redundancy %d", len(chunks), chunkSize, redundancy)

	c, _, cancel, err := dial(cmd)
	if err != nil {
		return err
	}
	defer cancel()
	// Uploading a large art takes longer than a query's deadline.
	ctx, cancel2 := context.WithTimeout(cmd.Context(), 60*time.Minute)
	defer cancel2()
	maxFee := uint64(0)
	if mf, _ := cmd.Flags().GetString("max-fee"); mf != "" {
		if maxFee, err = parseAmount(mf); err != nil {
			return fmt.Errorf("--max-fee: %w", err)
		}
	} else {
		var p storagepb.Params
		if _, err := c.QueryJSON(ctx, "/storage/params", &p); err != nil {
			return err
		}
		maxFee = storage.Fee(&p, uint64(arch.size), uint32(redundancy))
	}
	msg := &storagepb.MsgRegisterArt{Title: title, MetadataHash: metaHash[:], ArchiveHash: hash[:], ArchiveSize: uint64(arch.size),
		ChunkSize: uint32(chunkSize), Redundancy: uint32(redundancy), Fingerprint: fp, Editions: editions, MaxFee: maxFee}
	for _, id := range manifest.ChunkIDs {
		msg.ChunkIds = append(msg.ChunkIds, append([]byte(nil), id[:]...))
	}
	if !public {
		msg.Encrypted, msg.KeyCheck = true, artcrypt.KeyCheck(ck)
		if msg.ArtistKey, err = wrapKey(key.PubKey(), ck, hash[:]); err != nil {
			return err
		}
	}
	m, err := tx.Msg(storagepb.MsgRegisterArtType, msg)
	if err != nil {
		return err
	}
	t = time.Now()
	if _, err := sendTxWithKey(cmd, key, fmt.Sprintf("Register %q (%d bytes, %d chunks, %d editions), storage fee %s", title, arch.size, len(chunks), editions, formatAmount(maxFee)), m); err != nil {
		return err
	}
	steps = append(steps, step{"submit", time.Since(t)})
	if !public {
		// The attesters must see the image to fingerprint it: the key is
		// wrapped to the three the chain drew, before the chunks arrive.
		t = time.Now()
		n, err := shareKeyWithAttesters(ctx, cmd, c, key, hash[:], ck)
		if err != nil {
			return err
		}
		steps = append(steps, step{"share key", time.Since(t)})
		say("content key wrapped to the %d attesters", n)
	}

	t = time.Now()
	views, err := fetchChunks(ctx, c, hash[:])
	if err != nil {
		return err
	}
	if err := uploadChunks(ctx, key, arch, params, uploadBytes, views, quiet); err != nil {
		return err
	}
	steps = append(steps, step{"upload", time.Since(t)})

	if nw, _ := cmd.Flags().GetBool("no-wait"); !nw {
		t = time.Now()
		timeout, _ := cmd.Flags().GetDuration("activation-timeout")
		if err := waitActive(ctx, c, hash[:], timeout, say); err != nil {
			return err
		}
		steps = append(steps, step{"activation", time.Since(t)})
	}
	if isJSON(cmd) {
		out := map[string]any{"art_id": hash.String(), "fingerprint": fmt.Sprintf("%016x", fp), "chunks": len(chunks), "fee": fmt.Sprint(maxFee)}
		tm := map[string]float64{}
		for _, s := range steps {
			tm[s.name] = s.d.Seconds()
		}
		tm["total"] = time.Since(t0).Seconds()
		out["seconds"] = tm
		return printJSON(cmd, out)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "art id: %s\n", hash)
	for _, s := range steps {
		fmt.Fprintf(cmd.OutOrStdout(), "  %-12s %s\n", s.name, s.d.Round(time.Millisecond))
	}
	fmt.Fprintf(cmd.OutOrStdout(), "  %-12s %s\n", "total", time.Since(t0).Round(time.Millisecond))
	return nil
}
