package importer

import (
	"encoding/json"
	"reflect"
	"testing"
)

const (
	srcA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	srcB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	srcC = "cccccccccccccccccccccccccccccccc"
	dstA = "11111111111111111111111111111111"
	dstB = "22222222222222222222222222222222"
)

func tr(m map[string]string) Translate {
	return func(s string) (string, bool) { d, ok := m[s]; return d, ok }
}

func TestPayload(t *testing.T) {
	t.Parallel()
	item := `{"uid": "` + srcC + `", "id": "analysisservice-4", "path": "/senaite/x", "title": "Calcium",
		"Keyword": "Ca", "Price": "12.00", "Accredited": true, "Fax": null, "Remarks": "", "Methods": {},
		"Category": {"uid": "` + srcA + `", "url": "u", "api_url": "a"},
		"Instruments": [{"uid": "` + srcB + `", "url": "u", "api_url": "a"}],
		"PartitionSetup": [{"sampletype": "` + srcA + `", "separate": false}],
		"getCategoryUID": "` + srcA + `", "sortable_title": "calcium", "review_state": "active",
		"workflow_info": [], "modified": "2024-01-01T00:00:00+01:00"}`
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(item), &raw); err != nil {
		t.Fatal(err)
	}
	fields, missing := Payload("AnalysisService", raw, tr(map[string]string{srcA: dstA, srcB: dstB}), nil)
	want := map[string]any{"title": "Calcium", "Keyword": "Ca", "Price": "12.00", "Accredited": true,
		"Category": dstA, "Instruments": []any{dstB}, "PartitionSetup": []any{map[string]any{"sampletype": dstA, "separate": false}}}
	if len(missing) != 0 || !reflect.DeepEqual(fields, want) {
		t.Fatalf("fields %v missing %v\nwant %v", fields, missing, want)
	}
	// unresolved references leave their field out and are reported
	fields, missing = Payload("AnalysisService", raw, tr(map[string]string{srcB: dstB}), nil)
	if _, has := fields["Category"]; has || len(missing) != 2 {
		t.Fatalf("unresolved: fields %v missing %v", fields, missing)
	}
	// deferred fields are not sent at creation
	fields, _ = Payload("AnalysisService", raw, tr(map[string]string{srcA: dstA}), func(f string) bool { return f == "Category" })
	if _, has := fields["Category"]; has {
		t.Fatal("a deferred field was sent")
	}
}
