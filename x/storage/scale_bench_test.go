package storage_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/app/apptest"
	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// TestBenchStatePerArt measures the storage module's state per registered
// art as the replication factor R grows: keys and key+value bytes at the
// latest version, in total and by key prefix, for an art with the chunk
// layout of a 20 MiB image at the default coding (10 pieces, ×12 = 120
// chunks; the bench uses 1 KiB chunks so that honest holders can prove
// possession cheaply: only payload lengths differ from a real 20 MiB art,
// one varint each). Every chunk is confirmed with a proof by its R holders
// and the art attested active, as on a healthy network. A measurement, not
// a pass/fail: runs with PASTEL_BENCH=1 (make bench-scale).
func TestBenchStatePerArt(t *testing.T) {
	if os.Getenv("PASTEL_BENCH") != "1" {
		t.Skip("measurement; run with PASTEL_BENCH=1 (make bench-scale)")
	}
	const arts = 8
	fmt.Printf("state per art (120 chunks: the layout of a 20 MiB image), %d arts, 24 masternodes:\n", arts)
	fmt.Printf("%4s %10s %12s   %s\n", "R", "keys/art", "bytes/art", "largest prefixes (bytes/art)")
	for _, r := range []uint32{1, 3, 10} {
		c, nMN := scaleChain(t, r)
		before := stateByPrefix(c)
		for i := range arts {
			ta := scaleArt(t, int64(100+i))
			c.Exec(c.Keys[nMN], 0, apptest.Msg(storagepb.MsgRegisterArtType, ta.msg))
			confirmBy(t, c, ta, nMN, types.Address{})
			for _, at := range art(c, ta.msg.ArchiveHash).Attestations {
				for i := range nMN {
					if c.Keys[i].PubKey().Address().String() == at.Attester {
						c.Exec(c.Keys[i], 0, apptest.Msg(storagepb.MsgAttestType, &storagepb.MsgAttest{ArtId: ta.msg.ArchiveHash, Fingerprint: ta.msg.Fingerprint, Ok: true}))
					}
				}
			}
			if a := art(c, ta.msg.ArchiveHash); a.Status != storagepb.ArtStatus_ART_ACTIVE {
				t.Fatalf("R=%d: art %d is %v", r, i, a.Status)
			}
		}
		after := stateByPrefix(c)
		var keys, size int
		type row struct {
			prefix      string
			keys, bytes int
		}
		var rows []row
		for p, s := range after {
			b := before[p]
			rows = append(rows, row{p, s[0] - b[0], s[1] - b[1]})
			keys += s[0] - b[0]
			size += s[1] - b[1]
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].bytes > rows[j].bytes })
		var top []string
		for _, rw := range rows[:min(6, len(rows))] {
			top = append(top, fmt.Sprintf("%s %d (%d keys)", rw.prefix, rw.bytes/arts, rw.keys/arts))
		}
		fmt.Printf("%4d %10d %12d   %s\n", r, keys/arts, size/arts, strings.Join(top, ", "))
	}
}

// scaleChain is a chain of 24 genesis masternodes (keys 0..23; 24 is the
// artist) replicating every chunk r times.
func scaleChain(t *testing.T, r uint32, edit ...func(*storagepb.Params)) (*apptest.Chain, int) {
	const nMN = 24
	c := apptest.New(t, "", nMN+1, 10*collateral, func(g app.GenesisState) {
		p := storage.DefaultParams()
		p.Replication = r
		p.AttestWindow = 50
		p.ChallengeInterval = 1 << 30 // state of storage alone, not of challenges
		for _, e := range edit {
			e(p)
		}
		gen := storage.Genesis{Params: p}
		for i := range nMN {
			k := apptest.Key(i)
			gen.Masternodes = append(gen.Masternodes, storage.GenesisMasternode{
				Address: k.PubKey().Address().String(), PubKey: hex.EncodeToString(k.PubKey().Bytes()),
				URL: fmt.Sprintf("http://127.0.0.1:%d", 7100+i), Collateral: collateral,
			})
		}
		g["storage"], _ = json.Marshal(gen)
	})
	c.Block()
	return c, nMN
}

