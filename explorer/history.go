package explorer

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Sample is the storage network at one height, as the health page plots it.
type Sample struct {
	Height int64
	Time   time.Time
	// LowestRedundancy is the lowest art redundancy (1.0 = just enough
	// chunks to rebuild it); -1 with no active art.
	LowestRedundancy float64
	LowestArt        string
	UnderReplicated  uint64
	HealQueue        uint64
	HealTasks        uint64
	ChallengesOpen   uint64
	ActiveArts       uint64
	Active, Jailed   uint64
	// JailedSet is who was jailed at this height (for the event list).
	JailedSet map[string]bool
}

// Event is a change the explorer saw between two samples.
type Event struct {
	Height int64
	Kind   string // "dip", "recovered", "jailed", "unjailed"
	What   string
}

// history keeps the last max samples and the events between them, and the
// redundancy of the arts someone looked at (tracked from their first view).
type history struct {
	mu      sync.Mutex
	max     int
	samples []Sample
	events  []Event
	arts    map[string]*artSeries
	order   []string // tracked arts, oldest first (bounded by maxArts)
	maxArts int
	// inDip is set from a dip to its recovery; dipFrom is the lowest
	// redundancy before it.
	inDip   bool
	dipFrom float64
}

type artSeries struct {
	X []int64
	Y []float64
}

func newHistory(max, maxArts int) *history {
	return &history{max: max, maxArts: maxArts, arts: map[string]*artSeries{}}
}

func (h *history) add(s Sample) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(h.samples); n > 0 {
		prev := h.samples[n-1]
		if s.Height <= prev.Height {
			return
		}
		h.compare(prev, s)
	}
	h.samples = append(h.samples, s)
	if len(h.samples) > h.max {
		h.samples = append(h.samples[:0:0], h.samples[len(h.samples)-h.max:]...)
	}
}

// compare records what changed from prev to s. A dip is storage getting
// worse: chunks falling below target, chunks marked for healing, or the
// lowest art redundancy falling; the recovery is all of them back (no
// chunk below target or waiting to heal, lowest redundancy at least where
// it was before the dip).
func (h *history) compare(prev, s Sample) {
	fell := prev.LowestRedundancy >= 0 && s.LowestRedundancy >= 0 && s.LowestRedundancy < prev.LowestRedundancy
	if !h.inDip && (s.UnderReplicated > 0 || s.HealQueue > 0 || fell) {
		h.inDip, h.dipFrom = true, prev.LowestRedundancy
		var what []string
		if s.UnderReplicated > 0 {
			what = append(what, plural(s.UnderReplicated, "chunk")+" below target")
		}
		if s.HealQueue > 0 {
			what = append(what, plural(s.HealQueue, "chunk")+" to heal")
		}
		if fell {
			what = append(what, fmt.Sprintf("lowest redundancy %.2f× → %.2f×", prev.LowestRedundancy, s.LowestRedundancy))
		}
		h.event(Event{s.Height, "dip", strings.Join(what, ", ")})
	}
	if h.inDip && s.UnderReplicated == 0 && s.HealQueue == 0 && s.LowestRedundancy >= h.dipFrom {
		h.inDip = false
		h.event(Event{s.Height, "recovered", fmt.Sprintf("no chunk below target or waiting to heal; lowest redundancy %.2f×", s.LowestRedundancy)})
	}
	for _, a := range sortedKeys(s.JailedSet) {
		if !prev.JailedSet[a] {
			h.event(Event{s.Height, "jailed", a})
		}
	}
	for _, a := range sortedKeys(prev.JailedSet) {
		if !s.JailedSet[a] {
			h.event(Event{s.Height, "unjailed", a})
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func plural(n uint64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.FormatUint(n, 10) + " " + what + "s"
}

func (h *history) event(e Event) {
	h.events = append(h.events, e)
	if len(h.events) > 200 {
		h.events = h.events[len(h.events)-200:]
	}
}

func (h *history) snapshot() ([]Sample, []Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ev := make([]Event, len(h.events))
	for i := range h.events {
		ev[i] = h.events[len(h.events)-1-i] // newest first
	}
	return append([]Sample(nil), h.samples...), ev
}

func (h *history) latest() (Sample, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.samples) == 0 {
		return Sample{}, false
	}
	return h.samples[len(h.samples)-1], true
}

// track starts recording art id's redundancy (the oldest tracked art is
// dropped beyond maxArts).
func (h *history) track(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.arts[id]; ok {
		return
	}
	h.arts[id] = &artSeries{}
	h.order = append(h.order, id)
	if len(h.order) > h.maxArts {
		delete(h.arts, h.order[0])
		h.order = h.order[1:]
	}
}

func (h *history) tracked() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.order...)
}

func (h *history) addArt(id string, height int64, redundancy float64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.arts[id]
	if !ok || (len(s.X) > 0 && s.X[len(s.X)-1] >= height) {
		return
	}
	s.X, s.Y = append(s.X, height), append(s.Y, redundancy)
	if len(s.X) > h.max {
		s.X, s.Y = s.X[len(s.X)-h.max:], s.Y[len(s.Y)-h.max:]
	}
}

func (h *history) artSeries(id string) ([]int64, []float64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.arts[id]
	if !ok {
		return nil, nil
	}
	return append([]int64(nil), s.X...), append([]float64(nil), s.Y...)
}
