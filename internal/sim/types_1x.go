package sim

import "strings"

// The Bika LIMS / SENAITE 1.2-era flavour: Archetypes everywhere, setup in
// bika_setup/bika_* folders, separate Sample objects holding the sample
// data of their ARs, ReferenceFields (empty is null), Bika workflows.

var renames1x = map[string]string{"SampleTemplate": "ARTemplate", "SamplePreservation": "Preservation",
	"SampleContainer": "Container"}

var fieldNames1x = map[string]string{"department_id": "DepartmentID", "min_volume": "MinimumVolume",
	"sample_types": "SampleTypes", "sample_matrix": "SampleMatrix", "container_type": "ContainerType",
	"containertype": "ContainerType", "pre_preserved": "PrePreserved", "samplepoint": "SamplePoint",
	"sampletype": "SampleType", "services": "Analyses", "profile_key": "ProfileKey", "sort_key": "SortKey"}

func camel1x(name string) string {
	if n, ok := fieldNames1x[name]; ok {
		return n
	}
	if !strings.Contains(name, "_") && strings.ToLower(name[:1]) != name[:1] {
		return name
	}
	if name == "title" || name == "description" {
		return name
	}
	parts := strings.Split(name, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

var workflows1x = map[string]string{WfDeactivable: WfBikaInactive, WfClient: WfBikaInactive, WfContact: WfBikaInactive,
	WfLabContact: WfBikaInactive, WfSample: WfBikaAR, WfAnalysis: WfBikaAnalysis, WfWorksheet: WfBikaWorksheet,
	WfBatch: WfBikaBatch, WfReferenceSample: WfBikaRefSample, WfOneState: WfBikaOneState, WfFolder: WfBikaOneState,
	WfCancellable: WfBikaCancel, WfDuplicate: WfBikaAnalysis, WfReferenceAn: WfBikaAnalysis, WfRejectAnalysis: WfBikaOneState}

func rename1x(s string) string {
	if n, ok := renames1x[s]; ok {
		return n
	}
	return s
}

func types1x() []*PortalType {
	skip := map[string]bool{"Setup": true, "Samples": true, "DynamicAnalysisSpecs": true, "DynamicAnalysisSpec": true,
		"InterpretationTemplates": true, "InterpretationTemplate": true, "Labels": true, "Label": true,
		"Multifile": true, "AuditLog": true}
	var out []*PortalType
	for _, t := range types2x() {
		if skip[t.Name] {
			continue
		}
		n := *t
		n.Name = rename1x(t.Name)
		n.DX = false
		n.Catalog = ""
		if wf, ok := workflows1x[t.Workflow]; ok {
			n.Workflow = wf
		}
		n.Allowed = nil
		for _, a := range t.Allowed {
			if !skip[a] {
				n.Allowed = append(n.Allowed, rename1x(a))
			}
		}
		n.Fields = nil
		for _, f := range t.Fields {
			f.Name = camel1x(f.Name)
			if f.Kind == KRef || f.Kind == KRefs {
				f.UIDRef = false
				var tg []string
				for _, x := range f.Targets {
					tg = append(tg, rename1x(x))
				}
				f.Targets = tg
			}
			if n.Name == "Department" && f.Name == "Manager" {
				f.Required = false // optional in 1.2
			}
			n.Fields = append(n.Fields, f)
		}
		switch n.Name {
		case "Folder":
		case "AnalysisRequest":
			n.IDFormat = IDSample1x
			n.Fields = append(n.Fields, req(atRef(fRef("Sample", "Sample"))))
		case "Client":
			n.Allowed = append(n.Allowed, "Sample", "ARTemplate", "ARImport")
		case "AnalysisCategory":
			n.Fields = fieldsRenamed(n.Fields, "Department", "Department")
		}
		out = append(out, &n)
	}
	out = append(out,
		&PortalType{Name: "Sample", Folderish: true, IDFormat: IDSample, Workflow: WfBikaSample,
			Allowed: []string{"SamplePartition"},
			Fields: []Field{req(atRef(fRef("SampleType", "SampleType"))), atRef(fRef("SamplePoint", "SamplePoint")),
				atRef(fRef("StorageLocation", "StorageLocation")), atRef(fRef("SamplingDeviation", "SamplingDeviation")),
				atRef(fRef("SampleCondition", "SampleCondition")), fStr("ClientSampleID"), fStr("ClientReference"),
				fDate("DateSampled"), ro(fDate("DateReceived")), fDate("DateExpired"), fDate("DateDisposed"),
				fStr("EnvironmentalConditions"), fText("Remarks"), fBool("Composite"), fBool("AdHoc")}},
		&PortalType{Name: "SamplePartition", IDFormat: IDPartition1x, Workflow: WfBikaSample,
			Fields: []Field{req(atRef(fRef("Container", "Container"))), atRef(fRef("Preservation", "Preservation")),
				atRef(fRefs("Analyses", "Analysis"))}},
		folder("AnalysisRequestsFolder"),
		folder("SamplesFolder"),
		&PortalType{Name: "ARImport", IDFormat: IDTypeSeq, Workflow: WfBikaOneState, Fields: titled(fStr("Filename"))},
	)
	// setup folders of 1.x
	for _, f := range fixed1x() {
		if strings.HasPrefix(f.Path, "bika_setup/bika_") && !hasType(out, f.PortalType) {
			item := setupItemOf1x(f.Path)
			out = append(out, folder(f.PortalType, item))
		}
	}
	return out
}

func fieldsRenamed(fs []Field, from, to string) []Field {
	for i := range fs {
		if fs[i].Name == from {
			fs[i].Name = to
		}
	}
	return fs
}

func hasType(ts []*PortalType, name string) bool {
	for _, t := range ts {
		if t.Name == name {
			return true
		}
	}
	return false
}

var setupFolders1x = [][3]string{
	{"bika_departments", "Departments", "Department"}, {"bika_analysiscategories", "AnalysisCategories", "AnalysisCategory"},
	{"bika_sampletypes", "SampleTypes", "SampleType"}, {"bika_samplematrices", "SampleMatrices", "SampleMatrix"},
	{"bika_sampleconditions", "SampleConditions", "SampleCondition"}, {"bika_samplingdeviations", "SamplingDeviations", "SamplingDeviation"},
	{"bika_storagelocations", "StorageLocations", "StorageLocation"}, {"bika_subgroups", "SubGroups", "SubGroup"},
	{"bika_batchlabels", "BatchLabels", "BatchLabel"}, {"bika_attachmenttypes", "AttachmentTypes", "AttachmentType"},
	{"bika_labproducts", "LabProducts", "LabProduct"}, {"bika_manufacturers", "Manufacturers", "Manufacturer"},
	{"bika_instrumenttypes", "InstrumentTypes", "InstrumentType"}, {"bika_containertypes", "ContainerTypes", "ContainerType"},
	{"bika_suppliers", "Suppliers", "Supplier"}, {"bika_samplepoints", "SamplePoints", "SamplePoint"},
	{"bika_analysisprofiles", "AnalysisProfiles", "AnalysisProfile"}, {"bika_artemplates", "ARTemplates", "ARTemplate"},
	{"bika_preservations", "Preservations", "Preservation"}, {"bika_containers", "Containers", "Container"},
	{"bika_instrumentlocations", "InstrumentLocations", "InstrumentLocation"},
	{"bika_analysisservices", "AnalysisServices", "AnalysisService"}, {"bika_calculations", "Calculations", "Calculation"},
	{"bika_instruments", "Instruments", "Instrument"}, {"bika_labcontacts", "LabContacts", "LabContact"},
	{"bika_referencedefinitions", "ReferenceDefinitions", "ReferenceDefinition"},
	{"bika_worksheettemplates", "WorksheetTemplates", "WorksheetTemplate"},
	{"bika_analysisspecs", "AnalysisSpecs", "AnalysisSpec"},
}

func setupItemOf1x(path string) string {
	for _, f := range setupFolders1x {
		if "bika_setup/"+f[0] == path {
			return f[2]
		}
	}
	return ""
}

func fixed1x() []FixedObject {
	out := []FixedObject{
		{"clients", "ClientFolder", "Clients"}, {"batches", "BatchFolder", "Batches"},
		{"worksheets", "WorksheetFolder", "Worksheets"}, {"methods", "Methods", "Methods"},
		{"referencesamples", "ReferenceSamplesFolder", "Reference Samples"},
		{"analysisrequests", "AnalysisRequestsFolder", "Analysis Requests"}, {"samples", "SamplesFolder", "Samples"},
		{"pricelists", "PricelistFolder", "Pricelists"}, {"bika_setup", "BikaSetup", "Setup"},
		{"bika_setup/laboratory", "Laboratory", "Laboratory"},
	}
	for _, f := range setupFolders1x {
		out = append(out, FixedObject{"bika_setup/" + f[0], f[1], f[1]})
	}
	return out
}