func scaleArt(t *testing.T, seed int64) testArt {
	archive := make([]byte, 10<<10)
	rand.New(rand.NewSource(seed)).Read(archive)
	m, chunks, err := codec.Encode(archive, codec.Params{ChunkSize: 1 << 10, Redundancy: 12})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.ChunkIDs) != 120 {
		t.Fatalf("%d chunks, want the 120 of a 20 MiB image", len(m.ChunkIDs))
	}
	msg := &storagepb.MsgRegisterArt{Title: "scale", MetadataHash: bytes.Repeat([]byte{1}, 32), ArchiveHash: m.ArchiveHash[:],
		ArchiveSize: uint64(len(archive)), ChunkSize: 1 << 10, Redundancy: 12, Fingerprint: uint64(seed) * 0x9e3779b97f4a7c15, Editions: 1, MaxFee: 1 << 62}
	for _, id := range m.ChunkIDs {
		msg.ChunkIds = append(msg.ChunkIds, append([]byte(nil), id[:]...))
	}
	return testArt{m, chunks, msg}
}

// stateByPrefix counts keys and key+value bytes of the storage module's
// committed state by key prefix (up to and including the first '/').
func stateByPrefix(c *apptest.Chain) map[string][2]int {
	out := map[string][2]int{}
	pre := []byte(storage.ModuleName + "/")
	it := c.Ctx().Store().Iterator(pre, types.PrefixEnd(pre))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		k := it.Key()[len(pre):]
		p := string(k)
		if i := bytes.IndexByte(k, '/'); i >= 0 {
			p = string(k[:i+1])
		}
		s := out[p]
		s[0]++
		s[1] += len(it.Key()) + len(it.Value())
		out[p] = s
	}
	return out
}

