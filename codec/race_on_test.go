//go:build race

package codec

// raceEnabled reports whether the race detector is on (it slows hashing-heavy
// tests several times).
const raceEnabled = true
