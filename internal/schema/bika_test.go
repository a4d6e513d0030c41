package schema

import (
	"encoding/json"
	"testing"
)

func TestField2x(t *testing.T) {
	for _, c := range []struct {
		typ, field, want string
		kept             bool
	}{
		{"SampleType", "RetentionPeriod", "retention_period", true},
		{"SampleType", "MinimumVolume", "min_volume", true},
		{"SampleType", "SamplePoints", "", false},
		{"AnalysisProfile", "CommercialID", "commercial_id", true},
		{"AnalysisProfile", "AnalysisProfileVAT", "analysis_profile_vat", true},
		{"StorageLocation", "SiteTitle", "site_title", true},
		{"Supplier", "SWIFTcode", "swift_code", true},
		{"Supplier", "Name", "title", true},
		{"LabProduct", "VAT", "labproduct_vat", true},
		{"SampleContainer", "PrePreserved", "pre_preserved", true},
		{"Department", "title", "title", true},
		{"Department", "uid", "uid", true},
		// AT types kept their names
		{"AnalysisService", "Keyword", "Keyword", true},
		{"Client", "ClientID", "ClientID", true},
	} {
		got, kept := Field2x(c.typ, c.field)
		if got != c.want && kept || kept != c.kept {
			t.Errorf("Field2x(%s, %s) = %q %v, want %q %v", c.typ, c.field, got, kept, c.want, c.kept)
		}
	}
}

func TestRenamed1x(t *testing.T) {
	raw := map[string]json.RawMessage{"title": json.RawMessage(`"Chemistry"`), "Manager": json.RawMessage(`{"uid": "abc"}`)}
	out, dropped := Renamed1x("Department", "department-2", raw)
	if string(out["manager"]) != `{"uid": "abc"}` || string(out["department_id"]) != `"department-2"` || len(dropped) != 0 {
		t.Fatalf("department: %s %v", out, dropped)
	}
	_, dropped = Renamed1x("SampleType", "sampletype-1", map[string]json.RawMessage{"SamplePoints": json.RawMessage(`[{"uid": "x"}]`)})
	if len(dropped) != 1 || dropped[0] != "SamplePoints" {
		t.Fatalf("a field 2.x has no place for is reported: %v", dropped)
	}
}

func TestRenamed1xServices(t *testing.T) {
	raw := map[string]json.RawMessage{
		"Service":                  json.RawMessage(`[{"uid": "s1", "url": "x"}, {"uid": "s2"}]`),
		"AnalysisServicesSettings": json.RawMessage(`[{"uid": "s2", "hidden": true}]`),
	}
	out, dropped := Renamed1x("AnalysisProfile", "analysisprofile-1", raw)
	if string(out["services"]) != `[{"hidden":false,"uid":"s1"},{"hidden":true,"uid":"s2"}]` || len(dropped) != 0 {
		t.Fatalf("profile services %s, dropped %v", out["services"], dropped)
	}
	tpl := map[string]json.RawMessage{"Analyses": json.RawMessage(`[{"service_uid": "s1", "partition": "part-1"}]`),
		"Partitions": json.RawMessage(`[{"part_id": "part-1", "Container": "Jar", "container_uid": "c1", "preservation_uid": "p1"}]`)}
	out, _ = Renamed1x("SampleTemplate", "artemplate-1", tpl)
	if string(out["services"]) != `[{"hidden":false,"part_id":"part-1","uid":"s1"}]` ||
		string(out["partitions"]) != `[{"container":"c1","part_id":"part-1","preservation":"p1","sampletype":""}]` {
		t.Fatalf("template: %s %s", out["services"], out["partitions"])
	}
	// 1.3 partitions keep their own sample type
	tpl = map[string]json.RawMessage{"Partitions": json.RawMessage(`[{"part_id": "part-1", "container_uid": "c1",
		"preservation_uid": "p1", "SampleType": "Water", "sampletype_uid": "t1"}]`)}
	out, _ = Renamed1x("SampleTemplate", "artemplate-2", tpl)
	if string(out["partitions"]) != `[{"container":"c1","part_id":"part-1","preservation":"p1","sampletype":"t1"}]` {
		t.Fatalf("1.3 template partitions: %s", out["partitions"])
	}
}
