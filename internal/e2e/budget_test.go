package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/senaite-sync/senaite-sync/internal/sim"
)

// labLoad is what a simulated lab says of its load (in flight, peaks); a
// POST resets the peaks first.
func labLoad(t *testing.T, url, method string) sim.Stats {
	t.Helper()
	route := "/__sim/stats"
	if method == http.MethodPost {
		route += "/reset"
	}
	req, _ := http.NewRequest(method, strings.TrimSuffix(url, "/senaite")+route, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st sim.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// bounded starts a coordinator, a fetcher and three importers, registers
// the labs and bounds the remote through the CLI, as an operator would,
// and answers the importers. The bounds are the remote's, so they hold
// for both labs.
func (m *migration) bounded(maxConcurrency int, requestsPerSecond float64) []*exec.Cmd {
	d, t := m.d, m.d.t
	t.Helper()
	d.start("coordinator")
	d.waitAPI()
	d.start("fetcher", "--concurrency", "4")
	var importers []*exec.Cmd
	for range 3 {
		importers = append(importers, d.start("importer", "--concurrency", "4"))
	}
	m.register()
	cmd := exec.Command(binary, "remote", "edit", "a_to_b", "--max-concurrency", strconv.Itoa(maxConcurrency),
		"--max-requests-per-second", strconv.FormatFloat(requestsPerSecond, 'f', -1, 64))
	cmd.Env = d.env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("remote edit: %v\n%s", err, out)
	}
	labLoad(t, m.srcURL, http.MethodPost)
	labLoad(t, m.dstURL, http.MethodPost)
	return importers
}

// checkLoad requires a lab's peak in flight within maxConcurrency and its
// peak requests in one second within the rate and the limiters' burst
// (each process's limiter lets one request through without waiting: the
// brief allows a second's worth). It reports the peaks.
func checkLoad(t *testing.T, name, url string, maxConcurrency int, requestsPerSecond float64) sim.Stats {
	t.Helper()
	st := labLoad(t, url, http.MethodGet)
	t.Logf("%s: peak in flight %d (bound %d), peak requests in one second %d (bound %g), requests %v",
		name, st.PeakInFlight, maxConcurrency, st.PeakRequestsPerSecond, requestsPerSecond, st.Requests)
	if st.PeakInFlight > int64(maxConcurrency) {
		t.Errorf("%s: %d requests in flight at once, the bound is %d", name, st.PeakInFlight, maxConcurrency)
	}
	if requestsPerSecond > 0 && float64(st.PeakRequestsPerSecond) > 2*requestsPerSecond {
		t.Errorf("%s: %d requests within one second, the bound is %g a second", name, st.PeakRequestsPerSecond, requestsPerSecond)
	}
	return st
}

// TestLabBoundsHoldAcrossProcesses: a remote bounded to 2 requests in
// flight and 100 a second, a coordinator, a fetcher and three importers of
// four each as processes (each of which alone would send more), a
// destination with latency: neither lab ever sees more than 2 requests at
// once, nor more than the rate allows within a second, through the
// fetch, the import and verify; the import succeeds and verify is clean.
func TestLabBoundsHoldAcrossProcesses(t *testing.T) {
	const maxConcurrency, rps = 2, 100
	m := newMigration(t, 400, 77)
	// 2 at once of 10 ms each could make 200 a second: the rate binds
	if err := m.dstFaults.Set(sim.FaultConfig{Latency: sim.Duration(10 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	m.bounded(maxConcurrency, rps)
	started := time.Now()
	m.migrate(nil)
	t.Logf("fetch and import in %v", time.Since(started).Round(time.Millisecond))
	m.d.verifyClean("a_to_b")
	dst := checkLoad(t, "destination", m.dstURL, maxConcurrency, rps)
	checkLoad(t, "source", m.srcURL, maxConcurrency, rps)
	// the bounds were reached: the test would prove nothing otherwise
	if dst.PeakInFlight < maxConcurrency || dst.PeakRequestsPerSecond < rps/2 {
		t.Errorf("the destination peaked at %d in flight and %d a second: the bounds were never reached", dst.PeakInFlight, dst.PeakRequestsPerSecond)
	}
	m.assertMirrored() // its own readers are not bounded: after the load was read
}

// TestLabBoundsSurviveAKilledImporter: an importer killed by SIGKILL while
// it holds slots of the destination keeps them until their leases expire
// — no other process uses them meanwhile, so the bound still holds —, then
// the other importers take them and the import finishes; verify is clean.
func TestLabBoundsSurviveAKilledImporter(t *testing.T) {
	const maxConcurrency = 2
	m := newMigration(t, 600, 81)
	if err := m.dstFaults.Set(sim.FaultConfig{Latency: sim.Duration(10 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	d := m.d
	importers := m.bounded(maxConcurrency, 0)
	byPid := map[int]*exec.Cmd{}
	for _, c := range importers {
		byPid[c.Process.Pid] = c
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.databaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var dstID int64
	if err := conn.QueryRow(ctx, `SELECT id FROM instances WHERE name = 'lab_b'`).Scan(&dstID); err != nil {
		t.Fatal(err)
	}
	if r := d.runStep("a_to_b", "fetch", nil); r.Run.Status != "succeeded" {
		t.Fatalf("fetch %s: %s", r.Run.Status, r.Run.Error)
	}
	var (
		dead        string                // the killed importer's holder
		deadSlots   int                   // the slots it held
		deadExpires time.Time             // when the last of their leases expires
		leases      = map[int]time.Time{} // each slot it held, until when
		killedAt    time.Time
		takenAfter  time.Duration // from the kill to another holder on one of its slots
	)
	r := d.runStep("a_to_b", "import", func(run) {
		switch {
		case dead == "" && m.dstLab.Total() > 100:
			// an importer holding a slot now is stopped, so that what it holds
			// cannot change, and killed if it still holds one
			rows, _ := conn.Query(ctx, `SELECT DISTINCT holder FROM lab_slots WHERE instance_id = $1 AND expires_at > now()`, dstID)
			holders, _ := pgx.CollectRows(rows, pgx.RowTo[string])
			for _, h := range holders {
				parts := strings.Split(h, ":")
				pid, _ := strconv.Atoi(parts[len(parts)-2])
				victim := byPid[pid]
				if victim == nil {
					continue // the coordinator or the fetcher
				}
				_ = victim.Process.Signal(syscall.SIGSTOP)
				var held int
				_ = conn.QueryRow(ctx, `SELECT count(*), coalesce(max(expires_at), now()) FROM lab_slots WHERE instance_id = $1 AND holder = $2 AND expires_at > now()`,
					dstID, h).Scan(&held, &deadExpires)
				if held == 0 {
					_ = victim.Process.Signal(syscall.SIGCONT)
					continue
				}
				_ = victim.Process.Kill() // SIGKILL: no slot given back, messages in flight unacknowledged
				dead, deadSlots, killedAt = h, held, time.Now()
				rows, _ = conn.Query(ctx, `SELECT slot, expires_at FROM lab_slots WHERE instance_id = $1 AND holder = $2 AND expires_at > now()`, dstID, h)
				for rows.Next() {
					var slot int
					var until time.Time
					_ = rows.Scan(&slot, &until)
					leases[slot] = until
				}
				rows.Close()
				t.Logf("killed importer %d holding %d slot(s) of the destination, leased until %v", pid, held, deadExpires.Format(time.RFC3339Nano))
				return
			}
		case dead != "" && takenAfter == 0:
			var still int
			_ = conn.QueryRow(ctx, `SELECT count(*) FROM lab_slots WHERE instance_id = $1 AND holder = $2`, dstID, dead).Scan(&still)
			// another process may claim one of its slots only once that
			// slot's own lease expired (slots claimed at different times
			// expire at different times)
			for slot, until := range leases {
				var holder string
				var after bool
				_ = conn.QueryRow(ctx, `SELECT coalesce(holder, ''), now() >= $3 FROM lab_slots WHERE instance_id = $1 AND slot = $2`,
					dstID, slot, until).Scan(&holder, &after)
				if holder != dead {
					if !after {
						t.Errorf("slot %d of the killed importer changed hands before its lease expired (%s)", slot, until.Format(time.RFC3339Nano))
					}
					delete(leases, slot)
				}
			}
			if still < deadSlots { // another process claimed one of its slots
				takenAfter = time.Since(killedAt)
			}
		}
	})
	if dead == "" {
		t.Fatal("no importer was seen holding a slot of the destination: nothing was killed")
	}
	if r.Run.Status != "succeeded" {
		d.dumpObjects()
		t.Fatalf("import %s: %s", r.Run.Status, r.Run.Error)
	}
	if takenAfter == 0 {
		var still int
		_ = conn.QueryRow(ctx, `SELECT count(*) FROM lab_slots WHERE instance_id = $1 AND holder = $2`, dstID, dead).Scan(&still)
		t.Errorf("the killed importer's slots never came back (it still has %d of %d)", still, deadSlots)
	} else {
		t.Logf("its slots came back %v after the kill", takenAfter.Round(time.Millisecond))
	}
	d.verifyClean("a_to_b")
	checkLoad(t, "destination", m.dstURL, maxConcurrency, 0)
	checkLoad(t, "source", m.srcURL, maxConcurrency, 0)
	m.assertMirrored()
}
