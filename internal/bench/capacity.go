package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// CapacityOptions describe `make bench-capacity`: one generated lab
// migrated into an empty lab of Capacity threads at Latency a request, by
// a coordinator, a fetcher and an importer process with every default —
// the remote's too, so that what is measured is how much of a lab the
// adaptive concurrency finds by itself (issue #13).
type CapacityOptions struct {
	SyncBinary, SimBinary, NatsBinary string
	// DatabaseURL is the server; the database senaite_sync_capacity is
	// recreated on it for every lab measured.
	DatabaseURL string
	// Objects is the size of the generated source lab.
	Objects int
	// Latency is the destination's time per request; Capacities its
	// thread counts, one import each.
	Latency    time.Duration
	Capacities []int
	RunTimeout time.Duration
	Log        io.Writer
}

// CapacityRun is one destination's figures during the import.
type CapacityRun struct {
	Capacity int
	Objects  int
	Status   string
	Import   time.Duration
	// Usage is the destination's own account of the import (its stats
	// reset as the import starts).
	Usage LabUsage
	// Timeline is the share of the lab's threads busy in each second of
	// the import.
	Timeline []float64
	// ByRoute counts the import's requests by method and route: where a
	// change of requests per object comes from.
	ByRoute map[string]int64
}

// Ceiling is the most requests a second the destination can serve:
// Capacity/Latency.
func (r CapacityRun) Ceiling(lat time.Duration) float64 { return float64(r.Capacity) / lat.Seconds() }

// RequestsPerSecond is what the import sent the destination.
func (r CapacityRun) RequestsPerSecond() float64 { return float64(r.Usage.Served) / r.Import.Seconds() }

// Used is the share of the ceiling the import used.
func (r CapacityRun) Used(lat time.Duration) float64 { return r.RequestsPerSecond() / r.Ceiling(lat) }

