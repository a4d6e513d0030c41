package sim

import (
	"path"
	"strings"
	"testing"
)

// typesDataFlavor bundles one flavour's tables for the consistency checks.
type typesDataFlavor struct {
	name      string
	types     []*PortalType
	fixed     []FixedObject
	workflows map[string]bool
	// external targets: reference targets the flavour does not model, on
	// purpose (documented in types_1x.go)
	external map[string]bool
	// required references per content model §2 (type.field)
	requiredRefs []string
	dx           []string
}

func typesDataFlavors() []typesDataFlavor {
	return []typesDataFlavor{
		{
			name: "2.x", types: types2x(), fixed: fixed2x(),
			workflows: setOf([]string{WfOneState, WfDeactivable, WfClient, WfContact, WfLabContact, WfSample, WfAnalysis,
				WfDuplicate, WfReferenceAn, WfRejectAnalysis, WfWorksheet, WfBatch, WfReferenceSample, WfCancellable,
				WfFolder}),
			// LandingPage may point at a Plone Document (bikasetup.py:509-519)
			external: map[string]bool{"Document": true},
			requiredRefs: []string{
				"Department.manager", "AnalysisCategory.department", "Instrument.InstrumentType",
				"Instrument.Manufacturer", "Instrument.Supplier", "AnalysisService.Category", "Analysis.Category",
				"AnalysisSpec.SampleType", "AnalysisRequest.Client", "AnalysisRequest.Contact",
				"AnalysisRequest.SampleType", "DuplicateAnalysis.Analysis", "ARReport.AnalysisRequest",
				"Invoice.Client", "Invoice.AnalysisRequest",
				// records holding UIDs, required per §2
				"AnalysisProfile.services", "SampleTemplate.services", "AnalysisSpec.ResultsRange",
			},
			dx: []string{"Department", "AnalysisCategory", "SampleType", "SampleMatrix", "SampleCondition",
				"SamplingDeviation", "StorageLocation", "SubGroup", "BatchLabel", "AttachmentType", "LabProduct",
				"Manufacturer", "InstrumentType", "ContainerType", "Supplier", "SamplePoint", "AnalysisProfile",
				"SampleTemplate", "SamplePreservation", "SampleContainer", "InstrumentLocation",
				"DynamicAnalysisSpec", "InterpretationTemplate", "Label",
				// DX folders
				"Setup", "Samples", "Departments", "AnalysisCategories", "SampleTypes", "SampleMatrices",
				"SampleConditions", "SamplingDeviations", "StorageLocations", "SubGroups", "BatchLabels",
				"AttachmentTypes", "LabProducts", "Manufacturers", "InstrumentTypes", "ContainerTypes", "Suppliers",
				"SamplePoints", "AnalysisProfiles", "SampleTemplates", "SamplePreservations", "SampleContainers",
				"InstrumentLocations", "DynamicAnalysisSpecs", "InterpretationTemplates", "Labels"},
		},
		{
			name: "1.x", types: types1x(), fixed: fixed1x(),
			workflows: setOf([]string{WfBikaOneState, WfBikaInactive, WfBikaAR, WfBikaSample, WfBikaAnalysis,
				WfBikaWorksheet, WfBikaBatch, WfBikaRefSample, WfBikaCancel}),
			external: map[string]bool{"SamplingRound": true, "Invoice": true},
			requiredRefs: []string{
				// Department.Manager is optional in 1.2
				"AnalysisCategory.Department", "Instrument.InstrumentType", "Instrument.Manufacturer",
				"Instrument.Supplier", "AnalysisService.Category", "Analysis.Category", "AnalysisRequest.Client",
				"AnalysisRequest.Contact", "AnalysisRequest.SampleType", "Sample.SampleType",
				"SamplePartition.Container", "DuplicateAnalysis.Analysis", "ARReport.AnalysisRequest",
				"AnalysisProfile.Service",
			},
		},
	}
}

