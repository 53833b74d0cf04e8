package main

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/pastelchain/pastel/genesis"
)

// parseAmount reads "123npsl" (base units) or "1.5psl" (coins). A bare
// number is refused: "10" meaning 10 npsl where 10 psl was meant is a
// billion-fold mistake, so the unit is always written ("0" alone is fine).
func parseAmount(s string) (uint64, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	mult := uint64(1)
	switch {
	case strings.HasSuffix(s, "npsl"):
		s = strings.TrimSuffix(s, "npsl")
	case strings.HasSuffix(s, "psl"):
		s = strings.TrimSuffix(s, "psl")
		mult = genesis.Coin
	case s == "0":
	default:
		if _, ok := new(big.Rat).SetString(s); ok && s != "" {
			return 0, fmt.Errorf("amount %q has no unit: write %spsl (coins) or %snpsl (base units; 1psl = 10^9 npsl)", s, s, s)
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || s == "" || strings.ContainsAny(s, "e/") {
		return 0, fmt.Errorf("amount %q: write a number with its unit: 1000psl, 2.5psl, 500npsl", s)
	}
	r.Mul(r, new(big.Rat).SetUint64(mult))
	if !r.IsInt() {
		return 0, fmt.Errorf("amount %q is finer than 1 npsl (1 psl = 10^9 npsl)", s)
	}
	n := r.Num()
	if n.Sign() < 0 {
		return 0, fmt.Errorf("amount %q is negative", s)
	}
	if !n.IsUint64() {
		return 0, fmt.Errorf("amount %q overflows (max %d npsl)", s, ^uint64(0))
	}
	return n.Uint64(), nil
}

// formatAmount prints npsl as psl with up to 9 decimals.
func formatAmount(n uint64) string { return genesis.FormatAmount(n) }
