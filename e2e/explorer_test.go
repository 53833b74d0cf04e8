package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// chromium finds the system browser; CI installs Debian's chromium (.ci/run)
// and must not skip.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on PATH: .ci/run installs Debian's chromium package for this test")
	}
	t.Skip("no chromium on PATH (apt-get install chromium); the explorer's browser test needs it")
	return ""
}

// screenshotDir is where the browser test saves its screenshots
// (PASTEL_SCREENSHOTS, default build/explorer-screenshots in the repo).
func screenshotDir(t *testing.T) string {
	d := os.Getenv("PASTEL_SCREENSHOTS")
	if d == "" {
		d = filepath.Join("..", "build", "explorer-screenshots")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(d)
	return abs
}

// browser drives one headless chromium tab.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
}

func newBrowser(t *testing.T, base string) *browser {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 1600),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	// Chromium is newer than the protocol tables of the pinned chromedp:
	// events it cannot decode (network enums this test never uses) are
	// logged once, not per event.
	seen := map[string]bool{}
	var mu sync.Mutex
	ctx, cancelC := chromedp.NewContext(actx, chromedp.WithErrorf(func(f string, a ...any) {
		msg := fmt.Sprintf(f, a...)
		mu.Lock()
		defer mu.Unlock()
		if !seen[msg] {
			seen[msg] = true
			t.Logf("chromedp: %s", msg)
		}
	}))
	t.Cleanup(func() { cancelC(); cancelA() })
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx, base: base, dir: screenshotDir(t)}
}

func (b *browser) run(what string, actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
}

// open loads a page and waits for its main heading.
func (b *browser) open(path string) {
	b.t.Helper()
	b.run("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible("main h1", chromedp.ByQuery))
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	var s string
	b.run("read "+sel, chromedp.Text(sel, &s, chromedp.ByQuery))
	return strings.TrimSpace(s)
}

func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	var v string
	var ok bool
	b.run("read "+sel+"@"+name, chromedp.AttributeValue(sel, name, &v, &ok, chromedp.ByQuery))
	return v
}

