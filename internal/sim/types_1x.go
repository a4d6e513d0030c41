package sim

// The Bika LIMS / SENAITE 1.2-era flavour as data: Archetypes everywhere,
// setup in bika_setup/bika_* folders, separate Sample objects (with
// SamplePartitions) holding the sample data of their ARs, Bika workflows.
//
// Sources (senaite/senaite.core at tag v1.2.9, package bika.lims):
//   - schemas: bika/lims/content/<type>.py (+ abstractbaseanalysis.py,
//     abstractanalysis.py, abstractroutineanalysis.py, person.py,
//     organisation.py)
//   - allowed types: bika/lims/profiles/default/types/*.xml
//   - workflows: bika/lims/profiles/default/workflows.xml
//   - fixed folders: bika/lims/profiles/default/structure/
//
// References: ReferenceField (fATRef, empty → null) unless the 1.2.9 schema
// already used bika's UIDReferenceField (fRef, empty → {}): AR.Contact,
// AR.Sample, the analysis fields Category/Method/Instrument/Department/
// AnalysisService, AnalysisService.Methods/Instruments/Calculation,
// Calculation.DependentServices, Method.Calculation, Worksheet.
// WorksheetTemplate, AnalysisSpec.SampleType, ARReport.AnalysisRequest,
// Laboratory.Supervisor, LabContact.DefaultDepartment, SamplePartition.
// Analyses, DuplicateAnalysis.Analysis, Instrument.Method.
//
// Left out (a sync meets them rarely and 1.3 removed most of them): ARImport,
// SamplingRound, SRTemplate, SupplyOrder, IdentifierType, ReflexRule,
// InvoiceFolder/InvoiceBatch/Invoice, ReportFolder/Report, and the root
// folders arimports, supplyorders, invoices, reports and the setup folders
// bika_identifiertypes, bika_reflexrulefolder, bika_samplingrounds,
// bika_srtemplates. Fields pointing at them keep documented targets.
//
// Workflows: a 1.2 type has a chain (e.g. bika_one_state_workflow +
// bika_inactive_workflow); the simulator names one workflow per type:
//   - setup types (one_state + inactive) → WfBikaInactive
//   - Client (bika_client_workflow) → WfBikaInactive
//   - AR (bika_ar_workflow + cancellation) → WfBikaAR
//   - Sample, SamplePartition (bika_sample_workflow + cancellation) → WfBikaSample
//   - Analysis (analysis + worksheetanalysis + cancellation) → WfBikaAnalysis
//   - DuplicateAnalysis / ReferenceAnalysis (bika_duplicateanalysis_workflow,
//     bika_referenceanalysis_workflow) → WfBikaAnalysis
//   - RejectAnalysis (bika_reject_analysis_workflow) → WfBikaOneState
//   - Batch (batch + cancellation) → WfBikaBatch
//   - ReferenceSample (referencesample + inactive) → WfBikaRefSample
//   - InstrumentMaintenanceTask (one_state + cancellation) → WfBikaCancel
//   - folders, Laboratory, Attachment, ARReport, calibrations,
//     certifications, validations, AutoImportLog, Multifile → WfBikaOneState

