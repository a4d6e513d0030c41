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

// LabsOptions describe `make bench-labs`: K labs, each a simulated SENAITE
// with a latency and a number of threads, feeding one empty central lab of
// the same kind at once, with 1, 2, 4… importer processes (issue #13).
type LabsOptions struct {
	SyncBinary, SimBinary, NatsBinary string
	// DatabaseURL is the server; the database senaite_sync_labs is
	// recreated on it for every configuration.
	DatabaseURL string
	// Labs is K; Objects the size of each generated lab.
	Labs, Objects int
	// Latency and Capacity are every lab's: a request holds one of
	// Capacity threads for Latency, so a lab serves at most
	// Capacity/Latency requests a second.
	Latency  time.Duration
	Capacity int
	// Importers are the importer process counts to measure.
	Importers []int
	// RunTimeout bounds each step of each configuration.
	RunTimeout time.Duration
	Log        io.Writer
}

// LabsRun is one configuration's figures.
type LabsRun struct {
	Importers int
	Objects   int
	// Fetch and Import are the wall times of the steps of all K remotes
	// started together.
	Fetch, Import time.Duration
	// PerLab is each remote's import time and object count.
	PerLab []LabRun
	// CentralRequests are the requests the central lab served during the
	// imports; SourceRequests each source's during the fetches.
	CentralRequests int64
	SourceRequests  []int64
	// Failed counts runs that did not succeed.
	Failed int
}

// LabRun is one remote's import.
type LabRun struct {
	Remote  string
	Objects int
	Elapsed time.Duration
}

// ObjectsPerSecond is the whole import's throughput.
func (r LabsRun) ObjectsPerSecond() float64 { return float64(r.Objects) / r.Import.Seconds() }

// Utilization is the share of a lab's capacity (Capacity/Latency requests
// a second) that n requests in d used.
func Utilization(n int64, d time.Duration, o LabsOptions) float64 {
	capacity := float64(o.Capacity) / o.Latency.Seconds()
	return float64(n) / d.Seconds() / capacity
}

// Fairness is the slowest remote's throughput over the mean of all
// remotes' (1: every lab got the same share of the central lab).
func (r LabsRun) Fairness() float64 {
	if len(r.PerLab) == 0 {
		return 0
	}
	rates := make([]float64, len(r.PerLab))
	sum := 0.0
	for i, l := range r.PerLab {
		rates[i] = float64(l.Objects) / l.Elapsed.Seconds()
		sum += rates[i]
	}
	sort.Float64s(rates)
	return rates[0] / (sum / float64(len(rates)))
}

