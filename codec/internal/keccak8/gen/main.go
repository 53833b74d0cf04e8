//go:build ignore

// Command gen writes keccak8_amd64.s: SHA3-256 of 8 equal-length messages at once
// with AVX-512, one message per 64-bit lane of each ZMM register.
//
// The state's 25 lanes live in Z0..Z24 (8 instances each); Z25..Z31 are temps.
// The 24 rounds are fully unrolled; rho-pi is done by renaming registers (the
// permutation has order 24, so the names are back in place after a full
// permutation). Messages are "prefix byte || len data bytes" at base + i*stride,
// read with gathers straight from the caller's memory; a lane that mixes data with
// the prefix or the padding is loaded from inside the data and shifted.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
)

var rc = [24]uint64{
	0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
	0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
	0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
	0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
	0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
	0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
}

// rot[x][y] are the rho offsets.
var rot = [5][5]int{
	{0, 36, 3, 41, 18},
	{1, 44, 10, 45, 2},
	{62, 6, 43, 15, 61},
	{28, 55, 25, 21, 56},
	{27, 20, 39, 8, 14},
}

const rate = 136 // SHA3-256

type gen struct {
	buf bytes.Buffer
	reg [25]int // lane x+5y -> register number
}

func (g *gen) p(format string, args ...any) { fmt.Fprintf(&g.buf, "\t"+format+"\n", args...) }
func (g *gen) label(l string)               { fmt.Fprintf(&g.buf, "%s:\n", l) }
func (g *gen) lane(x, y int) string         { return fmt.Sprintf("Z%d", g.reg[(x%5)+5*(y%5)]) }

func (g *gen) permute() {
	for r := range 24 {
		g.p("// round %d", r)
		// theta
		for x := range 5 {
			c := fmt.Sprintf("Z%d", 25+x)
			g.p("VMOVDQA64 %s, %s", g.lane(x, 0), c)
			g.p("VPTERNLOGQ $0x96, %s, %s, %s", g.lane(x, 2), g.lane(x, 1), c)
			g.p("VPTERNLOGQ $0x96, %s, %s, %s", g.lane(x, 4), g.lane(x, 3), c)
		}
		// A[x][y] ^= C[x-1] ^ rot(C[x+1], 1), as one three-way XOR per lane.
		C := func(x int) string { return fmt.Sprintf("Z%d", 25+(x+5)%5) }
		for x := range 5 {
			g.p("VPROLQ $1, %s, Z30", C(x+1))
			for y := range 5 {
				g.p("VPTERNLOGQ $0x96, Z30, %s, %s", C(x-1), g.lane(x, y))
			}
		}
		// rho and pi: B[y][2x+3y] = rot(A[x][y], r[x][y])
		var next [25]int
		for x := range 5 {
			for y := range 5 {
				if rot[x][y] != 0 {
					g.p("VPROLQ $%d, %s, %s", rot[x][y], g.lane(x, y), g.lane(x, y))
				}
				X, Y := y, (2*x+3*y)%5
				next[X+5*Y] = g.reg[x+5*y]
			}
		}
		g.reg = next
		// chi
		for y := range 5 {
			b := func(x int) string { return g.lane(x, y) }
			g.p("VMOVDQA64 %s, Z25", b(0))
			g.p("VMOVDQA64 %s, Z26", b(1))
			g.p("VPTERNLOGQ $0xD2, %s, %s, %s", b(2), b(1), b(0))
			g.p("VPTERNLOGQ $0xD2, %s, %s, %s", b(3), b(2), b(1))
			g.p("VPTERNLOGQ $0xD2, %s, %s, %s", b(4), b(3), b(2))
			g.p("VPTERNLOGQ $0xD2, Z25, %s, %s", b(4), b(3))
			g.p("VPTERNLOGQ $0xD2, Z26, Z25, %s", b(4))
		}
		// iota
		g.p("VPXORQ.BCST roundConstants<>+%d(SB), %s, %s", 8*r, g.lane(0, 0), g.lane(0, 0))
	}
	for i, r := range g.reg {
		if r != i {
			log.Fatalf("register names not restored after 24 rounds: lane %d in Z%d", i, r)
		}
	}
}