// setupFolders1x: id in /bika_setup, folder portal_type, title, item type
// (v1.2.9 profiles/default/structure/bika_setup).
var setupFolders1x = [][4]string{
	{"bika_analysiscategories", "AnalysisCategories", "Analysis Categories", "AnalysisCategory"},
	{"bika_analysisprofiles", "AnalysisProfiles", "Analysis Profiles", "AnalysisProfile"},
	{"bika_artemplates", "ARTemplates", "Analysis Templates", "ARTemplate"},
	{"bika_analysisservices", "AnalysisServices", "Analysis Services", "AnalysisService"},
	{"bika_analysisspecs", "AnalysisSpecs", "Analysis Specifications", "AnalysisSpec"},
	{"bika_attachmenttypes", "AttachmentTypes", "Attachment Types", "AttachmentType"},
	{"bika_batchlabels", "BatchLabels", "Batch Labels", "BatchLabel"},
	{"bika_calculations", "Calculations", "Calculations", "Calculation"},
	{"bika_instruments", "Instruments", "Instruments", "Instrument"},
	{"bika_instrumenttypes", "InstrumentTypes", "Instrument Types", "InstrumentType"},
	{"bika_instrumentlocations", "InstrumentLocations", "Instrument Locations", "InstrumentLocation"},
	{"bika_labcontacts", "LabContacts", "Lab Contacts", "LabContact"},
	{"bika_containers", "Containers", "Containers", "Container"},
	{"bika_containertypes", "ContainerTypes", "Container Types", "ContainerType"},
	{"bika_departments", "Departments", "Lab Departments", "Department"},
	{"bika_labproducts", "LabProducts", "Lab Products", "LabProduct"},
	{"bika_manufacturers", "Manufacturers", "Manufacturers", "Manufacturer"},
	{"bika_preservations", "Preservations", "Preservations", "Preservation"},
	{"bika_referencedefinitions", "ReferenceDefinitions", "Reference Definitions", "ReferenceDefinition"},
	{"bika_sampleconditions", "SampleConditions", "Sample Conditions", "SampleCondition"},
	{"bika_samplematrices", "SampleMatrices", "Sample Matrices", "SampleMatrix"},
	{"bika_samplepoints", "SamplePoints", "Sample Points", "SamplePoint"},
	{"bika_sampletypes", "SampleTypes", "Sample Types", "SampleType"},
	{"bika_storagelocations", "StorageLocations", "Storage Locations", "StorageLocation"},
	{"bika_samplingdeviations", "SamplingDeviations", "Sampling Deviations", "SamplingDeviation"},
	{"bika_subgroups", "SubGroups", "Sub-groups", "SubGroup"},
	{"bika_suppliers", "Suppliers", "Suppliers", "Supplier"},
	{"bika_worksheettemplates", "WorksheetTemplates", "Worksheet Templates", "WorksheetTemplate"},
}

// atSetupType1x is a Bika setup item: BikaSchema title (required, unique in
// its folder) and description, deactivable.
func atSetupType1x(name string, more ...Field) *PortalType {
	return &PortalType{Name: name, IDFormat: IDTypeSeq, Workflow: WfBikaInactive, Fields: atTitle(more...)}
}

// baseAnalysisFields1x is v1.2.9 abstractbaseanalysis.py.
func baseAnalysisFields1x() []Field {
	return []Field{
		// required, validators = (): not unique
		must(fStr("title")), fText("description"),
		fStr("ShortTitle"), fStr("SortKey"), fBool("ScientificName"), fStr("Unit"), fInt("Precision"),
		// required=True with default 7
		fInt("ExponentialFormatPrecision"),
		fFixed("LowerDetectionLimit"), fFixed("UpperDetectionLimit"), fBool("DetectionLimitSelector"),
		fBool("AllowManualDetectionLimit"),
		// "r" required, "p" permitted, "n" not permitted
		fStr("AttachmentOption"),
		must(fStr("Keyword")), fBool("ManualEntryOfResults"), fBool("InstrumentEntryOfResults"),
		fRef("Instrument", "Instrument"), fRef("Method", "Method"), fRec("MaxTimeAllowed"),
		fFixed("DuplicateVariation"), fBool("Accredited"), must(fStr("PointOfCapture")),
		must(fRef("Category", "AnalysisCategory")), fFixed("Price"), fFixed("BulkPrice"), fFixed("VAT"),
		fRef("Department", "Department"), fRecs("Uncertainties"), fBool("PrecisionFromUncertainty"),
		fBool("AllowManualUncertainty"), fRecs("ResultOptions"), fBool("Hidden"), fInt("SelfVerification"),
		fInt("NumberOfRequiredVerifications"), fStr("CommercialID"), fStr("ProtocolID"), fText("Remarks"),
	}
}

