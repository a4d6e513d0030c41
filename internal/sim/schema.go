package sim

import "strings"

// Flavor selects which SENAITE release the simulator impersonates. The
// routes are the same; type names, paths, catalogs and settings keys differ,
// and a sync must cope with both (a Bika-era lab migrates into a 2.x one).
type Flavor string

// The two flavours the simulator knows.
const (
	// Flavor2x is SENAITE 2.6.0 as released (senaite.core 2.6.0,
	// senaite.jsonapi 2.6.0, plone.jsonapi.core 0.7).
	Flavor2x Flavor = "2.x"
	// Flavor1x is a Bika LIMS / SENAITE 1.2-era lab (separate Sample
	// objects, bika_setup/bika_* folders, portal_catalog by default).
	Flavor1x Flavor = "1.x"
)

// FieldKind tells the serializer and the write path how a field's value is
// stored and shown; SENAITE's null rules depend on it.
type FieldKind uint8

// Field kinds, named after the Archetypes/Dexterity fields they stand for.
const (
	// KString is a StringField / TextLine: stored as string.
	KString FieldKind = iota
	// KText is a TextField / Text: stored as string, usually longer.
	KText
	// KBool is a BooleanField / Bool: stored as bool.
	KBool
	// KInt is an IntegerField / Int: stored as int64.
	KInt
	// KFixed is a FixedPointField (prices, VAT): stored as a decimal string
	// ("10.00"), as senaite.core does.
	KFixed
	// KDate is a DateTimeField / Datetime: stored as time.Time.
	KDate
	// KRef is a single reference: stored as the target UID string.
	KRef
	// KRefs is a multi-valued reference: stored as []string of UIDs.
	KRefs
	// KRecords is a RecordsField / datagrid: stored as []map[string]any.
	KRecords
	// KLines is a LinesField: stored as []string.
	KLines
	// KRecord is a single RecordField (an address): stored as
	// map[string]any.
	KRecord
)

// Field describes one schema field of a portal type, enough to serialize it
// with SENAITE's null rules and to validate writes the way senaite.jsonapi's
// field managers do.
type Field struct {
	// Name is the schema field name as senaite.core spells it (CamelCase for
	// Archetypes, snake_case for the Dexterity types of 2.6).
	Name string
	// Kind is how the value is stored.
	Kind FieldKind
	// Required makes create/update fail validation (400, JSON-string
	// message) when the field is empty after the write.
	Required bool
	// ReadOnly fields are computed or not writable: a write answers 401
	// "Not allowed to set the field '<name>'".
	ReadOnly bool
	// Targets are the portal types a reference may point at.
	Targets []string
	// UIDRef marks a UIDReferenceField (empty single or multi → {}); a
	// plain AT ReferenceField serializes empty as null.
	UIDRef bool
	// Unique marks a natural key that the lab refuses to duplicate among
	// objects of the same type (a service's Keyword, a client's ClientID).
	Unique bool
	// RefKeys are the keys of a KRecords field whose values are UIDs of
	// other objects (AnalysisProfile.services[].uid): a sync must translate
	// them like references.
	RefKeys []string
}

// IDFormat is the rule of SENAITE's ID server for a portal type; the
// simulator assigns ids itself and ignores any id a client sends.
type IDFormat uint8

// The id formats of content model §6.
const (
	// IDTypeSeq is "{portal_type.lower()}-{seq}": client-7, labcontact-2.
	IDTypeSeq IDFormat = iota
	// IDSample is "{sampleType prefix}-{seq:04d}" with a counter per prefix
	// (WB-0001); partitions, retests and secondaries derive from the parent.
	IDSample
	// IDWorksheet is "WS-{seq:03d}".
	IDWorksheet
	// IDBatch is "B-{seq:03d}".
	IDBatch
	// IDReferenceSample is "QC-{seq:03d}".
	IDReferenceSample
	// IDInvoice is "I-{seq:03d}".
	IDInvoice
	// IDKeyword is an analysis' service keyword, then Ca-1, Ca-2 inside the
	// same container.
	IDKeyword
	// IDFixed objects are structural: they exist from the start and are
	// never created through the API.
	IDFixed
	// IDSample1x is the Bika-era AR id "{sampleId}-R{seq:02d}".
	IDSample1x
	// IDPartition1x is the Bika-era "{sampleId}-P{seq}".
	IDPartition1x
)

