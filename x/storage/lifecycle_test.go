package storage

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// TestCommitmentLifecycleKeepsIndexes drives the functions that change
// who holds what (commitStripe, addCommitment, confirm, unconfirm,
// removeCommitment, and restartWindow) in random order on a few stripes of
// four masternodes, and after every step checks that the indexes derived
// from the stripe records (counters, holdings mc/, awaiting mw/, markers)
// agree with them, and that the awaiting listing, read in pages of a random
// size, is exactly the unconfirmed part of the full listing.
func TestCommitmentLifecycleKeepsIndexes(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := types.NewContext(store.NewMemTree(), "life", 5, time.Unix(0, 0))
		k := Keeper{}
		var mns []types.Address
		for i := range 4 {
			var a types.Address
			a[0] = byte(i + 1)
			m := &storagepb.Masternode{Address: a.String(), Status: storagepb.MasternodeStatus_MN_ACTIVE}
			k.giveNumber(ctx, a, m)
			k.setMasternode(ctx, a, m)
			mns = append(mns, a)
		}
		art := make([]byte, 32)
		art[0] = 7
		mn := func(what string) types.Address { return mns[rapid.IntRange(0, 3).Draw(rt, what)] }
		stripes := uint32(rapid.IntRange(1, 4).Draw(rt, "stripes"))
		for s := range stripes {
			placed := make([][]types.Address, 4)
			for i := range placed {
				// Distinct holders per chunk, as placement gives.
				first := rapid.IntRange(0, 3).Draw(rt, "first holder")
				placed[i] = []types.Address{mns[first], mns[(first+1+rapid.IntRange(0, 2).Draw(rt, "second holder"))%4]}
			}
			k.commitStripe(ctx, art, s, 100, placed)
		}
		for step := range rapid.IntRange(1, 120).Draw(rt, "steps") {
			ctx.Height++
			a := mn("masternode")
			cs := k.MasternodeCommitments(ctx, a, nil, 1<<20)
			op := rapid.SampledFrom([]string{"confirm", "unconfirm", "remove", "restart", "add"}).Draw(rt, "op")
			if op != "add" && len(cs) == 0 {
				op = "add"
			}
			var c *storagepb.Commitment
			if op != "add" {
				c = cs[rapid.IntRange(0, len(cs)-1).Draw(rt, "commitment")]
			}
			switch op {
			case "confirm":
				if !c.Confirmed {
					k.confirm(ctx, c)
				}
			case "unconfirm":
				if c.Confirmed {
					k.unconfirm(ctx, c)
				}
			case "remove":
				k.removeCommitment(ctx, c)
			case "restart":
				k.restartWindow(ctx, c)
			case "add":
				stripe, index := uint32(rapid.IntRange(0, int(stripes)-1).Draw(rt, "stripe")), uint32(rapid.IntRange(0, 3).Draw(rt, "index"))
				if slices.ContainsFunc(k.Holders(ctx, art, stripe, index), func(h *storagepb.Commitment) bool { return h.Masternode == a.String() }) {
					continue // a masternode holds a chunk once
				}
				k.addCommitment(ctx, &storagepb.Commitment{ArtId: art, Stripe: stripe, Index: index, Masternode: a.String(), AssignedHeight: ctx.Height, PayloadLen: 100})
			}
			if err := k.checkCommitments(ctx); err != nil {
				rt.Fatalf("step %d (%s by %s): %v", step, op, a, err)
			}
			b := mn("listed")
			var want strings.Builder
			for _, c := range k.MasternodeCommitments(ctx, b, nil, 1<<20) {
				if !c.Confirmed {
					fmt.Fprintf(&want, "%d/%d/%d;", c.Stripe, c.Index, c.AssignedHeight)
				}
			}
			var got strings.Builder
			page, cursor := rapid.IntRange(1, 5).Draw(rt, "page"), []byte(nil)
			for {
				n := 0
				k.eachCommitmentOf(ctx, b, cursor, page, true, func(c *storagepb.Commitment, cur []byte) bool {
					fmt.Fprintf(&got, "%d/%d/%d;", c.Stripe, c.Index, c.AssignedHeight)
					cursor, n = cur, n+1
					return true
				})
				if n < page {
					break
				}
			}
			if got.String() != want.String() {
				rt.Fatalf("step %d: awaiting of %s in pages of %d lists %q, the unconfirmed part of its assignments is %q", step, b, page, got.String(), want.String())
			}
		}
	})
}
