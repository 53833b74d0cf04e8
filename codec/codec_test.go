package codec

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/klauspost/reedsolomon"
	"pgregory.net/rapid"
)

func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func encodeT(t testing.TB, archive []byte, p Params) (*Manifest, []*Chunk) {
	t.Helper()
	m, chunks, err := Encode(archive, p)
	if err != nil {
		t.Fatalf("Encode(%d bytes, %+v): %v", len(archive), p, err)
	}
	if len(chunks) != len(m.ChunkIDs) {
		t.Fatalf("%d chunks, manifest lists %d", len(chunks), len(m.ChunkIDs))
	}
	return m, chunks
}

func encodedAll(chunks []*Chunk) [][]byte {
	out := make([][]byte, len(chunks))
	for i, c := range chunks {
		out[i] = c.Bytes()
	}
	return out
}

// stripeChunks returns the encoded chunks of stripe s.
func stripeChunks(chunks []*Chunk, s int) [][]byte {
	var out [][]byte
	for _, c := range chunks {
		if c.Stripe == s {
			out = append(out, c.Bytes())
		}
	}
	return out
}

func TestGFMatchesLibraryCauchy(t *testing.T) {
	// Our generator rows must be exactly reedsolomon.WithCauchyMatrix's, and our
	// field the library's: otherwise recovery coefficients would be wrong.
	for a := 1; a < 256; a++ {
		if gfMul(byte(a), gfInv(byte(a))) != 1 {
			t.Fatalf("a·a⁻¹ != 1 for a=%d", a)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, km := range [][2]int{{1, 11}, {5, 55}, {21, 231}, {128, 128}, {3, 1}} {
		k, m := km[0], km[1]
		lib, err := reedsolomon.New(k, m, reedsolomon.WithCauchyMatrix())
		if err != nil {
			t.Fatal(err)
		}
		shards := make([][]byte, k+m)
		for i := range shards {
			shards[i] = make([]byte, 100)
			if i < k {
				shards[i] = randBytes(rng, 100)
			}
		}
		if err := lib.Encode(shards); err != nil {
			t.Fatal(err)
		}
		rows := make([][]byte, m)
		for j := range rows {
			rows[j] = generatorRow(k, k+j)
		}
		lm, err := newLinearMap(rows, k)
		if err != nil {
			t.Fatal(err)
		}
		out := splitShards(make([]byte, m*100), m, 100)
		if err := lm.apply(shards[:k], out); err != nil {
			t.Fatal(err)
		}
		for j := range m {
			if !bytes.Equal(out[j], shards[k+j]) {
				t.Fatalf("k=%d: parity %d differs from reedsolomon.WithCauchyMatrix", k, j)
			}
		}
	}
}

func TestLayoutInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := Params{
			ChunkSize:  rapid.IntRange(MinChunkSize, MaxChunkSize).Draw(t, "chunk"),
			Redundancy: rapid.IntRange(1, MaxShards).Draw(t, "r"),
		}
		size := rapid.Int64Range(0, 1<<34).Draw(t, "size")
		l, err := NewLayout(size, p)
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		chunks := 0
		ns := l.Stripes()
		for _, s := range []int{0, ns / 2, ns - 1} {
			st := l.Stripe(s)
			if st.K < 1 || st.K > p.MaxK() || st.N != st.K*p.Redundancy || st.N > MaxShards {
				t.Fatalf("stripe %d: k=%d n=%d", s, st.K, st.N)
			}
			if st.ShardSize > p.ChunkSize || st.K*st.ShardSize < st.Length || (st.K-1)*st.ShardSize >= max(st.Length, 1) && st.Length > 0 {
				t.Fatalf("stripe %d: shard %d, k %d, length %d", s, st.ShardSize, st.K, st.Length)
			}
			if s < ns-1 && (st.K != p.MaxK() || st.ShardSize != p.ChunkSize) {
				t.Fatalf("stripe %d of %d is not full: %+v", s, ns, st)
			}
			if l.Position(s, 0) != s*p.MaxK()*p.Redundancy {
				t.Fatal("position")
			}
		}
		total = int64(ns-1)*l.stripeBytes() + int64(l.Stripe(ns-1).Length)
		chunks = l.Chunks()
		if total != size {
			t.Fatalf("stripes cover %d bytes, archive has %d", total, size)
		}
		if chunks != l.Position(ns-1, l.Stripe(ns-1).N-1)+1 {
			t.Fatalf("Chunks()=%d, last position %d", chunks, l.Position(ns-1, l.Stripe(ns-1).N-1))
		}
	})
}

func TestRoundTripSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const c = 1024
	for _, p := range []Params{{c, 1}, {c, 2}, {c, 12}, {c, 256}, {3000, 12}, {4096, 5}} {
		k := p.MaxK()
		for _, size := range []int{0, 1, 2, c - 1, c, c + 1, 3*c + 7, k * c, k*c + 1, 2*k*c + c/2, 3 * k * p.ChunkSize} {
			archive := randBytes(rng, size)
			m, chunks := encodeT(t, archive, p)
			l, _ := m.Layout()
			for i, ch := range chunks {
				if pos := l.Position(ch.Stripe, ch.Index); pos != i {
					t.Fatalf("%+v size %d: chunk %d has position %d", p, size, i, pos)
				}
				if got, err := ParseChunk(ch.Bytes()); err != nil || got.ID != m.ChunkIDs[i] {
					t.Fatalf("%+v size %d: chunk %d does not parse back: %v", p, size, i, err)
				}
			}
			all := encodedAll(chunks)
			for _, mm := range []*Manifest{m, nil} {
				got, err := Decode(mm, all)
				if err != nil || !bytes.Equal(got, archive) {
					t.Fatalf("%+v size %d (manifest %v): decode: %v", p, size, mm != nil, err)
				}
			}
			// Parity only (reversed order) must do as well, whenever there is parity.
			if p.Redundancy > 1 {
				var parity [][]byte
				for i := len(chunks) - 1; i >= 0; i-- {
					if chunks[i].IsParity() {
						parity = append(parity, all[i])
					}
				}
				if got, err := Decode(m, parity); err != nil || !bytes.Equal(got, archive) {
					t.Fatalf("%+v size %d: decode from parity only: %v", p, size, err)
				}
			}
		}
	}
}

func TestTinyArchivesHaveTinyChunks(t *testing.T) {
	m, chunks := encodeT(t, nil, DefaultParams())
	if len(chunks) != 12 || len(chunks[0].Payload) != 0 || chunks[0].ID != MerkleRoot(nil) {
		t.Fatalf("empty archive: %d chunks of %d bytes", len(chunks), len(chunks[0].Payload))
	}
	if got, err := Decode(m, encodedAll(chunks)[5:6]); err != nil || len(got) != 0 {
		t.Fatalf("empty archive from one parity chunk: %v", err)
	}
	m, chunks = encodeT(t, []byte{42}, DefaultParams())
	if len(chunks) != 12 || chunks[0].Size() != HeaderSize+1 {
		t.Fatalf("1-byte archive: %d chunks of %d bytes", len(chunks), chunks[0].Size())
	}
	if got, err := Decode(m, encodedAll(chunks)[11:]); err != nil || !bytes.Equal(got, []byte{42}) {
		t.Fatalf("1-byte archive from its last parity chunk: %q, %v", got, err)
	}
}

// Any k distinct chunks of a stripe rebuild it (parity only, data only, mixed);
// k-1 cannot, and the error says which stripe has how many of how many.
func TestAnyKChunksRebuild(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	p := Params{ChunkSize: 1024, Redundancy: 12}
	archive := randBytes(rng, 2*21*1024+7*1024+100) // stripes: k=21, 21, 8
	m, chunks := encodeT(t, archive, p)
	l, _ := m.Layout()
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.IntRange(0, l.Stripes()-1).Draw(t, "stripe")
		st := l.Stripe(s)
		kind := rapid.SampledFrom([]string{"parity", "data", "mixed"}).Draw(t, "kind")
		var pool []int
		for i := range st.N {
			if kind == "mixed" || (kind == "data") == (i < st.K) {
				pool = append(pool, i)
			}
		}
		perm := rapid.Permutation(pool).Draw(t, "perm")
		pick := perm[:st.K]
		var in [][]byte
		for t2 := range l.Stripes() {
			if t2 != s {
				in = append(in, stripeChunks(chunks, t2)...)
			}
		}
		base := l.Position(s, 0)
		for _, i := range pick {
			in = append(in, chunks[base+i].Bytes())
		}
		got, err := Decode(m, in)
		if err != nil || !bytes.Equal(got, archive) {
			t.Fatalf("stripe %d from %s chunks %v: %v", s, kind, pick, err)
		}
		// Drop one: now it must fail, naming the stripe.
		_, err = Decode(m, in[:len(in)-1])
		want := fmt.Sprintf("stripe %d has %d of %d needed chunks", s, st.K-1, st.K)
		if !errors.Is(err, ErrTooFewChunks) || !strings.Contains(err.Error(), want) {
			t.Fatalf("k-1 chunks: got %v, want an error containing %q", err, want)
		}
	})
}

func TestDecodeSkipsBadChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	p := Params{ChunkSize: 2048, Redundancy: 3}
	archive := randBytes(rng, 10*2048+5)
	m, chunks := encodeT(t, archive, p)
	other, otherChunks := encodeT(t, randBytes(rng, 10*2048+5), p)
	_ = other
	all := encodedAll(chunks)
	d, _ := NewDecoder(m)
	// Foreign chunks are refused whatever their quality.
	for _, b := range encodedAll(otherChunks) {
		if err := d.Add(b); !errors.Is(err, ErrForeign) {
			t.Fatalf("foreign chunk: %v", err)
		}
	}
	// A damaged payload, a damaged header, a truncated chunk, trailing bytes.
	bad := bytes.Clone(all[0])
	bad[HeaderSize+10] ^= 1
	if err := d.Add(bad); !errors.Is(err, ErrIDMismatch) {
		t.Fatalf("damaged payload: %v", err)
	}
	bad = bytes.Clone(all[1])
	bad[61] ^= 1 // stripe number
	if err := d.Add(bad); !errors.Is(err, ErrBadHeader) {
		t.Fatalf("damaged header: %v", err)
	}
	if err := d.Add(all[2][:len(all[2])-1]); !errors.Is(err, ErrTruncated) {
		t.Fatalf("truncated: %v", err)
	}
	if err := d.Add(append(bytes.Clone(all[3]), 0)); !errors.Is(err, ErrBadChunk) {
		t.Fatalf("trailing byte: %v", err)
	}
	// A chunk relabelled as another index, with a valid checksum: the manifest
	// position check catches it.
	c, _ := ParseChunk(all[4])
	c.Index = 5
	if err := d.Add(c.Bytes()); !errors.Is(err, ErrIDMismatch) {
		t.Fatalf("relabelled chunk: %v", err)
	}
	if err := d.Add(all[6]); err != nil {
		t.Fatal(err)
	}
	if err := d.Add(all[6]); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate: %v", err)
	}
	for _, b := range all {
		_ = d.Add(b)
	}
	var out bytes.Buffer
	if _, err := d.WriteTo(&out); err != nil || !bytes.Equal(out.Bytes(), archive) {
		t.Fatalf("decode after rejections: %v", err)
	}
}

func TestHeaderModeLocksOnFirstArchive(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	p := Params{ChunkSize: 1024, Redundancy: 2}
	a := randBytes(rng, 5000)
	_, ca := encodeT(t, a, p)
	_, cb := encodeT(t, randBytes(rng, 5000), p)
	in := append(encodedAll(ca[:1]), encodedAll(cb)...)
	in = append(in, encodedAll(ca[1:])...)
	got, err := Decode(nil, in)
	if err != nil || !bytes.Equal(got, a) {
		t.Fatalf("header mode with foreign chunks mixed in: %v", err)
	}
}

func TestMintReproducesEveryChunk(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	p := Params{ChunkSize: 1500, Redundancy: 8}
	archive := randBytes(rng, 36*1500+333) // stripes k=32 (n=256), then k=5 (n=40)
	m, chunks := encodeT(t, archive, p)
	l, _ := m.Layout()
	for s := range l.Stripes() {
		st := l.Stripe(s)
		base := l.Position(s, 0)
		for idx := range st.N {
			// Any k others, in random order, plus noise from the other stripe.
			var others [][]byte
			for _, i := range rng.Perm(st.N) {
				if i != idx {
					others = append(others, chunks[base+i].Bytes())
				}
			}
			others = others[:st.K]
			others = append(others, stripeChunks(chunks, 1-s)...)
			rng.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
			modes := []*Manifest{m, nil}
			if idx%8 != 0 {
				// Header mode hashes all k inputs per mint; every eighth index is
				// plenty for it (and keeps the test quick under -race).
				modes = modes[:1]
			}
			for _, mm := range modes {
				c, err := Mint(mm, s, idx, others)
				if err != nil {
					t.Fatalf("mint stripe %d index %d (manifest %v): %v", s, idx, mm != nil, err)
				}
				if !bytes.Equal(c.Bytes(), chunks[base+idx].Bytes()) || c.ID != m.ChunkIDs[base+idx] {
					t.Fatalf("mint stripe %d index %d (manifest %v): different bytes", s, idx, mm != nil)
				}
			}
		}
	}
}

func TestMintRoutesAroundBadInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	p := Params{ChunkSize: 1024, Redundancy: 3}
	archive := randBytes(rng, 6*1024)
	m, chunks := encodeT(t, archive, p)
	all := encodedAll(chunks)
	// Corrupt the first two payloads; the optimistic rebuild uses them, fails the
	// manifest check, and the retry drops them.
	all[0][HeaderSize] ^= 0xff
	all[1][HeaderSize+5] ^= 0xff
	c, err := Mint(m, 0, 17, all[:len(all)-1])
	if err != nil || c.ID != m.ChunkIDs[17] {
		t.Fatalf("mint with two bad inputs: %v", err)
	}
	_, err = Mint(m, 0, 17, all[:7])
	if !errors.Is(err, ErrTooFewChunks) || !strings.Contains(err.Error(), "stripe 0 has 5 of 6 needed chunks") {
		t.Fatalf("mint from 5 good of 6 needed: %v", err)
	}
}

func TestEncodeStreamChecksItsInput(t *testing.T) {
	archive := randBytes(rand.New(rand.NewPCG(15, 16)), 5000)
	p := Params{ChunkSize: 1024, Redundancy: 2}
	hash, _, _ := HashArchive(bytes.NewReader(archive))
	nop := func(*Chunk) error { return nil }
	if _, err := EncodeStream(bytes.NewReader(archive), 5000, Hash{1}, p, nop); !errors.Is(err, ErrArchiveHash) {
		t.Errorf("wrong hash: %v", err)
	}
	if _, err := EncodeStream(bytes.NewReader(archive[:4999]), 5000, hash, p, nop); !errors.Is(err, ErrArchiveSize) {
		t.Errorf("short stream: %v", err)
	}
	if _, err := EncodeStream(bytes.NewReader(append(archive, 0)), 5000, hash, p, nop); !errors.Is(err, ErrArchiveSize) {
		t.Errorf("long stream: %v", err)
	}
	stop := errors.New("disk full")
	if _, err := EncodeStream(bytes.NewReader(archive), 5000, hash, p, func(*Chunk) error { return stop }); err != stop {
		t.Errorf("emit error: %v", err)
	}
	if _, err := EncodeStream(bytes.NewReader(archive), 5000, hash, Params{ChunkSize: 10, Redundancy: 2}, nop); !errors.Is(err, ErrBadParams) {
		t.Errorf("bad params: %v", err)
	}
	m, err := EncodeStream(bytes.NewReader(archive), 5000, hash, p, nop)
	if err != nil || m.ArchiveHash != hash || m.Validate() != nil {
		t.Fatalf("good stream: %v", err)
	}
}

// TestVerifiedChunks: Verify refuses what VerifyChunk refuses; a decoder
// takes a Verified chunk at its own position without hashing it again and
// still refuses one verified against its own id but offered where the
// manifest expects another chunk.
func TestVerifiedChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	p := Params{ChunkSize: 1024, Redundancy: 2}
	archive := randBytes(rng, 4*1024+3)
	m, chunks := encodeT(t, archive, p)
	all := encodedAll(chunks)
	bad := bytes.Clone(all[0])
	bad[HeaderSize+3] ^= 1
	if _, err := Verify(bad, chunks[0].ID); !errors.Is(err, ErrIDMismatch) {
		t.Fatalf("damaged payload verified: %v", err)
	}
	d, _ := NewDecoder(m)
	// Chunk 1 relabelled as index 0, then verified against its own
	// (relabelled header's) id: Verify accepts it, the decoder does not.
	c, _ := ParseChunk(all[1])
	c.Index = 0
	c.ID = MerkleRoot(c.Payload)
	v, err := Verify(c.Bytes(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.AddVerified(v); !errors.Is(err, ErrIDMismatch) {
		t.Fatalf("a chunk verified against its own id, at another's position: %v", err)
	}
	for i, b := range all {
		v, err := Verify(b, chunks[i].ID)
		if err != nil || v.ID() != chunks[i].ID || !bytes.Equal(v.Bytes(), b) {
			t.Fatalf("chunk %d: %v", i, err)
		}
		if err := d.AddVerified(v); err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
	}
	var out bytes.Buffer
	if _, err := d.WriteTo(&out); err != nil || !bytes.Equal(out.Bytes(), archive) {
		t.Fatalf("decoded %d bytes, err %v", out.Len(), err)
	}
}
