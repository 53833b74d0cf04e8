package trust

import "github.com/pastelchain/pastel/types"

// Codespace is the ABCI codespace of the trust module's errors.
const Codespace = "trust"

// Errors of the trust module. Handlers return them wrapped with the details
// (which edge, which limit, what to do); match with errors.Is.
var (
	ErrWeightRange     = types.Register(Codespace, 2, "trust: weight outside [-1, 1]")
	ErrSelfEdge        = types.Register(Codespace, 3, "trust: an account cannot trust itself")
	ErrTooManyEdges    = types.Register(Codespace, 4, "trust: too many trust edges")
	ErrNoEdge          = types.Register(Codespace, 5, "trust: no such trust edge")
	ErrBadSeedChange   = types.Register(Codespace, 6, "trust: invalid seed change")
	ErrSeedApproval    = types.Register(Codespace, 7, "trust: seed change not approved by two thirds of the seeds")
	ErrStaleSeedChange = types.Register(Codespace, 8, "trust: stale seed change")
	ErrNotScored       = types.Register(Codespace, 9, "trust: no score")
	ErrBadParams       = types.Register(Codespace, 10, "trust: invalid parameters")
)
