package storage_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"

	"github.com/pastelchain/pastel/app"
	"github.com/pastelchain/pastel/x/storage"
	"github.com/pastelchain/pastel/x/storage/storagepb"
)

// TestStatsAndMetricsFollowTheNetwork: the network figures (query
// /storage/stats, and pasteld's Prometheus metrics computed from them off
// the consensus path) count what the chain holds: an active art, its
// confirmed commitments, open challenges, a jailed masternode, the lowest
// redundancy as ArtHealth reports it. The metrics are promlint-clean.
func TestStatsAndMetricsFollowTheNetwork(t *testing.T) {
	// Jailed at the reassignment count: reassignment alone moves every
	// commitment away, after which the masternode is never challenged
	// again and reaches a higher jail count only if enough challenges were
	// already open (a matter of the draw).
	e := newChallengeEnv(t, func(p *storagepb.Params) {
		p.ChallengeInterval, p.MaxChallengesPerBlock = 1, 8
		p.JailFailures = p.ReassignFailures
	})
	reg := prometheus.NewRegistry()
	m, err := app.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.StatsEvery = time.Millisecond
	e.c.App.SetMetrics(m)
	k := storage.Keeper{}

	var s storage.Stats
	if err := json.Unmarshal(e.c.Query("/storage/stats").Value, &s); err != nil {
		t.Fatal(err)
	}
	a := art(e.c, e.art.msg.ArchiveHash)
	h := k.ArtHealth(e.c.Ctx(), a)
	if s.Arts["ART_ACTIVE"] != 1 || s.Masternodes["MN_ACTIVE"] != nMasternodes || s.CommitmentsUnconfirmed != 0 ||
		s.CommitmentsConfirmed != k.ConfirmedCommitments(e.c.Ctx()) || s.CommitmentsConfirmed == 0 {
		t.Fatalf("stats of a fresh active art: %+v", s)
	}
	if s.LowestRedundancyMilli != h.RedundancyMilli || s.LowestRedundancyArt != h.ArtID {
		t.Fatalf("lowest redundancy %d of %s, ArtHealth says %d of %s", s.LowestRedundancyMilli, s.LowestRedundancyArt, h.RedundancyMilli, h.ArtID)
	}

	// One masternode stops answering and is jailed.
	dead := e.c.Keys[0].PubKey().Address()
	for i := 0; i < 200; i++ {
		e.answerAll(t, map[string]bool{dead.String(): true})
		if mn, _ := k.Masternode(e.c.Ctx(), dead); mn.Status == storagepb.MasternodeStatus_MN_JAILED {
			break
		}
	}
	s = k.Stats(e.c.Ctx())
	if s.Masternodes["MN_JAILED"] != 1 || s.Masternodes["MN_ACTIVE"] != nMasternodes-1 {
		t.Fatalf("after a jailing: %+v", s.Masternodes)
	}
	// The explorer's lists agree with the counters.
	var below []storage.BelowTargetView
	if err := json.Unmarshal(e.c.Query("/storage/below-target").Value, &below); err != nil {
		t.Fatal(err)
	}
	var sum uint64
	for _, b := range below {
		sum += b.Chunks
	}
	if sum != s.UnderReplicated {
		t.Fatalf("below-target lists %d chunks (%+v), stats count %d", sum, below, s.UnderReplicated)
	}
	var queue []storage.HealQueueView
	if err := json.Unmarshal(e.c.Query("/storage/heal-queue").Value, &queue); err != nil {
		t.Fatal(err)
	}
	if uint64(len(queue)) != s.HealTasks {
		t.Fatalf("heal-queue lists %d tasks, stats count %d", len(queue), s.HealTasks)
	}
	want := s.Height
	deadline := time.Now().Add(10 * time.Second)
	for testutil.ToFloat64(m.StateHeight()) < float64(want) {
		if time.Now().After(deadline) {
			t.Fatalf("state metrics stuck at height %v, chain at %d", testutil.ToFloat64(m.StateHeight()), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if problems, err := promlint.NewWithMetricFamilies(mfs).Lint(); err != nil || len(problems) > 0 {
		t.Fatalf("promlint: %v %v", err, problems)
	}
	dashboardUsesOnlyRealMetrics(t, mfs)
	text := map[string]float64{}
	for _, mf := range mfs {
		for _, mt := range mf.Metric {
			name := mf.GetName()
			for _, l := range mt.Label {
				name += "{" + l.GetName() + "=" + l.GetValue() + "}"
			}
			switch {
			case mt.Gauge != nil:
				text[name] = mt.Gauge.GetValue()
			case mt.Counter != nil:
				text[name] = mt.Counter.GetValue()
			case mt.Histogram != nil:
				text[name+"_count"] = float64(mt.Histogram.GetSampleCount())
			}
		}
	}
	for name, min := range map[string]float64{
		"pastel_storage_masternodes{status=MN_JAILED}":            1,
		"pastel_storage_arts{status=ART_ACTIVE}":                  1,
		"pastel_storage_commitments{state=confirmed}":             1,
		"pastel_storage_challenges_closed_total{result=failed}":   3,
		"pastel_storage_challenges_closed_total{result=passed}":   1,
		"pastel_end_block_duration_seconds{module=storage}_count": 5,
		"pastel_storage_lowest_redundancy_ratio":                  1,
		"pastel_state_metrics_height":                             float64(want),
	} {
		if v, ok := text[name]; !ok || v < min {
			var names []string
			for n := range text {
				names = append(names, n)
			}
			t.Fatalf("%s = %v (present %v), want at least %v; have %s", name, v, ok, min, strings.Join(names, " "))
		}
	}
}

// dashboardUsesOnlyRealMetrics: every pastel_ series the Grafana dashboard
// in docs/grafana queries is one the node exports (a renamed metric would
// leave an empty panel nobody notices).
func dashboardUsesOnlyRealMetrics(t *testing.T, mfs []*dto.MetricFamily) {
	t.Helper()
	raw, err := os.ReadFile("../../docs/grafana/pastel-storage-health.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	have := map[string]bool{}
	for _, mf := range mfs {
		have[mf.GetName()] = true
	}
	name := regexp.MustCompile(`pastel_[a-z_]+`)
	used := 0
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			for _, m := range name.FindAllString(tg.Expr, -1) {
				base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m, "_bucket"), "_sum"), "_count")
				if !have[m] && !have[base] {
					t.Errorf("dashboard panel %q queries %s, which the node does not export", p.Title, m)
				}
				used++
			}
		}
	}
	if used < 10 {
		t.Fatalf("the dashboard queries only %d pastel_ series", used)
	}
}
