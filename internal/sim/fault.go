package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Fault kinds, as the admin route and FailNext name them.
const (
	Fault5xx       = "5xx"       // a proxy's 503 page
	FaultHTML500   = "html500"   // Zope's HTML "Site Error" page, status 500
	FaultDrop      = "drop"      // the connection is closed without an answer
	FaultTimeout   = "timeout"   // no answer until the client gives up
	FaultMalformed = "malformed" // a JSON body cut in half
	FaultAPIError  = "apierror"  // HTTP 200 with success:false (a ZODB conflict)
)

// FaultConfig is what a test or an operator sets to break a lab: latency,
// a bound on requests served at once, and rates (0..1) of each fault.
type FaultConfig struct {
	Latency       Duration `json:"latency"`
	Capacity      int      `json:"capacity"`
	ErrorRate     float64  `json:"error_rate"`
	HTMLErrorRate float64  `json:"html_error_rate"`
	DropRate      float64  `json:"drop_rate"`
	TimeoutRate   float64  `json:"timeout_rate"`
	MalformedRate float64  `json:"malformed_rate"`
	APIErrorRate  float64  `json:"api_error_rate"`
	// PathContains limits random faults and FailNext to requests whose path
	// contains it ("" = every API request).
	PathContains string `json:"path_contains"`
	// FailNext injects these faults, in order, into the next matching
	// requests: a deterministic way to break exactly one page or one create.
	FailNext []string `json:"fail_next"`
}

// Duration is a time.Duration that reads and writes "20ms" in JSON.
type Duration time.Duration

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "20ms" or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("latency: %w", err)
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("latency: want a duration like \"20ms\"")
	}
	*d = Duration(n)
	return nil
}

// Faults injects the configured faults; safe for concurrent use and
// adjustable while the simulator runs.
type Faults struct {
	mu     sync.Mutex
	cfg    FaultConfig
	rng    *mrand.Rand
	sem    chan struct{}
	counts map[string]int
}

// NewFaults returns an injector with no faults.
func NewFaults(seed uint64) *Faults {
	return &Faults{rng: mrand.New(mrand.NewPCG(seed, seed+1)), counts: map[string]int{}}
}

// Config returns the current configuration.
func (f *Faults) Config() FaultConfig {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.cfg
	c.FailNext = append([]string(nil), f.cfg.FailNext...)
	return c
}

// Counts returns how many faults of each kind were injected.
func (f *Faults) Counts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.counts))
	for k, v := range f.counts {
		out[k] = v
	}
	return out
}

// Set replaces the configuration after validating it.
func (f *Faults) Set(c FaultConfig) error {
	for name, r := range map[string]float64{"error_rate": c.ErrorRate, "html_error_rate": c.HTMLErrorRate,
		"drop_rate": c.DropRate, "timeout_rate": c.TimeoutRate, "malformed_rate": c.MalformedRate,
		"api_error_rate": c.APIErrorRate} {
		if r < 0 || r > 1 {
			return fmt.Errorf("%s: must be between 0 and 1, got %g", name, r)
		}
	}
	if c.Capacity < 0 {
		return fmt.Errorf("capacity: must not be negative")
	}
	for _, k := range c.FailNext {
		switch k {
		case Fault5xx, FaultHTML500, FaultDrop, FaultTimeout, FaultMalformed, FaultAPIError:
		default:
			return fmt.Errorf("fail_next: unknown fault %q", k)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c.Capacity != f.cfg.Capacity {
		if c.Capacity > 0 {
			f.sem = make(chan struct{}, c.Capacity)
		} else {
			f.sem = nil
		}
	}
	f.cfg = c
	return nil
}

// admit waits for a free slot when capacity is bounded: requests beyond it
// queue, as behind a Zope server with a fixed number of threads. It
// answers when the request got its thread and the latency it holds it
// for (heldResponse).
func (f *Faults) admit(ctx context.Context) (func(), time.Time, time.Duration, bool) {
	f.mu.Lock()
	sem := f.sem
	lat := time.Duration(f.cfg.Latency)
	f.mu.Unlock()
	if sem != nil {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return nil, time.Time{}, 0, false
		}
	}
	return func() {
		if sem != nil {
			<-sem
		}
	}, time.Now(), lat, true
}

// pick decides which fault (if any) hits a request.
func (f *Faults) pick(path string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cfg.PathContains != "" && !strings.Contains(path, f.cfg.PathContains) {
		return ""
	}
	if len(f.cfg.FailNext) > 0 {
		k := f.cfg.FailNext[0]
		f.cfg.FailNext = f.cfg.FailNext[1:]
		f.counts[k]++
		return k
	}
	r := f.rng.Float64()
	for _, c := range []struct {
		kind string
		rate float64
	}{{Fault5xx, f.cfg.ErrorRate}, {FaultHTML500, f.cfg.HTMLErrorRate}, {FaultDrop, f.cfg.DropRate},
		{FaultTimeout, f.cfg.TimeoutRate}, {FaultMalformed, f.cfg.MalformedRate}, {FaultAPIError, f.cfg.APIErrorRate}} {
		if r < c.rate {
			f.counts[c.kind]++
			return c.kind
		}
		r -= c.rate
	}
	return ""
}

// inject answers the request with a fault when one is due and reports
// whether it did; a malformed fault is reported for finish to apply.
func (f *Faults) inject(w http.ResponseWriter, r *http.Request) (handled, malformed bool) {
	switch f.pick(r.URL.Path) {
	case Fault5xx:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("<html><body><h1>503 Service Unavailable</h1>No server is available to handle this request.</body></html>"))
		return true, false
	case FaultHTML500:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("<html><head><title>Site Error</title></head><body><h2>Site Error</h2>" +
			"<p>An error was encountered while publishing this resource.</p><p><strong>ConflictError</strong></p>" +
			"Sorry, a site error occurred.</body></html>"))
		return true, false
	case FaultDrop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true, false
			}
		}
		panic(http.ErrAbortHandler)
	case FaultTimeout:
		// the body is read first: until it is, net/http cannot notice the
		// client hanging up, and the handler would outlive it
		_, _ = io.Copy(io.Discard, r.Body)
		t := time.NewTimer(2 * time.Minute)
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-t.C:
		}
		return true, false
	case FaultMalformed:
		return false, true
	case FaultAPIError:
		b := []byte(`{"success": false, "message": "ConflictError: database conflict error (oid 0x2f3a, class Products.ZCatalog.ZCatalog, serial this txn started with 0x03e5 2025-04-04 10:00:00.000000, serial currently committed 0x03e6 2025-04-04 10:00:00.100000)", "_runtime": 0.0123}`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
		return true, false
	}
	return false, false
}

