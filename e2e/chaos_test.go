package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
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
		// Compressed like the other periods: jailed masternodes may be
		// unjailed by their operator (below) ~2 minutes later.
		"storage.params.jail_blocks":    "120",
		"storage.params.failure_window": "300",
	})
	// Each chunkd may fail over to the other validators while its own is
	// restarting or catching up (chunkd's fallback-nodes setting).
	for _, m := range sn.mns {
		m.stop(syscall.SIGKILL) // it may not have installed its signal handler yet; chunkd is crash-safe
		sn.setFallbackNodes(t, m.home)
		m.start()
	}
	reportDir := os.Getenv("PASTEL_CHAOS_REPORT")
	if reportDir == "" {
		reportDir = t.TempDir()
	}
	_ = os.MkdirAll(reportDir, 0o755)
	dir := t.TempDir()
	// PASTEL_CHAOS_SEED replays a run's choices of faults and targets (the
	// timing of real processes still differs from run to run).
	seed := rand.New(rand.NewSource(time.Now().UnixNano())).Int63()
	if v := os.Getenv("PASTEL_CHAOS_SEED"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("PASTEL_CHAOS_SEED=%q: %v", v, err)
		}
		seed = n
	}
	rng := rand.New(rand.NewSource(seed))
	t.Logf("chaos seed %d, duration %s, report in %s", seed, duration, reportDir)

	supply := supplyOf(t, sn.nodes[0])
	// Two channel wallets of their own, funded before the workload starts
	// (the art wallet uses the faucet key; one key per goroutine keeps
	// nonces straight).
	alice := newChanWallet(t, sn.nodes[0], "alice")
	bob := newChanWallet(t, sn.nodes[0], "bob")
	for _, w := range []*chanWallet{alice, bob} { // enough for failed cycles that leave deposits locked
		run(t, append([]string{"tx", "bank", "send", "faucet", w.addr, "900psl", "--yes"}, sn.nodes[0].keyArgs()...)...)
	}
	start := time.Now()
	var (
		mu         sync.Mutex
		samples    []chaosSample
		arts       = map[string]string{} // art id -> file
		events     []string
		faults     = map[string]int{}
		summary    []string
		rss        []rssSample
		rssDone    bool
		faultsDone bool
		lastRed    = map[string]float64{}
		downloads  struct{ ok, failed int }
		chans      struct{ closed, payments, failed int }
		uploading  atomic.Bool // a wallet's art register (chunk upload) is in flight
	)
	note := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		e := fmt.Sprintf("%6.1fs  ", time.Since(start).Seconds()) + fmt.Sprintf(format, a...)
		events = append(events, e)
		samples = append(samples, chaosSample{at: time.Since(start), height: -1, event: fmt.Sprintf(format, a...)})
	}
	fault := func(kind string) {
		mu.Lock()
		faults[kind]++
		mu.Unlock()
	}
	sum := func(format string, a ...any) {
		mu.Lock()
		summary = append(summary, fmt.Sprintf(format, a...))
		mu.Unlock()
		t.Logf(format, a...)
	}
	live := func() *node { // a running validator to talk to
		for _, n := range sn.nodes {
			if n.cmd != nil && n.height() >= 0 {
				return n
			}
		}
		return sn.nodes[0]
	}
	// Memory: sampled from the chaos loop (which owns sn.mns).
	var lastRSS time.Time
	sampleRSS := func() {
		lastRSS = time.Now()
		at := time.Since(start)
		var got []rssSample
		for _, group := range []struct {
			kind  string
			nodes []*node
		}{{"pasteld", sn.nodes}, {"chunkd", sn.mns}} {
			for _, n := range group.nodes {
				if n.cmd == nil || n.cmd.Process == nil {
					continue
				}
				if kib, err := vmRSS(n.cmd.Process.Pid); err == nil {
					got = append(got, rssSample{at: at, name: n.name, kind: group.kind, pid: n.cmd.Process.Pid, kib: kib})
				}
			}
		}
		mu.Lock()
		rss = append(rss, got...)
		mu.Unlock()
	}
	stop := make(chan struct{})
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stop) }) }
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	var wg sync.WaitGroup
	// The report is written however the run ends, so a failure has one too;
	// the workload goroutines are stopped first.
	defer func() {
		halt()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		if !faultsDone {
			var kinds []string
			for k := range faults {
				kinds = append(kinds, k)
			}
			sort.Strings(kinds)
			summary = append(summary, "faults injected (run ended early):")
			for _, k := range kinds {
				summary = append(summary, fmt.Sprintf("  %4d  %s", faults[k], k))
			}
		}
		if !rssDone && len(rss) > 0 {
			lines, _ := rssSummary(rss, rss[len(rss)-1].at)
			summary = append(summary, lines...)
		}
		if t.Failed() {
			summary = append(summary, "RESULT: FAILED (see the test log; the last MiB of every node's log is in logs/)")
			saveLogTails(t, filepath.Join(reportDir, "logs"), append(append([]*node{}, sn.nodes...), sn.mns...))
		} else {
			summary = append(summary, "RESULT: PASSED")
		}
		if len(samples) > 0 {
			writeChaosReport(t, reportDir, seed, duration, samples, events, len(arts), faults, summary, rss)
		}
	}()

	// Wallet: register art, download a random one and compare, send coins.
	wg.Add(1)
	go func() {
		defer wg.Done()
		wrng := rand.New(rand.NewSource(seed + 1))
		for i := 0; !stopped(); i++ {
			p := filepath.Join(dir, fmt.Sprintf("chaos%d.png", i))
			writePNG(t, p, painting(seed+int64(i), 320+wrng.Intn(200), 240+wrng.Intn(100)))
			n := live()
			uploading.Store(true)
			out, err := exec.Command(pasteld, append([]string{"art", "register", p, "--title", fmt.Sprintf("chaos %d", i), "--editions", "1", "--from", "faucet",
				"--chunk-size", "16KiB", "--redundancy", "6", "--yes", "-o", "json", "--quiet", "--activation-timeout", "60s"},
				"--home", sn.nodes[0].home, "--keyring-backend", "test", "--node", n.rpc)...).CombinedOutput()
			uploading.Store(false)
			if err == nil {
				s := string(out)
				var r registered
				if j := strings.LastIndex(s, "{\n  \"art_id\""); j >= 0 && json.Unmarshal([]byte(s[j:]), &r) == nil {
					mu.Lock()
					arts[r.ArtID] = p
					mu.Unlock()
					note("registered art %s", r.ArtID[:12])
				}
			} else {
				note("registration failed under chaos (allowed): %s", firstLine(string(out)))
			}
			// Download a random registered art while the chaos goes on.
			mu.Lock()
			var id, file string
			k := wrng.Intn(len(arts) + 1)
			for a, f := range arts {
				if k--; k < 0 {
					id, file = a, f
					break
				}
			}
			mu.Unlock()
			if id != "" {
				o := filepath.Join(dir, fmt.Sprintf("during%d", i))
				ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
				out, err := exec.CommandContext(ctx, pasteld, "art", "get", id, "--output-dir", o, "--from", "faucet", "--quiet",
					"--home", sn.nodes[0].home, "--keyring-backend", "test", "--node", live().rpc).CombinedOutput()
				cancel()
				if err != nil {
					mu.Lock()
					downloads.failed++
					mu.Unlock()
					note("download of %s failed under chaos (allowed; retried at the end): %s", id[:12], firstLine(string(out)))
				} else {
					want, _ := os.ReadFile(file)
					got, _ := os.ReadFile(filepath.Join(o, filepath.Base(file)))
					if !bytes.Equal(want, got) {
						t.Errorf("art %s downloaded during chaos differs from what was registered", id)
					}
					mu.Lock()
					downloads.ok++
					mu.Unlock()
				}
				_ = os.RemoveAll(o)
			}
			_ = exec.Command(pasteld, "tx", "bank", "send", "faucet", sn.mnAddr[0], "1psl", "--yes", "--timeout", "20s",
				"--home", sn.nodes[0].home, "--keyring-backend", "test", "--node", live().rpc).Run()
			time.Sleep(2 * time.Second)
		}
	}()

	// Channels: alice and bob open a channel, pay each other off-chain by
	// exchanging signed updates, and close cooperatively; again and again.
	wg.Add(1)
	go func() {
		defer wg.Done()
		cdir := filepath.Join(dir, "channels")
		_ = os.MkdirAll(cdir, 0o700)
		cli := func(w *chanWallet, args ...string) (string, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, pasteld, append(args, "--home", w.home, "--keyring-backend", "test", "--node", live().rpc)...).CombinedOutput()
			if err != nil {
				return string(out), fmt.Errorf("%s: %v: %s", strings.Join(args[:2], " "), err, firstLine(string(out)))
			}
			return string(out), nil
		}
		for c := 0; !stopped(); c++ {
			f := func(name string) string { return filepath.Join(cdir, fmt.Sprintf("c%d-%s", c, name)) }
			err := func() error {
				out, err := cli(alice, "channel", "propose", "alice", bob.addr, "--deposit", "10psl", "--their-deposit", "5psl", "--out", f("prop.json"))
				if err != nil {
					return err
				}
				id := strings.TrimSuffix(strings.Fields(strings.TrimPrefix(strings.TrimSpace(out), "channel "))[0], ":")
				if _, err := cli(bob, "channel", "accept-open", "bob", f("prop.json"), "--out", f("signed.json")); err != nil {
					return err
				}
				if _, err := cli(alice, "channel", "open", "alice", f("signed.json"), "--yes"); err != nil {
					return err
				}
				pays := []struct {
					from, to *chanWallet
					amount   string
				}{{alice, bob, "1psl"}, {bob, alice, "0.25psl"}, {alice, bob, "0.5psl"}}
				for i, p := range pays {
					upd, ack := f(fmt.Sprintf("upd%d.json", i)), f(fmt.Sprintf("ack%d.json", i))
					if _, err := cli(p.from, "channel", "pay", p.from.name, id, p.amount, "--out", upd); err != nil {
						return err
					}
					if _, err := cli(p.to, "channel", "accept", p.to.name, upd, "--out", ack); err != nil {
						return err
					}
					if _, err := cli(p.from, "channel", "complete", p.from.name, ack); err != nil {
						return err
					}
					mu.Lock()
					chans.payments++
					mu.Unlock()
				}
				// Cooperative close by file exchange: final state, co-signed, submitted.
				if _, err := cli(alice, "channel", "close", "alice", id, "--out", f("final.json")); err != nil {
					return err
				}
				if _, err := cli(bob, "channel", "accept", "bob", f("final.json"), "--out", f("final-ack.json")); err != nil {
					return err
				}
				if _, err := cli(alice, "channel", "complete", "alice", f("final-ack.json")); err != nil {
					return err
				}
				if _, err := cli(alice, "channel", "close", "alice", id, "--yes"); err != nil {
					return err
				}
				note("channel %s: opened, %d off-chain payments, closed cooperatively", id[:12], len(pays))
				return nil
			}()
			mu.Lock()
			if err != nil {
				chans.failed++
			} else {
				chans.closed++
			}
			mu.Unlock()
			if err != nil {
				note("channel cycle %d failed under chaos (allowed; deposits stay locked, supply unchanged): %v", c, err)
			}
			select {
			case <-stop:
			case <-time.After(3 * time.Second):
			}
		}
	}()

	// Observer: heights and lowest redundancy (a bounded, rotating number of
	// arts per tick; the last figure of every art is kept).
	wg.Add(1)
	go func() {
		defer wg.Done()
		next := 0
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Second):
			}
			n := live()
			h := n.height()
			mu.Lock()
			ids := make([]string, 0, len(arts))
			for id := range arts {
				ids = append(ids, id)
			}
			mu.Unlock()
			sort.Strings(ids)
			for j := 0; j < min(8, len(ids)); j++ {
				id := ids[(next+j)%len(ids)]
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
					mu.Lock()
					lastRed[id] = float64(hv.Health.RedundancyMilli) / 1000
					mu.Unlock()
				}
			}
			next += 8
			red := 0.0
			mu.Lock()
			for _, r := range lastRed {
				if red == 0 || r < red {
					red = r
				}
			}
			samples = append(samples, chaosSample{at: time.Since(start), height: h, redundancy: red})
			mu.Unlock()
		}
	}()

	// Chaos.
	removed := map[int]bool{}
	type fill struct {
		mn     int
		filler string
		until  time.Time
	}
	var fills []fill
	mounted := map[int]bool{}
	mountable := true
	freeDisks := func(all bool) {
		var keep []fill
		for _, f := range fills {
			if !all && time.Now().Before(f.until) {
				keep = append(keep, f)
				continue
			}
			_ = os.Remove(f.filler)
			m := sn.mns[f.mn]
			alive := m.cmd != nil
			if alive {
				select {
				case <-m.done:
					alive = false
				default:
				}
			}
			if m.cmd != nil && !alive {
				t.Errorf("chunkd %s exited while its disk was full", m.name)
			}
			note("freed the disk of %s (chunkd running: %v; %s)", m.name, alive, scrapeMetric(sn.mnURL[f.mn], "chunkd_store_no_space_total"))
		}
		fills = keep
	}
	halted := false
	agreed := 0
	// The operators: a masternode jailed for failed challenges is unjailed
	// by its operator once its jail time is over, as a real operator would.
	var lastOps time.Time
	jailedSeen := map[string]int64{}
	operate := func() {
		lastOps = time.Now()
		n := live()
		out, err := exec.Command(pasteld, "mn", "list", "-o", "json", "--node", n.rpc).Output()
		if err != nil {
			return
		}
		var list []struct {
			Address      string `json:"address"`
			Status       string `json:"status"`
			JailedHeight int64  `json:"jailed_height,string"`
		}
		if json.Unmarshal(out, &list) != nil {
			return
		}
		h := n.height()
		for _, m := range list {
			if m.Status != "MN_JAILED" {
				continue
			}
			i := -1
			for j, a := range sn.mnAddr {
				if a == m.Address {
					i = j
				}
			}
			if i < 0 || i >= len(sn.mns) || removed[i] {
				continue
			}
			if jailedSeen[m.Address] != m.JailedHeight {
				jailedSeen[m.Address] = m.JailedHeight
				note("masternode %s jailed at height %d (failed challenges)", sn.mns[i].name, m.JailedHeight)
				mu.Lock()
				faults["(consequence) masternode jailed"]++
				mu.Unlock()
			}
			if h < m.JailedHeight+120 {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			o, err := exec.CommandContext(ctx, pasteld, "mn", "unjail", "--from", "masternode", "--yes",
				"--home", sn.mns[i].home, "--keyring-backend", "test", "--node", n.rpc).CombinedOutput()
			cancel()
			if err != nil {
				note("operator could not unjail %s yet: %s", sn.mns[i].name, firstLine(string(o)))
				continue
			}
			note("operator unjailed %s", sn.mns[i].name)
			mu.Lock()
			faults["(operator) masternode unjailed"]++
			mu.Unlock()
		}
	}
	for time.Since(start) < duration {
		time.Sleep(time.Duration(2000+rng.Intn(3000)) * time.Millisecond)
		freeDisks(false)
		if time.Since(lastOps) >= 20*time.Second {
			operate()
		}
		if time.Since(lastRSS) >= 10*time.Second {
			sampleRSS()
		}
		action := rng.Intn(7)
		if !halted && time.Since(start) > duration/2 {
			action, halted = 100, true // once per run, half way through
		}
		switch action {
		case 0: // SIGKILL one validator, restart it
			v := sn.nodes[1+rng.Intn(3)]
			if !othersInSync(sn, v) {
				note("not stopping %s: another validator is still catching up (stay within the fault bound)", v.name)
				continue
			}
			note("SIGKILL %s", v.name)
			fault("SIGKILL+restart validator")
			v.stop(syscall.SIGKILL)
			time.Sleep(time.Duration(1000+rng.Intn(3000)) * time.Millisecond)
			v.start()
			note("restarted %s", v.name)
			// A validator that cannot start again (e.g. state torn by the
			// kill) fails the run now, with its own words, rather than
			// as a laggard at the end.
			select {
			case <-v.done:
				b, _ := os.ReadFile(filepath.Join(v.home, "node.log"))
				t.Fatalf("%s exited right after its restart (%v): ...%s", v.name, v.cmd.ProcessState, b[max(0, len(b)-2000):])
			case <-time.After(3 * time.Second):
			}
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
			if p.bin == "" && !othersInSync(sn, p) { // a validator: keep within the fault bound
				note("not stopping %s: another validator is still catching up (stay within the fault bound)", p.name)
				continue
			}
			note("SIGSTOP %s", p.name)
			fault("SIGSTOP/SIGCONT")
			_ = p.cmd.Process.Signal(syscall.SIGSTOP)
			time.Sleep(time.Duration(1000+rng.Intn(3000)) * time.Millisecond)
			_ = p.cmd.Process.Signal(syscall.SIGCONT)
			note("SIGCONT %s", p.name)
		case 2: // kill a chunkd (maybe mid-upload or mid-write) and restart it
			i := rng.Intn(len(sn.mns))
			if removed[i] || sn.mns[i].cmd == nil {
				continue
			}
			// Every other time, wait (up to 10 s) for a registration to be
			// uploading chunks, so kills land mid-upload and mid-write on
			// purpose, not only by chance.
			mid := ""
			if rng.Intn(2) == 0 {
				for w := 0; w < 100 && !uploading.Load() && !stopped(); w++ {
					time.Sleep(100 * time.Millisecond)
				}
				if uploading.Load() {
					mid = " during an art registration (upload or confirmation)"
					fault("(of which) SIGKILL chunkd during an art registration")
				}
			}
			note("SIGKILL chunkd %s%s", sn.mns[i].name, mid)
			fault("SIGKILL+restart chunkd")
			sn.mns[i].stop(syscall.SIGKILL)
			time.Sleep(time.Duration(500+rng.Intn(2000)) * time.Millisecond)
			sn.mns[i].start()
		case 3: // corrupt or delete chunk files
			i := rng.Intn(len(sn.mns))
			root := filepath.Join(sn.mns[i].home, "chunks")
			n := 0
			_ = filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
				rel, _ := filepath.Rel(root, p)
				if err != nil || info.IsDir() || strings.HasPrefix(rel, "tmp") || strings.HasPrefix(rel, "corrupt") || strings.HasPrefix(rel, "filler") || rng.Intn(4) != 0 {
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
			fault("delete/corrupt chunk files")
		case 4: // permanently remove a masternode (at most 2)
			if len(removed) < 2 {
				i := rng.Intn(len(sn.mns))
				if !removed[i] {
					removed[i] = true
					sn.mns[i].stop(syscall.SIGKILL)
					note("removed masternode %s for good", sn.mns[i].name)
					fault("remove masternode for good")
				}
			}
		case 5: // add a masternode
			if len(sn.mns) < 11 {
				sn.addMasternode(t)
				note("added masternode %s", sn.mns[len(sn.mns)-1].name)
				fault("add masternode")
			}
		case 6: // fill a masternode's disk; freed 20-40 s later
			if !mountable || len(fills) > 0 {
				continue
			}
			i := rng.Intn(len(sn.mns))
			if removed[i] {
				continue
			}
			m := sn.mns[i]
			chunks := filepath.Join(m.home, "chunks")
			if !mounted[i] {
				// Move the store onto a file system of its own (tmpfs), so
				// filling it fills that masternode's disk and nothing else.
				if err := moveToTmpfs(t, m, chunks); err != nil {
					mountable = false
					note("disk-full fault skipped for this run: %v", err)
					sum("disk-full fault SKIPPED: mounting a tmpfs is not permitted here (%v)", err)
					continue
				}
				mounted[i] = true
			}
			filler := filepath.Join(chunks, "filler")
			mib, err := fillDisk(filler)
			if err != nil {
				note("filling the disk of %s: %v", m.name, err)
				continue
			}
			fills = append(fills, fill{mn: i, filler: filler, until: time.Now().Add(time.Duration(20+rng.Intn(20)) * time.Second)})
			note("filled the disk of %s (%d MiB until ENOSPC)", m.name, mib)
			fault("fill a masternode's disk")
		case 100: // beyond the fault bound: 2 of 4 validators down, chain halts, then resumes
			a, b := sn.nodes[2], sn.nodes[3]
			note("SIGKILL %s and %s (more than the fault bound)", a.name, b.name)
			fault("halt: 2 of 4 validators down")
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
		agreed += checkAgreement(t, sn)
	}
	freeDisks(true)
	sampleRSS()
	chaosEnd := time.Since(start)
	operate()
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
		n.waitHeight(top, 10*time.Minute) // a validator killed often may be hundreds of blocks behind
	}
	agreed += checkAgreement(t, sn)
	swept := checkEveryHeight(t, sn)
	mu.Lock()
	var kinds []string
	for k := range faults {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	total := 0
	var faultLines []string
	for _, k := range kinds {
		if !strings.HasPrefix(k, "(") {
			total += faults[k]
		}
		faultLines = append(faultLines, fmt.Sprintf("  %4d  %s", faults[k], k))
	}
	nArts, dl, ch := len(arts), downloads, chans
	faultsDone = true
	mu.Unlock()
	sum("chaos ran %s (seed %d); %d faults injected:\n%s", chaosEnd.Round(time.Second), seed, total, strings.Join(faultLines, "\n"))
	sum("workload: %d arts registered; %d downloads during chaos byte-identical, %d failed under chaos (allowed); %d channels opened+paid+closed (%d off-chain payments), %d channel cycles failed under chaos",
		nArts, dl.ok, dl.failed, ch.closed, ch.payments, ch.failed)
	if got := supplyOf(t, sn.nodes[0]); got != supply {
		t.Errorf("supply not conserved: %d at the start, %d at the end (emission excluded)", supply, got)
		sum("supply: NOT conserved: %d at the start, %d at the end", supply, got)
	} else {
		sum("supply: conserved (%d at the start and at the end, emission excluded)", supply)
	}
	sum("AppHash: %d (height, validator) comparisons during the run, and a final sweep of every height 1..%d on all %d validators: no fork", agreed, swept, len(sn.nodes))
	ids := make([]string, 0, len(arts))
	for id := range arts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) == 0 {
		t.Fatal("no art was registered during the chaos run")
	}
	settle := time.Now()
	// Operators keep unjailing while the network heals.
	for time.Since(settle) < 10*time.Minute {
		all := true
		for _, id := range ids {
			if !sn.health(t, id).AtTarget {
				all = false
				break
			}
		}
		if all {
			break
		}
		if time.Since(lastOps) >= 20*time.Second {
			operate()
		}
		time.Sleep(2 * time.Second)
	}
	sn.waitTarget(t, ids, time.Minute)
	note("all %d arts back at target redundancy after %.1fs", len(ids), time.Since(settle).Seconds())
	sum("redundancy: lowest seen during chaos %.3f; every art back at target %.1fs after the chaos stopped", minRedundancy(samples), time.Since(settle).Seconds())
	for i, id := range ids {
		out := filepath.Join(dir, fmt.Sprintf("final%d", i))
		if err := sn.download(t, id, "faucet", out); err != nil {
			t.Fatalf("art %s lost: %v", id, err)
		}
		want, _ := os.ReadFile(arts[id])
		got, _ := os.ReadFile(filepath.Join(out, filepath.Base(arts[id])))
		if len(want) == 0 || !bytes.Equal(want, got) {
			t.Fatalf("art %s differs", id)
		}
		_ = os.RemoveAll(out)
	}
	sum("final check: all %d arts downloaded byte-identical", len(ids))
	panicked := 0
	for _, p := range append(append([]*node{}, sn.nodes...), sn.mns...) {
		b, _ := os.ReadFile(filepath.Join(p.home, "node.log"))
		if bytes.Contains(b, []byte("panic:")) || bytes.Contains(b, []byte("CONSENSUS FAILURE")) {
			t.Errorf("%s logged a panic or consensus failure", p.name)
			panicked++
		}
	}
	sum("processes that logged a panic or consensus failure: %d", panicked)
	sampleRSS()
	mu.Lock()
	lines, grew := rssSummary(rss, chaosEnd)
	summary = append(summary, lines...)
	rssDone = true
	mu.Unlock()
	if duration >= 20*time.Minute {
		for _, g := range grew {
			t.Errorf("memory not flat: %s", g)
		}
	}
	var scrub []string
	for i, m := range sn.mns {
		if removed[i] {
			continue
		}
		scrub = append(scrub, fmt.Sprintf("%s: %s", m.name, scrapeMetric(sn.mnURL[i], "chunkd_scrub_repaired_total", "chunkd_scrub_bad_chunks_total", "chunkd_store_no_space_total")))
	}
	sum("chunkd scrub/repair counters at the end:\n    %s", strings.Join(scrub, "\n    "))
}

// saveLogTails copies the last MiB of each process's log into dir, so a
// failed run can be diagnosed from the report folder alone (the test's
// temporary directories are removed when it ends).
func saveLogTails(t *testing.T, dir string, ps []*node) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("saving logs: %v", err)
		return
	}
	for _, p := range ps {
		f, err := os.Open(filepath.Join(p.home, "node.log"))
		if err != nil {
			continue
		}
		const tail = 1 << 20
		if fi, err := f.Stat(); err == nil && fi.Size() > tail {
			_, _ = f.Seek(fi.Size()-tail, io.SeekStart)
		}
		b, _ := io.ReadAll(f)
		f.Close()
		_ = os.WriteFile(filepath.Join(dir, p.name+".log"), b, 0o644)
	}
	t.Logf("log tails saved in %s", dir)
}

