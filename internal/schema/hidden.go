package schema

// Released senaite.jsonapi returns the fields of a Dexterity object only to
// a user allowed to modify it (DexterityDataManager.json_data checks
// ModifyPortalContent), and the deactivable workflow withdraws that
// permission from everyone in `inactive`. An inactive 2.x setup item (a
// sample type, a sample point, a profile) therefore arrives with its
// title, description and catalog metadata only. Such an object must still
// exist at the destination — samples reference it — so it is rebuilt from
// what is readable, and what is not is reported, never guessed silently.

// FieldsHidden tells whether a fetched item is such an object: inactive,
// and no writable key beyond the title and description attributes.
func FieldsHidden(portalType, reviewState string, keys []string) bool {
	if reviewState != "inactive" {
		return false
	}
	for _, k := range keys {
		if Sendable(portalType, k) && k != "title" && k != "description" {
			return false
		}
	}
	return true
}

// fromMetadata are the catalog metadata columns that still carry a field's
// value when the field itself is withheld (senaite_catalog_setup columns).
// A value ending in UID is a reference.
var fromMetadata = map[string]map[string]string{
	"SampleType":       {"getPrefix": "prefix"},
	"AnalysisCategory": {"getDepartmentUID": "department"},
}

// FromMetadata returns the field a metadata column of portalType restores.
func FromMetadata(portalType string) map[string]string { return fromMetadata[portalType] }

// hiddenDefaults fill the required fields of a withheld object that no
// metadata column restores, with the value SENAITE's own add form starts
// from (the field's default or the neutral value): the destination refuses
// a create without them, and the object is inactive, so nothing new is made
// from these values. Each use is reported on the object.
var hiddenDefaults = map[string]map[string]any{
	"SampleType": {
		"retention_period": map[string]any{"days": 0, "hours": 0, "minutes": 0},
		"min_volume":       "0",
		"admitted_sticker_templates": []any{map[string]any{"admitted": []any{"senaite.core:sticker_default"},
			"small_default": "senaite.core:sticker_small", "large_default": "senaite.core:sticker_default"}},
	},
	"SampleContainer": {"capacity": "0"},
	"LabProduct":      {"labproduct_price": "0.00"},
}

// fromAttribute fill a withheld required field from one of the item's
// attributes, which senaite.jsonapi always shows: a department's code is
// unique, and so is its id.
var fromAttribute = map[string]map[string]string{
	"Department": {"department_id": "id"},
}

// FromAttribute returns the attributes that fill a withheld object's fields.
func FromAttribute(portalType string) map[string]string { return fromAttribute[portalType] }

// standIns are withheld required references with no readable value: the
// destination refuses the object without one, and objects that must
// exist (an active category of an inactive department) depend on it. The
// field is pointed at an object of the named type that was already
// imported, and the object's record names the stand-in, for a person to
// correct.
var standIns = map[string]map[string]string{
	"Department": {"manager": "LabContact"},
}

// StandIns returns the stand-in types of a withheld object's required references.
func StandIns(portalType string) map[string]string { return standIns[portalType] }

// HiddenDefaults returns the defaults of a withheld object's required fields.
func HiddenDefaults(portalType string) map[string]any { return hiddenDefaults[portalType] }
