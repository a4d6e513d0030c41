package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// simFixture is a served lab and a raw HTTP caller: these tests check the
// bytes SENAITE would answer, not a client's reading of them.
type simFixture struct {
	t   *testing.T
	lab *Lab
	srv *httptest.Server
	api string
}

func newSimFixture(t *testing.T, opts Options, objects int) *simFixture {
	t.Helper()
	if opts.Users == nil {
		opts.Users = []User{{Username: "admin", Password: "secret"}, {Username: "verifier", Password: "pw"}}
	}
	lab, err := NewLab(opts)
	if err != nil {
		t.Fatal(err)
	}
	if objects > 0 {
		if err := Generate(lab, objects); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(NewServer(lab, nil, nil))
	t.Cleanup(srv.Close)
	return &simFixture{t: t, lab: lab, srv: srv, api: srv.URL + "/senaite/@@API/senaite/v1"}
}

type rawResponse struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

func (f *simFixture) do(method, route string, body any, auth bool) rawResponse {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, f.api+route, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth {
		req.SetBasicAuth("admin", "secret")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := rawResponse{status: resp.StatusCode, header: resp.Header, body: raw}
	_ = json.Unmarshal(raw, &r.json)
	return r
}

func (f *simFixture) get(route string) rawResponse { return f.do("GET", route, nil, true) }

func TestVersionAndRuntime(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 0)
	r := f.do("GET", "/version", nil, false)
	if r.status != 200 || r.json["version"] != "2.6.0" {
		t.Fatalf("version: %d %s", r.status, r.body)
	}
	if _, ok := r.json["_runtime"].(float64); !ok {
		t.Fatalf("no _runtime in %s", r.body)
	}
	if !bytes.Contains(r.body, []byte(`", "`)) {
		t.Fatalf("not Python json.dumps spacing: %s", r.body)
	}
	r = f.do("GET", "", nil, false)
	if r.json["version"] != "2.6.0" {
		t.Fatalf("root is the version route: %s", r.body)
	}
}

func TestRouterErrorsAreHTTP200(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 0)
	tests := []struct {
		name, method, route string
		status              int
		message             string
	}{
		{"unknown resource", "GET", "/nosuchtype", 404, "Not Found"},
		{"router miss", "GET", "/client/a/b/c", 200, msgRouterNotFound},
		{"post on search", "POST", "/search", 200, msgMethodNotAllowed},
		{"get on create is a resource", "GET", "/create", 404, "Not Found"},
		{"unknown uid", "GET", "/0123456789abcdef0123456789abcdef", 404, "No object found"},
		{"unknown catalog", "GET", "/catalogs/nope", 200, "KeyError: 'nope'"},
	}
	for _, tt := range tests {
		r := f.do(tt.method, tt.route, nil, true)
		if r.status != tt.status || r.json["success"] != false || r.json["message"] != tt.message {
			t.Errorf("%s: got %d %s, want %d %q", tt.name, r.status, r.body, tt.status, tt.message)
		}
		if _, ok := r.json["_runtime"]; !ok {
			t.Errorf("%s: error without _runtime", tt.name)
		}
	}
}

func TestEmptyListingEnvelope(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 0)
	r := f.get("/client")
	want := map[string]any{"count": 0.0, "page": 1.0, "pages": 1.0, "next": nil, "previous": nil, "pagesize": 25.0}
	for k, v := range want {
		if got, ok := r.json[k]; !ok || got != v {
			t.Errorf("%s = %v, want %v (%s)", k, got, v, r.body)
		}
	}
	if items, ok := r.json["items"].([]any); !ok || len(items) != 0 {
		t.Errorf("items = %v", r.json["items"])
	}
	if _, ok := r.json["url"]; ok {
		t.Errorf("listings have no url key")
	}
}

func TestCreateAssignsIDAndIgnoresGivenOne(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 0)
	clients := f.lab.byPath["/senaite/clients"]
	r := f.do("POST", "/create", map[string]any{"portal_type": "Client", "parent_uid": clients.UID,
		"id": "my-own-id", "uid": "ffffffffffffffffffffffffffffffff", "Name": "Happy Hills", "ClientID": "HH",
		"NoSuchField": "ignored"}, true)
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	items := r.json["items"].([]any)
	it := items[0].(map[string]any)
	if it["id"] != "client-1" || it["uid"] == "ffffffffffffffffffffffffffffffff" || len(it["uid"].(string)) != 32 {
		t.Fatalf("ids: %v %v", it["id"], it["uid"])
	}
	if r.json["url"] != f.api+"/create" || r.json["count"] != 1.0 {
		t.Fatalf("envelope: %s", r.body)
	}
	// null rules: falsy AT fields are null, an empty UID reference is {}
	if it["Fax"] != nil {
		t.Errorf("empty Fax = %v, want null", it["Fax"])
	}
	if v, ok := it["DefaultCategories"].(map[string]any); !ok || len(v) != 0 {
		t.Errorf("empty UID reference = %#v, want {}", it["DefaultCategories"])
	}
	// duplicate natural key: 400 with a JSON-encoded dict string
	r = f.do("POST", "/client/create/"+clients.UID, map[string]any{"Name": "Other", "ClientID": "HH"}, true)
	if r.status != 400 || !strings.HasPrefix(r.json["message"].(string), `{"ClientID": `) &&
		!strings.HasPrefix(r.json["message"].(string), `{"ClientID":`) {
		t.Fatalf("duplicate ClientID: %d %s", r.status, r.body)
	}
	// the id counter was consumed by the failed create
	r = f.do("POST", "/create", map[string]any{"portal_type": "Client", "parent_uid": clients.UID, "Name": "B", "ClientID": "B"}, true)
	if id := r.json["items"].([]any)[0].(map[string]any)["id"]; id != "client-3" {
		t.Fatalf("next id = %v, want client-3", id)
	}
}

func TestCreateRefusals(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 0)
	setup := f.lab.byPath["/senaite/bika_setup"]
	clients := f.lab.byPath["/senaite/clients"]
	tests := []struct {
		name   string
		body   map[string]any
		auth   bool
		status int
		prefix string
	}{
		{"in bika_setup", map[string]any{"portal_type": "Client", "parent_uid": setup.UID}, true, 401, "Creation of 'Client' in '/senaite/bika_setup' is not allowed"},
		{"wrong type in container", map[string]any{"portal_type": "Contact", "parent_uid": clients.UID}, true, 401, "Creation of 'Contact'"},
		{"no container", map[string]any{"portal_type": "Client"}, true, 400, "Please provide a container path/uid and portal_type"},
		{"missing container", map[string]any{"portal_type": "Client", "parent_uid": "0123456789abcdef0123456789abcdef"}, true, 404, "No target container found"},
		{"anonymous", map[string]any{"portal_type": "Client", "parent_uid": clients.UID}, false, 401, "You are not allowed"},
		{"required fields", map[string]any{"portal_type": "Client", "parent_uid": clients.UID}, true, 400, "{"},
	}
	for _, tt := range tests {
		r := f.do("POST", "/create", tt.body, tt.auth)
		msg, _ := r.json["message"].(string)
		if r.status != tt.status || !strings.HasPrefix(msg, tt.prefix) {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
		}
	}
	// a JSON array body cannot be .update()d
	req, _ := http.NewRequest("POST", f.api+"/create", strings.NewReader(`[{"portal_type": "Client"}]`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("admin", "secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !bytes.Contains(raw, []byte("'list' object has no attribute 'update'")) {
		t.Errorf("array body: %d %s", resp.StatusCode, raw)
	}
}

func TestWrongPasswordIsAnonymousNotAnError(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 300)
	req, _ := http.NewRequest("GET", f.api+"/client", nil)
	req.SetBasicAuth("admin", "wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()
	if resp.StatusCode != 200 || env["count"] != 0.0 {
		t.Fatalf("wrong password: %d count=%v, want 200 and an empty lab", resp.StatusCode, env["count"])
	}
	if got := f.get("/client"); got.json["count"].(float64) < 2 {
		t.Fatalf("the right password sees the clients: %s", got.body[:200])
	}
}

func TestResourceUIDRoutes(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 300)
	client := f.lab.byType["Client"][0]
	// /<resource>/<uid>: envelope, count 1, type not checked
	r := f.get("/analysisrequest/" + client.UID)
	if r.json["count"] != 1.0 || r.json["items"].([]any)[0].(map[string]any)["portal_type"] != "Client" {
		t.Fatalf("resource/uid: %s", r.body)
	}
	r = f.get("/client/0123456789abcdef0123456789abcdef")
	if r.status != 200 || r.json["count"] != 0.0 {
		t.Fatalf("unknown uid in resource route: %d %s", r.status, r.body)
	}
	// /<uid>: bare record
	r = f.get("/" + client.UID + "?workflow=yes")
	if _, ok := r.json["items"]; ok || r.json["uid"] != client.UID {
		t.Fatalf("bare record: %s", r.body[:300])
	}
	if _, ok := r.json["workflow_info"]; !ok {
		t.Fatalf("workflow=yes on /<uid> has workflow_info")
	}
	// resources are case-insensitive
	if r := f.get("/CLIENT?limit=1"); r.json["count"].(float64) < 2 {
		t.Fatalf("case-insensitive resource: %s", r.body)
	}
}

