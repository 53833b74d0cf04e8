package codec

import (
	"fmt"

	"github.com/klauspost/reedsolomon"
)

// linearMap computes outputs as fixed GF(256) linear combinations of k equally long
// inputs: out[w] = Σ_c rows[w][c]·in[c]. Encoding (rows = Cauchy parity rows),
// rebuilding data (rows = inverse of the surviving rows) and minting (one combined
// row) are all this one operation; klauspost/reedsolomon does the byte work with
// its SIMD kernels (GFNI / AVX-512 / AVX2 where the CPU has them).
type linearMap struct {
	k, m int
	enc  reedsolomon.Encoder
}

// rsGoroutines is how many pieces reedsolomon splits each shard into, to run on
// goroutines. Measured on the 2-core target with 2 MiB shards: 4 was as cheap in
// CPU as the library's automatic choice and steadier in wall time; above
// GOMAXPROCS so one slow piece does not idle a core.
const rsGoroutines = 4

func newLinearMap(rows [][]byte, k int) (*linearMap, error) {
	if k < 1 || len(rows) < 1 || k+len(rows) > 256 {
		return nil, fmt.Errorf("codec: internal: linear map %d→%d out of range", k, len(rows))
	}
	enc, err := reedsolomon.New(k, len(rows),
		reedsolomon.WithCustomMatrix(rows),
		reedsolomon.WithMaxGoroutines(rsGoroutines),
	)
	if err != nil {
		return nil, fmt.Errorf("codec: internal: %v", err)
	}
	return &linearMap{k: k, m: len(rows), enc: enc}, nil
}

// apply fills outputs (len m, each as long as the inputs) from inputs (len k).
func (lm *linearMap) apply(inputs, outputs [][]byte) error {
	if len(inputs) != lm.k || len(outputs) != lm.m {
		return fmt.Errorf("codec: internal: linear map %d→%d applied to %d→%d", lm.k, lm.m, len(inputs), len(outputs))
	}
	if len(inputs[0]) == 0 {
		return nil // empty shards (empty archive): nothing to compute
	}
	shards := make([][]byte, 0, lm.k+lm.m)
	shards = append(shards, inputs...)
	shards = append(shards, outputs...)
	if err := lm.enc.Encode(shards); err != nil {
		return fmt.Errorf("codec: internal: %v", err)
	}
	return nil
}

// recover computes the chunks at indices want of a stripe with k source pieces from
// the chunks at indices have (k distinct indices, payloads in the same order).
func recoverChunks(k int, have []int, payloads [][]byte, want []int, outputs [][]byte) error {
	rows, err := recoveryRows(k, have, want)
	if err != nil {
		return err
	}
	lm, err := newLinearMap(rows, k)
	if err != nil {
		return err
	}
	return lm.apply(payloads, outputs)
}
