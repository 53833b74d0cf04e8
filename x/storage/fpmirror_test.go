package storage

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cosmos/iavl"
	idb "github.com/cosmos/iavl/db"

	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/fingerprint"
)

// mirrorChain is an IAVL tree whose versions add and remove fingerprints
// under FingerprintPrefix as the keeper does, with a mirror fed each
// version's recorded writes.
type mirrorChain struct {
	t      *testing.T
	tree   *iavl.MutableTree
	mirror *FingerprintMirror
	live   map[string]fingerprint.Hash
	rng    *rand.Rand
}

func newMirrorChain(t *testing.T) *mirrorChain {
	c := &mirrorChain{t: t, tree: iavl.NewMutableTree(idb.NewMemDB(), 1000, true, iavl.NewNopLogger()),
		live: map[string]fingerprint.Hash{}, rng: rand.New(rand.NewPCG(3, 4))}
	c.mirror = &FingerprintMirror{Open: func(v int64) (types.KVStore, error) {
		imm, err := c.tree.GetImmutable(v)
		if err != nil {
			return nil, err
		}
		return store.Immutable{T: imm}, nil
	}}
	return c
}

// block adds n fingerprints (clustered, so lookups find several) and
// removes k, then commits; feed=false withholds the writes from the mirror.
func (c *mirrorChain) block(n, k int, feed bool) {
	rec := &store.Recorder{KVStore: store.Tree{T: c.tree}, Prefix: FingerprintPrefix}
	fp := store.NewPrefix(rec, FingerprintPrefix)
	for range n {
		id := make([]byte, 32)
		binary.BigEndian.PutUint64(id, c.rng.Uint64())
		h := fingerprint.Hash(0x5555_aaaa_5555_aaaa ^ c.rng.Uint64()&0x0000_0f0f_0000_00ff)
		fingerprint.AddToStore(fp, h, id)
		c.live[string(id)] = h
	}
	var ids []string
	for id := range c.live {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids[:min(k, len(ids))] {
		fingerprint.RemoveFromStore(fp, c.live[id], []byte(id))
		delete(c.live, id)
	}
	// Removing a pair that is not there is harmless.
	fingerprint.RemoveFromStore(fp, 1, []byte("gone"))
	if _, _, err := c.tree.SaveVersion(); err != nil {
		c.t.Fatal(err)
	}
	if feed {
		c.mirror.Committed(c.tree.Version(), rec.Writes)
	}
}

// check compares the mirror's lookups with the store's at the latest version.
func (c *mirrorChain) check(wantMirror bool) {
	c.t.Helper()
	h := c.tree.Version()
	near, release, ok := c.mirror.lookup(h)
	if ok != wantMirror {
		c.t.Fatalf("version %d: mirror answers %v, want %v", h, ok, wantMirror)
	}
	if !ok {
		return
	}
	defer release()
	if c.mirror.Len() != len(c.live) {
		c.t.Fatalf("version %d: mirror holds %d, the store %d", h, c.mirror.Len(), len(c.live))
	}
	imm, err := c.tree.GetImmutable(h)
	if err != nil {
		c.t.Fatal(err)
	}
	kv := store.NewPrefix(store.Immutable{T: imm}, FingerprintPrefix)
	for i := range 200 {
		q := fingerprint.Hash(0x5555_aaaa_5555_aaaa ^ c.rng.Uint64()&0x0000_0f0f_0000_00ff)
		if i%2 == 1 {
			q ^= fingerprint.Hash(c.rng.Uint64() & 0x0101_0000_0000_0000)
		}
		want, err := fingerprint.NearInStore(kv, q, 6)
		if err != nil {
			c.t.Fatal(err)
		}
		if got := near(q, 6); !slices.Equal(got, want) {
			c.t.Fatalf("version %d, query %v: mirror %v, store %v", h, q, got, want)
		}
	}
}

// TestNearMirrorMatchesStore: the mirror gives the store's answers while
// it follows committed blocks, after a rebuild that blocks committed
// during, and it stops answering (the store does) when it missed a block's
// writes, until the next query rebuilds it.
func TestNearMirrorMatchesStore(t *testing.T) {
	c := newMirrorChain(t)
	c.mirror.Opened(0)
	for range 3 {
		c.block(50, 10, true)
	}
	c.check(true) // built by this first lookup
	built := c.mirror.Height()
	for range 5 {
		c.block(30, 20, true)
		c.check(true)
	}
	if c.mirror.Height() != c.tree.Version() || built == c.mirror.Height() {
		t.Fatalf("mirror at %d (built at %d), tree at %d", c.mirror.Height(), built, c.tree.Version())
	}
	// Blocks committed while a rebuild scans an older version are replayed.
	c.mirror.Opened(c.tree.Version())
	v := c.tree.Version()
	for range 3 {
		c.block(10, 5, true)
	}
	if err := c.mirror.rebuild(v); err != nil {
		t.Fatal(err)
	}
	c.check(true)
	// A block whose writes the mirror never saw: it stops answering, then
	// the next lookup at the latest height rebuilds it from the store.
	c.block(10, 5, false)
	c.mirror.mu.Lock()
	c.mirror.latest = c.tree.Version() - 1
	c.mirror.mu.Unlock()
	c.block(10, 5, true) // Committed(h) while at h-2: falls behind
	if c.mirror.Height() != 0 {
		t.Fatalf("mirror kept answering after missing a block, at %d", c.mirror.Height())
	}
	c.check(true)
	// A rebuild that cannot catch up (the writes of a block are not kept)
	// installs nothing.
	c.mirror.Opened(c.tree.Version())
	v = c.tree.Version()
	for range mirrorHistory + 2 {
		c.block(1, 1, true)
	}
	if err := c.mirror.rebuild(v); err == nil {
		t.Fatal("rebuild replayed writes it no longer has")
	}
	if near, release, ok := c.mirror.lookup(v); ok || near != nil || release != nil {
		t.Fatal("mirror answers for an old height")
	}
	c.check(true)
}
