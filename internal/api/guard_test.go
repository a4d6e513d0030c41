package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// raw sends a request as a browser or a careless script would: the body as
// given, the headers as given, no token unless one is set.
func raw(t *testing.T, hs *httptest.Server, method, path, body string, header map[string]string) (int, map[string]any, string) {
	t.Helper()
	req, err := http.NewRequest(method, hs.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out, string(b)
}

// TestCrossSiteWritesRefused: with no token (the loopback default) a page
// in the operator's browser posts text/plain JSON — which a browser sends
// cross-site without asking — to register a lab it controls and to start
// an import. Both are refused and nothing is created (issue #12, point 5).
func TestCrossSiteWritesRefused(t *testing.T) {
	t.Parallel()
	hs := newOpenAPI(t)
	inst := `{"name":"evil","url":"http://evil.example/senaite","username":"u","password":"p"}`
	for _, h := range []map[string]string{
		{"Content-Type": "text/plain"},
		{"Content-Type": "text/plain", "Origin": "http://evil.example"},
		{"Content-Type": "application/x-www-form-urlencoded"},
		{"Content-Type": "application/json", "Origin": "http://evil.example"},
		{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
		{"Content-Type": "application/json", "Host": "evil.example"}, // DNS rebinding
	} {
		if st, _, body := raw(t, hs, "POST", "/api/v1/instances", inst, h); st < 400 || st > 499 {
			t.Errorf("%v: %d %s, want a 4xx", h, st, body)
		}
		if st, _, body := raw(t, hs, "POST", "/api/v1/remotes/x/fetch", "", h); st < 400 || st > 499 || st == 404 {
			t.Errorf("fetch %v: %d %s, want refused before the route", h, st, body)
		}
	}
	if _, _, body := raw(t, hs, "GET", "/api/v1/instances", "", nil); strings.Contains(body, "evil") {
		t.Fatalf("a cross-site request created an instance: %s", body)
	}
	// the rebinding page cannot read either; the probes answer any Host
	if st, _, _ := raw(t, hs, "GET", "/api/v1/instances", "", map[string]string{"Host": "evil.example:8080"}); st != http.StatusMisdirectedRequest {
		t.Errorf("read through a foreign Host: %d", st)
	}
	if st, _, _ := raw(t, hs, "GET", "/healthz", "", map[string]string{"Host": "evil.example"}); st != 200 {
		t.Errorf("healthz with any Host: %d", st)
	}
	// the same request from the server's own origin, or a configured name, works
	for i, h := range []map[string]string{
		{"Content-Type": "application/json; charset=utf-8", "Origin": hs.URL},
		{"Content-Type": "application/json", "Host": "sync.example", "Origin": "https://sync.example"},
		{"Content-Type": "application/json", "Host": "localhost:8080"},
	} {
		body := strings.Replace(inst, "evil", "lab"+string(rune('a'+i)), 1)
		if st, _, out := raw(t, hs, "POST", "/api/v1/instances", body, h); st != 201 {
			t.Errorf("same origin %v: %d %s", h, st, out)
		}
	}
}

// newOpenAPI is the API with no token, as on loopback by default.
func newOpenAPI(t *testing.T) *httptest.Server {
	t.Helper()
	return newAPIWithToken(t, "")
}

// TestBadInputs: every bad input is a 4xx naming its field or parameter,
// never a 500 and never a database's words (issue #12, points 7 and 8).
func TestBadInputs(t *testing.T) {
	t.Parallel()
	hs := newAPIWithToken(t, "tok")
	h := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer tok"}
	for _, body := range []string{
		`{"name":"lab_a","url":"http://127.0.0.1:1/senaite","username":"admin","password":"pw"}`,
		`{"name":"lab_b","url":"http://127.0.0.1:2/senaite","username":"admin","password":"pw"}`,
	} {
		if st, _, out := raw(t, hs, "POST", "/api/v1/instances", body, h); st != 201 {
			t.Fatalf("setup: %d %s", st, out)
		}
	}
	if st, _, out := raw(t, hs, "POST", "/api/v1/remotes", `{"name":"ab","source":"lab_a","destination":"lab_b"}`, h); st != 201 {
		t.Fatalf("setup: %d %s", st, out)
	}
	inst := func(field, value string) string {
		m := map[string]any{"name": "lab_c", "url": "http://127.0.0.1:3/senaite", "username": "admin", "password": "pw"}
		m[field] = value
		b, _ := json.Marshal(m)
		return string(b)
	}
	rem := func(field string, value any) string {
		m := map[string]any{"name": "cd", "source": "lab_a", "destination": "lab_b"}
		m[field] = value
		b, _ := json.Marshal(m)
		return string(b)
	}
	big := strings.Repeat("x", 900<<10)
	cases := []struct {
		method, path, body, field string
	}{
		// instances: URLs
		{"POST", "/api/v1/instances", inst("url", "http://"), "url"},
		{"POST", "/api/v1/instances", inst("url", "https://"), "url"},
		{"POST", "/api/v1/instances", inst("url", "ftp://lab/senaite"), "url"},
		{"POST", "/api/v1/instances", inst("url", "javascript:alert(1)"), "url"},
		{"POST", "/api/v1/instances", inst("url", "lab/senaite"), "url"},
		{"POST", "/api/v1/instances", inst("url", "http://lab /senaite"), "url"},
		{"POST", "/api/v1/instances", inst("url", "http://lab/sen aite"), "url"},
		{"POST", "/api/v1/instances", inst("url", "http://lab/senaite\r\nX-Evil: 1"), "url"},
		{"POST", "/api/v1/instances", inst("url", "http://lab/senaite\t"), "url"},
		{"POST", "/api/v1/instances", inst("url", "http://admin:secret@lab/senaite"), "url"},
		{"POST", "/api/v1/instances", inst("url", "http://admin@lab/senaite"), "url"},
		{"POST", "/api/v1/instances", inst("url", "http://lab/senaite?x=1"), "url"},
		{"POST", "/api/v1/instances", inst("url", "http://lab/senaite#top"), "url"},
		{"POST", "/api/v1/instances", inst("url", "http://lab/"+strings.Repeat("a", 2100)), "url"},
		{"POST", "/api/v1/instances", inst("url", ""), "url"},
		{"POST", "/api/v1/instances", inst("url", "http://lab/\x00senaite"), "url"},
		// instances: other fields
		{"POST", "/api/v1/instances", inst("username", "ad\x00min"), "username"},
		{"POST", "/api/v1/instances", inst("username", ""), "username"},
		{"POST", "/api/v1/instances", inst("username", "ad:min"), "username"},
		{"POST", "/api/v1/instances", inst("username", "admin\n"), "username"},
		{"POST", "/api/v1/instances", inst("username", strings.Repeat("u", 300)), "username"},
		{"POST", "/api/v1/instances", inst("password", ""), "password"},
		{"POST", "/api/v1/instances", inst("password", strings.Repeat("p", 3000)), "password"},
		{"POST", "/api/v1/instances", inst("password", big), "password"},
		{"POST", "/api/v1/instances", inst("password", "p\x00w"), "password"},
		{"POST", "/api/v1/instances", inst("ca_cert", "not a pem"), "ca_cert"},
		{"POST", "/api/v1/instances", inst("ca_cert", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), "ca_cert"},
		{"POST", "/api/v1/instances", inst("ca_cert", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), "ca_cert"},
		{"POST", "/api/v1/instances", inst("name", "Lab C"), "name"},
		{"POST", "/api/v1/instances", inst("name", "lab\x00c"), "name"},
		{"POST", "/api/v1/instances", inst("name", "../lab"), "name"},
		{"POST", "/api/v1/instances", inst("verifier_password", "pw"), "verifier_password"},
		{"POST", "/api/v1/instances", inst("colour", "red"), "colour"},
		// strict JSON
		{"POST", "/api/v1/instances", inst("name", "lab_c") + `{}`, "body"},
		{"POST", "/api/v1/instances", inst("name", "lab_c") + ` x`, "body"},
		{"POST", "/api/v1/instances", `{"name":"lab_c","name":"lab_d","url":"http://x/s","username":"u","password":"p"}`, "name"},
		{"POST", "/api/v1/instances", `{"name":"lab_c","url":"http://x/s","username":"u","password":"p","password":"q"}`, "password"},
		{"POST", "/api/v1/instances", "{\"name\":\"lab_\xffc\",\"url\":\"http://x/s\",\"username\":\"u\",\"password\":\"p\"}", "body"},
		{"POST", "/api/v1/instances", `{"name":"lab_c",`, ""},
		{"POST", "/api/v1/instances", `[]`, ""},
		{"POST", "/api/v1/instances", `{"name":1}`, "name"},
		{"POST", "/api/v1/instances", `{"password":"` + strings.Repeat("p", 1100<<10) + `"}`, "body"},
		// instance edits
		{"PUT", "/api/v1/instances/lab_a", `{"url":"http://elsewhere.example/senaite","username":"admin"}`, "password"},
		{"PUT", "/api/v1/instances/lab_a", `{"url":"http://127.0.0.1:1/senaite","username":"root"}`, "password"},
		{"PUT", "/api/v1/instances/lab_a", `{"url":"http://u:p@127.0.0.1:1/senaite","username":"admin","password":"pw"}`, "url"},
		{"PUT", "/api/v1/instances/lab_a", `{"name":"lab_z","url":"http://127.0.0.1:1/senaite","username":"admin"}`, "name"},
		// remotes
		{"POST", "/api/v1/remotes", rem("name", "C D"), "name"},
		{"POST", "/api/v1/remotes", rem("source", ""), "source"},
		{"POST", "/api/v1/remotes", rem("destination", "lab_a"), "destination"},
		{"POST", "/api/v1/remotes", rem("type_mapping", map[string]string{"Client": "../../x?y"}), "type_mapping"},
		{"POST", "/api/v1/remotes", rem("type_mapping", map[string]string{"Cli ent": "Client"}), "type_mapping"},
		{"POST", "/api/v1/remotes", rem("skip_types", []string{"Method;DROP"}), "skip_types"},
		{"POST", "/api/v1/remotes", rem("prefixable_types", []string{"Sample\x00"}), "prefixable_types"},
		{"POST", "/api/v1/remotes", rem("page_size", "big"), "page_size"},
		{"POST", "/api/v1/remotes", rem("auto_sync", "every tuesday"), "auto_sync"},
		{"POST", "/api/v1/remotes", `{"name":"cd","source":"lab_a","destination":"lab_b","page_size":5,"options":{"page_size":6}}`, "options"},
		{"PUT", "/api/v1/remotes/ab", `{"destination":"lab_a"}`, "destination"},
		{"PUT", "/api/v1/remotes/ab", `{"skip_types":["A"],"skip_types":["B"]}`, "skip_types"},
		// query parameters and paths
		{"GET", "/api/v1/remotes/ab/objects?q=a%00b", "", "q"},
		{"GET", "/api/v1/remotes/ab/objects?q=%ff", "", "q"},
		{"GET", "/api/v1/remotes/ab/objects?portal_type=%ff", "", "portal_type"},
		{"GET", "/api/v1/remotes/ab/objects?cursor=%00", "", "cursor"},
		{"GET", "/api/v1/remotes/ab/objects?q=" + strings.Repeat("q", 2000), "", "q"},
		{"GET", "/api/v1/remotes/%ff/objects", "", "path"},
		{"GET", "/api/v1/runs?remote=%00", "", "remote"},
		{"GET", "/api/v1/runs/not-a-uuid", "", "id"},
		{"POST", "/api/v1/runs/not-a-uuid/cancel", "", "id"},
	}
	if len(cases) < 60 {
		t.Fatalf("%d cases, want at least 60", len(cases))
	}
	for _, tc := range cases {
		st, out, body := raw(t, hs, tc.method, tc.path, tc.body, h)
		short := tc.body
		if len(short) > 80 {
			short = short[:80] + "…"
		}
		if st < 400 || st > 499 {
			t.Errorf("%s %s %q: %d %.300s, want a 4xx", tc.method, tc.path, short, st, body)
			continue
		}
		if tc.field != "" && field(out) != tc.field {
			t.Errorf("%s %s %q: field %q (%.200s), want %q", tc.method, tc.path, short, field(out), body, tc.field)
		}
		if strings.Contains(body, "SQLSTATE") || strings.Contains(body, "pgx") {
			t.Errorf("%s %s: a database error reached the client: %s", tc.method, tc.path, body)
		}
	}
	// nothing of the above was stored
	if _, _, body := raw(t, hs, "GET", "/api/v1/instances", "", h); strings.Contains(body, "lab_c") || strings.Contains(body, "elsewhere") {
		t.Fatalf("a refused input was stored: %s", body)
	}
	// an unknown run is not found (not "finished")
	if st, _, _ := raw(t, hs, "POST", "/api/v1/runs/00000000-0000-0000-0000-000000000001/cancel", "", h); st != 404 {
		t.Errorf("cancel of an unknown run: %d, want 404", st)
	}
	// what a GET answers can be PUT back
	for _, path := range []string{"/api/v1/remotes/ab", "/api/v1/instances/lab_a"} {
		_, _, got := raw(t, hs, "GET", path, "", h)
		if st, _, body := raw(t, hs, "PUT", path, got, h); st != 200 {
			t.Errorf("PUT back the GET of %s: %d %s", path, st, body)
		}
	}
}
