package refs

import (
	"encoding/json"
	"reflect"
	"testing"
)

const (
	u1 = "0123456789abcdef0123456789abcdef"
	u2 = "fedcba9876543210fedcba9876543210"
	u3 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	// d1..d3 are their copies at the destination
	d1 = "11111111111111111111111111111111"
	d2 = "22222222222222222222222222222222"
	d3 = "33333333333333333333333333333333"
)

func ref(uid string) string {
	return `{"uid": "` + uid + `", "url": "http://lab/senaite/x", "api_url": "http://lab/senaite/@@API/senaite/v1/x/` + uid + `"}`
}

// forms are items of each reference form, as senaite.jsonapi shows them.
var forms = []struct {
	name       string
	portalType string
	item       string
	refs       []Ref          // what Extract finds
	rewritten  map[string]any // each field as Rewrite returns it, every UID mapped
}{
	{"lines of raw UIDs", "Batch",
		`{"BatchLabels": ["` + u1 + `", "` + u2 + `"], "title": "B-001"}`,
		[]Ref{{"BatchLabels", u1}, {"BatchLabels", u2}},
		map[string]any{"BatchLabels": []any{d1, d2}}},
	{"multi and single references", "AnalysisService",
		`{"Methods": [` + ref(u1) + `, ` + ref(u2) + `], "Instrument": ` + ref(u3) + `, "Keyword": "` + u3 + `"}`,
		[]Ref{{"Instrument", u3}, {"Methods", u1}, {"Methods", u2}},
		map[string]any{"Methods": []any{d1, d2}, "Instrument": d3, "Keyword": u3}},
	{"profile services records", "AnalysisProfile",
		`{"services": [{"uid": "` + u1 + `", "hidden": false}, {"uid": "` + u2 + `", "hidden": true}]}`,
		[]Ref{{"services", u1}, {"services", u2}},
		map[string]any{"services": []any{map[string]any{"uid": d1, "hidden": false}, map[string]any{"uid": d2, "hidden": true}}}},
	{"worksheet layout records", "Worksheet",
		`{"Layout": [{"position": "1", "type": "a", "container_uid": "` + u1 + `", "analysis_uid": "` + u2 + `"},
		             {"position": "2", "type": "b", "container_uid": "` + u3 + `", "analysis_uid": ""}]}`,
		[]Ref{{"Layout", u1}, {"Layout", u3}, {"Layout", u2}}, // sorted by UID
		map[string]any{"Layout": []any{
			map[string]any{"position": "1", "type": "a", "container_uid": d1, "analysis_uid": d2},
			map[string]any{"position": "2", "type": "b", "container_uid": d3, "analysis_uid": ""}}}},
	{"sample template partitions records", "SampleTemplate",
		`{"partitions": [{"part_id": "part-1", "container": "` + u1 + `", "preservation": "` + u2 + `", "sampletype": ""}],
		  "sampletype": ` + ref(u3) + `}`,
		[]Ref{{"partitions", u1}, {"partitions", u2}, {"sampletype", u3}},
		map[string]any{"partitions": []any{map[string]any{"part_id": "part-1", "container": d1, "preservation": d2, "sampletype": ""}},
			"sampletype": d3}},
	{"a record key holding a list of UIDs", "AnalysisService",
		`{"PartitionSetup": [{"sampletype": "` + u1 + `", "separate": true, "container": ["` + u2 + `", "` + u3 + `"], "vol": "10 ml"}]}`,
		[]Ref{{"PartitionSetup", u1}, {"PartitionSetup", u3}, {"PartitionSetup", u2}},
		map[string]any{"PartitionSetup": []any{map[string]any{"sampletype": d1, "separate": true, "container": []any{d2, d3}, "vol": "10 ml"}}}},
	{"one record (RecordField)", "Analysis",
		`{"ResultsRange": {"keyword": "Ca", "uid": "` + u1 + `", "min": "1", "max": "` + u2 + `"}}`,
		[]Ref{{"ResultsRange", u1}},
		map[string]any{"ResultsRange": map[string]any{"keyword": "Ca", "uid": d1, "min": "1", "max": u2}}},
	{"a string holding a UID", "SamplingRound",
		`{"department": "` + u1 + `", "instructions": "` + u2 + `"}`,
		[]Ref{{"department", u1}},
		map[string]any{"department": d1, "instructions": u2}},
	{"a custom field with a reference dict", "Client",
		`{"MyAddonContact": ` + ref(u1) + `, "MyAddonList": [` + ref(u2) + `, "note"]}`,
		[]Ref{{"MyAddonContact", u1}, {"MyAddonList", u2}},
		map[string]any{"MyAddonContact": d1, "MyAddonList": []any{d2, "note"}}},
	{"a custom field that looks like a UID is no reference", "Client",
		`{"MyAddonCode": "` + u1 + `", "MyAddonRows": [{"uid": "` + u2 + `", "x": 1}], "MyAddonLines": ["` + u3 + `"],
		  "MyAddonHalf": {"uid": "` + u1 + `", "api_url": "y"}}`,
		nil,
		map[string]any{"MyAddonCode": u1, "MyAddonRows": []any{map[string]any{"uid": u2, "x": float64(1)}},
			"MyAddonLines": []any{u3}, "MyAddonHalf": map[string]any{"uid": u1, "api_url": "y"}}},
	{"empty forms", "AnalysisRequest",
		`{"Contact": {}, "Batch": null, "CCContact": [], "Template": ""}`,
		nil,
		map[string]any{"Contact": map[string]any{}, "Batch": nil, "CCContact": []any{}, "Template": ""}},
	{"own attributes and catalog metadata", "AnalysisRequest",
		`{"uid": "` + u1 + `", "parent_uid": "` + u2 + `", "getClientUID": "` + u3 + `", "getSampleTypeUID": "` + u3 + `",
		  "workflow_info": [{"uid": "` + u3 + `"}]}`,
		nil, nil},
}

