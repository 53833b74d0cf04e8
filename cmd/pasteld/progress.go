package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports a long step: a bar on a terminal, a line every 25%
// otherwise (logs, CI), and nothing with --quiet.
type progress struct {
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
	label string
	total int64
	done  int64
	next  int64
	quiet bool
	start time.Time
}

func newProgress(label string, total int64, quiet bool) *progress {
	p := &progress{label: label, total: total, quiet: quiet, start: time.Now(), next: total / 4}
	if !quiet && term.IsTerminal(int(os.Stderr.Fd())) {
		p.bar = progressbar.NewOptions64(total, progressbar.OptionSetDescription(label), progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	return p
}

func (p *progress) add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if p.bar != nil {
		_ = p.bar.Add64(n)
		return
	}
	if !p.quiet && p.total > 0 && p.done >= p.next && p.done < p.total {
		fmt.Fprintf(os.Stderr, "%s: %d/%d\n", p.label, p.done, p.total)
		p.next += p.total / 4
	}
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
	}
	if !p.quiet {
		fmt.Fprintf(os.Stderr, "%s: %d/%d done in %s\n", p.label, p.done, p.total, time.Since(p.start).Round(time.Millisecond))
	}
}

func jsonIndent(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }
