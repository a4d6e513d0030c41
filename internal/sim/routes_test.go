package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteURLForms(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 0)
	clients := f.lab.byPath["/senaite/clients"]
	// create by parent_path and by <resource>/create/<uid>
	r := f.do("POST", "/create", map[string]any{"portal_type": "Client", "parent_path": "/senaite/clients", "Name": "A", "ClientID": "A"}, true)
	if r.status != 200 {
		t.Fatalf("create by parent_path: %s", r.body)
	}
	uid := r.json["items"].([]any)[0].(map[string]any)["uid"].(string)
	r = f.do("POST", "/Client/create/"+clients.UID, map[string]any{"Name": "B", "ClientID": "B"}, true)
	if r.status != 200 {
		t.Fatalf("resource create: %s", r.body)
	}
	// update forms: /update/<uid>, /update with uid, with path, /client/update/<uid>
	for i, form := range []struct {
		route string
		body  map[string]any
	}{
		{"/update/" + uid, map[string]any{"Phone": "1"}},
		{"/update", map[string]any{"uid": uid, "Phone": "2"}},
		{"/update", map[string]any{"path": "/senaite/clients/client-1", "Phone": "3"}},
		{"/client/update/" + uid, map[string]any{"Phone": "4"}},
	} {
		r := f.do("POST", form.route, form.body, true)
		if r.status != 200 || r.json["url"] != f.api+"/update" {
			t.Fatalf("update form %d: %d %s", i, r.status, r.body)
		}
		if got := f.lab.Lookup(uid).str("Phone"); got != itoa(i+1) {
			t.Fatalf("update form %d set Phone %q", i, got)
		}
	}
	// X-HTTP-Method-Override on POST /<uid>
	req, _ := http.NewRequest("POST", f.api+"/"+uid, strings.NewReader(`{"Phone": "5"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-HTTP-Method-Override", "PATCH")
	req.SetBasicAuth("admin", "secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if f.lab.Lookup(uid).str("Phone") != "5" {
		t.Fatal("method override did not update")
	}
	// the id is never updated; structural objects are refused
	f.do("POST", "/update/"+uid, map[string]any{"id": "renamed"}, true)
	if f.lab.Lookup(uid).ID != "client-1" {
		t.Fatal("id changed by update")
	}
	r = f.do("POST", "/update/"+clients.UID, map[string]any{"title": "x"}, true)
	if r.status != 401 || !strings.HasPrefix(r.json["message"].(string), "Update of /senaite/clients is not allowed") {
		t.Fatalf("update of a root folder: %d %s", r.status, r.body)
	}
	r = f.do("POST", "/update", map[string]any{"path": "/senaite/clients/nope", "Phone": "x"}, true)
	if r.status != 404 {
		t.Fatalf("update of a missing path: %d %s", r.status, r.body)
	}
	r = f.do("POST", "/update", map[string]any{"uid": "0123456789abcdef0123456789abcdef"}, true)
	if r.status != 400 || r.json["message"] != "No Objects could be updated" {
		t.Fatalf("update of an unknown uid: %d %s", r.status, r.body)
	}
	// a read-only field is refused with 401
	lc := f.lab.byPath["/senaite/methods"]
	r = f.do("POST", "/create", map[string]any{"portal_type": "Method", "parent_uid": lc.UID, "title": "M", "Instruments": []string{}}, true)
	if r.status != 401 || !strings.Contains(r.json["message"].(string), "Not allowed to set the field 'Instruments'") {
		t.Fatalf("read-only field: %d %s", r.status, r.body)
	}
	// delete deactivates, answers raw items without url keys
	r = f.do("POST", "/delete/"+uid, nil, true)
	it := r.json["items"].([]any)[0].(map[string]any)
	if _, has := it["api_url"]; has || r.json["url"] != f.api+"/delete" || f.lab.Lookup(uid).State != "inactive" {
		t.Fatalf("delete: %s", r.body)
	}
	// fields of an inactive object are locked
	r = f.do("POST", "/update/"+uid, map[string]any{"Phone": "6"}, true)
	if r.status != 401 {
		t.Fatalf("update of an inactive client: %d %s", r.status, r.body)
	}
}

func TestRetestsThroughTheAPI(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 400)
	var sample *Object
	for _, s := range f.lab.byType["AnalysisRequest"] {
		if s.State == "published" && s.ref("Invalidated") == "" && !strings.Contains(s.ID, "-R") {
			sample = s
			break
		}
	}
	r := f.do("POST", "/update/"+sample.UID, map[string]any{"transition": "invalidate"}, true)
	if r.status != 200 {
		t.Fatalf("invalidate: %s", r.body)
	}
	retest := f.lab.byPath[sample.Parent.Path+"/"+retestSuffix.ReplaceAllString(sample.ID, "")+"-R01"]
	if retest == nil {
		retest = f.lab.byPath[sample.Parent.Path+"/"+retestSuffix.ReplaceAllString(sample.ID, "")+"-R02"]
	}
	if retest == nil || retest.ref("Invalidated") != sample.UID || sample.State != "invalid" {
		t.Fatalf("no retest sample for %s (state %s)", sample.ID, sample.State)
	}
	// retract makes a retest analysis Ca-1 pointing back
	var a *Object
	for _, ch := range retest.children {
		if ch.Type.Name == "Analysis" {
			a = ch
			break
		}
	}
	r = f.do("POST", "/update/"+a.UID, map[string]any{"Result": "1.5", "transition": "submit"}, true)
	if r.status != 200 || a.State != "to_be_verified" {
		t.Fatalf("submit: %s (%s)", r.body, a.State)
	}
	r = f.do("POST", "/update/"+a.UID, map[string]any{"transition": "retract"}, true)
	if r.status != 200 || a.State != "retracted" {
		t.Fatalf("retract: %s", r.body)
	}
	var retestAnalysis *Object
	for _, ch := range retest.children {
		if ch.ref("RetestOf") == a.UID {
			retestAnalysis = ch
		}
	}
	if retestAnalysis == nil || retestAnalysis.ID != a.ID+"-1" {
		t.Fatalf("retest analysis of %s: %+v", a.ID, retestAnalysis)
	}
	// an impossible transition: HTTP 200 success:false after the fields were set
	r = f.do("POST", "/update/"+retestAnalysis.UID, map[string]any{"Remarks": "set anyway", "transition": "publish"}, true)
	if r.status != 200 || r.json["success"] != false || !strings.HasPrefix(r.json["message"].(string), "Failed to perform transition 'publish'") {
		t.Fatalf("impossible transition: %d %s", r.status, r.body)
	}
	if retestAnalysis.str("Remarks") != "set anyway" {
		t.Fatal("fields set before a failed transition stay set")
	}
}

func TestUsersLoginAuth(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 0)
	if r := f.do("GET", "/auth", nil, false); r.status != 401 || r.header.Get("WWW-Authenticate") != `basic realm="JSONAPI AUTH"` {
		t.Fatalf("anonymous /auth: %d %v", r.status, r.header)
	}
	if r := f.do("GET", "/auth", nil, true); r.status != 200 {
		t.Fatalf("/auth: %d", r.status)
	}
	r := f.get("/users")
	if r.json["count"] != 2.0 {
		t.Fatalf("/users: %s", r.body)
	}
	r = f.get("/users/nobody")
	if items := r.json["items"].([]any); r.json["count"] != 1.0 || items[0] != nil {
		t.Fatalf("/users/nobody: %s", r.body)
	}
	r = f.do("GET", "/users/current", nil, false)
	if it := r.json["items"].([]any)[0].(map[string]any); it["username"] != "Anonymous User" {
		t.Fatalf("anonymous current: %s", r.body)
	}
	if r := f.do("GET", "/login", nil, false); r.status != 400 || r.json["message"] != "__ac_name is missing" {
		t.Fatalf("login without name: %d %s", r.status, r.body)
	}
	if r := f.do("GET", "/login?__ac_name=admin&__ac_password=bad", nil, false); r.status != 401 {
		t.Fatalf("login with a bad password: %d", r.status)
	}
	resp, err := http.Get(f.api + "/login?__ac_name=admin&__ac_password=secret")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "__ac" {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("no __ac cookie")
	}
	req, _ := http.NewRequest("GET", f.api+"/users/current", nil)
	req.AddCookie(cookie)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(raw, []byte(`"username": "admin"`)) || !bytes.Contains(raw, []byte(`"authenticated": true`)) {
		t.Fatalf("cookie session: %s", raw)
	}
	if r := f.get("/logout"); r.json["success"] != true || r.json["authenticated"] != false {
		t.Fatalf("logout: %s", r.body)
	}
}

func TestRegistrySettingsAndPloneREST(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 0)
	if r := f.get("/registry"); r.status != 500 || !strings.Contains(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("/registry with a datetime record: %d %s", r.status, r.header.Get("Content-Type"))
	}
	r := f.get("/registry/senaite")
	if r.status != 200 || r.json["count"].(float64) < 3 || len(r.json["items"].([]any)) != 1 {
		t.Fatalf("/registry/senaite: %s", r.body)
	}
	r = f.get("/settings/mail")
	item := r.json["items"].([]any)[0].(map[string]any)
	if _, ok := item["mail"].(map[string]any)["IMailSchema"]; !ok || item["api_url"] != f.api+"/settings/mail" {
		t.Fatalf("/settings/mail: %s", r.body)
	}
	if r := f.get("/settings/nope"); r.status != 200 || r.json["success"] != false {
		t.Fatalf("/settings/nope: %s", r.body)
	}
	site := f.srv.URL + "/senaite"
	rest := func(method, path, body string, auth bool) (int, []byte) {
		req, _ := http.NewRequest(method, site+"/"+path, strings.NewReader(body))
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Content-Type", "application/json")
		if auth {
			req.SetBasicAuth("admin", "secret")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, raw
	}
	if st, _ := rest("GET", "@users", "", false); st != 401 {
		t.Fatalf("anonymous @users: %d", st)
	}
	if st, raw := rest("POST", "@users", `{"username": "jdoe", "email": "j@x.org", "password": "Long-pass-1", "roles": ["Analyst"]}`, true); st != 201 || bytes.Contains(raw, []byte("Long-pass-1")) {
		t.Fatalf("create user: %d %s", st, raw)
	}
	if st, _ := rest("POST", "@users", `{"username": "jdoe", "email": "j@x.org"}`, true); st != 400 {
		t.Fatalf("duplicate user: %d", st)
	}
	if r := f.get("/users/jdoe"); r.json["items"].([]any)[0] == nil {
		t.Fatal("a user created through plone.restapi is listed by senaite.jsonapi")
	}
	if st, _ := rest("PATCH", "@registry", `{"senaite.impress.default_paperformat": "A5"}`, true); st != 204 {
		t.Fatalf("patch registry: %d", st)
	}
	if st, raw := rest("GET", "@registry/senaite.impress.default_paperformat", "", true); st != 200 || !bytes.Contains(raw, []byte("A5")) {
		t.Fatalf("registry value: %d %s", st, raw)
	}
	if st, _ := rest("PATCH", "@controlpanels/mail", `{"smtp_host": "mail.lab"}`, true); st != 204 {
		t.Fatalf("patch control panel: %d", st)
	}
	if st, raw := rest("GET", "@controlpanels/mail", "", true); st != 200 || !bytes.Contains(raw, []byte("mail.lab")) {
		t.Fatalf("control panel: %d %s", st, raw)
	}
	off := newSimFixture(t, Options{NoPloneREST: true}, 0)
	req, _ := http.NewRequest("GET", off.srv.URL+"/senaite/@users", nil)
	req.SetBasicAuth("admin", "secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("a lab without plone.restapi: %d", resp.StatusCode)
	}
}

func TestAdminFaultsRouteAndDataFile(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{Seed: 9}, 300)
	put := func(body string) int {
		req, _ := http.NewRequest("PUT", f.srv.URL+"/__sim/faults", strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := put(`{"error_rate": 2}`); st != 400 {
		t.Fatalf("a rate above 1 is refused: %d", st)
	}
	if st := put(`{"fail_next": ["html500", "apierror"]}`); st != 200 {
		t.Fatalf("set faults: %d", st)
	}
	if r := f.get("/version"); r.status != 500 {
		t.Fatalf("first request after fail_next: %d", r.status)
	}
	if r := f.get("/version"); r.status != 200 || r.json["success"] != false {
		t.Fatalf("second request: %d %s", r.status, r.body)
	}
	if r := f.get("/version"); r.json["version"] != "2.6.0" {
		t.Fatalf("third request is healthy: %s", r.body)
	}
	// --data: a saved lab loads back with the same objects and UIDs
	path := filepath.Join(t.TempDir(), "lab.json")
	if err := f.lab.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if back.Total() != f.lab.Total() {
		t.Fatalf("loaded %d objects of %d", back.Total(), f.lab.Total())
	}
	for _, o := range f.lab.all[:50] {
		b := back.Lookup(o.UID)
		if b == nil || b.Path != o.Path || b.State != o.State || len(b.History) != len(o.History) {
			t.Fatalf("%s did not come back the same", o.Path)
		}
	}
	var st Stats
	resp, err := http.Get(f.srv.URL + "/__sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st.Total != f.lab.Total() || st.Faults["html500"] != 1 {
		t.Fatalf("stats: %+v", st)
	}
}

// TestStatsCountRequests: the admin stats count the site's requests by
// reads and writes (what a benchmark divides by the work done), and not
// their own.
func TestStatsCountRequests(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 0)
	f.do("GET", "/search?portal_type=Client", nil, true)
	f.do("GET", "/version", nil, true)
	f.do("POST", "/create", map[string]any{"portal_type": "Client", "parent_path": "/senaite/clients", "Name": "S", "ClientID": "S"}, true)
	stats := func() Stats {
		var st Stats
		resp, err := http.Get(f.srv.URL + "/__sim/stats")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	stats()
	if st := stats(); st.Requests["reads"] != 2 || st.Requests["writes"] != 1 {
		t.Fatalf("requests %v, want 2 reads and 1 write", st.Requests)
	}
}