// PortalType is one content type of a flavour: where it may live, how it is
// identified, catalogued and serialized.
type PortalType struct {
	// Name is the portal_type.
	Name string
	// DX marks Dexterity types: other serialization rules (empty Datetime
	// → "", fields only shown to users with Modify permission).
	DX bool
	// Catalog is the catalog this type is mapped to (2.5+ default catalog
	// selection; the 1.x flavour always answers from portal_catalog unless
	// told otherwise).
	Catalog string
	// Folderish types may hold children.
	Folderish bool
	// Allowed are the portal types that may be created inside an object of
	// this type (Plone's allowed_content_types); anything else is refused
	// with 401 "Creation of ... is not allowed".
	Allowed []string
	// IDFormat is how the ID server names new objects of this type.
	IDFormat IDFormat
	// Workflow is the workflow id (senaite_one_state_workflow, …); its
	// definition decides review states and transitions.
	Workflow string
	// Fields is the schema (beyond the always-present attributes).
	Fields []Field
	// Structural types exist on every site and cannot be created through
	// the API (portal folders, setup folders, the Laboratory).
	Structural bool
}

// Field returns the named field, or nil when the type has none by that name.
func (t *PortalType) Field(name string) *Field {
	for i := range t.Fields {
		if t.Fields[i].Name == name {
			return &t.Fields[i]
		}
	}
	return nil
}

// accessorField finds the field a getter's name stands for: AT getters
// are get<Field>, and 2.x Dexterity classes define get<Name> accessors
// over snake_case fields (getPrefix → prefix, getMinVolume → min_volume),
// which is what catalog metadata columns call.
func (t *PortalType) accessorField(name string) *Field {
	if f := t.Field(name); f != nil || !t.DX {
		return f
	}
	var b strings.Builder
	for i, r := range name {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return t.Field(b.String())
}

// Allows reports whether child may be created inside an object of type t.
func (t *PortalType) Allows(child string) bool {
	for _, a := range t.Allowed {
		if a == child {
			return true
		}
	}
	return false
}

// FixedObject is a structural object every site has from the start (the
// portal's root folders, bika_setup, the setup folders, the Laboratory).
// A sync maps these by path; they cannot be created through the API.
type FixedObject struct {
	// Path is relative to the site root, e.g. "bika_setup/bika_analysisservices".
	Path string
	// PortalType is the folder's (or singleton's) portal_type.
	PortalType string
	// Title is what the site shows.
	Title string
}

// IndexKind decides how a query parameter naming an index is converted, the
// way senaite.jsonapi's catalog module does (KeywordIndex splits on commas,
// BooleanIndex is true for any non-empty string, DateIndex is an exact match).
type IndexKind uint8

// The ZCatalog index kinds the simulator distinguishes.
const (
	FieldIndex IndexKind = iota
	KeywordIndex
	DateIndex
	BooleanIndex
	ZCTextIndex
	PathIndex
	UUIDIndex
)

// CatalogDef is one ZCatalog as /catalogs/<id> shows it: its indexes decide
// which query parameters and sort_on values take effect, its metadata columns
// decide the keys of non-complete listing items.
type CatalogDef struct {
	// ID is the catalog id, e.g. senaite_catalog_sample.
	ID string
	// Indexes maps index name to kind.
	Indexes map[string]IndexKind
	// Columns are the metadata columns (the catalog "schema").
	Columns []string
}
