package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestVersionIsStamped: a binary built from the repository as make build
// builds it says which commit it is (issue #14: it said "dev").
func TestVersionIsStamped(t *testing.T) {
	out, err := exec.Command(binary, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("version: %v\n%s", err, out)
	}
	head, err := exec.Command("git", "rev-parse", "--short=7", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse: %v", err)
	}
	// the commit, after its tag when it has one (git describe)
	got, commit := strings.TrimSpace(string(out)), strings.TrimSpace(string(head))
	if !strings.HasPrefix(got, "senaite-sync ") || !strings.Contains(got, commit) {
		t.Errorf("version says %q, want it to name commit %s", got, commit)
	}
}

// TestWorkersServeProbes: a fetcher and an importer given an address serve
// /healthz, /readyz (PostgreSQL and NATS answer) and /metrics saying which
// build and role they are (issue #14: they listened on nothing), and,
// after a migration, what they did: their requests to each lab, the
// messages they handled, their queue; the coordinator's /readyz asks NATS
// too, and its /metrics says it leads.
func TestWorkersServeProbes(t *testing.T) {
	m := newMigration(t, 300, 83)
	d := m.d
	d.env = append(d.env, "SENAITE_SYNC_LOG_FORMAT=json", "SENAITE_SYNC_LOG_LEVEL=debug")
	d.start("coordinator")
	d.waitAPI()
	probes := map[string]string{}
	for _, role := range []string{"fetcher", "importer"} {
		addr := freeAddr(t)
		d.start(role, "--http-addr", addr)
		probes[role] = "http://" + addr
		ready := false
		for deadline := time.Now().Add(30 * time.Second); !ready && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			resp, err := http.Get(probes[role] + "/readyz")
			if err == nil {
				ready = resp.StatusCode == 200
				resp.Body.Close()
			}
		}
		if !ready {
			d.dumpLogs()
			t.Fatalf("the %s's /readyz did not answer ready within 30s", role)
		}
		if v, ok := metricValue(t, probes[role]+"/metrics", "senaite_sync_build_info{", `role="`+role+`"`); !ok || v != 1 {
			t.Errorf("the %s's metrics do not say its build and role (%v, %v)", role, v, ok)
		}
	}
	if code := d.call("GET", "/readyz", nil, nil); code != 200 {
		t.Errorf("coordinator readyz: %d", code)
	}
	m.register()
	// the import says where it stands, in order (issue #15)
	stages := []string{"objects", "deferred references", "workflow replay", "read-back"}
	var seen []string
	m.migrate(func(r run) {
		if s := r.Run.Stage; s != "" && (len(seen) == 0 || seen[len(seen)-1] != s) {
			seen = append(seen, s)
		}
	})
	var list struct {
		Runs []struct {
			Kind  string `json:"kind"`
			Stage string `json:"stage"`
		} `json:"runs"`
	}
	if d.call("GET", "/api/v1/runs?remote=a_to_b", nil, &list); len(list.Runs) == 0 || list.Runs[0].Kind != "import" || list.Runs[0].Stage != "read-back" {
		t.Errorf("the finished import's last stage: %+v, want read-back", list.Runs)
	}
	at := 0
	for _, s := range seen {
		i := slices.Index(stages[at:], s)
		if i < 0 {
			t.Errorf("import stages seen %v: not in the order %v", seen, stages)
			break
		}
		at += i
	}
	if len(seen) == 0 || seen[0] != "objects" {
		t.Errorf("import stages seen %v: the objects stage not shown", seen)
	}
	for _, c := range []struct {
		where, name string
		labels      []string
	}{
		{"fetcher", "senaite_sync_lab_request_duration_seconds_count{", []string{`instance="lab_a"`, `kind="read"`, `outcome="ok"`}},
		{"fetcher", "senaite_sync_messages_total{", []string{`role="fetch"`, `outcome="done"`}},
		{"importer", "senaite_sync_lab_request_duration_seconds_count{", []string{`instance="lab_b"`, `kind="write"`, `outcome="ok"`}},
		{"importer", "senaite_sync_messages_total{", []string{`role="import"`, `outcome="done"`}},
		{"coordinator", "senaite_sync_leader", nil},
		{"coordinator", "senaite_sync_queue_up", nil},
	} {
		base := probes[c.where]
		if c.where == "coordinator" {
			base = d.api
		}
		if v, ok := metricValue(t, base+"/metrics", c.name, c.labels...); !ok || v < 1 {
			t.Errorf("%s: %s%v = %v (found %v), want at least 1", c.where, c.name, c.labels, v, ok)
		}
	}
	// the queue is read at most every few seconds: the first scrape, before
	// the migration, saw no consumer of the remote yet
	shown := false
	for deadline := time.Now().Add(15 * time.Second); !shown && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		_, shown = metricValue(t, probes["importer"]+"/metrics", "senaite_sync_queue_pending_messages{", `stream="`)
	}
	if !shown {
		t.Error("the importer's metrics do not show its queue's consumers")
	}
	assertRunLines(t, d)

	// a worker given another key (a pod without the deployment's Secret)
	// refuses to start, saying which setting, instead of making a key of its own
	other := exec.Command(binary, "importer")
	other.Env = append(append([]string{}, d.env...), "SENAITE_SYNC_SECRET_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "SENAITE_SYNC_DATA_DIR="+t.TempDir())
	done := make(chan []byte, 1)
	go func() { out, _ := other.CombinedOutput(); done <- out }()
	select {
	case out := <-done:
		if other.ProcessState.ExitCode() == 0 || !strings.Contains(string(out), "SENAITE_SYNC_SECRET_KEY") {
			t.Errorf("an importer with another key: exit %d, %s", other.ProcessState.ExitCode(), out)
		}
	case <-time.After(30 * time.Second):
		_ = other.Process.Kill()
		t.Error("an importer with another key ran for 30 s")
	}
}

// assertRunLines: every log line about an object or a page — the lines of
// a run's work, at every level — says its run_id and remote (issue #14),
// in every process.
func assertRunLines(t *testing.T, d *deployment) {
	t.Helper()
	work, missing := 0, map[string]int{}
	for name, buf := range d.logs {
		for _, line := range strings.Split(buf.String(), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) != nil {
				continue
			}
			about := false
			for _, k := range []string{"uid", "portal_type", "b_start", "page"} {
				_, ok := rec[k]
				about = about || ok
			}
			if !about {
				continue
			}
			work++
			if rec["run_id"] == nil || rec["remote"] == nil {
				missing[fmt.Sprintf("%s: %v", strings.SplitN(name, "-", 2)[0], rec["msg"])]++
			}
		}
	}
	if work < 10 {
		t.Errorf("only %d log lines about objects or pages: the processes did not log in JSON at debug level?", work)
	}
	for msg, n := range missing {
		t.Errorf("%d lines %q without run_id or remote", n, msg)
	}
}

// metricValue sums the samples of a metric (name up to its labels' brace)
// whose line holds every label given.
func metricValue(t *testing.T, url, name string, labels ...string) (float64, bool) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	sum, found := 0.0, false
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, name) {
			continue
		}
		all := true
		for _, l := range labels {
			all = all && strings.Contains(line, l)
		}
		if !all {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		sum, found = sum+v, true
	}
	return sum, found
}
