package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// restCall is a plone.restapi request on a content URL (path under the
// site root), as a sync makes it: Accept and Content-Type JSON, Basic auth.
func (f *simFixture) restCall(method, path string, body any, header map[string]string) rawResponse {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, f.srv.URL+"/senaite"+path, rd)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("admin", "secret")
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
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

// item reads an object's complete jsonapi item (GET /<uid>).
func (f *simFixture) item(path string) map[string]any {
	f.t.Helper()
	o := f.lab.byPath["/senaite"+path]
	if o == nil {
		f.t.Fatalf("no object at %s", path)
	}
	r := f.get("/" + o.UID)
	if r.status != 200 || r.json["success"] == false {
		f.t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	return r.json
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back any
	_ = json.Unmarshal(raw, &back)
	raw, _ = json.Marshal(back)
	return string(raw)
}

// TestFreshSingletonsShowTheirDefaults: a fresh 2.6 site's bika_setup and
// Laboratory answer every schema field with its default under
// senaite.jsonapi's AT null rules; the DX Setup cannot be read completely
// until its publication email body is saved.
func TestFreshSingletonsShowTheirDefaults(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 0)

	bs := f.item("/bika_setup")
	for _, fl := range bikaSetupFields2x() {
		if _, ok := bs[fl.Name]; !ok {
			t.Errorf("bika_setup item lacks field %s", fl.Name)
		}
	}
	for name, want := range map[string]any{
		"title": "Setup", "Currency": "EUR", "MemberDiscount": "33.33", "VAT": "19.00",
		"MinimumResults": 5.0, "NumberOfRequiredVerifications": 1.0, "TypeOfmultiVerification": "self_multi_enabled",
		"WorksheetLayout": "analyses_classic_view", "DefaultNumberOfCopies": 1.0,
		"SmallStickerTemplate": "Code_128_1x48mm.pt", "EmailFromSamplePublication": "lab@lab.example.org",
		"ShowPrices": true, "AutoVerifySamples": true, "DashboardByDefault": true,
		// falsy values are null (AT rules), an empty UIDReferenceField {}
		"AutoLogOff": nil, "DefaultCountry": nil, "SelfVerificationEnabled": nil, "SamplingWorkflowEnabled": nil,
		"IDServerValues": nil, "RejectionReasons": nil, "AutoPrintStickers": nil, "LandingPage": map[string]any{},
		// proxies show the AT storage's default, not senaite_setup's value
		// (allow_manual_result_capture_date defaults to False there)
		"AllowManualResultCaptureDate": true, "MaxNumberOfSamplesAdd": 10.0, "EmailBodySamplePublication": nil,
	} {
		if got := bs[name]; !reflect.DeepEqual(got, want) {
			t.Errorf("bika_setup %s = %#v, want %#v", name, got, want)
		}
	}
	if got, want := asJSON(t, bs["IDFormatting"]), asJSON(t, defaultIDFormatting()); got != want {
		t.Errorf("IDFormatting = %s, want the 2.6 default %s", got, want)
	}
	if got := asJSON(t, bs["Workdays"]); got != `["0","1","2","3","4","5","6"]` {
		t.Errorf("Workdays = %s", got)
	}
	if got := asJSON(t, bs["DefaultTurnaroundTime"]); got != `{"days":5,"hours":0,"minutes":0}` {
		t.Errorf("DefaultTurnaroundTime = %s", got)
	}
	// the same item through the resource route and a complete search
	uid := f.lab.bikaSetup().UID
	for _, route := range []string{"/bikasetup/" + uid, "/search?portal_type=BikaSetup&complete=yes"} {
		r := f.get(route)
		items, _ := r.json["items"].([]any)
		if r.status != 200 || len(items) != 1 || items[0].(map[string]any)["Currency"] != "EUR" {
			t.Errorf("%s: %d %s", route, r.status, r.body)
		}
	}

	lab := f.item("/bika_setup/laboratory")
	for name, want := range map[string]any{
		"title": "Laboratory Information", "Name": "Laboratory Information", "LaboratoryAccredited": nil,
		"Confidence": nil, "Supervisor": map[string]any{}, "AccreditationBodyLogo": nil,
		"AccreditationPageHeader": defaultAccreditationPageHeader, "PhysicalAddress": nil, "TaxNumber": nil,
	} {
		if got := lab[name]; !reflect.DeepEqual(got, want) {
			t.Errorf("laboratory %s = %#v, want %#v", name, got, want)
		}
	}

	setup := f.lab.senaiteSetup()
	r := f.get("/" + setup.UID)
	if r.status != 200 || r.json["success"] != false || r.json["message"] != unicodeOutputError {
		t.Fatalf("fresh Setup read: %d %s", r.status, r.body)
	}
	r = f.get("/search?portal_type=Setup&complete=yes")
	if r.json["success"] != false || r.json["message"] != unicodeOutputError {
		t.Fatalf("complete listing with the fresh Setup: %d %s", r.status, r.body)
	}
	r = f.get("/search?portal_type=Setup")
	if r.json["count"] != 1.0 {
		t.Fatalf("metadata listing of the Setup: %d %s", r.status, r.body)
	}
	// once the form is saved, the Setup reads under DX rules
	f.lab.mu.Lock()
	setRichText(setup, "email_body_sample_publication", "<p>Results attached.</p>")
	f.lab.mu.Unlock()
	ss := f.item("/setup")
	for name, want := range map[string]any{
		"title": "SENAITE Setup", "email_from_sample_publication": "lab@lab.example.org",
		"email_body_sample_publication": "<p>Results attached.</p>", "always_cc_responsibles_in_report_emails": true,
		"enable_global_auditlog": nil, "immediate_results_entry": nil, "max_number_of_samples_add": 10.0,
		"date_sampled_required": true, "exclude_from_nav": true, "site_logo": nil,
	} {
		if got := ss[name]; !reflect.DeepEqual(got, want) {
			t.Errorf("setup %s = %#v, want %#v", name, got, want)
		}
	}
	if _, ok := ss["description"]; !ok {
		t.Errorf("setup item lacks the description attribute")
	}
}

