package storage

import (
	"bytes"
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// checkCommitments recomputes from the StripeHolders records what the
// commitment indexes and counters hold, and reports the first difference:
// the mc/ and uc/ markers, tc and tu, each masternode's commitments and
// proven bytes, and that every holder number names a registered
// masternode. CheckIndexes runs it (tests: after every block).
func (k Keeper) checkCommitments(ctx *types.Context) error {
	kv := k.kv(ctx)
	wantHold, wantAwait, wantUC := map[string][]uint16{}, map[string][]uint16{}, map[string]bool{}
	count, proven := map[uint32]uint64{}, map[uint32]uint64{}
	var confirmed, pending uint64
	weights, refs := map[uint64]uint64{}, map[uint64]string{}
	it := kv.Iterator(pStripeHolders, types.PrefixEnd(pStripeHolders))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		rest := it.Key()[len(pStripeHolders):]
		art, stripe := rest[:32], u32From(rest[32:36])
		r := &storagepb.StripeHolders{}
		if err := proto.Unmarshal(it.Value(), r); err != nil {
			return fmt.Errorf("stripe record %x: %w", rest, err)
		}
		h := holders{r}
		if err := h.undelta(); err != nil {
			return fmt.Errorf("stripe record %x: %w", rest, err)
		}
		if len(r.Holders) == 0 {
			return fmt.Errorf("stripe record %x: empty (it should be deleted)", rest)
		}
		sum := 0
		for _, c := range r.Counts {
			sum += int(c)
		}
		if sum != len(r.Holders) || r.Counts[len(r.Counts)-1] == 0 {
			return fmt.Errorf("stripe record %x: counts %v do not add up to %d holders (or end in 0)", rest, r.Counts, len(r.Holders))
		}
		for i := range r.Counts {
			if !slices.IsSorted(h.of(uint32(i))) {
				return fmt.Errorf("stripe record %x: holders of chunk %d not sorted", rest, i)
			}
		}
		for j, p := range r.Pending {
			if !h.has(p.Index, p.Holder) {
				return fmt.Errorf("stripe record %x: pending (%d, %d) is not a holder", rest, p.Index, p.Holder)
			}
			if j > 0 && cmpPending(r.Pending[j-1], p.Index, p.Holder) >= 0 {
				return fmt.Errorf("stripe record %x: pending not in (index, holder) order", rest)
			}
			wantUC[string(ucKey(p.AssignedHeight, art, stripe))] = true
		}
		pending += uint64(len(r.Pending))
		if r.Seq == 0 || refs[r.Seq] != "" {
			return fmt.Errorf("stripe record %x: sequence number %d missing or taken", rest, r.Seq)
		}
		refs[r.Seq] = string(rest)
		weights[r.Seq] = uint64(len(r.Holders) - len(r.Pending))
		distinct := slices.Clone(r.Holders)
		slices.Sort(distinct)
		for _, num := range slices.Compact(distinct) {
			hk := string(holdKey(num, r.Seq))
			wantHold[hk] = append(wantHold[hk], uint16(r.Seq%holdSpan))
			if h.awaits(num) {
				wk := string(bitKey(pMnAwaiting, num, r.Seq))
				wantAwait[wk] = append(wantAwait[wk], uint16(r.Seq%holdSpan))
			}
		}
		for i := range r.Counts {
			for _, num := range h.of(uint32(i)) {
				count[num]++
				if h.pending(uint32(i), num) < 0 {
					confirmed++
					proven[num] += uint64(r.PayloadLen)
				}
			}
		}
	}
	for _, c := range []struct {
		prefix []byte
		want   map[string]bool
	}{{pUnconfirmed, wantUC}} {
		n := 0
		mi := kv.Iterator(c.prefix, types.PrefixEnd(c.prefix))
		for ; mi.Valid(); mi.Next() {
			if !c.want[string(mi.Key())] {
				mi.Close()
				return fmt.Errorf("marker %q%x: no commitment of the stripe behind it", c.prefix, mi.Key()[len(c.prefix):])
			}
			n++
		}
		mi.Close()
		if n != len(c.want) {
			return fmt.Errorf("%d %q markers, the stripe records call for %d", n, c.prefix, len(c.want))
		}
	}
	if err := checkContainers(kv, pMnCommit, "holdings", wantHold); err != nil {
		return err
	}
	if err := checkContainers(kv, pMnAwaiting, "awaiting", wantAwait); err != nil {
		return err
	}
	if got := k.counter(ctx, tcKey()); got != confirmed {
		return fmt.Errorf("tc counts %d confirmed commitments, the stripe records %d", got, confirmed)
	}
	if got := k.counter(ctx, keyUnconfirmedAll); got != pending {
		return fmt.Errorf("tu counts %d unconfirmed commitments, the stripe records %d", got, pending)
	}
	seen := 0
	for _, m := range k.Masternodes(ctx) {
		a, _ := secp256k1.ParseAddress(m.Address)
		if got, ok := k.addressOf(ctx, m.Number); m.Number == 0 || !ok || got != a {
			return fmt.Errorf("masternode %s: number %d does not lead back to it", m.Address, m.Number)
		}
		if m.Commitments != count[m.Number] || m.ProvenBytes != proven[m.Number] {
			return fmt.Errorf("masternode %s: record says %d commitments and %d proven bytes, the stripe records %d and %d",
				m.Address, m.Commitments, m.ProvenBytes, count[m.Number], proven[m.Number])
		}
		if count[m.Number] > 0 {
			seen++
		}
	}
	if seen != len(count) {
		return fmt.Errorf("stripe records name %d masternodes, %d of them registered", len(count), seen)
	}
	return k.checkDrawTree(ctx, weights, refs)
}

// checkContainers compares the containers under prefix with the offsets
// the stripe records call for (by container key).
func checkContainers(kv types.KVStore, prefix []byte, what string, want map[string][]uint16) error {
	n := 0
	it := kv.Iterator(prefix, types.PrefixEnd(prefix))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		w := want[string(it.Key())]
		slices.Sort(w)
		if !bytes.Equal(it.Value(), encodeHold(w)) {
			return fmt.Errorf("%s %x: %x, the stripe records call for %x", what, it.Key(), it.Value(), encodeHold(w))
		}
		n++
	}
	if n != len(want) {
		return fmt.Errorf("%d %s containers, the stripe records call for %d", n, what, len(want))
	}
	return nil
}
