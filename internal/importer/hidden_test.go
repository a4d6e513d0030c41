package importer

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/plan"
	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

func TestRebuildHidden(t *testing.T) {
	const srcDept, dstDept = "dddddddddddddddddddddddddddddddd", "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
	tr := refs.Translate(func(u string) (string, bool) { return map[string]string{srcDept: dstDept}[u], u == srcDept })
	contact := func(string) (string, string, bool) {
		return "lc-dst", "/senaite/bika_setup/bika_labcontacts/labcontact-1", true
	}
	none := func(string) (string, string, bool) { return "", "", false }
	cases := []struct {
		name        string
		portalType  string
		raw         string
		standIn     func(string) (string, string, bool)
		want        map[string]any
		noteHas     []string
		unresolved  int
		missingType string
	}{
		{"sample type: prefix from metadata, defaults for the rest", "SampleType",
			`{"id": "sampletype-3", "title": "Surface water", "getPrefix": "SW", "review_state": "inactive"}`, none,
			map[string]any{"prefix": "SW", "min_volume": "0"}, []string{"prefix from catalog metadata", "defaults for"}, 0, ""},
		{"category: department from metadata, translated", "AnalysisCategory",
			`{"id": "analysiscategory-2", "getDepartmentUID": "` + srcDept + `"}`, none,
			map[string]any{"department": dstDept}, []string{"department from catalog metadata"}, 0, ""},
		{"category whose department has no replica yet", "AnalysisCategory",
			`{"id": "analysiscategory-2", "getDepartmentUID": "ffffffffffffffffffffffffffffffff"}`, none,
			map[string]any{}, nil, 1, ""},
		{"department: code from its id, a stand-in manager", "Department",
			`{"id": "department-6", "title": "Metals"}`, contact,
			map[string]any{"department_id": "department-6", "manager": "lc-dst"},
			[]string{"department_id from its id", "stand-ins, to correct: manager → /senaite/bika_setup/bika_labcontacts/labcontact-1"}, 0, ""},
		{"department before any lab contact", "Department", `{"id": "department-6"}`, none, nil, nil, 0, "LabContact"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var raw map[string]json.RawMessage
			if err := json.Unmarshal([]byte(c.raw), &raw); err != nil {
				t.Fatal(err)
			}
			fields := map[string]any{}
			note, unresolved, missing := rebuildHidden(c.portalType, raw, fields, tr, c.standIn)
			if missing != c.missingType || len(unresolved) != c.unresolved {
				t.Fatalf("missing stand-in %q, unresolved %v", missing, unresolved)
			}
			for k, v := range c.want {
				if fields[k] != v {
					t.Errorf("%s = %v, want %v (fields %v)", k, fields[k], v, fields)
				}
			}
			for _, s := range c.noteHas {
				if !strings.Contains(note, s) {
					t.Errorf("note %q lacks %q", note, s)
				}
			}
		})
	}
}

func TestSameContent(t *testing.T) {
	const contact, other = "cccccccccccccccccccccccccccccccc", "dddddddddddddddddddddddddddddddd"
	item := func(raw string) senaite.Item {
		it, err := senaite.DecodeItem([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	dest := item(`{"uid": "` + strings.Repeat("e", 32) + `", "title": "W-0002", "ClientSampleID": "S-17",
		"DateSampled": "2024-03-01T10:00:00+01:00", "Contact": {"uid": "` + contact + `", "url": "u", "api_url": "a"},
		"Composite": false, "Priority": "3"}`)
	cases := []struct {
		name   string
		fields map[string]any
		want   bool
	}{
		{"everything sent is there; the title is the destination's id", map[string]any{"title": "W-0001",
			"ClientSampleID": "S-17", "Contact": contact, "Composite": false, "Priority": "3"}, true},
		{"a date at another offset is the same instant", map[string]any{"DateSampled": "2024-03-01T09:00:00+00:00"}, true},
		{"a sibling with another client sample id", map[string]any{"ClientSampleID": "S-18", "Contact": contact}, false},
		{"another contact", map[string]any{"ClientSampleID": "S-17", "Contact": other}, false},
		{"a flag differs", map[string]any{"Composite": true}, false},
	}
	for _, c := range cases {
		if got := SameContent(c.fields, dest); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
	}
}

// TestPlanOrdersStandIns: a withheld department whose manager a lab
// contact stands in for is planned after a lab contact, though the lab
// contacts refer to departments (that edge is the one deferred).
func TestPlanOrdersStandIns(t *testing.T) {
	objs := []store.Stored{
		{SourceUID: "dept", PortalType: "Department", ParentUID: "0"},
		{SourceUID: "lc1", PortalType: "LabContact", ParentUID: "0"},
		{SourceUID: "lc2", PortalType: "LabContact", ParentUID: "0"},
	}
	refLists := [][]string{{"~manager:LabContact"}, {"Departments:dept"}, {"Departments:dept"}}
	p, err := plan.Build(PlanNodes(objs, refLists, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if p.Level["dept"] <= p.Level["lc1"] {
		t.Fatalf("department at level %d, its stand-in at %d", p.Level["dept"], p.Level["lc1"])
	}
	if len(p.Deferred) == 0 || p.Deferred[0].From != "lc1" {
		t.Fatalf("deferred %+v, want lc1's Departments", p.Deferred)
	}
}

// TestPhaseTypesMatchReplayPhase: the types each replay phase lists from
// the store are those replayPhase puts in it.
func TestPhaseTypesMatchReplayPhase(t *testing.T) {
	for _, pt := range []string{"AnalysisRequest", "Analysis", "DuplicateAnalysis", "ReferenceAnalysis", "Worksheet",
		"Client", "Contact", "AnalysisService", "ARReport", "Batch", "Invoice", "RejectAnalysis"} {
		for phase := range phaseTypes {
			listed := slices.Contains(phaseTypes[phase], pt) != (phase == 0)
			want := replayPhase(pt) == phase || phase == 3 && replayPhase(pt) == 1
			if listed != want {
				t.Errorf("%s: listed in phase %d: %v, want %v", pt, phase, listed, want)
			}
		}
	}
}
