package sim

// The three setup singletons of a SENAITE 2.6 site as data: bika_setup
// (AT BikaSetup), its Laboratory (AT) and the DX senaite_setup (portal_type
// Setup at /senaite/setup). Their schemas, defaults, proxies and labels are
// what a migration must carry: the lab's ID formatting, verification rules,
// currency, turnaround times, laboratory name and accreditation.
//
// Sources (senaite.core 2.x at 2024-10-21 = 2.6.0):
//   - src/bika/lims/content/bikasetup.py (schema lines 154-1047, class
//     1055-1343)
//   - src/bika/lims/content/laboratory.py, organisation.py
//   - src/senaite/core/content/senaitesetup.py (ISetupSchema 64-260)
//   - src/senaite/core/profiles/default/types/Setup.xml (behaviors)
//
// Like the other AT types of the simulator, Dublin Core metadata fields of
// ATFolderSchema (subject, effectiveDate, creators, …) are not modelled.

// bikaSetupFields2x is bika_setup's schema in the order bikasetup.py
// declares it. Its title is hidden (bikasetup.py:1049-1050) and comes from
// the attributes, as for other computed-title AT types.
//
// IDServerValues is declared readonly=True (bikasetup.py:981-990), but
// readonly is not an Archetypes field property: the field stays mode "rw"
// and senaite.jsonapi's field.writeable() lets it be written. Its accessor
// getIDServerValuesHTML (bikasetup.py:1149-1156) is what the UI shows;
// senaite.jsonapi reads field.get(), the stored (empty) value.
func bikaSetupFields2x() []Field {
	return []Field{
		// Security (bikasetup.py:155-216)
		must(fInt("AutoLogOff")), fBool("RestrictWorksheetUsersAccess"), fBool("AllowToSubmitNotAssigned"),
		fBool("RestrictWorksheetManagement"), fBool("EnableGlobalAuditlog"),
		// Accounting (218-271)
		fBool("ShowPrices"), must(fStr("Currency")), must(fStr("DefaultCountry")), fFixed("MemberDiscount"),
		fFixed("VAT"),
		// Results Reports (273-306)
		fStr("DecimalMark"), fStr("ScientificNotationReport"), must(fInt("MinimumResults")),
		// Analyses (308-482)
		fBool("CategoriseAnalysisServices"), fBool("CategorizeSampleAnalyses"), fBool("SampleAnalysesRequired"),
		fBool("AllowManualResultCaptureDate"), fBool("EnableARSpecs"), must(fInt("ExponentialFormatThreshold")),
		fBool("ImmediateResultsEntry"), fBool("EnableAnalysisRemarks"), fBool("AutoVerifySamples"),
		fBool("SelfVerificationEnabled"), fInt("NumberOfRequiredVerifications"), fStr("TypeOfmultiVerification"),
		fStr("ResultsDecimalMark"), fStr("ScientificNotationResults"),
		// Appearance (484-543)
		fStr("WorksheetLayout"), fBool("DashboardByDefault"),
		fRef("LandingPage", "Document", "Client", "ClientFolder", "Samples", "WorksheetFolder"),
		// Sampling (545-672)
		fBool("PrintingWorkflowEnabled"), fBool("SamplingWorkflowEnabled"), fBool("ScheduleSamplingEnabled"),
		fBool("DateSampledRequired"), fBool("AutoreceiveSamples"), fBool("ShowPartitions"),
		fBool("SamplePreservationEnabled"), must(fLines("Workdays")),
		// DurationFields {days, hours, minutes}
		must(fRec("DefaultTurnaroundTime")), must(fRec("DefaultSampleLifetime")),
		// Notifications (674-807)
		fStr("EmailFromSamplePublication"), fText("EmailBodySamplePublication"),
		fBool("AlwaysCCResponsiblesInReportEmail"), fBool("NotifyOnSampleRejection"),
		fText("EmailBodySampleRejection"), fBool("NotifyOnSampleInvalidation"), fText("EmailBodySampleInvalidation"),
		// Sticker (809-862)
		fStr("AutoPrintStickers"), fStr("AutoStickerTemplate"), fStr("SmallStickerTemplate"),
		fStr("LargeStickerTemplate"), must(fInt("DefaultNumberOfCopies")),
		// ID Server (864-990): rows {portal_type, form, sequence_type,
		// context, counter_type, counter_reference, prefix, split_length}
		fRecs("IDFormatting"), fStr("IDServerValues"),
		// Analyses again (992-1030)
		fRecs("RejectionReasons"), fInt("DefaultNumberOfARsToAdd"), fInt("MaxNumberOfSamplesAdd"),
		// Appearance (1032-1049)
		fBool("ShowLabNameInLogin"),
	}
}