// serveAdmin answers the simulator-only routes: GET/PUT /__sim/faults,
// GET /__sim/stats, POST /__sim/stats/reset, POST /__sim/save.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	writeJSON := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	switch r.URL.Path {
	case "/__sim/faults":
		switch r.Method {
		case http.MethodGet:
			writeJSON(200, s.faults.Config())
		case http.MethodPut, http.MethodPost:
			cfg := s.faults.Config()
			dec := json.NewDecoder(r.Body)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&cfg); err != nil {
				writeJSON(400, map[string]string{"error": err.Error()})
				return
			}
			if err := s.faults.Set(cfg); err != nil {
				writeJSON(400, map[string]string{"error": err.Error()})
				return
			}
			writeJSON(200, s.faults.Config())
		default:
			writeJSON(405, map[string]string{"error": "use GET or PUT"})
		}
	case "/__sim/stats":
		st := s.lab.Stats(s.faults)
		st.Requests = map[string]int64{"reads": s.reads.Load(), "writes": s.writes.Load()}
		st.ByRoute = s.routeCounts()
		st.InFlight, st.PeakInFlight, st.PeakRequestsPerSecond = s.load.read()
		st.Usage = s.load.usage(time.Now())
		writeJSON(200, st)
	case "/__sim/stats/reset":
		if r.Method != http.MethodPost {
			writeJSON(405, map[string]string{"error": "use POST"})
			return
		}
		s.load.reset()
		st := s.lab.Stats(s.faults)
		st.Requests = map[string]int64{"reads": s.reads.Load(), "writes": s.writes.Load()}
		st.ByRoute = s.routeCounts()
		st.InFlight, st.PeakInFlight, st.PeakRequestsPerSecond = s.load.read()
		st.Usage = s.load.usage(time.Now())
		writeJSON(200, st)
	case "/__sim/save":
		if r.Method != http.MethodPost {
			writeJSON(405, map[string]string{"error": "use POST"})
			return
		}
		if err := s.lab.SaveFile(""); err != nil {
			writeJSON(500, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(200, map[string]string{"saved": s.lab.dataFile})
	default:
		writeJSON(404, map[string]string{"error": "unknown admin route"})
	}
}

// Stats is the lab's summary for the admin route and the demo.
type Stats struct {
	Flavor  Flavor         `json:"flavor"`
	Total   int            `json:"total"`
	ByType  map[string]int `json:"by_type"`
	Faults  map[string]int `json:"faults_injected"`
	Version uint64         `json:"version"`
	// Requests served on the site since start: reads (GET) and writes.
	Requests map[string]int64 `json:"requests,omitempty"`
	// ByRoute counts them by method and route ("GET search", "POST
	// update", "GET <uid>"): which requests a client's work costs.
	ByRoute map[string]int64 `json:"by_route,omitempty"`
	// InFlight are the site's requests being answered now (queued behind
	// the capacity included); PeakInFlight the most at once, and
	// PeakRequestsPerSecond the most that arrived within one second
	// (sliding, in steps of 100 ms), since start or the last
	// POST /__sim/stats/reset: what a test of a lab's bounds checks.
	InFlight              int64 `json:"in_flight"`
	PeakInFlight          int64 `json:"peak_in_flight"`
	PeakRequestsPerSecond int64 `json:"peak_requests_per_second"`
	// Usage is what the lab's threads did over the same span.
	Usage Usage `json:"usage"`
}

// Stats counts objects per portal type.
func (l *Lab) Stats(f *Faults) Stats {
	l.mu.RLock()
	defer l.mu.RUnlock()
	st := Stats{Flavor: l.fl.flavor, Total: len(l.all), ByType: map[string]int{}, Version: l.version}
	for t, list := range l.byType {
		if len(list) > 0 {
			st.ByType[t] = len(list)
		}
	}
	if f != nil {
		st.Faults = f.Counts()
	}
	return st
}
