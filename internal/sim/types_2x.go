package sim

// Field constructors keep the type tables readable.

func fStr(name string) Field   { return Field{Name: name, Kind: KString} }
func fText(name string) Field  { return Field{Name: name, Kind: KText} }
func fBool(name string) Field  { return Field{Name: name, Kind: KBool} }
func fInt(name string) Field   { return Field{Name: name, Kind: KInt} }
func fFixed(name string) Field { return Field{Name: name, Kind: KFixed} }
func fDate(name string) Field  { return Field{Name: name, Kind: KDate} }
func fLines(name string) Field { return Field{Name: name, Kind: KLines} }
func fRec(name string) Field   { return Field{Name: name, Kind: KRecord} }

// fRecs is a records field; keys holding UIDs are listed so a sync can
// translate them like references.
func fRecs(name string, keys ...string) Field {
	return Field{Name: name, Kind: KRecords, RefKeys: keys}
}

// fRef is a single UIDReferenceField (AT 2.4+ and DX).
func fRef(name string, targets ...string) Field {
	return Field{Name: name, Kind: KRef, Targets: targets, UIDRef: true}
}

// fRefs is a multi-valued UIDReferenceField.
func fRefs(name string, targets ...string) Field {
	return Field{Name: name, Kind: KRefs, Targets: targets, UIDRef: true}
}

func req(f Field) Field   { f.Required = true; return f }
func uniq(f Field) Field  { f.Unique = true; return f }
func ro(f Field) Field    { f.ReadOnly = true; return f }
func atRef(f Field) Field { f.UIDRef = false; return f }

var addressFields = []Field{fRec("PhysicalAddress"), fRec("PostalAddress"), fRec("BillingAddress")}

