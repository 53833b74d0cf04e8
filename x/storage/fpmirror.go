package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/fingerprint"
)

// FingerprintPrefix is where the fingerprint band index lives in the
// app's store (fp/ under the module's prefix).
var FingerprintPrefix = append([]byte(ModuleName+"/"), pFingerprint...)

// mirrorHistory is how many blocks of index writes a mirror keeps, so a
// rebuild that ran while blocks were committed can catch up with them.
const mirrorHistory = 64

// FingerprintMirror is an in-memory copy (fingerprint.Index) of the band
// index at the latest committed height, for the attesters' near-duplicate
// query (/storage/near), which looks hundreds of crop probes up per art:
// ≈20 µs a lookup at 10^6 arts instead of ≈0.9 ms through IAVL's
// iterators (fingerprint's BenchmarkNear1M: memory/… against iavl/…). It is a view for queries only, never
// read by a state transition; the chain's own check (registerArt) reads
// the store.
//
// The app feeds it each committed block's writes under FingerprintPrefix
// (Commit). It is built on the first query that needs it, by a scan of
// the committed index, and caught up with the blocks committed during the
// scan; until then, and for queries at an older height, the store answers.
// The two give the same answer (TestNearMirrorMatchesStore).
type FingerprintMirror struct {
	mu     sync.RWMutex
	idx    *fingerprint.Index
	height int64 // the version idx reflects; 0: not built or fell behind
	latest int64 // the last committed version seen
	recent map[int64][]store.Write

	build sync.Mutex // one rebuild at a time
	// Open returns a read-only view of a committed version's store.
	Open func(version int64) (types.KVStore, error)
}

// Opened tells the mirror the store is at version h with no writes known
// (a node starting, or a state restored from a snapshot): the next query
// at h builds it.
func (m *FingerprintMirror) Opened(h int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.idx, m.height, m.latest, m.recent = nil, 0, h, nil
}

// Committed records the index writes of version h (the block just
// committed) and applies them if the mirror is at h-1.
func (m *FingerprintMirror) Committed(h int64, writes []store.Write) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.recent == nil {
		m.recent = map[int64][]store.Write{}
	}
	m.recent[h] = writes
	delete(m.recent, h-mirrorHistory)
	m.latest = h
	if m.idx != nil && m.height == h-1 {
		if err := applyIndexWrites(m.idx, writes); err == nil {
			m.height = h
			return
		}
	}
	m.idx, m.height = nil, 0 // rebuilt by the next query
}

// Height is the version the mirror reflects, 0 if it is not built (or fell
// behind and waits for the next query to rebuild it).
func (m *FingerprintMirror) Height() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.height
}

// Len is the number of fingerprints the mirror holds.
func (m *FingerprintMirror) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.idx == nil {
		return 0
	}
	return m.idx.Len()
}

// lookup returns a Near function over the mirror at height h, and a
// release to call when done; ok is false when the mirror cannot answer for
// h (the caller uses the store). The first lookup at the latest height
// builds the mirror.
func (m *FingerprintMirror) lookup(h int64) (near func(fingerprint.Hash, int) []fingerprint.Match, release func(), ok bool) {
	if m == nil {
		return nil, nil, false
	}
	m.mu.RLock()
	if m.idx != nil && m.height == h {
		return m.idx.Near, m.mu.RUnlock, true
	}
	latest := m.latest
	m.mu.RUnlock()
	if h != latest || m.Open == nil || !m.build.TryLock() {
		return nil, nil, false
	}
	defer m.build.Unlock()
	if err := m.rebuild(h); err != nil {
		return nil, nil, false
	}
	m.mu.RLock()
	if m.idx != nil && m.height == h {
		return m.idx.Near, m.mu.RUnlock, true
	}
	m.mu.RUnlock()
	return nil, nil, false
}

// rebuild scans the index at version v into a new Index, outside the lock
// (blocks go on committing), then replays the writes of the versions
// committed meanwhile and installs it.
func (m *FingerprintMirror) rebuild(v int64) error {
	kv, err := m.Open(v)
	if err != nil {
		return err
	}
	idx := &fingerprint.Index{}
	band0 := append(bytes.Clone(FingerprintPrefix), 0)
	it := kv.Iterator(band0, types.PrefixEnd(band0))
	for ; it.Valid(); it.Next() {
		h, id, err := parseBand0(it.Key()[len(FingerprintPrefix):])
		if err != nil {
			it.Close()
			return err
		}
		idx.Add(h, id)
	}
	it.Close()
	m.mu.Lock()
	defer m.mu.Unlock()
	for x := v + 1; x <= m.latest; x++ {
		w, ok := m.recent[x]
		if !ok {
			return fmt.Errorf("storage: fingerprint mirror: the writes of block %d are gone", x)
		}
		if err := applyIndexWrites(idx, w); err != nil {
			return err
		}
	}
	m.idx, m.height = idx, max(v, m.latest)
	return nil
}

// applyIndexWrites applies writes to keys under FingerprintPrefix: each
// (hash, id) has four band keys, and band 0's stands for the pair.
func applyIndexWrites(idx *fingerprint.Index, writes []store.Write) error {
	for _, w := range writes {
		k := w.Key[len(FingerprintPrefix):]
		if len(k) == 0 || k[0] != 0 {
			continue
		}
		h, id, err := parseBand0(k)
		if err != nil {
			return err
		}
		if w.Deleted {
			idx.Remove(h, id)
		} else {
			idx.Add(h, id)
		}
	}
	return nil
}

// parseBand0 reads (hash, id) from a band-0 key of fingerprint.BandKeys:
// band (1) | band value (2) | hash (8) | id.
func parseBand0(k []byte) (fingerprint.Hash, string, error) {
	if len(k) < 11 {
		return 0, "", fmt.Errorf("%w: %x", fingerprint.ErrIndexKey, k)
	}
	return fingerprint.Hash(binary.BigEndian.Uint64(k[3:11])), string(k[11:]), nil
}
