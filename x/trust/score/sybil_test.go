package score

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

// sybilWorld is an honest graph of 100 identities with three seeds, plus a
// Sybil region of size k behind a single attack edge from the honest,
// non-seed identity attacker. Every Sybil trusts the next min(k−1, 50) Sybils
// (all of them for k ≤ 51) fully and no honest identity.
type sybilWorld struct {
	edges    []Edge
	honest   []string
	sybils   []string
	seeds    []Seed
	attacker string
	attackW  Score
}

func newSybilWorld(k int) sybilWorld {
	rng := rand.New(rand.NewPCG(7, 7)) // the same honest graph for every k
	var w sybilWorld
	for i := 0; i < 100; i++ {
		w.honest = append(w.honest, fmt.Sprintf("h%03d", i))
	}
	for i, from := range w.honest {
		for _, j := range rng.Perm(100)[:7] {
			if j != i {
				w.edges = append(w.edges, Edge{from, w.honest[j], Score(rng.Int64N(int64(One)*7/10)) + One*3/10})
			}
		}
	}
	w.seeds = []Seed{{"h000", One}, {"h001", One}, {"h002", One}}
	w.attacker, w.attackW = "h050", One/2
	for i := 0; i < k; i++ {
		w.sybils = append(w.sybils, fmt.Sprintf("s%04d", i))
	}
	w.edges = append(w.edges, Edge{w.attacker, w.sybils[0], w.attackW})
	for i, from := range w.sybils {
		for d := 1; d <= min(k-1, 50); d++ {
			w.edges = append(w.edges, Edge{from, w.sybils[(i+d)%k], One})
		}
	}
	return w
}

// mass sums the internal EigenTrust mass (parts per 10^18) of ids.
func mass(r *EigenResult, ids []string) *big.Int {
	sum := new(big.Int)
	for _, id := range ids {
		i, _ := r.g.index(id)
		sum.Add(sum, new(big.Int).SetUint64(r.mass[i]))
	}
	return sum
}

func TestSybilRegion(t *testing.T) {
	eig := EigenParams{Alpha: One / 5, Epsilon: 10, MaxIterations: 500}
	a := eig.Alpha
	var seededMass, uniformMass []*big.Int
	var sybilTop []Score
	for _, k := range []int{10, 100, 1000} {
		w := newSybilWorld(k)
		g := mustGraph(t, w.edges, SeedIDs(w.seeds)...)

		// EigenTrust with pre-trusted seeds: all the region can hold is what
		// flows over the attack edge, (1−a)·t_attacker·c_attack per
		// iteration, which it keeps at rate (1−a): at the fixed point
		// M = (1−a)/a · t_attacker · c_attack, whatever k.
		r := mustEigen(t, g, w.seeds, eig)
		m := mass(r, w.sybils)
		var rowSum int64
		for _, e := range w.edges {
			if e.From == w.attacker && e.Weight > 0 {
				rowSum += int64(e.Weight)
			}
		}
		ti := mass(r, []string{w.attacker})
		bound := new(big.Rat).SetFrac(
			new(big.Int).Mul(new(big.Int).Mul(ti, big.NewInt(int64(One-a))), big.NewInt(int64(w.attackW))),
			new(big.Int).Mul(big.NewInt(int64(a)), big.NewInt(rowSum)))
		slack := new(big.Rat).SetInt64(int64(eig.Epsilon) * 1_000_000_000) // one Epsilon, in parts per 10^18
		if new(big.Rat).SetInt(m).Cmp(new(big.Rat).Add(bound, slack)) > 0 {
			t.Errorf("k=%d: region holds %v parts per 10^18 > (1−a)/a·t·c = %s", k, m, bound.FloatString(0))
		}
		seededMass = append(seededMass, m)

		// DATT from the seeds: every Sybil's score is at most the attacker's
		// times the attack edge, and below the honest identities reached.
		d := mustDATT(t, g, SeedIDs(w.seeds), DefaultDATTParams())
		att, _, _ := d.Lookup(w.attacker)
		var top Score = -One
		for _, id := range w.sybils {
			if sc, _, ok := d.Lookup(id); ok {
				top = max(top, sc)
			}
		}
		if limit := Score(floorDiv(int64(att)*int64(w.attackW), int64(One))); top > limit {
			t.Errorf("k=%d: Sybil DATT %v > attacker %v × attack edge %v", k, top, att, w.attackW)
		}
		var honest []Score
		for _, id := range w.honest {
			if sc, _, ok := d.Lookup(id); ok {
				honest = append(honest, sc)
			}
		}
		slices.Sort(honest)
		if median := honest[len(honest)/2]; top >= median || len(honest) < 90 {
			t.Errorf("k=%d: best Sybil DATT %v, honest median %v (%d honest scored)", k, top, median, len(honest))
		}
		sybilTop = append(sybilTop, top)

		// Without seeds, i.e. pre-trust spread over every identity, each
		// Sybil brings its own teleport mass and the region grows with k:
		// the failure the seeds prevent.
		all := make([]Seed, 0, g.Len())
		for _, id := range g.Identities() {
			all = append(all, Seed{id, One})
		}
		uniformMass = append(uniformMass, mass(mustEigen(t, g, all, eig), w.sybils))
		t.Logf("k=%4d: region EigenTrust %s (seeded), bound %s, %s (uniform); best Sybil DATT %v, attacker %v, honest median %v",
			k, share(seededMass[len(seededMass)-1]), share(new(big.Int).Quo(bound.Num(), bound.Denom())), share(uniformMass[len(uniformMass)-1]), top, att, honest[len(honest)/2])
	}
	// Independent of region size: the seeded mass and the DATT ceiling are
	// the same for 10, 100 and 1,000 Sybils.
	for i := 1; i < len(seededMass); i++ {
		if diff := new(big.Int).Sub(seededMass[i], seededMass[0]); diff.CmpAbs(big.NewInt(int64(eig.Epsilon)*1_000_000_000)) > 0 {
			t.Errorf("seeded region mass changes with size: %v vs %v", seededMass[i], seededMass[0])
		}
		if sybilTop[i] != sybilTop[0] {
			t.Errorf("best Sybil DATT changes with size: %v vs %v", sybilTop[i], sybilTop[0])
		}
		if uniformMass[i].Cmp(uniformMass[i-1]) <= 0 {
			t.Errorf("uniform pre-trust: region mass does not grow with size: %v", uniformMass)
		}
	}
	// With 1,000 Sybils against 100 honest identities, uniform pre-trust
	// hands the region most of the trust, far above the seeded bound.
	if most := new(big.Int).SetUint64(unit * 8 / 10); uniformMass[2].Cmp(most) < 0 {
		t.Errorf("uniform pre-trust: 1,000 Sybils hold only %v", share(uniformMass[2]))
	}
	if x := new(big.Int).Mul(seededMass[2], big.NewInt(10)); uniformMass[2].Cmp(x) < 0 {
		t.Errorf("uniform %v not ten times seeded %v", uniformMass[2], seededMass[2])
	}
}

// share formats parts per 10^18 as a Score.
func share(m *big.Int) Score { return Score(new(big.Int).Div(m, big.NewInt(1_000_000_000)).Int64()) }
