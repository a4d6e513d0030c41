package sim

import (
	"fmt"
	"sort"
)

// ReferenceField is one field of a simulated portal type that carries
// references to other objects. The sync keeps its own table of such
// fields (internal/schema), written separately from the same upstream
// source; listing the simulator's lets a test hold the two to each other.
type ReferenceField struct {
	PortalType string
	Field      string
	// Kind is KRef, KRefs, KLines (lines of UIDs), KRecords or KRecord
	// (with RefKeys).
	Kind    FieldKind
	Targets []string
	// RefKeys are the UID-valued keys of a records field.
	RefKeys []string
}

// uidLines are the LinesFields whose lines are UIDs of other objects: the
// schema calls them lines, nothing in the field says what the lines are.
// Batch.BatchLabels: senaite.core src/bika/lims/content/batch.py:114
// (vocabulary of BatchLabel UIDs, read back as UIDs at :250); the same in
// 1.2.9 batch.py:127.
var uidLines = map[string]map[string][]string{
	"Batch": {"BatchLabels": {"BatchLabel"}},
}

// ReferenceFields lists the reference-carrying fields of a flavour's
// types, sorted by type and field: single and multi references, records
// fields with UID-valued keys, and LinesFields of UIDs. The simulator's
// behaviour does not depend on it.
func ReferenceFields(f Flavor) ([]ReferenceField, error) {
	fl, err := loadFlavor(f)
	if err != nil {
		return nil, err
	}
	var out []ReferenceField
	for _, t := range fl.typeOrder {
		for _, fd := range t.Fields {
			rf := ReferenceField{PortalType: t.Name, Field: fd.Name, Kind: fd.Kind}
			switch {
			case fd.Kind == KRef || fd.Kind == KRefs:
				rf.Targets = append([]string(nil), fd.Targets...)
			case (fd.Kind == KRecords || fd.Kind == KRecord) && len(fd.RefKeys) > 0:
				rf.RefKeys = append([]string(nil), fd.RefKeys...)
			case fd.Kind == KLines && uidLines[t.Name][fd.Name] != nil:
				rf.Targets = append([]string(nil), uidLines[t.Name][fd.Name]...)
			default:
				continue
			}
			out = append(out, rf)
		}
	}
	// every listed LinesField of UIDs must exist as a LinesField
	for pt, fields := range uidLines {
		for name := range fields {
			if t := fl.types[pt]; t == nil || t.Field(name) == nil || t.Field(name).Kind != KLines {
				return nil, fmt.Errorf("sim: %s flavour: %s.%s is not a LinesField", fl.flavor, pt, name)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].PortalType != out[j].PortalType {
			return out[i].PortalType < out[j].PortalType
		}
		return out[i].Field < out[j].Field
	})
	return out, nil
}

// UniqueFields lists, per type of a flavour, the fields the simulated lab
// refuses a second value of (senaite.core's unique validators), so that
// the sync's identity rules can be checked against them. The simulator's
// behaviour does not depend on it.
func UniqueFields(f Flavor) (map[string][]string, error) {
	fl, err := loadFlavor(f)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, t := range fl.typeOrder {
		for _, fd := range t.Fields {
			if fd.Unique {
				out[t.Name] = append(out[t.Name], fd.Name)
			}
		}
	}
	return out, nil
}