// TestJSONAPIRefusesToUpdateTheSingletons: api.py is_update_allowed refuses
// the portal's children (bika_setup, setup) and bika_setup's (the
// Laboratory); nothing is written.
func TestJSONAPIRefusesToUpdateTheSingletons(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 0)
	for path, field := range map[string]string{"/bika_setup": "Currency", "/bika_setup/laboratory": "Name",
		"/setup": "max_number_of_samples_add"} {
		o := f.lab.byPath["/senaite"+path]
		before := asJSON(t, o.Fields)
		r := f.do("POST", "/update/"+o.UID, map[string]any{field: "x"}, true)
		if r.status != 401 || r.json["message"] != "Update of /senaite"+path+" is not allowed" {
			t.Errorf("update %s: %d %s", path, r.status, r.body)
		}
		if asJSON(t, o.Fields) != before {
			t.Errorf("update %s changed fields", path)
		}
	}
}

// TestGeneratedSingletonsDifferFromAFreshSite: a generated lab's settings
// are a lab manager's, every one different from the default, except the
// ID formatting the ID server numbers by.
func TestGeneratedSingletonsDifferFromAFreshSite(t *testing.T) {
	t.Parallel()
	fresh := newSimFixture(t, Options{}, 0)
	gen := newSimFixture(t, Options{Seed: 3}, 600)

	changed := map[string][]string{
		"/bika_setup": {"Currency", "DefaultCountry", "VAT", "MemberDiscount", "DefaultTurnaroundTime",
			"DefaultSampleLifetime", "Workdays", "CategoriseAnalysisServices", "ShowPartitions",
			"TypeOfmultiVerification", "WorksheetLayout", "RejectionReasons", "AutoPrintStickers"},
		"/bika_setup/laboratory": {"title", "Name", "TaxNumber", "Phone", "LabURL", "PhysicalAddress",
			"Confidence", "LaboratoryAccredited", "AccreditationBody", "AccreditationBodyURL", "Accreditation",
			"AccreditationReference", "Supervisor"},
	}
	for path, names := range changed {
		a, b := fresh.item(path), gen.item(path)
		for _, n := range names {
			if asJSON(t, a[n]) == asJSON(t, b[n]) {
				t.Errorf("%s %s = %s on a generated lab, the fresh default", path, n, asJSON(t, b[n]))
			}
		}
	}
	bs := gen.item("/bika_setup")
	if got, want := asJSON(t, bs["IDFormatting"]), asJSON(t, defaultIDFormatting()); got != want {
		t.Errorf("generated IDFormatting = %s, want the default", got)
	}
	// what the workflows implement keeps the simulator's behaviour
	for name, want := range map[string]any{"NumberOfRequiredVerifications": 1.0, "SamplingWorkflowEnabled": nil,
		"AutoVerifySamples": true, "SelfVerificationEnabled": nil} {
		if got := bs[name]; !reflect.DeepEqual(got, want) {
			t.Errorf("generated %s = %#v, want %#v", name, got, want)
		}
	}
	lab := gen.item("/bika_setup/laboratory")
	sup, _ := lab["Supervisor"].(map[string]any)
	if o := gen.lab.Lookup(asString(sup["uid"])); o == nil || o.Type.Name != "LabContact" {
		t.Errorf("Supervisor %v is not a LabContact", lab["Supervisor"])
	}
	// a saved Setup reads completely and shows the manager's choices
	ss := gen.item("/setup")
	for name, want := range map[string]any{"email_from_sample_publication": "reports@lab.example.org",
		"max_number_of_samples_add": 20.0, "categorize_sample_analyses": true,
		"always_cc_responsibles_in_report_emails": nil, "show_lab_name_in_login": true} {
		if got := ss[name]; !reflect.DeepEqual(got, want) {
			t.Errorf("generated setup %s = %#v, want %#v", name, got, want)
		}
	}
}

