package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/api"
	"github.com/senaite-sync/senaite-sync/internal/coordinator"
	"github.com/senaite-sync/senaite-sync/internal/secret"
	"github.com/senaite-sync/senaite-sync/internal/sim"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

func newAPI(t *testing.T) *httptest.Server {
	t.Helper()
	return newAPIWithToken(t, "tok")
}

// newAPIWithToken serves the API as the coordinator does (Guard included,
// listening on loopback, sync.example configured).
func newAPIWithToken(t *testing.T, token string) *httptest.Server {
	t.Helper()
	st := storetest.Migrated(t)
	key, _ := secret.LoadOrCreate("", t.TempDir())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &api.Server{Version: "test-1.2.3", Store: st, Key: key, Token: token, Log: log,
		Coordinator: &coordinator.Coordinator{Store: st, Key: key, Log: log}}
	hs := httptest.NewServer(api.Guard(s.Handler(), "127.0.0.1:8080", []string{"sync.example"}, log))
	t.Cleanup(hs.Close)
	return hs
}

func call(t *testing.T, hs *httptest.Server, method, path, token string, body any) (int, map[string]any, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, hs.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, string(raw)
}

func field(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	f, _ := e["field"].(string)
	return f
}

func TestAPI(t *testing.T) {
	t.Parallel()
	hs := newAPI(t)
	if st, _, _ := call(t, hs, "GET", "/healthz", "", nil); st != 200 {
		t.Fatalf("healthz %d", st)
	}
	if st, _, _ := call(t, hs, "GET", "/api/v1/instances", "", nil); st != 401 {
		t.Fatalf("no token: %d", st)
	}
	if st, _, _ := call(t, hs, "GET", "/api/v1/instances", "wrong", nil); st != 401 {
		t.Fatalf("wrong token: %d", st)
	}
	// validation errors name the field
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "Lab A", "url": "http://x/senaite", "username": "u", "password": "p"}, "name"},
		{map[string]any{"name": "lab_a", "url": "x/senaite", "username": "u", "password": "p"}, "url"},
		{map[string]any{"name": "lab_a", "url": "http://x/senaite", "username": "u"}, "password"},
		{map[string]any{"name": "lab_a", "url": "http://x/senaite", "username": "u", "password": "p", "colour": "red"}, "colour"},
	} {
		st, out, raw := call(t, hs, "POST", "/api/v1/instances", "tok", tc.body)
		if st != 400 || field(out) != tc.field {
			t.Errorf("%v: %d %s, want 400 on %s", tc.body, st, raw, tc.field)
		}
	}
	for _, n := range []string{"lab_a", "lab_b"} {
		st, _, raw := call(t, hs, "POST", "/api/v1/instances", "tok", map[string]any{"name": n, "url": "http://127.0.0.1:1/senaite",
			"username": "admin", "password": "s3cret-" + n})
		if st != 201 || strings.Contains(raw, "s3cret") {
			t.Fatalf("create %s: %d %s", n, st, raw)
		}
	}
	if st, _, raw := call(t, hs, "GET", "/api/v1/instances", "tok", nil); st != 200 || strings.Contains(raw, "s3cret") || strings.Contains(raw, "password_enc") {
		t.Fatalf("list leaks secrets: %s", raw)
	}
	if st, out, _ := call(t, hs, "POST", "/api/v1/instances", "tok", map[string]any{"name": "lab_a", "url": "http://x/s", "username": "u", "password": "p"}); st != 409 || field(out) != "name" {
		t.Fatalf("duplicate: %d", st)
	}
	// edit: a lab moves; the stored password never follows it to another
	// address or account unasked (issue #12, point 6), and the name stays
	for _, move := range []map[string]any{{"url": "https://moved.example/senaite/", "username": "admin"},
		{"url": "http://127.0.0.1:1/senaite", "username": "admin2"}} {
		if st, out, raw := call(t, hs, "PUT", "/api/v1/instances/lab_a", "tok", move); st != 400 || field(out) != "password" {
			t.Fatalf("move without the password: %d %s, want 400 naming password", st, raw)
		}
	}
	if _, out, _ := call(t, hs, "GET", "/api/v1/instances/lab_a", "tok", nil); out["url"] != "http://127.0.0.1:1/senaite" || out["username"] != "admin" {
		t.Fatalf("a refused move changed the instance: %v", out)
	}
	st, out, raw := call(t, hs, "PUT", "/api/v1/instances/lab_a", "tok", map[string]any{"url": "https://moved.example/senaite/", "username": "admin2", "password": "s3cret-moved"})
	if st != 200 || out["url"] != "https://moved.example/senaite" || out["username"] != "admin2" || strings.Contains(raw, "s3cret") {
		t.Fatalf("instance edit: %d %s", st, raw)
	}
	// the same address and account keep the stored password
	if st, _, raw := call(t, hs, "PUT", "/api/v1/instances/lab_a", "tok", map[string]any{"url": "https://moved.example/senaite", "username": "admin2", "ca_cert": ""}); st != 200 {
		t.Fatalf("edit in place: %d %s", st, raw)
	}
	if st, out, _ := call(t, hs, "PUT", "/api/v1/instances/lab_a", "tok", map[string]any{"name": "lab_z", "url": "http://x/s", "username": "u"}); st != 400 || field(out) != "name" {
		t.Fatalf("rename by edit: %d", st)
	}
	if st, out, _ := call(t, hs, "PUT", "/api/v1/instances/lab_a", "tok", map[string]any{"url": "ftp://x", "username": "u"}); st != 400 || field(out) != "url" {
		t.Fatalf("edit with a bad url: %d", st)
	}
	if st, _, _ := call(t, hs, "PUT", "/api/v1/instances/nope", "tok", map[string]any{"url": "http://x/s", "username": "u"}); st != 404 {
		t.Fatalf("edit of an unknown instance: %d", st)
	}
	if st, out, raw := call(t, hs, "POST", "/api/v1/remotes", "tok", map[string]any{"name": "ab", "source": "lab_a", "destination": "lab_a"}); st != 400 || field(out) != "destination" {
		t.Fatalf("source = destination: %d %s", st, raw)
	}
	if st, out, raw := call(t, hs, "POST", "/api/v1/remotes", "tok", map[string]any{"name": "ab", "source": "lab_a", "destination": "lab_b",
		"remote_prefix": "A-"}); st != 400 || field(out) != "prefixable_types" {
		t.Fatalf("prefix without types: %d %s", st, raw)
	}
	if st, _, raw := call(t, hs, "POST", "/api/v1/remotes", "tok", map[string]any{"name": "ab", "source": "lab_a", "destination": "lab_b"}); st != 201 {
		t.Fatalf("remote: %d %s", st, raw)
	}
	// edit: options change in place; name and endpoints stay; bad options
	// are named and change nothing
	st, out, raw = call(t, hs, "PUT", "/api/v1/remotes/ab", "tok", map[string]any{"page_size": 50, "skip_types": []string{"Method"}})
	if opts, _ := out["options"].(map[string]any); st != 200 || opts["page_size"] != float64(50) || fmt.Sprint(opts["skip_types"]) != "[Method]" {
		t.Fatalf("edit: %d %s", st, raw)
	}
	if st, out, raw := call(t, hs, "PUT", "/api/v1/remotes/ab", "tok", map[string]any{"destination": "lab_a"}); st != 400 || field(out) != "destination" {
		t.Fatalf("edit of the destination: %d %s", st, raw)
	}
	if st, out, raw := call(t, hs, "PUT", "/api/v1/remotes/ab", "tok", map[string]any{"remote_prefix": "A-"}); st != 400 || field(out) != "prefixable_types" {
		t.Fatalf("edit to a prefix without types: %d %s", st, raw)
	}
	if _, out, _ := call(t, hs, "GET", "/api/v1/remotes/ab", "tok", nil); out["options"].(map[string]any)["page_size"] != float64(50) {
		t.Fatalf("a refused edit changed the remote: %v", out["options"])
	}
	if st, _, _ := call(t, hs, "PUT", "/api/v1/remotes/nope", "tok", map[string]any{"page_size": 50}); st != 404 {
		t.Fatalf("edit of an unknown remote: %d", st)
	}
	st, out, raw = call(t, hs, "POST", "/api/v1/remotes/ab/fetch", "tok", nil)
	if st != 202 {
		t.Fatalf("fetch: %d %s", st, raw)
	}
	id := out["run"].(map[string]any)["id"].(string)
	st, out, _ = call(t, hs, "POST", "/api/v1/remotes/ab/import", "tok", nil)
	if st != 409 || out["run"].(map[string]any)["id"] != id {
		t.Fatalf("second run: %d, want 409 with the running one", st)
	}
	if st, _, _ := call(t, hs, "GET", "/api/v1/runs/"+id, "tok", nil); st != 200 {
		t.Fatalf("run: %d", st)
	}
	// the run planned with the options it found: no edit until it ends
	if st, out, raw := call(t, hs, "PUT", "/api/v1/remotes/ab", "tok", map[string]any{"page_size": 20}); st != 409 || out["run"].(map[string]any)["id"] != id {
		t.Fatalf("edit during a run: %d %s, want 409 naming the run", st, raw)
	}
	if st, _, _ := call(t, hs, "GET", "/api/v1/remotes/nope", "tok", nil); st != 404 {
		t.Fatalf("unknown remote: %d", st)
	}
	// metrics need no token, carry the runs and nothing secret
	st, _, raw = call(t, hs, "GET", "/metrics", "", nil)
	if st != 200 || !strings.Contains(raw, "senaite_sync_state_up 1") ||
		!strings.Contains(raw, `senaite_sync_runs{kind="fetch",remote="ab",status="queued"} 1`) ||
		!strings.Contains(raw, "go_goroutines") || strings.Contains(raw, "s3cret") ||
		!strings.Contains(raw, `senaite_sync_build_info{goversion="go`) || !strings.Contains(raw, `version="test-1.2.3"} 1`) {
		t.Fatalf("metrics: %d\n%s", st, raw)
	}
}

