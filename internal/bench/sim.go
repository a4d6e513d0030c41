package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// SimResult is the simulator's raw capacity as a plain concurrent client
// sees it over loopback.
type SimResult struct {
	Objects        int
	Startup        time.Duration
	RSS, PeakRSS   int64
	ListedItems    int
	ListElapsed    time.Duration
	Creates        int
	CreateElapsed  time.Duration
	CreateFailures int
}

// ItemsPerSecond is complete items listed per second.
func (r SimResult) ItemsPerSecond() float64 { return float64(r.ListedItems) / r.ListElapsed.Seconds() }

// CreatesPerSecond is objects created per second.
func (r SimResult) CreatesPerSecond() float64 { return float64(r.Creates) / r.CreateElapsed.Seconds() }

// SimOptions configure RunSim.
type SimOptions struct {
	Binary      string
	Objects     int
	Concurrency int
	PageSize    int
	Creates     int
	Username    string
	Password    string
}

// RunSim starts a generated lab and an empty one, reads every object of the
// first completely (complete=yes&workflow=yes, as a fetcher does) and
// creates objects in the second, and reports the rates.
func RunSim(ctx context.Context, o SimOptions) (SimResult, error) {
	var res SimResult
	full, err := StartSim(ctx, o.Binary, "--objects", fmt.Sprint(o.Objects), "--users", o.Username+":"+o.Password)
	if err != nil {
		return res, err
	}
	defer full.Stop()
	res.Startup = full.Startup
	res.RSS, res.PeakRSS = full.Memory()

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency * 2}}
	counts, err := simStats(ctx, hc, full.URL)
	if err != nil {
		return res, err
	}
	type pageReq struct {
		portalType string
		bStart     int
	}
	var pages []pageReq
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		res.Objects += counts[t]
		for s := 0; s < counts[t]; s += o.PageSize {
			pages = append(pages, pageReq{t, s})
		}
	}
	api := full.URL + "/@@API/senaite/v1"
	work := make(chan pageReq)
	var listed atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < o.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 1<<20)
			for p := range work {
				q := url.Values{"portal_type": {p.portalType}, "complete": {"yes"}, "workflow": {"yes"},
					"sort_on": {"created"}, "limit": {fmt.Sprint(o.PageSize)}, "b_start": {fmt.Sprint(p.bStart)}}
				want := min(o.PageSize, counts[p.portalType]-p.bStart)
				if err := readPage(ctx, hc, api+"/search?"+q.Encode(), o.Username, o.Password, counts[p.portalType], buf); err != nil {
					errOnce.Do(func() { firstErr = err })
					continue
				}
				listed.Add(int64(want))
			}
		}()
	}
	for _, p := range pages {
		work <- p
	}
	close(work)
	wg.Wait()
	res.ListElapsed = time.Since(start)
	res.ListedItems = int(listed.Load())
	if firstErr != nil {
		return res, firstErr
	}
	if _, peak := full.Memory(); peak > res.PeakRSS {
		res.PeakRSS = peak
	}
	full.Stop()

	empty, err := StartSim(ctx, o.Binary, "--empty", "--users", o.Username+":"+o.Password)
	if err != nil {
		return res, err
	}
	defer empty.Stop()
	res.Creates, res.CreateElapsed, err = createClients(ctx, hc, empty.URL+"/@@API/senaite/v1", o.Creates, o.Concurrency)
	res.CreateFailures = o.Creates - res.Creates
	if err != nil {
		return res, err
	}
	return res, firstErr
}

