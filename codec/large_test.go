package codec

import (
	"bufio"
	"crypto/sha3"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLargeStreaming encodes a large archive from a stream in a child process and
// checks the child's peak RSS stays at "one stripe", independent of the archive
// size; then it decodes stripe by stripe from k parity chunks per stripe and
// checks the archive hash. 64 MiB by default, 1 GiB with PASTEL_LONG=1, skipped
// with -short.
func TestLargeStreaming(t *testing.T) {
	if testing.Short() {
		t.Skip("large input; runs without -short")
	}
	size := int64(64 << 20)
	if os.Getenv("PASTEL_LONG") != "" {
		size = 1 << 30
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLargeStreamingChild$", "-test.v")
	cmd.Env = append(os.Environ(), "PASTEL_CHILD_DIR="+dir, fmt.Sprintf("PASTEL_CHILD_SIZE=%d", size))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var peakKiB int64
	var hash Hash
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "PEAK_RSS_KIB="); ok {
			peakKiB, _ = strconv.ParseInt(v, 10, 64)
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "ARCHIVE_HASH="); ok {
			hash, _ = ParseHash(v)
		}
	}
	t.Logf("encoded %d MiB; child peak RSS %d MiB", size>>20, peakKiB>>10)
	// One stripe is 21 source pieces (42 MiB) plus a batch of 8 parity chunks
	// (16 MiB); allow for the runtime and GC headroom, but nothing proportional
	// to the archive.
	const limitMiB = 300
	if peakKiB == 0 || peakKiB>>10 > limitMiB {
		t.Fatalf("child peak RSS %d MiB, want (0, %d] MiB", peakKiB>>10, limitMiB)
	}

	// Decode stripe by stripe, memory one stripe, hashing what comes out.
	l, _ := NewLayout(size, DefaultParams())
	d, _ := NewDecoder(nil)
	sum := sha3.New256()
	for s := range l.Stripes() {
		for i := range l.Stripe(s).K {
			b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%d-%d.chunk", s, i)))
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Add(b); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.Flush(sum); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.WriteTo(sum); err != nil {
		t.Fatal(err)
	}
	var got Hash
	sum.Sum(got[:0])
	if got != hash {
		t.Fatalf("decoded archive hashes to %s, encoded %s", got, hash)
	}
}

// largeStream is a deterministic pseudo-random archive of any size, never held
// in memory.
func largeStream(size int64) io.Reader {
	return bufio.NewReaderSize(io.LimitReader(rand.NewChaCha8([32]byte{'b', 'i', 'g'}), size), 1<<20)
}

// TestLargeStreamingChild is the child process of TestLargeStreaming: it encodes
// and keeps k parity chunks per stripe (as files, numbered) and reports its peak
// RSS.
func TestLargeStreamingChild(t *testing.T) {
	dir := os.Getenv("PASTEL_CHILD_DIR")
	if dir == "" {
		t.Skip("child of TestLargeStreaming")
	}
	size, _ := strconv.ParseInt(os.Getenv("PASTEL_CHILD_SIZE"), 10, 64)
	hash, n, err := HashArchive(largeStream(size))
	if err != nil || n != size {
		t.Fatal(n, err)
	}
	kept := 0
	_, err = EncodeStream(largeStream(size), size, hash, DefaultParams(), func(c *Chunk) error {
		// Keep parity chunks k..2k-1, renumbered 0..k-1: decoding must rebuild
		// every source piece.
		if c.Index < c.K || c.Index >= 2*c.K {
			return nil
		}
		kept++
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%d-%d.chunk", c.Stripe, c.Index-c.K)))
		if err != nil {
			return err
		}
		if _, err := c.WriteTo(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Printf("PEAK_RSS_KIB=%s\n", strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	fmt.Printf("ARCHIVE_HASH=%s\nKEPT=%d\n", hash, kept)
}
