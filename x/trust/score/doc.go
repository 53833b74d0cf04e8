// Package score computes trust scores from signed trust edges: DATT
// (distributed transitive trust) from a seed list outward, a global
// EigenTrust vector with the seeds as pre-trust, and a combination of the two.
//
// It is the pure core of x/trust: no I/O, no clock, no randomness, no
// floats, and no dependence on map iteration or input order. The chain module
// reads the current edges (in any order; store order is fastest) and the
// genesis seeds each epoch, calls ComputeEpoch, and stores Epoch.Nodes:
//
//	epoch, err := score.ComputeEpoch(edges, seeds, params)
//	if err != nil && !errors.Is(err, score.ErrNotConverged) {
//		return err // bad edges, seeds or parameters
//	}
//	for _, n := range epoch.Nodes { // sorted by identity
//		store(n.ID, n.DATT, n.Eigen, n.Combined)
//	}
//
// Two nodes given the same edges, seeds and parameters get bit-identical
// results; shuffling the edges or seeds changes nothing, not even which error
// is reported for bad input.
//
// # Fixed point and rounding
//
// A Score is an int64 in parts per 10^9 (One = 1.0). Edge weights are in
// [-One, One]; seed pre-trust in (0, One]. Every division rounds toward
// negative infinity (floor), everywhere, including for negative numbers
// (-0.5 parts becomes -1, not 0). Where products could overflow 64 bits the
// code uses exact 128-bit arithmetic (math/bits), so each DATT score is
// rounded once (twice with a decay). Identities are opaque non-empty strings;
// they are interned once to dense indexes in sorted order, so index order is
// identity order and every result is sorted by identity.
//
// # DATT
//
// The seeds are rank 0 with score One. Rank r is every identity not yet
// scored that has an edge from a rank r−1 identity that propagates, that is
// whose score is at least MinPropagate (so negative, zero and near-zero scores
// stop). Its score is the score-weighted mean over those predecessors p of the
// path product s(p)·w(p,v), times a per-rank decay d (One = no decay):
//
//	s(v) = d · Σ_p s(p)·(s(p)·w(p,v)) / Σ_p s(p)
//
// computed as ⌊Σ s(p)²·w / (Σ s(p) · One)⌋ from exact 128-bit sums, then
// ⌊s·d/One⌋. Once scored, an identity keeps its score: the first rank wins,
// so a cycle or a longer path never overwrites direct trust or distrust. For
// the reference graph (0→1 .1, 0→2 .9, 0→3 .8, 0→4 .5, 1→5 .5, 2→6 .9,
// 3→5 .3, 4→5 .5) this gives s(5) = (0.1·0.05 + 0.8·0.24 + 0.5·0.25)/1.4 =
// 0.23 and s(6) = 0.81 exactly.
//
// Work is bounded by DATTParams, not by the graph: at most MaxNodes identities
// are scored and only their out-edges read; ranks beyond MaxRank are not
// expanded. Reaching a bound truncates deterministically rather than failing
// (the result says which bound in DATTResult.Truncated): at MaxRank the
// expansion simply stops; if a rank would cross MaxNodes, that rank is
// admitted highest score first, ties by identity, and the expansion stops
// there, so no identity is ever scored out of rank order. DATTResult.Why
// explains a score: the predecessors that produced it and the strongest path
// back to a seed.
//
// # EigenTrust
//
// t = (1−a)·Cᵀt + a·p, iterated from t = p until the L1 change of one
// iteration is below Epsilon (EigenParams), where p is the seeds' pre-trust
// normalized to sum 1 and C the local trust normalized per row over positive
// edges only (negative and zero edges are no trust). A row without positive
// trust is replaced by p: such an identity hands its trust to the seeds.
// Inside the iteration t is held in parts per 10^18 and C as 64-bit binary
// fractions, every product rounded down, so mass is never created and
// rounding stays far below one part per 10^9; the returned shares are
// ⌊t·10^9⌋ and sum to One less a few parts. Each iteration is O(edges +
// identities) over compressed sparse rows built from the sorted edges. The L1
// change shrinks at least by the factor 1−a per iteration, so at the defaults
// (a = 0.2, Epsilon 10^-6) at most 65 iterations are needed (random graphs
// take about 13); on stopping, the distance to the exact fixed point is at
// most Epsilon·(1−a)/a. If MaxIterations is reached first, EigenTrust and
// ComputeEpoch return the last iterate together with an error wrapping
// ErrNotConverged; the caller decides whether to use it.
//
// The seeds are what make EigenTrust Sybil-resistant: a region of identities
// reached through a single attack edge can hold at most (1−a)/a · t(u)·c(u,s)
// of the trust, where t(u)·c(u,s) is what the honest endpoint u sends over the
// edge, however many identities the region creates. With pre-trust spread
// over every identity instead, each Sybil brings its own share and the region
// grows with its size; sybil_test.go shows both.
//
// # Combined score
//
// With W = Params.DATTWeight (default 0.5), DATT taken as 0 for identities
// not reached, and EigenNorm = ⌊One·t/max t⌋ the EigenTrust share relative
// to the most trusted identity:
//
//	Combined = ⌊(W·DATT + (One−W)·EigenNorm) / One⌋
//
// It lies in [−W, One] and is negative only when the identity's first-rank
// trusters distrust it on balance. TopN ranks any score list highest first
// with ties broken by identity.
//
// # Cost
//
// Building the graph is O(edges + identities·log identities) with one hash
// lookup per edge endpoint (the map is only looked up, never iterated).
// NewGraphRows builds the same graph in O(edges + identities) from
// identities and out-edge rows the caller already holds sorted, as the
// chain's walk over the store does (the chain uses it with
// ComputeEpochGraph). The
// graph keeps 16 bytes per edge; building it and running EigenTrust allocate
// about 45 more per edge, transiently. DATT allocates O(identities) and reads
// only the out-edges of the identities it scores. `go test -bench .` in this
// package measures one epoch (graph build, DATT, EigenTrust, combination) at
// 10^3, 10^4 and 10^5 identities × 20 edges, and at 10^5 with communities of
// 1,000 (EigenTrust's slow-mixing case). On the shared 2-core machine, 10^5
// identities take 0.8–1.2 s of CPU per epoch (about 60% of it building the
// graph) and peak at about 175 MiB of heap above the 82 MiB input, against a
// budget of 2 s and 1 GiB.
package score