// simStatsOf reads a simulator's /__sim/stats: objects by type, requests
// served (reads, writes) and by route.
func simStatsOf(ctx context.Context, hc *http.Client, siteURL string) (labStats, error) {
	var st labStats
	u, err := url.Parse(siteURL)
	if err != nil {
		return st, err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.Scheme+"://"+u.Host+"/__sim/stats", nil)
	resp, err := hc.Do(req)
	if err != nil {
		return st, fmt.Errorf("bench: stats: %w", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("bench: stats: %w", err)
	}
	return st, nil
}

// labStats is what the benchmarks read of /__sim/stats.
type labStats struct {
	ByType   map[string]int   `json:"by_type"`
	Requests map[string]int64 `json:"requests"`
	ByRoute  map[string]int64 `json:"by_route"`
	Usage    LabUsage         `json:"usage"`
}

// LabUsage is what a simulated lab's threads did since its stats were
// last reset (sim.Usage).
type LabUsage struct {
	Seconds      float64 `json:"seconds"`
	Served       int64   `json:"served"`
	BusySeconds  float64 `json:"busy_seconds"`
	QueueWait    float64 `json:"queue_wait_mean_seconds"`
	QueueWaitP95 float64 `json:"queue_wait_p95_seconds"`
}

// simReset starts a simulator's peaks and usage again (POST
// /__sim/stats/reset).
func simReset(ctx context.Context, hc *http.Client, siteURL string) error {
	u, err := url.Parse(siteURL)
	if err != nil {
		return err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u.Scheme+"://"+u.Host+"/__sim/stats/reset", nil)
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("bench: reset stats: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: reset stats: %s", resp.Status)
	}
	return nil
}

func simStats(ctx context.Context, hc *http.Client, siteURL string) (map[string]int, error) {
	st, err := simStatsOf(ctx, hc, siteURL)
	return st.ByType, err
}

// simRequests reads how many requests a simulator served (reads, writes).
func simRequests(ctx context.Context, hc *http.Client, siteURL string) (int64, int64, error) {
	st, err := simStatsOf(ctx, hc, siteURL)
	return st.Requests["reads"], st.Requests["writes"], err
}

// simRoutes reads a simulator's requests by method and route.
func simRoutes(ctx context.Context, hc *http.Client, siteURL string) (map[string]int64, error) {
	st, err := simStatsOf(ctx, hc, siteURL)
	return st.ByRoute, err
}

// RouteDelta is what a step cost a lab per route, most first.
func RouteDelta(before, after map[string]int64) []RouteCount {
	var out []RouteCount
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			out = append(out, RouteCount{Route: k, Requests: d})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Requests > out[j].Requests })
	return out
}

// RouteCount is one route's requests.
type RouteCount struct {
	Route    string
	Requests int64
}

// readPage reads one listing page as cheaply as a client can (the client
// shares the machine's cores with the simulator it measures): the body is
// read whole and checked for the envelope's count and a closing brace; the
// item count follows from plone.batching's arithmetic.
func readPage(ctx context.Context, hc *http.Client, u, user, pw string, count int, buf []byte) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	req.SetBasicAuth(user, pw)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b := bytes.NewBuffer(buf[:0])
	if _, err := b.ReadFrom(resp.Body); err != nil {
		return err
	}
	body := b.Bytes()
	if resp.StatusCode != 200 || len(body) == 0 || body[len(body)-1] != '}' ||
		!bytes.Contains(body, []byte(fmt.Sprintf(`"count": %d,`, count))) {
		return fmt.Errorf("bench: %s: unexpected answer %d %.200s", u, resp.StatusCode, body)
	}
	return nil
}

// folderUID finds a root folder's UID by its path (uid_catalog has a path index).
func folderUID(ctx context.Context, hc *http.Client, api, id, user, pw string) (string, error) {
	site := api[:strings.Index(api, "/@@API")]
	u, _ := url.Parse(site)
	q := url.Values{"path": {u.Path + "/" + id}, "depth": {"0"}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, api+"/search?"+q.Encode(), nil)
	req.SetBasicAuth(user, pw)
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var env struct {
		Items []struct {
			UID string `json:"uid"`
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || len(env.Items) != 1 {
		return "", fmt.Errorf("bench: no folder %s (%v)", id, err)
	}
	return env.Items[0].UID, nil
}

func post(ctx context.Context, hc *http.Client, u string, body []byte, user, pw string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	req.SetBasicAuth(user, pw)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || bytes.Contains(raw, []byte(`"success": false`)) {
		return fmt.Errorf("bench: create: %d %s", resp.StatusCode, raw)
	}
	return nil
}
