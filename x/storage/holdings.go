package storage

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"

	"github.com/pastelchain/pastel/types"
)

// Holdings: which stripes a masternode holds chunks of, by stripe sequence
// number, for what walks one masternode's commitments (exit and forced
// reassignment, the assignments query chunkd reads). A key per (masternode,
// stripe) would cost an art a key for each of its distinct holders, about
// 700 for a 20 MiB art on 10^3 masternodes at R = 10 (36 KB of state, more
// than everything else of the art). Instead, as in Roaring bitmaps, the
// sequence numbers of one masternode are kept in containers of
// holdSpan consecutive numbers, mc/<number4><seq / holdSpan, 8 bytes>:
//
//	sparse: 0x01 followed by the sorted low 16 bits (big-endian u16) of each
//	        sequence number held, while there are fewer than holdSpan/16;
//	dense:  0x02 followed by a holdSpan-bit bitmap.
//
// So a container is at most holdSpan/8+1 bytes, and a stripe costs each of
// its holders at most 2 bytes, or one bit where a masternode holds many.
//
// The same containers under mw/ mark the stripes where a masternode has an
// unconfirmed commitment (assigned, moved to it, or unconfirmed by a failed
// challenge): what its daemon has to fetch and prove. A masternode holding
// a million chunks would otherwise page through all of them every block in
// which anything of its changed; the awaiting query walks only these. The
// marks of a stripe clear when its holder confirms, so on a settled network
// mw/ is empty.

// holdSpan is the count of sequence numbers one container covers.
const holdSpan = 4096

const (
	holdSparse = 1
	holdDense  = 2
)

func holdKey(num uint32, seq uint64) []byte { return bitKey(pMnCommit, num, seq) }

// bitKey is the container of stripe seq for masternode num under prefix.
func bitKey(prefix []byte, num uint32, seq uint64) []byte {
	return key(prefix, u32(num), u64(seq/holdSpan))
}

