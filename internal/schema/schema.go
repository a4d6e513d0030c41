// Package schema is what senaite-sync knows of SENAITE's content types
// without asking the lab (senaite.jsonapi cannot describe schemas): which
// fields carry references and in which form (references.go), which
// references are required at creation, which fields are natural keys,
// which are computed or set by the lab itself and must never be sent,
// and which objects are structural (they exist on every site and are
// mapped by path). Sources: content model §§1-2, senaite.core 2.6.
package schema

import "strings"

// requiredRefs are references a create is refused without (content model
// §2 **req**), the edges the import plan defers only as a last resort.
var requiredRefs = map[string][]string{
	"Department":        {"manager"},
	"AnalysisCategory":  {"department", "Department"},
	"AnalysisService":   {"Category"},
	"Instrument":        {"InstrumentType", "Manufacturer", "Supplier"},
	"AnalysisSpec":      {"SampleType"},
	"AnalysisRequest":   {"Client", "Contact", "SampleType"},
	"Analysis":          {"Category"},
	"DuplicateAnalysis": {"Analysis"},
	"ARReport":          {"AnalysisRequest"},
	"Invoice":           {"Client", "AnalysisRequest"},
	"Sample":            {"SampleType"},
}

// RequiredRef tells whether field of portalType must be set at creation.
func RequiredRef(portalType, field string) bool {
	for _, f := range requiredRefs[portalType] {
		if f == field {
			return true
		}
	}
	return false
}

// essentialRefs are reference fields an object means nothing without,
// though the lab lets it be created empty: a worksheet is its analyses.
// When a remote's options exclude every target (update-only elsewhere,
// filtered), the object is skipped with them instead of created empty
// (ARCHITECTURE.md §1, skipped).
var essentialRefs = map[string]string{
	"Worksheet": "Analyses",
}

// EssentialRef names portalType's essential reference field ("" if none).
func EssentialRef(portalType string) string { return essentialRefs[portalType] }

// neverSent are keys of a complete item that are not writable fields:
// senaite.jsonapi's attributes, catalog metadata, and fields the lab
// computes or sets itself (sending them is refused with 401).
var neverSent = map[string]bool{
	"uid": true, "UID": true, "id": true, "path": true, "parent_path": true, "parent_id": true,
	"parent_uid": true, "parent_url": true, "url": true, "api_url": true, "portal_type": true,
	"created": true, "modified": true, "effective": true, "author": true, "tags": true,
	"workflow_info": true, "review_state": true, "_runtime": true, "version": true,
	// computed or lab-set
	"DatePublished": true, "labproduct_vat_amount": true,
	"labproduct_total_price": true, "SampleID": true, "SubmittedBy": true,
}

// perTypeNeverSent are fields written by the lab for a type: a sample's
// analyses are created from its services, its client is its container.
var perTypeNeverSent = map[string]map[string]bool{
	"AnalysisRequest": {"Client": true, "Analyses": false},
	"Method":          {"Instruments": true},
}

// Sendable tells whether a key of a fetched item may be written on the
// destination. Catalog metadata columns (getXxx, sortable_title, …) are
// never fields.
func Sendable(portalType, key string) bool {
	if neverSent[key] {
		return false
	}
	if v, ok := perTypeNeverSent[portalType][key]; ok && v {
		return false
	}
	if strings.HasPrefix(key, "get") && len(key) > 3 && key[3] >= 'A' && key[3] <= 'Z' {
		return false
	}
	switch key {
	case "sortable_title", "listing_searchable_text", "is_active", "assigned_state", "isRootAncestor",
		"isSelfVerificationEnabled", "isRetest", "is_received", "meta_type", "Creator", "Description", "Title":
		return false
	}
	return true
}

// structuralTypes exist on every site: portal folders, setup folders, the
// Laboratory. They are mapped by path, never created.
var structuralTypes = map[string]bool{
	"Plone Site": true, "ClientFolder": true, "BatchFolder": true, "WorksheetFolder": true, "Methods": true,
	"ReferenceSamplesFolder": true, "PricelistFolder": true, "BikaSetup": true, "Setup": true, "Samples": true,
	"Laboratory": true, "AuditLog": true, "AnalysisRequestsFolder": true, "SamplesFolder": true,
}

// Structural tells whether objects of a type are mapped by path: the
// fixed folders (every plural setup folder ends in "s" and lives directly
// in bika_setup or setup) and the Laboratory.
func Structural(portalType, path string) bool {
	if structuralTypes[portalType] {
		return true
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	// /<site>/bika_setup/<folder> and /<site>/setup/<folder>
	return len(parts) == 3 && (parts[1] == "bika_setup" || parts[1] == "setup")
}

// labSet are fields a destination sets itself when an action happens there
// (who submitted a result, when a sample was received): the replay
// reproduces the action, not its instant or actor, so verify does not
// compare them.
var labSet = map[string]map[string]bool{
	// the title is the object's id, which the destination's ID server assigns
	"AnalysisRequest": {"title": true},
	"Worksheet":       {"title": true},
	"ReferenceSample": {"title": true},
	"Invoice":         {"title": true},
}

// LabSet tells whether verify leaves field of portalType out.
func LabSet(portalType, field string) bool {
	return labSet[portalType][field] || unreadable[portalType][field]
}

// Unreadable tells whether senaite.jsonapi 2.6 cannot show a field of
// portalType (it serializes the value as null, whatever it holds).
func Unreadable(portalType, field string) bool { return unreadable[portalType][field] }

// unreadable are fields senaite.jsonapi 2.6 cannot show: its Dexterity
// field manager serializes a multi-valued UIDReferenceField as null. A
// copy's value there can be written but never read back, so neither
// verify nor an update's comparison can look at it (the update would
// otherwise find it different every time).
var unreadable = map[string]map[string]bool{
	"SamplePoint":            {"sample_types": true},
	"AnalysisProfile":        {"sample_types": true},
	"InterpretationTemplate": {"analysis_templates": true, "sample_types": true},
}