// absorb XORs block b of the messages (prefix byte || n data bytes, SHA3 padded
// to blocks*rate) into the state. SI holds the base, Z27 is reloaded with the
// per-instance offsets from idxTable.
func (g *gen) absorb(b, n, blocks int, prefix byte, idxTable string) {
	g.p("VMOVDQU64 %s(SB), Z27", idxTable)
	total := blocks * rate
	for j := range rate / 8 {
		var konst uint64
		t0, t1, d0 := -1, -1, 0
		for t := range 8 {
			pos := b*rate + 8*j + t
			var v byte
			switch {
			case pos == 0:
				v = prefix
			case pos >= 1 && pos <= n:
				if t0 < 0 {
					t0, d0 = t, pos-1
				}
				t1 = t + 1
				continue
			case pos == n+1:
				v = 0x06
			}
			if pos == total-1 {
				v |= 0x80
			}
			konst |= uint64(v) << (8 * t)
		}
		x, y := j%5, j/5
		if t0 >= 0 {
			cnt := t1 - t0
			disp := d0
			switch {
			case cnt == 8:
			case t0 > 0 && t1 == 8:
				// data starts mid-lane (after the prefix): load data[d0..d0+8), shift up
			case t0 == 0 && t1 < 8:
				disp = d0 + cnt - 8 // load the 8 bytes ending at the data's end, shift down
			default:
				log.Fatalf("lane %d of block %d holds data in the middle only", j, b)
			}
			if disp < 0 || disp+8 > n {
				log.Fatalf("lane %d of block %d would read outside the data", j, b)
			}
			g.p("KXNORW K1, K1, K1")
			g.p("VPGATHERQQ %d(SI)(Z27*1), K1, Z25", disp)
			switch {
			case cnt == 8:
			case t0 > 0:
				g.p("VPSLLQ $%d, Z25, Z25", 8*t0)
			default:
				g.p("VPSRLQ $%d, Z25, Z25", 8*(8-cnt))
			}
			g.p("VPXORQ Z25, %s, %s", g.lane(x, y), g.lane(x, y))
		}
		if konst != 0 {
			g.p("MOVQ $0x%x, AX", konst)
			g.p("VPBROADCASTQ AX, Z25")
			g.p("VPXORQ Z25, %s, %s", g.lane(x, y), g.lane(x, y))
		}
	}
}

func (g *gen) function(name string, n int, prefix byte, stride int, idxTable string) {
	blocks := (1 + n + 1 + rate - 1) / rate // prefix, data, at least one pad byte
	fmt.Fprintf(&g.buf, "\n// func %s(src *byte, out *[8][32]byte)\n", name)
	fmt.Fprintf(&g.buf, "// SHA3-256 of 0x%02x || src[i*%d : i*%d+%d] for i in 0..7, %d block(s) each.\n", prefix, stride, stride, n, blocks)
	fmt.Fprintf(&g.buf, "TEXT ·%s(SB), NOSPLIT, $0-16\n", name)
	g.p("MOVQ src+0(FP), SI")
	g.p("MOVQ out+8(FP), DI")
	for i := range 25 {
		g.p("VPXORQ Z%d, Z%d, Z%d", i, i, i)
	}
	g.p("XORQ CX, CX")
	g.label(name + "_dispatch")
	for b := range blocks {
		g.p("CMPQ CX, $%d", b)
		g.p("JEQ %s_absorb%d", name, b)
	}
	g.p("JMP %s_squeeze", name)
	for b := range blocks {
		g.label(fmt.Sprintf("%s_absorb%d", name, b))
		g.absorb(b, n, blocks, prefix, idxTable)
		g.p("JMP %s_permute", name)
	}
	g.label(name + "_permute")
	g.permute()
	g.p("INCQ CX")
	g.p("JMP %s_dispatch", name)
	g.label(name + "_squeeze")
	g.p("VMOVDQU64 outOffsets<>(SB), Z27")
	for j := range 4 {
		g.p("KXNORW K1, K1, K1")
		g.p("VPSCATTERQQ Z%d, K1, %d(DI)(Z27*1)", j, 8*j)
	}
	g.p("VZEROUPPER")
	g.p("RET")
}

// table emits a read-only array of uint64.
func (g *gen) table(name string, vals []uint64) {
	fmt.Fprintln(&g.buf)
	for i, v := range vals {
		fmt.Fprintf(&g.buf, "DATA %s+%d(SB)/8, $0x%016x\n", name, 8*i, v)
	}
	fmt.Fprintf(&g.buf, "GLOBL %s(SB), RODATA|NOPTR, $%d\n", name, 8*len(vals))
}

// offsets returns the byte offsets of 8 instances laid out stride bytes apart.
func offsets(stride int) []uint64 {
	out := make([]uint64, 8)
	for i := range out {
		out[i] = uint64(i * stride)
	}
	return out
}

func main() {
	out := flag.String("out", "keccak8_amd64.s", "output file")
	flag.Parse()
	g := &gen{}
	for i := range g.reg {
		g.reg[i] = i
	}
	fmt.Fprintf(&g.buf, "// Code generated by gen/main.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")
	g.table("roundConstants<>", rc[:])
	g.table("leafOffsets<>", offsets(1024))
	g.table("nodeOffsets<>", offsets(64))
	g.table("outOffsets<>", offsets(32))
	g.function("leaves8AVX512", 1024, 0x00, 1024, "leafOffsets<>")
	g.function("nodes8AVX512", 64, 0x01, 64, "nodeOffsets<>")
	if err := os.WriteFile(*out, g.buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
