// Command codeccompare compares the chunk codec's Reed-Solomon code with two
// fountain codes on the same input: an LT code (github.com/google/gofountain,
// robust soliton degrees) and RaptorQ (github.com/xssnick/raptorq).
//
// For each code and symbol size it reports the symbols needed to decode beyond
// the k source symbols (reception overhead, over several random orders of the
// n = 12·k encoded symbols), encode throughput (making all n symbols) and decode
// throughput, in MB/s of input. Reed-Solomon appears twice: the bare arithmetic
// (klauspost/reedsolomon with the codec's Cauchy matrix, as the fountain codes are
// bare arithmetic too) and the codec's full pipeline (chunk ids, headers and the
// archive-hash checks included).
//
//	go run . [-size 32MiB] [-trials 5] [-symbols 2MiB,64KiB,8KiB]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	mrand "math/rand"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	fountain "github.com/google/gofountain"
	"github.com/klauspost/reedsolomon"
	"github.com/pastelchain/pastel/codec"
	"github.com/xssnick/raptorq"
)

const redundancy = 12

type result struct {
	code      string
	symbol    int
	k         int
	overheads []float64 // extra symbols needed / k, per trial
	encode    float64   // MB/s of input
	decode    float64   // MB/s of input
	note      string
}

func main() {
	sizeFlag := flag.String("size", "32MiB", "input size")
	trials := flag.Int("trials", 5, "random reception orders per code (overhead statistics)")
	symbolsFlag := flag.String("symbols", "2MiB,64KiB,8KiB", "symbol sizes for the fountain codes")
	flag.Parse()
	size, err := parseSize(*sizeFlag)
	if err != nil {
		fail(err)
	}
	data := make([]byte, size)
	rand.NewChaCha8([32]byte{'c', 'm', 'p'}).Read(data)
	fmt.Printf("input %s, redundancy %dx (n = 12k encoded symbols), %d trials, GOMAXPROCS=%d\n\n",
		*sizeFlag, redundancy, *trials, runtime.GOMAXPROCS(0))

	var rows []result
	rows = append(rows, rsArithmetic(data, *trials), rsCodec(data, *trials))
	for _, s := range strings.Split(*symbolsFlag, ",") {
		sym, err := parseSize(s)
		if err != nil {
			fail(err)
		}
		rows = append(rows, lt(data, sym, *trials), raptorQ(data, sym, *trials))
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "code\tsymbol\tk\toverhead mean\toverhead max\tencode MB/s\tdecode MB/s\tnote")
	for _, r := range rows {
		mean, most := stats(r.overheads)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f%%\t%.1f%%\t%.0f\t%.0f\t%s\n", r.code, fmtSize(r.symbol), r.k, 100*mean, 100*most, r.encode, r.decode, r.note)
	}
	tw.Flush()
}

func mbps(n int, d time.Duration) float64 { return float64(n) / d.Seconds() / 1e6 }

// best runs f a few times and returns the fastest duration.
func best(times int, f func()) time.Duration {
	b := time.Duration(math.MaxInt64)
	for range times {
		start := time.Now()
		f()
		b = min(b, time.Since(start))
	}
	return b
}