func asString(v any) string { s, _ := v.(string); return s }

// TestPloneRESTPatchLaboratory: plone.restapi writes what jsonapi refuses:
// 204, fields set through their mutators, unknown keys ignored, modified
// moves; validation errors are 400 BadRequest and roll back.
func TestPloneRESTPatchLaboratory(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 0)
	lab := f.lab.laboratory()
	before := lab.Modified

	r := f.restCall("PATCH", "/bika_setup/laboratory", map[string]any{"Name": "Riverside Water Lab",
		"TaxNumber": "4650099", "LaboratoryAccredited": true, "Confidence": 95, "NoSuchField": "x",
		"PhysicalAddress": map[string]any{"address": "1 Main Rd", "city": "Durban", "country": "South Africa"}}, nil)
	if r.status != 204 || len(r.body) != 0 {
		t.Fatalf("PATCH: %d %s", r.status, r.body)
	}
	it := f.item("/bika_setup/laboratory")
	for name, want := range map[string]any{"title": "Riverside Water Lab", "Name": "Riverside Water Lab",
		"TaxNumber": "4650099", "LaboratoryAccredited": true, "Confidence": 95.0} {
		if got := it[name]; !reflect.DeepEqual(got, want) {
			t.Errorf("after PATCH %s = %#v, want %#v", name, got, want)
		}
	}
	if _, ok := it["NoSuchField"]; ok {
		t.Error("an unknown key became a field")
	}
	if !lab.Modified.After(before) {
		t.Errorf("modified did not move: %v → %v", before, lab.Modified)
	}

	// a required field emptied: 400, the AT message, nothing kept
	mod := lab.Modified
	r = f.restCall("PATCH", "/bika_setup/laboratory", map[string]any{"Name": "", "Phone": "555"}, nil)
	want := "[{'field': 'Name', 'message': u'Name is required, please correct.', 'error': 'ValidationError'}]"
	if r.status != 400 || r.json["type"] != "BadRequest" || r.json["message"] != want {
		t.Fatalf("required Name: %d %s", r.status, r.body)
	}
	if _, ok := r.json["traceback"]; !ok {
		t.Error("a Manager's error has no traceback")
	}
	if lab.str("Name") != "Riverside Water Lab" || lab.str("Phone") != "" || !lab.Modified.Equal(mod) {
		t.Errorf("failed PATCH kept changes: Name %q Phone %q", lab.str("Name"), lab.str("Phone"))
	}
	r = f.restCall("PATCH", "/bika_setup/laboratory", map[string]any{"EmailAddress": "not-an-email"}, nil)
	if r.status != 400 || !strings.Contains(asString(r.json["message"]),
		"Validation failed(isEmail): 'not-an-email' is not a valid email address.") {
		t.Fatalf("isEmail: %d %s", r.status, r.body)
	}

	// a representation on request; the title follows the Name
	r = f.restCall("PATCH", "/bika_setup/laboratory", map[string]any{"title": "Hilltop Lab"},
		map[string]string{"Prefer": "return=representation"})
	if r.status != 200 || r.json["Name"] != "Hilltop Lab" || r.json["title"] != "Hilltop Lab" ||
		r.json["@type"] != "Laboratory" || r.json["UID"] != lab.UID {
		t.Fatalf("representation: %d %s", r.status, r.body)
	}

	// what is not JSON, and who may not write
	r = f.restCall("PATCH", "/bika_setup/laboratory", "{not json", nil)
	if e, _ := r.json["error"].(map[string]any); r.status != 400 || e["type"] != "DeserializationError" {
		t.Fatalf("bad body: %d %s", r.status, r.body)
	}
	r = f.restCall("PATCH", "/bika_setup/laboratory", map[string]any{"Name": "X"}, map[string]string{"Authorization": ""})
	if r.status != 401 || r.json["type"] != "Unauthorized" || lab.str("Name") != "Hilltop Lab" {
		t.Fatalf("anonymous PATCH: %d %s", r.status, r.body)
	}
	r = f.restCall("PATCH", "/bika_setup/nope", map[string]any{"Name": "X"}, nil)
	if r.status != 404 || r.json["type"] != "NotFound" {
		t.Fatalf("missing object: %d %s", r.status, r.body)
	}
	r = f.restCall("PATCH", "/bika_setup/laboratory", map[string]any{"Name": "X"}, map[string]string{"Accept": "text/html"})
	if r.status != 405 || lab.str("Name") != "Hilltop Lab" {
		t.Fatalf("PATCH without JSON accept: %d %s", r.status, r.body)
	}

	noREST := newSimFixture(t, Options{NoPloneREST: true}, 0)
	r = noREST.restCall("PATCH", "/bika_setup/laboratory", map[string]any{"Name": "X"}, nil)
	if r.status != 404 || noREST.lab.laboratory().str("Name") != "Laboratory Information" {
		t.Fatalf("PATCH on a lab without plone.restapi: %d %s", r.status, r.body)
	}
	r = noREST.restCall("GET", "/bika_setup/laboratory", nil, nil)
	if r.status != 404 {
		t.Fatalf("GET on a lab without plone.restapi: %d", r.status)
	}
}