func decode(t *testing.T, item string) map[string]json.RawMessage {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(item), &raw); err != nil {
		t.Fatal(err)
	}
	return raw
}

var replicas = map[string]string{u1: d1, u2: d2, u3: d3}

func TestExtract(t *testing.T) {
	t.Parallel()
	for _, tt := range forms {
		if got := Extract(tt.portalType, decode(t, tt.item)); !reflect.DeepEqual(got, tt.refs) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.refs)
		}
	}
}

func TestRewrite(t *testing.T) {
	t.Parallel()
	tr := func(s string) (string, bool) { d, ok := replicas[s]; return d, ok }
	for _, tt := range forms {
		raw := decode(t, tt.item)
		for field, want := range tt.rewritten {
			var v any
			if err := json.Unmarshal(raw[field], &v); err != nil {
				t.Fatal(err)
			}
			got, missing := Rewrite(tt.portalType, field, v, tr)
			if len(missing) > 0 || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s = %#v (missing %v), want %#v", tt.name, field, got, missing, want)
			}
		}
	}
}

// TestRewriteUntranslatable: a reference that cannot be mapped leaves the
// whole field out (nil), reported with its field; no source UID survives.
func TestRewriteUntranslatable(t *testing.T) {
	t.Parallel()
	only1 := func(s string) (string, bool) { return d1, s == u1 }
	tests := []struct {
		name, portalType, field, value string
		missing                        []Ref
	}{
		{"one line of two", "Batch", "BatchLabels", `["` + u1 + `", "` + u2 + `"]`, []Ref{{"BatchLabels", u2}}},
		{"a reference dict", "AnalysisService", "Instrument", ref(u3), []Ref{{"Instrument", u3}}},
		{"one of a list", "Worksheet", "Analyses", `[` + ref(u1) + `, ` + ref(u2) + `]`, []Ref{{"Analyses", u2}}},
		{"a record key", "AnalysisProfile", "services", `[{"uid": "` + u1 + `"}, {"uid": "` + u3 + `", "hidden": true}]`,
			[]Ref{{"services", u3}}},
		{"a custom reference dict", "Client", "MyAddonContact", ref(u2), []Ref{{"MyAddonContact", u2}}},
		{"a non-UID in a reference position", "Batch", "BatchLabels", `["Urgent"]`, []Ref{{"BatchLabels", "Urgent"}}},
		{"a catalog query in a reference field", "AnalysisRequest", "SampleType", `{"portal_type": "SampleType", "getPrefix": "W"}`,
			[]Ref{{"SampleType", `{"getPrefix":"W","portal_type":"SampleType"}`}}},
		{"a catalog query in a record key", "SampleTemplate", "partitions", `[{"part_id": "p", "container": {"title": "Bottle"}}]`,
			[]Ref{{"partitions", `{"title":"Bottle"}`}}},
	}
	for _, tt := range tests {
		var v any
		if err := json.Unmarshal([]byte(tt.value), &v); err != nil {
			t.Fatal(err)
		}
		got, missing := Rewrite(tt.portalType, tt.field, v, only1)
		if got != nil || !reflect.DeepEqual(missing, tt.missing) {
			t.Errorf("%s: got %#v missing %v, want nil and %v", tt.name, got, missing, tt.missing)
		}
	}
}

// TestRewriteKeepsInput: the value given is not changed in place (the
// caller may compare it with the result).
func TestRewriteKeepsInput(t *testing.T) {
	t.Parallel()
	var v any
	if err := json.Unmarshal([]byte(`[{"uid": "`+u1+`", "hidden": false}]`), &v); err != nil {
		t.Fatal(err)
	}
	_, _ = Rewrite("AnalysisProfile", "services", v, func(string) (string, bool) { return d1, true })
	if got := v.([]any)[0].(map[string]any)["uid"]; got != u1 {
		t.Fatalf("the input was rewritten: %v", got)
	}
}
