package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cosmos/iavl"
	idb "github.com/cosmos/iavl/db"
	"golang.org/x/crypto/sha3"

	"github.com/pastelchain/pastel/codec"
	"github.com/pastelchain/pastel/crypto/secp256k1"
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/bank"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// TestBenchScale measures the storage module with 10^3 masternodes and a
// growing number of synthetic 20 MiB arts (real tickets and chunk ids, no
// chunk bytes), on an on-disk IAVL tree: state per art by key prefix,
// registration cost, block time while challenges run and are answered,
// block time while the commitments of 30% of the masternodes (jailed at
// once) move, query times and memory. A measurement: runs with
// PASTEL_BENCH=1 (make bench-scale); PASTEL_BENCH_SCALE_ARTS sets the sizes
// (default 1000,10000), PASTEL_BENCH_SCALE_R the replication factor
// (default 10), PASTEL_BENCH_IAVL_CACHE the IAVL node cache (default
// store.DefaultIAVLCacheNodes, as the app's), PASTEL_BENCH_SCALE_BLOCKS the challenge
// blocks measured (default 40), PASTEL_BENCH_SCALE_HEAL_BLOCKS the blocks
// measured while commitments move (default 40; 0: none),
// PASTEL_BENCH_SCALE_BLOCK_ARTS the arts a block of the build registers
// (default 20), PASTEL_BENCH_SCALE_KEEP the versions kept (default 1000),
// PASTEL_BENCH_SCALE_PRUNE_EVERY how often commits prune (default 1, as the
// app). The build's versions are pruned before the measured blocks, and
// the node cache is warmed as a running node's would be (warm;
// PASTEL_BENCH_SCALE_WARM root-to-leaf walks, default 2^17).
// PASTEL_BENCH_SCALE_BUILD_ONLY=1 builds (or resumes) each size, commits
// and measures nothing: a long build can run with settings that differ
// from the node's (larger caches, bigger blocks), and a later run with
// the node's settings measures the kept state. PASTEL_BENCH_PROFILE=<path>
// writes CPU profiles of the build, the challenge blocks and the blocks
// that move commitments to <path>.build.<n>, <path>.<n> and
// <path>.heal.<n>.
//
// What is real: registration is the keeper's registerArt (fee, placement on
// the ring, attesters, editions, fingerprint index), attestation its
// attest, blocks its BeginBlock and EndBlock (challenge draw, expiries,
// moves, healing) and an IAVL commit. What is not: the masternodes'
// confirmations are applied in bulk (benchConfirmAll: the same state as one
// confirm per commitment, checked by CheckIndexes on the first arts), and
// challenges are answered by passChallenge without a proof (proof checks
// cost <100 µs each, measured apart: BenchmarkVerifyProof).
func TestBenchScale(t *testing.T) {
	if os.Getenv("PASTEL_BENCH") != "1" {
		t.Skip("measurement; run with PASTEL_BENCH=1 (make bench-scale)")
	}
	sizes := []int{1000, 10000}
	if s := os.Getenv("PASTEL_BENCH_SCALE_ARTS"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, n)
		}
	}
	r := uint32(10)
	if s := os.Getenv("PASTEL_BENCH_SCALE_R"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		r = uint32(v)
	}
	// PASTEL_BENCH_SCALE_DIR keeps the largest state on disk and resumes
	// it: a run stopped at any point continues from its last block, which
	// is how 10^6 arts (many hours) gets built.
	dir := os.Getenv("PASTEL_BENCH_SCALE_DIR")
	var kept *scaleEnv
	if dir != "" {
		kept = newScaleEnv(t, r, dir)
		fmt.Fprintf(os.Stderr, "  state kept in %s: %d arts at height %d\n", dir, len(kept.ids), kept.height-1)
	}
	fmt.Printf("storage at scale: %d masternodes, R=%d, 20 MiB arts (120 chunks), on-disk IAVL\n", scaleMNs, r)
	var first scaleResult
	var fresh *scaleEnv
	for _, n := range sizes {
		e := kept
		if e == nil || len(e.ids) > n {
			// A size below the kept state is built apart, in this run, so
			// the ratio between sizes is measured in one command.
			if fresh == nil || len(fresh.ids) > n {
				fresh = newScaleEnv(t, r, "")
			}
			e = fresh
		}
		res := e.measure(n)
		if res.block == 0 {
			continue // built only
		}
		if first.block == 0 {
			first = res
		}
		ratio := func(a, b time.Duration) string {
			if b == 0 {
				return "-"
			}
			return fmt.Sprintf("%.2f×", float64(a)/float64(b))
		}
		fmt.Printf("  medians against the first size: challenge blocks %s (FinalizeBlock %s), blocks moving commitments %s (FinalizeBlock %s)\n",
			ratio(res.block, first.block), ratio(res.finalize, first.finalize), ratio(res.heal, first.heal), ratio(res.healFinalize, first.healFinalize))
	}
}

