package trust

import (
	"encoding/hex"
	"fmt"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/trust/score"
)

// Identities inside the score package are the lowercase hex of the 20-byte
// address: string order is then byte order, the order of the store keys.
func idOf(a types.Address) string { return hex.EncodeToString(a[:]) }

func addrOf(id string) types.Address {
	var a types.Address
	if n, err := hex.Decode(a[:], []byte(id)); err != nil || n != addrLen {
		panic("trust: identity " + id + " is not an address")
	}
	return a
}

// graphInput is the part of the trust graph one computation reads.
type graphInput struct {
	// Graph holds every identity read (the seeds and every endpoint of a
	// gathered edge) and the gathered edges; identity i of Graph has address
	// Addrs[i] (both in address order).
	Graph *score.Graph
	Addrs []types.Address
	// Identities is the number of distinct identities (seeds and every edge
	// endpoint), Edges the number of edges.
	Identities, Edges int
	// Truncated: the walk stopped before reading every identity that positive
	// trust reaches from the seeds, because of maxIDs or maxEdges.
	Truncated bool
}

// gather walks the trust graph from seeds breadth first along positive
// edges and returns every out-edge (manual, else automatic) of every
// identity it reaches, seeds included.
//
// Why this is enough: an identity that positive trust does not reach from
// the seeds has no EigenTrust (mass enters at the seeds and moves only along
// positive edges) and no DATT score that propagates (a score at or above
// MinPropagate > 0 needs a positive edge from a propagating predecessor).
// Its out-edges therefore change nothing, and without truncation
// score.ComputeEpoch over the gathered edges equals ComputeEpoch over every
// edge in the store (gather_test.go checks this). Identities reached only by
// non-positive edges are included as endpoints (they get their negative or
// zero DATT) but not expanded. Identities created in bulk without trust from
// the seeds cost nothing here.
//
// Work is bounded: the walk visits identities rank by rank, each rank in
// address order, and stops before the identity whose out-edges would take
// the total past maxEdges or the identity count past maxIDs; nothing after
// that point is read (Truncated). The first cut identity and all later ones
// keep their in-edges from earlier identities but lose their own out-edges,
// so the cut is deterministic and falls on the identities farthest from the
// seeds.
//
// Cost: one store read per expanded identity and one hash lookup per edge;
// the edges are kept as integer arrays (no strings, no pointers for the
// garbage collector to scan) and handed to score.NewGraphRows already in
// compressed rows, so the graph is built without score.NewGraph's interning
// and sorting. The only error is a corrupt store. The result is the graph score.NewGraph builds from the same
// edges plus the seeds (TestGatherGraphEqualsNewGraph).
func gather(kv types.KVStore, seeds []types.Address, maxIDs, maxEdges int) (graphInput, error) {
	// index maps an identity to its position in addrs (discovery order); it
	// is only looked up, never iterated.
	index := make(map[types.Address]int32, min(maxIDs, 1<<20))
	var addrs []types.Address
	var queued []bool
	// The out-edges of the identity with discovery index i are
	// to/w[lo[i]:hi[i]], targets by discovery index in address order.
	var lo, hi []int32
	to, w := make([]int32, 0, min(maxEdges, 1<<22)), make([]int32, 0, min(maxEdges, 1<<22))
	intern := func(a types.Address) int32 {
		i := int32(len(addrs))
		index[a] = i
		addrs = append(addrs, a)
		queued = append(queued, false)
		lo, hi = append(lo, 0), append(hi, 0)
		return i
	}
	frontier := slices.Clone(seeds)
	slices.SortFunc(frontier, func(a, b types.Address) int { return a.Compare(b) })
	frontier = slices.Compact(frontier)
	for _, s := range frontier {
		queued[intern(s)] = true
	}
	truncated := false
	var out []edgeOut
	var at []int32 // per out-edge: the target's index, or -1 if new
walk:
	for len(frontier) > 0 {
		var next []types.Address
		for _, u := range frontier {
			out = outEdges(kv, u, out[:0])
			at = at[:0]
			fresh := 0
			for _, e := range out {
				i, ok := index[e.to]
				if !ok {
					i = -1
					fresh++
				}
				at = append(at, i)
			}
			if len(to)+len(out) > maxEdges || len(addrs)+fresh > maxIDs {
				truncated = true
				break walk
			}
			ui := index[u]
			lo[ui] = int32(len(to))
			for k, e := range out {
				i := at[k]
				if i < 0 {
					i = intern(e.to) // targets within one row are distinct
				}
				to = append(to, i)
				w = append(w, int32(e.w)) // |w| ≤ One < 2^31: checked when written
				if e.w > 0 && !queued[i] {
					queued[i] = true
					next = append(next, e.to)
				}
			}
			hi[ui] = int32(len(to))
		}
		slices.SortFunc(next, func(a, b types.Address) int { return a.Compare(b) })
		frontier = next
	}
	index = nil

	// Renumber in address order (the order of the hex identities too) and
	// lay the rows out in that order.
	n := len(addrs)
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return addrs[a].Compare(addrs[b]) })
	renum := make([]int32, n)
	in := graphInput{Addrs: make([]types.Address, n), Identities: n, Edges: len(to), Truncated: truncated}
	start := make([]int32, n+1)
	for j, old := range order {
		renum[old] = int32(j)
		in.Addrs[j] = addrs[old]
		start[j+1] = start[j] + hi[old] - lo[old]
	}
	gTo, gW := make([]int32, len(to)), make([]int32, len(to))
	for j, old := range order {
		// A row is sorted by target address, so also by new index.
		k := start[j]
		for e := lo[old]; e < hi[old]; e++ {
			gTo[k], gW[k] = renum[to[e]], w[e]
			k++
		}
	}
	// The identities are the hex addresses, cut from one string.
	hexBuf := make([]byte, n*2*addrLen)
	for j, a := range in.Addrs {
		hex.Encode(hexBuf[j*2*addrLen:], a[:])
	}
	all := string(hexBuf)
	ids := make([]string, n)
	for j := range ids {
		ids[j] = all[j*2*addrLen : (j+1)*2*addrLen]
	}
	g, err := score.NewGraphRows(ids, start, gTo, gW)
	if err != nil {
		// Cannot happen: stored edges are checked when written.
		return graphInput{}, fmt.Errorf("trust: gathered graph: %w", err)
	}
	in.Graph = g
	return in, nil
}