// rssSample is one reading of a process's resident memory.
type rssSample struct {
	at   time.Duration
	name string
	kind string
	pid  int
	kib  int64
}

// vmRSS reads VmRSS (KiB) from /proc/PID/status.
func vmRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			fs := strings.Fields(rest)
			if len(fs) > 0 {
				return strconv.ParseInt(fs[0], 10, 64)
			}
		}
	}
	return 0, errors.New("no VmRSS")
}

// rssSummary reports each process's RSS at its first sample, at the middle
// of the chaos and at the end, and lists the processes that were up for
// the whole second half (same pid) and grew beyond 1.5x + 64 MiB.
func rssSummary(rss []rssSample, chaosEnd time.Duration) (lines, grew []string) {
	mid := chaosEnd / 2
	byName := map[string][]rssSample{}
	var names []string
	for _, s := range rss {
		if _, ok := byName[s.name]; !ok {
			names = append(names, s.name)
		}
		byName[s.name] = append(byName[s.name], s)
	}
	sort.Strings(names)
	lines = append(lines, "memory (VmRSS, MiB) per process: first sample / at the chaos midpoint (-1: not running then) / last sample / peak; restarts; flat = same process through the second half, end <= 1.5x midpoint + 64 MiB (asserted for runs >= 20 min)")
	kindAgg := map[string][3]int64{}
	for _, name := range names {
		ss := byName[name]
		first, last := ss[0], ss[len(ss)-1]
		var atMid *rssSample
		restarts := 0
		var peak int64
		for i := range ss {
			if i > 0 && ss[i].pid != ss[i-1].pid {
				restarts++
			}
			peak = max(peak, ss[i].kib)
			if atMid == nil && ss[i].at >= mid {
				atMid = &ss[i]
			}
		}
		midKiB := int64(-1)
		if atMid != nil {
			midKiB = atMid.kib
		}
		flat := "n/a (restarted or started after the midpoint)"
		if atMid != nil && atMid.pid == last.pid && last.at >= chaosEnd {
			// The same process from the midpoint to the end?
			same := true
			for _, s := range ss {
				if s.at >= atMid.at && s.pid != last.pid {
					same = false
				}
			}
			// And it was already running at the midpoint (started before it).
			started := atMid.at
			for _, s := range ss {
				if s.pid == last.pid && s.at < started {
					started = s.at
				}
			}
			if same && started < mid {
				if float64(last.kib) <= 1.5*float64(atMid.kib)+64*1024 {
					flat = "yes"
				} else {
					flat = "NO"
					grew = append(grew, fmt.Sprintf("%s (pid %d) %d MiB at the midpoint, %d MiB at the end", name, last.pid, atMid.kib>>10, last.kib>>10))
				}
			}
		}
		if last.at < chaosEnd {
			flat = fmt.Sprintf("n/a (gone at %.0fs: removed for good)", last.at.Seconds())
		}
		lines = append(lines, fmt.Sprintf("  %-8s %-7s %5d / %5d / %5d / %5d  restarts %3d  flat: %s", name, first.kind, first.kib>>10, midKiB>>10, last.kib>>10, peak>>10, restarts, flat))
		a := kindAgg[first.kind]
		a[0] += first.kib
		if midKiB > 0 {
			a[1] += midKiB
		}
		a[2] += last.kib
		kindAgg[first.kind] = a
	}
	for _, k := range []string{"pasteld", "chunkd"} {
		a := kindAgg[k]
		lines = append(lines, fmt.Sprintf("  total %-7s start %d MiB, midpoint %d MiB, end %d MiB", k, a[0]>>10, a[1]>>10, a[2]>>10))
	}
	return lines, grew
}