// analysisFields1x is a 1.2 analysis: the service copy plus
// abstractanalysis.py. A retest is a new analysis of the same keyword; the
// original has Retested=true (no RetestOf before 1.3).
func analysisFields1x() []Field {
	return append(baseAnalysisFields1x(),
		fRef("AnalysisService", "AnalysisService"), fRefs("Attachment", "Attachment"), fStr("Result"),
		fDate("ResultCaptureDate"), fBool("Retested"), fStr("DetectionLimitOperand"), fStr("Analyst"),
		fFixed("Uncertainty"),
		// the user ids of the verifiers, comma-separated
		fStr("Verificators"),
		// HistoryAwareReferenceField (a ReferenceField)
		fATRef("Calculation", "Calculation"),
		fRecs("InterimFields"),
	)
}

// routineFields1x is v1.2.9 abstractroutineanalysis.py (Analysis,
// DuplicateAnalysis).
func routineFields1x() []Field {
	return []Field{
		fRef("SamplePartition", "SamplePartition"), fBool("IsReflexAnalysis"),
		fRef("OriginalReflexedAnalysis", "Analysis"), fRef("ReflexAnalysisOf", "Analysis"),
		fStr("ReflexRuleAction"), fStr("ReflexRuleLocalID"), fStr("ReflexRuleActionsTriggered"),
		fBool("HiddenManually"),
	}
}

