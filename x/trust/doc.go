// Package trust is the chain module for signed trust edges and the scores
// computed from them (DESIGN.md §7): every account may state how much it
// trusts another, the genesis seeds are the pre-trusted roots, and every
// epoch the chain computes each identity's DATT score from the seeds, its
// global EigenTrust share and their combination with the pure core in
// package score, and stores them so that other modules and clients read
// them cheaply and with proofs.
//
// # Messages
//
//	trust/SetTrust     {target, weight}  create or overwrite the signer's edge to target
//	trust/RemoveTrust  {target}          delete it (fails if there is none)
//	trust/UpdateSeeds  {change, approvals}  change the seed list: two thirds of the voting seeds (seeds.go)
//
// The signer is the truster. Weights are in [-1, 1] in parts per 10^9;
// negative is distrust, 0 an explicit neutral statement. An update
// overwrites: in block order, the last statement wins, and the event
// trust_edge says whether it created, updated or removed the edge and what
// it replaced. Replays are impossible (each transaction uses the signer's
// nonce once), and a stored edge holds only its weight, so the state does
// not depend on when an edge was set. Refused: a weight outside [-1, 1],
// a target that is not a pastel1… address (both before any fee), a
// self-edge, a new edge beyond MaxEdgesPerAccount, removing a missing edge
// (these after the fee, changing nothing else).
//
// # Epochs
//
// At the start of every block whose height is a multiple of EpochBlocks,
// BeginBlock walks the graph from the seeds along positive edges (gather.go;
// bounded by MaxEpochIdentities and MaxEpochEdges, truncating
// deterministically farthest-first), runs the score package on what it
// read (score.NewGraphRows and ComputeEpochGraph: the same results as
// score.ComputeEpoch over the gathered edges), and replaces the stored
// results. A non-converged EigenTrust keeps its last iterate and says so in
// the epoch record. Everything is fixed point and read in key order, so
// every node stores the same bytes.
//
// Result writes are bounded per block (pending.go). The epoch's block
// writes the epoch record and the ranking, and merges the results into the
// stored ones (writing what changed, deleting what is gone) if there are at
// most 25,000 (the default MaxEpochIdentities): then the state is exactly
// what it was before staging existed. With more, it stages them all in the
// store under p/<seq>, 1,000 per key, each key owning a range of
// addresses, and each following block merges the next 25,000 in
// BeginBlock. An epoch that starts while results are still staged discards
// them: its own merge starts from what is stored, so it ends with exactly
// its results. The results hash always covers every result. While results
// are staged, the epoch record and ranking are the new epoch's, r/ keys not
// yet merged still hold the previous epoch's results, and the record's
// note says how many results were staged.
//
// Why this design: at 10^5 identities × 20 edges the computation itself
// (the walk's 10^5 store reads, the graph, DATT and EigenTrust) costs about
// 1.3 s of CPU (1.9 s when the reads miss IAVL's caches, as in the steady
// state; BenchmarkChainEpochSecond), while reading and writing 10^5
// results costs another 1–2.5 s with its garbage: together far past the
// 2 s budget. The walk cannot be spread over blocks without reading a
// graph that transactions change in between (or an old IAVL version the
// module cannot reach), so it stays in one block; the writes can be
// spread, because they depend only on the computed results, which the
// staged chunks hold. A background goroutine was rejected: its finishing
// height would depend on the machine, and a restart or state sync in
// between would need the computation replayed exactly; staged state in the
// store needs neither. The cost is a window of a few blocks in which r/
// mixes two epochs (deterministically, identically on every node), and
// about 30 bytes per staged result of extra writes.
//
// # State (under "trust/")
//
//	params           Params (protobuf)
//	seedver          uint64 big-endian: seed-set version
//	edgever          uint64 big-endian: count of edge changes (tells why-queries whether the epoch is current)
//	s/<addr>         Seed: pre-trust
//	o/<from>         OutEdges: every out-edge of from, by target; each entry holds a manual
//	                 weight, an automatic weight with its outcome counts, or both
//	r/<addr>         NodeScore: DATT, rank, EigenTrust share, normalized share, combined
//	top              TopList: the 1,000 highest combined scores, ties by address
//	epoch            EpochInfo: last epoch's height, sizes, truncation, convergence, results hash
//	p/<seq>          staged result writes of the last epoch, not yet applied (pending.go):
//	                 per operation the 20-byte address, uvarint 0 (delete) or 1+len, the value
//
// Addresses are the raw 20 bytes. An account's edges share one value so
// that the epoch reads them with one lookup. /trust/score/ADDR,
// /trust/outedges/ADDR and /trust/ranking return the stored protobuf, with an
// IAVL proof when asked; top, why, viewpoint, edges, seeds, params and epoch
// are computed and return JSON (query.go).
//
// # For other modules
//
// Define the interface where it is used; Keeper (a stateless value,
// trust.Keeper{}) implements, for example:
//
//	type Trust interface {
//		Score(ctx *types.Context, a types.Address) (combined score.Score, known bool)
//		IsDistrusted(ctx *types.Context, a types.Address) bool
//		RecordOutcome(ctx *types.Context, from, to types.Address, good bool) error
//		VotingPower(ctx *types.Context, a types.Address, collateral uint64, standing trust.Standing) int64
//	}
//
// Score and IsDistrusted read one key. RecordOutcome moves an automatic
// edge after a verified storage challenge or chunk transfer (auto.go has the
// rule). VotingPower and CapShares (power.go) turn collateral, trust and
// standing into validator power for the module that owns the validator set.
package trust
