package sim

// The SENAITE 2.6.0 flavour as data: every portal type the simulator serves,
// with its container rules, id format, workflow and main schema fields.
//
// Sources (senaite/senaite.core, 2.x branch at 2024-10-21, which is what
// 2.6.0 shipped for these types):
//   - AT schemas: src/bika/lims/content/<type>.py (+ abstractbaseanalysis.py,
//     abstractanalysis.py, abstractroutineanalysis.py, person.py,
//     organisation.py, bikaschema.py)
//   - DX schemas: src/senaite/core/content/<type>.py (+ organization.py)
//   - allowed types: src/{bika/lims,senaite/core}/profiles/default/types/*.xml
//   - workflows: src/senaite/core/profiles/default/workflows.xml
//   - fixed folders: src/bika/lims/profiles/default/structure/ and
//     add_senaite_setup/add_senaite_setup_items/add_dexterity_portal_items
//     in src/senaite/core/setuphandlers.py
//
// Conventions the serializer and writer rely on:
//   - AT types carry `title` (and `description`) as schema fields only where
//     the user enters them; where the title is computed (Client, Laboratory,
//     Supplier-less contacts, AnalysisRequest, Worksheet, …) there is no
//     `title` field and the item's title comes from the attributes.
//   - AT titles built on BikaSchema keep its "uniquefieldvalidator": unique
//     among the objects of the same type in the same container (Unique).
//   - Files (AttachmentFile, MethodDocument, Photo, specs_file, …) are not
//     modelled, except DynamicAnalysisSpec.specs_file as a string
//     placeholder.
//   - Float fields (SortKey, sort_key) are stored as strings (KString):
//     FieldKind has no float.
//   - Defaults of the real schemas (ExponentialFormatPrecision=7,
//     DateLoaded=now, category="lab", …) are not modelled; where a required
//     field always has a default, it is not marked Required here. The
//     setup singletons are the exception: their defaults are the lab's
//     settings on a fresh site (setup_schema.go).

// Field constructors keep the type tables readable.

func fStr(name string) Field   { return Field{Name: name, Kind: KString} }
func fText(name string) Field  { return Field{Name: name, Kind: KText} }
func fBool(name string) Field  { return Field{Name: name, Kind: KBool} }
func fInt(name string) Field   { return Field{Name: name, Kind: KInt} }
func fFixed(name string) Field { return Field{Name: name, Kind: KFixed} }
func fDate(name string) Field  { return Field{Name: name, Kind: KDate} }
func fLines(name string) Field { return Field{Name: name, Kind: KLines} }
func fRec(name string) Field   { return Field{Name: name, Kind: KRecord} }

// fRecs is a records field; keys whose values are UIDs of other objects are
// listed so a sync can translate them like references.
func fRecs(name string, uidKeys ...string) Field {
	return Field{Name: name, Kind: KRecords, RefKeys: uidKeys}
}

// fRecKeys is a single record field (RecordField) with UID-valued keys.
func fRecKeys(name string, uidKeys ...string) Field {
	return Field{Name: name, Kind: KRecord, RefKeys: uidKeys}
}

// fRef is a single UIDReferenceField (every AT reference since 2.4, and DX).
func fRef(name string, targets ...string) Field {
	return Field{Name: name, Kind: KRef, Targets: targets, UIDRef: true}
}

// fRefs is a multi-valued UIDReferenceField.
func fRefs(name string, targets ...string) Field {
	return Field{Name: name, Kind: KRefs, Targets: targets, UIDRef: true}
}

// fATRef and fATRefs are plain Archetypes ReferenceFields (1.x): empty
// serializes as null, not {}.
func fATRef(name string, targets ...string) Field {
	return Field{Name: name, Kind: KRef, Targets: targets}
}

func fATRefs(name string, targets ...string) Field {
	return Field{Name: name, Kind: KRefs, Targets: targets}
}

// must marks a schema-required field, uniq a natural key, computed a field
// that cannot be written (401 "Not allowed to set the field").
func must(f Field) Field     { f.Required = true; return f }
func uniq(f Field) Field     { f.Unique = true; return f }
func computed(f Field) Field { f.ReadOnly = true; return f }