func (b *browser) eval(js string, out any) {
	b.t.Helper()
	b.run("evaluate "+js, chromedp.Evaluate(js, out))
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	var png []byte
	b.run("screenshot "+name, chromedp.FullScreenshot(&png, 100))
	p := filepath.Join(b.dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// waitText reloads path until sel's text contains want.
func (b *browser) waitText(path, sel, want string, timeout time.Duration) string {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b.open(path)
		got := b.text(sel)
		if strings.Contains(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s %s: %q after %s, want it to contain %q", path, sel, got, timeout, want)
		}
		time.Sleep(time.Second)
	}
}

// startExplorer runs `pasteld explorer` against the node and waits for it.
func startExplorer(t *testing.T, rpc string) (*node, string) {
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	home := t.TempDir()
	ex := &node{t: t, name: "explorer", home: home, bin: pasteld,
		args: []string{"explorer", "--node", rpc, "--listen", addr, "--home", home}}
	ex.start()
	t.Cleanup(func() {
		if t.Failed() {
			ex.dumpLog()
		}
		ex.kill()
	})
	base := "http://" + addr
	waitFor(t, "the explorer to listen", 30*time.Second, func() bool {
		r, err := http.Get(base + "/healthz")
		if err == nil {
			r.Body.Close()
		}
		return err == nil && r.StatusCode == 200
	})
	return ex, base
}

// TestExplorerInBrowser: a real devnet (one validator, five masternodes), the
// explorer as its own process, and a headless Chromium reading its pages.
// Each page shows the right values for a registered art and a masternode;
// the masternode is then killed, shows up jailed on its page, and the
// health page records the dip below target redundancy and the recovery;
// live refresh follows new blocks; bad input gets a clear page and markup
// from the chain or the search box never runs. Screenshots of every page
// are saved (PASTEL_SCREENSHOTS, default build/explorer-screenshots).
func TestExplorerInBrowser(t *testing.T) {
	chromium(t)
	sn := newStorageNet(t, 1, 5, map[string]string{
		// One holder per chunk: the killed masternode's chunks are lost
		// with it, so the art's redundancy falls and healers re-mint them.
		"storage.params.replication":        "1",
		"storage.params.attest_window":      "400",
		"storage.params.challenge_interval": "3",
		"storage.params.challenge_deadline": "8",
		"storage.params.withhold_blocks":    "10",
		"storage.params.failure_window":     "400",
		"storage.params.reassign_failures":  "3",
		"storage.params.jail_failures":      "3",
		"storage.params.confirm_window":     "40",
		"storage.params.heal_deadline":      "30",
	})
	n := sn.nodes[0]
	ex, base := startExplorer(t, n.rpc)
	b := newBrowser(t, base)

	dir := t.TempDir()
	p := filepath.Join(dir, "art.png")
	writePNG(t, p, noisyPainting(1818, 300, 200))
	title := `Harbour <script>window.pwned=1</script>`
	id, err := sn.register(t, p, "faucet", title)
	if err != nil {
		t.Fatal(err)
	}
	sn.waitTarget(t, []string{id}, 2*time.Minute)
	faucet := n.address("faucet")

	// Chain page.
	b.open("/")
	if got := b.text("#chain-id"); got != "pastel-e2e" {
		t.Fatalf("chain page: chain id %q", got)
	}
	if got := b.text("#mn-count"); got != "5" {
		t.Fatalf("chain page: %s masternodes, want 5", got)
	}
	b.screenshot("chain")

	// Art page: the ticket, verified, its owners and storage.
	b.open("/art/" + id)
	if got := b.text("#art-title"); got != title {
		t.Fatalf("art page title %q, want %q", got, title)
	}
	var pwned bool
	b.eval(`window.pwned === 1`, &pwned)
	if pwned {
		t.Fatal("a script in the art's title ran in the browser")
	}
	if got := b.text("#art-status"); got != "active" {
		t.Fatalf("art status %q", got)
	}
	if got := b.text("#verified"); !strings.HasPrefix(got, "verified at height") {
		t.Fatalf("art page: %q, want the ticket verified", got)
	}
	if got := b.text("#art-artist"); got != faucet {
		t.Fatalf("artist %q, want %s", got, faucet)
	}
	var owners []string
	b.eval(`[...document.querySelectorAll('#editions a.owner')].map(a => a.textContent)`, &owners)
	if len(owners) != 2 || owners[0] != faucet || owners[1] != faucet {
		t.Fatalf("editions and owners %v, want 2 editions of %s", owners, faucet)
	}
	h := sn.health(t, id)
	if got := b.attr("#redundancy", "data-milli"); got != fmt.Sprint(h.RedundancyMilli) {
		t.Fatalf("art page redundancy %s‰, the chain says %d", got, h.RedundancyMilli)
	}
	var stripes int
	b.eval(`document.querySelectorAll('#stripes tr.stripe').length`, &stripes)
	if stripes != len(h.Stripes) {
		t.Fatalf("art page shows %d stripes, the art has %d", stripes, len(h.Stripes))
	}
	b.screenshot("art")

	// A masternode that holds chunks of the art: its page before and after.
	victim := -1
	for i, a := range sn.mnAddr {
		if sn.masternode(t, a).Commitments > 0 {
			victim = i
			break
		}
	}
	if victim < 0 {
		t.Fatal("no masternode holds a chunk")
	}
	va := sn.mnAddr[victim]
	b.open("/mn/" + va)
	if got := b.text("#mn-status"); got != "active" {
		t.Fatalf("masternode page status %q before the kill", got)
	}
	m := sn.masternode(t, va)
	if got := b.text("#mn-commitments"); !strings.HasPrefix(got, fmt.Sprintf("%d chunks", m.Commitments)) {
		t.Fatalf("masternode page commitments %q, chain says %d", got, m.Commitments)
	}
	if got := b.text("#verified"); !strings.HasPrefix(got, "verified at height") {
		t.Fatalf("masternode page: %q", got)
	}
	b.screenshot("masternode-active")

	// The health page refreshes itself on new blocks.
	b.open("/health")
	b.run("live refresh", chromedp.WaitReady(`body[data-refreshed]`, chromedp.ByQuery))

	sn.waitAllConfirmed(t, va, 60*time.Second)
	sn.mns[victim].stop(syscall.SIGKILL)
	waitFor(t, "the killed masternode to be jailed", 120*time.Second, func() bool {
		return sn.masternode(t, va).Status == storagepb.MasternodeStatus_MN_JAILED
	})
	b.waitText("/mn/"+va, "#mn-status", "jailed", 30*time.Second)
	if got := b.attr("#mn-challenges", "data-failed"); got == "0" {
		t.Fatal("the jailed masternode's page shows no failed challenge")
	}
	b.screenshot("masternode-jailed")
	b.waitText("/health", "#jailed", va, 30*time.Second)
	// Its chunks move to others; the health page saw them below target
	// and, once the new holders confirm, back.
	sn.waitTarget(t, []string{id}, 3*time.Minute)
	events := b.waitText("/health", "#health-events", "recovered", 60*time.Second)
	for _, want := range []string{"dip", "jailed", va} {
		if !strings.Contains(events, want) {
			t.Fatalf("health events %q lack %q", events, want)
		}
	}
	if got := b.attr("#under-replicated", "data-n"); got != "0" {
		t.Fatalf("health page: %s chunks below target after the recovery", got)
	}
	var minMilli, nowMilli uint64
	fmt.Sscan(b.attr("#lowest-redundancy", "data-min-milli"), &minMilli)
	fmt.Sscan(b.attr("#lowest-redundancy", "data-milli"), &nowMilli)
	if minMilli >= h.RedundancyMilli || nowMilli < h.RedundancyMilli {
		t.Fatalf("health page: lowest redundancy %d‰ at the dip and %d‰ now; before the kill it was %d‰ (want a dip and the recovery)", minMilli, nowMilli, h.RedundancyMilli)
	}
	b.screenshot("health")

	// Blocks and transactions: the registration decodes.
	art := ticketOf(t, n, id)
	b.open(fmt.Sprintf("/block/%d", art.RegisteredHeight))
	var types []string
	b.eval(`[...document.querySelectorAll('h3.msg-type')].map(h => h.textContent)`, &types)
	if !strings.Contains(strings.Join(types, ","), "storage/RegisterArt") {
		t.Fatalf("block %d shows messages %v, want storage/RegisterArt", art.RegisteredHeight, types)
	}
	var txHash string
	b.eval(`document.querySelector('code.tx-hash').textContent`, &txHash)
	b.open("/tx/" + txHash)
	if got := b.text("dd.tx-result"); got != "ok" {
		t.Fatalf("tx page result %q", got)
	}
	b.screenshot("block-tx")

	// Search leads to the page; bad input gets a clear page.
	b.open("/search?q=" + id)
	if got := b.text("#art-id"); got != id {
		t.Fatalf("search by art id landed on %q", got)
	}
	b.open("/search?q=" + va)
	if got := b.text("#mn-address"); got != va {
		t.Fatalf("search by masternode address landed on %q", got)
	}
	evil := `<script>window.pwned=1</script><img src=x onerror="window.pwned=1">`
	b.run("search box", chromedp.Navigate(base+"/"), chromedp.WaitVisible(`input[name=q]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name=q]`, evil, chromedp.ByQuery), chromedp.Submit(`input[name=q]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#error`, chromedp.ByQuery))
	if got := b.text("#query"); got != evil {
		t.Fatalf("the search page shows %q, want the query as text", got)
	}
	b.eval(`window.pwned === 1`, &pwned)
	if pwned {
		t.Fatal("a script typed into the search box ran")
	}
	b.screenshot("bad-search")
	b.open("/art/" + strings.Repeat("0", 64))
	if code, msg := b.attr("#error", "data-code"), b.text("p.message"); code != "404" || !strings.Contains(msg, "No art") {
		t.Fatalf("unknown art: %s %q", code, msg)
	}
	b.open("/tx/nothex")
	if code := b.attr("#error", "data-code"); code != "400" {
		t.Fatalf("malformed hash: code %s", code)
	}
	t.Logf("screenshots in %s", b.dir)
	ex.stop(syscall.SIGTERM) // a clean shutdown with a page still subscribed
}