// decodeHold returns the offsets (seq mod holdSpan) a container holds, in
// order; an error for a malformed value (CheckIndexes reports it).
func decodeHold(v []byte) ([]uint16, error) {
	if len(v) == 0 {
		return nil, nil
	}
	switch v[0] {
	case holdSparse:
		if (len(v)-1)%2 != 0 {
			return nil, fmt.Errorf("sparse container of %d bytes", len(v))
		}
		out := make([]uint16, 0, (len(v)-1)/2)
		for i := 1; i < len(v); i += 2 {
			o := binary.BigEndian.Uint16(v[i:])
			if o >= holdSpan || len(out) > 0 && o <= out[len(out)-1] {
				return nil, fmt.Errorf("sparse container offsets not ascending below %d", holdSpan)
			}
			out = append(out, o)
		}
		return out, nil
	case holdDense:
		if len(v) != holdSpan/8+1 {
			return nil, fmt.Errorf("dense container of %d bytes", len(v))
		}
		var out []uint16
		for i, b := range v[1:] {
			for b != 0 {
				j := bits.TrailingZeros8(b)
				out = append(out, uint16(i*8+j))
				b &^= 1 << j
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("container kind %d", v[0])
}

// encodeHold is the canonical encoding of a set of offsets (nil: empty).
func encodeHold(offs []uint16) []byte {
	switch {
	case len(offs) == 0:
		return nil
	case len(offs) < holdSpan/16:
		v := make([]byte, 1, 1+2*len(offs))
		v[0] = holdSparse
		for _, o := range offs {
			v = binary.BigEndian.AppendUint16(v, o)
		}
		return v
	}
	v := make([]byte, holdSpan/8+1)
	v[0] = holdDense
	for _, o := range offs {
		v[1+o/8] |= 1 << (o % 8)
	}
	return v
}

// setHolding records whether masternode num holds chunks of stripe seq.
func (k Keeper) setHolding(ctx *types.Context, num uint32, seq uint64, holds bool) {
	k.setBit(ctx, pMnCommit, num, seq, holds)
}

// setAwaiting records whether masternode num has an unconfirmed commitment
// in stripe seq: the index its daemon lists each block instead of every
// commitment it holds.
func (k Keeper) setAwaiting(ctx *types.Context, num uint32, seq uint64, waits bool) {
	k.setBit(ctx, pMnAwaiting, num, seq, waits)
}

// setBit sets or clears stripe seq in masternode num's container under
// prefix (mc/ or mw/). A dense container has its bit flipped in a copy,
// since every registration changes about 700 containers and decoding a
// dense one means 4,096 offsets; the result is always encodeHold's
// canonical form.
func (k Keeper) setBit(ctx *types.Context, prefix []byte, num uint32, seq uint64, on bool) {
	kk := bitKey(prefix, num, seq)
	old := k.kv(ctx).Get(kk)
	v, changed, err := editHold(old, uint16(seq%holdSpan), on)
	if err != nil {
		panic(fmt.Sprintf("storage: %s container of masternode %d: %v", prefix, num, err)) // only this file writes them
	}
	switch {
	case !changed:
	case v == nil:
		k.kv(ctx).Delete(kk)
	default:
		k.kv(ctx).Set(kk, v)
	}
}

// editHold returns container v with offset o held or not, and whether it
// changed; nil for an empty container. v itself is not modified. A dense
// container has its bit flipped in a copy; a sparse one (fewer than
// holdSpan/16 offsets) is decoded, checked and re-encoded, as is a dense
// one dropping below that.
func editHold(v []byte, o uint16, holds bool) ([]byte, bool, error) {
	if len(v) > 0 && v[0] == holdDense {
		if len(v) != holdSpan/8+1 {
			return nil, false, fmt.Errorf("dense container of %d bytes", len(v))
		}
		byteAt, bit := 1+int(o/8), byte(1)<<(o%8)
		if (v[byteAt]&bit != 0) == holds {
			return v, false, nil
		}
		out := slices.Clone(v)
		out[byteAt] ^= bit
		if !holds {
			n := 0
			for _, b := range out[1:] {
				n += bits.OnesCount8(b)
			}
			if n < holdSpan/16 {
				offs, err := decodeHold(out)
				return encodeHold(offs), true, err
			}
		}
		return out, true, nil
	}
	offs, err := decodeHold(v)
	if err != nil {
		return nil, false, err
	}
	i, found := slices.BinarySearch(offs, o)
	switch {
	case holds && !found:
		offs = slices.Insert(offs, i, o)
	case !holds && found:
		offs = slices.Delete(offs, i, i+1)
	default:
		return v, false, nil
	}
	return encodeHold(offs), true, nil
}

// eachHolding calls fn with the stripe sequence numbers masternode num
// holds, from seq from on, ascending, until fn returns false. fn may
// change holdings: each container is read when the walk gets to it.
func (k Keeper) eachHolding(ctx *types.Context, num uint32, from uint64, fn func(seq uint64) bool) {
	k.eachBit(ctx, pMnCommit, num, from, fn)
}

// eachAwaiting is eachHolding over the stripes where masternode num has an
// unconfirmed commitment.
func (k Keeper) eachAwaiting(ctx *types.Context, num uint32, from uint64, fn func(seq uint64) bool) {
	k.eachBit(ctx, pMnAwaiting, num, from, fn)
}

func (k Keeper) eachBit(ctx *types.Context, prefix []byte, num uint32, from uint64, fn func(seq uint64) bool) {
	own := key(prefix, u32(num))
	next := bitKey(prefix, num, from)
	for {
		it := k.kv(ctx).Iterator(next, types.PrefixEnd(own))
		if !it.Valid() {
			it.Close()
			return
		}
		base := binary.BigEndian.Uint64(it.Key()[len(own):]) * holdSpan
		offs, err := decodeHold(it.Value())
		it.Close()
		if err != nil {
			panic(fmt.Sprintf("storage: %s container of masternode %d: %v", prefix, num, err))
		}
		for _, o := range offs {
			if seq := base + uint64(o); seq >= from && !fn(seq) {
				return
			}
		}
		next = bitKey(prefix, num, base+holdSpan)
	}
}