func TestTypesDataConsistency(t *testing.T) {
	for _, fl := range typesDataFlavors() {
		t.Run(fl.name, func(t *testing.T) {
			byName := map[string]*PortalType{}
			for _, pt := range fl.types {
				if pt == nil || pt.Name == "" {
					t.Fatalf("nil or unnamed type")
				}
				if byName[pt.Name] != nil {
					t.Errorf("type %s defined twice", pt.Name)
				}
				byName[pt.Name] = pt
			}
			allowedIn := map[string][]string{}
			for _, pt := range fl.types {
				if pt.Catalog != "" {
					t.Errorf("%s: Catalog %q set; the type→catalog mapping fills it", pt.Name, pt.Catalog)
				}
				if !fl.workflows[pt.Workflow] {
					t.Errorf("%s: workflow %q is not a %s workflow", pt.Name, pt.Workflow, fl.name)
				}
				if pt.Structural != (pt.IDFormat == IDFixed) {
					t.Errorf("%s: Structural=%v but IDFormat=%v", pt.Name, pt.Structural, pt.IDFormat)
				}
				if len(pt.Allowed) > 0 && !pt.Folderish {
					t.Errorf("%s allows %v but is not folderish", pt.Name, pt.Allowed)
				}
				seen := map[string]bool{}
				for _, a := range pt.Allowed {
					if byName[a] == nil {
						t.Errorf("%s allows undefined type %s", pt.Name, a)
					}
					if seen[a] {
						t.Errorf("%s allows %s twice", pt.Name, a)
					}
					seen[a] = true
					allowedIn[a] = append(allowedIn[a], pt.Name)
				}
				fields := map[string]bool{}
				for _, f := range pt.Fields {
					if f.Name == "" {
						t.Errorf("%s: unnamed field", pt.Name)
					}
					if fields[f.Name] {
						t.Errorf("%s: field %s defined twice", pt.Name, f.Name)
					}
					fields[f.Name] = true
					isRef := f.Kind == KRef || f.Kind == KRefs
					if isRef && len(f.Targets) == 0 {
						t.Errorf("%s.%s: reference without targets", pt.Name, f.Name)
					}
					if !isRef && (len(f.Targets) > 0 || f.UIDRef) {
						t.Errorf("%s.%s: targets/UIDRef on a non-reference field", pt.Name, f.Name)
					}
					if len(f.RefKeys) > 0 && f.Kind != KRecords && f.Kind != KRecord {
						t.Errorf("%s.%s: RefKeys on a non-records field", pt.Name, f.Name)
					}
					if f.Required && f.ReadOnly {
						t.Errorf("%s.%s: required and read-only", pt.Name, f.Name)
					}
					for _, tg := range f.Targets {
						if byName[tg] == nil && !fl.external[tg] {
							t.Errorf("%s.%s targets undefined type %s", pt.Name, f.Name, tg)
						}
					}
					if fl.name == "2.x" && isRef && !f.UIDRef && pt.Name != "AnalysisRequest" {
						t.Errorf("%s.%s: 2.x references are UIDReferenceFields", pt.Name, f.Name)
					}
				}
				// AT types name fields in CamelCase, DX ones in snake_case
				// (title/description are lower case in both).
				for _, f := range pt.Fields {
					if f.Name == "title" || f.Name == "description" || f.Name == "text" {
						continue
					}
					lower := strings.ToLower(f.Name[:1]) == f.Name[:1]
					if pt.DX && !lower {
						t.Errorf("DX %s.%s is not snake_case", pt.Name, f.Name)
					}
					if !pt.DX && lower {
						t.Errorf("AT %s.%s is not CamelCase", pt.Name, f.Name)
					}
				}
			}
			for _, pt := range fl.types {
				if !pt.Structural && len(allowedIn[pt.Name]) == 0 {
					t.Errorf("%s is not allowed in any container", pt.Name)
				}
			}
			// The analyses field of a sample is the special ARAnalysesField.
			if f := byName["AnalysisRequest"].Field("Analyses"); f == nil || f.Kind != KRefs || f.UIDRef || f.ReadOnly {
				t.Errorf("AnalysisRequest.Analyses: want a writable KRefs that is not a UIDReferenceField, got %+v", f)
			}
			for _, key := range fl.requiredRefs {
				tn, fn, _ := strings.Cut(key, ".")
				pt := byName[tn]
				if pt == nil {
					t.Errorf("%s: no type %s", key, tn)
					continue
				}
				f := pt.Field(fn)
				if f == nil || !f.Required {
					t.Errorf("%s: want a required field, got %+v", key, f)
				}
			}
			dx := setOf(fl.dx)
			for _, pt := range fl.types {
				if pt.DX != dx[pt.Name] {
					t.Errorf("%s: DX=%v, want %v", pt.Name, pt.DX, dx[pt.Name])
				}
			}
		})
	}
}

