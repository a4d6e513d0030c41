package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// MigrationOptions configure RunMigration.
type MigrationOptions struct {
	SimBinary, SyncBinary string
	Objects               int
	Seed                  int
	// Concurrency of the plain client measuring raw create capacity.
	Concurrency int
	Creates     int
	// Changed is the fraction of the source's objects edited after the
	// migration, before an update run is timed (0: no update run).
	Changed float64
	// DatabaseURL is a server URL; the bench database is recreated on it.
	DatabaseURL string
	// Database names the bench database ("" = senaite_sync_bench): two
	// benchmarks on one server at once each need their own, as a run
	// drops and recreates it. The standalone log is named after it.
	Database string
	// Log receives progress lines.
	Log io.Writer
}

// benchDatabaseName is what a bench database may be called: the name is
// written into DROP and CREATE DATABASE as it is.
var benchDatabaseName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// MigrationResult is one migration measured end to end.
type MigrationResult struct {
	Objects                   int
	Fetched, Imported         int
	FetchElapsed              time.Duration
	ImportElapsed             time.Duration
	LevelsElapsed             time.Duration
	FetchStatus, ImportStatus string
	ImportError               string
	RawCreates                int
	RawElapsed                time.Duration
	// DestReads and DestWrites are the requests the destination served
	// during the import run: what the import cost the lab.
	DestReads, DestWrites int64
	// DestRoutes are the import's requests to the destination by route.
	DestRoutes []RouteCount
	PeakRSS    int64
	// CPU time spent during each run by standalone, by the destination
	// simulator and by the local PostgreSQL server: on a machine they
	// share, the import's speed is where these cores go.
	FetchCPU, ImportCPU       time.Duration
	ImportSimCPU, ImportPgCPU time.Duration
	LogFile                   string
	// IDs are how many source objects there are of the types the
	// destination's ID server numbers, and how many of them sit at the
	// destination at the same path (same container, same id), counted
	// from both labs' listings, independently of senaite-sync's tables;
	// IDsChanged is what the import run itself counted.
	IDsSource, IDsKept, IDsChanged int
	// Update is the update run after Changed of the source was edited.
	Update *UpdateResult
}

// UpdateResult is one update run after a known number of source edits:
// what it read completely against what changed, and what it cost the labs.
type UpdateResult struct {
	Edited int
	// Refused counts edits the lab refused (locked objects) before the
	// wanted number was reached: senaite.jsonapi commits what it did
	// before the refusal, so those objects are modified at the source too.
	Refused               int
	Status                string
	Elapsed               time.Duration
	Counts                map[string]int
	SourceReads           int64
	DestReads, DestWrites int64
}

// FetchRate is objects stored per second of the fetch run.
func (r MigrationResult) FetchRate() float64 { return float64(r.Fetched) / r.FetchElapsed.Seconds() }

// ImportRate is objects settled per second of the import run.
func (r MigrationResult) ImportRate() float64 { return float64(r.Imported) / r.ImportElapsed.Seconds() }

// DestRequestRate is the requests per second the destination served
// during the import.
func (r MigrationResult) DestRequestRate() float64 {
	return float64(r.DestReads+r.DestWrites) / r.ImportElapsed.Seconds()
}

// RawRate is the destination simulator's plain create capacity.
func (r MigrationResult) RawRate() float64 { return float64(r.RawCreates) / r.RawElapsed.Seconds() }

// RunMigration starts a generated source lab, an empty destination and a
// second empty lab of the same build (the capacity probe), measures the
// probe's raw create rate with a plain concurrent client, then migrates the
// source into the destination with `senaite-sync standalone` (embedded NATS)
// and times the fetch and the import runs.
func RunMigration(ctx context.Context, o MigrationOptions) (MigrationResult, error) {
	var res MigrationResult
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	users := "admin:secret,verifier:secret"
	src, err := StartSim(ctx, o.SimBinary, "--objects", fmt.Sprint(o.Objects), "--seed", fmt.Sprint(o.Seed), "--users", users)
	if err != nil {
		return res, err
	}
	defer src.Stop()
	dst, err := StartSim(ctx, o.SimBinary, "--empty", "--seed", fmt.Sprint(o.Seed+1), "--users", users)
	if err != nil {
		return res, err
	}
	defer dst.Stop()
	probe, err := StartSim(ctx, o.SimBinary, "--empty", "--seed", fmt.Sprint(o.Seed+2), "--users", users)
	if err != nil {
		return res, err
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	counts, err := simStats(ctx, hc, src.URL)
	if err != nil {
		return res, err
	}
	for _, n := range counts {
		res.Objects += n
	}
	logf("source lab: %d objects; measuring raw create capacity (%d creates, %d clients)", res.Objects, o.Creates, o.Concurrency)
	res.RawCreates, res.RawElapsed, err = createClients(ctx, hc, probe.URL+"/@@API/senaite/v1", o.Creates, o.Concurrency)
	probe.Stop()
	if err != nil {
		return res, err
	}

	if o.Database == "" {
		o.Database = "senaite_sync_bench"
	}
	if !benchDatabaseName.MatchString(o.Database) {
		return res, fmt.Errorf("bench: database name %q: want lower-case letters, digits and _", o.Database)
	}
	dbURL, err := recreateDatabase(ctx, o.DatabaseURL, o.Database)
	if err != nil {
		return res, err
	}
	dir, err := os.MkdirTemp("", "senaite-bench")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	addr := ln.Addr().String()
	ln.Close()
	res.LogFile = filepath.Join(os.TempDir(), "senaite-bench-standalone.log")
	if o.Database != "senaite_sync_bench" {
		res.LogFile = filepath.Join(os.TempDir(), o.Database+"-standalone.log")
	}
	logFile, err := os.Create(res.LogFile)
	if err != nil {
		return res, err
	}
	defer logFile.Close()
	cmd := exec.CommandContext(ctx, o.SyncBinary, "standalone")
	cmd.Env = append(os.Environ(), "SENAITE_SYNC_DATABASE_URL="+dbURL, "SENAITE_SYNC_DATA_DIR="+dir,
		"SENAITE_SYNC_HTTP_ADDR="+addr, "SENAITE_SYNC_NATS_URL=", "SENAITE_SYNC_API_TOKEN=")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return res, fmt.Errorf("bench: start standalone: %w", err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	api := "http://" + addr
	var rssMu sync.Mutex
	sampleRSS := func() {
		if _, peak := ProcMemory(cmd.Process.Pid); peak > 0 {
			rssMu.Lock()
			res.PeakRSS = max(res.PeakRSS, peak)
			rssMu.Unlock()
		}
	}
	if err := waitHTTP(ctx, hc, api+"/readyz", 60*time.Second); err != nil {
		return res, err
	}
	for _, in := range []map[string]any{
		{"name": "source", "url": src.URL, "username": "admin", "password": "secret"},
		{"name": "destination", "url": dst.URL, "username": "admin", "password": "secret",
			"verifier_username": "verifier", "verifier_password": "secret"},
	} {
		if err := apiCall(ctx, hc, "POST", api+"/api/v1/instances", in, nil); err != nil {
			return res, err
		}
	}
	if err := apiCall(ctx, hc, "POST", api+"/api/v1/remotes", map[string]any{"name": "bench", "source": "source",
		"destination": "destination"}, nil); err != nil {
		return res, err
	}
	step := func(kind string) (map[string]any, time.Duration, error) {
		var out struct {
			Run map[string]any `json:"run"`
		}
		start := time.Now()
		if err := apiCall(ctx, hc, "POST", api+"/api/v1/remotes/bench/"+kind, nil, &out); err != nil {
			return nil, 0, err
		}
		id := fmt.Sprint(out.Run["id"])
		tick := time.NewTicker(time.Second) // polling is not free for the service measured
		defer tick.Stop()
		last := time.Now()
		for {
			select {
			case <-ctx.Done():
				return nil, 0, ctx.Err()
			case <-tick.C:
			}
			sampleRSS()
			if err := apiCall(ctx, hc, "GET", api+"/api/v1/runs/"+id, nil, &out); err != nil {
				return nil, 0, err
			}
			switch out.Run["status"] {
			case "succeeded", "partial", "failed", "cancelled":
				return out.Run, time.Since(start), nil
			}
			if time.Since(last) > 10*time.Second {
				last = time.Now()
				logf("  %s %v: %v %v", kind, out.Run["status"], out.Run["pages"], out.Run["progress"])
			}
		}
	}
	logf("fetch…")
	cpu0 := ProcCPU(cmd.Process.Pid)
	run, el, err := step("fetch")
	if err != nil {
		return res, err
	}
	res.FetchElapsed, res.FetchStatus = el, fmt.Sprint(run["status"])
	res.Fetched = countOf(run, "fetched")
	logf("fetch %s in %s; import…", res.FetchStatus, el.Round(time.Millisecond))
	importStart := time.Now()
	cpu1, sim1, pg1 := ProcCPU(cmd.Process.Pid), dst.CPU(), PostgresCPU()
	res.FetchCPU = cpu1 - cpu0
	reads0, writes0, err := simRequests(ctx, hc, dst.URL)
	if err != nil {
		return res, err
	}
	routes0, err := simRoutes(ctx, hc, dst.URL)
	if err != nil {
		return res, err
	}
	run, el, err = step("import")
	if err != nil {
		return res, err
	}
	res.ImportCPU, res.ImportSimCPU, res.ImportPgCPU = ProcCPU(cmd.Process.Pid)-cpu1, dst.CPU()-sim1, PostgresCPU()-pg1
	reads1, writes1, err := simRequests(ctx, hc, dst.URL)
	if err != nil {
		return res, err
	}
	res.DestReads, res.DestWrites = reads1-reads0, writes1-writes0
	routes1, err := simRoutes(ctx, hc, dst.URL)
	if err != nil {
		return res, err
	}
	res.DestRoutes = RouteDelta(routes0, routes1)
	res.ImportElapsed, res.ImportStatus, res.ImportError = el, fmt.Sprint(run["status"]), fmt.Sprint(run["error"])
	res.Imported = countOf(run, "total")
	res.IDsChanged = countOf(run, "ids_changed")
	if res.IDsSource, res.IDsKept, err = keptPaths(ctx, hc, src.URL+"/@@API/senaite/v1", dst.URL+"/@@API/senaite/v1"); err != nil {
		return res, err
	}
	if t, ok := logTime(res.LogFile, "levels imported; replaying workflows"); ok {
		res.LevelsElapsed = t.Sub(importStart)
	}
	sampleRSS()
	if o.Changed > 0 {
		u, err := timeUpdate(ctx, hc, src.URL, dst.URL, o.Changed, step, logf)
		if err != nil {
			return res, err
		}
		res.Update = u
		sampleRSS()
	}
	return res, nil
}

// timeUpdate edits fraction of the source's objects (their description,
// which every AT type has), then times an update run and counts what it
// read and wrote.
func timeUpdate(ctx context.Context, hc *http.Client, srcURL, dstURL string, fraction float64,
	step func(string) (map[string]any, time.Duration, error), logf func(string, ...any)) (*UpdateResult, error) {
	u := &UpdateResult{}
	var total int
	var err error
	if u.Edited, u.Refused, total, err = editSource(ctx, hc, srcURL, fraction, "changed by the bench"); err != nil {
		return nil, err
	}
	logf("edited %d of %d source objects; update…", u.Edited, total)
	srcReads0, _, err := simRequests(ctx, hc, srcURL)
	if err != nil {
		return nil, err
	}
	reads0, writes0, err := simRequests(ctx, hc, dstURL)
	if err != nil {
		return nil, err
	}
	run, el, err := step("update")
	if err != nil {
		return nil, err
	}
	srcReads1, _, err := simRequests(ctx, hc, srcURL)
	if err != nil {
		return nil, err
	}
	reads1, writes1, err := simRequests(ctx, hc, dstURL)
	if err != nil {
		return nil, err
	}
	u.Status, u.Elapsed = fmt.Sprint(run["status"]), el
	u.SourceReads, u.DestReads, u.DestWrites = srcReads1-srcReads0, reads1-reads0, writes1-writes0
	u.Counts = map[string]int{}
	for _, k := range []string{"total", "fetched", "created", "updated", "unchanged", "skipped", "conflicts", "failed"} {
		u.Counts[k] = countOf(run, k)
	}
	return u, nil
}

// editSource edits fraction of the source's objects (their description,
// which every AT type has), spread over the listing; it returns the edits
// made, those the lab refused (structural folders, locked objects: the
// next one is taken) and the objects listed.
func editSource(ctx context.Context, hc *http.Client, srcURL string, fraction float64, text string) (edited, refused, total int, err error) {
	api := srcURL + "/@@API/senaite/v1"
	uids, err := listUIDs(ctx, hc, api)
	if err != nil {
		return 0, 0, 0, err
	}
	want := int(float64(len(uids)) * fraction)
	every := max(1, int(1/fraction))
	for i := 0; i < len(uids) && edited < want; i++ {
		if i%every != 0 && len(uids)-i > (want-edited)*every {
			continue
		}
		body, _ := json.Marshal(map[string]any{"description": fmt.Sprintf("%s %d", text, i)})
		if err := post(ctx, hc, api+"/update/"+uids[i], body, "admin", "secret"); err == nil {
			edited++
		} else {
			refused++
		}
	}
	return edited, refused, len(uids), nil
}

// listUIDs reads every object's UID from the lab's light search pages
// (no portal type: uid_catalog, every object, in no stable order).
func listUIDs(ctx context.Context, hc *http.Client, api string) ([]string, error) {
	var uids []string
	for start := 0; ; start += 1000 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet,
			fmt.Sprintf("%s/search?limit=1000&b_start=%d", api, start), nil)
		req.SetBasicAuth("admin", "secret")
		resp, err := hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("bench: list source: %w", err)
		}
		var env struct {
			Next  *string `json:"next"`
			Items []struct {
				UID string `json:"uid"`
			} `json:"items"`
		}
		err = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("bench: list source: %w", err)
		}
		for _, it := range env.Items {
			uids = append(uids, it.UID)
		}
		if env.Next == nil || len(env.Items) == 0 {
			return uids, nil
		}
	}
}