// types1x: the portal types of a Bika LIMS / SENAITE 1.2-era site.
func types1x() []*PortalType {
	var ts []*PortalType
	// Root folders.
	ts = append(ts,
		fixedType("ClientFolder", WfBikaOneState, false, "Client"),
		fixedType("BatchFolder", WfBikaOneState, false, "Batch"),
		fixedType("WorksheetFolder", WfBikaOneState, false, "Worksheet"),
		fixedType("Methods", WfBikaOneState, false, "Method"),
		// listings: samples, ARs and reference samples live in clients and
		// suppliers
		fixedType("ReferenceSamplesFolder", WfBikaOneState, false),
		fixedType("AnalysisRequestsFolder", WfBikaOneState, false),
		fixedType("SamplesFolder", WfBikaOneState, false),
		fixedType("PricelistFolder", WfBikaOneState, false, "Pricelist"),
		fixedType("BikaSetup", WfBikaOneState, false),
	)
	for _, f := range setupFolders1x {
		ts = append(ts, fixedType(f[1], WfBikaOneState, false, f[3]))
	}
	lab := fixedType("Laboratory", WfBikaOneState, false)
	lab.Fields = joinFields(organisationFields(), []Field{
		fStr("LabURL"), fRef("Supervisor", "LabContact"), fInt("Confidence"), fBool("LaboratoryAccredited"),
		fStr("AccreditationBody"), fStr("AccreditationBodyURL"), fStr("Accreditation"),
		fStr("AccreditationReference"), fText("AccreditationPageHeader"),
	})
	ts = append(ts, lab)

	// Setup items in bika_setup/bika_*.
	ts = append(ts,
		// no DepartmentID before 2.0 (#1676); Manager optional
		atSetupType1x("Department", fATRef("Manager", "LabContact")),
		atSetupType1x("AnalysisCategory", fText("Comments"), must(fATRef("Department", "Department")),
			fStr("SortKey")),
		atSetupType1x("SampleType",
			must(fRec("RetentionPeriod")), fBool("Hazardous"), fATRef("SampleMatrix", "SampleMatrix"),
			uniq(must(fStr("Prefix"))), must(fStr("MinimumVolume")), fATRef("ContainerType", "ContainerType"),
			// stored (not computed) before 2.x: a real 2-cycle with
			// SamplePoint.SampleTypes
			fATRefs("SamplePoints", "SamplePoint"),
			fRecs("AdmittedStickerTemplates")),
		atSetupType1x("SampleMatrix"),
		atSetupType1x("SampleCondition"),
		atSetupType1x("SamplingDeviation"),
		atSetupType1x("StorageLocation",
			fStr("SiteTitle"), fStr("SiteCode"), fStr("SiteDescription"), fStr("LocationTitle"),
			fStr("LocationCode"), fStr("LocationDescription"), fStr("LocationType"), fStr("ShelfTitle"),
			fStr("ShelfCode"), fStr("ShelfDescription")),
		atSetupType1x("SubGroup", fStr("SortKey")),
		atSetupType1x("BatchLabel"),
		atSetupType1x("AttachmentType"),
		atSetupType1x("LabProduct", fStr("Volume"), fStr("Unit"), fFixed("VAT"), must(fFixed("Price"))),
		atSetupType1x("Manufacturer"),
		atSetupType1x("InstrumentType"),
		atSetupType1x("ContainerType"),
		atSetupType1x("InstrumentLocation"),
		atSetupType1x("SamplePoint",
			// CoordinateField {degrees, minutes, seconds, bearing}
			fRec("Latitude"), fRec("Longitude"), fStr("Elevation"), fRec("SamplingFrequency"),
			fATRefs("SampleTypes", "SampleType"), fBool("Composite")),
		atSetupType1x("AnalysisProfile",
			fStr("ProfileKey"), must(fATRefs("Service", "AnalysisService")), fText("Remarks"),
			// rows {uid (AnalysisService), hidden}
			fRecs("AnalysisServicesSettings", "uid"),
			fStr("CommercialID"), fBool("UseAnalysisProfilePrice"), fFixed("AnalysisProfilePrice"),
			fFixed("AnalysisProfileVAT")),
		atSetupType1x("ARTemplate",
			fATRef("SamplePoint", "SamplePoint"), fATRef("SampleType", "SampleType"), fBool("Composite"),
			fText("Remarks"),
			// rows {part_id, Container, Preservation (titles), container_uid,
			// preservation_uid}
			fRecs("Partitions", "container_uid", "preservation_uid"),
			fATRef("AnalysisProfile", "AnalysisProfile"),
			// rows {service_uid, partition}
			fRecs("Analyses", "service_uid"),
			fRecs("AnalysisServicesSettings", "uid")),
		atSetupType1x("Preservation",
			// "field" or "lab"
			fStr("Category"), fRec("RetentionPeriod")),
		atSetupType1x("Container",
			fATRef("ContainerType", "ContainerType"), must(fStr("Capacity")), fBool("PrePreserved"),
			fATRef("Preservation", "Preservation"), fBool("SecuritySealIntact")),
		// in bika_analysisspecs or a Client; SampleType optional before 1.3
		atSetupType1x("AnalysisSpec", fRef("SampleType", "SampleType"),
			// rows {keyword (required), min_operator, min, max_operator, max,
			// warn_min, warn_max, hidemin, hidemax, rangecomment}: keyed by
			// service keyword, no UIDs
			must(fRecs("ResultsRange"))),
		atSetupType1x("ReferenceDefinition",
			must(fRecs("ReferenceResults", "uid")), fBool("Blank"), fBool("Hazardous")),
		atSetupType1x("WorksheetTemplate",
			must(fRecs("Layout", "blank_ref", "control_ref")), fATRefs("Service", "AnalysisService"),
			fATRef("RestrictToMethod", "Method"), fATRef("Instrument", "Instrument"),
			fBool("EnableMultipleUseOfInstrument")),
		atSetupType1x("Pricelist", must(fStr("Type")), fBool("BulkDiscount"), fFixed("BulkPrice"),
			fBool("Descriptions"), fText("Remarks")),
	)
	service := atSetupType1x("AnalysisService")
	service.Fields = append(baseAnalysisFields1x(),
		fBool("Separate"), fRef("Preservation", "Preservation"), fRef("Container", "Container", "ContainerType"),
		fRecs("PartitionSetup", "sampletype", "preservation", "container"), fBool("UseDefaultCalculation"),
		fRefs("Methods", "Method"), fRefs("Instruments", "Instrument"), fRef("Calculation", "Calculation"),
		fRecs("InterimFields"))
	service.Field("Keyword").Unique = true
	ts = append(ts, service,
		// bika_inactive_workflow only
		atSetupType1x("Calculation",
			fRecs("InterimFields"),
			// hidden, derived from Formula (see the 2.x note)
			fRefs("DependentServices", "AnalysisService"),
			fRecs("PythonImports"), fText("Formula"), fRecs("TestParameters"), fText("TestResult")),
		// 1.2 has a single Calculation and no Calculations; the instruments
		// of a method are Instrument.Methods back-references
		atSetupType1x("Method",
			fStr("MethodID"), fText("Instructions"), fBool("ManualEntryOfResults"),
			fRef("Calculation", "Calculation"), fBool("Accredited")),
	)
	instrument := atSetupType1x("Instrument",
		must(fATRef("InstrumentType", "InstrumentType")), must(fATRef("Manufacturer", "Manufacturer")),
		must(fATRef("Supplier", "Supplier")), fStr("Model"), fStr("SerialNo"),
		fRef("Method", "Method"), fATRefs("Methods", "Method"), fBool("DisposeUntilNextCalibrationTest"),
		fText("InlabCalibrationProcedure"), fText("PreventiveMaintenanceProcedure"), fStr("DataInterface"),
		fLines("ImportDataInterface"), fRecs("ResultFilesFolder"), fStr("AssetNumber"),
		fATRef("InstrumentLocation", "InstrumentLocation"), fDate("InstallationDate"))
	instrument.Folderish = true
	instrument.Allowed = instrumentChildren
	ts = append(ts, instrument,
		&PortalType{Name: "InstrumentCalibration", IDFormat: IDTypeSeq, Workflow: WfBikaOneState, Fields: atTitle(
			fATRef("Instrument", "Instrument"), fDate("DateIssued"), fDate("DownFrom"), fDate("DownTo"),
			fStr("Calibrator"), fText("Considerations"), fText("WorkPerformed"), fATRef("Worker", "LabContact"),
			fStr("ReportID"), fText("Remarks"))},
		&PortalType{Name: "InstrumentCertification", IDFormat: IDTypeSeq, Workflow: WfBikaOneState, Fields: atTitle(
			fStr("TaskID"), fATRef("Instrument", "Instrument"), fBool("Internal"), fStr("Agency"), fDate("Date"),
			fStr("ExpirationInterval"), must(fDate("ValidFrom")), must(fDate("ValidTo")),
			fATRef("Preparator", "LabContact"), fATRef("Validator", "LabContact"), fText("Remarks"))},
		&PortalType{Name: "InstrumentValidation", IDFormat: IDTypeSeq, Workflow: WfBikaOneState, Fields: atTitle(
			fDate("DateIssued"), fDate("DownFrom"), fDate("DownTo"), fStr("Validator"), fText("Considerations"),
			fText("WorkPerformed"), fATRef("Worker", "LabContact"), fStr("ReportID"), fText("Remarks"))},
		&PortalType{Name: "InstrumentMaintenanceTask", IDFormat: IDTypeSeq, Workflow: WfBikaCancel, Fields: []Field{
			must(fStr("title")), fText("description"), fATRef("Instrument", "Instrument"), fStr("Type"),
			must(fDate("DownFrom")), fDate("DownTo"), fStr("Maintainer"), fText("Considerations"),
			fText("WorkPerformed"), fText("Remarks"), fFixed("Cost"), fBool("Closed")}},
		&PortalType{Name: "InstrumentScheduledTask", IDFormat: IDTypeSeq, Workflow: WfBikaInactive, Fields: []Field{
			must(fStr("title")), fText("description"), fATRef("Instrument", "Instrument"), fStr("Type"),
			must(fRecs("ScheduleCriteria")), fText("Considerations")}},
		&PortalType{Name: "AutoImportLog", IDFormat: IDTypeSeq, Workflow: WfBikaOneState, Fields: []Field{
			fStr("ImportedFile"), fATRef("Instrument", "Instrument"), fStr("Interface"), fStr("Results"),
			fDate("LogTime")}},
		&PortalType{Name: "Multifile", IDFormat: IDTypeSeq, Workflow: WfBikaOneState, Fields: []Field{
			must(fStr("DocumentID")), fStr("DocumentVersion"), fStr("DocumentLocation"),
			must(fStr("DocumentType"))}},
		&PortalType{Name: "LabContact", IDFormat: IDTypeSeq, Workflow: WfBikaInactive, Fields: append(personFields2x(),
			fLines("PublicationPreference"), fATRefs("Departments", "Department"),
			// UIDReferenceField without allowed_types in 1.2.9
			fRef("DefaultDepartment", "Department"))},
	)
	// Supplier: an Organisation (title = Name); the 1.2.9 FTI also allows
	// Instruments inside it.
	supplier := &PortalType{Name: "Supplier", Folderish: true, IDFormat: IDTypeSeq, Workflow: WfBikaInactive,
		Allowed: []string{"ReferenceSample", "SupplierContact", "Instrument"},
		Fields: append(organisationFields(), fText("Remarks"), fStr("Website"), fStr("NIB"), fStr("IBN"),
			fStr("SWIFTcode"))}
	ts = append(ts, supplier,
		&PortalType{Name: "SupplierContact", IDFormat: IDTypeSeq, Workflow: WfBikaInactive, Fields: personFields2x()},
		&PortalType{Name: "ReferenceSample", Folderish: true, Allowed: []string{"ReferenceAnalysis"},
			IDFormat: IDReferenceSample, Workflow: WfBikaRefSample, Fields: atTitle(
				fATRef("ReferenceDefinition", "ReferenceDefinition"), fBool("Blank"), fBool("Hazardous"),
				fATRef("Manufacturer", "Manufacturer"), fStr("CatalogueNumber"), fStr("LotNumber"), fText("Remarks"),
				fDate("DateSampled"), fDate("DateReceived"), fDate("DateOpened"), must(fDate("ExpiryDate")),
				fDate("DateExpired"), fDate("DateDisposed"), must(fRecs("ReferenceResults", "uid")))},
	)

	// Clients and their content.
	ts = append(ts,
		&PortalType{Name: "Client", Folderish: true, IDFormat: IDTypeSeq, Workflow: WfBikaInactive,
			// the FTI also allows ARImport, SRTemplate, SupplyOrder,
			// SamplingRound and Folder (not modelled)
			Allowed: []string{"AnalysisProfile", "AnalysisRequest", "AnalysisSpec", "ARTemplate", "Attachment",
				"Batch", "Contact", "Sample", "SamplePoint"},
			Fields: joinFields(organisationFields(), []Field{
				uniq(must(fStr("ClientID"))), fBool("BulkDiscount"), fBool("MemberDiscountApplies"),
				fStr("CCEmails"), fLines("EmailSubject"), fATRefs("DefaultCategories", "AnalysisCategory"),
				fATRefs("RestrictedCategories", "AnalysisCategory"), fBool("DefaultDecimalMark"),
				fStr("DecimalMark")})},
		&PortalType{Name: "Contact", IDFormat: IDTypeSeq, Workflow: WfBikaInactive, Fields: append(personFields2x(),
			fLines("PublicationPreference"), fBool("AttachmentsPermitted"), fATRefs("CCContact", "Contact"))},
		sample1x(),
		&PortalType{Name: "SamplePartition", IDFormat: IDPartition1x, Workflow: WfBikaSample, Fields: []Field{
			must(fATRef("Container", "Container")), fATRef("Preservation", "Preservation"), fBool("Separate"),
			// the analyses of this partition; Analysis.SamplePartition is the
			// other side of this real 2-cycle
			fRefs("Analyses", "Analysis"),
			fDate("DatePreserved"), fStr("Preserver"), fRec("RetentionPeriod")}},
		analysisRequest1x(),
		&PortalType{Name: "Analysis", IDFormat: IDKeyword, Workflow: WfBikaAnalysis,
			Fields: append(analysisFields1x(), routineFields1x()...)},
		&PortalType{Name: "DuplicateAnalysis", IDFormat: IDKeyword, Workflow: WfBikaAnalysis,
			Fields: joinFields(analysisFields1x(), routineFields1x(), []Field{
				must(fRef("Analysis", "Analysis", "ReferenceAnalysis")), fStr("ReferenceAnalysesGroupID")})},
		&PortalType{Name: "ReferenceAnalysis", IDFormat: IDKeyword, Workflow: WfBikaAnalysis,
			Fields: append(analysisFields1x(), fStr("ReferenceType"), fStr("ReferenceAnalysesGroupID"))},
		&PortalType{Name: "RejectAnalysis", IDFormat: IDKeyword, Workflow: WfBikaOneState,
			Fields: joinFields(analysisFields1x(), routineFields1x(), []Field{fATRef("Analysis", "Analysis")})},
		&PortalType{Name: "ARReport", IDFormat: IDTypeSeq, Workflow: WfBikaOneState, Fields: []Field{
			must(fRef("AnalysisRequest", "AnalysisRequest")), fStr("SMS"),
			// rows {UID (the contact's), Username, Fullname, EmailAddress,
			// PublicationModes}: v1.2.9 arreport.py:37
			fRecs("Recipients", "UID"), fDate("DatePrinted")}},
		&PortalType{Name: "Attachment", IDFormat: IDTypeSeq, Workflow: WfBikaOneState, Fields: []Field{
			fATRef("AttachmentType", "AttachmentType"),
			// "r" render in report, "i" ignore, …
			fStr("ReportOption"),
			fStr("AttachmentKeys"), fDate("DateLoaded")}},
		// the 1.2.9 FTI allows ARs inside a Batch (client-less batches)
		&PortalType{Name: "Batch", Folderish: true, Allowed: []string{"AnalysisRequest"}, IDFormat: IDBatch,
			Workflow: WfBikaBatch, Fields: []Field{
				fStr("title"), fText("description"), fStr("BatchID"), fATRef("Client", "Client"),
				fStr("ClientBatchID"), fDate("BatchDate"), fLines("BatchLabels"), fText("Remarks")}},
		&PortalType{Name: "Worksheet", Folderish: true, Allowed: []string{"DuplicateAnalysis", "RejectAnalysis", "Attachment"},
			IDFormat: IDWorksheet, Workflow: WfBikaWorksheet, Fields: []Field{
				fRef("WorksheetTemplate", "WorksheetTemplate"),
				// required=1 in the schema, filled by assignment (see 2.x)
				fRecs("Layout", "container_uid", "analysis_uid"),
				fATRefs("Analyses", "Analysis", "DuplicateAnalysis", "ReferenceAnalysis", "RejectAnalysis"),
				fStr("Analyst"), fATRef("Method", "Method"), fATRef("Instrument", "Instrument"), fText("Remarks")}},
	)
	return ts
}

