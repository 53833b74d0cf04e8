package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// chaosSample is one observation of the network.
type chaosSample struct {
	at         time.Duration
	height     int64
	redundancy float64 // lowest redundancy figure over all arts
	event      string
}

func chaosDuration() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("PASTEL_CHAOS_DURATION")); err == nil {
		return d
	}
	return 2 * time.Minute
}

// TestChaos runs wallets (registering and downloading art, sending coins)
// while it kills, pauses and restarts validators and chunkd processes,
// corrupts and deletes chunk files, removes masternodes for good and adds
// new ones, and deliberately stops more validators than the fault bound to
// see the chain halt and resume. It checks continuously that validators
// agree on every AppHash and the supply is conserved, and at the end that
// every art downloads byte-identical and redundancy is back at target.
// The short variant (2 minutes) runs in `make test`; PASTEL_CHAOS_DURATION=1h
// (make chaos-long) runs the long one. A report (text and a PNG plot of
// redundancy and height over time) is written to PASTEL_CHAOS_REPORT
// (default: a temp dir, path logged).
func TestChaos(t *testing.T) {
	duration := chaosDuration()
	sn := newStorageNet(t, 4, 8, map[string]string{
		"storage.params.replication":              "3",
		"storage.params.attest_window":            "600",
		"storage.params.challenge_interval":       "10",
		"storage.params.max_challenges_per_block": "16",
		"storage.params.challenge_deadline":       "25",
		"storage.params.withhold_blocks":          "20",
		"storage.params.reassign_failures":        "3",
		"storage.params.jail_failures":            "4",
		"storage.params.heal_deadline":            "30",
		"storage.params.confirm_window":           "60",
	})
	reportDir := os.Getenv("PASTEL_CHAOS_REPORT")
	if reportDir == "" {
		reportDir = t.TempDir()
	}
	_ = os.MkdirAll(reportDir, 0o755)
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	seed := rng.Int63()
	rng = rand.New(rand.NewSource(seed))
	t.Logf("chaos seed %d, duration %s, report in %s", seed, duration, reportDir)

	supply := supplyOf(t, sn.nodes[0])
	start := time.Now()
	var (
		mu      sync.Mutex
		samples []chaosSample
		arts    = map[string]string{} // art id -> file
		events  []string
	)
	note := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		e := fmt.Sprintf("%6.1fs  ", time.Since(start).Seconds()) + fmt.Sprintf(format, a...)
		events = append(events, e)
		samples = append(samples, chaosSample{at: time.Since(start), height: -1, event: fmt.Sprintf(format, a...)})
	}
	live := func() *node { // a running validator to talk to
		for _, n := range sn.nodes {
			if n.cmd != nil && n.height() >= 0 {
				return n
			}
		}
		return sn.nodes[0]
	}
	stop := make(chan struct{})
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stop) }) }
	var wg sync.WaitGroup
	// The report is written however the run ends, so a failure has one too;
	// the workload goroutines are stopped first.
	defer func() {
		halt()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(samples) > 0 {
			writeChaosReport(t, reportDir, seed, duration, samples, events, len(arts))
		}
	}()

	// Wallet: register art, download a random one, send coins.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p := filepath.Join(dir, fmt.Sprintf("chaos%d.png", i))
			writePNG(t, p, painting(seed+int64(i), 320+rng.Intn(200), 240+rng.Intn(100)))
			n := live()
			out, err := exec.Command(pasteld, append([]string{"art", "register", p, "--title", fmt.Sprintf("chaos %d", i), "--editions", "1", "--from", "faucet",
				"--chunk-size", "16KiB", "--redundancy", "6", "--yes", "-o", "json", "--quiet", "--activation-timeout", "60s"},
				"--home", sn.nodes[0].home, "--keyring-backend", "test", "--node", n.rpc)...).CombinedOutput()
			if err == nil {
				s := string(out)
				var r registered
				if json.Unmarshal([]byte(s[strings.LastIndex(s, "{\n  \"art_id\""):]), &r) == nil {
					mu.Lock()
					arts[r.ArtID] = p
					mu.Unlock()
					note("registered art %s", r.ArtID[:12])
				}
			} else {
				note("registration failed under chaos (allowed): %s", firstLine(string(out)))
			}
			_ = exec.Command(pasteld, "tx", "bank", "send", "faucet", sn.mnAddr[0], "1psl", "--yes", "--timeout", "20s",
				"--home", sn.nodes[0].home, "--keyring-backend", "test", "--node", live().rpc).Run()
			time.Sleep(2 * time.Second)
		}
	}()

	// Observer: heights, AppHash agreement, lowest redundancy.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Second):
			}
			n := live()
			h := n.height()
			red := 1e9
			mu.Lock()
			ids := make([]string, 0, len(arts))
			for id := range arts {
				ids = append(ids, id)
			}
			mu.Unlock()
			for _, id := range ids {
				out, err := exec.Command(pasteld, "art", "health", id, "-o", "json", "--node", n.rpc).Output()
				if err != nil {
					continue
				}
				var hv struct {
					Health struct {
						RedundancyMilli int64 `json:"redundancy_milli"`
					} `json:"health"`
				}
				if json.Unmarshal(out, &hv) == nil {
					red = min(red, float64(hv.Health.RedundancyMilli)/1000)
				}
			}
			if red == 1e9 {
				red = 0
			}
			mu.Lock()
			samples = append(samples, chaosSample{at: time.Since(start), height: h, redundancy: red})
			mu.Unlock()
		}
	}()

	// Chaos.
	removed := map[int]bool{}
	halted := false
	for time.Since(start) < duration {
		time.Sleep(time.Duration(2000+rng.Intn(3000)) * time.Millisecond)
		action := rng.Intn(6)
		if !halted && time.Since(start) > duration/2 {
			action, halted = 6, true // once per run, half way through
		}
		switch action {
		case 0: // SIGKILL one validator, restart it
			v := sn.nodes[1+rng.Intn(3)]
			note("SIGKILL %s", v.name)
			v.stop(syscall.SIGKILL)
			time.Sleep(time.Duration(1000+rng.Intn(3000)) * time.Millisecond)
			v.start()
			note("restarted %s", v.name)
		case 1: // SIGSTOP / SIGCONT a process
			var p *node
			if rng.Intn(2) == 0 {
				p = sn.nodes[1+rng.Intn(3)]
			} else {
				p = sn.mns[rng.Intn(len(sn.mns))]
			}
			if p.cmd == nil {
				continue
			}
			note("SIGSTOP %s", p.name)
			_ = p.cmd.Process.Signal(syscall.SIGSTOP)
			time.Sleep(time.Duration(1000+rng.Intn(3000)) * time.Millisecond)
			_ = p.cmd.Process.Signal(syscall.SIGCONT)
			note("SIGCONT %s", p.name)
		case 2: // kill a chunkd (maybe mid-upload or mid-write) and restart it
			i := rng.Intn(len(sn.mns))
			if removed[i] || sn.mns[i].cmd == nil {
				continue
			}
			note("SIGKILL chunkd %s", sn.mns[i].name)
			sn.mns[i].stop(syscall.SIGKILL)
			time.Sleep(time.Duration(500+rng.Intn(2000)) * time.Millisecond)
			sn.mns[i].start()
		case 3: // corrupt or delete chunk files
			i := rng.Intn(len(sn.mns))
			root := filepath.Join(sn.mns[i].home, "chunks")
			n := 0
			_ = filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
				rel, _ := filepath.Rel(root, p)
				if err != nil || info.IsDir() || strings.HasPrefix(rel, "tmp") || strings.HasPrefix(rel, "corrupt") || rng.Intn(4) != 0 {
					return nil
				}
				if rng.Intn(2) == 0 {
					_ = os.Remove(p)
				} else if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
					b[rng.Intn(len(b))] ^= 0xff
					_ = os.WriteFile(p, b, 0o600)
				}
				n++
				return nil
			})
			note("damaged %d chunk files of %s", n, sn.mns[i].name)
		case 4: // permanently remove a masternode (at most 2), or add a new one
			if len(removed) < 2 {
				i := rng.Intn(len(sn.mns))
				if !removed[i] {
					removed[i] = true
					sn.mns[i].stop(syscall.SIGKILL)
					note("removed masternode %s for good", sn.mns[i].name)
				}
			}
		case 5: // add a masternode
			if len(sn.mns) < 11 {
				sn.addMasternode(t)
				note("added masternode %s", sn.mns[len(sn.mns)-1].name)
			}
		case 6: // beyond the fault bound: 2 of 4 validators down, chain halts, then resumes
			a, b := sn.nodes[2], sn.nodes[3]
			note("SIGKILL %s and %s (more than the fault bound)", a.name, b.name)
			a.stop(syscall.SIGKILL)
			b.stop(syscall.SIGKILL)
			time.Sleep(2 * time.Second)
			h0 := sn.nodes[0].height()
			time.Sleep(4 * time.Second)
			if h1 := sn.nodes[0].height(); h1 > h0+1 {
				t.Errorf("chain advanced from %d to %d with half the voting power down", h0, h1)
			}
			a.start()
			b.start()
			sn.nodes[0].waitHeight(h0+3, 90*time.Second)
			note("halted at %d and resumed", h0)
		}
		// Invariant: validators agree on every AppHash they both have.
		checkAgreement(t, sn)
	}
	halt()
	wg.Wait()

	// Bring everything not removed back up and let the network settle.
	for _, n := range sn.nodes {
		if n.cmd == nil {
			n.start()
		}
	}
	for i, m := range sn.mns {
		if m.cmd == nil && !removed[i] {
			m.start()
		}
	}
	top := sn.nodes[0].height()
	for _, n := range sn.nodes {
		n.waitHeight(top, 2*time.Minute)
	}
	checkAgreement(t, sn)
	if got := supplyOf(t, sn.nodes[0]); got != supply {
		t.Errorf("supply not conserved: %d at the start, %d at the end (emission excluded)", supply, got)
	}
	ids := make([]string, 0, len(arts))
	for id := range arts {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		t.Fatal("no art was registered during the chaos run")
	}
	settle := time.Now()
	sn.waitTarget(t, ids, 5*time.Minute)
	note("all %d arts back at target redundancy after %.1fs", len(ids), time.Since(settle).Seconds())
	for i, id := range ids {
		out := filepath.Join(dir, fmt.Sprintf("final%d", i))
		if err := sn.download(t, id, "faucet", out); err != nil {
			t.Fatalf("art %s lost: %v", id, err)
		}
		want, _ := os.ReadFile(arts[id])
		got, _ := os.ReadFile(filepath.Join(out, filepath.Base(arts[id])))
		if !bytes.Equal(want, got) {
			t.Fatalf("art %s differs", id)
		}
	}
	for _, p := range append(append([]*node{}, sn.nodes...), sn.mns...) {
		b, _ := os.ReadFile(filepath.Join(p.home, "node.log"))
		if bytes.Contains(b, []byte("panic:")) || bytes.Contains(b, []byte("CONSENSUS FAILURE")) {
			t.Errorf("%s logged a panic or consensus failure", p.name)
		}
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "Error:"); i >= 0 {
		s = s[i:]
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160]
	}
	return s
}

