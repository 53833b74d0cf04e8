package trust

import (
	"encoding/hex"
	"slices"

	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
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
	Edges []score.Edge
	// Identities is the number of distinct identities (seeds and every edge
	// endpoint).
	Identities int
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
func gather(kv types.KVStore, seeds []types.Address, maxIDs, maxEdges int) graphInput {
	var in graphInput
	ids := make(map[types.Address]string, len(seeds)) // identities in the graph; looked up, never iterated
	queued := make(map[types.Address]bool, len(seeds))
	intern := func(a types.Address) string {
		if s, ok := ids[a]; ok {
			return s
		}
		s := idOf(a)
		ids[a] = s
		return s
	}
	frontier := slices.Clone(seeds)
	slices.SortFunc(frontier, func(a, b types.Address) int { return a.Compare(b) })
	frontier = slices.Compact(frontier)
	for _, s := range frontier {
		intern(s)
		queued[s] = true
	}
	var out []edgeOut
	for len(frontier) > 0 {
		var next []types.Address
		for _, u := range frontier {
			out = outEdges(kv, u, out[:0])
			fresh := 0
			for _, e := range out {
				if _, ok := ids[e.to]; !ok {
					fresh++
				}
			}
			if len(in.Edges)+len(out) > maxEdges || len(ids)+fresh > maxIDs {
				in.Truncated = true
				in.Identities = len(ids)
				return in
			}
			from := ids[u]
			for _, e := range out {
				in.Edges = append(in.Edges, score.Edge{From: from, To: intern(e.to), Weight: e.w})
				if e.w > 0 && !queued[e.to] {
					queued[e.to] = true
					next = append(next, e.to)
				}
			}
		}
		slices.SortFunc(next, func(a, b types.Address) int { return a.Compare(b) })
		frontier = next
	}
	in.Identities = len(ids)
	return in
}

type edgeOut struct {
	to types.Address
	w  score.Score
}

// outEdges appends u's effective out-edges to buf: its manual edges by
// target, then its automatic edges to targets without a manual edge, by
// target. It reads two key ranges.
func outEdges(kv types.KVStore, u types.Address, buf []edgeOut) []edgeOut {
	manual := len(buf)
	forEach(kv, key(prefixEdge, u), func(to types.Address, v []byte) {
		var e trustpb.Edge
		mustUnmarshal(v, &e)
		buf = append(buf, edgeOut{to, score.Score(e.Weight)})
	})
	nManual := len(buf) - manual
	if nManual == 0 {
		forEach(kv, key(prefixAuto, u), func(to types.Address, v []byte) {
			var e trustpb.AutoEdge
			mustUnmarshal(v, &e)
			buf = append(buf, edgeOut{to, score.Score(e.Weight)})
		})
		return buf
	}
	// Merge: automatic edges to targets without a manual edge.
	m := buf[manual:]
	forEach(kv, key(prefixAuto, u), func(to types.Address, v []byte) {
		if _, hidden := slices.BinarySearchFunc(m, to, func(e edgeOut, t types.Address) int { return e.to.Compare(t) }); hidden {
			return
		}
		var e trustpb.AutoEdge
		mustUnmarshal(v, &e)
		buf = append(buf, edgeOut{to, score.Score(e.Weight)})
	})
	return buf
}