// sample1x is the 1.2 Sample: the physical sample, in the Client, id
// "{sampleType prefix}-{seq:04d}", holding its SamplePartitions; its ARs
// are siblings in the Client named "<sampleId>-Rnn".
func sample1x() *PortalType {
	return &PortalType{Name: "Sample", Folderish: true, Allowed: []string{"SamplePartition"}, IDFormat: IDSample,
		Workflow: WfBikaSample, Fields: []Field{
			// required in the schema; the ID server's id, set on creation
			computed(fStr("SampleID")),
			fStr("ClientReference"), fStr("ClientSampleID"), must(fATRef("SampleType", "SampleType")),
			fATRef("SamplePoint", "SamplePoint"),
			// a ReferenceField without allowed_types
			fATRef("StorageLocation", "StorageLocation"),
			fBool("SamplingWorkflowEnabled"), fDate("DateSampled"), fStr("Sampler"),
			fStr("ScheduledSamplingSampler"), fDate("SamplingDate"),
			fATRef("SamplingDeviation", "SamplingDeviation"), fATRef("SampleCondition", "SampleCondition"),
			fStr("EnvironmentalConditions"),
			// set by the receive transition
			fDate("DateReceived"),
			fBool("Composite"), fDate("DateExpired"), fDate("DateDisposed"), fBool("AdHoc"), fText("Remarks"),
			fRecs("RejectionReasons")}}
}

