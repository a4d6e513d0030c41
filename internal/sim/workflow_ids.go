package sim

// Workflow ids as senaite.core names them. A portal type names one; the
// workflow engine (workflow.go) defines its states and transitions.
const (
	WfOneState        = "senaite_one_state_workflow"
	WfDeactivable     = "senaite_deactivable_type_workflow"
	WfClient          = "senaite_client_workflow"
	WfContact         = "senaite_clientcontact_workflow"
	WfLabContact      = "senaite_labcontact_workflow"
	WfSample          = "senaite_sample_workflow"
	WfAnalysis        = "senaite_analysis_workflow"
	WfDuplicate       = "senaite_duplicateanalysis_workflow"
	WfReferenceAn     = "senaite_referenceanalysis_workflow"
	WfRejectAnalysis  = "senaite_rejectanalysis_workflow"
	WfWorksheet       = "senaite_worksheet_workflow"
	WfBatch           = "senaite_batch_workflow"
	WfReferenceSample = "senaite_referencesample_workflow"
	WfCancellable     = "senaite_cancellable_type_workflow"
	WfFolder          = "senaite_folder_workflow"

	// Bika-era (1.x) workflows: setup objects carry an inactive_state,
	// samples and analyses a cancellation_state, beside review_state.
	WfBikaOneState  = "bika_one_state_workflow"
	WfBikaInactive  = "bika_inactive_workflow"
	WfBikaAR        = "bika_ar_workflow"
	WfBikaSample    = "bika_sample_workflow"
	WfBikaAnalysis  = "bika_analysis_workflow"
	WfBikaWorksheet = "bika_worksheet_workflow"
	WfBikaBatch     = "bika_batch_workflow"
	WfBikaRefSample = "bika_referencesample_workflow"
	WfBikaCancel    = "bika_cancellation_workflow"
)