func fields(groups ...[]Field) []Field {
	var out []Field
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func titled(more ...Field) []Field {
	return append([]Field{req(fStr("title")), fText("description")}, more...)
}

// dxSetup is a Dexterity setup item of 2.6 (title, description and its
// own snake_case fields), deactivable.
func dxSetup(name string, more ...Field) *PortalType {
	return &PortalType{Name: name, DX: true, IDFormat: IDTypeSeq, Workflow: WfDeactivable, Fields: titled(more...)}
}

// atSetup is an Archetypes setup item, deactivable.
func atSetup(name string, more ...Field) *PortalType {
	return &PortalType{Name: name, IDFormat: IDTypeSeq, Workflow: WfDeactivable, Fields: titled(more...)}
}

func folder(name string, allowed ...string) *PortalType {
	return &PortalType{Name: name, Folderish: true, Allowed: allowed, IDFormat: IDFixed, Structural: true, Workflow: WfFolder}
}

var contactFields = []Field{fStr("Salutation"), req(fStr("Firstname")), fStr("Middleinitial"), fStr("Middlename"),
	req(fStr("Surname")), fStr("JobTitle"), fStr("Department"), fStr("BusinessPhone"), fStr("BusinessFax"),
	fStr("HomePhone"), fStr("MobilePhone"), fStr("EmailAddress"), ro(fStr("Username"))}

// analysisFields is the part of an analysis' schema copied from its
// service, plus the result fields.
func analysisFields(targetsAnalysis ...string) []Field {
	return []Field{
		fRef("AnalysisService", "AnalysisService"), fStr("Keyword"), req(fRef("Category", "AnalysisCategory")),
		fRef("Department", "Department"), fRef("Method", "Method"), fRef("Instrument", "Instrument"),
		fRef("Calculation", "Calculation"), fStr("Unit"), fFixed("Price"), fFixed("VAT"), fInt("Precision"),
		fStr("PointOfCapture"), fBool("Accredited"), fBool("ScientificName"), fRecs("InterimFields"),
		fRec("MaxTimeAllowed"), fFixed("DuplicateVariation"), fStr("Result"), fDate("ResultCaptureDate"),
		fStr("Uncertainty"), fStr("DetectionLimitOperand"), fStr("Analyst"), ro(fStr("SubmittedBy")),
		fText("Remarks"), fRefs("Attachment", "Attachment"),
	}
}

func types2x() []*PortalType {
	setupItems := []string{"Department", "AnalysisCategory", "SampleType", "SampleMatrix", "SampleCondition",
		"SamplingDeviation", "StorageLocation", "SubGroup", "BatchLabel", "AttachmentType", "LabProduct",
		"Manufacturer", "InstrumentType", "ContainerType", "Supplier", "SamplePoint", "AnalysisProfile",
		"SampleTemplate", "SamplePreservation", "SampleContainer", "InstrumentLocation", "DynamicAnalysisSpec",
		"InterpretationTemplate", "Label"}
	var ts []*PortalType
	// structural folders
	ts = append(ts,
		folder("ClientFolder", "Client"),
		folder("BatchFolder", "Batch"),
		folder("WorksheetFolder", "Worksheet"),
		folder("Methods", "Method"),
		folder("ReferenceSamplesFolder"),
		folder("PricelistFolder", "Pricelist"),
		folder("BikaSetup"),
		folder("Setup"),
		folder("Samples"),
		folder("AnalysisServices", "AnalysisService"),
		folder("Calculations", "Calculation"),
		folder("Instruments", "Instrument"),
		folder("LabContacts", "LabContact"),
		folder("ReferenceDefinitions", "ReferenceDefinition"),
		folder("WorksheetTemplates", "WorksheetTemplate"),
		folder("AnalysisSpecs", "AnalysisSpec"),
		folder("AuditLog"),
	)
	plural := map[string]string{"Department": "Departments", "AnalysisCategory": "AnalysisCategories",
		"SampleType": "SampleTypes", "SampleMatrix": "SampleMatrices", "SampleCondition": "SampleConditions",
		"SamplingDeviation": "SamplingDeviations", "StorageLocation": "StorageLocations", "SubGroup": "SubGroups",
		"BatchLabel": "BatchLabels", "AttachmentType": "AttachmentTypes", "LabProduct": "LabProducts",
		"Manufacturer": "Manufacturers", "InstrumentType": "InstrumentTypes", "ContainerType": "ContainerTypes",
		"Supplier": "Suppliers", "SamplePoint": "SamplePoints", "AnalysisProfile": "AnalysisProfiles",
		"SampleTemplate": "SampleTemplates", "SamplePreservation": "SamplePreservations",
		"SampleContainer": "SampleContainers", "InstrumentLocation": "InstrumentLocations",
		"DynamicAnalysisSpec": "DynamicAnalysisSpecs", "InterpretationTemplate": "InterpretationTemplates",
		"Label": "Labels"}
	for _, it := range setupItems {
		f := folder(plural[it], it)
		ts = append(ts, f)
	}
	lab := &PortalType{Name: "Laboratory", IDFormat: IDFixed, Structural: true, Workflow: WfOneState,
		Fields: fields([]Field{fStr("Name"), fStr("TaxNumber"), fStr("Phone"), fStr("Fax"), fStr("EmailAddress"),
			fStr("LabURL"), fInt("Confidence"), fBool("LaboratoryAccredited"), fStr("AccreditationBody"),
			fStr("Accreditation"), fRef("Supervisor", "LabContact")}, addressFields)}
	ts = append(ts, lab)

	ts = append(ts,
		// DX setup of 2.6 (snake_case)
		dxSetup("Department", uniq(req(fStr("department_id"))), req(fRef("manager", "LabContact"))),
		dxSetup("AnalysisCategory", req(fRef("department", "Department")), fFixed("sort_key"), fText("comments")),
		dxSetup("SampleType", uniq(req(fStr("prefix"))), req(fRec("retention_period")), req(fStr("min_volume")),
			fBool("hazardous"), fRef("sample_matrix", "SampleMatrix"), fRef("container_type", "ContainerType"),
			req(fRec("admitted_sticker_templates"))),
		dxSetup("SampleMatrix"),
		dxSetup("SampleCondition"),
		dxSetup("SamplingDeviation"),
		dxSetup("StorageLocation", fStr("address"), fStr("site_title"), fStr("location_title"), fStr("shelf_title")),
		dxSetup("SubGroup", fStr("sort_key")),
		dxSetup("BatchLabel"),
		dxSetup("AttachmentType"),
		dxSetup("LabProduct", fStr("volume"), fStr("unit"), fFixed("price"), fFixed("vat")),
		dxSetup("Manufacturer"),
		dxSetup("InstrumentType"),
		dxSetup("ContainerType"),
		&PortalType{Name: "Supplier", DX: true, Folderish: true, IDFormat: IDTypeSeq, Workflow: WfDeactivable,
			Allowed: []string{"SupplierContact", "ReferenceSample"},
			Fields: titled(fStr("Name"), fStr("TaxNumber"), fStr("Phone"), fStr("Fax"), fStr("EmailAddress"),
				fStr("Website"), fStr("NIB"), fStr("IBN"), fStr("SWIFTcode"))},
		dxSetup("SamplePoint", fRefs("sample_types", "SampleType"), fStr("latitude"), fStr("longitude"),
			fStr("elevation"), fRec("sampling_frequency"), fBool("composite")),
		dxSetup("AnalysisProfile", req(fRecs("services", "uid")), fRefs("sample_types", "SampleType"),
			fStr("profile_key"), fText("commercial_id"), fBool("use_analysis_profile_price"),
			fFixed("analysis_profile_price"), fFixed("analysis_profile_vat")),
		dxSetup("SampleTemplate", req(fRecs("services", "uid")), fRecs("partitions", "container", "preservation", "sampletype"),
			fRef("samplepoint", "SamplePoint"), fRef("sampletype", "SampleType"), fBool("composite"),
			fBool("auto_partition"), fText("remarks")),
		dxSetup("SamplePreservation", req(fStr("category")), fRec("retention_period")),
		dxSetup("SampleContainer", fRef("containertype", "ContainerType"), fRef("preservation", "SamplePreservation"),
			req(fStr("capacity")), fBool("pre_preserved")),
		dxSetup("InstrumentLocation"),
		dxSetup("DynamicAnalysisSpec", fStr("specs_file")),
		dxSetup("InterpretationTemplate", fRefs("analysis_templates", "SampleTemplate"), fRefs("sample_types", "SampleType"), fText("text")),
		dxSetup("Label"),

		// AT setup in bika_setup
		atSetup("AnalysisService", uniq(req(fStr("Keyword"))), fStr("Unit"), fFixed("Price"), fFixed("BulkPrice"),
			fFixed("VAT"), fInt("Precision"), req(fRef("Category", "AnalysisCategory")), fRef("Department", "Department"),
			fRefs("Methods", "Method"), fRef("Method", "Method"), fRefs("Instruments", "Instrument"),
			fRef("Instrument", "Instrument"), fRef("Calculation", "Calculation"),
			fRef("Preservation", "SamplePreservation"), fRef("Container", "SampleContainer", "ContainerType"),
			req(fStr("PointOfCapture")), fRec("MaxTimeAllowed"), fFixed("DuplicateVariation"), fBool("Accredited"),
			fBool("ScientificName"), fStr("CommercialID"), fStr("ProtocolID"), fRecs("InterimFields"),
			fRecs("ResultOptions"), fStr("LowerDetectionLimit"), fStr("UpperDetectionLimit"), fStr("SortKey")),
		atSetup("Calculation", req(fText("Formula")), fRefs("DependentServices", "AnalysisService"),
			fRecs("InterimFields"), fText("PythonImports"), fText("TestParameters")),
		&PortalType{Name: "Method", IDFormat: IDTypeSeq, Workflow: WfDeactivable, Fields: titled(fStr("MethodID"),
			fText("Instructions"), fRefs("Calculations", "Calculation"), ro(fRefs("Instruments", "Instrument")),
			fBool("ManualEntryOfResults"), fBool("Accredited"))},
		&PortalType{Name: "Instrument", Folderish: true, IDFormat: IDTypeSeq, Workflow: WfDeactivable,
			Allowed: []string{"InstrumentCalibration", "InstrumentCertification", "InstrumentValidation",
				"InstrumentMaintenanceTask", "InstrumentScheduledTask", "AutoImportLog", "Multifile"},
			Fields: titled(req(fRef("InstrumentType", "InstrumentType")), req(fRef("Manufacturer", "Manufacturer")),
				req(fRef("Supplier", "Supplier")), fStr("Model"), fStr("SerialNo"), fStr("AssetNumber"),
				fRefs("Methods", "Method"), fRef("InstrumentLocation", "InstrumentLocation"),
				fStr("DataInterface"), fBool("DisposeUntilNextCalibrationTest"))},
		&PortalType{Name: "InstrumentCalibration", IDFormat: IDTypeSeq, Workflow: WfOneState,
			Fields: titled(fRef("Instrument", "Instrument"), fDate("DownFrom"), fDate("DownTo"),
				fRef("Worker", "LabContact", "SupplierContact"), fText("Remarks"))},
		&PortalType{Name: "InstrumentCertification", IDFormat: IDTypeSeq, Workflow: WfOneState,
			Fields: titled(fRef("Instrument", "Instrument"), fDate("ValidFrom"), fDate("ValidTo"), fBool("Internal"),
				fRef("Preparator", "LabContact", "SupplierContact"), fRef("Validator", "LabContact", "SupplierContact"), fText("Remarks"))},
		&PortalType{Name: "InstrumentValidation", IDFormat: IDTypeSeq, Workflow: WfOneState,
			Fields: titled(fRef("Instrument", "Instrument"), fDate("DownFrom"), fDate("DownTo"),
				fRef("Worker", "LabContact", "SupplierContact"), fText("Remarks"))},
		&PortalType{Name: "InstrumentMaintenanceTask", IDFormat: IDTypeSeq, Workflow: WfCancellable,
			Fields: titled(fRef("Instrument", "Instrument"), fDate("DownFrom"), fDate("DownTo"), fStr("Maintainer"),
				fFixed("Cost"), fBool("Closed"))},
		&PortalType{Name: "InstrumentScheduledTask", IDFormat: IDTypeSeq, Workflow: WfCancellable,
			Fields: titled(fRef("Instrument", "Instrument"), fStr("Type"), fRecs("ScheduleCriteria"), fText("Considerations"))},
		&PortalType{Name: "AutoImportLog", IDFormat: IDTypeSeq, Workflow: WfOneState,
			Fields: []Field{fRef("Instrument", "Instrument"), fStr("ImportedFile"), fStr("Interface"), fText("Results"),
				fDate("LogTime")}},
		&PortalType{Name: "Multifile", IDFormat: IDTypeSeq, Workflow: WfOneState,
			Fields: titled(fStr("DocumentID"), fStr("DocumentVersion"), fStr("DocumentLocation"), fStr("DocumentType"))},
		&PortalType{Name: "LabContact", IDFormat: IDTypeSeq, Workflow: WfLabContact,
			Fields: fields(contactFields, addressFields, []Field{fRefs("Departments", "Department"),
				fRef("DefaultDepartment", "Department")})},
		atSetup("ReferenceDefinition", fBool("Blank"), fBool("Hazardous"), fRecs("ReferenceResults", "uid")),
		atSetup("WorksheetTemplate", fRefs("Service", "AnalysisService"), fRef("RestrictToMethod", "Method"),
			fRef("Instrument", "Instrument"), fRecs("Layout", "blank_ref", "control_ref"), fBool("EnableMultipleUse")),
		&PortalType{Name: "AnalysisSpec", IDFormat: IDTypeSeq, Workflow: WfDeactivable,
			Fields: titled(req(fRef("SampleType", "SampleType")), fRef("DynamicAnalysisSpec", "DynamicAnalysisSpec"),
				req(fRecs("ResultsRange", "uid")))},

		// clients and their content
		&PortalType{Name: "Client", Folderish: true, IDFormat: IDTypeSeq, Workflow: WfClient,
			Allowed: []string{"Contact", "AnalysisRequest", "Batch", "Attachment", "AnalysisSpec", "AnalysisProfile",
				"SampleTemplate", "SamplePoint", "Invoice"},
			Fields: fields([]Field{req(fStr("Name")), uniq(req(fStr("ClientID"))), fStr("TaxNumber"), fStr("Phone"),
				fStr("Fax"), fStr("EmailAddress")}, addressFields, []Field{fStr("AccountType"), fStr("AccountName"),
				fStr("AccountNumber"), fStr("BankName"), fStr("BankBranch"), fBool("MemberDiscountApplies"),
				fBool("BulkDiscount"), fStr("CCEmails"), fRefs("DefaultCategories", "AnalysisCategory"),
				fRefs("RestrictedCategories", "AnalysisCategory")})},
		&PortalType{Name: "Contact", IDFormat: IDTypeSeq, Workflow: WfContact,
			Fields: fields(contactFields, addressFields, []Field{fRefs("CCContact", "Contact")})},
		&PortalType{Name: "SupplierContact", IDFormat: IDTypeSeq, Workflow: WfDeactivable,
			Fields: fields(contactFields, addressFields)},
		&PortalType{Name: "ReferenceSample", Folderish: true, IDFormat: IDReferenceSample, Workflow: WfReferenceSample,
			Allowed: []string{"ReferenceAnalysis"},
			Fields: titled(fRef("ReferenceDefinition", "ReferenceDefinition"), fRef("Manufacturer", "Manufacturer"),
				fBool("Blank"), fBool("Hazardous"), fStr("CatalogueNumber"), fStr("LotNumber"), fDate("DateSampled"),
				fDate("DateReceived"), fDate("DateOpened"), fDate("ExpiryDate"), fRecs("ReferenceValues", "uid"),
				fText("Remarks"))},
		&PortalType{Name: "AnalysisRequest", Folderish: true, IDFormat: IDSample, Workflow: WfSample,
			Allowed: []string{"Analysis", "ARReport", "Attachment"},
			Fields: []Field{req(fRef("Client", "Client")), req(fRef("Contact", "Contact")), fRefs("CCContact", "Contact"),
				fStr("CCEmails"), req(fRef("SampleType", "SampleType")), fRef("SamplePoint", "SamplePoint"),
				fRef("Batch", "Batch"), fRef("SubGroup", "SubGroup"), fRef("Template", "SampleTemplate"),
				fRefs("Profiles", "AnalysisProfile"), fRef("Container", "SampleContainer"),
				fRef("Preservation", "SamplePreservation"), fRef("Specification", "AnalysisSpec"),
				fRef("PublicationSpecification", "AnalysisSpec"), fRef("StorageLocation", "StorageLocation"),
				fRef("SamplingDeviation", "SamplingDeviation"), fRef("SampleCondition", "SampleCondition"),
				fRef("ParentAnalysisRequest", "AnalysisRequest"), fRef("PrimaryAnalysisRequest", "AnalysisRequest"),
				fRef("DetachedFrom", "AnalysisRequest"), fRef("Invalidated", "AnalysisRequest"),
				fStr("ClientSampleID"), fStr("ClientReference"), fStr("ClientOrderNumber"), req(fDate("DateSampled")),
				ro(fDate("DateReceived")), ro(fDate("DatePublished")), fStr("Priority"), fStr("EnvironmentalConditions"),
				fText("Remarks"), fBool("InternalUse"), fRefs("Attachment", "Attachment"), fRef("Invoice", "Invoice"),
				// ARAnalysesField: the contained analyses, written as service UIDs
				{Name: "Analyses", Kind: KRefs, Targets: []string{"Analysis"}},
				fRecs("ResultsInterpretationDepts", "uid")}},
		&PortalType{Name: "Analysis", IDFormat: IDKeyword, Workflow: WfAnalysis,
			Fields: append(analysisFields(), fRef("RetestOf", "Analysis"))},
		&PortalType{Name: "DuplicateAnalysis", IDFormat: IDKeyword, Workflow: WfDuplicate,
			Fields: append(analysisFields(), req(fRef("Analysis", "Analysis", "ReferenceAnalysis")),
				fStr("ReferenceAnalysesGroupID"), fRef("RetestOf", "DuplicateAnalysis"))},
		&PortalType{Name: "ReferenceAnalysis", IDFormat: IDKeyword, Workflow: WfReferenceAn,
			Fields: append(analysisFields(), fStr("ReferenceType"), fStr("ReferenceAnalysesGroupID"),
				fRef("RetestOf", "ReferenceAnalysis"))},
		&PortalType{Name: "RejectAnalysis", IDFormat: IDKeyword, Workflow: WfRejectAnalysis,
			Fields: append(analysisFields(), fRef("Analysis", "Analysis"))},
		&PortalType{Name: "ARReport", IDFormat: IDTypeSeq, Workflow: WfOneState,
			Fields: []Field{req(fRef("AnalysisRequest", "AnalysisRequest")),
				fRefs("ContainedAnalysisRequests", "AnalysisRequest"), fRec("Metadata"), fStr("Recipients")}},
		&PortalType{Name: "Attachment", IDFormat: IDTypeSeq, Workflow: WfOneState,
			Fields: []Field{fRef("AttachmentType", "AttachmentType"), fStr("AttachmentKeys"), fBool("RenderInReport"),
				fDate("DateLoaded")}},
		&PortalType{Name: "Batch", Folderish: true, IDFormat: IDBatch, Workflow: WfBatch,
			Allowed: []string{"AnalysisRequest"},
			Fields: []Field{fStr("title"), fText("description"), fStr("BatchID"), fRef("Client", "Client"),
				fLines("BatchLabels"), fDate("BatchDate"), fStr("ClientBatchID"), fText("Remarks")}},
		&PortalType{Name: "Worksheet", Folderish: true, IDFormat: IDWorksheet, Workflow: WfWorksheet,
			Allowed: []string{"DuplicateAnalysis", "RejectAnalysis", "Attachment"},
			Fields: []Field{fRef("WorksheetTemplate", "WorksheetTemplate"),
				fRefs("Analyses", "Analysis", "DuplicateAnalysis", "ReferenceAnalysis", "RejectAnalysis"),
				fRef("Method", "Method"), fRef("Instrument", "Instrument"),
				fRecs("Layout", "container_uid", "analysis_uid"), fStr("Analyst"), fText("Remarks"), fBool("ResultsLayoutDisplayMode")}},
		&PortalType{Name: "Invoice", IDFormat: IDInvoice, Workflow: WfOneState,
			Fields: []Field{req(fRef("Client", "Client")), fRef("AnalysisRequest", "AnalysisRequest"),
				fDate("InvoiceDate"), fText("Remarks")}},
		&PortalType{Name: "Pricelist", IDFormat: IDTypeSeq, Workflow: WfDeactivable,
			Fields: titled(fStr("Type"), fBool("BulkDiscount"), fFixed("BulkPrice"), fFixed("VAT"), fDate("EffectiveDate"),
				fDate("ExpirationDate"))},
	)
	return ts
}

func fixed2x() []FixedObject {
	out := []FixedObject{
		{"clients", "ClientFolder", "Clients"}, {"batches", "BatchFolder", "Batches"},
		{"worksheets", "WorksheetFolder", "Worksheets"}, {"methods", "Methods", "Methods"},
		{"referencesamples", "ReferenceSamplesFolder", "Reference Samples"},
		{"pricelists", "PricelistFolder", "Pricelists"}, {"bika_setup", "BikaSetup", "Setup"},
		{"setup", "Setup", "Setup"}, {"samples", "Samples", "Samples"},
		{"bika_setup/auditlog", "AuditLog", "Audit Log"},
		{"bika_setup/bika_analysisservices", "AnalysisServices", "Analysis Services"},
		{"bika_setup/bika_analysisspecs", "AnalysisSpecs", "Analysis Specifications"},
		{"bika_setup/bika_calculations", "Calculations", "Calculations"},
		{"bika_setup/bika_instruments", "Instruments", "Instruments"},
		{"bika_setup/bika_labcontacts", "LabContacts", "Lab Contacts"},
		{"bika_setup/bika_referencedefinitions", "ReferenceDefinitions", "Reference Definitions"},
		{"bika_setup/bika_worksheettemplates", "WorksheetTemplates", "Worksheet Templates"},
		{"bika_setup/laboratory", "Laboratory", "Laboratory"},
	}
	for _, f := range [][3]string{
		{"departments", "Departments", "Lab Departments"}, {"analysiscategories", "AnalysisCategories", "Analysis Categories"},
		{"sampletypes", "SampleTypes", "Sample Types"}, {"samplematrices", "SampleMatrices", "Sample Matrices"},
		{"sampleconditions", "SampleConditions", "Sample Conditions"}, {"samplingdeviations", "SamplingDeviations", "Sampling Deviations"},
		{"storagelocations", "StorageLocations", "Storage Locations"}, {"subgroups", "SubGroups", "Sub-groups"},
		{"batchlabels", "BatchLabels", "Batch Labels"}, {"attachmenttypes", "AttachmentTypes", "Attachment Types"},
		{"labproducts", "LabProducts", "Lab Products"}, {"manufacturers", "Manufacturers", "Manufacturers"},
		{"instrumenttypes", "InstrumentTypes", "Instrument Types"}, {"containertypes", "ContainerTypes", "Container Types"},
		{"suppliers", "Suppliers", "Suppliers"}, {"samplepoints", "SamplePoints", "Sample Points"},
		{"analysisprofiles", "AnalysisProfiles", "Analysis Profiles"}, {"sampletemplates", "SampleTemplates", "Sample Templates"},
		{"samplepreservations", "SamplePreservations", "Sample Preservations"}, {"samplecontainers", "SampleContainers", "Sample Containers"},
		{"instrumentlocations", "InstrumentLocations", "Instrument Locations"},
		{"dynamicanalysisspecs", "DynamicAnalysisSpecs", "Dynamic Analysis Specifications"},
		{"interpretationtemplates", "InterpretationTemplates", "Interpretation Templates"}, {"labels", "Labels", "Labels"},
	} {
		out = append(out, FixedObject{"setup/" + f[0], f[1], f[2]})
	}
	return out
}