func minRedundancy(samples []chaosSample) float64 {
	m := 0.0
	for _, s := range samples {
		if s.height >= 0 && s.redundancy > 0 && (m == 0 || s.redundancy < m) {
			m = s.redundancy
		}
	}
	return m
}

// moveToTmpfs moves a stopped-or-running chunkd's store onto a tmpfs of its
// own (unmounted when the test ends), restarting the chunkd.
func moveToTmpfs(t *testing.T, m *node, chunks string) error {
	probe := chunks + ".probe"
	_ = os.MkdirAll(probe, 0o700)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=768m,mode=0700", "tmpfs", probe).CombinedOutput(); err != nil {
		_ = os.Remove(probe)
		return fmt.Errorf("mount -t tmpfs: %v: %s", err, strings.TrimSpace(string(out)))
	}
	_ = exec.Command("umount", probe).Run()
	_ = os.Remove(probe)
	running := m.cmd != nil
	if running {
		m.stop(syscall.SIGKILL)
	}
	old := chunks + ".old"
	if err := os.Rename(chunks, old); err != nil {
		return err
	}
	_ = os.MkdirAll(chunks, 0o700)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=768m,mode=0700", "tmpfs", chunks).CombinedOutput(); err != nil {
		_ = os.Remove(chunks)
		_ = os.Rename(old, chunks)
		if running {
			m.start()
		}
		return fmt.Errorf("mount -t tmpfs: %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", chunks).Run() })
	if out, err := exec.Command("cp", "-a", old+"/.", chunks+"/").CombinedOutput(); err != nil {
		t.Logf("copying the store of %s: %v %s", m.name, err, out)
	}
	_ = os.RemoveAll(old)
	if running {
		m.start()
	}
	return nil
}