// checkAgreement compares every running validator's AppHash at each height
// of the last 20 they all have.
func checkAgreement(t *testing.T, sn *storageNet) {
	var running []*node
	top := int64(1 << 62)
	for _, n := range sn.nodes {
		if n.cmd == nil {
			continue
		}
		if h := n.height(); h > 0 {
			running = append(running, n)
			top = min(top, h)
		}
	}
	if len(running) < 2 || top == 1<<62 {
		return
	}
	from := max(1, top-20)
	ref := map[int64]string{}
	for h := from; h <= top; h++ {
		for _, n := range running {
			hh := h
			res, err := n.client().RPC.Commit(t.Context(), &hh)
			if err != nil {
				continue
			}
			got := fmt.Sprintf("%X", res.SignedHeader.AppHash)
			if want, ok := ref[h]; ok && want != got {
				t.Fatalf("AppHash fork at height %d: %s vs %s (%s)", h, want, got, n.name)
			}
			ref[h] = got
		}
	}
}

// addMasternode initialises, funds, registers and starts one more chunkd.
func (sn *storageNet) addMasternode(t *testing.T) {
	i := len(sn.mns)
	sn.added++
	home := filepath.Join(sn.dir, fmt.Sprintf("mn-new%d", sn.added))
	base, err := genesisFreePort()
	if err != nil {
		t.Logf("no free port for a new masternode: %v", err)
		return
	}
	listen := fmt.Sprintf("127.0.0.1:%d", base)
	n := sn.nodes[0]
	if out, err := exec.Command(chunkdBin, "init", "--home", home, "--listen", listen, "--node", n.rpc).CombinedOutput(); err != nil {
		t.Logf("chunkd init: %v %s", err, out)
		return
	}
	addr := strings.TrimSpace(run(t, "keys", "show", "masternode", "-a", "--home", home, "--keyring-backend", "test"))
	// Funded from node1's validator key: the wallet goroutine uses the faucet.
	funder := sn.nodes[1%len(sn.nodes)]
	if out, err := exec.Command(pasteld, "tx", "bank", "send", "validator", addr, "1001000psl", "--yes", "--home", funder.home, "--keyring-backend", "test", "--node", n.rpc).CombinedOutput(); err != nil {
		t.Logf("funding new masternode: %v %s", err, firstLine(string(out)))
		return
	}
	if out, err := exec.Command(pasteld, "mn", "register", "--url", "http://"+listen, "--collateral", "1000000psl", "--from", "masternode",
		"--home", home, "--keyring-backend", "test", "--node", n.rpc, "--yes").CombinedOutput(); err != nil {
		t.Logf("registering new masternode: %v %s", err, firstLine(string(out)))
		return
	}
	m := &node{t: t, name: fmt.Sprintf("mn%d", i), home: home, bin: chunkdBin, args: []string{"start", "--home", home}}
	sn.mns = append(sn.mns, m)
	sn.mnAddr = append(sn.mnAddr, addr)
	sn.mnURL = append(sn.mnURL, "http://"+listen)
	m.start()
}

