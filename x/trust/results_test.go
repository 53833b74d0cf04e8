package trust

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/x/trust/score"
	"github.com/pastelchain/pastel/x/trust/trustpb"
)

// TestAppendNodeScoreEqualsMarshal: the hand-written encoding of a result is
// byte for byte the deterministic protobuf encoding of its NodeScore.
func TestAppendNodeScoreEqualsMarshal(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	pick := func() int64 {
		switch rng.IntN(5) {
		case 0:
			return 0
		case 1:
			return -rng.Int64N(int64(score.One) + 1)
		case 2:
			return []int64{1, -1, 63, 64, -64, -65, math.MaxInt64, math.MinInt64}[rng.IntN(8)]
		}
		return rng.Int64N(int64(score.One) + 1)
	}
	for i := 0; i < 20000; i++ {
		n := score.NodeResult{DATT: score.Score(pick()), Rank: int(int32(pick())), Eigen: score.Score(pick()), EigenNorm: score.Score(pick()), Combined: score.Score(pick())}
		if i%7 == 0 {
			n.Rank = -1
		}
		want, err := proto.MarshalOptions{Deterministic: true}.Marshal(&trustpb.NodeScore{Datt: int64(n.DATT), Rank: int32(n.Rank), Eigen: int64(n.Eigen), EigenNorm: int64(n.EigenNorm), Combined: int64(n.Combined)})
		if err != nil {
			t.Fatal(err)
		}
		got := appendNodeScore(nil, n)
		if !bytes.Equal(got, want) || len(got) > maxNodeScoreLen {
			t.Fatalf("%+v: got %x, want %x", n, got, want)
		}
	}
}
