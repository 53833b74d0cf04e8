package score_test

import (
	"fmt"

	"github.com/pastelchain/pastel/x/trust/score"
)

func Example() {
	const one = score.One
	edges := []score.Edge{
		{From: "0", To: "1", Weight: one / 10}, {From: "0", To: "2", Weight: one * 9 / 10},
		{From: "0", To: "3", Weight: one * 8 / 10}, {From: "0", To: "4", Weight: one / 2},
		{From: "1", To: "5", Weight: one / 2}, {From: "2", To: "6", Weight: one * 9 / 10},
		{From: "3", To: "5", Weight: one * 3 / 10}, {From: "4", To: "5", Weight: one / 2},
	}
	epoch, err := score.ComputeEpoch(edges, []score.Seed{{ID: "0", PreTrust: one}}, score.DefaultParams())
	if err != nil {
		panic(err)
	}
	for _, n := range epoch.Nodes {
		fmt.Printf("%s rank %d DATT %v\n", n.ID, n.Rank, n.DATT)
	}
	why, _ := epoch.DATT.Why("5")
	for _, c := range why.Contributions {
		fmt.Printf("5 <- %s: %v × %v = %v\n", c.From, c.FromScore, c.Weight, c.Product)
	}
	fmt.Println("strongest path:", why.Path)
	fmt.Println("top 3:", score.TopN(epoch.Combined(), 3))
	// Output:
	// 0 rank 0 DATT 1
	// 1 rank 1 DATT 0.1
	// 2 rank 1 DATT 0.9
	// 3 rank 1 DATT 0.8
	// 4 rank 1 DATT 0.5
	// 5 rank 2 DATT 0.23
	// 6 rank 2 DATT 0.81
	// 5 <- 1: 0.1 × 0.5 = 0.05
	// 5 <- 3: 0.8 × 0.3 = 0.24
	// 5 <- 4: 0.5 × 0.5 = 0.25
	// strongest path: [{0 1 0} {3 0.8 0.8} {5 0.23 0.3}]
	// top 3: [{0 1} {2 0.606521585} {3 0.539130298}]
}