// measure builds the state up to n arts and prints its figures; it returns
// the median block times (zero if it only built).
func (e *scaleEnv) measure(n int) scaleResult {
	t, k, ctxAt, register, block, r := e.t, e.k, e.ctxAt, e.register, e.block, e.k.Params(e.ctxAt()).Replication
	if len(e.ids) == 0 {
		for i := range e.perBlock {
			register(i)
		}
		// The bulk confirmation must leave what confirm would.
		if err := k.CheckIndexes(ctxAt()); err != nil {
			t.Fatal(err)
		}
	}
	var regs []time.Duration
	stopProfile := func() {}
	if f := os.Getenv("PASTEL_BENCH_PROFILE"); f != "" && len(e.ids) < n {
		stopProfile = startCPUProfile(t, fmt.Sprintf("%s.build.%d", f, n))
	}
	t0 := time.Now()
	_, _, before := moduleState(t, ctxAt())
	from := len(e.ids)
	for len(e.ids) < n {
		d := register(len(e.ids))
		if n-len(e.ids) < 50 {
			regs = append(regs, d)
		}
		if len(e.ids)%10_000 == 0 {
			free := freeBytes(e.dir)
			fmt.Fprintf(os.Stderr, "  ... %d of %d arts registered (%v), database %.1f GB, %.1f GB free\n",
				len(e.ids), n, time.Since(t0).Round(time.Second), float64(store.DiskUsage(e.dir))/1e9, float64(free)/1e9)
			// A build of 10^6 arts runs for hours: stop (resumable) before
			// it fills the disk under everything else on the machine.
			if free < scaleMinFree {
				t.Fatalf("stopping at %d arts: %.1f GB free on %s, below %.0f GB; free space and run again to resume", len(e.ids), float64(free)/1e9, e.dir, float64(scaleMinFree)/1e9)
			}
		}
	}
	e.commit()
	build := time.Since(t0)
	stopProfile()
	if os.Getenv("PASTEL_BENCH_SCALE_BUILD_ONLY") == "1" {
		fmt.Printf("\n%d arts: %d built in %v and committed (build only: nothing measured)\n", n, n-from, build.Round(time.Second))
		if len(regs) > 0 {
			fmt.Printf("  registerArt (keeper, last %d): median %v\n", len(regs), median(regs).Round(time.Microsecond))
		}
		return scaleResult{}
	}
	// The build's versions (whole blocks of registrations) are pruned
	// before the blocks, so a measured block prunes (once keep versions
	// of them have passed) a version like itself, as a node would.
	p0, pruned := time.Now(), int64(0)
	if v := e.tree.Version(); e.keep > 0 && v > 1 {
		first := int64(1)
		if vs := e.tree.AvailableVersions(); len(vs) > 0 {
			first = int64(vs[0])
		}
		if first < v-1 {
			if err := e.tree.DeleteVersionsTo(v - 1); err != nil {
				t.Fatal(err)
			}
			pruned = v - 1 - first + 1
		}
	}
	pruneBuild := time.Since(p0)
	// The bulk build leaves LevelDB a compaction debt a node that grew
	// over months would not have: settle it before measuring blocks.
	c0 := time.Now()
	if err := e.db.ForceCompact(nil, nil); err != nil {
		t.Fatal(err)
	}
	compact := time.Since(c0)
	settled := e.settleHistory()
	w0 := time.Now()
	walks := e.warm()
	warm := time.Since(w0)
	_, _, after := moduleState(t, ctxAt())
	perArt := perArtState(before, after, n-from)
	var ds, fs, cs []time.Duration
	passedBefore, prunedBefore := k.passedTotal(ctxAt()), k.counter(ctxAt(), keyChallengePrune)
	e.exec, e.hashTime, e.commitTime = 0, 0, 0
	stopProfile = func() {}
	if f := os.Getenv("PASTEL_BENCH_PROFILE"); f != "" {
		stopProfile = startCPUProfile(t, fmt.Sprintf("%s.%d", f, n))
	}
	for range e.blocks {
		f, c := block()
		ds, fs, cs = append(ds, f+c), append(fs, f), append(cs, c)
	}
	stopProfile()
	res := scaleResult{block: median(ds), finalize: median(fs)}
	blkExec, blkHash, blkCommit, passed := e.exec, e.hashTime, e.commitTime, k.passedTotal(ctxAt())-passedBefore
	prunedCh := k.counter(ctxAt(), keyChallengePrune) - prunedBefore
	// Blocks while 30% of the masternodes have just been jailed: each moves
	// max_moves_per_block of their commitments (new holders confirm in the
	// next block) besides the challenges. Then they are reinstated and the
	// moved commitments confirmed, so a kept state can still grow.
	var hs, hfs, hcs []time.Duration
	var healExec, healHash, healCommit time.Duration
	if e.heal > 0 {
		e.jail30(true)
		e.commit()
		e.exec, e.hashTime, e.commitTime = 0, 0, 0
		stopProfile = func() {}
		if f := os.Getenv("PASTEL_BENCH_PROFILE"); f != "" {
			stopProfile = startCPUProfile(t, fmt.Sprintf("%s.heal.%d", f, n))
		}
		for range e.heal {
			t0 := time.Now()
			e.confirmPending(ctxAt()) // in the same block (e.cache)
			c := time.Since(t0)
			e.exec += c
			f, cm := block()
			hs, hfs, hcs = append(hs, c+f+cm), append(hfs, c+f), append(hcs, cm)
		}
		stopProfile()
		res.heal, res.healFinalize = median(hs), median(hfs)
		healExec, healHash, healCommit = e.exec, e.hashTime, e.commitTime
		e.jail30(false)
		e.confirmPending(ctxAt())
		e.commit()
		if n <= 20_000 { // a full scan: cheap up to here
			if err := k.CheckIndexes(ctxAt()); err != nil {
				t.Fatalf("after the heal blocks: %v", err)
			}
		}
	}
	ctx := ctxAt()
	// Query times: art health and the placement of one chunk.
	var hq, pq []time.Duration
	for i := range 50 {
		id := e.ids[(i*7919)%len(e.ids)]
		a, _ := k.Art(ctx, id)
		q0 := time.Now()
		k.ArtHealth(ctx, a)
		hq = append(hq, time.Since(q0))
		q0 = time.Now()
		k.Place(ctx, ChunkPoint(id, 0, uint32(i)), int(r), nil)
		pq = append(pq, time.Since(q0))
	}
	keys, size, _ := moduleState(t, ctx)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	how := fmt.Sprintf("built in %v", build.Round(time.Second))
	if e.resumed && from > 0 {
		how = fmt.Sprintf("%d of them built in %v, on a kept state of %d", n-from, build.Round(time.Second), from)
		e.resumed = false
	}
	fmt.Printf("\n%d arts (%s; before the blocks, the build's %d versions pruned in %v, LevelDB compacted in %v, %d blocks pruned the challenge history to a window of %d blocks, the node cache warmed by %d walks in %v):\n",
		n, how, pruned, pruneBuild.Round(time.Millisecond), compact.Round(time.Millisecond), settled, scaleHistoryBlocks, walks, warm.Round(time.Millisecond))
	fmt.Printf("  module state: %d keys, %.1f MB key+value; database on disk %.0f MB (%d versions kept)\n", keys, float64(size)/1e6, float64(store.DiskUsage(e.dir))/1e6, e.keep)
	if n > from {
		var rows []string
		var pk, pb float64
		for _, pr := range perArt {
			pk += pr.keys
			pb += pr.bytes
		}
		for _, pr := range perArt[:min(8, len(perArt))] {
			rows = append(rows, fmt.Sprintf("%s %.0f B (%.1f keys)", pr.prefix, pr.bytes, pr.keys))
		}
		fmt.Printf("  per art registered (growth over the %d arts added): %.0f keys, %.0f bytes (%.1f KiB): %s\n",
			n-from, pk, pb, pb/1024, strings.Join(rows, ", "))
		fmt.Printf("  registerArt (keeper, last 50): median %v\n", median(regs).Round(time.Microsecond))
	}
	fmt.Printf("  block with challenges answered, median of %d: %v (max %v) = FinalizeBlock %v (max %v) + Commit %v (max %v); %d challenges passed, %d pruned; "+
		"the %d blocks' total: execution %v, tree writes and working hash %v, Commit (SaveVersion, pruning) %v\n",
		e.blocks, res.block.Round(time.Microsecond), slices.Max(ds).Round(time.Microsecond), res.finalize.Round(time.Microsecond), slices.Max(fs).Round(time.Microsecond),
		median(cs).Round(time.Microsecond), slices.Max(cs).Round(time.Microsecond), passed, prunedCh, e.blocks, blkExec.Round(time.Millisecond), blkHash.Round(time.Millisecond), blkCommit.Round(time.Millisecond))
	if len(hs) > 0 {
		fmt.Printf("  block while 30%% of the masternodes are jailed (%d moves a block + answers + confirmations of the moved), median of %d: %v (max %v) = FinalizeBlock %v (max %v) + Commit %v (max %v); "+
			"the %d blocks' total: execution %v, tree writes and working hash %v, Commit %v\n",
			k.Params(ctx).MaxMovesPerBlock, len(hs), res.heal.Round(time.Microsecond), slices.Max(hs).Round(time.Microsecond), res.healFinalize.Round(time.Microsecond), slices.Max(hfs).Round(time.Microsecond),
			median(hcs).Round(time.Microsecond), slices.Max(hcs).Round(time.Microsecond), len(hs), healExec.Round(time.Millisecond), healHash.Round(time.Millisecond), healCommit.Round(time.Millisecond))
	}
	fmt.Printf("  queries, median of 50: art health %v, placement of a chunk %v\n", median(hq).Round(time.Microsecond), median(pq).Round(time.Microsecond))
	fmt.Printf("  memory: Go heap in use %d MiB, RSS %s\n", ms.HeapInuse>>20, rss())
	return res
}

