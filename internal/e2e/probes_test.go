package e2e

import (
	"io"
	"net/http"
	"os/exec"
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
// build and role they are (issue #14: they listened on nothing); the
// coordinator's /readyz asks NATS too.
func TestWorkersServeProbes(t *testing.T) {
	d := newDeployment(t)
	d.start("coordinator")
	d.waitAPI()
	for _, role := range []string{"fetcher", "importer"} {
		addr := freeAddr(t)
		d.start(role, "--http-addr", addr)
		ready := false
		for deadline := time.Now().Add(30 * time.Second); !ready && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			resp, err := http.Get("http://" + addr + "/readyz")
			if err == nil {
				ready = resp.StatusCode == 200
				resp.Body.Close()
			}
		}
		if !ready {
			d.dumpLogs()
			t.Fatalf("the %s's /readyz did not answer ready within 30s", role)
		}
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), `role="`+role+`"`) || !strings.Contains(string(body), "senaite_sync_build_info") {
			t.Errorf("the %s's metrics do not say its build and role:\n%s", role, body)
		}
	}
	if code := d.call("GET", "/readyz", nil, nil); code != 200 {
		t.Errorf("coordinator readyz: %d", code)
	}
}