// rsArithmetic: klauspost/reedsolomon with the codec's matrix, one stripe of
// k = size/2MiB pieces (the codec's layout for 32 MiB), decoding from k parity
// shards (the worst case).
func rsArithmetic(data []byte, trials int) result {
	const chunk = 2 << 20
	k := (len(data) + chunk - 1) / chunk
	if k*redundancy > 256 {
		k = 256 / redundancy
	}
	shard := (len(data) + k - 1) / k
	n := k * redundancy
	enc, err := reedsolomon.New(k, n-k, reedsolomon.WithCauchyMatrix(), reedsolomon.WithMaxGoroutines(8))
	if err != nil {
		fail(err)
	}
	shards := make([][]byte, n)
	for i := range shards {
		shards[i] = make([]byte, shard)
		if i < k {
			copy(shards[i], data[i*shard:min(len(data), (i+1)*shard)])
		}
	}
	encT := best(3, func() { must(enc.Encode(shards)) })
	r := result{code: "Reed-Solomon (arithmetic)", symbol: shard, k: k, encode: mbps(k*shard, encT)}
	rng := rand.New(rand.NewPCG(1, 2))
	var decT time.Duration = math.MaxInt64
	for range trials {
		pick := rng.Perm(n)[:k] // any k distinct shards
		in := make([][]byte, n)
		for _, i := range pick {
			in[i] = shards[i]
		}
		must(enc.ReconstructData(in))
		for i := range k {
			if !bytes.Equal(in[i], shards[i]) {
				fail(fmt.Errorf("reed-solomon: shard %d wrong", i))
			}
		}
		r.overheads = append(r.overheads, 0)
	}
	parity := make([][]byte, n)
	decT = best(3, func() {
		copy(parity[k:], shards[k:2*k])
		clear(parity[:k])
		clear(parity[2*k:])
		must(enc.ReconstructData(parity))
	})
	r.decode = mbps(k*shard, decT)
	r.note = "any k of n, always; decode from k parity shards"
	return r
}

// rsCodec: the chunk codec end to end (archive hash in, chunk ids, headers;
// decode verifies every id and the archive hash).
func rsCodec(data []byte, trials int) result {
	p := codec.DefaultParams()
	var m *codec.Manifest
	var chunks []*codec.Chunk
	encT := best(3, func() {
		var err error
		m, chunks, err = codec.Encode(data, p)
		must(err)
	})
	l, _ := m.Layout()
	st := l.Stripe(0)
	all := make([][]byte, len(chunks))
	for i, c := range chunks {
		all[i] = c.Bytes()
	}
	r := result{code: "Reed-Solomon (chunk codec)", symbol: st.ShardSize, k: l.Stripe(0).K, encode: mbps(len(data), encT)}
	rng := rand.New(rand.NewPCG(3, 4))
	for range trials {
		// Exactly k random chunks of each stripe.
		var in [][]byte
		for s := range l.Stripes() {
			st := l.Stripe(s)
			base := l.Position(s, 0)
			for _, i := range rng.Perm(st.N)[:st.K] {
				in = append(in, all[base+i])
			}
		}
		got, err := codec.Decode(m, in)
		must(err)
		if !bytes.Equal(got, data) {
			fail(fmt.Errorf("codec: wrong output"))
		}
		r.overheads = append(r.overheads, 0)
	}
	parity := all[st.K : 2*st.K]
	decT := best(3, func() {
		_, err := codec.Decode(m, parity)
		must(err)
	})
	r.decode = mbps(len(data), decT)
	r.note = "encode incl. chunk ids; decode incl. id + archive-hash checks"
	return r
}

// robustSoliton returns gofountain's one-based CDF of the robust soliton
// distribution with c = 0.1, delta = 0.05.
func robustSoliton(k int) []float64 {
	const c, delta = 0.1, 0.05
	R := c * math.Log(float64(k)/delta) * math.Sqrt(float64(k))
	m := max(1, min(k, int(math.Round(float64(k)/R))))
	pdf := make([]float64, k+1)
	pdf[1] = 1 / float64(k)
	for i := 2; i <= k; i++ {
		pdf[i] = 1 / (float64(i) * float64(i-1))
	}
	for i := 1; i < m; i++ {
		pdf[i] += 1 / (float64(i) * float64(m))
	}
	pdf[m] += math.Log(float64(k)/(float64(m)*delta)) / float64(m)
	total := 0.0
	for _, p := range pdf {
		total += p
	}
	cdf := make([]float64, k+1)
	for i := 1; i <= k; i++ {
		cdf[i] = cdf[i-1] + pdf[i]/total
	}
	return cdf
}

