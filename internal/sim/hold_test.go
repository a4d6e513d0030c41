package sim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestLatencyHoldsTheThreadOnce: a request's work at the lab (here a
// listing of a thousand complete objects) happens within its latency, not
// after it: the thread is held for the latency, not for the latency plus
// the work, and the answer comes no sooner than the latency.
func TestLatencyHoldsTheThreadOnce(t *testing.T) {
	t.Parallel()
	lab, err := NewLab(Options{Users: []User{{Username: "admin", Password: "secret"}}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := Generate(lab, 8000); err != nil {
		t.Fatal(err)
	}
	faults := NewFaults(1)
	srv := httptest.NewServer(NewServer(lab, faults, nil))
	t.Cleanup(srv.Close)
	// held is how long the lab's one thread was held by one listing, and
	// took how long its client waited for it
	held := func(lat time.Duration) (held, took time.Duration) {
		t.Helper()
		if err := faults.Set(FaultConfig{Latency: Duration(lat), Capacity: 1}); err != nil {
			t.Fatal(err)
		}
		simStats(t, srv.URL, "POST", "/__sim/stats/reset")
		req, err := http.NewRequest("GET", srv.URL+"/senaite/@@API/senaite/v1/search?complete=yes&limit=5000&workflow=yes", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth("admin", "secret")
		sent := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		took = time.Since(sent)
		u := simStats(t, srv.URL, "GET", "/__sim/stats").Usage
		if u.Served != 1 || resp.StatusCode != 200 {
			t.Fatalf("served %d, status %d: want one listing", u.Served, resp.StatusCode)
		}
		return time.Duration(u.BusySeconds * float64(time.Second)), took
	}
	work := time.Hour
	for range 5 {
		w, _ := held(0)
		work = min(work, w)
	}
	t.Logf("the listing alone held the thread %s", work)
	lat := 5 * work
	got, took := held(lat)
	if took < lat {
		t.Errorf("answered after %s, want no sooner than the latency %s", took, lat)
	}
	if got < lat || got >= lat+work/2 {
		t.Errorf("the thread was held %s, want the latency %s with the listing's %s inside it, not %s",
			got, lat, work, lat+work)
	}
}
