package sim

// defaultIDFormatting is the default of bika_setup's IDFormatting field in
// senaite.core 2.6 (src/bika/lims/content/bikasetup.py, IDFormattingField
// 'IDFormatting', default=[...]): the ID server's format per portal type.
// Types it does not list get "<portal_type.lower()>-{seq}" (idserver.py,
// get_config). The three sample variants spell their split length
// "split-length", as upstream does: get_generated_number reads
// "split_length" and never sees it (those formats are not "generated").
//
// A fresh site's bika_setup shows exactly this list, and its ID server
// numbers objects by it until someone edits the setup.
func defaultIDFormatting() []map[string]any {
	return []map[string]any{
		{"form": "B-{seq:03d}", "portal_type": "Batch", "prefix": "batch", "sequence_type": "generated", "split_length": 1},
		{"form": "D-{seq:03d}", "portal_type": "DuplicateAnalysis", "prefix": "duplicate", "sequence_type": "generated", "split_length": 1},
		{"form": "I-{seq:03d}", "portal_type": "Invoice", "prefix": "invoice", "sequence_type": "generated", "split_length": 1},
		{"form": "QC-{seq:03d}", "portal_type": "ReferenceSample", "prefix": "refsample", "sequence_type": "generated", "split_length": 1},
		{"form": "SA-{seq:03d}", "portal_type": "ReferenceAnalysis", "prefix": "refanalysis", "sequence_type": "generated", "split_length": 1},
		{"form": "WS-{seq:03d}", "portal_type": "Worksheet", "prefix": "worksheet", "sequence_type": "generated", "split_length": 1},
		{"form": "{sampleType}-{seq:04d}", "portal_type": "AnalysisRequest", "prefix": "analysisrequest", "sequence_type": "generated", "split_length": 1},
		{"form": "{parent_ar_id}-P{partition_count:02d}", "portal_type": "AnalysisRequestPartition", "prefix": "analysisrequestpartition", "sequence_type": "", "split-length": 1},
		{"form": "{parent_base_id}-R{retest_count:02d}", "portal_type": "AnalysisRequestRetest", "prefix": "analysisrequestretest", "sequence_type": "", "split-length": 1},
		{"form": "{parent_ar_id}-S{secondary_count:02d}", "portal_type": "AnalysisRequestSecondary", "prefix": "analysisrequestsecondary", "sequence_type": "", "split-length": 1},
	}
}