// fillDisk writes path until the file system says ENOSPC and returns how
// many MiB it wrote.
func fillDisk(path string) (int, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i*7 + 1)
	}
	var n int64
	for n < 4<<30 {
		w, err := f.Write(buf)
		n += int64(w)
		if errors.Is(err, syscall.ENOSPC) {
			return int(n >> 20), nil
		}
		if err != nil {
			return int(n >> 20), err
		}
	}
	return int(n >> 20), errors.New("wrote 4 GiB without filling the disk")
}

// scrapeMetric fetches a chunkd's /metrics and returns "name value" for
// each named metric (summed over labels).
func scrapeMetric(url string, names ...string) string {
	c := &http.Client{Timeout: 5 * time.Second}
	res, err := c.Get(url + "/metrics")
	if err != nil {
		return "metrics unavailable: " + err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	sums := map[string]float64{}
	for _, l := range strings.Split(string(b), "\n") {
		for _, n := range names {
			if strings.HasPrefix(l, n+" ") || strings.HasPrefix(l, n+"{") {
				fs := strings.Fields(l)
				v, _ := strconv.ParseFloat(fs[len(fs)-1], 64)
				sums[n] += v
			}
		}
	}
	var out []string
	for _, n := range names {
		out = append(out, fmt.Sprintf("%s %g", strings.TrimPrefix(n, "chunkd_"), sums[n]))
	}
	return strings.Join(out, ", ")
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

// othersInSync reports whether every validator but v runs and is within a
// few blocks of the highest: only then is stopping v within the fault bound
// (one of four), since a validator still catching up does not vote.
func othersInSync(sn *storageNet, v *node) bool {
	var hs []int64
	top := int64(-1)
	for _, n := range sn.nodes {
		h := n.height()
		top = max(top, h)
		if n != v {
			hs = append(hs, h)
		}
	}
	for _, h := range hs {
		if h < 0 || h < top-5 {
			return false
		}
	}
	return true
}

// checkAgreement compares every running validator's AppHash at each height
// of the last 20 they all have, and returns how many (height, validator)
// hashes it compared.
func checkAgreement(t *testing.T, sn *storageNet) int {
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
		return 0
	}
	compared := 0
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
			compared++
		}
	}
	return compared
}