// writeChaosReport writes report.txt and report.png (height and lowest
// redundancy over time, with events as ticks).
func writeChaosReport(t *testing.T, dir string, seed int64, d time.Duration, samples []chaosSample, events []string, arts int) {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Pastel chaos run: seed %d, chaos for %s, %d arts registered\n\n", seed, d, arts)
	var maxH int64
	minRed, maxRed := 1e9, 0.0
	for _, s := range samples {
		if s.height >= 0 {
			maxH = max(maxH, s.height)
			if s.redundancy > 0 {
				minRed, maxRed = min(minRed, s.redundancy), max(maxRed, s.redundancy)
			}
		}
	}
	fmt.Fprintf(&sb, "final height %d; lowest redundancy seen %.3f, highest %.3f (distinct live chunk bytes / archive size)\n\nevents:\n", maxH, minRed, maxRed)
	for _, e := range events {
		sb.WriteString(e + "\n")
	}
	_ = os.WriteFile(filepath.Join(dir, "report.txt"), []byte(sb.String()), 0o644)

	const W, H, pad = 1000, 400, 40
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	total := samples[len(samples)-1].at.Seconds() + 1
	x := func(at time.Duration) int { return pad + int(at.Seconds()/total*float64(W-2*pad)) }
	axis := color.RGBA{0, 0, 0, 255}
	for i := pad; i < W-pad; i++ {
		img.Set(i, H-pad, axis)
	}
	for j := pad; j < H-pad; j++ {
		img.Set(pad, j, axis)
	}
	hCol, rCol, eCol := color.RGBA{30, 90, 200, 255}, color.RGBA{210, 60, 40, 255}, color.RGBA{150, 150, 150, 255}
	for _, s := range samples {
		px := x(s.at)
		if s.height < 0 {
			for j := H - pad - 8; j < H-pad; j++ {
				img.Set(px, j, eCol)
			}
			continue
		}
		if maxH > 0 {
			py := H - pad - int(float64(s.height)/float64(maxH)*float64(H-2*pad))
			for k := -1; k <= 1; k++ {
				img.Set(px+k, py, hCol)
				img.Set(px, py+k, hCol)
			}
		}
		if maxRed > 0 && s.redundancy > 0 {
			py := H - pad - int(s.redundancy/maxRed*float64(H-2*pad))
			for k := -1; k <= 1; k++ {
				img.Set(px+k, py, rCol)
				img.Set(px, py+k, rCol)
			}
		}
	}
	f, err := os.Create(filepath.Join(dir, "report.png"))
	if err == nil {
		_ = png.Encode(f, img)
		f.Close()
	}
	t.Logf("chaos report: %s (blue: block height, red: lowest redundancy, grey ticks: chaos events)", filepath.Join(dir, "report.txt"))
}