// RunLabs measures every configuration of o.Importers in turn, each on
// fresh labs, a fresh database and a fresh nats-server.
func RunLabs(ctx context.Context, o LabsOptions) ([]LabsRun, error) {
	if o.RunTimeout <= 0 {
		o.RunTimeout = 30 * time.Minute
	}
	var out []LabsRun
	for _, n := range o.Importers {
		r, err := runLabsOnce(ctx, o, n)
		if err != nil {
			return out, fmt.Errorf("bench: %d importers: %w", n, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func runLabsOnce(ctx context.Context, o LabsOptions, importers int) (LabsRun, error) {
	res := LabsRun{Importers: importers}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, time.Now().Format("15:04:05 ")+format+"\n", args...)
		}
	}
	dir, err := os.MkdirTemp("", "senaite-labs")
	if err != nil {
		return res, err
	}
	logf("%d importers: logs in %s", importers, dir)
	users := "admin:secret,verifier:secret"
	bounds := []string{"--latency", o.Latency.String(), "--capacity", fmt.Sprint(o.Capacity), "--users", users}
	central, err := StartSim(ctx, o.SimBinary, append([]string{"--empty", "--seed", "900"}, bounds...)...)
	if err != nil {
		return res, err
	}
	defer central.Stop()
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	sources := make([]*Sim, o.Labs)
	for i := range sources {
		s, err := StartSim(ctx, o.SimBinary, append([]string{"--objects", fmt.Sprint(o.Objects), "--seed", fmt.Sprint(901 + i)}, bounds...)...)
		if err != nil {
			return res, err
		}
		defer s.Stop()
		sources[i] = s
		counts, err := simStats(ctx, hc, s.URL)
		if err != nil {
			return res, err
		}
		types := make([]string, 0, len(counts))
		for pt, c := range counts {
			res.Objects += c
			types = append(types, pt)
		}
		sort.Strings(types)
		// as make bench does: inactive objects whose fields senaite.jsonapi
		// withholds cannot be carried by any migration
		if _, err := activateHidden(ctx, hc, s.URL, types); err != nil {
			return res, err
		}
	}
	dbURL, err := recreateDatabase(ctx, o.DatabaseURL, "senaite_sync_labs")
	if err != nil {
		return res, err
	}
	nats, err := startNats(ctx, o.NatsBinary, filepath.Join(dir, "nats"))
	if err != nil {
		return res, err
	}
	defer nats.stop()
	f := &fleet{binary: o.SyncBinary, dir: dir, env: append(os.Environ(),
		"SENAITE_SYNC_DATABASE_URL="+dbURL, "SENAITE_SYNC_NATS_URL="+nats.url(), "SENAITE_SYNC_DATA_DIR="+dir,
		"SENAITE_SYNC_QUEUE_PREFIX=LABS", "SENAITE_SYNC_API_TOKEN="), procs: map[string]*proc{}}
	defer f.stopAll()
	// the coordinator migrates the database; workers start once it answers
	if err := f.start("coordinator-1"); err != nil {
		return res, err
	}
	if err := f.waitAPI(ctx, hc); err != nil {
		return res, err
	}
	names := []string{"fetcher-1", "fetcher-2"}
	for i := 1; i <= importers; i++ {
		names = append(names, fmt.Sprintf("importer-%d", i))
	}
	for _, name := range names {
		if err := f.start(name); err != nil {
			return res, err
		}
	}
	if err := f.api(ctx, hc, "POST", "/api/v1/instances", map[string]any{"name": "central", "url": central.URL,
		"username": "admin", "password": "secret", "verifier_username": "verifier", "verifier_password": "secret"}, nil); err != nil {
		return res, err
	}
	remotes := make([]string, o.Labs)
	for i, s := range sources {
		lab := fmt.Sprintf("lab%d", i+1)
		remotes[i] = lab + "_to_central"
		if err := f.api(ctx, hc, "POST", "/api/v1/instances", map[string]any{"name": lab, "url": s.URL,
			"username": "admin", "password": "secret"}, nil); err != nil {
			return res, err
		}
		if err := f.api(ctx, hc, "POST", "/api/v1/remotes", map[string]any{"name": remotes[i], "source": lab,
			"destination": "central", "remote_prefix": fmt.Sprintf("L%d-", i+1),
			"prefixable_types": []string{"AnalysisRequest", "Analysis"}, "skip_types": []string{"Laboratory"}}, nil); err != nil {
			return res, err
		}
	}

	before := make([]int64, len(sources))
	for i, s := range sources {
		r, w, err := simRequests(ctx, hc, s.URL)
		if err != nil {
			return res, err
		}
		before[i] = r + w
	}
	fetch, err := f.stepsAtOnce(ctx, hc, "fetch", remotes, o.RunTimeout)
	if err != nil {
		return res, err
	}
	for _, r := range fetch {
		res.Fetch = max(res.Fetch, r.Elapsed)
		if r.Status != "succeeded" {
			res.Failed++
		}
	}
	for i, s := range sources {
		r, w, err := simRequests(ctx, hc, s.URL)
		if err != nil {
			return res, err
		}
		res.SourceRequests = append(res.SourceRequests, r+w-before[i])
	}
	logf("fetched %d objects from %d labs in %s", res.Objects, o.Labs, res.Fetch.Round(time.Second))

	cr, cw, err := simRequests(ctx, hc, central.URL)
	if err != nil {
		return res, err
	}
	imports, err := f.stepsAtOnce(ctx, hc, "import", remotes, o.RunTimeout)
	if err != nil {
		return res, err
	}
	for i, r := range imports {
		res.Import = max(res.Import, r.Elapsed)
		res.PerLab = append(res.PerLab, LabRun{Remote: remotes[i], Objects: r.Counts["total"], Elapsed: r.Elapsed})
		if r.Status != "succeeded" {
			res.Failed++
			logf("%s import %s: %s %v", remotes[i], r.Status, r.Error, r.Counts)
		}
	}
	ar, aw, err := simRequests(ctx, hc, central.URL)
	if err != nil {
		return res, err
	}
	res.CentralRequests = ar + aw - cr - cw
	logf("imported into the central lab in %s: %.0f objects/s, central lab %.2f of its capacity, fairness %.2f",
		res.Import.Round(time.Second), res.ObjectsPerSecond(), Utilization(res.CentralRequests, res.Import, o), res.Fairness())
	return res, nil
}

// stepsAtOnce starts a step of every remote together and polls them until
// each ends (or limit passes); runs are returned in the remotes' order,
// each with its own elapsed time from the common start.
func (f *fleet) stepsAtOnce(ctx context.Context, hc *http.Client, kind string, remotes []string, limit time.Duration) ([]ChaosRun, error) {
	started := time.Now()
	ids := make([]string, len(remotes))
	for i, r := range remotes {
		var out struct {
			Run map[string]any `json:"run"`
		}
		if err := f.api(ctx, hc, "POST", "/api/v1/remotes/"+r+"/"+kind, nil, &out); err != nil {
			return nil, err
		}
		ids[i] = fmt.Sprint(out.Run["id"])
	}
	runs := make([]ChaosRun, len(remotes))
	left := len(remotes)
	for left > 0 {
		if time.Since(started) > limit {
			return runs, fmt.Errorf("%s did not end within %s", kind, limit)
		}
		select {
		case <-ctx.Done():
			return runs, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		if dead := f.exited(); dead != "" {
			return runs, fmt.Errorf("%s exited during the %s (its log is in %s)", dead, kind, f.dir)
		}
		for i, id := range ids {
			if runs[i].Status != "" {
				continue
			}
			var out struct {
				Run map[string]any `json:"run"`
			}
			if err := f.api(ctx, hc, "GET", "/api/v1/runs/"+id, nil, &out); err != nil {
				return runs, err
			}
			switch st := fmt.Sprint(out.Run["status"]); st {
			case "succeeded", "partial", "failed", "cancelled":
				run := ChaosRun{Kind: kind, Status: st, Elapsed: runElapsed(out.Run, started), Counts: map[string]int{}}
				if e, ok := out.Run["error"].(string); ok {
					run.Error = e
				}
				for _, k := range []string{"total", "created", "updated", "unchanged", "failed"} {
					run.Counts[k] = countOf(out.Run, k)
				}
				runs[i] = run
				left--
			}
		}
	}
	return runs, nil
}

// runElapsed is how long a run took by its own record, from its creation
// to its end: the polling above sees the end up to 250 ms late, a share
// of a short import's figures (since the step was asked for when the
// record lacks either time).
func runElapsed(run map[string]any, asked time.Time) time.Duration {
	created, err1 := time.Parse(time.RFC3339Nano, fmt.Sprint(run["created_at"]))
	finished, err2 := time.Parse(time.RFC3339Nano, fmt.Sprint(run["finished_at"]))
	if err1 != nil || err2 != nil || finished.Before(created) {
		return time.Since(asked)
	}
	return finished.Sub(created)
}

// exited names a process of the fleet that is no longer running, if any.
func (f *fleet) exited() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, p := range f.procs {
		select {
		case <-p.done:
			return name
		default:
		}
	}
	return ""
}