// laboratoryFields2x is the Laboratory: Organisation (organisation.py:38-157)
// plus laboratory.py:56-184. Its title is hidden and computed from Name
// (laboratory.py:205-207); Name keeps required=1 but loses the unique
// validator (laboratory.py:190). AccreditationBodyLogo is an ImageField,
// kept as a file-name placeholder like the other files of the simulator.
// LabURL, Supervisor, LaboratoryAccredited and the Accreditation* strings
// need "senaite.core: Manage Bika" to write, which Manager and LabManager
// have.
func laboratoryFields2x() []Field {
	return joinFields(organisationFields(), []Field{
		fStr("LabURL"), fRef("Supervisor", "LabContact"), fInt("Confidence"), fBool("LaboratoryAccredited"),
		fStr("AccreditationBody"), fStr("AccreditationBodyURL"), fStr("Accreditation"),
		fStr("AccreditationReference"), fStr("AccreditationBodyLogo"), fText("AccreditationPageHeader"),
	})
}

// senaiteSetupFields2x is ISetupSchema (senaitesetup.py:64-218) plus the
// field of its one behavior with fields, IExcludeFromNavigationDefault
// (Setup.xml; IReferenceable has none). The Setup has no title field: its
// title "SENAITE Setup" is set at creation (setuphandlers.py:201-211).
// site_logo (schema.Bytes) is kept as a string placeholder.
func senaiteSetupFields2x() []Field {
	// zope.schema fields are required unless declared required=False: the
	// Bool and Int fields below refuse null (plone.restapi dxcontent.py
	// "… is a required field.")
	return []Field{
		fStr("email_from_sample_publication"),
		// senaite RichTextField (a plone.app.textfield RichText)
		fText("email_body_sample_publication"),
		must(fBool("always_cc_responsibles_in_report_emails")), must(fBool("enable_global_auditlog")),
		fStr("site_logo"), fStr("site_logo_css"), must(fBool("immediate_results_entry")),
		must(fBool("categorize_sample_analyses")), must(fBool("sample_analyses_required")),
		must(fBool("allow_manual_result_capture_date")), must(fInt("max_number_of_samples_add")),
		must(fBool("date_sampled_required")), must(fBool("show_lab_name_in_login")),
		// IExcludeFromNavigation declares it required=False
		fBool("exclude_from_nav"),
	}
}

// setupProxies are bika_setup's fields whose accessor and mutator delegate
// to the DX senaite_setup (bikasetup.py:1158-1343): the value lives there.
// senaite.jsonapi reads field.get() (fieldmanagers.py:302), the AT storage,
// which keeps the schema default; writing calls the mutator
// (fieldmanagers.py:283-286), which writes the senaite_setup field.
var setupProxies = map[string]string{
	"EmailFromSamplePublication":        "email_from_sample_publication",
	"EmailBodySamplePublication":        "email_body_sample_publication",
	"AlwaysCCResponsiblesInReportEmail": "always_cc_responsibles_in_report_emails",
	"EnableGlobalAuditlog":              "enable_global_auditlog",
	"ImmediateResultsEntry":             "immediate_results_entry",
	"CategorizeSampleAnalyses":          "categorize_sample_analyses",
	"SampleAnalysesRequired":            "sample_analyses_required",
	"AllowManualResultCaptureDate":      "allow_manual_result_capture_date",
	"MaxNumberOfSamplesAdd":             "max_number_of_samples_add",
	"ShowLabNameInLogin":                "show_lab_name_in_login",
	"DateSampledRequired":               "date_sampled_required",
}

// sessionTimeoutKey is where bika_setup keeps what setAutoLogOff writes:
// the timeout (seconds) of acl_users' session plugin (bikasetup.py:1063-
// 1082). It is not a schema field: senaite.jsonapi never shows it, the
// AutoLogOff accessor reads it.
const sessionTimeoutKey = "_acl_users_session_timeout"

// Defaults of the AT text fields, verbatim from the schemas.
const (
	emailBodySampleRejection = "The sample $sample_link has been rejected because of the following reasons:" +
		"<br/><br/>$reasons<br/><br/>For further information, please contact us under the following address." +
		"<br/><br/>$lab_address"
	emailBodySampleInvalidation = "Some non-conformities have been detected in the results report published for " +
		"Sample $sample_link. <br/><br/> A new Sample $retest_link has been created automatically, and the " +
		"previous request has been invalidated. <br/><br/> The root cause is under investigation and corrective " +
		"action has been initiated. <br/><br/> $lab_address"
	// laboratory.py:47-54 (DEFAULT_ACCREDITATION_PAGE_HEADER)
	defaultAccreditationPageHeader = "${lab_name} has been accredited as\n${accreditation_standard} conformant by " +
		"${accreditation_body_abbr},\n${accreditation_body_name}<br/><br/> ${accreditation_body_abbr} is the single\n" +
		"national accreditation body assessing testing and calibration laboratories for\ncompliance to the ISO/IEC " +
		"17025 standard.<br/><br/>\n The following analysis\nservices have been included in the " +
		"${accreditation_body_abbr} schedule of\nAccreditation for this Laboratory:\n"
)

