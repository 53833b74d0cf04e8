//go:build !amd64 || purego

package keccak8

// Available reports whether this CPU and OS run the AVX-512 kernels.
const Available = false

func leaves8AVX512(src *byte, out *[8][32]byte) { panic("keccak8: no AVX-512 kernel") }
func nodes8AVX512(src *byte, out *[8][32]byte)  { panic("keccak8: no AVX-512 kernel") }
