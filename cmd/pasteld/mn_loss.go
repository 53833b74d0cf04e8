package main

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pastelchain/pastel/types/tx"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// mnReportLossCmd is `pasteld mn report-loss`: a masternode says it lost
// chunks it had confirmed (chunkd does this by itself when its scrub or a
// challenge finds a chunk it cannot rebuild from its own disk).
func mnReportLossCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report-loss ART_ID STRIPE:INDEX... --from KEY",
		Short: "Report chunks this masternode confirmed but lost, so it may pull them again",
		Long: `report-loss tells the chain that the masternode signing it lost (or found corrupt)
its copies of chunks it had confirmed. Each chunk:
  - leaves the masternode's proven bytes, so it earns nothing for it,
  - is counted in the masternode's record (losses_reported),
  - fails at once any open challenge of it (reporting after being challenged
    never saves the challenge),
  - becomes an unconfirmed commitment with a new confirm_window: peers now
    serve it again, and chunkd pulls it and confirms it with a fresh proof of
    possession (or the commitment moves away when the window ends).

A confirmed holder cannot fetch its own chunk from peers otherwise: they
answer 403. chunkd reports losses by itself; this command is for operators
recovering by hand.

Example:
  pasteld mn report-loss 3f2a…c9 0:17 0:18 --from masternode`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			from, _ := cmd.Flags().GetString("from")
			art, err := hex.DecodeString(args[0])
			if err != nil || len(art) != 32 {
				return fmt.Errorf("art id %q: want 64 hex digits", args[0])
			}
			var refs []*storagepb.ChunkRef
			for _, a := range args[1:] {
				s, i, ok := strings.Cut(a, ":")
				stripe, err1 := strconv.ParseUint(s, 10, 32)
				index, err2 := strconv.ParseUint(i, 10, 32)
				if !ok || err1 != nil || err2 != nil {
					return fmt.Errorf("chunk %q: want STRIPE:INDEX, e.g. 0:17", a)
				}
				refs = append(refs, &storagepb.ChunkRef{Stripe: uint32(stripe), Index: uint32(index)})
			}
			if len(refs) > storagepb.MaxConfirmations {
				return fmt.Errorf("%d chunks: at most %d per report", len(refs), storagepb.MaxConfirmations)
			}
			m, err := tx.Msg(storagepb.MsgReportLossType, &storagepb.MsgReportLoss{ArtId: art, Chunks: refs})
			if err != nil {
				return err
			}
			_, err = sendTx(cmd, from, fmt.Sprintf("Report %d chunks of art %x lost (they stop earning until pulled and proven again)", len(refs), art), m)
			return err
		},
	}
	txFlags(cmd)
	cmd.Flags().String("from", "", "masternode key that signs")
	return cmd
}
