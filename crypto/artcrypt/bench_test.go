package artcrypt

import (
	"bytes"
	"crypto/sha3"
	"fmt"
	"io"
	"math/rand"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/pastelchain/pastel/codec"
)

// pipeline times what a wallet does to an archive of n bytes: encode it
// into chunks (encrypting it first when enc), and decode k chunks per
// stripe back (decrypting after when enc). In memory: no disk in the
// figures.
func pipeline(tb testing.TB, archive []byte, enc bool) (encode, decode time.Duration) {
	p := codec.Params{ChunkSize: 2 << 20, Redundancy: codec.DefaultRedundancy}
	ck, _ := NewKey(detRand("bench"))
	t0 := time.Now()
	stored := archive
	if enc {
		var ct bytes.Buffer
		ct.Grow(len(archive) + len(archive)/1000 + 64)
		if _, err := Encrypt(&ct, bytes.NewReader(archive), ck, nil); err != nil {
			tb.Fatal(err)
		}
		stored = ct.Bytes()
	}
	h := codec.Hash(sha3.Sum256(stored))
	keep := map[codec.ID][]byte{}
	m, err := codec.EncodeStream(bytes.NewReader(stored), int64(len(stored)), h, p, func(c *codec.Chunk) error {
		if c.Index < c.K { // the k data chunks are what a download fetches
			keep[c.ID] = c.Bytes()
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	encode = time.Since(t0)

	t0 = time.Now()
	d, err := codec.NewDecoder(m)
	if err != nil {
		tb.Fatal(err)
	}
	for _, b := range keep {
		if err := d.Add(b); err != nil {
			tb.Fatal(err)
		}
	}
	var out bytes.Buffer
	out.Grow(len(stored))
	if _, err := d.WriteTo(&out); err != nil {
		tb.Fatal(err)
	}
	plain := out.Bytes()
	if enc {
		r, err := DecryptReader(bytes.NewReader(out.Bytes()), ck)
		if err != nil {
			tb.Fatal(err)
		}
		var pb bytes.Buffer
		pb.Grow(len(archive))
		if _, err := io.Copy(&pb, r); err != nil {
			tb.Fatal(err)
		}
		plain = pb.Bytes()
	}
	decode = time.Since(t0)
	if !bytes.Equal(plain, archive) {
		tb.Fatal("round trip differs")
	}
	return encode, decode
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// TestBenchEncryptionOverhead (PASTEL_BENCH=1, make bench) prints encode
// and decode throughput of a 20 MiB archive, plain and encrypted,
// interleaved in one run: medians of 7 and the time encryption adds.
func TestBenchEncryptionOverhead(t *testing.T) {
	if os.Getenv("PASTEL_BENCH") == "" {
		t.Skip("a benchmark: PASTEL_BENCH=1 (make bench)")
	}
	const n = 20 << 20
	archive := make([]byte, n)
	rand.New(rand.NewSource(1)).Read(archive)
	var pe, pd, ee, ed []time.Duration
	for i := 0; i < 7; i++ {
		e, d := pipeline(t, archive, false)
		pe, pd = append(pe, e), append(pd, d)
		e, d = pipeline(t, archive, true)
		ee, ed = append(ee, e), append(ed, d)
	}
	mbs := func(d time.Duration) float64 { return float64(n) / (1 << 20) / d.Seconds() }
	fmt.Printf("encryption, 20 MiB archive, 2 MiB chunks, redundancy %d (median of 7, interleaved):\n", codec.DefaultRedundancy)
	fmt.Printf("  encode            %7.1f MB/s   encrypt+encode %7.1f MB/s   +%.1f%% time\n",
		mbs(median(pe)), mbs(median(ee)), 100*(median(ee).Seconds()/median(pe).Seconds()-1))
	fmt.Printf("  decode            %7.1f MB/s   decode+decrypt %7.1f MB/s   +%.1f%% time\n",
		mbs(median(pd)), mbs(median(ed)), 100*(median(ed).Seconds()/median(pd).Seconds()-1))
}

func BenchmarkEncrypt(b *testing.B) {
	buf := make([]byte, 4<<20)
	ck, _ := NewKey(detRand("b"))
	b.SetBytes(int64(len(buf)))
	for i := 0; i < b.N; i++ {
		if _, err := Encrypt(io.Discard, bytes.NewReader(buf), ck, nil); err != nil {
			b.Fatal(err)
		}
	}
}
