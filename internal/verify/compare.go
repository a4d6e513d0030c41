// Package verify compares a source lab with a destination object by
// object through the identity table (ARCHITECTURE.md §5): counts per
// type, every writable field with references translated, review states
// and containment. Compare is pure; Read fetches what it compares.
package verify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"

	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// Kinds of difference.
const (
	// KindMissing: a source object has no replica on the destination, or
	// its replica is gone.
	KindMissing = "missing"
	// KindField: a writable field differs once references are translated.
	KindField = "field"
	// KindState: the review states differ.
	KindState = "state"
	// KindParent: the replica lives in another container than the
	// source's container's replica.
	KindParent = "parent"
	// KindType: the replica is of another portal type.
	KindType = "type"
)

// Object is what verify needs of an item.
type Object struct {
	UID        string
	PortalType string
	Path       string
	ParentUID  string
	State      string
	Fields     map[string]json.RawMessage
}

// FromItem keeps what Compare reads of a fetched item.
func FromItem(it senaite.Item) Object {
	return Object{UID: it.UID, PortalType: it.PortalType, Path: it.Path, ParentUID: it.ParentUID,
		State: it.ReviewState, Fields: it.Raw}
}

// Difference is one way a replica is not what its source is.
type Difference struct {
	Kind           string `json:"kind"`
	PortalType     string `json:"portal_type"`
	SourceUID      string `json:"source_uid"`
	SourcePath     string `json:"source_path"`
	DestinationUID string `json:"destination_uid,omitempty"`
	Field          string `json:"field,omitempty"`
	Source         string `json:"source,omitempty"`
	Destination    string `json:"destination,omitempty"`
}

func (d Difference) String() string {
	s := fmt.Sprintf("%s %s %s", d.Kind, d.PortalType, d.SourcePath)
	if d.Field != "" {
		s += " " + d.Field
	}
	if d.Source != "" || d.Destination != "" {
		s += fmt.Sprintf(": source %s, destination %s", d.Source, d.Destination)
	}
	return s
}

// Report is the outcome of a comparison.
type Report struct {
	// Source and Destination count objects per portal type; Destination
	// counts only replicas of compared source objects.
	Source      map[string]int `json:"source"`
	Destination map[string]int `json:"destination"`
	Differences []Difference   `json:"differences"`
}

// Clean tells whether the destination holds every source object as it is.
func (r Report) Clean() bool { return len(r.Differences) == 0 }

// Compare checks every source object against its replica; replicas maps
// source UIDs to destination UIDs. Fields the destination sets itself or
// that a create never sends (schema.Sendable) are not compared.
func Compare(src, dst []Object, replicas map[string]string) Report {
	rep := Report{Source: map[string]int{}, Destination: map[string]int{}}
	byUID := make(map[string]Object, len(dst))
	for _, o := range dst {
		byUID[o.UID] = o
	}
	tr := func(uid string) (string, bool) {
		if uid == PortalUID {
			return uid, true
		}
		d, ok := replicas[uid]
		return d, ok
	}
	for _, s := range src {
		rep.Source[s.PortalType]++
		diff := Difference{PortalType: s.PortalType, SourceUID: s.UID, SourcePath: s.Path}
		dUID, ok := replicas[s.UID]
		d, found := byUID[dUID]
		if !ok || !found {
			diff.Kind = KindMissing
			diff.DestinationUID = dUID
			rep.Differences = append(rep.Differences, diff)
			continue
		}
		rep.Destination[d.PortalType]++
		diff.DestinationUID = d.UID
		add := func(kind, field, a, b string) {
			x := diff
			x.Kind, x.Field, x.Source, x.Destination = kind, field, a, b
			rep.Differences = append(rep.Differences, x)
		}
		if s.PortalType != d.PortalType {
			add(KindType, "", s.PortalType, d.PortalType)
			continue
		}
		if s.State != d.State {
			add(KindState, "", s.State, d.State)
		}
		if schema.Structural(s.PortalType, s.Path) {
			// folders and singletons are the destination's own, mapped by
			// path (or by type where a release moved them: 2.6's setup
			// folders); their settings travel with import_settings
			continue
		}
		if p, ok := tr(s.ParentUID); !ok || p != d.ParentUID {
			add(KindParent, "", s.ParentUID+" → "+p, d.ParentUID)
		}
		for _, f := range fieldDiffs(s, d, tr) {
			add(KindField, f.field, f.src, f.dst)
		}
	}
	sort.SliceStable(rep.Differences, func(i, j int) bool {
		a, b := rep.Differences[i], rep.Differences[j]
		if a.PortalType != b.PortalType {
			return a.PortalType < b.PortalType
		}
		return a.SourcePath < b.SourcePath
	})
	return rep
}

// PortalUID is the UID senaite.jsonapi gives the site itself, the parent
// of top-level folders; it is the same on every lab.
const PortalUID = "0"

type fieldDiff struct{ field, src, dst string }

// FieldDiff is a writable field whose value differs between a source
// object and its copy, references translated; Source and Destination are
// the values as the labs show them.
type FieldDiff struct{ Field, Source, Destination string }

// FieldDiffs is Compare's field rule on its own: the update step writes
// only what it lists, and a conflict records it.
func FieldDiffs(s, d Object, tr refs.Translate) []FieldDiff {
	var out []FieldDiff
	for _, f := range fieldDiffs(s, d, tr) {
		out = append(out, FieldDiff{f.field, f.src, f.dst})
	}
	return out
}

// fieldDiffs compares the writable fields of s and d, references of s
// translated; a field empty on both sides is equal whatever its form.
func fieldDiffs(s, d Object, tr refs.Translate) []fieldDiff {
	keys := map[string]bool{}
	for k := range s.Fields {
		keys[k] = true
	}
	for k := range d.Fields {
		keys[k] = true
	}
	var out []fieldDiff
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		if schema.Sendable(s.PortalType, k) && !schema.LabSet(s.PortalType, k) {
			sorted = append(sorted, k)
		}
	}
	sort.Strings(sorted)
	same := func(uid string) (string, bool) { return uid, true }
	for _, k := range sorted {
		a, unmapped := normalize(s.PortalType, k, s.Fields[k], tr)
		b, _ := normalize(s.PortalType, k, d.Fields[k], same)
		if len(unmapped) > 0 || !reflect.DeepEqual(a, b) {
			out = append(out, fieldDiff{k, show(s.Fields[k]), show(d.Fields[k])})
		}
	}
	return out
}

// normalize decodes a value with its UIDs mapped; every empty form (null,
// "", [], {}) is nil, as a create leaves an empty field out.
func normalize(portalType, field string, raw json.RawMessage, tr refs.Translate) (any, []refs.Ref) {
	if len(raw) == 0 {
		return nil, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return string(raw), nil
	}
	if refs.IsEmpty(v) {
		return nil, nil
	}
	out, missing := refs.Rewrite(portalType, field, v, tr)
	if list, ok := out.([]any); ok && allUIDs(list) {
		// a multi-valued reference is a set: its order is the catalog's
		sort.Slice(list, func(i, j int) bool { return list[i].(string) < list[j].(string) })
		out = slices.CompactFunc(list, func(a, b any) bool { return a == b })
	}
	return out, missing
}

func allUIDs(list []any) bool {
	for _, e := range list {
		if s, ok := e.(string); !ok || !refs.IsUID(s) {
			return false
		}
	}
	return true
}

// show shortens a value for a report line.
func show(raw json.RawMessage) string {
	s := string(raw)
	if s == "" {
		s = "(absent)"
	}
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}
