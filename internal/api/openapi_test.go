package api_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIMatchesTheAnswers: the description is served without a
// token, and the API's real answers carry exactly the properties its
// schemas name — no key the description leaves out, none it requires
// missing — so that a client generated from it reads what comes.
func TestOpenAPIMatchesTheAnswers(t *testing.T) {
	t.Parallel()
	hs := newAPI(t)
	st, _, raw := call(t, hs, "GET", "/api/v1/openapi.json", "", nil)
	if st != 200 {
		t.Fatalf("openapi.json without a token: %d %s", st, raw)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
				Required   []string                   `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	matches := func(what, schema string, answer any) {
		t.Helper()
		m, ok := answer.(map[string]any)
		if !ok {
			t.Errorf("%s: %T, want an object", what, answer)
			return
		}
		s, ok := doc.Components.Schemas[schema]
		if !ok {
			t.Fatalf("no schema %s", schema)
		}
		for k := range m {
			if _, ok := s.Properties[k]; !ok {
				t.Errorf("%s answers %q, which schema %s does not name", what, k, schema)
			}
		}
		for _, k := range s.Required {
			if _, ok := m[k]; !ok {
				t.Errorf("%s lacks %q, which schema %s requires (it has %v)", what, k, schema, slices.Sorted(maps.Keys(m)))
			}
		}
	}
	for _, n := range []string{"lab_a", "lab_b"} {
		if st, _, raw := call(t, hs, "POST", "/api/v1/instances", "tok", map[string]any{"name": n, "url": "http://127.0.0.1:1/senaite",
			"username": "admin", "password": "pw", "verifier_username": "v", "verifier_password": "pw"}); st != 201 {
			t.Fatalf("create %s: %d %s", n, st, raw)
		}
	}
	if st, _, raw := call(t, hs, "POST", "/api/v1/remotes", "tok", map[string]any{"name": "ab", "source": "lab_a", "destination": "lab_b",
		"remote_prefix": "A-", "prefixable_types": []string{"Client"}, "auto_sync": "1h"}); st != 201 {
		t.Fatalf("create remote: %d %s", st, raw)
	}
	_, out, _ := call(t, hs, "GET", "/api/v1/instances", "tok", nil)
	list, _ := out["instances"].([]any)
	if len(list) != 2 {
		t.Fatalf("instances: %v", out)
	}
	matches("GET /api/v1/instances", "Instance", list[0])
	_, out, _ = call(t, hs, "GET", "/api/v1/instances/lab_b", "tok", nil)
	matches("GET /api/v1/instances/lab_b", "Instance", out)
	_, out, _ = call(t, hs, "GET", "/api/v1/remotes/ab", "tok", nil)
	matches("GET /api/v1/remotes/ab", "Remote", out)
	st, out, raw = call(t, hs, "POST", "/api/v1/remotes/ab/fetch", "tok", nil)
	if st != 202 {
		t.Fatalf("start a fetch: %d %s", st, raw)
	}
	matches("POST /api/v1/remotes/ab/fetch", "Run", out["run"])
	id, _ := out["run"].(map[string]any)["id"].(string)
	_, out, _ = call(t, hs, "GET", "/api/v1/runs/"+id, "tok", nil)
	matches("GET /api/v1/runs/{id}", "Run", out["run"])
	_, out, _ = call(t, hs, "GET", "/api/v1/runs", "tok", nil)
	runs, _ := out["runs"].([]any)
	if len(runs) != 1 {
		t.Fatalf("runs: %v", out)
	}
	matches("GET /api/v1/runs", "Run", runs[0])
	st, out, raw = call(t, hs, "GET", "/api/v1/remotes/nosuch", "tok", nil)
	if st != 404 {
		t.Fatalf("a remote that is not: %d %s", st, raw)
	}
	matches("GET /api/v1/remotes/nosuch", "Error", out)
	if e, _ := out["error"].(map[string]any); !strings.Contains(raw, "nosuch") {
		t.Errorf("the refusal does not name what is missing: %v", e)
	}
}
