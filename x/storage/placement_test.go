package storage

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

func testCtx() *types.Context {
	return types.NewContext(store.NewCache(store.NewMemTree()), "t", 1, zeroTimeForTest)
}

func addMN(k Keeper, ctx *types.Context, a types.Address, status storagepb.MasternodeStatus) {
	k.setMasternode(ctx, a, &storagepb.Masternode{Address: a.String(), Status: status})
	k.ringAdd(ctx, a)
}

// TestPlacementMatchesSlowDefinition checks the store-backed ring walk
// against sorting every point by hand.
func TestPlacementMatchesSlowDefinition(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := Keeper{}
		ctx := testCtx()
		n := rapid.IntRange(1, 30).Draw(t, "masternodes")
		var points [][]byte
		var owners []types.Address
		status := map[types.Address]storagepb.MasternodeStatus{}
		for i := 0; i < n; i++ {
			a := secp256k1.ModuleAddress(fmt.Sprintf("mn-%d-%d", i, rapid.IntRange(0, 1000).Draw(t, "salt")))
			st := storagepb.MasternodeStatus_MN_ACTIVE
			if rapid.IntRange(0, 4).Draw(t, "jailed") == 0 {
				st = storagepb.MasternodeStatus_MN_JAILED
			}
			if _, dup := status[a]; dup {
				continue
			}
			status[a] = st
			addMN(k, ctx, a, st)
			for p := 0; p < RingPoints; p++ {
				points = append(points, ringPoint(a, p))
				owners = append(owners, a)
			}
		}
		art := rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "art")
		r := rapid.IntRange(1, 12).Draw(t, "r")
		for idx := uint32(0); idx < 5; idx++ {
			p := ChunkPoint(art, 0, idx)
			fast := k.Place(ctx, p, r, nil)
			slow := placeSlow(points, owners, func(a types.Address) bool { return status[a] == storagepb.MasternodeStatus_MN_ACTIVE }, p, r)
			if fmt.Sprint(fast) != fmt.Sprint(slow) {
				t.Fatalf("chunk %d: ring walk %v, definition %v", idx, fast, slow)
			}
			seen := map[types.Address]bool{}
			for _, a := range fast {
				if seen[a] || status[a] != storagepb.MasternodeStatus_MN_ACTIVE {
					t.Fatalf("holder %s repeated or not eligible", a)
				}
				seen[a] = true
			}
		}
	})
}

// TestPlacementSpreadsLoad: 3,000 chunks × R=3 over 20 masternodes; every
// masternode's share stays within 40% of the mean.
func TestPlacementSpreadsLoad(t *testing.T) {
	k := Keeper{}
	ctx := testCtx()
	const mns, chunks, r = 20, 3000, 3
	for i := 0; i < mns; i++ {
		addMN(k, ctx, secp256k1.ModuleAddress(fmt.Sprintf("spread-%d", i)), storagepb.MasternodeStatus_MN_ACTIVE)
	}
	load := map[types.Address]int{}
	art := make([]byte, 32)
	for i := 0; i < chunks; i++ {
		for _, a := range k.Place(ctx, ChunkPoint(art, uint32(i/252), uint32(i%252)), r, nil) {
			load[a]++
		}
	}
	mean := chunks * r / mns
	for a, l := range load {
		if l < mean*6/10 || l > mean*14/10 {
			t.Errorf("%s holds %d chunks, mean %d", a, l, mean)
		}
	}
	if len(load) != mns {
		t.Fatalf("only %d of %d masternodes got chunks", len(load), mns)
	}
}
