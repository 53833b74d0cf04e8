//go:build amd64 && !purego

package keccak8

import "golang.org/x/sys/cpu"

//go:generate go run gen/main.go -out keccak8_amd64.s

// Available reports whether this CPU and OS run the AVX-512 kernels.
var Available = cpu.X86.HasAVX512F

//go:noescape
func leaves8AVX512(src *byte, out *[8][32]byte)

//go:noescape
func nodes8AVX512(src *byte, out *[8][32]byte)
