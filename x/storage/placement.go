package storage

import (
	"bytes"

	"golang.org/x/crypto/sha3"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// Placement is consistent hashing on a ring. Every active masternode owns
// RingPoints points at SHA3("pastel/ring/v1" || address || i)[:8]; a chunk
// sits at SHA3("pastel/place/v1" || art id || stripe || index)[:8]. Its
// holders are the first R distinct eligible masternodes met walking the ring
// clockwise from there. The ring lives in the store under ring/<point><addr>,
// so a walk is an ordered iteration: O(R·log N) reads per chunk, however many
// masternodes exist. Adjacent chunks land on unrelated parts of the ring, so
// the chunks of a stripe spread over the whole network; a joining or leaving
// masternode moves only the chunks next to its points.
const RingPoints = 16

func ringPoint(a types.Address, i int) []byte {
	h := sha3.New256()
	h.Write([]byte("pastel/ring/v1"))
	h.Write(a[:])
	h.Write([]byte{byte(i)})
	return h.Sum(nil)[:8]
}

// ChunkPoint is where chunk (art, stripe, index) sits on the ring.
func ChunkPoint(art []byte, stripe, index uint32) []byte {
	h := sha3.New256()
	h.Write([]byte("pastel/place/v1"))
	h.Write(art)
	h.Write(u32(stripe))
	h.Write(u32(index))
	return h.Sum(nil)[:8]
}

func (k Keeper) ringAdd(ctx *types.Context, a types.Address) {
	for i := 0; i < RingPoints; i++ {
		k.kv(ctx).Set(key(ringPrefix, ringPoint(a, i), a[:]), types.Marker)
	}
}

func (k Keeper) ringRemove(ctx *types.Context, a types.Address) {
	for i := 0; i < RingPoints; i++ {
		k.kv(ctx).Delete(key(ringPrefix, ringPoint(a, i), a[:]))
	}
}

// walk visits masternodes in ring order from point, each once, wrapping
// around, until visit returns false or every ring entry was seen.
func (k Keeper) walk(ctx *types.Context, point []byte, visit func(types.Address) bool) {
	seen := map[types.Address]bool{}
	scan := func(start, end []byte) bool {
		it := k.kv(ctx).Iterator(start, end)
		defer it.Close()
		for ; it.Valid(); it.Next() {
			var a types.Address
			copy(a[:], it.Key()[len(ringPrefix)+8:])
			if seen[a] {
				continue
			}
			seen[a] = true
			if !visit(a) {
				return false
			}
		}
		return true
	}
	if scan(key(ringPrefix, point), types.PrefixEnd(ringPrefix)) {
		scan(ringPrefix, key(ringPrefix, point))
	}
}

// Place returns up to r holders for a chunk: eligible masternodes not in
// exclude, in ring order.
func (k Keeper) Place(ctx *types.Context, point []byte, r int, exclude map[types.Address]bool) []types.Address {
	return k.placeBy(ctx, point, r, exclude, func(a types.Address) bool { return k.Eligible(ctx, a) })
}

// placeBy is Place with eligibility given by eligible.
func (k Keeper) placeBy(ctx *types.Context, point []byte, r int, exclude map[types.Address]bool, eligible func(types.Address) bool) []types.Address {
	var out []types.Address
	if r <= 0 {
		return nil
	}
	k.walk(ctx, point, func(a types.Address) bool {
		if !exclude[a] && eligible(a) {
			out = append(out, a)
		}
		return len(out) < r
	})
	return out
}

// eligibleOnce returns Eligible remembering each masternode's answer, for
// placing many chunks in one step: registration places every chunk of an
// art and meets each masternode about 1.2·R·chunks/masternodes times, and
// nothing a registration writes changes a masternode's standing (status,
// withheld_until, distrust). A memo must not outlive the step that made it.
func (k Keeper) eligibleOnce(ctx *types.Context) func(types.Address) bool {
	memo := map[types.Address]bool{}
	return func(a types.Address) bool {
		ok, seen := memo[a]
		if !seen {
			ok = k.Eligible(ctx, a)
			memo[a] = ok
		}
		return ok
	}
}

// twinHolders returns the holders of every other position of the stripe
// whose chunk id equals that of index. One chunk id can stand at several
// positions (with k = 1 the first parity chunk is a copy of the data
// chunk; zero-padded shards of a last stripe are alike), and a masternode
// holding two of them stores one file: it is paid twice for one copy and
// the art has one copy fewer than its holders say.
func (k Keeper) twinHolders(ctx *types.Context, a *storagepb.Art, stripe, index uint32) map[types.Address]bool {
	out := map[types.Address]bool{}
	if int(stripe) >= len(a.Stripes) || int(index) >= len(a.Stripes[stripe].ChunkIds) {
		return out
	}
	ids := a.Stripes[stripe].ChunkIds
	for j, id := range ids {
		if uint32(j) == index || !bytes.Equal(id, ids[index]) {
			continue
		}
		for _, h := range k.Holders(ctx, a.Id, stripe, uint32(j)) {
			if ad, err := secp256k1.ParseAddress(h.Masternode); err == nil {
				out[ad] = true
			}
		}
	}
	return out
}

// placeApart is Place preferring masternodes not in twins (holders of the
// same chunk id at another position): they are taken first, and twins
// only when too few others are eligible (a small network), so a chunk
// never has fewer holders than it could.
func (k Keeper) placeApart(ctx *types.Context, point []byte, r int, exclude, twins map[types.Address]bool) []types.Address {
	return k.placeApartBy(ctx, point, r, exclude, twins, func(a types.Address) bool { return k.Eligible(ctx, a) })
}

// placeApartBy is placeApart with eligibility given by eligible.
func (k Keeper) placeApartBy(ctx *types.Context, point []byte, r int, exclude, twins map[types.Address]bool, eligible func(types.Address) bool) []types.Address {
	if len(twins) == 0 {
		return k.placeBy(ctx, point, r, exclude, eligible)
	}
	both := make(map[types.Address]bool, len(exclude)+len(twins))
	for a := range exclude {
		both[a] = true
	}
	for a := range twins {
		both[a] = true
	}
	out := k.placeBy(ctx, point, r, both, eligible)
	if len(out) == r {
		return out
	}
	rest := make(map[types.Address]bool, len(exclude)+len(out))
	for a := range exclude {
		rest[a] = true
	}
	for _, a := range out {
		rest[a] = true
	}
	return append(out, k.placeBy(ctx, point, r-len(out), rest, eligible)...)
}

// drawPoint derives a ring point from the block randomness for a purpose,
// so draws (attesters, healers) are fixed by the block and unbiased by the
// caller.
func drawPoint(rand [32]byte, purpose string, id []byte, n uint64) []byte {
	return randBytes(rand, purpose, id, u64(n))[:8]
}

// placeSlow is the obvious definition the ring walk must agree with: sort
// every (point, masternode) pair, rotate to the first point ≥ p, take
// distinct eligible masternodes in order. Tests compare the two.
func placeSlow(points [][]byte, owners []types.Address, eligible func(types.Address) bool, p []byte, r int) []types.Address {
	type entry struct {
		key []byte
		a   types.Address
	}
	var es []entry
	for i := range points {
		es = append(es, entry{key(points[i], owners[i][:]), owners[i]})
	}
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && bytes.Compare(es[j-1].key, es[j].key) > 0; j-- {
			es[j-1], es[j] = es[j], es[j-1]
		}
	}
	start := 0
	for start < len(es) && bytes.Compare(es[start].key, p) < 0 {
		start++
	}
	var out []types.Address
	seen := map[types.Address]bool{}
	for i := 0; i < len(es) && len(out) < r; i++ {
		e := es[(start+i)%len(es)]
		if seen[e.a] {
			continue
		}
		seen[e.a] = true
		if eligible(e.a) {
			out = append(out, e.a)
		}
	}
	return out
}
