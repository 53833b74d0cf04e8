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
// deterministically farthest-first), runs score.ComputeEpoch on what it
// read, and replaces the stored results. A non-converged EigenTrust keeps its
// last iterate and says so in the epoch record. Everything is fixed point and
// read in key order, so every node stores the same bytes.
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