func lt(data []byte, sym, trials int) result {
	k := (len(data) + sym - 1) / sym
	n := k * redundancy
	newCodec := func() fountain.Codec {
		return fountain.NewLubyCodec(k, mrand.New(fountain.NewMersenneTwister(200)), robustSoliton(k))
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	var blocks []fountain.LTBlock
	encT := best(1, func() {
		msg := bytes.Clone(data) // EncodeLTBlocks destroys its input
		blocks = fountain.EncodeLTBlocks(msg, ids, newCodec())
	})
	r := result{code: "LT (gofountain)", symbol: sym, k: k, encode: mbps(len(data), encT)}
	rng := rand.New(rand.NewPCG(5, 6))
	var decT time.Duration = math.MaxInt64
	failed := 0
	for range trials {
		order := rng.Perm(n)
		start := time.Now()
		dec := newCodec().NewDecoder(len(data))
		used := 0
		ok := false
		for _, i := range order {
			used++
			// The decoder XORs into the block it is given: hand it a fresh copy,
			// as a receiver's buffer would be.
			b := fountain.LTBlock{BlockCode: blocks[i].BlockCode, Data: bytes.Clone(blocks[i].Data)}
			if dec.AddBlocks([]fountain.LTBlock{b}) {
				ok = true
				break
			}
		}
		if !ok {
			failed++
			continue
		}
		out := dec.Decode()
		decT = min(decT, time.Since(start))
		if !bytes.Equal(out, data) {
			fail(fmt.Errorf("LT: wrong output"))
		}
		r.overheads = append(r.overheads, float64(used-k)/float64(k))
	}
	r.decode = mbps(len(data), decT)
	r.note = "robust soliton c=0.1 delta=0.05"
	if failed > 0 {
		r.note += fmt.Sprintf("; %d of %d trials could not decode from all n", failed, trials)
	}
	return r
}

func raptorQ(data []byte, sym, trials int) result {
	rq := raptorq.NewRaptorQ(uint32(sym))
	var enc *raptorq.Encoder
	var symbols [][]byte
	var k int
	encT := best(1, func() {
		var err error
		enc, err = rq.CreateEncoder(data)
		must(err)
		k = int(enc.BaseSymbolsNum())
		symbols = make([][]byte, k*redundancy)
		for i := range symbols {
			symbols[i] = enc.GenSymbol(uint32(i))
		}
	})
	n := len(symbols)
	r := result{code: "RaptorQ (xssnick)", symbol: sym, k: k, encode: mbps(len(data), encT)}
	rng := rand.New(rand.NewPCG(7, 8))
	var decT time.Duration = math.MaxInt64
	for range trials {
		order := rng.Perm(n)
		start := time.Now()
		dec, err := rq.CreateDecoder(uint32(len(data)))
		must(err)
		used := 0
		var out []byte
		for _, i := range order {
			used++
			canTry, err := dec.AddSymbol(uint32(i), symbols[i])
			must(err)
			if !canTry {
				continue
			}
			ok, got, err := dec.Decode()
			if err == nil && ok {
				out = got
				break
			}
		}
		decT = min(decT, time.Since(start))
		if !bytes.Equal(out, data) {
			fail(fmt.Errorf("RaptorQ: wrong output"))
		}
		r.overheads = append(r.overheads, float64(used-k)/float64(k))
	}
	r.decode = mbps(len(data), decT)
	r.note = "decode retried after each extra symbol"
	return r
}

func stats(xs []float64) (mean, most float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	for _, x := range s {
		mean += x
	}
	return mean / float64(len(s)), s[len(s)-1]
}

func parseSize(s string) (int, error) {
	s = strings.TrimSpace(s)
	mult := 1
	for suffix, m := range map[string]int{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suffix) {
			s, mult = strings.TrimSuffix(s, suffix), m
			break
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q (use e.g. 32MiB, 64KiB or bytes)", s)
	}
	return n * mult, nil
}

func fmtSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	case n >= 1<<20:
		return fmt.Sprintf("%.2fMiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%dB", n)
}

func must(err error) {
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "codeccompare:", err)
	os.Exit(1)
}
