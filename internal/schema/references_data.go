package schema

// The reference table (see references.go): per portal type, every field
// that carries references, in SENAITE 2.6 and in Bika LIMS / SENAITE 1.x.
// Design: content model §2. Citations are senaite/senaite.core files:
//   - "2.6 <file>:<line>" is the 2.x branch at 2024-10-21 (what 2.6.0
//     shipped): src/bika/lims/content/<file> (Archetypes) or
//     src/senaite/core/content/<file> (Dexterity, marked "DX").
//   - "1.2.9 <file>:<line>" and "1.3.5 <file>:<line>" are those tags:
//     bika/lims/content/<file>.
// A line cites the field's declaration. Where a type exists in both
// flavours under one name, its entry is the union of both schemas (a
// field of one flavour never appears in an item of the other).

// baseAnalysisRefs are the references of the schema an AnalysisService
// shares with its analyses (2.6 abstractbaseanalysis.py, 1.2.9
// abstractbaseanalysis.py).
var baseAnalysisRefs = []Reference{
	// 2.6 abstractbaseanalysis.py:321, 1.2.9 :279
	single("Instrument", "Instrument"),
	// 2.6 abstractbaseanalysis.py:338, 1.2.9 :309
	single("Method", "Method"),
	// 2.6 abstractbaseanalysis.py:419, 1.2.9 :391
	single("Category", "AnalysisCategory"),
	// 2.6 abstractbaseanalysis.py:477, 1.2.9 :443
	single("Department", "Department"),
}

// analysisRefs are the references every analysis type carries: the copy
// of its service's schema and abstractanalysis.py. self is the type a
// retest points back to: an analysis is retested as its own type.
func analysisRefs(self string, more ...Reference) []Reference {
	return refFields(baseAnalysisRefs, []Reference{
		// 2.6 abstractanalysis.py:60, 1.2.9 :44
		single("AnalysisService", "AnalysisService"),
		// 2.6 abstractanalysis.py:66, 1.2.9 :50
		multi("Attachment", "Attachment"),
		// 2.6 abstractanalysis.py:92, 1.3.5 :90 (1.2 had a Retested flag)
		single("RetestOf", self),
		// HistoryAwareReferenceField: 2.6 abstractanalysis.py:130, 1.2.9 :115
		single("Calculation", "Calculation"),
		// ResultRangeField, one record; its ResultsRangeDict always holds
		// the service's uid (2.6 abstractanalysis.py:158, analysisspec.py:154;
		// 1.3.5 abstractanalysis.py:153)
		records("ResultsRange", key("uid", "AnalysisService")),
	}, more)
}

// routineRefs1x are the 1.2 routine analysis fields (1.2.9
// abstractroutineanalysis.py), gone in 2.x but for RetestOf.
var routineRefs1x = []Reference{
	// 1.2.9 abstractroutineanalysis.py:32
	single("SamplePartition", "SamplePartition"),
	// 1.2.9 abstractroutineanalysis.py:46, :54
	single("OriginalReflexedAnalysis", "Analysis"),
	single("ReflexAnalysisOf", "Analysis"),
}

// serviceRefs are an AnalysisService's own references beyond the schema
// it shares with its analyses (2.6 analysisservice.py, 1.2.9
// analysisservice.py).
var serviceRefs = []Reference{
	// 2.6 analysisservice.py:51, 1.2.9 :287
	multi("Methods", "Method"),
	// 2.6 analysisservice.py:66, 1.2.9 :314
	multi("Instruments", "Instrument"),
	// 2.6 analysisservice.py:95, 1.2.9 :347
	single("Calculation", "Calculation"),
	// 2.6 analysisservice.py:136 (SamplePreservation), 1.2.9 :203 (Preservation)
	single("Preservation", "SamplePreservation", "Preservation"),
	// 2.6 analysisservice.py:156 allowed_types ("Container",
	// "ContainerType"); 2.2 made Container the DX SampleContainer
	single("Container", "SampleContainer", "Container", "ContainerType"),
	// PartitionSetupField rows {sampletype, separate, preservation,
	// container, vol}: 2.6 analysisservice.py:177,
	// src/bika/lims/browser/fields/partitionsetupfield.py:106; container
	// and preservation are selections (a UID or a list of them)
	records("PartitionSetup", key("sampletype", "SampleType"),
		key("preservation", "SamplePreservation", "Preservation"),
		key("container", "SampleContainer", "Container")),
}