func TestTypesDataFixedObjects(t *testing.T) {
	for _, fl := range typesDataFlavors() {
		t.Run(fl.name, func(t *testing.T) {
			byName := map[string]*PortalType{}
			for _, pt := range fl.types {
				byName[pt.Name] = pt
			}
			byPath := map[string]FixedObject{}
			used := map[string]bool{}
			for _, f := range fl.fixed {
				if _, dup := byPath[f.Path]; dup {
					t.Errorf("fixed path %s twice", f.Path)
				}
				byPath[f.Path] = f
				pt := byName[f.PortalType]
				if pt == nil {
					t.Errorf("%s: undefined type %s", f.Path, f.PortalType)
					continue
				}
				if !pt.Structural {
					t.Errorf("%s: %s is not structural", f.Path, f.PortalType)
				}
				if f.Title == "" {
					t.Errorf("%s: no title", f.Path)
				}
				used[f.PortalType] = true
			}
			for _, f := range fl.fixed {
				if dir := path.Dir(f.Path); dir != "." {
					if _, ok := byPath[dir]; !ok {
						t.Errorf("%s: parent %s is not a fixed object", f.Path, dir)
					}
				}
			}
			for _, pt := range fl.types {
				if pt.Structural && !used[pt.Name] {
					t.Errorf("structural type %s has no fixed object", pt.Name)
				}
			}
			// Every setup item type has a fixed folder that allows it, so a
			// generator can find where to create it.
			for _, pt := range fl.types {
				if pt.Structural {
					continue
				}
				for _, parent := range fl.types {
					if parent.Allows(pt.Name) && !parent.Structural && byName[parent.Name] != nil {
						goto ok
					}
				}
				for _, f := range fl.fixed {
					if byName[f.PortalType] != nil && byName[f.PortalType].Allows(pt.Name) {
						goto ok
					}
				}
				t.Errorf("%s: no container reachable from the fixed objects", pt.Name)
			ok:
			}
		})
	}
}

// TestTypesDataPaths pins the container paths of content model §1.
func TestTypesDataPaths(t *testing.T) {
	want2x := map[string]string{
		"clients": "Client", "batches": "Batch", "worksheets": "Worksheet", "methods": "Method",
		"bika_setup/bika_analysisservices": "AnalysisService", "bika_setup/bika_calculations": "Calculation",
		"bika_setup/bika_instruments": "Instrument", "bika_setup/bika_labcontacts": "LabContact",
		"bika_setup/bika_analysisspecs": "AnalysisSpec", "setup/departments": "Department",
		"setup/sampletypes": "SampleType", "setup/samplecontainers": "SampleContainer",
		"setup/sampletemplates": "SampleTemplate", "setup/suppliers": "Supplier", "setup/labels": "Label",
	}
	want1x := map[string]string{
		"clients": "Client", "bika_setup/bika_departments": "Department", "bika_setup/bika_artemplates": "ARTemplate",
		"bika_setup/bika_preservations": "Preservation", "bika_setup/bika_containers": "Container",
		"bika_setup/bika_sampletypes": "SampleType", "bika_setup/bika_suppliers": "Supplier",
	}
	for _, c := range []struct {
		name  string
		types []*PortalType
		fixed []FixedObject
		want  map[string]string
	}{{"2.x", types2x(), fixed2x(), want2x}, {"1.x", types1x(), fixed1x(), want1x}} {
		byName := map[string]*PortalType{}
		for _, pt := range c.types {
			byName[pt.Name] = pt
		}
		for p, item := range c.want {
			found := false
			for _, f := range c.fixed {
				if f.Path == p {
					found = true
					if pt := byName[f.PortalType]; pt == nil || !pt.Allows(item) {
						t.Errorf("%s: %s (%s) does not allow %s", c.name, p, f.PortalType, item)
					}
				}
			}
			if !found {
				t.Errorf("%s: no fixed object at %s", c.name, p)
			}
		}
	}
	// 1.x has no /setup, 2.x no bika_setup/bika_departments.
	for _, f := range fixed1x() {
		if strings.HasPrefix(f.Path, "setup") {
			t.Errorf("1.x fixed object %s", f.Path)
		}
	}
	for _, f := range fixed2x() {
		if f.Path == "bika_setup/bika_departments" || f.Path == "analysisrequests" {
			t.Errorf("2.x fixed object %s", f.Path)
		}
	}
}