// checkEveryHeight compares, once every validator is up and in sync, the
// AppHash each one recorded for every height from 1 to the lowest top, read
// from block headers 20 at a time. It returns the height swept to.
func checkEveryHeight(t *testing.T, sn *storageNet) int64 {
	top := int64(1 << 62)
	for _, n := range sn.nodes {
		top = min(top, n.height())
	}
	ref := make([]string, top+1)
	for _, n := range sn.nodes {
		c := n.client()
		for lo := int64(1); lo <= top; lo += 20 {
			hi := min(lo+19, top)
			res, err := c.RPC.BlockchainInfo(t.Context(), lo, hi)
			if err != nil {
				t.Fatalf("%s: headers %d-%d: %v", n.name, lo, hi, err)
			}
			if len(res.BlockMetas) != int(hi-lo+1) {
				t.Fatalf("%s: %d headers for heights %d-%d", n.name, len(res.BlockMetas), lo, hi)
			}
			for _, bm := range res.BlockMetas {
				h, got := bm.Header.Height, fmt.Sprintf("%X", bm.Header.AppHash)
				if ref[h] == "" {
					ref[h] = got
				} else if ref[h] != got {
					t.Fatalf("AppHash fork at height %d: %s vs %s (%s)", h, ref[h], got, n.name)
				}
			}
		}
	}
	return top
}

