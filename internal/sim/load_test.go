package sim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestLoadWindow: the peak rate is the most requests that arrived within
// one second (ten 100-ms buckets); older ones leave the window.
func TestLoadWindow(t *testing.T) {
	t.Parallel()
	var l load
	t0 := time.Unix(1_000_000, 0)
	var ends []func()
	for i := range 5 { // 5 within 450 ms, all still in flight
		ends = append(ends, l.begin(t0.Add(time.Duration(i)*100*time.Millisecond+50*time.Millisecond)))
	}
	if in, peak, rate := l.read(); in != 5 || peak != 5 || rate != 5 {
		t.Fatalf("in flight %d, peak %d, rate %d; want 5 5 5", in, peak, rate)
	}
	for _, end := range ends {
		end()
	}
	l.begin(t0.Add(1200 * time.Millisecond))() // the first three have left the window: 2+1
	l.begin(t0.Add(1250 * time.Millisecond))() // 2+2: still no more than 5
	if in, peak, rate := l.read(); in != 0 || peak != 5 || rate != 5 {
		t.Fatalf("in flight %d, peak %d, rate %d; want 0 5 5", in, peak, rate)
	}
	for i := range 7 { // 7 in the same bucket, long after: the window starts empty
		l.begin(t0.Add(5*time.Second + time.Duration(i)*time.Millisecond))()
	}
	if _, _, rate := l.read(); rate != 7 {
		t.Fatalf("rate %d, want 7", rate)
	}
	l.begin(t0.Add(4 * time.Second))() // a clock stepping back counts in the newest bucket
	if _, _, rate := l.read(); rate != 8 {
		t.Fatalf("rate %d, want 8", rate)
	}
}

// TestStatsCountLoad: /__sim/stats shows the site's requests in flight,
// the most at once and the most in one second, admin routes aside, and
// POST /__sim/stats/reset starts the peaks again.
func TestStatsCountLoad(t *testing.T) {
	t.Parallel()
	lab, err := NewLab(Options{Users: []User{{Username: "admin", Password: "secret"}}})
	if err != nil {
		t.Fatal(err)
	}
	faults := NewFaults(1)
	if err := faults.Set(FaultConfig{Latency: Duration(300 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewServer(lab, faults, nil))
	t.Cleanup(srv.Close)
	stats := func(method, route string) Stats { t.Helper(); return simStats(t, srv.URL, method, route) }
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			resp, err := http.Get(srv.URL + "/senaite/@@API/senaite/v1/version")
			if err == nil {
				resp.Body.Close()
			}
		})
	}
	seen := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !seen; time.Sleep(5 * time.Millisecond) { // bounded poll
		seen = stats("GET", "/__sim/stats").InFlight == 4
	}
	wg.Wait()
	if !seen {
		t.Fatal("the four requests were never seen in flight")
	}
	st := stats("GET", "/__sim/stats")
	if st.InFlight != 0 || st.PeakInFlight != 4 || st.PeakRequestsPerSecond != 4 {
		t.Fatalf("in flight %d, peak %d, peak per second %d; want 0 4 4 (the admin routes not counted)",
			st.InFlight, st.PeakInFlight, st.PeakRequestsPerSecond)
	}
	if st := stats("POST", "/__sim/stats/reset"); st.PeakInFlight != 0 || st.Requests["reads"] != 4 {
		t.Fatalf("after a reset: peak %d, reads %d; want 0 and the reads kept", st.PeakInFlight, st.Requests["reads"])
	}
	if resp, err := http.Get(srv.URL + "/__sim/stats/reset"); err != nil || resp.StatusCode != 405 {
		t.Fatalf("GET reset: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

// TestStatsCountThreadUsage: behind a capacity of one thread, two requests
// sent together are served one after the other: the lab reports both
// served, one thread held for both latencies, and the second's wait for
// the thread; a reset starts the usage again.
func TestStatsCountThreadUsage(t *testing.T) {
	t.Parallel()
	lab, err := NewLab(Options{Users: []User{{Username: "admin", Password: "secret"}}})
	if err != nil {
		t.Fatal(err)
	}
	const lat = 200 * time.Millisecond
	faults := NewFaults(1)
	if err := faults.Set(FaultConfig{Latency: Duration(lat), Capacity: 1}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewServer(lab, faults, nil))
	t.Cleanup(srv.Close)
	stats := func(method, route string) Stats { t.Helper(); return simStats(t, srv.URL, method, route) }
	stats("POST", "/__sim/stats/reset")
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			resp, err := http.Get(srv.URL + "/senaite/@@API/senaite/v1/version")
			if err == nil {
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	u := stats("GET", "/__sim/stats").Usage
	if u.Served != 2 {
		t.Fatalf("served %d, want 2", u.Served)
	}
	if u.BusySeconds < 2*lat.Seconds() || u.BusySeconds > 4*lat.Seconds() {
		t.Errorf("busy %.3fs, want about %.3fs (two requests of %s on one thread)", u.BusySeconds, 2*lat.Seconds(), lat)
	}
	// one waited a whole latency, the other none: the mean is half of it
	if u.QueueWait < 0.4*lat.Seconds() || u.QueueWait > 1.5*lat.Seconds() {
		t.Errorf("mean queue wait %.3fs, want about %.3fs", u.QueueWait, lat.Seconds()/2)
	}
	if u.QueueWaitP95 < 0.8*lat.Seconds() || u.QueueWaitP95 > 2*lat.Seconds() {
		t.Errorf("95th percentile of the wait %.3fs, want about %.3fs", u.QueueWaitP95, lat.Seconds())
	}
	if u := stats("POST", "/__sim/stats/reset").Usage; u.Served != 0 || u.BusySeconds != 0 || u.QueueWaitP95 != 0 {
		t.Errorf("after a reset: %+v, want nothing served", u)
	}
}

// TestWaitQuantile: the histogram answers a quantile within a bucket's
// width (25 %).
func TestWaitQuantile(t *testing.T) {
	t.Parallel()
	var h waitHistogram
	for i := range 100 {
		h[waitBucket(time.Duration(i+1)*time.Millisecond)]++
	}
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.95, 95 * time.Millisecond}, {0, time.Millisecond}} {
		got := h.quantile(tt.q)
		if got < tt.want || float64(got) > 1.3*float64(tt.want) {
			t.Errorf("quantile(%g) = %s, want %s within 25 %%", tt.q, got, tt.want)
		}
	}
	if got := (&waitHistogram{}).quantile(0.95); got != 0 {
		t.Errorf("empty: %s", got)
	}
}

// simStats asks a simulator's admin stats route (GET /__sim/stats, or POST
// its reset) and decodes the answer.
func simStats(t *testing.T, base, method, route string) Stats {
	t.Helper()
	req, _ := http.NewRequest(method, base+route, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %d", method, route, resp.StatusCode)
	}
	var st Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}