// TestPloneRESTPatchReadOnlyAndReferences: read-only fields are skipped
// silently; a UIDReferenceField keeps UIDs and drops what is not one;
// serializing an AT object whose UIDReferenceField is set fails (no JSON
// converter for content objects) and takes the PATCH back with it.
func TestPloneRESTPatchReadOnlyAndReferences(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{Seed: 5}, 600)
	lab := f.lab.laboratory()
	sup := lab.ref("Supervisor")
	methods := f.lab.Objects("Method")
	if len(methods) == 0 {
		t.Fatal("no Method in the generated lab")
	}
	m := methods[0]
	before := asJSON(t, m.Fields["Instruments"])
	r := f.restCall("PATCH", strings.TrimPrefix(m.Path, "/senaite"), map[string]any{
		"Instruments": []string{}, "MethodID": "M-77"}, nil)
	if r.status != 204 || m.str("MethodID") != "M-77" || asJSON(t, m.Fields["Instruments"]) != before {
		t.Fatalf("read-only Instruments: %d %s (MethodID %q)", r.status, r.body, m.str("MethodID"))
	}

	r = f.restCall("PATCH", "/bika_setup/laboratory", map[string]any{"Supervisor": "/senaite/not-a-uid"}, nil)
	if r.status != 204 || lab.ref("Supervisor") != "" {
		t.Fatalf("non-UID reference: %d %s, Supervisor %q", r.status, r.body, lab.ref("Supervisor"))
	}
	r = f.restCall("PATCH", "/bika_setup/laboratory", map[string]any{"Supervisor": sup, "Phone": "021 555"},
		map[string]string{"Prefer": "return=representation"})
	if r.status != 500 || r.json["type"] != "TypeError" || lab.ref("Supervisor") != "" || lab.str("Phone") == "021 555" {
		t.Fatalf("representation with a reference: %d %s", r.status, r.body)
	}
	r = f.restCall("PATCH", "/bika_setup/laboratory", map[string]any{"Supervisor": sup}, nil)
	if r.status != 204 || lab.ref("Supervisor") != sup {
		t.Fatalf("UID reference: %d %s", r.status, r.body)
	}
	r = f.restCall("GET", "/bika_setup/laboratory", nil, nil)
	if r.status != 500 || r.json["type"] != "TypeError" {
		t.Fatalf("GET with a reference: %d %s", r.status, r.body)
	}
	r = f.restCall("PATCH", "/bika_setup/laboratory", map[string]any{"Confidence": "high"}, nil)
	if r.status != 500 || r.json["type"] != "ValueError" ||
		r.json["message"] != "invalid literal for int() with base 10: 'high'" {
		t.Fatalf("IntegerField with a word: %d %s", r.status, r.body)
	}
}

