package chunkscmd

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pastelchain/pastel/codec"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := Command()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String() + errOut.String(), err
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := run(t, args...)
	if err != nil {
		t.Fatalf("chunks %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func chunkFiles(t *testing.T, dir string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.chunk"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	return paths
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"2MiB": 2 << 20, "512KiB": 512 << 10, "1048576": 1 << 20, "1 GiB": 1 << 30, "3k": 3072,
		"1MB": 1e6, "1.5MiB": 3 << 19, "0": 0, "7b": 7, "2mib": 2 << 20,
	} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MiB", "2 parsecs", "-1", "99999999999999999999", "1e3"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
	if FormatSize(2<<20) != "2MiB" || FormatSize(1500) != "1.5KiB" || FormatSize(12) != "12B" {
		t.Errorf("FormatSize: %s %s %s", FormatSize(2<<20), FormatSize(1500), FormatSize(12))
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	tmp := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 1))
	files := map[string][]byte{"a.png": make([]byte, 300_000), "empty.txt": nil, "b c.jpg": {1, 2, 3}}
	rng.Shuffle(len(files["a.png"]), func(i, j int) {})
	for i := range files["a.png"] {
		files["a.png"][i] = byte(rng.Uint32())
	}
	var args []string
	for name, data := range files {
		writeFile(t, filepath.Join(tmp, name), data)
		args = append(args, filepath.Join(tmp, name))
	}
	chunks := filepath.Join(tmp, "chunks")
	out := mustRun(t, append([]string{"encode", "-q", "--chunk-size", "64KiB", "--redundancy", "4", "--title", "T", "-o", chunks}, args...)...)
	if !strings.Contains(out, "archive") || !strings.Contains(out, "manifest") {
		t.Fatalf("encode output:\n%s", out)
	}
	// Same inputs, same archive and chunks (deterministic).
	again := filepath.Join(tmp, "again")
	mustRun(t, append([]string{"encode", "-q", "--chunk-size", "65536", "--redundancy", "4", "--title", "T", "-o", again}, args...)...)
	a, b := chunkFiles(t, chunks), chunkFiles(t, again)
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d vs %d chunk files", len(a), len(b))
	}
	for i := range a {
		if filepath.Base(a[i]) != filepath.Base(b[i]) {
			t.Fatal("re-encoding gave different chunks")
		}
	}
	restored := filepath.Join(tmp, "restored")
	out = mustRun(t, "decode", chunks, "-o", restored, "--metadata", filepath.Join(tmp, "meta.json"))
	if !strings.Contains(out, "hash verified") || !strings.Contains(out, "a.png") {
		t.Fatalf("decode output:\n%s", out)
	}
	for name, data := range files {
		got, err := os.ReadFile(filepath.Join(restored, name))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if meta, _ := os.ReadFile(filepath.Join(tmp, "meta.json")); !bytes.Contains(meta, []byte(`"title": "T"`)) {
		t.Fatalf("metadata: %s", meta)
	}
	// Decoding again into the same place refuses to overwrite.
	if _, err := run(t, "decode", "-q", chunks, "-o", restored); err == nil {
		t.Fatal("decode overwrote existing files")
	}
	mustRun(t, "decode", "-q", chunks, "-o", restored, "--force")
	out = mustRun(t, "verify", chunks)
	if !strings.Contains(out, "every stripe can be rebuilt") {
		t.Fatalf("verify:\n%s", out)
	}
}

