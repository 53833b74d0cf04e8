//go:build race

package fingerprint

// The race detector slows image code about tenfold; check a smaller corpus.
func init() { corpusSize, editedSize = 40, 8 }