// setFallbackNodes adds every validator's RPC to a chunkd's fallback-nodes.
func (sn *storageNet) setFallbackNodes(t *testing.T, home string) {
	var urls []string
	for _, n := range sn.nodes {
		urls = append(urls, fmt.Sprintf("%q", n.rpc))
	}
	f, err := os.OpenFile(filepath.Join(home, "config", "chunkd.toml"), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "fallback-nodes = [%s]\n", strings.Join(urls, ", ")); err != nil {
		t.Fatal(err)
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
	sn.setFallbackNodes(t, home)
	m := &node{t: t, name: fmt.Sprintf("mn%d", i), home: home, bin: chunkdBin, args: []string{"start", "--home", home}}
	sn.mns = append(sn.mns, m)
	sn.mnAddr = append(sn.mnAddr, addr)
	sn.mnURL = append(sn.mnURL, "http://"+listen)
	m.start()
}

// writeChaosReport writes report.txt and report.png (block height and
// lowest redundancy over time, with chaos events as ticks).
func writeChaosReport(t *testing.T, dir string, seed int64, d time.Duration, samples []chaosSample, events []string, arts int,
	faults map[string]int, summary []string, rss []rssSample) {
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
	if maxRed == 0 {
		minRed = 0
	}
	fmt.Fprintf(&sb, "final height %d; lowest redundancy seen %.3f, highest %.3f (distinct live chunk bytes / archive size; lowest over all arts)\n\n", maxH, minRed, maxRed)
	sb.WriteString("summary:\n")
	for _, l := range summary {
		sb.WriteString(l + "\n")
	}
	if len(summary) == 0 {
		var kinds []string
		for k := range faults {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			fmt.Fprintf(&sb, "  %4d  %s\n", faults[k], k)
		}
	}
	sb.WriteString("\nmemory samples (seconds, process, pid, VmRSS KiB):\n")
	for _, r := range rss {
		fmt.Fprintf(&sb, "  %7.1f %-8s %7d %8d\n", r.at.Seconds(), r.name, r.pid, r.kib)
	}
	sb.WriteString("\nevents:\n")
	for _, e := range events {
		sb.WriteString(e + "\n")
	}
	_ = os.WriteFile(filepath.Join(dir, "report.txt"), []byte(sb.String()), 0o644)
	if err := plotChaos(filepath.Join(dir, "report.png"), samples, maxH, maxRed); err != nil {
		t.Logf("plot: %v", err)
	}
	t.Logf("chaos report: %s and report.png (blue: block height, left axis; red: lowest redundancy, right axis; grey ticks: chaos events)", filepath.Join(dir, "report.txt"))
}

// plotChaos draws block height (left axis) and lowest redundancy (right
// axis) against time, with ticks, labels, a legend and chaos events as
// grey marks on the time axis.
func plotChaos(path string, samples []chaosSample, maxH int64, maxRed float64) error {
	const W, H = 1100, 480
	const left, right, top, bottom = 70, 70, 40, 60
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	black := color.RGBA{0, 0, 0, 255}
	grid := color.RGBA{225, 225, 225, 255}
	hCol, rCol, eCol := color.RGBA{30, 90, 200, 255}, color.RGBA{210, 60, 40, 255}, color.RGBA{150, 150, 150, 255}
	face := basicfont.Face7x13
	text := func(x, y int, c color.Color, s string) {
		dr := &font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
		dr.DrawString(s)
	}
	textW := func(s string) int { return font.MeasureString(face, s).Ceil() }
	pw, ph := W-left-right, H-top-bottom
	total := 1.0
	if len(samples) > 0 {
		total = samples[len(samples)-1].at.Seconds() + 1
	}
	x := func(sec float64) int { return left + int(sec/total*float64(pw)) }
	hMax := float64(max(maxH, 1))
	hMax = niceCeil(hMax)
	rMax := niceCeil(max(maxRed, 1))
	yH := func(h float64) int { return top + ph - int(h/hMax*float64(ph)) }
	yR := func(r float64) int { return top + ph - int(r/rMax*float64(ph)) }
	// Grid and ticks: 5 horizontal divisions, ~10 time ticks.
	for i := 0; i <= 5; i++ {
		y := top + ph - i*ph/5
		for px := left; px <= left+pw; px++ {
			img.Set(px, y, grid)
		}
		lh := strconv.FormatFloat(hMax*float64(i)/5, 'f', 0, 64)
		text(left-8-textW(lh), y+4, hCol, lh)
		lr := strconv.FormatFloat(rMax*float64(i)/5, 'f', 1, 64)
		text(left+pw+8, y+4, rCol, lr)
	}
	step := niceStep(total / 10)
	unit, div := "s", 1.0
	if total > 600 {
		unit, div = "min", 60
	}
	for sec := 0.0; sec <= total; sec += step {
		px := x(sec)
		for py := top; py <= top+ph; py++ {
			img.Set(px, py, grid)
		}
		for py := top + ph; py < top+ph+5; py++ {
			img.Set(px, py, black)
		}
		l := strconv.FormatFloat(sec/div, 'f', -1, 64)
		if div > 1 {
			l = strconv.FormatFloat(sec/div, 'f', 0, 64)
		}
		text(px-textW(l)/2, top+ph+18, black, l)
	}
	for px := left; px <= left+pw; px++ {
		img.Set(px, top+ph, black)
	}
	for py := top; py <= top+ph; py++ {
		img.Set(left, py, black)
		img.Set(left+pw, py, black)
	}
	xl := "time since the chaos started (" + unit + ")"
	text(left+pw/2-textW(xl)/2, H-18, black, xl)
	text(8, top-12, hCol, "block height")
	rl := "lowest redundancy"
	text(W-8-textW(rl), top-12, rCol, rl)
	title := "Pastel chaos run"
	text(W/2-textW(title)/2, 16, black, title)
	for _, s := range samples {
		px := x(s.at.Seconds())
		if s.height < 0 {
			for j := top + ph - 8; j < top+ph; j++ {
				img.Set(px, j, eCol)
			}
			continue
		}
		if maxH > 0 {
			py := yH(float64(s.height))
			for k := -1; k <= 1; k++ {
				img.Set(px+k, py, hCol)
				img.Set(px, py+k, hCol)
			}
		}
		if s.redundancy > 0 {
			py := yR(s.redundancy)
			for k := -1; k <= 1; k++ {
				img.Set(px+k, py, rCol)
				img.Set(px, py+k, rCol)
			}
		}
	}
	// Legend.
	lx, ly := left+12, top+12
	for i := lx - 6; i < lx+260; i++ {
		img.Set(i, ly-10, black)
		img.Set(i, ly+42, black)
	}
	for j := ly - 10; j <= ly+42; j++ {
		img.Set(lx-6, j, black)
		img.Set(lx+260, j, black)
	}
	for k, e := range []struct {
		c color.RGBA
		s string
	}{{hCol, "block height (left axis)"}, {rCol, "lowest redundancy (right axis)"}, {eCol, "chaos event (tick on time axis)"}} {
		y := ly + k*16
		for i := 0; i < 16; i++ {
			for j := -1; j <= 1; j++ {
				img.Set(lx+i, y+j, e.c)
			}
		}
		text(lx+22, y+4, black, e.s)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	p := 1.0
	for p*10 <= v {
		p *= 10
	}
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// niceStep is a round tick spacing near v seconds.
func niceStep(v float64) float64 {
	for _, s := range []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600} {
		if s >= v {
			return s
		}
	}
	return 7200
}