// bikaSetupDefaults is what a fresh site's bika_setup stores: the schema
// defaults, written by Archetypes' setDefaults at creation or by the first
// field.get() of a field never set. Proxy fields keep their AT default in
// the storage (their mutators wrote nowhere while senaite_setup did not
// exist yet); EmailFromSamplePublication's default_method reads
// senaite_setup, whose default is the portal's email_from_address.
func bikaSetupDefaults(portalEmail string) map[string]any {
	return map[string]any{
		"AutoLogOff": int64(0), "RestrictWorksheetUsersAccess": true, "AllowToSubmitNotAssigned": true,
		"RestrictWorksheetManagement": true, "EnableGlobalAuditlog": false, "ShowPrices": true,
		"Currency": "EUR", "MemberDiscount": "33.33", "VAT": "19.00", "DecimalMark": ".",
		"ScientificNotationReport": "1", "MinimumResults": int64(5), "CategoriseAnalysisServices": false,
		"CategorizeSampleAnalyses": false, "SampleAnalysesRequired": true, "AllowManualResultCaptureDate": true,
		"EnableARSpecs": false, "ExponentialFormatThreshold": int64(7), "ImmediateResultsEntry": false,
		"EnableAnalysisRemarks": false, "AutoVerifySamples": true, "SelfVerificationEnabled": false,
		"NumberOfRequiredVerifications": int64(1), "TypeOfmultiVerification": "self_multi_enabled",
		"ResultsDecimalMark": ".", "ScientificNotationResults": "1",
		// bika/lims/config.py DEFAULT_WORKSHEET_LAYOUT
		"WorksheetLayout": "analyses_classic_view", "DashboardByDefault": true,
		"PrintingWorkflowEnabled": false, "SamplingWorkflowEnabled": false, "ScheduleSamplingEnabled": false,
		"DateSampledRequired": true, "AutoreceiveSamples": false, "ShowPartitions": false,
		"SamplePreservationEnabled": false, "Workdays": []string{"0", "1", "2", "3", "4", "5", "6"},
		"DefaultTurnaroundTime":      map[string]any{"days": int64(5), "hours": int64(0), "minutes": int64(0)},
		"DefaultSampleLifetime":      map[string]any{"days": int64(30), "hours": int64(0), "minutes": int64(0)},
		"EmailFromSamplePublication": portalEmail, "AlwaysCCResponsiblesInReportEmail": true,
		"NotifyOnSampleRejection": false, "EmailBodySampleRejection": emailBodySampleRejection,
		"NotifyOnSampleInvalidation": true, "EmailBodySampleInvalidation": emailBodySampleInvalidation,
		"SmallStickerTemplate": "Code_128_1x48mm.pt", "LargeStickerTemplate": "Code_128_1x72mm.pt",
		// default="1" stored through IntegerField.set as int
		"DefaultNumberOfCopies": int64(1),
		"IDFormatting":          defaultIDFormatting(), "DefaultNumberOfARsToAdd": int64(4),
		"MaxNumberOfSamplesAdd": int64(10), "ShowLabNameInLogin": false,
		// setDefaults called setAutoLogOff(0): the session plugin's timeout
		sessionTimeoutKey: int64(0),
	}
}

// laboratoryDefaults: the structure profile creates the Laboratory with
// title "Laboratory Information" (profiles/default/structure/bika_setup/
// laboratory/.properties), which GenericSetup sets through setTitle, and
// Organisation.setTitle sets Name (organisation.py:184-187).
func laboratoryDefaults() map[string]any {
	return map[string]any{"Name": "Laboratory Information", "LaboratoryAccredited": false,
		"AccreditationPageHeader": defaultAccreditationPageHeader}
}

// senaiteSetupDefaults are ISetupSchema's static defaults, which Dexterity
// answers for fields never set (plone.dexterity content.py
// _default_from_schema). Two are computed at each read instead and are not
// stored: email_from_sample_publication (the registry's
// plone.email_from_address, senaitesetup.py:56-61) and
// email_body_sample_publication (a rendered template, 43-53).
// immediate_results_entry has no default (None).
func senaiteSetupDefaults() map[string]any {
	return map[string]any{
		"always_cc_responsibles_in_report_emails": true, "enable_global_auditlog": false,
		"categorize_sample_analyses": false, "sample_analyses_required": true,
		"allow_manual_result_capture_date": false, "max_number_of_samples_add": int64(10),
		"date_sampled_required": true, "show_lab_name_in_login": false,
		// IExcludeFromNavigationDefault: default True
		"exclude_from_nav": true,
	}
}

// atLabels are the widget labels Archetypes names a field by in its
// "<label> is required, please correct." message (Field.validate_required),
// for the required fields of the singletons. Other fields fall back to
// their name.
var atLabels = map[string]string{
	"AutoLogOff": "Automatic log-off", "Currency": "Currency", "DefaultCountry": "Country",
	"MinimumResults":             "Minimum number of results for QC stats calculations",
	"ExponentialFormatThreshold": "Exponential format threshold", "Workdays": "Laboratory Workdays",
	"DefaultTurnaroundTime": "Default turnaround time for analyses.",
	"DefaultSampleLifetime": "Default sample retention period",
	"DefaultNumberOfCopies": "Number of copies",
	"Name":                  "Name",
}

// atEmailFields carry Products.validation's isEmail validator
// (bikasetup.py:691, organisation.py:76).
var atEmailFields = map[string]bool{"EmailFromSamplePublication": true, "EmailAddress": true}