// TestPloneRESTPatchBikaSetupProxies: bika_setup's proxy fields write
// senaite_setup through their mutators, while senaite.jsonapi keeps showing
// bika_setup's stored default; plone.restapi reads the accessors.
func TestPloneRESTPatchBikaSetupProxies(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 0)
	ss := f.lab.senaiteSetup()
	ssModified := ss.Modified
	r := f.restCall("PATCH", "/bika_setup", map[string]any{"Currency": "ZAR", "MaxNumberOfSamplesAdd": 25,
		"EnableGlobalAuditlog": true, "AutoLogOff": 30, "DefaultTurnaroundTime": map[string]any{"days": "3",
			"hours": "0", "minutes": "0"}}, nil)
	if r.status != 204 {
		t.Fatalf("PATCH bika_setup: %d %s", r.status, r.body)
	}
	bs := f.item("/bika_setup")
	for name, want := range map[string]any{"Currency": "ZAR", "MaxNumberOfSamplesAdd": 10.0,
		"EnableGlobalAuditlog": nil, "AutoLogOff": nil} {
		if got := bs[name]; !reflect.DeepEqual(got, want) {
			t.Errorf("jsonapi bika_setup %s = %#v, want %#v", name, got, want)
		}
	}
	if ss.Fields["max_number_of_samples_add"] != int64(25) || ss.Fields["enable_global_auditlog"] != true {
		t.Errorf("senaite_setup not written: %v %v", ss.Fields["max_number_of_samples_add"],
			ss.Fields["enable_global_auditlog"])
	}
	if !ss.Modified.Equal(ssModified) {
		t.Error("a proxy write reindexed senaite_setup")
	}
	r = f.restCall("GET", "/bika_setup", nil, nil)
	if r.status != 200 {
		t.Fatalf("GET bika_setup: %d %s", r.status, r.body)
	}
	for name, want := range map[string]any{"Currency": "ZAR", "MaxNumberOfSamplesAdd": 25.0,
		"EnableGlobalAuditlog": true, "AutoLogOff": 30.0, "is_folderish": true, "items_total": 9.0} {
		if got := r.json[name]; !reflect.DeepEqual(got, want) {
			t.Errorf("plone.restapi bika_setup %s = %#v, want %#v", name, got, want)
		}
	}
	if got := asJSON(t, r.json["DefaultTurnaroundTime"]); got != `{"days":"3","hours":"0","minutes":"0"}` {
		t.Errorf("DefaultTurnaroundTime = %s", got)
	}
	// a required field emptied is refused with its label
	r = f.restCall("PATCH", "/bika_setup", map[string]any{"Currency": ""}, nil)
	if r.status != 400 || !strings.Contains(asString(r.json["message"]), "u'Currency is required, please correct.'") {
		t.Fatalf("empty Currency: %d %s", r.status, r.body)
	}
	if f.lab.bikaSetup().str("Currency") != "ZAR" {
		t.Error("refused PATCH changed Currency")
	}
}

