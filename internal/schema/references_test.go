package schema

import (
	"slices"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/sim"
)

func TestRefField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		portalType, field string
		kind              RefKind // 0: not a reference field
		target            string  // one of its targets (records: of the first key)
		keys              []string
	}{
		{"Batch", "BatchLabels", RefLines, "BatchLabel", nil},
		{"Batch", "Client", RefSingle, "Client", nil},
		{"AnalysisService", "Methods", RefMulti, "Method", nil},
		{"AnalysisService", "Instrument", RefSingle, "Instrument", nil},
		{"AnalysisService", "Keyword", 0, "", nil},
		{"AnalysisProfile", "services", RefRecords, "AnalysisService", []string{"uid"}},
		{"Worksheet", "Layout", RefRecords, "AnalysisRequest", []string{"container_uid", "analysis_uid"}},
		{"WorksheetTemplate", "Layout", RefRecords, "ReferenceDefinition", []string{"blank_ref", "control_ref"}},
		{"SampleTemplate", "partitions", RefRecords, "SampleContainer", []string{"container", "preservation", "sampletype"}},
		{"ARTemplate", "Partitions", RefRecords, "Container", []string{"container_uid", "preservation_uid", "sampletype_uid"}},
		{"Analysis", "ResultsRange", RefRecords, "AnalysisService", []string{"uid"}},
		{"SamplingRound", "department", RefString, "Department", nil},
		{"BikaSetup", "LandingPage", RefSingle, "Document", nil},
		{"Laboratory", "Supervisor", RefSingle, "LabContact", nil},
		{"Department", "manager", RefSingle, "LabContact", nil},
		{"Department", "Manager", RefSingle, "LabContact", nil},
		// catalog metadata is not a field, whatever it holds
		{"AnalysisRequest", "getClientUID", 0, "", nil},
		{"AnalysisRequest", "getSampleTypeUID", 0, "", nil},
		// a type the table does not know, a custom field
		{"MyAddonType", "Related", 0, "", nil},
		{"Client", "MyAddonField", 0, "", nil},
	}
	for _, tt := range tests {
		r, ok := RefField(tt.portalType, tt.field)
		if ok != (tt.kind != 0) || r.Kind != tt.kind {
			t.Errorf("RefField(%s, %s) = %v %v, want %v", tt.portalType, tt.field, r.Kind, ok, tt.kind)
			continue
		}
		if !ok {
			continue
		}
		targets := r.Targets
		if r.Kind == RefRecords {
			var names []string
			for _, k := range r.Keys {
				names = append(names, k.Name)
			}
			if !slices.Equal(names, tt.keys) {
				t.Errorf("%s.%s keys %v, want %v", tt.portalType, tt.field, names, tt.keys)
				continue
			}
			targets = r.Keys[0].Targets
		}
		if !slices.Contains(targets, tt.target) {
			t.Errorf("%s.%s targets %v lack %s", tt.portalType, tt.field, targets, tt.target)
		}
	}
}

func TestRefFieldsSorted(t *testing.T) {
	t.Parallel()
	got := RefFields("Batch")
	var names []string
	for _, r := range got {
		names = append(names, r.Field)
	}
	if want := []string{"BatchLabels", "Client", "InheritedObjects"}; !slices.Equal(names, want) {
		t.Fatalf("RefFields(Batch) = %v, want %v", names, want)
	}
	if len(RefFields("SampleMatrix")) != 0 {
		t.Fatal("SampleMatrix has no reference field")
	}
}

// TestRefTableWellFormed: every entry says what it points at, in a form
// the refs package knows.
func TestRefTableWellFormed(t *testing.T) {
	t.Parallel()
	for _, pt := range RefTypes() {
		for _, r := range RefFields(pt) {
			switch r.Kind {
			case RefSingle, RefMulti, RefLines, RefString:
				if len(r.Targets) == 0 || len(r.Keys) != 0 {
					t.Errorf("%s.%s: %v needs targets and no keys", pt, r.Field, r.Kind)
				}
			case RefRecords:
				if len(r.Keys) == 0 || len(r.Targets) != 0 {
					t.Errorf("%s.%s: records need keys, targets per key", pt, r.Field)
				}
				for _, k := range r.Keys {
					if k.Name == "" || len(k.Targets) == 0 {
						t.Errorf("%s.%s: key %q without targets", pt, r.Field, k.Name)
					}
				}
			default:
				t.Errorf("%s.%s: no kind", pt, r.Field)
			}
		}
	}
}

// TestRefTableAgreesWithSimulator holds the sync's table to the
// simulator's type tables (internal/sim types_2x.go, types_1x.go), both
// written from senaite.core's source: a reference-carrying field the
// simulator serves and the sync does not know would be copied with the
// source's UIDs.
func TestRefTableAgreesWithSimulator(t *testing.T) {
	t.Parallel()
	kinds := map[sim.FieldKind]RefKind{sim.KRef: RefSingle, sim.KRefs: RefMulti, sim.KLines: RefLines,
		sim.KRecords: RefRecords, sim.KRecord: RefRecords}
	for _, fl := range []sim.Flavor{sim.Flavor2x, sim.Flavor1x} {
		fields, err := sim.ReferenceFields(fl)
		if err != nil {
			t.Fatal(err)
		}
		if len(fields) < 50 {
			t.Fatalf("%s: only %d reference fields listed by the simulator", fl, len(fields))
		}
		for _, sf := range fields {
			r, ok := RefField(sf.PortalType, sf.Field)
			if !ok {
				t.Errorf("%s: %s.%s carries references in the simulator, unknown to schema", fl, sf.PortalType, sf.Field)
				continue
			}
			if r.Kind != kinds[sf.Kind] {
				t.Errorf("%s: %s.%s is %v here, sim kind %d", fl, sf.PortalType, sf.Field, r.Kind, sf.Kind)
				continue
			}
			for _, target := range sf.Targets {
				if !slices.Contains(r.Targets, target) {
					t.Errorf("%s: %s.%s may point at %s in the simulator, not here (%v)", fl, sf.PortalType, sf.Field,
						target, r.Targets)
				}
			}
			for _, k := range sf.RefKeys {
				if _, ok := r.Key(k); !ok {
					t.Errorf("%s: %s.%s record key %s holds UIDs in the simulator, not here", fl, sf.PortalType, sf.Field, k)
				}
			}
		}
	}
}
