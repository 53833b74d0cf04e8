package e2e

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// maxRSS is the peak resident set of a finished child process, in bytes.
func maxRSS(c *exec.Cmd) int64 {
	if c.ProcessState == nil {
		return 0
	}
	if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss << 10 // Linux reports KiB
	}
	return 0
}

// peakRSS reads a running process's high-water resident set (VmHWM); reset
// clears it so the next reading covers only what follows.
func peakRSS(pid int, reset bool) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	var kib int64
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kib, _ = strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	if reset {
		_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
	}
	return kib << 10
}

// A large file that is not an image is refused before an archive is built:
// the wallet used to read and archive all of it first (1 GB for 200 MB of
// data) and only then look for an image.
func TestRegisterRefusesNonImageBeforeReadingIt(t *testing.T) {
	home := t.TempDir()
	run(t, "keys", "add", "artist", "--home", home, "--keyring-backend", "test")
	p := filepath.Join(t.TempDir(), "data.png")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	// 200 MB of non-image bytes (sparse: written as one block at the end,
	// plus a header that is not any image format's).
	if _, err := f.Write([]byte("not an image, just data")); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(200 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	tmp := t.TempDir()
	c := exec.Command(pasteld, "art", "register", p, "--title", "data", "--from", "artist", "--home", home,
		"--keyring-backend", "test", "--node", "http://127.0.0.1:1", "--yes", "--quiet")
	c.Env = append(os.Environ(), "TMPDIR="+tmp)
	out, err := c.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "register PNG, JPEG") {
		t.Fatalf("a non-image was not refused as such (err %v):\n%s", err, out)
	}
	if rss := maxRSS(c); rss > 100<<20 {
		t.Fatalf("refusing a 200 MB non-image took %d MiB of memory: it was read before the check", rss>>20)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Fatalf("the refused registration left %d temporary files", len(left))
	}
}

// noisePNG writes a PNG of about mib MiB (RGB noise does not compress) with
// some structure for the fingerprint.
func noisePNG(t *testing.T, path string, mib int, seed int64) {
	t.Helper()
	px := mib << 20 / 3
	w := 4096
	h := px / w
	r := rand.New(rand.NewSource(seed))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		v := r.Uint32()
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = uint8(v), uint8(v>>8), uint8(v>>16), 255
	}
	for y := 0; y < h; y += 64 {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{0, 0, 0, 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestBenchMemory prints the peak resident memory of the wallet and of the
// chunkd processes while a 20 MiB and a 200 MiB image are registered and
// downloaded (DESIGN §10: codec memory one stripe plus the archive being
// read; chunkd < 256 MiB). A measurement: PASTEL_BENCH=1 (make bench).
func TestBenchMemory(t *testing.T) {
	if os.Getenv("PASTEL_BENCH") != "1" {
		t.Skip("measurement; run with PASTEL_BENCH=1 (make bench)")
	}
	sizes := []int{20, 200}
	if s := os.Getenv("PASTEL_BENCH_MEMORY_MIB"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, _ := strconv.Atoi(f)
			sizes = append(sizes, n)
		}
	}
	sn := newStorageNet(t, 1, 6, map[string]string{"storage.params.replication": "3", "storage.params.attest_window": "600"})
	dir := t.TempDir()
	n := sn.nodes[0]
	fmt.Printf("peak RSS (MiB), 1 validator, 6 chunkd, 3 holders per chunk, 2 MiB chunks at 12x:\n")
	fmt.Printf("  %-8s %-9s %8s %12s %12s %8s\n", "image", "phase", "wallet", "chunkd max", "chunkd med", "seconds")
	for _, mib := range sizes {
		p := filepath.Join(dir, fmt.Sprintf("noise%d.png", mib))
		noisePNG(t, p, mib, int64(mib))
		st, _ := os.Stat(p)
		for _, m := range sn.mns {
			peakRSS(m.cmd.Process.Pid, true)
		}
		report := func(phase string, c *exec.Cmd, d time.Duration) {
			var peaks []int64
			for _, m := range sn.mns {
				peaks = append(peaks, peakRSS(m.cmd.Process.Pid, true))
			}
			sortInt64(peaks)
			fmt.Printf("  %-8s %-9s %8d %12d %12d %8.1f\n", fmt.Sprintf("%.0f MiB", float64(st.Size())/(1<<20)), phase,
				maxRSS(c)>>20, peaks[len(peaks)-1]>>20, peaks[len(peaks)/2]>>20, d.Seconds())
		}
		t0 := time.Now()
		c := exec.Command(pasteld, append([]string{"art", "register", p, "--title", fmt.Sprintf("noise %d", mib), "--editions", "1",
			"--from", "faucet", "--yes", "-o", "json", "--quiet", "--activation-timeout", "20m"}, n.keyArgs()...)...)
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("register %d MiB: %v\n%s", mib, err, out)
		}
		report("register", c, time.Since(t0))
		s := string(out)
		var res struct {
			ArtID string `json:"art_id"`
		}
		if err := json.Unmarshal([]byte(s[strings.LastIndex(s, "{\n  \"art_id\""):]), &res); err != nil {
			t.Fatal(err)
		}
		t0 = time.Now()
		c = exec.Command(pasteld, append([]string{"art", "get", res.ArtID, "--output-dir", filepath.Join(dir, "dl", res.ArtID),
			"--from", "faucet", "--quiet"}, n.keyArgs()...)...)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("get %d MiB: %v\n%s", mib, err, out)
		}
		report("download", c, time.Since(t0))
		os.RemoveAll(filepath.Join(dir, "dl"))
		os.Remove(p)
	}
}

func sortInt64(a []int64) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