type edgeOut struct {
	to types.Address
	w  score.Score
}

// outEdges appends u's effective out-edges to buf, by target: the manual
// edge where there is one, else the automatic edge. It is one lookup, and
// it decodes the stored OutEdges without building its messages (see
// decodeEffective).
func outEdges(kv types.KVStore, u types.Address, buf []edgeOut) []edgeOut {
	bz := kv.Get(key(prefixOut, u))
	if bz == nil {
		return buf
	}
	out, err := decodeEffective(bz, buf)
	if err != nil {
		panic(fmt.Errorf("trust: corrupt out-edges of %s: %w", u, err))
	}
	return out
}

// decodeEffective reads an encoded OutEdges and appends, per entry, the
// target and the effective weight (manual if set, else automatic). It
// reads the protobuf wire format directly, allocating nothing per edge;
// FuzzDecodeEffective checks it against proto.Unmarshal. Fields it does
// not need (counts, heights) are skipped.
func decodeEffective(bz []byte, buf []edgeOut) ([]edgeOut, error) {
	for len(bz) > 0 {
		num, typ, n := protowire.ConsumeTag(bz)
		if n < 0 {
			return buf, protowire.ParseError(n)
		}
		bz = bz[n:]
		if num != 1 || typ != protowire.BytesType {
			n = protowire.ConsumeFieldValue(num, typ, bz)
			if n < 0 {
				return buf, protowire.ParseError(n)
			}
			bz = bz[n:]
			continue
		}
		msg, n := protowire.ConsumeBytes(bz)
		if n < 0 {
			return buf, protowire.ParseError(n)
		}
		bz = bz[n:]
		var e edgeOut
		var hasManual bool
		var manual, auto int64
		var target []byte // the last one counts, as in proto
		for len(msg) > 0 {
			f, ft, m := protowire.ConsumeTag(msg)
			if m < 0 {
				return buf, protowire.ParseError(m)
			}
			msg = msg[m:]
			switch {
			case f == 1 && ft == protowire.BytesType:
				t, m := protowire.ConsumeBytes(msg)
				if m < 0 {
					return buf, protowire.ParseError(m)
				}
				target = t
				msg = msg[m:]
			case (f == 2 || f == 3 || f == 5) && ft == protowire.VarintType:
				v, m := protowire.ConsumeVarint(msg)
				if m < 0 {
					return buf, protowire.ParseError(m)
				}
				switch f {
				case 2:
					hasManual = v != 0
				case 3:
					manual = protowire.DecodeZigZag(v)
				case 5:
					auto = protowire.DecodeZigZag(v)
				}
				msg = msg[m:]
			default:
				m := protowire.ConsumeFieldValue(f, ft, msg)
				if m < 0 {
					return buf, protowire.ParseError(m)
				}
				msg = msg[m:]
			}
		}
		if len(target) != addrLen {
			return buf, fmt.Errorf("target of %d bytes", len(target))
		}
		copy(e.to[:], target)
		e.w = score.Score(auto)
		if hasManual {
			e.w = score.Score(manual)
		}
		buf = append(buf, e)
	}
	return buf, nil
}
