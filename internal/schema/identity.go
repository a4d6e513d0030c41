package schema

// IdentityRule is how a type's objects are recognised across labs that
// grew apart (ARCHITECTURE.md §5): two objects of the type with the same
// value of Field in the same container are one object. A destination
// object holding the key is linked (an identity merge, reported), never
// duplicated, never failed for a uniqueness refusal.
type IdentityRule struct {
	// Field is the key: a field of the item as senaite.jsonapi shows it.
	Field string
	// Enforced names what in senaite.core 2.6 refuses a second object with
	// the key ("" for a setup vocabulary whose title nothing checks: two
	// labs' "Water" are still one matrix, and a central lab must not end
	// with four).
	Enforced string
}

// identityRules is the table of every type's identity rule. The enforced
// rows are senaite.core 2.6's unique validators: AT's uniquefieldvalidator
// (BikaSchema's title, unique among the same type in the same container),
// servicekeywordvalidator, the Client's ClientID, and the Dexterity
// invariants of Department, AnalysisProfile and Label. The others are the
// setup vocabularies, keyed by title — and the sample type, by the prefix
// its sample ids begin with (senaite.core checks only that it has no
// whitespace, yet two sample types of one prefix share one id sequence).
var identityRules = map[string]IdentityRule{
	"AnalysisService":         {"Keyword", "servicekeywordvalidator"},
	"Client":                  {"ClientID", "uniquefieldvalidator"},
	"Calculation":             {"title", "uniquefieldvalidator"},
	"Method":                  {"title", "uniquefieldvalidator"},
	"Instrument":              {"title", "uniquefieldvalidator"},
	"InstrumentCalibration":   {"title", "uniquefieldvalidator"},
	"InstrumentCertification": {"title", "uniquefieldvalidator"},
	"InstrumentValidation":    {"title", "uniquefieldvalidator"},
	"ReferenceDefinition":     {"title", "uniquefieldvalidator"},
	"WorksheetTemplate":       {"title", "uniquefieldvalidator"},
	"AnalysisSpec":            {"title", "uniquefieldvalidator"},
	"Pricelist":               {"title", "uniquefieldvalidator"},
	"ReferenceSample":         {"title", "uniquefieldvalidator"},
	"Department":              {"department_id", "invariant validate_department_id"},
	"AnalysisProfile":         {"profile_key", "invariant validate_profile_key"},
	"Label":                   {"title", "invariant validate_title"},
	"SampleType":              {"prefix", ""},
	"AnalysisCategory":        {"title", ""},
	"SampleMatrix":            {"title", ""},
	"SampleCondition":         {"title", ""},
	"SamplingDeviation":       {"title", ""},
	"StorageLocation":         {"title", ""},
	"SubGroup":                {"title", ""},
	"BatchLabel":              {"title", ""},
	"AttachmentType":          {"title", ""},
	"LabProduct":              {"title", ""},
	"Manufacturer":            {"title", ""},
	"InstrumentType":          {"title", ""},
	"InstrumentLocation":      {"title", ""},
	"ContainerType":           {"title", ""},
	"SamplePoint":             {"title", ""},
	"SampleTemplate":          {"title", ""},
	"SamplePreservation":      {"title", ""},
	"SampleContainer":         {"title", ""},
	"InterpretationTemplate":  {"title", ""},
	"Supplier":                {"title", ""},
	"DynamicAnalysisSpec":     {"title", ""},
}

// Identity returns a type's identity rule; ok is false for types whose
// objects are each their own (samples, analyses, contacts, worksheets…).
func Identity(portalType string) (IdentityRule, bool) {
	r, ok := identityRules[portalType]
	return r, ok
}

// NaturalKey returns the field of a type's identity rule ("" if none).
func NaturalKey(portalType string) string { return identityRules[portalType].Field }

// IdentityTypes lists the types with an identity rule.
func IdentityTypes() []string {
	out := make([]string, 0, len(identityRules))
	for t := range identityRules {
		out = append(out, t)
	}
	return out
}