// TestPloneRESTPatchSenaiteSetup: Dexterity rules — values validated per
// field, null refused on required fields, modified moves only when a value
// changes; a saved publication body makes the Setup readable by jsonapi.
func TestPloneRESTPatchSenaiteSetup(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 0)
	ss := f.lab.senaiteSetup()
	mod := ss.Modified
	r := f.restCall("PATCH", "/setup", map[string]any{"email_body_sample_publication": "<p>Dear $client_name</p>",
		"max_number_of_samples_add": 12, "show_lab_name_in_login": true, "unknown": 1}, nil)
	if r.status != 204 {
		t.Fatalf("PATCH setup: %d %s", r.status, r.body)
	}
	if !ss.Modified.After(mod) {
		t.Error("modified did not move")
	}
	it := f.item("/setup")
	for name, want := range map[string]any{"email_body_sample_publication": "<p>Dear $client_name</p>",
		"max_number_of_samples_add": 12.0, "show_lab_name_in_login": true} {
		if got := it[name]; !reflect.DeepEqual(got, want) {
			t.Errorf("setup %s = %#v, want %#v", name, got, want)
		}
	}
	mod = ss.Modified
	if r = f.restCall("PATCH", "/setup", map[string]any{"max_number_of_samples_add": 12}, nil); r.status != 204 {
		t.Fatalf("same value: %d %s", r.status, r.body)
	}
	if !ss.Modified.Equal(mod) {
		t.Error("an unchanged value moved modified")
	}
	for _, c := range []struct {
		body map[string]any
		msg  string
	}{
		{map[string]any{"enable_global_auditlog": nil},
			"[{'field': 'enable_global_auditlog', 'message': ('enable_global_auditlog is a required field.', " +
				"'Setting it to null is not allowed.'), 'error': 'ValidationError'}]"},
		{map[string]any{"email_from_sample_publication": "reports"},
			"[{'field': 'email_from_sample_publication', 'message': u'The specified email is not valid.', " +
				"'error': 'ValidationError'}]"},
		{map[string]any{"max_number_of_samples_add": "many", "show_lab_name_in_login": false},
			"[{'field': 'max_number_of_samples_add', 'message': u\"invalid literal for int() with base 10: 'many'\", " +
				"'error': 'ValidationError'}]"},
	} {
		r = f.restCall("PATCH", "/setup", c.body, nil)
		if r.status != 400 || r.json["type"] != "BadRequest" || r.json["message"] != c.msg {
			t.Errorf("PATCH %v: %d %s", c.body, r.status, r.body)
		}
	}
	if ss.Fields["show_lab_name_in_login"] != true || !ss.Modified.Equal(mod) {
		t.Error("a refused PATCH kept a change")
	}
	// optional fields clear with null
	if r = f.restCall("PATCH", "/setup", map[string]any{"email_from_sample_publication": "qa@lab.example.org"}, nil); r.status != 204 {
		t.Fatalf("email: %d %s", r.status, r.body)
	}
	if r = f.restCall("PATCH", "/setup", map[string]any{"email_from_sample_publication": nil}, nil); r.status != 204 {
		t.Fatalf("null email: %d %s", r.status, r.body)
	}
	if got := f.item("/setup")["email_from_sample_publication"]; got != "lab@lab.example.org" {
		t.Errorf("cleared email reads %v, want the portal's default", got)
	}
	r = f.restCall("GET", "/setup", nil, nil)
	if r.status != 200 || r.json["@type"] != "Setup" || r.json["max_number_of_samples_add"] != 12.0 {
		t.Fatalf("GET setup: %d %s", r.status, r.body)
	}
	if body, _ := r.json["email_body_sample_publication"].(map[string]any); body["data"] != "<p>Dear $client_name</p>" {
		t.Errorf("rich text = %v", r.json["email_body_sample_publication"])
	}
	if _, ok := r.json["title"]; ok {
		t.Error("the Setup's schema has no title field")
	}
	// bika_setup's proxy stores the body as a plain string: senaite.jsonapi
	// cannot read the Setup again, plone.restapi shows the body as null
	if r = f.restCall("PATCH", "/bika_setup", map[string]any{"EmailBodySamplePublication": "<p>Hi</p>"}, nil); r.status != 204 {
		t.Fatalf("proxy body: %d %s", r.status, r.body)
	}
	if r = f.get("/" + ss.UID); r.json["success"] != false || r.json["message"] != unicodeOutputError {
		t.Errorf("Setup with a plain-string body: %d %s", r.status, r.body)
	}
	if r = f.restCall("GET", "/setup", nil, nil); r.status != 200 || r.json["email_body_sample_publication"] != nil {
		t.Errorf("plone.restapi body of a plain string: %d %v", r.status, r.json["email_body_sample_publication"])
	}
	if r = f.restCall("GET", "/bika_setup", nil, nil); r.json["EmailBodySamplePublication"] == nil ||
		r.json["EmailBodySamplePublication"].(map[string]any)["data"] != "<p>Hi</p>" {
		t.Errorf("bika_setup's accessor reads %v", r.json["EmailBodySamplePublication"])
	}
}

