package sim

import (
	"strings"
	"testing"
	"time"
)

func TestIDSlice(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		form string
		n    int
		want string
	}{
		{"{sampleType}-{seq:04d}", 1, "{sampleType}"},
		{"WS-{seq:03d}", 1, "WS"},
		{"AR-{sampleType}-{seq}", 2, "AR-{sampleType}"},
		{"client-{seq}", 1, "client"},
		{"W{seq:04d}", 1, "W"},
	} {
		if got := idSlice(c.form, c.n); got != c.want {
			t.Errorf("idSlice(%q, %d) = %q, want %q", c.form, c.n, got, c.want)
		}
	}
}

func TestPyFormat(t *testing.T) {
	t.Parallel()
	when := time.Date(2024, 3, 5, 14, 0, 0, 0, time.UTC)
	vars := map[string]any{"seq": 7, "sampleType": "H2O", "partition_count": 2, "dateSampled": when,
		"alpha": alphanumber{number: 1000}}
	for form, want := range map[string]string{
		"{sampleType}-{seq:04d}":         "H2O-0007",
		"WS-{seq:03d}":                   "WS-007",
		"client-{seq}":                   "client-7",
		"X-{seq}-P{partition_count:02d}": "X-7-P02",
		"S{dateSampled:%y%m%d}-{seq}":    "S240305-7",
		"RS-{alpha:2a3d}":                "RS-AB001", // 999 per letter pair, then the next: AA999 + 1 = AB001
	} {
		if got, err := pyFormat(form, vars); err != nil || got != want {
			t.Errorf("pyFormat(%q) = %q %v, want %q", form, got, err, want)
		}
	}
	if _, err := pyFormat("{clientId}-{seq}", vars); err == nil {
		t.Error("an unknown variable must fail, as Python's KeyError")
	}
}

// TestIDServerNumbering: the ID server of 2.6 seen through
// senaite.jsonapi — a failed create consumes a number; samples count per
// sample type; partitions and secondaries count their siblings; a
// retest of a retest is the base's -R02; a sample whose create fails
// consumes nothing.
func TestIDServerNumbering(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 300)
	l := f.lab
	clients := l.byPath["/senaite/clients"]
	create := func(route string, body map[string]any) rawResponse {
		t.Helper()
		return f.do("POST", route, body, true)
	}
	idOf := func(r rawResponse) string {
		t.Helper()
		if r.status != 200 || r.json["success"] == false {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		return r.json["items"].([]any)[0].(map[string]any)["id"].(string)
	}
	before := l.counters["client-client"]
	// a client without its required Name: refused after it was named
	if r := create("/client/create/"+clients.UID, map[string]any{"ClientID": "ZZ1"}); r.status != 400 {
		t.Fatalf("a client without Name: %d %s", r.status, r.body)
	}
	next := idOf(create("/client/create/"+clients.UID, map[string]any{"Name": "Zed", "ClientID": "ZZ2"}))
	if want := "client-" + itoa(before+2); next != want {
		t.Fatalf("after a failed create the next client is %s, want %s (the failed one consumed a number)", next, want)
	}

	// samples: a counter per sample type prefix
	sample := l.byType["AnalysisRequest"][0]
	client := sample.Parent
	st := l.byUID[sample.str("SampleType")]
	prefix := st.str("prefix")
	n := l.counters["analysisrequest-"+prefix]
	body := map[string]any{"Contact": sample.str("Contact"), "SampleType": st.UID, "DateSampled": "2024-01-02 10:00"}
	root := idOf(create("/AnalysisRequest/create/"+client.UID, body))
	if want := prefix + "-" + pad4(n+1); root != want {
		t.Fatalf("new sample %s, want %s", root, want)
	}
	rootObj := l.byPath[client.Path+"/"+root]
	// a sample refused (no contact) consumes nothing: it is named last
	if r := create("/AnalysisRequest/create/"+client.UID, map[string]any{"SampleType": st.UID}); r.status == 200 && r.json["success"] != false {
		t.Fatalf("a sample without contact: %s", r.body)
	}
	if again := idOf(create("/AnalysisRequest/create/"+client.UID, body)); again != prefix+"-"+pad4(n+2) {
		t.Fatalf("after a refused sample: %s, want %s-%s", again, prefix, pad4(n+2))
	}
	// partitions: P01, P02 by counting the parent's
	part := map[string]any{"Contact": sample.str("Contact"), "SampleType": st.UID, "ParentAnalysisRequest": rootObj.UID}
	if p := idOf(create("/AnalysisRequest/create/"+client.UID, part)); p != root+"-P01" {
		t.Fatalf("first partition %s", p)
	}
	if p := idOf(create("/AnalysisRequest/create/"+client.UID, part)); p != root+"-P02" {
		t.Fatalf("second partition %s", p)
	}
	sec := map[string]any{"Contact": sample.str("Contact"), "SampleType": st.UID, "PrimaryAnalysisRequest": rootObj.UID}
	if s := idOf(create("/AnalysisRequest/create/"+client.UID, sec)); s != root+"-S01" {
		t.Fatalf("secondary %s", s)
	}
	// a retest's retest is the base's -R02
	r1 := idOf(create("/AnalysisRequest/create/"+client.UID, map[string]any{"Contact": sample.str("Contact"),
		"SampleType": st.UID, "Invalidated": rootObj.UID}))
	r1Obj := l.byPath[client.Path+"/"+r1]
	r2 := idOf(create("/AnalysisRequest/create/"+client.UID, map[string]any{"Contact": sample.str("Contact"),
		"SampleType": st.UID, "Invalidated": r1Obj.UID}))
	if r1 != root+"-R01" || r2 != root+"-R02" {
		t.Fatalf("retests %s %s", r1, r2)
	}
}