func joinFields(groups ...[]Field) []Field {
	var out []Field
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// atTitle is BikaSchema's title (required, unique in its container) and
// description, as setup types show them.
func atTitle(more ...Field) []Field {
	return append([]Field{uniq(must(fStr("title"))), fText("description")}, more...)
}

// dxTitle is the title/description pair of a DX schema.
func dxTitle(more ...Field) []Field {
	return append([]Field{must(fStr("title")), fText("description")}, more...)
}

// fixedType is a structural folder (or singleton): exists from the start,
// never created or updated through the API.
func fixedType(name, workflow string, dx bool, allowed ...string) *PortalType {
	return &PortalType{Name: name, DX: dx, Folderish: true, Allowed: allowed, IDFormat: IDFixed,
		Workflow: workflow, Structural: true}
}

// withFields gives a structural type its schema.
func withFields(t *PortalType, fields []Field) *PortalType {
	t.Fields = fields
	return t
}

// dxSetupType is a 2.6 Dexterity setup item (IAutoGenerateID, deactivable).
func dxSetupType(name string, fields ...Field) *PortalType {
	return &PortalType{Name: name, DX: true, IDFormat: IDTypeSeq, Workflow: WfDeactivable, Fields: fields}
}

// personFields2x is bika.lims.content.person (Contact, LabContact,
// SupplierContact). Username is the linked Plone user id, a hidden
// StringField that is writable in the schema (linking is a UI action).
func personFields2x() []Field {
	return []Field{
		fStr("Salutation"), must(fStr("Firstname")), fStr("Middleinitial"), fStr("Middlename"),
		must(fStr("Surname")), fStr("Username"), fStr("EmailAddress"), fStr("BusinessPhone"),
		fStr("BusinessFax"), fStr("HomePhone"), fStr("MobilePhone"), fStr("JobTitle"),
		fStr("Department"), fRec("PhysicalAddress"), fRec("PostalAddress"),
	}
}

// organisationFields is bika.lims.content.organisation (Client,
// Laboratory; 1.x Supplier). Its title is hidden and computed from Name.
func organisationFields() []Field {
	return []Field{
		must(fStr("Name")), fStr("TaxNumber"), fStr("Phone"), fStr("Fax"), fStr("EmailAddress"),
		fRec("PhysicalAddress"), fRec("PostalAddress"), fRec("BillingAddress"), fStr("AccountType"),
		fStr("AccountName"), fStr("AccountNumber"), fStr("BankName"), fStr("BankBranch"),
	}
}

// baseAnalysisFields2x is abstractbaseanalysis.py: the schema an
// AnalysisService shares with its analyses. Its title is required but has
// no unique validator (validators = ()).
func baseAnalysisFields2x() []Field {
	return []Field{
		must(fStr("title")), fText("description"),
		fStr("ShortTitle"), fStr("SortKey"), fBool("ScientificName"), fStr("Unit"), fRecs("UnitChoices"),
		fInt("Precision"),
		// required=True with default 7; defaults are not modelled
		fInt("ExponentialFormatPrecision"),
		fStr("LowerDetectionLimit"), fStr("UpperDetectionLimit"), fBool("DetectionLimitSelector"),
		fBool("AllowManualDetectionLimit"), fBool("AttachmentRequired"), must(fStr("Keyword")),
		fBool("ManualEntryOfResults"), fBool("InstrumentEntryOfResults"), fRef("Instrument", "Instrument"),
		fRef("Method", "Method"), fRec("MaxTimeAllowed"), fFixed("DuplicateVariation"), fBool("Accredited"),
		// "lab" or "field"
		must(fStr("PointOfCapture")),
		must(fRef("Category", "AnalysisCategory")), fFixed("Price"), fFixed("BulkPrice"), fFixed("VAT"),
		fRef("Department", "Department"), fRecs("Uncertainties"), fBool("PrecisionFromUncertainty"),
		fBool("AllowManualUncertainty"), fStr("ResultType"), fRecs("ResultOptions"),
		fStr("ResultOptionsSorting"), fBool("Hidden"), fInt("SelfVerification"),
		fInt("NumberOfRequiredVerifications"), fStr("CommercialID"), fStr("ProtocolID"), fText("Remarks"),
	}
}

// analysisFields2x is the schema of a routine/QC analysis: the service
// copy plus abstractanalysis.py. retestOf names the type a retest points
// back to (an analysis is retested as the same type). There is no
// SubmittedBy field (getSubmittedBy reads the review history) and no
// Worksheet field (a back-reference of Worksheet.Analyses).
func analysisFields2x(retestOf string) []Field {
	return append(baseAnalysisFields2x(),
		fRef("AnalysisService", "AnalysisService"), fRefs("Attachment", "Attachment"), fStr("Result"),
		fDate("ResultCaptureDate"), fRef("RetestOf", retestOf), fStr("DetectionLimitOperand"),
		// the analyst's user id
		fStr("Analyst"), fStr("Uncertainty"),
		// HistoryAwareReferenceField: a UID like the others
		fRef("Calculation", "Calculation"),
		fRecs("InterimFields"),
		// ResultRangeField: one ResultsRangeDict, which always carries the
		// service's uid (abstractanalysis.py:158, analysisspec.py:154)
		fRecKeys("ResultsRange", "uid"),
	)
}

// instrumentChildren are the types created inside an Instrument (the FTI
// also lists Analysis and ReferenceAnalysis, a legacy nobody uses).
var instrumentChildren = []string{"InstrumentCalibration", "InstrumentCertification", "InstrumentMaintenanceTask",
	"InstrumentScheduledTask", "InstrumentValidation", "Multifile", "AutoImportLog", "Analysis", "ReferenceAnalysis"}

// dxSetupFolders2x: id in /setup, folder portal_type, title, item type
// (setuphandlers.add_senaite_setup_items).
var dxSetupFolders2x = [][4]string{
	{"departments", "Departments", "Lab Departments", "Department"},
	{"labels", "Labels", "Labels", "Label"},
	{"sampleconditions", "SampleConditions", "Sample Conditions", "SampleCondition"},
	{"analysisprofiles", "AnalysisProfiles", "Analysis Profiles", "AnalysisProfile"},
	{"samplepreservations", "SamplePreservations", "Sample Preservations", "SamplePreservation"},
	{"samplematrices", "SampleMatrices", "Sample Matrices", "SampleMatrix"},
	{"samplepoints", "SamplePoints", "Sample Points", "SamplePoint"},
	{"sampletemplates", "SampleTemplates", "Sample Templates", "SampleTemplate"},
	{"manufacturers", "Manufacturers", "Manufacturers", "Manufacturer"},
	{"containertypes", "ContainerTypes", "Container Types", "ContainerType"},
	{"subgroups", "SubGroups", "SubGroups", "SubGroup"},
	{"storagelocations", "StorageLocations", "Storage Locations", "StorageLocation"},
	{"instrumenttypes", "InstrumentTypes", "Instrument Types", "InstrumentType"},
	{"samplingdeviations", "SamplingDeviations", "Sampling Deviations", "SamplingDeviation"},
	{"batchlabels", "BatchLabels", "Batch Labels", "BatchLabel"},
	{"analysiscategories", "AnalysisCategories", "Analysis Categories", "AnalysisCategory"},
	{"instrumentlocations", "InstrumentLocations", "Instrument Locations", "InstrumentLocation"},
	{"samplecontainers", "SampleContainers", "Sample Containers", "SampleContainer"},
	{"attachmenttypes", "AttachmentTypes", "Attachment Types", "AttachmentType"},
	{"dynamicanalysisspecs", "DynamicAnalysisSpecs", "Dynamic Analysis Specifications", "DynamicAnalysisSpec"},
	{"interpretationtemplates", "InterpretationTemplates", "Interpretation Templates", "InterpretationTemplate"},
	{"labproducts", "LabProducts", "Lab Products", "LabProduct"},
	{"suppliers", "Suppliers", "Suppliers", "Supplier"},
	{"sampletypes", "SampleTypes", "Sample Types", "SampleType"},
}

// atSetupFolders2x: id in /bika_setup, folder portal_type, title, item type
// (profiles/default/structure/bika_setup).
var atSetupFolders2x = [][4]string{
	{"auditlog", "AuditLog", "Audit Log", ""},
	{"bika_analysisservices", "AnalysisServices", "Analysis Services", "AnalysisService"},
	{"bika_analysisspecs", "AnalysisSpecs", "Analysis Specifications", "AnalysisSpec"},
	{"bika_calculations", "Calculations", "Calculations", "Calculation"},
	{"bika_instruments", "Instruments", "Instruments", "Instrument"},
	{"bika_labcontacts", "LabContacts", "Lab Contacts", "LabContact"},
	{"bika_referencedefinitions", "ReferenceDefinitions", "Reference Definitions", "ReferenceDefinition"},
	{"bika_worksheettemplates", "WorksheetTemplates", "Worksheet Templates", "WorksheetTemplate"},
}

// types2x: every portal type of a SENAITE 2.6.0 site that the simulator
// serves.
func types2x() []*PortalType {
	var ts []*PortalType

	// Portal root folders. Their real workflows are folder-specific one-state
	// workflows (senaite_clients_workflow, senaite_batches_workflow,
	// senaite_worksheets_workflow, senaite_referencesamples_workflow,
	// senaite_setup_workflow for Methods/BikaSetup/Setup); WfFolder stands for
	// them. Samples uses senaite_one_state_workflow.
	ts = append(ts,
		fixedType("ClientFolder", WfFolder, false, "Client"),
		fixedType("BatchFolder", WfFolder, false, "Batch"),
		fixedType("WorksheetFolder", WfFolder, false, "Worksheet"),
		fixedType("Methods", WfFolder, false, "Method"),
		// a listing: reference samples live in their Supplier
		fixedType("ReferenceSamplesFolder", WfFolder, false),
		fixedType("PricelistFolder", WfOneState, false, "Pricelist"),
		// bika_setup holds the lab's settings (setup_schema.go) and the AT
		// setup folders; jsonapi refuses creation in it and updates of it
		withFields(fixedType("BikaSetup", WfFolder, false), bikaSetupFields2x()),
		// /setup (DX, 2.3+): the DX settings and setup folders; jsonapi
		// refuses creation and updates here too
		withFields(fixedType("Setup", WfFolder, true), senaiteSetupFields2x()),
		// /samples: DX listing folder, always empty
		fixedType("Samples", WfOneState, true),
	)
	for _, f := range atSetupFolders2x {
		var allowed []string
		if f[3] != "" {
			allowed = []string{f[3]}
		}
		// Instruments really uses senaite_instruments_workflow (one state)
		ts = append(ts, fixedType(f[1], WfOneState, false, allowed...))
	}
	for _, f := range dxSetupFolders2x {
		ts = append(ts, fixedType(f[1], WfOneState, true, f[3]))
	}

	// bika_setup/laboratory: an Organisation singleton (real workflow
	// senaite_laboratory_workflow, one state). Its title is Name.
	ts = append(ts, withFields(fixedType("Laboratory", WfOneState, false), laboratoryFields2x()))

	// DX setup items of /setup (2.6: snake_case). Sources:
	// src/senaite/core/content/<lowercase type>.py.
	ts = append(ts,
		dxSetupType("Department", dxTitle(
			uniq(must(fStr("department_id"))), must(fRef("manager", "LabContact")))...),
		dxSetupType("AnalysisCategory", dxTitle(
			fText("comments"), must(fRef("department", "Department")),
			// schema.Float
			fStr("sort_key"))...),
		dxSetupType("SampleType", dxTitle(
			// DurationField {days, hours, minutes}, defaultFactory
			must(fRec("retention_period")), fBool("hazardous"), fRef("sample_matrix", "SampleMatrix"),
			// prefix: no whitespace (prefix_whitespaces_constraint), not
			// unique — senaite.core has no such validator
			must(fStr("prefix")), must(fStr("min_volume")), fRef("container_type", "ContainerType"),
			// DataGridField rows {admitted, small_default, large_default}
			must(fRecs("admitted_sticker_templates")))...),
		dxSetupType("SampleMatrix", dxTitle()...),
		dxSetupType("SampleCondition", dxTitle()...),
		dxSetupType("SamplingDeviation", dxTitle()...),
		dxSetupType("StorageLocation", dxTitle(
			fStr("site_title"), fStr("site_code"), fStr("site_description"), fStr("location_title"),
			fStr("location_code"), fStr("location_description"), fStr("location_type"), fStr("shelf_title"),
			fStr("shelf_code"), fStr("shelf_description"))...),
		dxSetupType("SubGroup", dxTitle(fStr("sort_key"))...),
		// IBatchLabelSchema has only a title
		dxSetupType("BatchLabel", must(fStr("title"))),
		dxSetupType("AttachmentType", dxTitle()...),
		dxSetupType("LabProduct", dxTitle(
			fStr("labproduct_volume"), fStr("labproduct_unit"), must(fStr("labproduct_price")),
			fStr("labproduct_vat"), computed(fStr("labproduct_vat_amount")),
			computed(fStr("labproduct_total_price")))...),
		dxSetupType("Manufacturer", dxTitle()...),
		dxSetupType("InstrumentType", dxTitle()...),
		dxSetupType("ContainerType", dxTitle()...),
		dxSetupType("SamplePoint", dxTitle(
			// GPSCoordinatesField {latitude, longitude} records
			fRec("location"), fStr("elevation"), fRec("sampling_frequency"),
			fRefs("sample_types", "SampleType"), fBool("composite"))...),
		dxSetupType("AnalysisProfile", dxTitle(
			// invariant validate_profile_key: unique when given
			uniq(fStr("profile_key")),
			// rows {uid (AnalysisService), hidden}
			must(fRecs("services", "uid")),
			fStr("commercial_id"), fBool("use_analysis_profile_price"), fFixed("analysis_profile_price"),
			fFixed("analysis_profile_vat"), fRefs("sample_types", "SampleType"))...),
		dxSetupType("SampleTemplate", dxTitle(
			fRef("samplepoint", "SamplePoint"), fRef("sampletype", "SampleType"), fBool("composite"),
			fBool("sampling_required"),
			// rows {part_id, container, preservation, sampletype}; required=True
			// in the schema but an empty list passes zope.schema's check
			fRecs("partitions", "container", "preservation", "sampletype"),
			fBool("auto_partition"),
			// rows {uid (AnalysisService), hidden, part_id}
			must(fRecs("services", "uid")))...),
		// category is a required Choice "lab"/"field" with default "lab"
		dxSetupType("SamplePreservation", dxTitle(fStr("category"))...),
		dxSetupType("SampleContainer", dxTitle(
			fRef("containertype", "ContainerType"), must(fStr("capacity")),
			// a required Bool accepts False: not Required here
			fBool("pre_preserved"),
			fRef("preservation", "SamplePreservation"), fBool("security_seal_intact"))...),
		dxSetupType("InstrumentLocation", dxTitle()...),
		// title/description come from the IBasic behaviour; specs_file is a
		// required NamedBlobFile (xlsx), here a file-name placeholder
		dxSetupType("DynamicAnalysisSpec", dxTitle(fStr("specs_file"))...),
		dxSetupType("InterpretationTemplate", dxTitle(
			// allowed_types still says "ARTemplate"; the UIDs are those of
			// SampleTemplates (the 2.6 migration kept UIDs)
			fRefs("analysis_templates", "SampleTemplate"), fRefs("sample_types", "SampleType"),
			// IRichTextBehavior
			fText("text"))...),
		// title unique among labels (invariant)
		dxSetupType("Label", uniq(must(fStr("title"))), fText("description")),
	)
	// Supplier: DX Organization (title, tax_number, …, address) + supplier
	// fields; holds its contacts and reference samples.
	supplier := dxSetupType("Supplier",
		must(fStr("title")), fStr("tax_number"), fStr("phone"), fStr("fax"), fStr("email"),
		// AddressField: a list of {type: physical|postal|billing, address, …}
		fRecs("address"),
		fStr("account_type"), fStr("account_name"), fStr("account_number"), fStr("bank_name"),
		fStr("bank_branch"), fStr("lab_account_number"), fText("remarks"), fStr("website"), fStr("nib"),
		fStr("iban"), fStr("swift_code"))
	supplier.Folderish = true
	supplier.Allowed = []string{"ReferenceSample", "SupplierContact"}
	ts = append(ts, supplier)

	// AT setup in bika_setup and /methods.
	service := &PortalType{Name: "AnalysisService", IDFormat: IDTypeSeq, Workflow: WfDeactivable,
		Fields: append(baseAnalysisFields2x(),
			fRefs("Methods", "Method"), fRefs("Instruments", "Instrument"), fBool("UseDefaultCalculation"),
			fRef("Calculation", "Calculation"), fRecs("InterimFields"), fBool("Separate"),
			fRef("Preservation", "SamplePreservation"),
			// allowed_types ("Container", "ContainerType"); Container is now
			// the DX SampleContainer
			fRef("Container", "SampleContainer", "ContainerType"),
			fRecs("PartitionSetup", "sampletype", "preservation", "container"), fStr("DefaultResult"),
			fRecs("Conditions"))}
	service.Field("Keyword").Unique = true
	ts = append(ts, service,
		&PortalType{Name: "Calculation", IDFormat: IDTypeSeq, Workflow: WfDeactivable, Fields: atTitle(
			fRecs("InterimFields"),
			// required=1 and hidden in the schema, but derived by setFormula
			// from the [Keyword] tokens of Formula and empty when there are
			// none: writable, not Required here
			fRefs("DependentServices", "AnalysisService"),
			fRecs("PythonImports"), must(fText("Formula")), fRecs("TestParameters"), fText("TestResult"))},
		&PortalType{Name: "Method", IDFormat: IDTypeSeq, Workflow: WfDeactivable, Fields: atTitle(
			fStr("MethodID"), fBool("Accredited"), fText("Instructions"),
			// computed from the Instruments whose Methods include this one
			// (its setter rewrites Instrument.Methods): write Instrument.Methods
			computed(fRefs("Instruments", "Instrument")),
			fRefs("Calculations", "Calculation"),
			// hidden legacy single calculation
			fRef("Calculation", "Calculation"),
			fBool("ManualEntryOfResults"))},
		&PortalType{Name: "Instrument", Folderish: true, Allowed: instrumentChildren, IDFormat: IDTypeSeq,
			Workflow: WfDeactivable, Fields: atTitle(
				must(fRef("InstrumentType", "InstrumentType")), must(fRef("Manufacturer", "Manufacturer")),
				must(fRef("Supplier", "Supplier")), fStr("Model"), fStr("SerialNo"),
				// hidden legacy single method
				fRef("Method", "Method"),
				fRefs("Methods", "Method"), fBool("DisposeUntilNextCalibrationTest"),
				fText("InlabCalibrationProcedure"), fText("PreventiveMaintenanceProcedure"), fStr("DataInterface"),
				fLines("ImportDataInterface"), fRecs("ResultFilesFolder"), fStr("AssetNumber"),
				fRef("InstrumentLocation", "InstrumentLocation"), fDate("InstallationDate"))},
		// Instrument children: their Instrument field is hidden and set to the
		// containing instrument.
		&PortalType{Name: "InstrumentCalibration", IDFormat: IDTypeSeq, Workflow: WfOneState, Fields: atTitle(
			fRef("Instrument", "Instrument"), fDate("DateIssued"), fDate("DownFrom"), fDate("DownTo"),
			fStr("Calibrator"), fText("Considerations"), fText("WorkPerformed"),
			fRef("Worker", "LabContact", "SupplierContact"), fStr("ReportID"), fText("Remarks"))},
		&PortalType{Name: "InstrumentCertification", IDFormat: IDTypeSeq, Workflow: WfOneState, Fields: atTitle(
			fStr("TaskID"), fRef("Instrument", "Instrument"), fBool("Internal"), fStr("Agency"), fDate("Date"),
			fStr("ExpirationInterval"), must(fDate("ValidFrom")), must(fDate("ValidTo")),
			fRef("Preparator", "LabContact", "SupplierContact"), fRef("Validator", "LabContact", "SupplierContact"),
			fText("Remarks"))},
		&PortalType{Name: "InstrumentValidation", IDFormat: IDTypeSeq, Workflow: WfOneState, Fields: atTitle(
			fDate("DateIssued"), fDate("DownFrom"), fDate("DownTo"),
			// the validator's name, not a reference
			fStr("Validator"),
			fText("Considerations"), fText("WorkPerformed"), fRef("Worker", "LabContact", "SupplierContact"),
			fStr("ReportID"), fText("Remarks"))},
		&PortalType{Name: "InstrumentMaintenanceTask", IDFormat: IDTypeSeq, Workflow: WfCancellable, Fields: []Field{
			// title validators = (): not unique
			must(fStr("title")), fText("description"), fRef("Instrument", "Instrument"), fStr("Type"),
			must(fDate("DownFrom")), fDate("DownTo"), fStr("Maintainer"), fText("Considerations"),
			fText("WorkPerformed"), fText("Remarks"), fFixed("Cost"), fBool("Closed")}},
		&PortalType{Name: "InstrumentScheduledTask", IDFormat: IDTypeSeq, Workflow: WfCancellable, Fields: []Field{
			must(fStr("title")), fText("description"), fRef("Instrument", "Instrument"), fStr("Type"),
			must(fRecs("ScheduleCriteria")), fText("Considerations")}},
		// created by the instrument import machinery; title hidden
		&PortalType{Name: "AutoImportLog", IDFormat: IDTypeSeq, Workflow: WfOneState, Fields: []Field{
			fStr("ImportFile"), fRef("Instrument", "Instrument"), fStr("Interface"), fText("Results"),
			fDate("LogTime")}},
		// title hidden (Title() is DocumentID); File (required) not modelled
		&PortalType{Name: "Multifile", IDFormat: IDTypeSeq, Workflow: WfOneState, Fields: []Field{
			must(fStr("DocumentID")), fStr("DocumentVersion"), fStr("DocumentLocation"),
			must(fStr("DocumentType"))}},
		// title computed from the names; Signature (image) not modelled
		&PortalType{Name: "LabContact", IDFormat: IDTypeSeq, Workflow: WfLabContact, Fields: append(personFields2x(),
			fRefs("Departments", "Department"), fRef("DefaultDepartment", "Department"))},
		&PortalType{Name: "ReferenceDefinition", IDFormat: IDTypeSeq, Workflow: WfDeactivable, Fields: atTitle(
			// rows {uid (AnalysisService), result, min, max, error}
			must(fRecs("ReferenceResults", "uid")), fBool("Blank"), fBool("Hazardous"))},
		&PortalType{Name: "WorksheetTemplate", IDFormat: IDTypeSeq, Workflow: WfDeactivable, Fields: atTitle(
			// rows {pos, type a|b|c|d, blank_ref, control_ref (ReferenceDefinition
			// UIDs), dup (a position)}
			must(fRecs("Layout", "blank_ref", "control_ref")),
			fRefs("Service", "AnalysisService"), fRef("RestrictToMethod", "Method"),
			fRef("Instrument", "Instrument"), fBool("EnableMultipleUseOfInstrument"))},
		// in bika_setup/bika_analysisspecs or a Client
		&PortalType{Name: "AnalysisSpec", IDFormat: IDTypeSeq, Workflow: WfDeactivable, Fields: atTitle(
			must(fRef("SampleType", "SampleType")), fRef("DynamicAnalysisSpec", "DynamicAnalysisSpec"),
			// rows {keyword (required), uid (AnalysisService), min_operator, min,
			// max_operator, max, warn_min, warn_max, hidemin, hidemax, rangecomment}
			must(fRecs("ResultsRange", "uid")))},
		&PortalType{Name: "Pricelist", IDFormat: IDTypeSeq, Workflow: WfDeactivable, Fields: atTitle(
			// "AnalysisService" or "LabProduct"
			must(fStr("Type")),
			fBool("BulkDiscount"), fFixed("BulkPrice"), fBool("Descriptions"), fText("Remarks"))},
	)

	// Clients and their content.
	ts = append(ts,
		// title hidden and computed from Name
		&PortalType{Name: "Client", Folderish: true, IDFormat: IDTypeSeq, Workflow: WfClient,
			// the FTI also lists "Sample Folder" (a legacy, not a type here)
			Allowed: []string{"AnalysisRequest", "AnalysisSpec", "Attachment", "Batch", "Contact", "Invoice",
				"SamplePoint", "SampleTemplate", "AnalysisProfile"},
			Fields: joinFields(organisationFields(), []Field{
				// uniquefieldvalidator among the clients
				uniq(must(fStr("ClientID"))),
				fBool("BulkDiscount"), fBool("MemberDiscountApplies"),
				// EmailsField: comma-separated addresses
				fStr("CCEmails"),
				fRefs("DefaultCategories", "AnalysisCategory"), fRefs("RestrictedCategories", "AnalysisCategory"),
				fBool("DefaultDecimalMark"), fStr("DecimalMark")})},
		&PortalType{Name: "Contact", IDFormat: IDTypeSeq, Workflow: WfContact,
			Fields: append(personFields2x(), fRefs("CCContact", "Contact"))},
		&PortalType{Name: "SupplierContact", IDFormat: IDTypeSeq, Workflow: WfDeactivable, Fields: personFields2x()},
		// inside a Supplier; holds the ReferenceAnalyses run on it
		&PortalType{Name: "ReferenceSample", Folderish: true, Allowed: []string{"ReferenceAnalysis"},
			IDFormat: IDReferenceSample, Workflow: WfReferenceSample, Fields: atTitle(
				fRef("ReferenceDefinition", "ReferenceDefinition"), fBool("Blank"), fBool("Hazardous"),
				fRef("Manufacturer", "Manufacturer"), fStr("CatalogueNumber"), fStr("LotNumber"), fText("Remarks"),
				fDate("DateSampled"), fDate("DateReceived"), fDate("DateOpened"), must(fDate("ExpiryDate")),
				fDate("DateExpired"), fDate("DateDisposed"),
				// rows {uid (AnalysisService), result, min, max, error}
				must(fRecs("ReferenceResults", "uid")))},
		analysisRequest2x(),
		&PortalType{Name: "Analysis", IDFormat: IDKeyword, Workflow: WfAnalysis,
			Fields: append(analysisFields2x("Analysis"), fBool("HiddenManually"))},
		&PortalType{Name: "DuplicateAnalysis", IDFormat: IDKeyword, Workflow: WfDuplicate,
			Fields: append(analysisFields2x("DuplicateAnalysis"), fBool("HiddenManually"),
				must(fRef("Analysis", "Analysis", "ReferenceAnalysis")),
				// "<sample-id>-D" style group id
				fStr("ReferenceAnalysesGroupID"))},
		&PortalType{Name: "ReferenceAnalysis", IDFormat: IDKeyword, Workflow: WfReferenceAn,
			Fields: append(analysisFields2x("ReferenceAnalysis"),
				// "b" (blank) or "c" (control)
				fStr("ReferenceType"), fStr("ReferenceAnalysesGroupID"))},
		&PortalType{Name: "RejectAnalysis", IDFormat: IDKeyword, Workflow: WfRejectAnalysis,
			Fields: append(analysisFields2x("RejectAnalysis"), fBool("HiddenManually"), fRef("Analysis", "Analysis"))},
		// inside its AnalysisRequest; title not required
		&PortalType{Name: "ARReport", IDFormat: IDTypeSeq, Workflow: WfOneState, Fields: []Field{
			must(fRef("AnalysisRequest", "AnalysisRequest")), fRefs("ContainedAnalysisRequests", "AnalysisRequest"),
			// Metadata.contained_requests: sample UIDs (browser/analysisreport.py:66);
			// SendLog rows' email_attachments: attachment UIDs
			// (browser/publish/emailview.py:434); Recipients rows' UID: the
			// contact's, "" for a bare address (emailview.py:780)
			fRecKeys("Metadata", "contained_requests"), fRecs("SendLog", "email_attachments"),
			fRecs("Recipients", "UID"), fDate("DatePrinted")}},
		// title hidden (computed from the file); AttachmentFile not modelled;
		// DateLoaded is required with default now
		&PortalType{Name: "Attachment", IDFormat: IDTypeSeq, Workflow: WfOneState, Fields: []Field{
			fRef("AttachmentType", "AttachmentType"), fBool("RenderInReport"), fStr("AttachmentKeys"),
			fDate("DateLoaded")}},
		// in /batches, moved into the Client it names
		&PortalType{Name: "Batch", Folderish: true, IDFormat: IDBatch, Workflow: WfBatch, Fields: []Field{
			// title optional (defaults to the BatchID), no unique validator
			fStr("title"), fText("description"),
			// hidden, set from the id
			fStr("BatchID"),
			fRef("Client", "Client"), fStr("ClientBatchID"), fDate("BatchDate"),
			// LinesField of BatchLabel UIDs (not a reference field)
			fLines("BatchLabels"), fText("Remarks")}},
		// title hidden, computed from the id
		&PortalType{Name: "Worksheet", Folderish: true, Allowed: []string{"DuplicateAnalysis", "RejectAnalysis", "Attachment"},
			IDFormat: IDWorksheet, Workflow: WfWorksheet, Fields: []Field{
				fRef("WorksheetTemplate", "WorksheetTemplate"),
				// rows {position, type a|b|c|d, container_uid, analysis_uid};
				// required=1 but a worksheet starts empty and is filled by
				// assignment: not Required here
				fRecs("Layout", "container_uid", "analysis_uid"),
				// required=1, same remark; lists the routine analyses (in their
				// samples), the duplicates it contains and reference analyses
				// (in their ReferenceSamples)
				fRefs("Analyses", "Analysis", "DuplicateAnalysis", "ReferenceAnalysis", "RejectAnalysis"),
				// the analyst's user id
				fStr("Analyst"),
				// hidden legacy
				fRef("Method", "Method"),
				fRef("Instrument", "Instrument"), fText("Remarks")}},
		// legacy, in the Client
		&PortalType{Name: "Invoice", IDFormat: IDInvoice, Workflow: WfOneState, Fields: []Field{
			must(fRef("Client", "Client")), must(fRef("AnalysisRequest", "AnalysisRequest")),
			must(fDate("InvoiceDate"))}},
	)
	return ts
}

// analysisRequest2x is the Sample of 2.x (portal_type AnalysisRequest),
// flat in its Client: partitions, retests and secondaries are siblings
// linked by ParentAnalysisRequest, Invalidated and PrimaryAnalysisRequest.
// Its title is hidden (the id).
//
// AR creation goes through create_analysisrequest (no validation); updates
// re-validate the whole object.
func analysisRequest2x() *PortalType {
	return &PortalType{Name: "AnalysisRequest", Folderish: true, Allowed: []string{"Analysis", "ARReport"},
		IDFormat: IDSample, Workflow: WfSample, Fields: []Field{
			must(fRef("Contact", "Contact")), fRefs("CCContact", "Contact"), fStr("CCEmails"),
			// the container: required, taken from the container on create;
			// changing it later does not move the sample
			must(fRef("Client", "Client")),
			fRef("PrimaryAnalysisRequest", "AnalysisRequest"), fRef("Batch", "Batch"),
			fRef("SubGroup", "SubGroup"), fRef("Template", "SampleTemplate"),
			fRefs("Profiles", "AnalysisProfile"),
			// not schema-required: the add form asks for it when the sampling
			// workflow is off, the API does not
			fDate("DateSampled"),
			fStr("Sampler"), fStr("ScheduledSamplingSampler"), fDate("SamplingDate"),
			must(fRef("SampleType", "SampleType")), fRef("Container", "SampleContainer"),
			fRef("Preservation", "SamplePreservation"), fDate("DatePreserved"), fStr("Preserver"),
			fRecs("RejectionReasons"), fRef("Specification", "AnalysisSpec"),
			// the spec's ranges copied onto the sample (hidden)
			fRecs("ResultsRange", "uid"),
			fRef("PublicationSpecification", "AnalysisSpec"), fRef("SamplePoint", "SamplePoint"),
			fRef("StorageLocation", "StorageLocation"), fStr("ClientOrderNumber"), fStr("ClientReference"),
			fStr("ClientSampleID"), fRef("SamplingDeviation", "SamplingDeviation"),
			fRef("SampleCondition", "SampleCondition"),
			// "1" (highest) … "5"
			fStr("Priority"),
			fStr("EnvironmentalConditions"), fBool("Composite"), fBool("InvoiceExclude"),
			// ARAnalysesField (required=1): not a reference field. Read: the
			// contained analyses as a list of {uid,url,api_url}, [] when none
			// (never null or {}). Write: a list of AnalysisService UIDs (or
			// keywords) — the field manager creates/removes Analysis children.
			// Not Required here: a partitioned root sample holds 0 analyses and
			// must still be updatable.
			{Name: "Analyses", Kind: KRefs, Targets: []string{"Analysis"}},
			fRefs("Attachment", "Attachment"), fRef("Invoice", "Invoice"),
			// write_permission FieldEditDateReceived: set by the receive
			// transition, editable afterwards by managers
			fDate("DateReceived"),
			// ComputedField (mode "r"): set by publish
			computed(fDate("DatePublished")),
			// RemarksField (history of remarks)
			fText("Remarks"),
			fFixed("MemberDiscount"),
			// hidden: partition → root, retest → invalidated original
			fRef("ParentAnalysisRequest", "AnalysisRequest"), fRef("DetachedFrom", "AnalysisRequest"),
			fRef("Invalidated", "AnalysisRequest"),
			fText("ResultsInterpretation"),
			// rows {uid (Department), richtext}
			fRecs("ResultsInterpretationDepts", "uid"),
			// rows {uid (AnalysisService), hidden}
			fRecs("AnalysisServicesSettings", "uid"),
			fBool("InternalUse"),
		}}
}

// fixed2x: the structural objects of a fresh 2.6 site, paths relative to
// the site root.
func fixed2x() []FixedObject {
	out := []FixedObject{
		{Path: "clients", PortalType: "ClientFolder", Title: "Clients"},
		{Path: "batches", PortalType: "BatchFolder", Title: "Batches"},
		{Path: "worksheets", PortalType: "WorksheetFolder", Title: "Worksheets"},
		{Path: "referencesamples", PortalType: "ReferenceSamplesFolder", Title: "Reference Samples"},
		{Path: "methods", PortalType: "Methods", Title: "Methods"},
		{Path: "pricelists", PortalType: "PricelistFolder", Title: "Pricelists"},
		{Path: "bika_setup", PortalType: "BikaSetup", Title: "Setup"},
		{Path: "setup", PortalType: "Setup", Title: "SENAITE Setup"},
		{Path: "samples", PortalType: "Samples", Title: "Samples"},
	}
	for _, f := range atSetupFolders2x {
		out = append(out, FixedObject{Path: "bika_setup/" + f[0], PortalType: f[1], Title: f[2]})
	}
	out = append(out, FixedObject{Path: "bika_setup/laboratory", PortalType: "Laboratory", Title: "Laboratory Information"})
	for _, f := range dxSetupFolders2x {
		out = append(out, FixedObject{Path: "setup/" + f[0], PortalType: f[1], Title: f[2]})
	}
	return out
}
