package cli_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/api"
	"github.com/senaite-sync/senaite-sync/internal/coordinator"
	"github.com/senaite-sync/senaite-sync/internal/secret"
	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

// coordinatorAPI serves a coordinator's API (no queue, no leader) on a
// schema of its own, for the client verbs to talk to.
func coordinatorAPI(t *testing.T) (*store.Store, *httptest.Server) {
	t.Helper()
	st := storetest.Migrated(t)
	key, _ := secret.LoadOrCreate("", t.TempDir())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &api.Server{Store: st, Key: key, Log: log, Coordinator: &coordinator.Coordinator{Store: st, Key: key, Log: log}}
	hs := httptest.NewServer(api.Guard(s.Handler(), "127.0.0.1:8080", nil, log))
	t.Cleanup(hs.Close)
	return st, hs
}

// runCLI runs one senaite-sync command in this process against the
// coordinator at base, as an operator's shell would (SENAITE_SYNC_URL:
// `instance add` has a --url of its own, the lab's).
func runCLI(t *testing.T, base string, args ...string) (string, error) {
	t.Helper()
	t.Setenv("SENAITE_SYNC_URL", base)
	return runRoot(t, args...)
}

// TestCLIBadInputs: the command line's share of issue #12's table of bad
// inputs. Every one ends in an error naming the flag or field at fault —
// never a server error, never a database's words — and nothing is created.
func TestCLIBadInputs(t *testing.T) {
	_, hs := coordinatorAPI(t)
	t.Setenv("LAB_PW", "pw")
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notPEM := file("ca.pem", "not a pem")
	for _, name := range []string{"lab_a", "lab_b"} {
		if out, err := runCLI(t, hs.URL, "instance", "add", name, "--url", "http://127.0.0.1:1/"+name,
			"--username", "admin", "--password-env", "LAB_PW", "--no-check"); err != nil {
			t.Fatalf("setup: %v %s", err, out)
		}
	}
	if out, err := runCLI(t, hs.URL, "remote", "add", "ab", "--source", "lab_a", "--destination", "lab_b"); err != nil {
		t.Fatalf("setup: %v %s", err, out)
	}
	inst := func(extra ...string) []string {
		args := map[string]string{"--url": "http://127.0.0.1:3/senaite", "--username": "admin", "--password-env": "LAB_PW"}
		for i := 0; i+1 < len(extra); i += 2 {
			args[extra[i]] = extra[i+1]
		}
		out := []string{"instance", "add", "lab_c", "--no-check"}
		for k, v := range args {
			if v != "-" {
				out = append(out, k, v)
			}
		}
		return out
	}
	rem := func(extra ...string) []string {
		return append([]string{"remote", "add", "cd", "--source", "lab_a", "--destination", "lab_b"}, extra...)
	}
	cases := []struct {
		args  []string
		field string
	}{
		{inst("--url", "http://admin:secret@127.0.0.1:3/senaite"), "url"},
		{inst("--url", "http://"), "url"},
		{inst("--url", "ftp://lab/senaite"), "url"},
		{inst("--url", "http://lab/senaite\r\nX-Evil: 1"), "url"},
		{inst("--url", "http://lab/senaite?x=1"), "url"},
		{inst("--url", "-"), "url"},
		{inst("--username", "ad\x00min"), "username"},
		{inst("--username", "-"), "username"},
		{inst("--password-env", "-"), "password"},
		{inst("--password-env", "NO_SUCH_VARIABLE_HERE"), "password"},
		{inst("--password-env", "-", "--password-file", filepath.Join(dir, "missing")), "password"},
		{inst("--ca-cert", notPEM), "ca_cert"},
		{inst("--ca-cert", filepath.Join(dir, "missing.pem")), "ca-cert"},
		{append(inst(), "--verifier-username", strings.Repeat("v", 5000)), "verifier_username"},
		{rem("--page-size", "-5"), "page_size"},
		{rem("--page-size", "many"), "page-size"},
		{rem("--max-concurrency", "-1"), "max_concurrency"},
		{rem("--max-requests-per-second", "-3"), "max_requests_per_second"},
		{rem("--auto-sync", "soon"), "auto_sync"},
		{rem("--type-mapping", "Client=../../x?y"), "type_mapping"},
		{rem("--skip-types", "Sample Type"), "skip_types"},
		{rem("--remote-prefix", "X\x00A"), "remote_prefix"},
		{[]string{"remote", "add", "cd", "--source", "nosuch", "--destination", "lab_b"}, "source"},
		{[]string{"remote", "add", "cd", "--source", "lab_a", "--destination", "nosuch"}, "destination"},
		{[]string{"remote", "add", "bad name/x", "--source", "lab_a", "--destination", "lab_b"}, "name"},
		{[]string{"remote", "edit", "ab", "--page-size", "-1"}, "page_size"},
		{[]string{"objects", "ab", "--portal-type", "Sample\xffType"}, "portal_type"},
		{[]string{"objects", "ab", "--query", "a\x00b"}, "q"},
	}
	for _, c := range cases {
		out, err := runCLI(t, hs.URL, c.args...)
		shown := strings.Join(c.args, " ")
		if len(shown) > 160 {
			shown = shown[:160] + "…"
		}
		if err == nil {
			t.Errorf("%q: accepted (%s)", shown, out)
			continue
		}
		msg := err.Error()
		t.Logf("%s → %s", shown, msg)
		if !strings.Contains(msg, c.field) {
			t.Errorf("%q: %q does not name %s", shown, msg, c.field)
		}
		if strings.Contains(msg, "SQLSTATE") || strings.Contains(msg, "answered 5") {
			t.Errorf("%q: a server error: %q", shown, msg)
		}
	}
	for _, name := range []string{"lab_c"} {
		if _, err := runCLI(t, hs.URL, "instance", "show", name); err == nil {
			t.Errorf("instance %s was created by a refused command", name)
		}
	}
	if _, err := runCLI(t, hs.URL, "remote", "show", "cd"); err == nil {
		t.Error("remote cd was created by a refused command")
	}
}
