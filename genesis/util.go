package genesis

import (
	"sort"
	"time"

	"github.com/pastelchain/pastel/crypto/secp256k1"
)

func parseAddr(s string) (secp256k1.Address, error) { return secp256k1.ParseAddress(s) }

func timeMillis(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }

func sortedKeys(m map[string]uint64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
