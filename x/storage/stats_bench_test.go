package storage

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"testing"

	"time"

	"github.com/cosmos/iavl"
	idb "github.com/cosmos/iavl/db"

	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// BenchmarkStats: the cost of the /storage/stats query, the one query the
// explorer (and the metrics goroutine) runs every block whose cost could
// grow with the number of arts (every other explorer query is one key or a
// bounded list). The state is written to an IAVL tree on disk (goleveldb
// and the node's cache size, as pasteld), saved, and read back from the
// saved version as a query does: n active 20 MiB arts at the default
// layout (one stripe of 10 pieces, 120 chunks, all confirmed), 100
// masternodes. "indexed" is Stats, which reads the as/ counters and the
// first rd/ entry; "scan" is the baseline in the same run: every ticket
// decoded and its stripes' live counters read (what Stats did before the
// indexes, and what CheckIndexes does).
func BenchmarkStats(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		ctx := statsState(b, n)
		k := Keeper{}
		b.Run(fmt.Sprintf("indexed/arts=%d", n), func(b *testing.B) {
			for b.Loop() {
				s := k.Stats(ctx)
				if s.Arts["ART_ACTIVE"] != uint64(n) || s.LowestRedundancyMilli != 12000 {
					b.Fatalf("counted %d active arts at lowest redundancy %d, wrote %d at 12000", s.Arts["ART_ACTIVE"], s.LowestRedundancyMilli, n)
				}
			}
		})
		b.Run(fmt.Sprintf("scan/arts=%d", n), func(b *testing.B) {
			for b.Loop() {
				if err := k.CheckIndexes(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// statsState writes n active arts and their live-chunk counters, saves the
// version and returns a read-only context on it.
func statsState(b *testing.B, n int) *types.Context {
	b.Helper()
	db, err := idb.NewGoLevelDB("application", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	tree := iavl.NewMutableTree(db, 100_000, false, iavl.NewNopLogger())
	ctx := types.NewContext(store.Tree{T: tree}, "bench", 1, time.Unix(0, 0))
	k := Keeper{}
	var mns []types.Address
	for i := 0; i < 100; i++ {
		var a types.Address
		binary.BigEndian.PutUint32(a[:], uint32(i))
		m := &storagepb.Masternode{Address: a.String(), Status: storagepb.MasternodeStatus_MN_ACTIVE}
		k.giveNumber(ctx, a, m)
		k.setMasternode(ctx, a, m)
		mns = append(mns, a)
	}
	p := codec.DefaultParams()
	l, err := codec.NewLayout(20<<20, p)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		id := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i)))
		a := &storagepb.Art{Id: id[:], Title: fmt.Sprintf("art %d", i), ArchiveSize: uint64(l.Size),
			ChunkSize: uint32(p.ChunkSize), Redundancy: uint32(p.Redundancy), Status: storagepb.ArtStatus_ART_ACTIVE}
		for s := 0; s < l.Stripes(); s++ {
			sl := l.Stripe(s)
			st := &storagepb.Stripe{K: uint32(sl.K), N: uint32(sl.N)}
			for c := 0; c < sl.N; c++ {
				cid := sha256.Sum256(append(id[:], byte(s), byte(c)))
				st.ChunkIds = append(st.ChunkIds, cid[:])
			}
			a.Stripes = append(a.Stripes, st)
		}
		k.setArt(ctx, a)
		// Every chunk confirmed, as after a registration.
		for s := 0; s < l.Stripes(); s++ {
			sl := l.Stripe(s)
			placed := make([][]types.Address, sl.N)
			for c := range placed {
				placed[c] = []types.Address{mns[c%len(mns)]}
			}
			k.commitStripe(ctx, a.Id, uint32(s), uint32(sl.ShardSize), placed)
			for c := 0; c < sl.N; c++ {
				cm, _ := k.Commitment(ctx, a.Id, uint32(s), uint32(c), mns[c%len(mns)])
				k.confirm(ctx, cm)
			}
		}
	}
	return savedContext(b, tree)
}

// savedContext saves the tree's working version and returns a read-only
// context on it, as a query sees the state.
func savedContext(tb testing.TB, tree *iavl.MutableTree) *types.Context {
	tb.Helper()
	if _, _, err := tree.SaveVersion(); err != nil {
		tb.Fatal(err)
	}
	imm, err := tree.GetImmutable(tree.Version())
	if err != nil {
		tb.Fatal(err)
	}
	return types.NewContext(store.Immutable{T: imm}, "bench", tree.Version(), time.Unix(0, 0))
}
