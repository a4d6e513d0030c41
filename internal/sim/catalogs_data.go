package sim

// Catalog definitions of the two flavours. Index names and kinds follow
// senaite.core's catalog modules (2.6: src/senaite/core/catalog/*.py, whose
// shared base indexes `created` but not `modified`; only the sample catalog
// adds `modified`) and bika.lims 1.x's catalog definitions.

func idx(kind IndexKind, names ...string) map[string]IndexKind {
	m := make(map[string]IndexKind, len(names))
	for _, n := range names {
		m[n] = kind
	}
	return m
}

func mergeIdx(ms ...map[string]IndexKind) map[string]IndexKind {
	out := map[string]IndexKind{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// baseIndexes2x: senaite.core.catalog.base_catalog BASE_INDEXES.
func baseIndexes2x() map[string]IndexKind {
	return mergeIdx(
		map[string]IndexKind{"UID": UUIDIndex, "allowedRolesAndUsers": KeywordIndex, "created": DateIndex,
			"id": FieldIndex, "is_active": BooleanIndex, "path": PathIndex, "portal_type": FieldIndex,
			"sortable_title": FieldIndex, "title": FieldIndex, "review_state": FieldIndex},
	)
}

// baseColumns2x: BASE_COLUMNS.
var baseColumns2x = []string{"UID", "getId", "meta_type", "portal_type", "review_state", "Title",
	"Description", "title", "sortable_title", "description", "Creator", "created", "modified"}

func catalogs2x() map[string]*CatalogDef {
	cats := []*CatalogDef{
		{ID: "senaite_catalog", Indexes: mergeIdx(baseIndexes2x(), idx(FieldIndex, "getClientUID", "getClientID",
			"getBatchUID", "getBatchID", "getDatePublished", "getParentUID", "getProgress", "getTitle"),
			idx(KeywordIndex, "getBatchLabels"), idx(ZCTextIndex, "listing_searchable_text"),
			idx(DateIndex, "getBatchDate")),
			Columns: append(append([]string{}, baseColumns2x...), "getClientUID", "getClientID", "getClientTitle",
				"getBatchID", "getBatchDate", "getBatchLabels", "getProgress", "getDateReceived", "getAnalysisRequest", "getCreatorFullName")},
		{ID: "senaite_catalog_setup", Indexes: mergeIdx(baseIndexes2x(), idx(FieldIndex, "getKeyword",
			"getPointOfCapture", "getCategoryUID", "getDepartmentUID", "getClientUID", "getPrefix",
			"getFullname", "getUsername", "sortable_title"), idx(KeywordIndex, "getAvailableMethodUIDs",
			"method_available_uid", "sampletype_uid", "instrumenttype_title", "category_uid"),
			idx(ZCTextIndex, "listing_searchable_text", "Title"), idx(FieldIndex, "point_of_capture")),
			Columns: append(append([]string{}, baseColumns2x...), "getKeyword", "getCategoryTitle", "getCategoryUID",
				"getPointOfCapture", "getUnit", "getPrice", "getVAT", "getMethodTitle", "getInstrumentTitle",
				"getDepartmentTitle", "getDepartmentUID", "getFullname", "getEmailAddress", "getBusinessPhone",
				"getMobilePhone", "getPrefix", "getSampleTypeTitle")},
		{ID: "senaite_catalog_sample", Indexes: mergeIdx(baseIndexes2x(), idx(FieldIndex, "getClientUID",
			"getClientID", "getClientTitle", "getContactUID", "getSampleTypeUID", "getSamplePointUID",
			"getStorageLocationUID", "getBatchUID", "getBatchID", "getPrioritySortkey", "getDistrict",
			"getProvince", "assigned_state", "getClientSampleID", "getClientReference", "getClientOrderNumber"),
			idx(DateIndex, "modified", "getDateReceived", "getDateSampled", "getDueDate", "getDateVerified",
				"getDatePublished"), idx(BooleanIndex, "isRootAncestor", "is_received", "getInternalUse"),
			idx(KeywordIndex, "getAncestorsUIDs", "getProfilesUID", "getDescendantsUIDs"),
			idx(ZCTextIndex, "listing_searchable_text")),
			Columns: append(append([]string{}, baseColumns2x...), "getClientUID", "getClientID", "getClientTitle",
				"getClientURL", "getClientReference", "getClientSampleID", "getClientOrderNumber", "getContactUID",
				"getContactFullName", "getContactEmail", "getContactUsername", "getContactURL", "getSampleTypeUID",
				"getSampleTypeTitle", "getSamplePointUID", "getSamplePointTitle", "getStorageLocationUID",
				"getStorageLocationTitle", "getBatchUID", "getBatchID", "getBatchURL", "getDateReceived",
				"getDateSampled", "getDateVerified", "getDatePublished", "getDueDate", "getDistrict", "getProvince",
				"getPrioritySortkey", "getProfilesTitle", "getProfilesUID", "getProfilesURL", "getTemplateTitle",
				"getTemplateUID", "getTemplateURL", "getAnalysesNum", "getCreatorEmail", "getCreatorFullName",
				"getInternalUse", "getSamplingRequired", "getSamplingDate", "getSamplingDeviationTitle",
				"getPhysicalPath", "getRawParentAnalysisRequest", "getDescendantsUIDs", "assigned_state",
				"isRootAncestor", "getInvoiceExclude", "getHazardous", "getSamplingWorkflowEnabled", "getProgress")},
		{ID: "senaite_catalog_analysis", Indexes: mergeIdx(baseIndexes2x(), idx(FieldIndex, "getAncestorsUIDs",
			"getAnalysisRequestUID", "getKeyword", "getPointOfCapture", "getServiceUID", "getSampleTypeUID",
			"getWorksheetUID", "getReferenceAnalysesGroupID", "getInstrumentUID", "getMethodUID",
			"getPrioritySortkey", "getCategoryUID", "getDepartmentUID", "getRequestID", "getClientUID"),
			idx(DateIndex, "getDateReceived", "getDueDate", "getResultCaptureDate", "getDateSampled"),
			idx(BooleanIndex, "isSampleReceived"), idx(KeywordIndex, "getAncestorsUIDs")),
			Columns: append(append([]string{}, baseColumns2x...), "getKeyword", "getRequestID", "getRequestUID",
				"getRequestURL", "getClientUID", "getClientTitle", "getClientURL", "getClientOrderNumber",
				"getParentUID", "getParentURL", "getParentTitle", "getServiceUID", "getServiceDefaultInstrumentUID",
				"getResult", "getResultCaptureDate", "getDateReceived", "getDateSampled", "getDueDate", "getDueDate",
				"getAnalyst", "getSubmittedBy", "getUnit", "getUncertainty", "getMethodUID", "getMethodTitle",
				"getInstrumentUID", "getInstrumentEntryOfResults", "getCategoryUID", "getCategoryTitle",
				"getDepartmentUID", "getPointOfCapture", "getPrioritySortkey", "getReferenceAnalysesGroupID",
				"getResultsRange", "getNumberOfRequiredVerifications", "getNumberOfVerifications",
				"getStorageLocationTitle", "getWorksheetUID", "getAllowedMethodUIDs", "getAllowedInstrumentUIDs",
				"getIsReflexAnalysis", "isSelfVerificationEnabled", "getLastVerificator", "getAttachmentUIDs",
				"getInterimFields", "getRetestOfUID", "getDetectionLimitOperand", "getCalculationUID",
				"getHidden", "getPrecision", "getResultsRangeNoSpecs", "isRetest", "getMaxTimeAllowed")},
		{ID: "senaite_catalog_worksheet", Indexes: mergeIdx(baseIndexes2x(), idx(FieldIndex, "getAnalyst",
			"getWorksheetTemplateUID", "getDepartmentUIDs", "getInstrumentUID"), idx(KeywordIndex, "getDepartmentUIDs"),
			idx(ZCTextIndex, "listing_searchable_text")),
			Columns: append(append([]string{}, baseColumns2x...), "getAnalyst", "getWorksheetTemplateUID",
				"getWorksheetTemplateTitle", "getWorksheetTemplateURL", "getNumberOfQCAnalyses",
				"getNumberOfRegularAnalyses", "getNumberOfRegularSamples", "getProgress", "getInstrumentTitle",
				"getDepartmentUIDs")},
		{ID: "senaite_catalog_report", Indexes: mergeIdx(baseIndexes2x(), idx(FieldIndex, "getClientUID",
			"getAnalysisRequestUID"), idx(KeywordIndex, "arreport_sample_uid"), idx(ZCTextIndex, "listing_searchable_text")),
			Columns: append(append([]string{}, baseColumns2x...), "getClientUID", "getClientTitle",
				"getClientURL", "getAnalysisRequestUID", "getAnalysisRequestTitle", "getFileSize")},
		{ID: "senaite_catalog_client", Indexes: mergeIdx(baseIndexes2x(), idx(FieldIndex, "getClientID",
			"getName", "getClientUID"), idx(ZCTextIndex, "listing_searchable_text")),
			Columns: append(append([]string{}, baseColumns2x...), "getClientID", "getName", "getEmailAddress",
				"getPhone", "getFax", "getBulkDiscount", "getMemberDiscountApplies")},
		{ID: "senaite_catalog_contact", Indexes: mergeIdx(baseIndexes2x(), idx(FieldIndex, "getParentUID",
			"getUsername", "getFullname", "getEmailAddress"), idx(ZCTextIndex, "listing_searchable_text")),
			Columns: append(append([]string{}, baseColumns2x...), "getFullname", "getEmailAddress",
				"getBusinessPhone", "getMobilePhone", "getUsername", "getParentUID")},
		{ID: "senaite_catalog_label", Indexes: mergeIdx(baseIndexes2x(), idx(KeywordIndex, "senaite_labels")),
			Columns: append([]string{}, baseColumns2x...)},
		{ID: "portal_catalog", Indexes: mergeIdx(idx(FieldIndex, "Creator", "Type", "getId", "id", "portal_type",
			"review_state", "sortable_title", "getObjPositionInParent", "meta_type", "object_provides", "in_reply_to",
			"getRawRelatedItems", "exclude_from_nav", "Language", "cmf_uid"),
			idx(ZCTextIndex, "SearchableText", "Title", "Description"),
			idx(KeywordIndex, "Subject", "allowedRolesAndUsers", "getRawRelatedItems"),
			idx(DateIndex, "created", "modified", "effective", "expires", "start", "end", "Date"),
			idx(BooleanIndex, "is_folderish", "is_default_page", "is_active"),
			map[string]IndexKind{"UID": UUIDIndex, "path": PathIndex, "effectiveRange": FieldIndex}),
			Columns: []string{"CreationDate", "Creator", "Date", "Description", "EffectiveDate", "ExpirationDate",
				"ModificationDate", "Subject", "Title", "Type", "UID", "author_name", "cmf_uid", "commentators",
				"created", "effective", "end", "exclude_from_nav", "expires", "getIcon", "getId", "getObjSize",
				"getRemoteUrl", "id", "is_folderish", "last_comment_date", "listCreators", "location", "meta_type",
				"mime_type", "modified", "portal_type", "review_state", "start", "sync_uid", "total_comments"}},
		{ID: "uid_catalog", Indexes: map[string]IndexKind{"UID": UUIDIndex, "Type": FieldIndex, "id": FieldIndex,
			"Title": ZCTextIndex, "portal_type": FieldIndex, "path": PathIndex},
			Columns: []string{"UID", "Type", "id", "Title", "portal_type", "meta_type"}},
		{ID: "reference_catalog", Indexes: map[string]IndexKind{"UID": UUIDIndex, "sourceUID": FieldIndex,
			"targetUID": FieldIndex, "relationship": FieldIndex, "targetId": FieldIndex},
			Columns: []string{"UID", "Type", "id", "Title", "sourceUID", "targetUID", "relationship", "targetId"}},
		{ID: "auditlog_catalog", Indexes: mergeIdx(baseIndexes2x(), idx(DateIndex, "modified", "snapshot_created"),
			idx(ZCTextIndex, "listing_searchable_text"), idx(FieldIndex, "action", "actor", "meta_type"),
			idx(KeywordIndex, "snapshot_versions")),
			Columns: append(append([]string{}, baseColumns2x...), "meta_type", "getObjPositionInParent")},
	}
	out := make(map[string]*CatalogDef, len(cats))
	for _, c := range cats {
		out[c.ID] = c
	}
	return out
}

// typeCatalogs2x maps portal types to the catalog senaite.core 2.6 catalogs
// them in; anything not listed lives in portal_catalog.
func typeCatalogs2x() map[string]string {
	m := map[string]string{
		"AnalysisRequest": "senaite_catalog_sample",
		"Analysis":        "senaite_catalog_analysis", "DuplicateAnalysis": "senaite_catalog_analysis",
		"ReferenceAnalysis": "senaite_catalog_analysis", "RejectAnalysis": "senaite_catalog_analysis",
		"Worksheet": "senaite_catalog_worksheet",
		"ARReport":  "senaite_catalog_report",
		"Client":    "senaite_catalog_client",
		"Contact":   "senaite_catalog_contact", "LabContact": "senaite_catalog_contact", "SupplierContact": "senaite_catalog_contact",
		"Batch": "senaite_catalog", "ReferenceSample": "senaite_catalog", "Attachment": "senaite_catalog",
		"Invoice": "senaite_catalog", "AutoImportLog": "senaite_catalog",
		"Label": "senaite_catalog_label",
	}
	for _, t := range []string{"AnalysisService", "Calculation", "Method", "Instrument", "Department",
		"AnalysisCategory", "SampleType", "SampleMatrix", "SampleCondition", "SamplingDeviation",
		"StorageLocation", "SubGroup", "BatchLabel", "AttachmentType", "LabProduct", "Manufacturer",
		"InstrumentType", "ContainerType", "Supplier", "SamplePoint", "AnalysisProfile", "SampleTemplate",
		"SamplePreservation", "SampleContainer", "InstrumentLocation", "DynamicAnalysisSpec",
		"InterpretationTemplate", "AnalysisSpec", "ReferenceDefinition", "WorksheetTemplate",
		"InstrumentCalibration", "InstrumentCertification", "InstrumentValidation",
		"InstrumentMaintenanceTask", "InstrumentScheduledTask", "Laboratory"} {
		m[t] = "senaite_catalog_setup"
	}
	return m
}

func catalogs1x() map[string]*CatalogDef {
	base := idx(FieldIndex, "id", "getId", "portal_type", "review_state", "inactive_state", "cancellation_state",
		"sortable_title", "Title")
	base["UID"] = UUIDIndex
	base["path"] = PathIndex
	base["created"] = DateIndex
	base["allowedRolesAndUsers"] = KeywordIndex
	cols := []string{"UID", "getId", "id", "Title", "Description", "portal_type", "review_state",
		"inactive_state", "cancellation_state", "created", "modified", "Creator"}
	pc := catalogs2x()["portal_catalog"]
	pc.Indexes["inactive_state"] = FieldIndex
	pc.Indexes["cancellation_state"] = FieldIndex
	cats := []*CatalogDef{
		pc,
		{ID: "bika_catalog", Indexes: mergeIdx(base, idx(FieldIndex, "getClientUID", "getClientID",
			"getSampleTypeUID", "getDateReceived", "getBatchUID", "getSampleUID"), idx(ZCTextIndex, "SearchableText"),
			idx(DateIndex, "modified", "getDateSampled")),
			Columns: append(append([]string{}, cols...), "getClientUID", "getClientTitle", "getSampleTypeTitle", "getDateSampled", "getDateReceived")},
		{ID: "bika_setup_catalog", Indexes: mergeIdx(base, idx(FieldIndex, "getKeyword", "getCategoryUID",
			"getPointOfCapture", "getDepartmentUID", "getPrefix"), idx(DateIndex, "modified"),
			idx(ZCTextIndex, "SearchableText")),
			Columns: append(append([]string{}, cols...), "getKeyword", "getCategoryTitle", "getUnit", "getPrice", "getPrefix")},
		{ID: "bika_analysis_catalog", Indexes: mergeIdx(base, idx(FieldIndex, "getKeyword", "getRequestID",
			"getServiceUID", "getClientUID", "getWorksheetUID", "worksheetanalysis_review_state"),
			idx(DateIndex, "modified", "getDateReceived")),
			Columns: append(append([]string{}, cols...), "getKeyword", "getResult", "getRequestID", "getServiceUID", "worksheetanalysis_review_state")},
		{ID: "bika_catalog_analysisrequest_listing", Indexes: mergeIdx(base, idx(FieldIndex, "getClientUID",
			"getSampleTypeUID", "getSampleUID", "getBatchUID"), idx(DateIndex, "modified", "getDateReceived", "getDateSampled"),
			idx(ZCTextIndex, "listing_searchable_text")),
			Columns: append(append([]string{}, cols...), "getClientUID", "getClientTitle", "getSampleTypeTitle", "getSampleID", "getDateReceived")},
		{ID: "bika_catalog_worksheet_listing", Indexes: mergeIdx(base, idx(FieldIndex, "getAnalyst"), idx(DateIndex, "modified")),
			Columns: append(append([]string{}, cols...), "getAnalyst", "getNumberOfRegularAnalyses")},
		{ID: "uid_catalog", Indexes: map[string]IndexKind{"UID": UUIDIndex, "Type": FieldIndex, "id": FieldIndex,
			"Title": ZCTextIndex, "portal_type": FieldIndex, "path": PathIndex},
			Columns: []string{"UID", "Type", "id", "Title", "portal_type", "meta_type"}},
		{ID: "reference_catalog", Indexes: map[string]IndexKind{"UID": UUIDIndex, "sourceUID": FieldIndex,
			"targetUID": FieldIndex, "relationship": FieldIndex},
			Columns: []string{"UID", "Type", "id", "Title", "sourceUID", "targetUID", "relationship"}},
	}
	out := make(map[string]*CatalogDef, len(cats))
	for _, c := range cats {
		out[c.ID] = c
	}
	return out
}

func typeCatalogs1x() map[string]string {
	m := map[string]string{
		"AnalysisRequest": "bika_catalog_analysisrequest_listing", "Sample": "bika_catalog", "SamplePartition": "bika_catalog",
		"Analysis": "bika_analysis_catalog", "DuplicateAnalysis": "bika_analysis_catalog",
		"ReferenceAnalysis": "bika_analysis_catalog", "RejectAnalysis": "bika_analysis_catalog",
		"Worksheet": "bika_catalog_worksheet_listing", "Batch": "bika_catalog", "ReferenceSample": "bika_catalog",
		"ARReport": "bika_catalog", "Attachment": "bika_catalog", "Client": "portal_catalog", "Contact": "portal_catalog",
	}
	for _, t := range []string{"AnalysisService", "Calculation", "Method", "Instrument", "Department",
		"AnalysisCategory", "SampleType", "SampleMatrix", "SampleCondition", "SamplingDeviation", "StorageLocation",
		"SubGroup", "BatchLabel", "AttachmentType", "LabProduct", "Manufacturer", "InstrumentType", "ContainerType",
		"Supplier", "SupplierContact", "SamplePoint", "AnalysisProfile", "ARTemplate", "Preservation", "Container",
		"InstrumentLocation", "AnalysisSpec", "ReferenceDefinition", "WorksheetTemplate", "LabContact",
		"InstrumentCalibration", "InstrumentCertification", "InstrumentValidation", "InstrumentMaintenanceTask",
		"InstrumentScheduledTask", "Laboratory"} {
		m[t] = "bika_setup_catalog"
	}
	return m
}