// The design's demonstration through the CLI, with real files: a 20 MiB image,
// defaults (2 MiB chunks, redundancy 12), delete 75% of the chunk files,
// overwrite random bytes in 10% of the rest, decode. Two seeds by default, one
// with -short or -race (the codec package runs all 20); PASTEL_LONG=1 runs 20.
func TestDemonstrationCLI(t *testing.T) {
	seeds := 2
	switch {
	case os.Getenv("PASTEL_LONG") != "":
		seeds = 20
	case testing.Short() || raceEnabled:
		seeds = 1
	}
	for seed := range uint64(seeds) {
		tmp := t.TempDir()
		rng := rand.New(rand.NewPCG(seed, 77))
		image := make([]byte, 20<<20)
		rand.NewChaCha8([32]byte{byte(seed), 1}).Read(image)
		writeFile(t, filepath.Join(tmp, "image.png"), image)
		dir := filepath.Join(tmp, "chunks")
		mustRun(t, "encode", "-q", filepath.Join(tmp, "image.png"), "--title", "demo", "-o", dir)

		paths := chunkFiles(t, dir)
		rng.Shuffle(len(paths), func(i, j int) { paths[i], paths[j] = paths[j], paths[i] })
		del := len(paths) * 3 / 4
		for _, p := range paths[:del] {
			os.Remove(p)
		}
		rest := paths[del:]
		corrupt := (len(rest) + 9) / 10
		for _, p := range rest[:corrupt] {
			b, _ := os.ReadFile(p)
			n := 1 + rng.IntN(64)
			off := rng.IntN(len(b) - n + 1)
			for j := off; j < off+n; j++ {
				b[j] ^= byte(1 + rng.IntN(255))
			}
			writeFile(t, p, b)
		}
		out := mustRun(t, "verify", dir)
		t.Logf("seed %d: kept %d of %d chunk files, corrupted %d\n%s", seed, len(rest), len(paths), corrupt, out)
		row := stripeRow(out, 0) // stripe k n good corrupt missing status
		if !strings.Contains(out, "every stripe can be rebuilt") || row == nil || row[4] != itoa(corrupt) || row[3] != itoa(len(rest)-corrupt) {
			t.Fatalf("verify should report %d corrupt and a rebuildable archive:\n%s", corrupt, out)
		}
		for _, mode := range [][]string{nil, {"--trust-headers"}} {
			restored := filepath.Join(tmp, "restored"+strings.Join(mode, ""))
			mustRun(t, append([]string{"decode", "-q", dir, "-o", restored}, mode...)...)
			got, err := os.ReadFile(filepath.Join(restored, "image.png"))
			if err != nil || !bytes.Equal(got, image) {
				t.Fatalf("seed %d %v: restored image differs: %v", seed, mode, err)
			}
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// stripeRow returns the fields of verify's table row for stripe s.
func stripeRow(out string, s int) []string {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 && f[0] == itoa(s) {
			return f
		}
	}
	return nil
}

func TestVerifyAndDecodeReportShortStripe(t *testing.T) {
	tmp := t.TempDir()
	data := make([]byte, 100_000)
	rand.NewChaCha8([32]byte{3}).Read(data)
	writeFile(t, filepath.Join(tmp, "x.bin"), data)
	dir := filepath.Join(tmp, "chunks")
	mustRun(t, "encode", "-q", "--chunk-size", "16KiB", "--redundancy", "2", filepath.Join(tmp, "x.bin"), "-o", dir)
	m, err := loadManifest(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	l, _ := m.Layout()
	st := l.Stripe(0)
	// Leave k-1 chunks of stripe 0.
	for i := st.K - 1; i < st.N; i++ {
		os.Remove(filepath.Join(dir, m.ChunkID(0, i).String()+".chunk"))
	}
	out, err := run(t, "verify", dir)
	if !errors.Is(err, ErrUnrecoverable) || !strings.Contains(out, "LOST: needs 1 more") {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	_, err = run(t, "decode", "-q", dir, "-o", filepath.Join(tmp, "out"))
	want := "stripe 0 has " + itoa(st.K-1) + " of " + itoa(st.K) + " needed chunks"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("decode: %v, want %q", err, want)
	}
	if _, err := os.Stat(filepath.Join(tmp, "out", "x.bin")); err == nil {
		t.Fatal("a failed decode left the file behind")
	}
}

func TestMintCLI(t *testing.T) {
	tmp := t.TempDir()
	data := make([]byte, 200_000)
	rand.NewChaCha8([32]byte{4}).Read(data)
	writeFile(t, filepath.Join(tmp, "x.bin"), data)
	dir := filepath.Join(tmp, "chunks")
	mustRun(t, "encode", "-q", "--chunk-size", "32KiB", "--redundancy", "3", filepath.Join(tmp, "x.bin"), "-o", dir)
	m, _ := loadManifest(filepath.Join(dir, ManifestName))
	orig := map[string][]byte{}
	for _, p := range chunkFiles(t, dir) {
		orig[filepath.Base(p)], _ = os.ReadFile(p)
	}
	// Delete chunk (0, 5) and mint it back by index.
	name := m.ChunkID(0, 5).String() + ".chunk"
	os.Remove(filepath.Join(dir, name))
	out := mustRun(t, "mint", dir, "--index", "5", "-o", dir)
	if got, _ := os.ReadFile(filepath.Join(dir, name)); !bytes.Equal(got, orig[name]) {
		t.Fatalf("minted chunk differs:\n%s", out)
	}
	// Delete two thirds, mint all missing, in header mode too.
	for _, mode := range [][]string{nil, {"--trust-headers"}} {
		paths := chunkFiles(t, dir)
		for i, p := range paths {
			if i%3 != 0 {
				os.Remove(p)
			}
		}
		mustRun(t, append([]string{"mint", dir, "--missing", "-o", dir}, mode...)...)
		after := chunkFiles(t, dir)
		if len(after) != len(orig) {
			t.Fatalf("%v: %d chunk files after minting, want %d", mode, len(after), len(orig))
		}
		for _, p := range after {
			if got, _ := os.ReadFile(p); !bytes.Equal(got, orig[filepath.Base(p)]) {
				t.Fatalf("%v: %s differs after minting", mode, filepath.Base(p))
			}
		}
	}
	if _, err := run(t, "mint", dir, "--index", "999", "-o", dir); err == nil {
		t.Fatal("mint of a nonexistent index succeeded")
	}
}

func TestHelpHasExamples(t *testing.T) {
	for _, sub := range []string{"encode", "decode", "verify", "mint"} {
		out := mustRun(t, sub, "--help")
		if !strings.Contains(out, "Examples:") || !strings.Contains(out, "pasteld chunks "+sub) {
			t.Errorf("%s --help lacks examples:\n%s", sub, out)
		}
	}
	_ = codec.DefaultChunkSize
}