// scaleResult is what measure returns for the ratios between sizes: the
// medians of the whole block and of its FinalizeBlock, for challenge
// blocks and for blocks that move commitments (zero if not run).
type scaleResult struct {
	block, finalize, heal, healFinalize time.Duration
}

// startCPUProfile writes a CPU profile to path until the returned func is
// called.
func startCPUProfile(t *testing.T, path string) (stop func()) {
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		out.Close()
		t.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		out.Close()
	}
}

// scaleMinFree is the free disk space below which a build stops.
const scaleMinFree = 8e9

func freeBytes(dir string) uint64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 1 << 62 // unknown: do not stop for it
	}
	return st.Bavail * uint64(st.Bsize)
}

// benchConfirmAll confirms every unconfirmed commitment of a stripe at
// once: the state confirm leaves after one call per commitment (counters,
// draw tree, live bytes, proven bytes, markers), without a proof.
func (k Keeper) benchConfirmAll(ctx *types.Context, art []byte, stripe uint32) {
	h := k.stripeHolders(ctx, art, stripe)
	if len(h.Pending) == 0 {
		return
	}
	liveBefore := h.live()
	perMN := map[uint32]int64{}
	heights := map[int64]bool{}
	for _, p := range h.Pending {
		perMN[p.Holder]++
		heights[p.AssignedHeight] = true
	}
	n := uint64(len(h.Pending))
	h.Pending = nil
	k.setStripeHolders(ctx, art, stripe, h)
	for ht := range heights {
		k.kv(ctx).Delete(ucKey(ht, art, stripe))
	}
	k.addCount(ctx, keyUnconfirmedAll, -int64(n))
	k.addCount(ctx, tcKey(), int64(n))
	k.drawAdd(ctx, h.Seq, int64(n))
	// As confirm, only when a chunk gains its first confirmed holder: an
	// unchanged record written again is a write all the same (IAVL makes a
	// new leaf version), two random keys (lb/, rd/) per art the blocks
	// that move commitments wrote and a node does not.
	if gained := int64(h.live()) - int64(liveBefore); gained != 0 {
		k.addLiveBytes(ctx, art, gained*int64(h.PayloadLen))
	}
	nums := make([]uint32, 0, len(perMN))
	for num := range perMN {
		nums = append(nums, num)
	}
	slices.Sort(nums)
	for _, num := range nums {
		a, _ := k.addressOf(ctx, num)
		k.addProvenBytes(ctx, a.String(), perMN[num]*int64(h.PayloadLen))
		k.setAwaiting(ctx, num, h.Seq, false)
	}
}

// openChallengesAll lists every open challenge (cq/ order).
func (k Keeper) openChallengesAll(ctx *types.Context) []*storagepb.Challenge {
	var out []*storagepb.Challenge
	it := k.kv(ctx).Iterator(pChallengeDue, types.PrefixEnd(pChallengeDue))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		if ch, ok := k.Challenge(ctx, u64From(it.Key()[len(pChallengeDue)+8:])); ok {
			out = append(out, ch)
		}
	}
	return out
}

func (k Keeper) passedTotal(ctx *types.Context) (n uint64) {
	for _, m := range k.Masternodes(ctx) {
		n += m.ChallengesPassed
	}
	return n
}

// TestBenchScaleHeal measures how the network comes back after the sudden
// loss of 30% of 10^3 masternodes (jailed at once, as after failed
// challenges): blocks and time until every commitment they held has moved
// and been confirmed by its new holder, with PASTEL_BENCH_HEAL_ARTS arts
// (default 1000) at R = 10. The new holders confirm in the block after
// the move (benchConfirmAll: honest, fast masternodes), so the figure is
// the chain's own pace: max_moves_per_block (MaxMovesPerBlock) moves a
// block. A measurement: runs with PASTEL_BENCH=1 (make bench-scale).
func TestBenchScaleHeal(t *testing.T) {
	if os.Getenv("PASTEL_BENCH") != "1" {
		t.Skip("measurement; run with PASTEL_BENCH=1 (make bench-scale)")
	}
	n := 1000
	if s := os.Getenv("PASTEL_BENCH_HEAL_ARTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	e := newScaleEnv(t, 10, "")
	k := e.k
	for len(e.ids) < n {
		e.register(len(e.ids))
	}
	e.commit()
	lost := e.jail30(true)
	e.commit()
	t0 := time.Now()
	var ds []time.Duration
	blocks := 0
	for ; ; blocks++ {
		ctx := e.ctxAt()
		confirmed := e.confirmPending(ctx)
		queued := k.kv(ctx).Iterator(pReassign, types.PrefixEnd(pReassign))
		done := !queued.Valid() && confirmed == 0
		queued.Close()
		if done {
			break
		}
		f, c := e.block()
		ds = append(ds, f+c)
	}
	wall := time.Since(t0)
	if err := k.CheckIndexes(e.ctxAt()); err != nil {
		t.Fatal(err)
	}
	st := k.Stats(e.ctxAt())
	slices.Sort(ds)
	fmt.Printf("heal after jailing 30%% of %d masternodes at once, %d arts, R=10: %d commitments moved in %d blocks "+
		"(%d moves a block), %v of block execution (block median %v, max %v); afterwards %d under-replicated chunks, %d in the heal queue, lowest redundancy %d.%03d\n",
		scaleMNs, n, lost, blocks, e.k.Params(e.ctxAt()).MaxMovesPerBlock, wall.Round(time.Millisecond), median(ds).Round(time.Microsecond), ds[len(ds)-1].Round(time.Microsecond),
		st.UnderReplicated, st.HealQueue, st.LowestRedundancyMilli/1000, st.LowestRedundancyMilli%1000)
}

// jail30 jails (jailed) or reinstates every masternode i with i%10 < 3,
// in the current block, and returns how many commitments they hold. Jailed
// as failed challenges would: out of the ring, queued for forced
// reassignment. Reinstated: active and on the ring again, out of the
// queue, keeping what was not moved yet (with confirmPending after it, the
// state is one a build can go on from).
func (e *scaleEnv) jail30(jailed bool) (held uint64) {
	k, ctx := e.k, e.ctxAt()
	for i, a := range e.mns {
		if i%10 >= 3 {
			continue
		}
		m, _ := k.Masternode(ctx, a)
		held += m.Commitments
		if jailed {
			m.Status, m.JailedHeight = storagepb.MasternodeStatus_MN_JAILED, ctx.Height
			k.ringRemove(ctx, a)
			k.kv(ctx).Set(key(pReassign, a[:]), types.Marker)
		} else {
			m.Status, m.JailedHeight = storagepb.MasternodeStatus_MN_ACTIVE, 0
			k.ringAdd(ctx, a)
			k.kv(ctx).Delete(key(pReassign, a[:]))
		}
		k.setMasternode(ctx, a, m)
	}
	return held
}

// confirmPending confirms every unconfirmed commitment (found by the uc/
// markers) as honest, fast new holders would; it returns how many stripes
// had one.
func (e *scaleEnv) confirmPending(ctx *types.Context) int {
	var stripes [][]byte
	it := e.k.kv(ctx).Iterator(pUnconfirmed, types.PrefixEnd(pUnconfirmed))
	for ; it.Valid(); it.Next() {
		stripes = append(stripes, append([]byte(nil), it.Key()[len(pUnconfirmed)+8:]...))
	}
	it.Close()
	for _, st := range stripes {
		e.k.benchConfirmAll(ctx, st[:32], u32From(st[32:36]))
	}
	return len(stripes)
}

// scaleMNs is the number of masternodes of the scale benches.
const scaleMNs = 1000

// scaleEnv is a storage module on an on-disk IAVL tree with scaleMNs
// masternodes, driven block by block as the app does.
type scaleEnv struct {
	t      *testing.T
	k      Keeper
	db     *idb.GoLevelDB
	tree   *iavl.MutableTree
	height int64
	cache  *store.Cache
	mns    []types.Address
	artist types.Address
	layout codec.Layout
	ids    [][]byte
	// exec, hashTime and commitTime add up the blocks' execution
	// (answers, Begin/EndBlock), the writes applied to the tree with its
	// working hash (both FinalizeBlock) and Commit (SaveVersion, pruning).
	exec, hashTime, commitTime time.Duration
	// dir holds the database; keep is how many versions commit keeps;
	// perBlock is how many arts a block of the build registers; heal how
	// many blocks measure runs with 30% of the masternodes jailed.
	// pruneEvery is how often (in versions) commit prunes.
	dir              string
	keep, pruneEvery int64
	perBlock, heal   int
	// blocks is how many challenge blocks are measured.
	blocks int
	// resumed: the state was opened from dir with arts in it.
	resumed bool
}

func newScaleEnv(t *testing.T, r uint32, dir string) *scaleEnv {
	// The node's own database settings and tree options (store.OpenDB,
	// store.OpenTree), with app.toml's knobs as environment variables.
	cacheMiB, cacheNodes, keep, bloom, perBlock, blocks, heal, pruneEvery, openFiles := store.DefaultDBCacheMiB, store.DefaultIAVLCacheNodes, 1000, 0, scaleArtsPerBlock, 40, 40, 1, 0
	for name, v := range map[string]*int{"PASTEL_BENCH_DB_CACHE_MIB": &cacheMiB, "PASTEL_BENCH_IAVL_CACHE": &cacheNodes, "PASTEL_BENCH_SCALE_KEEP": &keep, "PASTEL_BENCH_DB_OPEN_FILES": &openFiles,
		"PASTEL_BENCH_DB_BLOOM_BITS": &bloom, "PASTEL_BENCH_SCALE_BLOCK_ARTS": &perBlock, "PASTEL_BENCH_SCALE_BLOCKS": &blocks, "PASTEL_BENCH_SCALE_HEAL_BLOCKS": &heal,
		"PASTEL_BENCH_SCALE_PRUNE_EVERY": &pruneEvery} {
		if s := os.Getenv(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			*v = n
		}
	}
	if dir == "" {
		dir = t.TempDir()
	}
	db, err := store.OpenDBWith(dir, "application", store.DBOptions{CacheMiB: cacheMiB, BloomBits: bloom, OpenFiles: openFiles})
	if os.Getenv("PASTEL_BENCH_DB_DEFAULTS") == "1" {
		// The baseline: goleveldb's own defaults, as the node opened its
		// database before store.OpenDB.
		db.Close()
		db, err = idb.NewGoLevelDB("application", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tree, err := store.OpenTree(db, cacheNodes, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	e := &scaleEnv{t: t, k: Keeper{Bank: bank.Keeper{}}, height: tree.Version() + 1, db: db, tree: tree, dir: dir, keep: int64(keep), pruneEvery: int64(max(pruneEvery, 1)), perBlock: max(perBlock, 1), blocks: max(blocks, 1), heal: heal}
	if e.layout, err = codec.NewLayout(20<<20, codec.DefaultParams()); err != nil {
		t.Fatal(err)
	}
	copy(e.artist[:], []byte("scale-bench-artist--"))
	for i := range scaleMNs {
		e.mns = append(e.mns, scaleMN(i))
	}
	ctx := e.ctxAt()
	if tree.Version() > 0 {
		// A kept state: every art so far was registered in index order,
		// whole blocks at a time, so the count of stripes gives the count
		// of arts.
		p := e.k.Params(ctx)
		if p.Replication != r {
			t.Fatalf("the state kept in %s has R=%d, not %d: use another directory", dir, p.Replication, r)
		}
		if p.MaxMovesPerBlock == 0 {
			// Kept from before max_moves_per_block was a parameter (it
			// was the constant 256): as a genesis without it.
			p.MaxMovesPerBlock = DefaultMaxMovesPerBlock
			e.k.setParams(ctx, p)
		}
		if p.ChallengeHistoryBlocks != scaleHistoryBlocks {
			p.ChallengeHistoryBlocks = scaleHistoryBlocks
			e.k.setParams(ctx, p)
		}
		if n := e.convertDrawTree(ctx); n > 0 {
			e.commit()
			ctx = e.ctxAt()
		}
		stripes := e.k.counter(ctx, keyStripeSeq)
		if stripes%uint64(e.layout.Stripes()) != 0 {
			t.Fatalf("the state kept in %s has %d stripes, not a whole number of arts", dir, stripes)
		}
		for i := range int(stripes / uint64(e.layout.Stripes())) {
			e.ids = append(e.ids, scaleArtID(i))
		}
		e.resumed = true
		return e
	}
	p := DefaultParams()
	p.Replication, p.ChallengeHistoryBlocks = r, scaleHistoryBlocks
	e.k.setParams(ctx, p)
	for _, a := range e.mns {
		m := &storagepb.Masternode{Address: a.String(), Status: storagepb.MasternodeStatus_MN_ACTIVE, Url: "http://127.0.0.1:1"}
		e.k.giveNumber(ctx, a, m)
		e.k.setMasternode(ctx, a, m)
		e.k.ringAdd(ctx, a)
	}
	if err := e.k.Bank.Mint(ctx, e.artist, 1<<62); err != nil {
		t.Fatal(err)
	}
	e.commit()
	return e
}

// scaleHistoryBlocks is challenge_history_blocks in the scale bench: a
// node past the first challenge_history_blocks of its chain deletes the
// closed challenges of a block drawn that long ago in every block, as many
// as it draws; a short window makes the measured blocks do the same.
const scaleHistoryBlocks = 10

// settleHistory prunes, in unmeasured blocks, the challenge history a kept
// state holds beyond the window (earlier runs kept more), so the measured
// blocks prune at the steady pace of one block's challenges, not a
// backlog at MaxDeadlineWork a block; it returns the blocks it took.
func (e *scaleEnv) settleHistory() int {
	n := 0
	for ; ; n++ {
		ctx := e.ctxAt()
		before := e.k.counter(ctx, keyChallengePrune)
		e.k.pruneChallengeHistory(ctx)
		if e.k.counter(ctx, keyChallengePrune) == before {
			e.cache = nil // nothing written
			return n
		}
		e.commit()
	}
}

// warm brings the IAVL node cache to what a node that has run for a while
// holds, and returns the number of walks it took. Writes load their tree
// path through the cache (LRU), so after enough random writes it holds
// every node of the top levels, which all paths share, and the most
// recent of the rest: with 10^6 nodes cached that is the top ~17 levels.
// A state just built in this process holds what its build touched; a
// state opened from disk to be measured holds nothing, and its first
// blocks would load even the root's children from LevelDB (a node
// starting walks the same way: app.warmCache). So both walk
// from the root to PASTEL_BENCH_SCALE_WARM (default 2^17, 0: none) leaves
// spread evenly over the tree, which touches every node of the top 17
// levels (a no-op on a small state, all cached already).
func (e *scaleEnv) warm() int {
	n := int64(1 << 17)
	if s := os.Getenv("PASTEL_BENCH_SCALE_WARM"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			e.t.Fatalf("PASTEL_BENCH_SCALE_WARM: %v", err)
		}
		n = v
	}
	walked, err := store.WarmCache(e.tree, n)
	if err != nil {
		e.t.Fatal(err)
	}
	return int(walked)
}

// convertDrawTree turns the Fenwick draw tree of a state kept from before
// the 64-ary one (fw/<node8>: u64) into it (dt/), so a state built over
// days can still be measured; it returns the number of Fenwick nodes
// converted (0: nothing to do). A Fenwick node i holds the weights of
// stripes i-lowbit(i)+1 … i, so stripe i's own weight is node i less the
// nodes i-1, i-2, i-4, … below lowbit(i).
func (e *scaleEnv) convertDrawTree(ctx *types.Context) int {
	t0 := time.Now()
	pFenwick := []byte("fw/")
	type node struct{ i, v uint64 }
	var nodes []node
	fw := map[uint64]uint64{}
	it := e.k.kv(ctx).Iterator(pFenwick, types.PrefixEnd(pFenwick))
	for ; it.Valid(); it.Next() {
		n := node{u64From(it.Key()[len(pFenwick):]), u64From(it.Value())}
		nodes = append(nodes, n)
		fw[n.i] = n.v
	}
	it.Close()
	if len(nodes) == 0 {
		return 0
	}
	for _, n := range nodes {
		w := n.v
		for b := uint64(1); b < n.i&-n.i; b <<= 1 {
			w -= fw[n.i-b]
		}
		if w > 0 {
			e.k.drawAdd(ctx, n.i, int64(w))
		}
		e.k.kv(ctx).Delete(key(pFenwick, u64(n.i)))
	}
	var total uint64
	for _, w := range e.k.drawNode(ctx, drawLevels-1, 0) {
		total += w
	}
	if tc := e.k.ConfirmedCommitments(ctx); total != tc {
		e.t.Fatalf("converted draw tree: total %d, %d confirmed commitments", total, tc)
	}
	if e.k.counter(ctx, keyStripeSeq) <= 20_000*uint64(e.layout.Stripes()) {
		if err := e.k.CheckIndexes(ctx); err != nil {
			e.t.Fatalf("converted draw tree: %v", err)
		}
	}
	fmt.Fprintf(os.Stderr, "  the kept state's Fenwick draw tree (%d nodes, %d confirmed commitments) converted to the 64-ary one in %v\n", len(nodes), total, time.Since(t0).Round(time.Millisecond))
	return len(nodes)
}

func scaleMN(i int) (a types.Address) {
	copy(a[:], sha3.New256().Sum(binary.BigEndian.AppendUint32([]byte("mn"), uint32(i))))
	return a
}

func scaleArtID(i int) []byte {
	seed := sha3.Sum256(binary.BigEndian.AppendUint64([]byte("art"), uint64(i)))
	return seed[:]
}

// ctxAt is the context of the current block. As in the app, a block's
// writes collect in a cache over the last saved version and reach the tree
// at the end of the block (IAVL's iterators over unsaved writes sort them
// all on every call).
func (e *scaleEnv) ctxAt() *types.Context {
	if e.cache == nil {
		e.cache = store.NewCache(store.Tree{T: e.tree})
	}
	ctx := types.NewContext(e.cache, "scale", e.height, time.Unix(1_700_000_000+e.height*5, 0))
	ctx.Rand = sha3.Sum256(binary.BigEndian.AppendUint64([]byte("scale"), uint64(e.height)))
	return ctx
}

func (e *scaleEnv) commit() {
	if e.cache != nil {
		e.cache.Write()
		e.cache = nil
	}
	_, v, err := e.tree.SaveVersion()
	if err != nil {
		e.t.Fatal(err)
	}
	// Pruned as the app prunes (every PASTEL_BENCH_SCALE_PRUNE_EVERY
	// versions, default 1 as app.toml's pruning-interval), keeping
	// PASTEL_BENCH_SCALE_KEEP (default 1000). The app keeps 100,000 by
	// default: at this bench's pace of 20 arts a block that would be every
	// version of a 10^6-art build, tens of GB of replaced tree nodes.
	if e.keep > 0 && v%e.pruneEvery == 0 && v > e.keep {
		if err := e.tree.DeleteVersionsTo(v - e.keep); err != nil {
			e.t.Fatal(err)
		}
	}
	e.height++
}

// scaleArtsPerBlock is how many arts the benches register per block while
// building: a busy chain's pace, and a twentieth of the commits (each a
// LevelDB batch and an IAVL version) a block per art would cost.
const scaleArtsPerBlock = 20

// register registers art i through registerArt, confirms every commitment
// in bulk and attests it active, committing the block after every
// scaleArtsPerBlock arts; it returns the time registerArt took.
func (e *scaleEnv) register(i int) time.Duration {
	t, k := e.t, e.k
	seed := [32]byte(scaleArtID(i))
	m := &storagepb.MsgRegisterArt{Title: fmt.Sprintf("scale %d", i), MetadataHash: seed[:], ArchiveHash: seed[:],
		ArchiveSize: uint64(e.layout.Size), ChunkSize: uint32(codec.DefaultParams().ChunkSize), Redundancy: uint32(codec.DefaultParams().Redundancy),
		Fingerprint: binary.BigEndian.Uint64(seed[8:]), Editions: 1, MaxFee: 1 << 62}
	for c := 0; c < e.layout.Chunks(); c++ {
		id := sha3.Sum256(binary.BigEndian.AppendUint32(seed[:], uint32(c)))
		m.ChunkIds = append(m.ChunkIds, id[:])
	}
	ctx := e.ctxAt()
	t0 := time.Now()
	// Random 64-bit fingerprints come within the duplicate distance of one
	// another (about 1.5 pairs among 10^6 at d = 6; the build met one at
	// art 817,876): such an art takes another fingerprint, as a distinct
	// image would have one. registerArt refuses it before writing anything.
	for attempt := uint32(1); ; attempt++ {
		err := k.registerArt(ctx, e.artist, m)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrDuplicateArt) || attempt == 10 {
			t.Fatalf("art %d: %v", i, err)
		}
		h := sha3.Sum256(binary.BigEndian.AppendUint32(append([]byte("fingerprint"), seed[:]...), attempt))
		m.Fingerprint = binary.BigEndian.Uint64(h[:8])
	}
	d := time.Since(t0)
	a, _ := k.Art(ctx, seed[:])
	for s := range a.Stripes {
		k.benchConfirmAll(ctx, a.Id, uint32(s))
	}
	for _, at := range a.Attestations {
		mn, _ := secp256k1.ParseAddress(at.Attester)
		if err := k.attest(ctx, mn, &storagepb.MsgAttest{ArtId: a.Id, Fingerprint: m.Fingerprint, Ok: true}); err != nil {
			t.Fatal(err)
		}
	}
	if a, _ := k.Art(ctx, seed[:]); a.Status != storagepb.ArtStatus_ART_ACTIVE {
		t.Fatalf("art %d is %v", i, a.Status)
	}
	e.ids = append(e.ids, seed[:])
	if len(e.ids)%e.perBlock == 0 {
		e.commit()
	}
	return d
}

// block runs one block as the app does: FinalizeBlock (the answers to the
// challenges open before it, as honest holders would give them, BeginBlock,
// EndBlock, then the block's writes applied to the tree and its working
// hash, the AppHash) and Commit (SaveVersion and pruning). It returns the
// two times.
func (e *scaleEnv) block() (finalize, commit time.Duration) {
	t0 := time.Now()
	ctx := e.ctxAt()
	for _, ch := range e.k.openChallengesAll(ctx) {
		e.k.passChallenge(ctx, ch)
	}
	e.k.recordRandomness(ctx)
	if _, err := (Module{Keeper: e.k}).EndBlock(ctx); err != nil {
		e.t.Fatal(err)
	}
	return e.finish(t0)
}

// finish ends a block begun at t0: it applies the block's writes, takes
// the working hash (the end of FinalizeBlock), commits, and adds the
// times to e's totals.
func (e *scaleEnv) finish(t0 time.Time) (finalize, commit time.Duration) {
	t1 := time.Now()
	e.cache.Write()
	e.cache = nil
	e.tree.WorkingHash()
	t2 := time.Now()
	e.commit()
	t3 := time.Now()
	e.exec += t1.Sub(t0)
	e.hashTime += t2.Sub(t1)
	e.commitTime += t3.Sub(t2)
	return t2.Sub(t0), t3.Sub(t2)
}

func median(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}

type prefixBytes struct {
	prefix      string
	keys, bytes int
}

// moduleState counts the module's keys and key+value bytes by prefix (up
// to the first '/'), largest first.
func moduleState(t *testing.T, ctx *types.Context) (keys, size int, by []prefixBytes) {
	t.Helper()
	m := map[string]*prefixBytes{}
	pre := []byte(ModuleName + "/")
	it := ctx.Store().Iterator(pre, types.PrefixEnd(pre))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		kk := it.Key()[len(pre):]
		p := string(kk)
		if i := bytes.IndexByte(kk, '/'); i >= 0 {
			p = string(kk[:i+1])
		}
		if m[p] == nil {
			m[p] = &prefixBytes{prefix: p}
		}
		m[p].keys++
		m[p].bytes += len(it.Key()) + len(it.Value())
		keys++
		size += len(it.Key()) + len(it.Value())
	}
	for _, v := range m {
		by = append(by, *v)
	}
	sort.Slice(by, func(i, j int) bool { return by[i].bytes > by[j].bytes })
	return keys, size, by
}

type growth struct {
	prefix      string
	keys, bytes float64 // per art
}

// perArtState is the growth by prefix from before to after over n arts,
// largest first.
func perArtState(before, after []prefixBytes, n int) []growth {
	b := map[string]prefixBytes{}
	for _, p := range before {
		b[p.prefix] = p
	}
	var out []growth
	for _, p := range after {
		dk, db := p.keys-b[p.prefix].keys, p.bytes-b[p.prefix].bytes
		if dk == 0 && db == 0 {
			continue
		}
		out = append(out, growth{p.prefix, float64(dk) / float64(n), float64(db) / float64(n)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].bytes > out[j].bytes })
	return out
}

func rss() string {
	bz, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(bz), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:"))
		}
	}
	return "?"
}
