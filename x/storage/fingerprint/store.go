package fingerprint

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/pastelchain/pastel/types"
)

// The chain keeps the index in its key-value store, under a prefix of its
// choosing, as four keys per fingerprint, one per band:
//
//	band (1 byte) | band value (2 bytes, big-endian) | hash (8 bytes, big-endian) | id
//
// with an empty value. Keys of one band value are adjacent, so a lookup is
// a few hundred short prefix scans (the same band values Index.Near reads)
// and touches only the keys it reports or rejects; nothing is loaded into
// memory first, and iteration order makes the result independent of how
// the store was filled.

// keyHead is the length of a key before the id.
const keyHead = 1 + 2 + 8

// ErrIndexKey reports a key under the index prefix that BandKeys did not
// make: the store is not what the caller said it is.
var ErrIndexKey = errors.New("fingerprint: malformed index key")

// StoreReader is the part of a types.KVStore a lookup reads.
type StoreReader interface {
	Iterator(start, end []byte) types.Iterator
}

// StoreWriter is the part of a types.KVStore that AddToStore and RemoveFromStore write.
type StoreWriter interface {
	Set(key, value []byte)
	Delete(key []byte)
}

// BandKeys returns the four keys that index (h, id) in a store.
func BandKeys(h Hash, id []byte) [][]byte {
	keys := make([][]byte, bands)
	for b := range bands {
		k := make([]byte, keyHead, keyHead+len(id))
		k[0] = byte(b)
		binary.BigEndian.PutUint16(k[1:3], bandOf(h, b))
		binary.BigEndian.PutUint64(k[3:11], uint64(h))
		keys[b] = append(k, id...)
	}
	return keys
}

// AddToStore indexes (h, id) in kv. Adding a pair twice leaves one copy.
func AddToStore(kv StoreWriter, h Hash, id []byte) {
	for _, k := range BandKeys(h, id) {
		kv.Set(k, types.Marker)
	}
}

// RemoveFromStore removes (h, id) from kv; a pair not there is no error.
func RemoveFromStore(kv StoreWriter, h Hash, id []byte) {
	for _, k := range BandKeys(h, id) {
		kv.Delete(k)
	}
}

// NearInStore is Index.Near over a store filled by AddToStore: every (hash, id)
// within maxDistance of h, nearest first, then by hash and id. It returns
// an error only for keys under the prefix that AddToStore did not write.
func NearInStore(kv StoreReader, h Hash, maxDistance int) ([]Match, error) {
	if maxDistance < 0 {
		return nil, nil
	}
	d := clampDistance(maxDistance)
	r := radii(d)
	var out []Match
	for b := range bands {
		if r[b] < 0 {
			continue
		}
		for _, vr := range ranges(bandOf(h, b), r[b]) {
			ms, err := scanBand(kv, h, d, b, vr, &r)
			if err != nil {
				return nil, err
			}
			out = append(out, ms...)
		}
	}
	sortMatches(out)
	return out, nil
}

// NearAnyInStore is Index.NearAny over a store.
func NearAnyInStore(kv StoreReader, hs []Hash, maxDistance int) ([]Match, error) {
	var all []Match
	for _, h := range hs {
		ms, err := NearInStore(kv, h, maxDistance)
		if err != nil {
			return nil, err
		}
		all = append(all, ms...)
	}
	return mergeNearest(all), nil
}

func scanBand(kv StoreReader, h Hash, d, b int, vr valueRange, r *[bands]int) (ms []Match, err error) {
	start := []byte{byte(b), byte(vr.lo >> 8), byte(vr.lo)}
	end := types.PrefixEnd([]byte{byte(b), byte(vr.hi >> 8), byte(vr.hi)})
	it := kv.Iterator(start, end)
	defer func() {
		if cerr := it.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	for ; it.Valid(); it.Next() {
		k := it.Key()
		if len(k) < keyHead {
			return nil, fmt.Errorf("%w: %x", ErrIndexKey, k)
		}
		g := Hash(binary.BigEndian.Uint64(k[3:11]))
		if bandOf(g, b) != binary.BigEndian.Uint16(k[1:3]) {
			return nil, fmt.Errorf("%w: %x: band value does not match hash", ErrIndexKey, k)
		}
		dist := Distance(h, g)
		if dist <= d && firstBand(h, g, b, r) {
			ms = append(ms, Match{string(k[keyHead:]), g, dist})
		}
	}
	return ms, nil
}
