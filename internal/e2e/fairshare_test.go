package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/sim"
)

// TestSmallLabsAreNotQueuedBehindABigOne (issue #13, many remotes at
// once): one big lab (2,000 objects) and four small ones (60), each into
// an empty lab of its own, through one standalone process whose workers
// the remotes share (queue.Work).
//
// Fetch: the big lab's fetch first — 400-odd pages of 5 from sources that
// answer in 20 ms, two fetch slots — then, once it reads its pages, the
// four small ones, published after it; each small fetch succeeds before
// the big one does. Taken in the order they were published (one consumer
// for every remote, before issue #13), every page of the big lab came
// first, and the small fetches ended after it.
//
// Import: the five started together; each small import succeeds before the
// big one does. (With empty destinations an import publishes one object
// per ID sequence at a time, and a big level is mostly analyses adopted
// with their sample, cheap to settle: this held with one shared consumer
// too — the fetch is where a big lab held the small ones back.)
func TestSmallLabsAreNotQueuedBehindABigOne(t *testing.T) {
	d := newDeployment(t)
	d.env = append(d.env, "SENAITE_SYNC_NATS_URL=", "SENAITE_SYNC_FETCH_CONCURRENCY=2")
	d.start("standalone")
	d.waitAPI()
	f := &fleet{d: d, labs: map[string]*sim.Lab{}, urls: map[string]string{}}
	// lab registers a lab answering every request after latency
	lab := func(name string, objects int, seed uint64, latency time.Duration) {
		t.Helper()
		l, _ := sim.NewLab(sim.Options{Seed: seed, Users: labUsers})
		if objects > 0 {
			if err := sim.Generate(l, objects); err != nil {
				t.Fatal(err)
			}
		}
		faults := sim.NewFaults(seed)
		if err := faults.Set(sim.FaultConfig{Latency: sim.Duration(latency)}); err != nil {
			t.Fatal(err)
		}
		f.labs[name], f.urls[name] = l, labServerWith(t, l, faults)
		if st := d.call("POST", "/api/v1/instances", map[string]any{"name": name, "url": f.urls[name],
			"username": "admin", "password": "secret", "verifier_username": "verifier", "verifier_password": "pw"}, nil); st != http.StatusCreated {
			t.Fatalf("instance %s: %d", name, st)
		}
	}
	pages := map[string]any{"page_size": 5}
	lab("big", 2000, 703, 20*time.Millisecond) // a seed without inactive profiles, which cannot travel (README)
	lab("big_copy", 0, 730, 0)
	f.remote("big", "big", "big_copy", pages)
	remotes := []string{"big"}
	for i := 0; i < 4; i++ {
		name := fmt.Sprintf("small%d", i)
		lab(name, 60, uint64(710+i), 20*time.Millisecond)
		lab(name+"_copy", 0, uint64(720+i), 0)
		f.remote(name, name, name+"_copy", pages)
		remotes = append(remotes, name)
	}

	start := func(kind, r string) string {
		t.Helper()
		var out run
		if st := d.call("POST", "/api/v1/remotes/"+r+"/"+kind, nil, &out); st != http.StatusAccepted {
			t.Fatalf("%s %s: %d", r, kind, st)
		}
		return out.Run.ID
	}
	// finish waits for every run to succeed and returns when each did,
	// from started
	finish := func(kind string, ids map[string]string, started time.Time) map[string]time.Duration {
		t.Helper()
		took := map[string]time.Duration{}
		for deadline := time.Now().Add(180 * time.Second); len(took) < len(ids); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				d.dumpLogs()
				t.Fatalf("%s not finished: %v of %v", kind, took, ids)
			}
			for r, id := range ids {
				if _, done := took[r]; done {
					continue
				}
				var out run
				d.call("GET", "/api/v1/runs/"+id, nil, &out)
				switch out.Run.Status {
				case "succeeded":
					took[r] = time.Since(started)
					t.Logf("%s %s succeeded after %s: %v", r, kind, took[r].Round(100*time.Millisecond), out.Run.Counts)
				case "partial", "failed", "cancelled":
					var objs map[string]any
					d.call("GET", "/api/v1/remotes/"+r+"/objects?state=failed&limit=10", nil, &objs)
					t.Fatalf("%s %s %s: %s %v; failed: %v", r, kind, out.Run.Status, out.Run.Error, out.Run.Counts, objs["objects"])
				}
			}
		}
		for _, r := range remotes[1:] {
			if took[r] >= took["big"] {
				t.Errorf("%s %s finished after the big one (%s, the big one %s)", r, kind, took[r], took["big"])
			}
		}
		return took
	}

	// fetch: the big lab's pages are queued before the small labs'
	ids := map[string]string{"big": start("fetch", "big")}
	for deadline := time.Now().Add(60 * time.Second); labReads(t, f.urls["big"]) < 60; time.Sleep(20 * time.Millisecond) {
		// planned (a count per type), its pages published and being read
		if time.Now().After(deadline) {
			t.Fatal("the big fetch did not start reading pages")
		}
	}
	started := time.Now()
	for _, r := range remotes[1:] {
		ids[r] = start("fetch", r)
	}
	finish("fetch", ids, started)

	// import: all at once
	ids, started = map[string]string{}, time.Now()
	for _, r := range remotes {
		ids[r] = start("import", r)
	}
	finish("import", ids, started)
	for r, counts := range f.stepsAtOnce("verify", remotes...) { // as verifyClean does, five at once
		if counts["failed"] != 0 || counts["total"] == 0 {
			t.Errorf("verify %s: %v", r, counts)
		}
	}
}

// labReads is how many reads a simulated lab has served.
func labReads(t *testing.T, url string) int64 {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(url, "/senaite") + "/__sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Requests map[string]int64 `json:"requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st.Requests["reads"]
}
