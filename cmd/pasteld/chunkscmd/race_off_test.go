//go:build !race

package chunkscmd

const raceEnabled = false