// TestBenchBlockTime measures how block execution grows with the number of
// registered arts while storage challenges run and honest holders answer
// every one: the median time of FinalizeBlock+Commit over 40 blocks, and
// of the block carrying one registration, at each size of
// PASTEL_BENCH_SCALE_ARTS (default 30,300), on one chain that grows, with
// 24 masternodes at R = 3. DESIGN §2 wants per-block work bounded by
// parameters, so the medians should stay flat. A measurement: runs with
// PASTEL_BENCH=1 (make bench-scale).
func TestBenchBlockTime(t *testing.T) {
	if os.Getenv("PASTEL_BENCH") != "1" {
		t.Skip("measurement; run with PASTEL_BENCH=1 (make bench-scale)")
	}
	sizes := []int{30, 300}
	if s := os.Getenv("PASTEL_BENCH_SCALE_ARTS"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			var n int
			fmt.Sscan(f, &n)
			sizes = append(sizes, n)
		}
	}
	// Challenges at the default rate and cap.
	c, nMN := scaleChain(t, 3, func(p *storagepb.Params) { p.ChallengeInterval = storage.DefaultParams().ChallengeInterval })
	c.SkipChecks = true
	k := storage.Keeper{}
	chunks := map[string]*codec.Chunk{} // by chunk id
	keyOf := map[string]int{}
	for i := range nMN {
		keyOf[c.Keys[i].PubKey().Address().String()] = i
	}
	// answers are every masternode's honest answers to its open challenges.
	answers := func() [][]byte {
		var txs [][]byte
		for i := range nMN {
			var proofs []*storagepb.ChunkProof
			for _, ch := range k.OpenChallenges(c.Ctx(), c.Keys[i].PubKey().Address(), storagepb.MaxProofsPerMsg) {
				cm, ok := k.Commitment(c.Ctx(), ch.ArtId, ch.Stripe, ch.Index, c.Keys[i].PubKey().Address())
				if !ok {
					continue
				}
				chunk := chunks[string(cm.ChunkId)]
				pr, err := codec.ProveRange(chunk.Payload, int(ch.LeafStart), int(ch.LeafEnd))
				if err != nil {
					t.Fatal(err)
				}
				pb, _ := pr.MarshalBinary()
				off, to := codec.LeafBytes(len(chunk.Payload), int(ch.LeafStart), int(ch.LeafEnd))
				proofs = append(proofs, &storagepb.ChunkProof{ChallengeId: ch.Id, Nonce: ch.Nonce, Leaves: append([]byte(nil), chunk.Payload[off:to]...), Proof: pb})
			}
			if len(proofs) > 0 {
				txs = append(txs, c.Sign(c.Keys[i], apptest.Msg(storagepb.MsgProveChunksType, &storagepb.MsgProveChunks{Proofs: proofs})))
			}
		}
		return txs
	}
	// block runs txs and the answers in one block and returns its duration.
	block := func(txs ...[]byte) time.Duration {
		txs = append(txs, answers()...)
		t0 := time.Now()
		res := c.Block(txs...)
		d := time.Since(t0)
		for _, r := range res.TxResults {
			if r.Code != 0 {
				t.Fatalf("tx refused: %s", r.Log)
			}
		}
		return d
	}
	// confirm is every holder's confirmation of the art's chunks, each in
	// its own block with the challenge answers, until all are confirmed.
	confirm := func(ta testArt) {
		for round := 0; round < 5; round++ {
			block()
			var txs [][]byte
			early := false
			for i := range nMN {
				refs, wait := pendingRefs(t, c, ta, c.Keys[i].PubKey().Address())
				early = early || wait
				for len(refs) > 0 {
					m := min(len(refs), storagepb.MaxConfirmations)
					txs = append(txs, c.Sign(c.Keys[i], apptest.Msg(storagepb.MsgConfirmChunksType, &storagepb.MsgConfirmChunks{ArtId: ta.msg.ArchiveHash, Chunks: refs[:m]})))
					refs = refs[m:]
				}
			}
			block(txs...)
			if !early {
				return
			}
		}
	}
	median := func(ds []time.Duration) time.Duration {
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	fmt.Printf("block time with challenges answered, 24 masternodes, R=3 (median of 40 blocks; registration: median of 5):\n")
	fmt.Printf("%8s %14s %14s %12s\n", "arts", "block", "registration", "passed/40")
	registered := 0
	var first time.Duration
	for _, n := range sizes {
		var regs []time.Duration
		for registered < n {
			ta := scaleArt(t, int64(1000+registered))
			for _, ch := range ta.chunks {
				chunks[string(ch.ID[:])] = ch
			}
			d := block(c.Sign(c.Keys[nMN], apptest.Msg(storagepb.MsgRegisterArtType, ta.msg)))
			if n-registered <= 5 {
				regs = append(regs, d)
			}
			confirm(ta)
			var txs [][]byte
			for _, at := range art(c, ta.msg.ArchiveHash).Attestations {
				txs = append(txs, c.Sign(c.Keys[keyOf[at.Attester]], apptest.Msg(storagepb.MsgAttestType, &storagepb.MsgAttest{ArtId: ta.msg.ArchiveHash, Fingerprint: ta.msg.Fingerprint, Ok: true})))
			}
			block(txs...)
			registered++
		}
		passed := func() (n uint64) {
			for _, m := range k.Masternodes(c.Ctx()) {
				n += m.ChallengesPassed
			}
			return n
		}
		var ds []time.Duration
		before := passed()
		for range 40 {
			ds = append(ds, block())
		}
		m := median(ds)
		if first == 0 {
			first = m
		}
		fmt.Printf("%8d %14v %14v %12d   (%.2f× the first size; %d masternodes jailed)\n", n, m.Round(time.Microsecond), median(regs).Round(time.Microsecond),
			passed()-before, float64(m)/float64(first), k.Stats(c.Ctx()).Masternodes["MN_JAILED"])
	}
}
