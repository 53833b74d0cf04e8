package app

import (
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/types"
	"github.com/pastelchain/pastel/x/storage"
)

// Metrics are pasteld's own Prometheus metrics (namespace pastel), served
// on CometBFT's Prometheus endpoint (instrumentation.prometheus_listen_addr)
// next to its consensus metrics. They are a side output: nothing in a state
// transition reads them.
//
// Two kinds:
//   - from the blocks as they execute: challenge outcomes and module
//     EndBlock durations (the trust epoch's among them);
//   - from the committed state, recomputed off the consensus path on the
//     newest committed version at most every StatsEvery: arts,
//     commitments, open challenges, the heal queue, the lowest redundancy,
//     masternodes by status.
type Metrics struct {
	// StatsEvery bounds how often the state figures are recomputed
	// (default 5 s); their cost grows with the state.
	StatsEvery time.Duration

	challenges  *prometheus.CounterVec
	endBlock    *prometheus.HistogramVec
	trustEpoch  prometheus.Histogram
	arts        *prometheus.GaugeVec
	masternodes *prometheus.GaugeVec
	commitments *prometheus.GaugeVec
	open        prometheus.Gauge
	healQueue   prometheus.Gauge
	healTasks   prometheus.Gauge
	underRepl   prometheus.Gauge
	lowest      prometheus.Gauge
	proven      prometheus.Gauge
	statsHeight prometheus.Gauge
	statsTime   prometheus.Gauge

	wake chan int64
	stop chan struct{}
	done sync.WaitGroup
}

// NewMetrics creates the metrics and registers them with reg (for pasteld:
// prometheus.DefaultRegisterer, which CometBFT's endpoint serves).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	const ns = "pastel"
	m := &Metrics{
		StatsEvery: 5 * time.Second,
		challenges: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "storage", Name: "challenges_closed_total",
			Help: "Storage challenges closed by this node's blocks since it started, by result (passed, failed)."}, []string{"result"}),
		endBlock: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "end_block_duration_seconds",
			Help:    "Time a module's EndBlock took, by module.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"module"}),
		trustEpoch: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: "trust", Name: "epoch_duration_seconds",
			Help:    "Time the trust module's EndBlock took in blocks that computed a trust epoch.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}),
		arts: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: "storage", Name: "arts",
			Help: "Registered arts by status (ART_PENDING, ART_ACTIVE, ART_REJECTED)."}, []string{"status"}),
		masternodes: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: "storage", Name: "masternodes",
			Help: "Masternodes by status (MN_ACTIVE, MN_EXITING, MN_JAILED)."}, []string{"status"}),
		commitments: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: "storage", Name: "commitments",
			Help: "Storage commitments by state: confirmed with a proof of possession, or unconfirmed."}, []string{"state"}),
		open: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: "storage", Name: "challenges_open",
			Help: "Storage challenges waiting for an answer."}),
		healQueue: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: "storage", Name: "heal_queue_chunks",
			Help: "Chunks marked for healing."}),
		healTasks: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: "storage", Name: "heal_tasks",
			Help: "Stripes a healer is rebuilding now."}),
		underRepl: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: "storage", Name: "under_replicated_chunks",
			Help: "Chunks with fewer confirmed holders than the replication target."}),
		lowest: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: "storage", Name: "lowest_redundancy_ratio",
			Help: "Smallest redundancy of an active art: live chunk bytes over archive bytes (below 1 it cannot be rebuilt; 0 with no active art)."}),
		proven: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: "storage", Name: "proven_bytes",
			Help: "Bytes masternodes hold with a standing proof, summed over masternodes."}),
		statsHeight: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "state_metrics_height",
			Help: "Height the state metrics were computed at."}),
		statsTime: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "state_metrics_duration_seconds",
			Help: "Time the last computation of the state metrics took."}),
		wake: make(chan int64, 1),
		stop: make(chan struct{}),
	}
	for _, c := range []prometheus.Collector{m.challenges, m.endBlock, m.trustEpoch, m.arts, m.masternodes, m.commitments,
		m.open, m.healQueue, m.healTasks, m.underRepl, m.lowest, m.proven, m.statsHeight, m.statsTime} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	m.challenges.WithLabelValues("passed")
	m.challenges.WithLabelValues("failed")
	return m, nil
}

