package schema

import "sort"

// Which fields of a type carry references, and in which form, is part of
// the content model, not something a value's shape can tell: a Batch's
// BatchLabels is a LinesField whose lines happen to be BatchLabel UIDs
// (senaite.core src/bika/lims/content/batch.py:114, read back as UIDs by
// getLabelNames, batch.py:250), and senaite.jsonapi shows it as a list of
// raw UID strings, like any other LinesField (fieldmanagers.py:302
// ATFieldManager._get returns field.get, not the accessor). A text field
// that merely looks like a UID is not a reference. The table
// (references_data.go) lists, per portal type, every field that carries
// references, in both flavours the sync reads: SENAITE 2.6 and Bika LIMS /
// SENAITE 1.x (where a type kept its name but not its fields, the entry
// holds both spellings: Department's 1.x Manager and 2.6 manager).
//
// Catalog metadata columns holding UIDs (getClientUID, getSampleTypeUID,
// getDepartmentUID, …) are not fields and are not in the table: a complete
// item carries them next to the field they index, they are never sent
// (Sendable), never extracted as references, and only the rebuild of an
// object whose fields the source withholds reads a few of them
// (FromMetadata).

// RefKind is the form in which a field holds its references, on read and
// on write.
type RefKind uint8

// The reference forms of SENAITE's schemas.
const (
	// RefSingle is a single-valued reference field (AT ReferenceField or
	// UIDReferenceField, DX UIDReferenceField): read as a {uid, url,
	// api_url} dict ({} or null when empty), written as the UID string.
	RefSingle RefKind = iota + 1
	// RefMulti is a multi-valued reference field: read as a list of
	// {uid, url, api_url} dicts (a released senaite.jsonapi shows a DX
	// one as null), written as a list of UID strings.
	RefMulti
	// RefLines is a LinesField (or a DX List of Choice) whose lines are
	// UIDs: read and written as a list of raw UID strings.
	RefLines
	// RefString is a StringField (or a DX Choice / TextLine) holding one
	// UID: read and written as the raw UID string.
	RefString
	// RefRecords is a records field (a RecordsField's list of dicts, a
	// RecordField's one dict, a DX DataGrid's rows) some of whose keys
	// hold UIDs (a string, or a list of strings); the other keys are data.
	RefRecords
)

// String names a kind for reports and test failures.
func (k RefKind) String() string {
	switch k {
	case RefSingle:
		return "single"
	case RefMulti:
		return "multi"
	case RefLines:
		return "lines"
	case RefString:
		return "string"
	case RefRecords:
		return "records"
	}
	return "none"
}

// RecordKey is a key of a records field whose values are UIDs of objects
// of the Targets types.
type RecordKey struct {
	Name    string
	Targets []string
}

// Reference is one reference-carrying field of a portal type: how the
// sync finds its references, translates them for a destination, and what
// they may point at (Targets, for a records field per key).
type Reference struct {
	Field   string
	Kind    RefKind
	Targets []string
	Keys    []RecordKey
}

// Key returns the record key of a RefRecords field by name.
func (r Reference) Key(name string) (RecordKey, bool) {
	for _, k := range r.Keys {
		if k.Name == name {
			return k, true
		}
	}
	return RecordKey{}, false
}

// byType indexes the table by portal type and field.
var byType = func() map[string]map[string]Reference {
	out := make(map[string]map[string]Reference, len(references))
	for pt, fields := range references {
		m := make(map[string]Reference, len(fields))
		for _, f := range fields {
			if _, dup := m[f.Field]; dup {
				panic("schema: " + pt + "." + f.Field + " is listed twice in the reference table")
			}
			m[f.Field] = f
		}
		out[pt] = m
	}
	return out
}()

// RefField tells whether field of portalType carries references, and in
// which form; false for any other field (data, or a custom add-on field
// the content model does not know).
func RefField(portalType, field string) (Reference, bool) {
	r, ok := byType[portalType][field]
	return r, ok
}

// RefFields lists the reference-carrying fields of portalType, by name.
func RefFields(portalType string) []Reference {
	fields := references[portalType]
	out := make([]Reference, len(fields))
	copy(out, fields)
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// RefTypes lists the portal types the table knows, sorted: a type not
// listed has no reference field.
func RefTypes() []string {
	out := make([]string, 0, len(references))
	for pt := range references {
		out = append(out, pt)
	}
	sort.Strings(out)
	return out
}

// Constructors keep the table readable.

func single(field string, targets ...string) Reference {
	return Reference{Field: field, Kind: RefSingle, Targets: targets}
}

func multi(field string, targets ...string) Reference {
	return Reference{Field: field, Kind: RefMulti, Targets: targets}
}

func lines(field string, targets ...string) Reference {
	return Reference{Field: field, Kind: RefLines, Targets: targets}
}

func uidString(field string, targets ...string) Reference {
	return Reference{Field: field, Kind: RefString, Targets: targets}
}

func records(field string, keys ...RecordKey) Reference {
	return Reference{Field: field, Kind: RefRecords, Keys: keys}
}

func key(name string, targets ...string) RecordKey {
	return RecordKey{Name: name, Targets: targets}
}

func refFields(groups ...[]Reference) []Reference {
	var out []Reference
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}