// keptPaths counts the source's objects outside the structural folders and
// how many of them the destination holds at the same path: the same id in
// the same container. Analyses inside samples are left out (the
// destination names them itself after their keyword, with the sample).
func keptPaths(ctx context.Context, hc *http.Client, srcAPI, dstAPI string) (total, kept int, err error) {
	list := func(api string) (map[string]bool, error) {
		out := map[string]bool{}
		for start := 0; ; start += 1000 {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/search?limit=1000&b_start=%d", api, start), nil)
			req.SetBasicAuth("admin", "secret")
			resp, err := hc.Do(req)
			if err != nil {
				return nil, fmt.Errorf("bench: list paths: %w", err)
			}
			var env struct {
				Count int `json:"count"`
				Items []struct {
					Path       string `json:"path"`
					PortalType string `json:"portal_type"`
				} `json:"items"`
			}
			err = json.NewDecoder(resp.Body).Decode(&env)
			resp.Body.Close()
			if err != nil {
				return nil, fmt.Errorf("bench: list paths: %w", err)
			}
			for _, it := range env.Items {
				if it.PortalType == "Analysis" || strings.Count(it.Path, "/") < 3 {
					continue
				}
				out[it.PortalType+" "+it.Path[strings.Index(it.Path[1:], "/")+1:]] = true
			}
			if start+1000 >= env.Count {
				return out, nil
			}
		}
	}
	src, err := list(srcAPI)
	if err != nil {
		return 0, 0, err
	}
	dst, err := list(dstAPI)
	if err != nil {
		return 0, 0, err
	}
	for p := range src {
		total++
		if dst[p] {
			kept++
		}
	}
	return total, kept, nil
}

