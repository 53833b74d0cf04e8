package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports a long transfer in bytes: a bar with bytes, rate and
// ETA on a terminal; a line with the same figures every 10% otherwise (logs,
// CI); nothing with --quiet.
type progress struct {
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
	out   io.Writer
	label string
	total int64
	done  int64
	next  int64
	quiet bool
	start time.Time
}

func newProgress(label string, totalBytes int64, quiet bool) *progress {
	return newProgressTo(os.Stderr, term.IsTerminal(int(os.Stderr.Fd())), label, totalBytes, quiet)
}

func newProgressTo(out io.Writer, terminal bool, label string, total int64, quiet bool) *progress {
	p := &progress{out: out, label: label, total: total, quiet: quiet, start: time.Now(), next: total / 10}
	if !quiet && terminal {
		p.bar = progressbar.NewOptions64(total, progressbar.OptionSetDescription(label), progressbar.OptionSetWriter(out),
			progressbar.OptionShowBytes(true), progressbar.OptionSetPredictTime(true), progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionFullWidth(), progressbar.OptionClearOnFinish())
	}
	return p
}

// add counts n more bytes done.
func (p *progress) add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if p.bar != nil {
		_ = p.bar.Add64(n)
		return
	}
	if !p.quiet && p.total > 0 && p.done >= p.next && p.done < p.total {
		fmt.Fprintf(p.out, "%s: %s\n", p.label, p.line())
		for p.next <= p.done {
			p.next += max(p.total/10, 1)
		}
	}
}

// line is "12.0 MiB / 240.0 MiB (5%), 8.1 MiB/s, ETA 27s".
func (p *progress) line() string {
	el := time.Since(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(p.done) / el
	}
	s := fmt.Sprintf("%s / %s (%d%%), %s/s", humanBytes(float64(p.done)), humanBytes(float64(p.total)), p.done*100/max(p.total, 1), humanBytes(rate))
	if rate > 0 && p.done < p.total {
		s += ", ETA " + (time.Duration(float64(p.total-p.done)/rate) * time.Second).Round(time.Second).String()
	}
	return s
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
	}
	if !p.quiet {
		el := time.Since(p.start)
		fmt.Fprintf(p.out, "%s: %s in %s (%s/s)\n", p.label, humanBytes(float64(p.done)), el.Round(time.Millisecond), humanBytes(float64(p.done)/max(el.Seconds(), 1e-3)))
	}
}

func humanBytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", b)
	}
	return fmt.Sprintf("%.1f %s", b, units[i])
}

func jsonIndent(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }
