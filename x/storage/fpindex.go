package storage

import (
	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage/fingerprint"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// The fingerprint index of every pending or active art lives under fp/ as
// the band index of package fingerprint: four keys per art (one per 16-bit
// band), so a near-duplicate lookup is a few prefix scans, not a walk over
// every registered art (measured ≈0.9 ms at distance 6 and ≈6 ms at 10 with
// 10^6 arts in IAVL; see fingerprint's doc).
func (k Keeper) fpStore(ctx *types.Context) types.KVStore {
	return store.NewPrefix(k.kv(ctx), pFingerprint)
}

func (k Keeper) fpAdd(ctx *types.Context, fp uint64, id []byte) {
	fingerprint.AddToStore(k.fpStore(ctx), fingerprint.Hash(fp), id)
}

func (k Keeper) fpRemove(ctx *types.Context, fp uint64, id []byte) {
	fingerprint.RemoveFromStore(k.fpStore(ctx), fingerprint.Hash(fp), id)
}

// nearDuplicate returns the registered art closest to fp within maxDist
// (ties by fingerprint, then id).
func (k Keeper) nearDuplicate(ctx *types.Context, fp uint64, maxDist int) (id []byte, dist int, found bool) {
	ms, err := fingerprint.NearInStore(k.fpStore(ctx), fingerprint.Hash(fp), maxDist)
	if err != nil {
		panic(err) // the index is written only by this module; a malformed key is corrupt state
	}
	if len(ms) == 0 {
		return nil, 0, false
	}
	return []byte(ms[0].ID), ms[0].Distance, true
}

// nearAny looks every probe up in the band index at the chain's distance,
// or at fingerprint.ProbeThreshold if that is smaller (an image has over a
// thousand probes, each a chance for an unrelated picture to come close;
// the chain checked the canonical fingerprint at its distance already),
// and returns the closest match that is not exclude (ties: the first probe,
// then the index's order). Attesters use it for crop probes; it is a query,
// never part of a state transition. near answers one lookup: the mirror's
// Index.Near, or the store's NearInStore (the same result).
func (k Keeper) nearAny(ctx *types.Context, probes []uint64, exclude []byte, near func(fingerprint.Hash, int) []fingerprint.Match) storagepb.NearView {
	d := min(int(k.Params(ctx).FingerprintDistance), fingerprint.ProbeThreshold)
	if near == nil {
		near = func(h fingerprint.Hash, d int) []fingerprint.Match {
			ms, err := fingerprint.NearInStore(k.fpStore(ctx), h, d)
			if err != nil {
				panic(err)
			}
			return ms
		}
	}
	best := storagepb.NearView{}
	for i, p := range probes {
		for _, m := range near(fingerprint.Hash(p), d) {
			if m.ID == string(exclude) {
				continue
			}
			if !best.Found || m.Distance < best.Distance {
				best = storagepb.NearView{Found: true, ArtID: storagepb.HexBytes(m.ID), Distance: m.Distance, Probe: i}
			}
			break // sorted by distance
		}
	}
	return best
}
