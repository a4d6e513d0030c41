// Package metrics exports senaite-sync's state for Prometheus: runs by
// remote, kind and status, objects by remote and state. Values are read
// from PostgreSQL at scrape time (every process sees the same numbers,
// whichever coordinator is scraped), kept a few seconds so that several
// scrapers cost one query.
package metrics

import (
	"context"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/senaite-sync/senaite-sync/internal/store"
)

var (
	runsDesc = prometheus.NewDesc("senaite_sync_runs", "Runs by remote, kind and status.",
		[]string{"remote", "kind", "status"}, nil)
	lastFinishedDesc = prometheus.NewDesc("senaite_sync_run_last_finished_timestamp_seconds",
		"When the last run of a remote, kind and status finished (Unix time): alert on an old succeeded one.",
		[]string{"remote", "kind", "status"}, nil)
	objectsDesc = prometheus.NewDesc("senaite_sync_objects", "A remote's fetched objects by pipeline state.",
		[]string{"remote", "state"}, nil)
	upDesc = prometheus.NewDesc("senaite_sync_state_up", "1 when the state could be read from PostgreSQL at this scrape.",
		nil, nil)
)

// cacheFor is how long a reading serves further scrapes.
const cacheFor = 5 * time.Second

// queryTimeout bounds a scrape's questions to PostgreSQL.
const queryTimeout = 10 * time.Second

// Collector reads the tallies from the store at scrape time.
type Collector struct {
	Store *store.Store

	mu     sync.Mutex
	at     time.Time
	runs   []store.RunTally
	states []store.StateTally
	err    error
}

// Describe sends the metrics' descriptions.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{runsDesc, lastFinishedDesc, objectsDesc, upDesc} {
		ch <- d
	}
}

// Collect reads (or reuses) the tallies and sends them.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	if time.Since(c.at) > cacheFor {
		ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
		c.runs, c.err = c.Store.RunTallies(ctx)
		if c.err == nil {
			c.states, c.err = c.Store.StateTallies(ctx)
		}
		cancel()
		c.at = time.Now()
	}
	runs, states, err := c.runs, c.states, c.err
	c.mu.Unlock()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 1)
	for _, r := range runs {
		ch <- prometheus.MustNewConstMetric(runsDesc, prometheus.GaugeValue, float64(r.Runs), r.Remote, string(r.Kind), string(r.Status))
		if !r.LastFinished.IsZero() {
			ch <- prometheus.MustNewConstMetric(lastFinishedDesc, prometheus.GaugeValue,
				float64(r.LastFinished.UnixNano())/1e9, r.Remote, string(r.Kind), string(r.Status))
		}
	}
	for _, s := range states {
		ch <- prometheus.MustNewConstMetric(objectsDesc, prometheus.GaugeValue, float64(s.Objects), s.Remote, string(s.State))
	}
}

// Handler serves /metrics: senaite-sync's tallies, more (the queues'), which version the
// process runs (senaite_sync_build_info: which build each scraped process
// is, during a rolling upgrade), and the Go runtime's and the process's
// own metrics.
func Handler(st *store.Store, version string, more ...prometheus.Collector) http.Handler {
	reg := NewRegistry(version, "")
	reg.MustRegister(&Collector{Store: st})
	reg.MustRegister(more...)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// NewRegistry is what every process's /metrics shows: the version it runs
// (senaite_sync_build_info, with its role when it has one), the Go
// runtime's and the process's own metrics, and its instruments
// (ProcessCollectors).
func NewRegistry(version, role string) *prometheus.Registry {
	labels := prometheus.Labels{"version": version, "goversion": runtime.Version()}
	if role != "" {
		labels["role"] = role
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{Name: "senaite_sync_build_info",
		Help: "Always 1: the version of senaite-sync and of Go this process runs, and its role.", ConstLabels: labels})
	build.Set(1)
	reg := prometheus.NewRegistry()
	reg.MustRegister(build, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(ProcessCollectors()...)
	return reg
}