// TestIDServerReadsTheSetup: the formats are bika_setup's IDFormatting, as
// a lab manager edits it; a format naming a variable its type lacks fails
// the create as upstream's KeyError (HTTP 200, success false).
func TestIDServerReadsTheSetup(t *testing.T) {
	t.Parallel()
	f := newSimFixture(t, Options{}, 0)
	l := f.lab
	setup := l.byPath["/senaite/bika_setup"]
	formats := defaultIDFormatting()
	formats = append(formats,
		map[string]any{"portal_type": "Client", "form": "C{year}-{seq:03d}", "sequence_type": "generated", "split_length": 1},
		map[string]any{"portal_type": "Contact", "form": "{clientId}-{seq}", "sequence_type": "generated", "split_length": 1})
	for _, fm := range formats {
		if fm["portal_type"] == "Worksheet" {
			fm["form"] = "WS-{seq:05d}"
		}
	}
	setup.Fields["IDFormatting"] = formats
	clients := l.byPath["/senaite/clients"]
	r := f.do("POST", "/client/create/"+clients.UID, map[string]any{"Name": "A", "ClientID": "A"}, true)
	year := time.Now().Format("06")
	if id := r.json["items"].([]any)[0].(map[string]any)["id"]; id != "C"+year+"-001" {
		t.Fatalf("client %v, want C%s-001", id, year)
	}
	ws := l.byPath["/senaite/worksheets"]
	r = f.do("POST", "/worksheet/create/"+ws.UID, map[string]any{}, true)
	if id := r.json["items"].([]any)[0].(map[string]any)["id"]; id != "WS-00001" {
		t.Fatalf("worksheet %v, want WS-00001: %s", id, r.body)
	}
	client := l.byType["Client"][0]
	r = f.do("POST", "/contact/create/"+client.UID, map[string]any{"Firstname": "A", "Surname": "B"}, true)
	if r.status != 200 || r.json["success"] != false || !strings.Contains(r.json["message"].(string), "KeyError") {
		t.Fatalf("a format with an unknown variable: %d %s", r.status, r.body)
	}
}

func pad4(n int) string {
	s := itoa(n)
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}