// TestSelfVerificationFollowsTheField: who may verify a result follows
// bika_setup's SelfVerificationEnabled (set by the option on a fresh lab,
// by a sync's write later); an analysis' own SelfVerification overrides.
func TestSelfVerificationFollowsTheField(t *testing.T) {
	t.Parallel()
	if on := newSimFixture(t, Options{SelfVerification: true}, 0); on.lab.bikaSetup().Fields["SelfVerificationEnabled"] != true {
		t.Fatal("Options.SelfVerification did not set the field")
	}
	f := newSimFixture(t, Options{Seed: 9}, 3000)
	var a *Object
	for _, x := range f.lab.Objects("Analysis") {
		if x.State == "to_be_verified" && submitter(x) != "" {
			a = x
			break
		}
	}
	if a == nil {
		t.Fatal("no analysis to verify in the generated lab")
	}
	who := submitter(a)
	if reason := guardNotSubmitter(f.lab, a, who); reason == "" {
		t.Fatal("the submitter may verify with self-verification off")
	}
	if r := f.restCall("PATCH", "/bika_setup", map[string]any{"SelfVerificationEnabled": true}, nil); r.status != 204 {
		t.Fatalf("PATCH: %d %s", r.status, r.body)
	}
	if reason := guardNotSubmitter(f.lab, a, who); reason != "" {
		t.Fatalf("self-verification enabled, still refused: %s", reason)
	}
	a.Fields["SelfVerification"] = int64(0)
	if reason := guardNotSubmitter(f.lab, a, who); reason == "" {
		t.Fatal("the analysis' own 'no' did not override the setup")
	}
	delete(a.Fields, "SelfVerification")
	f.lab.mu.Lock()
	err := f.lab.transitionAt(a, "verify", who, time.Now())
	f.lab.mu.Unlock()
	if err != nil || a.State != "verified" {
		t.Fatalf("verify by the submitter: %v, state %s", err, a.State)
	}
}

// TestDataFileKeepsTheSingletons: --data save/load keeps what was written
// to the fixed objects, integers in records included.
func TestDataFileKeepsTheSingletons(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{Seed: 4}, 600)
	path := filepath.Join(t.TempDir(), "lab.json")
	if err := f.lab.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadFile(path, Options{Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	g := newSimFixture(t, Options{}, 0)
	g.lab = back
	for _, get := range []func(*Lab) *Object{(*Lab).bikaSetup, (*Lab).laboratory, (*Lab).senaiteSetup} {
		a, b := get(f.lab), get(back)
		if a.UID != b.UID || a.Title != b.Title || !a.Modified.Equal(b.Modified) {
			t.Errorf("%s: identity/title/modified not kept", a.Path)
		}
		if asJSON(t, a.Fields) != asJSON(t, b.Fields) {
			t.Errorf("%s fields differ after load:\n%s\n%s", a.Path, asJSON(t, a.Fields), asJSON(t, b.Fields))
		}
		var ba, bb []byte
		ba = f.lab.appendComplete(nil, a, urls{host: "h", apiBase: "h/api"})
		bb = back.appendComplete(nil, b, urls{host: "h", apiBase: "h/api"})
		if !bytes.Equal(ba, bb) {
			t.Errorf("%s serializes differently after load", a.Path)
		}
	}
	if back.bikaSetup().Fields["SelfVerificationEnabled"] != false {
		t.Error("self-verification on after load")
	}
	on, err := LoadFile(path, Options{SelfVerification: true})
	if err != nil {
		t.Fatal(err)
	}
	if on.bikaSetup().Fields["SelfVerificationEnabled"] != true {
		t.Error("--self-verification did not force the field on a loaded lab")
	}
}