func TestCatalogIndexesDecideChangeQueries(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 600)
	// modified is indexed for samples only in 2.6: modified_since filters
	// samples but is silently ignored for analyses (everything returned)
	all := f.get("/analysis?limit=1").json["count"].(float64)
	recent := f.get("/analysis?limit=1&modified_since=1s").json["count"].(float64)
	if recent != all {
		t.Fatalf("analysis modified_since must be ignored: %v of %v", recent, all)
	}
	allSamples := f.get("/analysisrequest?limit=1").json["count"].(float64)
	recentSamples := f.get("/analysisrequest?limit=1&modified_since=1s").json["count"].(float64)
	if allSamples == 0 || recentSamples != 0 {
		t.Fatalf("sample modified_since must filter: %v of %v", recentSamples, allSamples)
	}
	cat := f.get("/catalogs/senaite_catalog_sample")
	if !containsAny(cat.json["indexes"], "modified") {
		t.Fatalf("sample catalog indexes: %s", cat.body)
	}
	cat = f.get("/catalogs/senaite_catalog_analysis")
	if containsAny(cat.json["indexes"], "modified") || !containsAny(cat.json["indexes"], "created") {
		t.Fatalf("analysis catalog indexes: %s", cat.body)
	}
}

func containsAny(v any, s string) bool {
	list, _ := v.([]any)
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestPagingOverALab(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 600)
	n := int(f.get("/analysis?limit=1").json["count"].(float64))
	seen := map[string]bool{}
	for s := 0; s < n; s += 7 {
		r := f.get("/analysis?limit=7&sort_on=created&b_start=" + itoa(s))
		for _, it := range r.json["items"].([]any) {
			uid := it.(map[string]any)["uid"].(string)
			if seen[uid] {
				t.Fatalf("uid %s twice", uid)
			}
			seen[uid] = true
		}
		if s+7 < n {
			if next, _ := r.json["next"].(string); !strings.Contains(next, "b_start="+itoa(s+7)) {
				t.Fatalf("next = %v", r.json["next"])
			}
		}
	}
	if len(seen) != n || n != f.lab.Count("Analysis") {
		t.Fatalf("paged %d of %d (lab has %d)", len(seen), n, f.lab.Count("Analysis"))
	}
}