// references is the table: portal type → its reference-carrying fields.
var references = map[string][]Reference{
	// Setup singletons.

	// 2.6 bikasetup.py:509 (UIDReferenceField); 1.2.9 bikasetup.py:520
	// (ReferenceField to a Document). The DX Setup
	// (src/senaite/core/content/senaitesetup.py) has no reference field.
	"BikaSetup": {single("LandingPage", "Document", "Client", "ClientFolder", "Samples", "WorksheetFolder")},
	// 2.6 laboratory.py:69, 1.2.9 laboratory.py:34
	"Laboratory": {single("Supervisor", "LabContact")},

	// 2.6 Dexterity setup types (1.x: the same type names, Archetypes,
	// CamelCase fields).

	"Department": {
		// DX 2.6 department.py:100
		single("manager", "LabContact"),
		// 1.2.9 department.py:23, 1.3.5 :37
		single("Manager", "LabContact"),
	},
	"AnalysisCategory": {
		// DX 2.6 analysiscategory.py:80
		single("department", "Department"),
		// 1.2.9 analysiscategory.py:34
		single("Department", "Department"),
	},
	"SampleType": {
		// DX 2.6 sampletype.py:162, :212
		single("sample_matrix", "SampleMatrix"),
		single("container_type", "ContainerType"),
		// 1.2.9 sampletype.py:66, :92, :107 (SamplePoints stored before
		// 2.x; 2.x computes it from SamplePoint.sample_types)
		single("SampleMatrix", "SampleMatrix"),
		single("ContainerType", "ContainerType"),
		multi("SamplePoints", "SamplePoint"),
	},
	"SamplePoint": {
		// DX 2.6 samplepoint.py:121 (multi_valued: a released
		// senaite.jsonapi shows it as null, see unreadable)
		multi("sample_types", "SampleType"),
		// 1.2.9 samplepoint.py:75
		multi("SampleTypes", "SampleType"),
	},
	"SampleContainer": {
		// DX 2.6 samplecontainer.py:69, :113
		single("containertype", "ContainerType"),
		single("preservation", "SamplePreservation"),
	},
	"AnalysisProfile": {
		// DX 2.6 analysisprofile.py:105, rows IAnalysisProfileRecord {uid,
		// hidden} (:46)
		records("services", key("uid", "AnalysisService")),
		// DX 2.6 analysisprofile.py:179
		multi("sample_types", "SampleType"),
		// 1.2.9 analysisprofile.py:41 (AT up to 2.5: UIDReferenceField)
		multi("Service", "AnalysisService"),
		// rows {uid, hidden}: 1.2.9 analysisprofile.py:63
		records("AnalysisServicesSettings", key("uid", "AnalysisService")),
	},
	"SampleTemplate": {
		// DX 2.6 sampletemplate.py:184, :206
		single("samplepoint", "SamplePoint"),
		single("sampletype", "SampleType"),
		// DX 2.6 sampletemplate.py:242, rows IPartitionRecord {part_id,
		// container (:80), preservation (:102), sampletype (:124)}
		records("partitions", key("container", "SampleContainer"), key("preservation", "SamplePreservation"),
			key("sampletype", "SampleType")),
		// DX 2.6 sampletemplate.py:268, rows IServiceRecord {uid (:47),
		// hidden, part_id}
		records("services", key("uid", "AnalysisService")),
	},
	"InterpretationTemplate": {
		// DX 2.6 interpretationtemplate.py:58 allowed_types ("ARTemplate"):
		// the 2.6 migration kept the UIDs of the SampleTemplates
		multi("analysis_templates", "SampleTemplate", "ARTemplate"),
		// DX 2.6 interpretationtemplate.py:70
		multi("sample_types", "SampleType"),
	},

	// 1.x setup types that 2.x renamed (content model §5).

	"ARTemplate": {
		// 1.2.9 artemplate.py:39, :64, :152
		single("SamplePoint", "SamplePoint"),
		single("SampleType", "SampleType"),
		single("AnalysisProfile", "AnalysisProfile"),
		// 1.2.9 artemplate.py:103 rows {part_id, Container, Preservation
		// (titles), container_uid, preservation_uid}; 1.3.5 :125 adds
		// SampleType and sampletype_uid
		records("Partitions", key("container_uid", "Container"), key("preservation_uid", "Preservation"),
			key("sampletype_uid", "SampleType")),
		// 1.2.9 artemplate.py:168 rows {service_uid, partition}
		records("Analyses", key("service_uid", "AnalysisService")),
		// 1.2.9 artemplate.py:186 rows {uid, hidden}
		records("AnalysisServicesSettings", key("uid", "AnalysisService")),
	},
	"Container": {
		// 1.2.9 container.py:25, :56
		single("ContainerType", "ContainerType"),
		single("Preservation", "Preservation"),
	},

	// Archetypes setup (both flavours).

	"AnalysisService": refFields(baseAnalysisRefs, serviceRefs),
	"Calculation": {
		// 2.6 calculation.py:72, 1.2.9 :56 (derived from the Formula)
		multi("DependentServices", "AnalysisService"),
	},
	"Method": {
		// 2.6 method.py:95: computed from Instrument.Methods (its setter
		// rewrites them); shown, never the side the sync writes
		multi("Instruments", "Instrument"),
		// 2.6 method.py:107
		multi("Calculations", "Calculation"),
		// 2.6 method.py:121 (hidden legacy), 1.2.9 :99
		single("Calculation", "Calculation"),
	},
	"Instrument": {
		// 2.6 instrument.py:73, :93, :113; 1.2.9 :64, :77, :90
		single("InstrumentType", "InstrumentType"),
		single("Manufacturer", "Manufacturer"),
		single("Supplier", "Supplier"),
		// 2.6 instrument.py:150 (hidden legacy), 1.2.9 :119
		single("Method", "Method"),
		// 2.6 instrument.py:162, 1.2.9 :131
		multi("Methods", "Method"),
		// 2.6 instrument.py:306, 1.2.9 :299
		single("InstrumentLocation", "InstrumentLocation"),
	},
	"InstrumentCalibration": {
		// 2.6 instrumentcalibration.py:47, :123 (1.2.9 :44, :121: LabContact only)
		single("Instrument", "Instrument"),
		single("Worker", "LabContact", "SupplierContact"),
	},
	"InstrumentCertification": {
		// 2.6 instrumentcertification.py:62, :142, :166 (1.2.9 :54, :136, :156)
		single("Instrument", "Instrument"),
		single("Preparator", "LabContact", "SupplierContact"),
		single("Validator", "LabContact", "SupplierContact"),
	},
	"InstrumentValidation": {
		// 2.6 instrumentvalidation.py:105, 1.2.9 :102 (its Validator is a name)
		single("Worker", "LabContact", "SupplierContact"),
	},
	// 2.6 instrumentmaintenancetask.py:37, 1.2.9 :23
	"InstrumentMaintenanceTask": {single("Instrument", "Instrument")},
	// 2.6 instrumentscheduledtask.py:45, 1.2.9 :24
	"InstrumentScheduledTask": {single("Instrument", "Instrument")},
	// 2.6 autoimportlog.py:46, 1.2.9 :23
	"AutoImportLog": {single("Instrument", "Instrument")},
	"LabContact": {
		// 2.6 labcontact.py:54, :79; 1.2.9 :50, :63
		multi("Departments", "Department"),
		single("DefaultDepartment", "Department"),
	},
	"ReferenceDefinition": {
		// ReferenceResultsField rows {uid, result, min, max, error}: 2.6
		// referencedefinition.py:36, src/bika/lims/browser/fields/
		// referenceresultsfield.py:32; 1.2.9 referencedefinition.py:25
		records("ReferenceResults", key("uid", "AnalysisService")),
	},
	"WorksheetTemplate": {
		// 2.6 worksheettemplate.py:47 rows {pos, type, blank_ref,
		// control_ref, dup}; 1.2.9 :26
		records("Layout", key("blank_ref", "ReferenceDefinition"), key("control_ref", "ReferenceDefinition")),
		// 2.6 worksheettemplate.py:74, :88, :113; 1.2.9 :50, :65, :85
		multi("Service", "AnalysisService"),
		single("RestrictToMethod", "Method"),
		single("Instrument", "Instrument"),
	},
	"AnalysisSpec": {
		// 2.6 analysisspec.py:44, 1.2.9 :33
		single("SampleType", "SampleType"),
		// 2.6 analysisspec.py:64, 1.3.5 :61
		single("DynamicAnalysisSpec", "DynamicAnalysisSpec"),
		// ResultsRangesField rows {keyword, uid, min, max, …}: 2.6
		// analysisspec.py:86 (ResultsRangeDict, :154); 1.2.9 :60 rows are
		// keyed by keyword only
		records("ResultsRange", key("uid", "AnalysisService")),
	},

	// Clients and their content.

	"Client": {
		// 2.6 client.py:100, :124; 1.2.9 :89, :106
		multi("DefaultCategories", "AnalysisCategory"),
		multi("RestrictedCategories", "AnalysisCategory"),
	},
	// 2.6 contact.py:49, 1.2.9 :54
	"Contact": {multi("CCContact", "Contact")},
	"ReferenceSample": {
		// 2.6 referencesample.py:52, :88, :169; 1.2.9 :39, :66, :137
		single("ReferenceDefinition", "ReferenceDefinition"),
		single("Manufacturer", "Manufacturer"),
		records("ReferenceResults", key("uid", "AnalysisService")),
	},
	"AnalysisRequest": {
		// 2.6 analysisrequest.py:143; 1.2.9 :88
		single("Contact", "Contact"),
		// 2.6 :178; 1.2.9 :138
		multi("CCContact", "Contact"),
		// 2.6 :230 (the container); 1.2.9 :220
		single("Client", "Client"),
		// 2.6 :267; 1.3.5 :258
		single("PrimaryAnalysisRequest", "AnalysisRequest"),
		// 2.6 :304; 1.2.9 :303
		single("Batch", "Batch"),
		// 2.6 :338; 1.2.9 :380
		single("SubGroup", "SubGroup"),
		// 2.6 :366 (SampleTemplate); 1.2.9 :427 (ARTemplate)
		single("Template", "SampleTemplate", "ARTemplate"),
		// 2.6 :393; 1.2.9 :489
		multi("Profiles", "AnalysisProfile"),
		// 2.6 :513; 1.2.9 :678 (a ProxyField onto the Sample: its value is
		// the object, shown as a reference dict)
		single("SampleType", "SampleType"),
		// 2.6 :541 (SampleContainer); 1.3.5 :544 (Container)
		single("Container", "SampleContainer", "Container"),
		// 2.6 :572 (SamplePreservation); 1.3.5 :565 (Preservation)
		single("Preservation", "SamplePreservation", "Preservation"),
		// 2.6 :664, :709; 1.2.9 :747, :807
		single("Specification", "AnalysisSpec"),
		single("PublicationSpecification", "AnalysisSpec"),
		// 2.6 :743, :767, :845, :873; 1.2.9 proxies :848, :890, :1035, :1078
		single("SamplePoint", "SamplePoint"),
		single("StorageLocation", "StorageLocation"),
		single("SamplingDeviation", "SamplingDeviation"),
		single("SampleCondition", "SampleCondition"),
		// ARAnalysesField, 2.6 :967, 1.2.9 :1330: read as the contained
		// analyses' dicts ([] when none), written as service UIDs; the
		// destination makes the analyses
		multi("Analyses", "Analysis"),
		// 2.6 :983; 1.2.9 :1346
		multi("Attachment", "Attachment"),
		// 2.6 :1022; 1.2.9 :1381
		single("Invoice", "Invoice"),
		// 2.6 :1227, :1254, :1281; 1.2.9 :1686, 1.3.5 :1248, 1.2.9 :1701
		single("ParentAnalysisRequest", "AnalysisRequest"),
		single("DetachedFrom", "AnalysisRequest"),
		single("Invalidated", "AnalysisRequest"),
		// ResultsRangesField rows with the service's uid: 2.6 :703, 1.3.5
		// :691 (1.2.9 :798 rows are keyed by keyword only)
		records("ResultsRange", key("uid", "AnalysisService")),
		// rows {uid (Department), richtext}: 2.6 :1331, 1.2.9 :1746
		records("ResultsInterpretationDepts", key("uid", "Department")),
		// rows {uid, hidden}: 2.6 :1346, 1.2.9 :1758
		records("AnalysisServicesSettings", key("uid", "AnalysisService")),
		// 1.2 only: 1.2.9 :265 (the Sample it analyses), :342, :469, :1185
		single("Sample", "Sample"),
		single("SamplingRound", "SamplingRound"),
		single("Profile", "AnalysisProfile"),
		single("DefaultContainerType", "ContainerType"),
	},
	"Analysis":          refFields(analysisRefs("Analysis"), routineRefs1x),
	"ReferenceAnalysis": analysisRefs("ReferenceAnalysis"),
	"DuplicateAnalysis": refFields(analysisRefs("DuplicateAnalysis",
		// 2.6 duplicateanalysis.py:38, 1.2.9 :27
		single("Analysis", "Analysis", "ReferenceAnalysis")), routineRefs1x),
	"RejectAnalysis": refFields(analysisRefs("RejectAnalysis",
		// 2.6 rejectanalysis.py:32, 1.2.9 :18
		single("Analysis", "Analysis")), routineRefs1x),
	"ARReport": {
		// 2.6 arreport.py:44, :73; 1.2.9 :27, 1.3.5 :48
		single("AnalysisRequest", "AnalysisRequest"),
		multi("ContainedAnalysisRequests", "AnalysisRequest"),
		// RecordField {…, contained_requests}: 2.6 arreport.py:102, a list
		// of sample UIDs (src/bika/lims/browser/analysisreport.py:66)
		records("Metadata", key("contained_requests", "AnalysisRequest")),
		// rows {…, email_attachments}: 2.6 arreport.py:114, the UIDs of
		// the attachments sent (src/bika/lims/browser/publish/emailview.py:434)
		records("SendLog", key("email_attachments", "Attachment")),
		// rows {UID, Username, Fullname, EmailAddress, PublicationModes}:
		// 2.6 arreport.py:145, UID of the contact or "" for a bare address
		// (emailview.py:780); 1.2.9 arreport.py:37
		records("Recipients", key("UID", "Contact", "LabContact")),
	},
	// 2.6 attachment.py:56, 1.2.9 :41
	"Attachment": {single("AttachmentType", "AttachmentType")},
	"Batch": {
		// 2.6 batch.py:73, 1.2.9 :92
		single("Client", "Client"),
		// a LinesField of BatchLabel UIDs: 2.6 batch.py:114 (read back as
		// UIDs, :250), 1.2.9 :127 (BatchLabelVocabulary, :326)
		lines("BatchLabels", "BatchLabel"),
		// 1.2.9 batch.py:145, gone in 1.3.2
		multi("InheritedObjects", "AnalysisRequest"),
	},
	"Worksheet": {
		// 2.6 worksheet.py:75, 1.2.9 :51
		single("WorksheetTemplate", "WorksheetTemplate"),
		// rows {position, type, container_uid, analysis_uid}: 2.6
		// worksheet.py:80; the container is the sample, the reference
		// sample, or the worksheet itself for a reject (:761, :1368);
		// 1.2.9 :56
		records("Layout", key("container_uid", "AnalysisRequest", "ReferenceSample", "Worksheet"),
			key("analysis_uid", "Analysis", "DuplicateAnalysis", "ReferenceAnalysis", "RejectAnalysis")),
		// 2.6 worksheet.py:88, 1.2.9 :64
		multi("Analyses", "Analysis", "DuplicateAnalysis", "ReferenceAnalysis", "RejectAnalysis"),
		// 2.6 worksheet.py:101, :114; 1.2.9 :77, :93
		single("Method", "Method"),
		single("Instrument", "Instrument"),
	},
	"Invoice": {
		// 2.6 invoice.py:44, :49; 1.2.9 :27, :34, :41
		single("Client", "Client"),
		single("AnalysisRequest", "AnalysisRequest"),
		single("SupplyOrder", "SupplyOrder"),
	},

	// Bika-era types 2.x removed (remote.DefaultTypeMapping1x drops them:
	// fetched, ordered, never written).

	"Sample": {
		// 1.2.9 sample.py:114, :151, :187, :323, :353
		single("SampleType", "SampleType"),
		single("SamplePoint", "SamplePoint"),
		single("StorageLocation", "StorageLocation"),
		single("SamplingDeviation", "SamplingDeviation"),
		single("SampleCondition", "SampleCondition"),
	},
	"SamplePartition": {
		// 1.2.9 samplepartition.py:30, :36, :45
		single("Container", "Container"),
		single("Preservation", "Preservation"),
		multi("Analyses", "Analysis"),
	},
	"SamplingRound": {
		// Dexterity in 1.2: Choices whose vocabularies are UIDs (1.2.9
		// samplinground.py:154 → :66, :168 → :41, :199 → :88); its
		// client_contact Choices are contact ids (:132), not UIDs
		uidString("sr_template", "SRTemplate"),
		uidString("department", "Department"),
		lines("ar_templates", "ARTemplate"),
	},
	"SRTemplate": {
		// 1.2.9 srtemplate.py:40, :78
		single("Department", "Department"),
		multi("ARTemplates", "ARTemplate"),
	},
	"SupplyOrder": {
		// 1.2.9 supplyorder.py:35, :59
		single("Contact", "Contact"),
		single("Invoice", "Invoice"),
	},
	// ARImport's SampleData grid mixes titles, keywords and UIDs (1.2.9
	// arimport.py:169, munged at :305-:600): not a reference form; only
	// its reference fields are listed (1.2.9 arimport.py:111, :131).
	"ARImport": {single("Contact", "Contact"), single("Batch", "Batch")},
	// 1.2.9 report.py:33
	"Report": {single("Client", "Client")},
	// 1.2.9 reflexrule.py:43
	"ReflexRule": {single("Method", "Method")},
}