// analysisRequest1x is the 1.2 AR. The sample data (SampleType, SamplePoint,
// DateSampled, …) are ProxyFields onto its Sample: read and written through
// the AR, stored on the Sample (a Sample's ARs all show the same values).
// Proxies of references behave like ReferenceFields (empty → null).
func analysisRequest1x() *PortalType {
	return &PortalType{Name: "AnalysisRequest", Folderish: true, Allowed: []string{"Analysis", "ARReport"},
		IDFormat: IDSample1x, Workflow: WfBikaAR, Fields: []Field{
			must(fRef("Contact", "Contact")), fATRefs("CCContact", "Contact"), fStr("CCEmails"),
			must(fATRef("Client", "Client")),
			// the Sample this AR analyses; always set on creation
			fRef("Sample", "Sample"),
			fATRef("Batch", "Batch"),
			// external: SamplingRound is not modelled
			fATRef("SamplingRound", "SamplingRound"),
			fATRef("SubGroup", "SubGroup"), fATRef("Template", "ARTemplate"),
			// hidden legacy single profile
			fATRef("Profile", "AnalysisProfile"),
			fATRefs("Profiles", "AnalysisProfile"),
			// proxy to Sample
			fDate("DateSampled"),
			// proxy to Sample
			fStr("Sampler"),
			// proxy to Sample
			fStr("ScheduledSamplingSampler"),
			// proxy to Sample
			fDate("SamplingDate"),
			// proxy to Sample (required)
			must(fATRef("SampleType", "SampleType")),
			fRecs("RejectionReasons"), fATRef("Specification", "AnalysisSpec"), fRecs("ResultsRange"),
			fATRef("PublicationSpecification", "AnalysisSpec"),
			// proxy to Sample
			fATRef("SamplePoint", "SamplePoint"),
			// proxy to Sample
			fATRef("StorageLocation", "StorageLocation"),
			fStr("ClientOrderNumber"),
			// proxy to Sample
			fStr("ClientReference"),
			// proxy to Sample
			fStr("ClientSampleID"),
			// proxy to Sample
			fATRef("SamplingDeviation", "SamplingDeviation"),
			// proxy to Sample
			fATRef("SampleCondition", "SampleCondition"),
			fStr("Priority"),
			// proxy to Sample
			fStr("EnvironmentalConditions"),
			fATRef("DefaultContainerType", "ContainerType"),
			// proxy to Sample
			fBool("AdHoc"),
			// proxy to Sample
			fBool("Composite"),
			fBool("InvoiceExclude"),
			// ARAnalysesField: as in 2.x ([] when none; written as service UIDs)
			{Name: "Analyses", Kind: KRefs, Targets: []string{"Analysis"}},
			fATRefs("Attachment", "Attachment"),
			// external: Invoice is not modelled in 1.x
			fATRef("Invoice", "Invoice"),
			// proxy to Sample; set by the receive transition
			fDate("DateReceived"),
			computed(fDate("DatePublished")),
			fText("Remarks"), fFixed("MemberDiscount"),
			// AR partitions (ParentAnalysisRequest) already exist in 1.2.9
			fATRef("ParentAnalysisRequest", "AnalysisRequest"),
			// retest ("-R02") → the invalidated AR
			fATRef("Invalidated", "AnalysisRequest"),
			fText("ResultsInterpretation"), fRecs("ResultsInterpretationDepts", "uid"),
			fRecs("AnalysisServicesSettings", "uid"), fStr("Printed"),
		}}
}

// fixed1x: the structural objects of a fresh 1.2-era site.
func fixed1x() []FixedObject {
	out := []FixedObject{
		{Path: "clients", PortalType: "ClientFolder", Title: "Clients"},
		{Path: "samples", PortalType: "SamplesFolder", Title: "Samples"},
		{Path: "analysisrequests", PortalType: "AnalysisRequestsFolder", Title: "Analysis Requests"},
		{Path: "batches", PortalType: "BatchFolder", Title: "Batches"},
		{Path: "worksheets", PortalType: "WorksheetFolder", Title: "Worksheets"},
		{Path: "referencesamples", PortalType: "ReferenceSamplesFolder", Title: "Reference Samples"},
		{Path: "methods", PortalType: "Methods", Title: "Methods"},
		{Path: "pricelists", PortalType: "PricelistFolder", Title: "Pricelists"},
		{Path: "bika_setup", PortalType: "BikaSetup", Title: "Setup"},
	}
	for _, f := range setupFolders1x {
		out = append(out, FixedObject{Path: "bika_setup/" + f[0], PortalType: f[1], Title: f[2]})
	}
	out = append(out, FixedObject{Path: "bika_setup/laboratory", PortalType: "Laboratory", Title: "Laboratory Information"})
	return out
}