// TestCheckAndCancel: `instance check` tells a lab that takes the
// credentials from one that refuses them; a run is cancelled once, and a
// second cancel is a 409.
func TestCheckAndCancel(t *testing.T) {
	t.Parallel()
	hs := newAPI(t)
	lab, _ := sim.NewLab(sim.Options{Users: []sim.User{{Username: "admin", Password: "secret"}}})
	ls := httptest.NewServer(sim.NewServer(lab, nil, nil))
	defer ls.Close()
	for name, pw := range map[string]string{"good": "secret", "bad": "not-the-pw-Zq9"} {
		if st, _, raw := call(t, hs, "POST", "/api/v1/instances", "tok", map[string]any{"name": name,
			"url": ls.URL + "/senaite", "username": "admin", "password": pw}); st != 201 {
			t.Fatalf("instance %s: %d %s", name, st, raw)
		}
	}
	st, out, raw := call(t, hs, "POST", "/api/v1/instances/good/check", "tok", nil)
	if c, _ := out["check"].(map[string]any); st != 200 || c["auth"] != true || c["version"] != "2.6.0" {
		t.Fatalf("check good: %d %s", st, raw)
	}
	st, out, raw = call(t, hs, "POST", "/api/v1/instances/bad/check", "tok", nil)
	if c, _ := out["check"].(map[string]any); st != 200 || c["auth"] != false || c["error"] == "" || strings.Contains(raw, "Zq9") {
		t.Fatalf("check bad: %d %s", st, raw)
	}
	if st, _, _ := call(t, hs, "POST", "/api/v1/instances/nobody/check", "tok", nil); st != 404 {
		t.Fatalf("check unknown: %d", st)
	}
	if st, _, raw := call(t, hs, "POST", "/api/v1/remotes", "tok", map[string]any{"name": "g_to_b", "source": "good", "destination": "bad"}); st != 201 {
		t.Fatalf("remote: %d %s", st, raw)
	}
	st, out, raw = call(t, hs, "POST", "/api/v1/remotes/g_to_b/fetch", "tok", nil)
	run, _ := out["run"].(map[string]any)
	if st != 202 || run == nil {
		t.Fatalf("fetch: %d %s", st, raw)
	}
	id := run["id"].(string)
	st, out, raw = call(t, hs, "POST", "/api/v1/runs/"+id+"/cancel", "tok", nil)
	if run, _ := out["run"].(map[string]any); st != 200 || run["status"] != "cancelled" {
		t.Fatalf("cancel: %d %s", st, raw)
	}
	if st, _, _ := call(t, hs, "POST", "/api/v1/runs/"+id+"/cancel", "tok", nil); st != 409 {
		t.Fatalf("second cancel: %d", st)
	}
	// the remote is free again
	if st, _, raw := call(t, hs, "POST", "/api/v1/remotes/g_to_b/fetch", "tok", nil); st != 202 {
		t.Fatalf("fetch after cancel: %d %s", st, raw)
	}
}
