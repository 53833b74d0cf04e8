package codec

import (
	"bytes"
	"crypto/sha3"
	"errors"
	"fmt"
	"io"
	"runtime"
)

// parityBatch is how many parity chunks are computed at once. Memory while
// encoding is one stripe's source pieces plus parityBatch parity payloads
// (k + 8 chunks, ≤ 58 MiB at the default 2 MiB), not the stripe's n chunks.
// Measured (BenchmarkEncode/parity-only, 32 MiB at 12x on the 2-core target):
// batches of 8 took the least CPU of 8/16/32/64/176, despite re-reading the
// source pieces more often.
const parityBatch = 8

// HashArchive returns the SHA3-256 and length of everything r yields.
func HashArchive(r io.Reader) (Hash, int64, error) {
	h := sha3.New256()
	n, err := io.Copy(h, r)
	var out Hash
	h.Sum(out[:0])
	return out, n, err
}

// EncodeStream erasure-codes the archive read from r, which must be exactly size
// bytes with SHA3-256 hash, and calls emit for every chunk in manifest order
// (stripe by stripe; within a stripe, index 0 to n-1). It returns the manifest.
//
// Memory stays at one stripe's source pieces plus a batch of parity chunks,
// whatever the archive size. The *Chunk passed to emit, and its Payload, are only
// valid during the call: emit must copy what it keeps and must not modify them.
//
// The hash is needed before the first chunk (every header carries it), so the
// caller computes it first, e.g. while writing the archive to a file. EncodeStream
// recomputes it as it reads and returns ErrArchiveHash or ErrArchiveSize if the
// stream did not match; the chunks emitted by then must be discarded. An error
// returned by emit stops the encoding and is returned as is.
func EncodeStream(r io.Reader, size int64, hash Hash, p Params, emit func(*Chunk) error) (*Manifest, error) {
	return encodeStream(r, size, hash, p, emit, true)
}

// encodeStream is EncodeStream; recheck=false skips re-hashing the input, for
// callers that just computed the hash from the same bytes in memory.
func encodeStream(r io.Reader, size int64, hash Hash, p Params, emit func(*Chunk) error, recheck bool) (*Manifest, error) {
	l, err := NewLayout(size, p)
	if err != nil {
		return nil, err
	}
	e := newStripeEncoder(l, hash)
	m := &Manifest{ArchiveHash: hash, ArchiveSize: size, ChunkSize: p.ChunkSize, Redundancy: p.Redundancy,
		ChunkIDs: make([]ID, 0, l.Chunks())}
	sum := sha3.New256()
	for s := range l.Stripes() {
		st := l.Stripe(s)
		data := e.data[:st.K*st.ShardSize]
		if n, err := io.ReadFull(r, data[:st.Length]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("%w: stream ended after %d of %d bytes", ErrArchiveSize, st.Offset+int64(n), size)
			}
			return nil, fmt.Errorf("codec: reading archive: %w", err)
		}
		clear(data[st.Length:])
		// Hash the stripe on another core while this one codes it; both only read data.
		hashed := make(chan struct{})
		go func() {
			if recheck {
				sum.Write(data[:st.Length])
			}
			close(hashed)
		}()
		err := e.encodeStripe(st, data, func(c *Chunk) error {
			m.ChunkIDs = append(m.ChunkIDs, c.ID)
			return emit(c)
		})
		<-hashed
		if err != nil {
			return nil, err
		}
	}
	var extra [1]byte
	if n, _ := io.ReadFull(r, extra[:]); n > 0 {
		return nil, fmt.Errorf("%w: stream is longer than the declared %d bytes", ErrArchiveSize, size)
	}
	var got Hash
	sum.Sum(got[:0])
	if recheck && got != hash {
		return nil, fmt.Errorf("%w: stream hashes to %s, declared %s", ErrArchiveHash, got, hash)
	}
	return m, nil
}

// Encode erasure-codes an archive held in memory and returns the manifest and every
// chunk (with its own copy of the payload).
func Encode(archive []byte, p Params) (*Manifest, []*Chunk, error) {
	hash := Hash(sha3.Sum256(archive))
	var chunks []*Chunk
	m, err := encodeStream(bytes.NewReader(archive), int64(len(archive)), hash, p, func(c *Chunk) error {
		cp := &Chunk{Header: c.Header, Payload: bytes.Clone(c.Payload)}
		if cp.Payload == nil {
			cp.Payload = []byte{}
		}
		chunks = append(chunks, cp)
		return nil
	}, false)
	if err != nil {
		return nil, nil, err
	}
	return m, chunks, nil
}

// stripeEncoder holds the buffers and coding maps reused from stripe to stripe.
type stripeEncoder struct {
	l      Layout
	hash   Hash
	data   []byte // the stripe's k source pieces, back to back
	parity []byte // one batch of parity payloads
	maps   map[[3]int]*linearMap
	ids    []ID
}

func newStripeEncoder(l Layout, hash Hash) *stripeEncoder {
	// Stripe 0 is the largest: k·ShardSize is at least that of any later stripe.
	st := l.Stripe(0)
	batch := min(parityBatch, st.N-st.K)
	return &stripeEncoder{
		l:      l,
		hash:   hash,
		data:   make([]byte, st.K*st.ShardSize),
		parity: make([]byte, batch*st.ShardSize),
		maps:   make(map[[3]int]*linearMap),
		ids:    make([]ID, max(st.K, batch)),
	}
}

// encodeStripe emits the n chunks of stripe st whose source pieces are in data.
func (e *stripeEncoder) encodeStripe(st StripeLayout, data []byte, emit func(*Chunk) error) error {
	pieces := splitShards(data, st.K, st.ShardSize)
	if err := e.emitAll(st, 0, pieces, emit); err != nil {
		return err
	}
	for first := st.K; first < st.N; first += parityBatch {
		m := min(parityBatch, st.N-first)
		key := [3]int{st.K, first, m}
		lm := e.maps[key]
		if lm == nil {
			rows := make([][]byte, m)
			for j := range rows {
				rows[j] = generatorRow(st.K, first+j)
			}
			var err error
			if lm, err = newLinearMap(rows, st.K); err != nil {
				return err
			}
			e.maps[key] = lm
		}
		out := splitShards(e.parity[:m*st.ShardSize], m, st.ShardSize)
		if err := lm.apply(pieces, out); err != nil {
			return err
		}
		if err := e.emitAll(st, first, out, emit); err != nil {
			return err
		}
	}
	return nil
}

// emitAll hashes payloads (chunks first, first+1, ...) on all cores, then emits
// them in order.
func (e *stripeEncoder) emitAll(st StripeLayout, first int, payloads [][]byte, emit func(*Chunk) error) error {
	ids := e.ids[:len(payloads)]
	parallelFor(len(payloads), runtime.GOMAXPROCS(0), func(lh *leafHasher, i int) {
		ids[i] = merkleRootSerial(lh, payloads[i])
	})
	var c Chunk
	for i, p := range payloads {
		c = Chunk{Header: newHeader(e.l, e.hash, st, first+i, ids[i]), Payload: p}
		if err := emit(&c); err != nil {
			return err
		}
	}
	return nil
}

// splitShards cuts b into count slices of size bytes (capacity-limited, so an
// append by a careless caller cannot run into the neighbour).
func splitShards(b []byte, count, size int) [][]byte {
	out := make([][]byte, count)
	for i := range out {
		out[i] = b[i*size : (i+1)*size : (i+1)*size]
	}
	return out
}
