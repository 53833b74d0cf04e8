package e2e

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBenchRegistration20MiB prints the registration budget of DESIGN.md
// §10: a ~20 MiB image registered on a devnet-shaped network (1 validator,
// 6 chunkd, 3 holders per chunk, 2 MiB chunks at 12x), end to end and per
// phase, then downloaded. It is a measurement, not a pass/fail timing test:
// it runs only with PASTEL_BENCH=1 (make bench).
func TestBenchRegistration20MiB(t *testing.T) {
	if os.Getenv("PASTEL_BENCH") != "1" {
		t.Skip("measurement; run with PASTEL_BENCH=1 (make bench)")
	}
	sn := newStorageNet(t, 1, 6, map[string]string{"storage.params.replication": "3"})
	dir := t.TempDir()
	// Noise does not compress: a 3,072 x 2,304 RGB PNG is about 20 MiB.
	r := rand.New(rand.NewSource(7))
	img := image.NewNRGBA(image.Rect(0, 0, 3072, 2304))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = uint8(r.Intn(256)), uint8(r.Intn(256)), uint8(r.Intn(256)), 255
	}
	for y := 0; y < 2304; y += 64 { // some structure for the fingerprint
		for x := 0; x < 3072; x++ {
			img.Set(x, y, color.NRGBA{0, 0, 0, 255})
		}
	}
	p := filepath.Join(dir, "big.png")
	writePNG(t, p, img)
	st, _ := os.Stat(p)
	n := sn.nodes[0]
	start := time.Now()
	out, err := exec.Command(pasteld, append([]string{"art", "register", p, "--title", "big", "--editions", "1", "--from", "faucet",
		"--yes", "-o", "json", "--quiet"}, n.keyArgs()...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("register: %v %s", err, out)
	}
	total := time.Since(start)
	s := string(out)
	var res struct {
		ArtID   string             `json:"art_id"`
		Chunks  int                `json:"chunks"`
		Seconds map[string]float64 `json:"seconds"`
	}
	if err := json.Unmarshal([]byte(s[strings.LastIndex(s, "{\n  \"art_id\""):]), &res); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("registration of a %.1f MiB PNG (%d chunks, 2 MiB at 12x, 3 holders each, 6 chunkd, 1 validator, 300 ms blocks):\n", float64(st.Size())/(1<<20), res.Chunks)
	for _, k := range []string{"archive", "fingerprint", "encode", "submit", "upload", "activation", "total"} {
		fmt.Printf("  %-12s %6.2f s\n", k, res.Seconds[k])
	}
	fmt.Printf("  (wall clock of the CLI process: %.2f s; budget < 15 s)\n", total.Seconds())
	start = time.Now()
	if err := sn.download(t, res.ArtID, "faucet", filepath.Join(dir, "dl")); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("download (verify + rebuild + extract): %.2f s\n", time.Since(start).Seconds())
}