func countOf(run map[string]any, key string) int {
	c, _ := run["counts"].(map[string]any)
	n, _ := c[key].(float64)
	return int(n)
}

// logTime finds the time of the first log line containing msg.
func logTime(path, msg string) (time.Time, bool) {
	f, err := os.Open(path)
	if err != nil {
		return time.Time{}, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, msg) {
			continue
		}
		if v, ok := strings.CutPrefix(line, "time="); ok {
			v, _, _ = strings.Cut(v, " ")
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// createClients creates n clients with conc concurrent requests: the
// plainest write a lab takes.
func createClients(ctx context.Context, hc *http.Client, api string, n, conc int) (int, time.Duration, error) {
	folder, err := folderUID(ctx, hc, api, "clients", "admin", "secret")
	if err != nil {
		return 0, 0, err
	}
	var next, failures atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < conc; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := next.Add(1)
				if k > int64(n) {
					return
				}
				body, _ := json.Marshal(map[string]any{"portal_type": "Client", "parent_uid": folder,
					"Name": fmt.Sprintf("Bench client %d", k), "ClientID": fmt.Sprintf("BC%05d", k),
					"EmailAddress": fmt.Sprintf("lab%d@example.org", k), "Phone": "+34 900 000 000"})
				if err := post(ctx, hc, api+"/create", body, "admin", "secret"); err != nil {
					failures.Add(1)
					once.Do(func() { firstErr = err })
				}
			}
		}()
	}
	wg.Wait()
	return n - int(failures.Load()), time.Since(start), firstErr
}

// recreateDatabase drops and creates name on the server of serverURL and
// returns its URL.
func recreateDatabase(ctx context.Context, serverURL, name string) (string, error) {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return "", fmt.Errorf("bench: postgres: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return "", fmt.Errorf("bench: drop %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("bench: create %s: %w", name, err)
	}
	cfg := conn.Config()
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name), nil
}

func waitHTTP(ctx context.Context, hc *http.Client, u string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("bench: %s did not answer within %s", u, limit)
}

func apiCall(ctx context.Context, hc *http.Client, method, u string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequestWithContext(ctx, method, u, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("bench: %s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("bench: %s %s: %d %s", method, u, resp.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}
