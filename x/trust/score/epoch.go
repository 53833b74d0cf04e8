package score

import (
	"errors"
	"fmt"
)

// Params are the parameters of one epoch's computation.
type Params struct {
	DATT  DATTParams
	Eigen EigenParams
	// DATTWeight is W in the combined score (see NodeResult.Combined). In
	// [0, One]: One uses DATT only, 0 EigenTrust only.
	DATTWeight Score
}

// DefaultParams returns DefaultDATTParams, DefaultEigenParams and DATTWeight
// 0.5.
func DefaultParams() Params {
	return Params{DATT: DefaultDATTParams(), Eigen: DefaultEigenParams(), DATTWeight: One / 2}
}

// Validate reports whether every parameter is within its documented range.
func (p Params) Validate() error {
	if err := p.DATT.Validate(); err != nil {
		return err
	}
	if err := p.Eigen.Validate(); err != nil {
		return err
	}
	if p.DATTWeight < 0 || p.DATTWeight > One {
		return fmt.Errorf("%w: DATTWeight %v outside [0, 1]", ErrParams, p.DATTWeight)
	}
	return nil
}

// NodeResult is everything an epoch computes about one identity.
type NodeResult struct {
	ID string
	// DATT is the transitive trust from the seeds; 0 with Rank -1 when the
	// identity was not reached.
	DATT Score
	Rank int
	// Eigen is the identity's share of the global EigenTrust (all shares sum
	// to One, less rounding).
	Eigen Score
	// EigenNorm is Eigen relative to the most trusted identity:
	// ⌊One·t/max t⌋, so the most trusted identity has One.
	EigenNorm Score
	// Combined = ⌊(W·DATT + (One−W)·EigenNorm) / One⌋ with W = DATTWeight,
	// rounded toward negative infinity. It lies in [−W, One]; it is negative
	// only when DATT is, i.e. when the identity's first-rank trusters
	// distrust it on balance, and an identity that is both unreached and
	// without global trust gets 0.
	Combined Score
}

// Epoch is the result of one epoch's computation.
type Epoch struct {
	Graph *Graph
	DATT  *DATTResult
	Eigen *EigenResult
	// Nodes holds every identity of Graph, sorted by identity.
	Nodes []NodeResult
}

// ComputeEpoch is the chain's entry point: it builds the graph of edges plus
// the seeds, runs DATT from the seeds and EigenTrust with their pre-trust, and
// combines the two.
//
// Errors are those of NewGraph, DATT and EigenTrust, with a nil Epoch, except
// when EigenTrust does not converge: then the Epoch is complete (its Eigen
// holds the last iterate) and the error wraps ErrNotConverged, for the caller
// to accept or reject.
func ComputeEpoch(edges []Edge, seeds []Seed, p Params) (*Epoch, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	g, err := NewGraph(edges, SeedIDs(seeds))
	if err != nil {
		return nil, err
	}
	return computeEpoch(g, seeds, p)
}

// ComputeEpochGraph is ComputeEpoch over a graph that is already built
// (NewGraph or NewGraphRows; it must hold every seed): the same results,
// errors and Epoch.
func ComputeEpochGraph(g *Graph, seeds []Seed, p Params) (*Epoch, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return computeEpoch(g, seeds, p)
}

func computeEpoch(g *Graph, seeds []Seed, p Params) (*Epoch, error) {
	ids := SeedIDs(seeds)
	datt, err := DATT(g, ids, p.DATT)
	if err != nil {
		return nil, err
	}
	eig, eigErr := EigenTrust(g, seeds, p.Eigen)
	if eigErr != nil && !errors.Is(eigErr, ErrNotConverged) {
		return nil, eigErr
	}
	e := &Epoch{Graph: g, DATT: datt, Eigen: eig, Nodes: make([]NodeResult, g.Len())}
	for i := range e.Nodes {
		nr := NodeResult{ID: g.ids[i], Rank: int(datt.rank[i])}
		if nr.Rank >= 0 {
			nr.DATT = datt.score[i]
		}
		nr.Eigen = eig.share(int32(i))
		nr.EigenNorm = eig.normalized(int32(i))
		nr.Combined = combine(nr.DATT, nr.EigenNorm, p.DATTWeight)
		e.Nodes[i] = nr
	}
	return e, eigErr
}

func combine(datt, eigenNorm, w Score) Score {
	// |w·datt| + (One−w)·eigenNorm ≤ One·One = 10^18: no overflow.
	return Score(floorDiv(int64(w)*int64(datt)+int64(One-w)*int64(eigenNorm), int64(One)))
}

// Combined returns every identity's combined score, sorted by identity; pass
// it to TopN for a ranking.
func (e *Epoch) Combined() []NodeScore {
	out := make([]NodeScore, len(e.Nodes))
	for i, nr := range e.Nodes {
		out[i] = NodeScore{nr.ID, nr.Combined}
	}
	return out
}

// Lookup returns id's result; ok is false if id is not in the graph.
func (e *Epoch) Lookup(id string) (NodeResult, bool) {
	i, ok := e.Graph.index(id)
	if !ok {
		return NodeResult{}, false
	}
	return e.Nodes[i], true
}