// observeEvents counts the challenge outcomes among a block's events.
func (m *Metrics) observeEvents(evs []abci.Event) {
	for _, e := range evs {
		switch e.Type {
		case "challenge_passed":
			m.challenges.WithLabelValues("passed").Inc()
		case "challenge_failed":
			m.challenges.WithLabelValues("failed").Inc()
		}
	}
}

// observeEndBlock records one module's EndBlock; evs are the events it
// emitted.
func (m *Metrics) observeEndBlock(module string, d time.Duration, evs []abci.Event) {
	m.endBlock.WithLabelValues(module).Observe(d.Seconds())
	for _, e := range evs {
		if e.Type == "trust_epoch" {
			m.trustEpoch.Observe(d.Seconds())
			return
		}
	}
}

func (m *Metrics) setStats(s storage.Stats, took time.Duration) {
	for st, n := range s.Arts {
		m.arts.WithLabelValues(st).Set(float64(n))
	}
	for st, n := range s.Masternodes {
		m.masternodes.WithLabelValues(st).Set(float64(n))
	}
	m.commitments.WithLabelValues("confirmed").Set(float64(s.CommitmentsConfirmed))
	m.commitments.WithLabelValues("unconfirmed").Set(float64(s.CommitmentsUnconfirmed))
	m.open.Set(float64(s.ChallengesOpen))
	m.healQueue.Set(float64(s.HealQueue))
	m.healTasks.Set(float64(s.HealTasks))
	m.underRepl.Set(float64(s.UnderReplicated))
	m.lowest.Set(float64(s.LowestRedundancyMilli) / 1000)
	m.proven.Set(float64(s.ProvenBytes))
	m.statsHeight.Set(float64(s.Height))
	m.statsTime.Set(took.Seconds())
}

// committed tells the state goroutine a version was saved (never blocks).
func (m *Metrics) committed(h int64) {
	select {
	case m.wake <- h:
	default:
		select { // replace a stale height
		case <-m.wake:
		default:
		}
		select {
		case m.wake <- h:
		default:
		}
	}
}

// storageKeeperOf is the storage keeper among mods (false without one).
func storageKeeperOf(mods []types.Module) (storage.Keeper, bool) {
	for _, m := range mods {
		if sm, ok := m.(storage.Module); ok {
			return sm.Keeper, true
		}
	}
	return storage.Keeper{}, false
}

// StatsAt computes the storage figures of committed version h on an
// immutable view of it, safe beside block execution.
func (a *App) StatsAt(h int64) (storage.Stats, error) {
	k, ok := storageKeeperOf(a.modules)
	if !ok {
		return storage.Stats{}, nil
	}
	imm, err := a.tree.GetImmutable(h)
	if err != nil {
		return storage.Stats{}, err
	}
	ctx := types.NewContext(store.NewCache(store.Immutable{T: imm}), a.chainID, h, zeroTime)
	return k.Stats(ctx), nil
}

// runStats recomputes the state metrics after commits, at most every
// StatsEvery, until Close.
func (a *App) runStats(m *Metrics) {
	defer m.done.Done()
	every := m.StatsEvery
	if every <= 0 {
		every = 5 * time.Second
	}
	var last time.Time
	for {
		var h int64
		select {
		case <-m.stop:
			return
		case h = <-m.wake:
		}
		if wait := every - time.Since(last); wait > 0 {
			select {
			case <-m.stop:
				return
			case <-time.After(wait):
			}
			select { // a newer height arrived meanwhile
			case h = <-m.wake:
			default:
			}
		}
		last = time.Now()
		s, err := a.StatsAt(h)
		if err != nil {
			a.log.Debug("state metrics", "height", h, "err", err)
			continue
		}
		m.setStats(s, time.Since(last))
	}
}

// StateHeight is the gauge of the height the state figures are from.
func (m *Metrics) StateHeight() prometheus.Gauge { return m.statsHeight }
