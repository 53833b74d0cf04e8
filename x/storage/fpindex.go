package storage

import (
	"encoding/binary"
	"math/bits"

	"github.com/pastelchain/pastel/types"
)

// The fingerprint index: fp/<fingerprint8><art id32> for every art that is
// pending or active. nearDuplicate scans it; see fingerprint.go.
var fpPrefix = []byte("fp/")

func (k Keeper) fpAdd(ctx *types.Context, fp uint64, id []byte) {
	k.kv(ctx).Set(key(fpPrefix, u64(fp), id), []byte{})
}

func (k Keeper) fpRemove(ctx *types.Context, fp uint64, id []byte) {
	k.kv(ctx).Delete(key(fpPrefix, u64(fp), id))
}

// nearDuplicate returns a registered art whose fingerprint is within
// maxDist of fp (the closest, ties by key order).
func (k Keeper) nearDuplicate(ctx *types.Context, fp uint64, maxDist int) (id []byte, dist int, found bool) {
	it := k.kv(ctx).Iterator(fpPrefix, types.PrefixEnd(fpPrefix))
	defer it.Close()
	best := maxDist + 1
	for ; it.Valid(); it.Next() {
		kk := it.Key()[len(fpPrefix):]
		d := bits.OnesCount64(binary.BigEndian.Uint64(kk[:8]) ^ fp)
		if d < best {
			best, id = d, append([]byte(nil), kk[8:]...)
		}
	}
	return id, best, id != nil
}