// RunCapacity measures an import into a destination of each capacity.
func RunCapacity(ctx context.Context, o CapacityOptions) ([]CapacityRun, error) {
	if o.RunTimeout <= 0 {
		o.RunTimeout = 30 * time.Minute
	}
	var out []CapacityRun
	for _, c := range o.Capacities {
		r, err := runCapacityOnce(ctx, o, c)
		if err != nil {
			return out, fmt.Errorf("bench: capacity %d: %w", c, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func runCapacityOnce(ctx context.Context, o CapacityOptions, capacity int) (CapacityRun, error) {
	res := CapacityRun{Capacity: capacity}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, time.Now().Format("15:04:05 ")+format+"\n", args...)
		}
	}
	dir, err := os.MkdirTemp("", "senaite-capacity")
	if err != nil {
		return res, err
	}
	logf("a lab of %d threads at %s a request: logs in %s", capacity, o.Latency, dir)
	users := "admin:secret,verifier:secret"
	dest, err := StartSim(ctx, o.SimBinary, "--empty", "--seed", "900", "--users", users,
		"--latency", o.Latency.String(), "--capacity", fmt.Sprint(capacity))
	if err != nil {
		return res, err
	}
	defer dest.Stop()
	src, err := StartSim(ctx, o.SimBinary, "--objects", fmt.Sprint(o.Objects), "--seed", "7", "--users", users)
	if err != nil {
		return res, err
	}
	defer src.Stop()
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	counts, err := simStats(ctx, hc, src.URL)
	if err != nil {
		return res, err
	}
	types := make([]string, 0, len(counts))
	for pt := range counts {
		types = append(types, pt)
	}
	sort.Strings(types)
	if _, err := activateHidden(ctx, hc, src.URL, types); err != nil {
		return res, err
	}
	dbURL, err := recreateDatabase(ctx, o.DatabaseURL, "senaite_sync_capacity")
	if err != nil {
		return res, err
	}
	nats, err := startNats(ctx, o.NatsBinary, filepath.Join(dir, "nats"))
	if err != nil {
		return res, err
	}
	defer nats.stop()
	f := &fleet{binary: o.SyncBinary, dir: dir, defaults: true, env: append(os.Environ(),
		"SENAITE_SYNC_DATABASE_URL="+dbURL, "SENAITE_SYNC_NATS_URL="+nats.url(), "SENAITE_SYNC_DATA_DIR="+dir,
		"SENAITE_SYNC_QUEUE_PREFIX=CAPACITY", "SENAITE_SYNC_API_TOKEN="), procs: map[string]*proc{}}
	defer f.stopAll()
	if err := f.start("coordinator-1"); err != nil {
		return res, err
	}
	if err := f.waitAPI(ctx, hc); err != nil {
		return res, err
	}
	for _, name := range []string{"fetcher-1", "importer-1"} {
		if err := f.start(name); err != nil {
			return res, err
		}
	}
	for _, in := range []struct{ name, url string }{{"source", src.URL}, {"destination", dest.URL}} {
		if err := f.api(ctx, hc, "POST", "/api/v1/instances", map[string]any{"name": in.name, "url": in.url,
			"username": "admin", "password": "secret", "verifier_username": "verifier", "verifier_password": "secret"}, nil); err != nil {
			return res, err
		}
	}
	// every option the remote's default: its concurrency is what is measured
	if err := f.api(ctx, hc, "POST", "/api/v1/remotes", map[string]any{"name": "capacity", "source": "source",
		"destination": "destination"}, nil); err != nil {
		return res, err
	}
	fetch, err := f.stepsAtOnce(ctx, hc, "fetch", []string{"capacity"}, o.RunTimeout)
	if err != nil {
		return res, err
	}
	if fetch[0].Status != "succeeded" {
		return res, fmt.Errorf("fetch %s: %s", fetch[0].Status, fetch[0].Error)
	}
	if err := simReset(ctx, hc, dest.URL); err != nil {
		return res, err
	}
	before, err := simStatsOf(ctx, hc, dest.URL)
	if err != nil {
		return res, err
	}
	// the lab's threads second by second: where an import leaves them idle
	tctx, stopTimeline := context.WithCancel(ctx)
	timeline := make(chan []float64, 1)
	go func() {
		var out []float64
		last := 0.0
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-tctx.Done():
				timeline <- out
				return
			case <-tick.C:
			}
			if st, err := simStatsOf(tctx, hc, dest.URL); err == nil {
				out = append(out, (st.Usage.BusySeconds-last)/float64(capacity))
				last = st.Usage.BusySeconds
			}
		}
	}()
	imports, err := f.stepsAtOnce(ctx, hc, "import", []string{"capacity"}, o.RunTimeout)
	stopTimeline()
	res.Timeline = <-timeline
	if err != nil {
		return res, err
	}
	st, err := simStatsOf(ctx, hc, dest.URL)
	if err != nil {
		return res, err
	}
	res.Status, res.Import, res.Objects, res.Usage = imports[0].Status, imports[0].Elapsed, imports[0].Counts["total"], st.Usage
	logf("imported %d objects in %s (%s): %.0f requests/s of at most %.0f = %.2f; queue wait mean %s, p95 %s",
		res.Objects, res.Import.Round(time.Millisecond), res.Status, res.RequestsPerSecond(), res.Ceiling(o.Latency),
		res.Used(o.Latency), seconds(res.Usage.QueueWait), seconds(res.Usage.QueueWaitP95))
	line := ""
	for _, u := range res.Timeline {
		line += fmt.Sprintf(" %.0f", 100*u)
	}
	logf("threads busy each second (%%):%s", line)
	res.ByRoute = map[string]int64{}
	for route, n := range st.ByRoute {
		if d := n - before.ByRoute[route]; d > 0 {
			res.ByRoute[route] = d
		}
	}
	routes := make([]string, 0, len(res.ByRoute))
	for route := range res.ByRoute {
		routes = append(routes, route)
	}
	sort.Slice(routes, func(i, j int) bool { return res.ByRoute[routes[i]] > res.ByRoute[routes[j]] })
	line = ""
	for _, route := range routes {
		line += fmt.Sprintf(" %s=%d (%.2f/object)", route, res.ByRoute[route], float64(res.ByRoute[route])/float64(max(res.Objects, 1)))
	}
	logf("requests by route:%s", line)
	return res, nil
}

func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(100 * time.Microsecond)
}
