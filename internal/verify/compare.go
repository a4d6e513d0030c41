// Package verify compares a source lab with a destination object by
// object through the identity table (ARCHITECTURE.md §5): every value the
// source shows — setup singletons included — with references resolved
// through the identity table, a destination reference to nothing
// ("dangling") as a difference of its own, ids, review states and
// containment. What it cannot compare it names, with a count and the
// reason (classes.go).
//
// It shares no code with the importer's translation (internal/refs) or
// its idea of which fields a create sends (schema.Sendable): a bug there
// must not hide itself here. Compare is pure; the fetcher reads what it
// compares.
package verify

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// Kinds of difference.
const (
	// KindMissing: a source object has no replica on the destination, or
	// its replica is gone.
	KindMissing = "missing"
	// KindField: a value differs once references are resolved.
	KindField = "field"
	// KindState: the review states differ.
	KindState = "state"
	// KindParent: the replica lives in another container than the
	// source's container's replica.
	KindParent = "parent"
	// KindType: the replica is of another portal type.
	KindType = "type"
	// KindID: the replica has another id than its source.
	KindID = "id"
	// KindDangling: a destination value refers to a UID that names no
	// object of the destination (a source UID left untranslated, or a copy
	// that is gone).
	KindDangling = "dangling"
)

// Object is what verify needs of an item.
type Object struct {
	UID        string
	ID         string
	PortalType string
	Path       string
	ParentUID  string
	State      string
	Fields     map[string]json.RawMessage
}

// FromItem keeps what Compare reads of a fetched item.
func FromItem(it senaite.Item) Object {
	return Object{UID: it.UID, ID: it.ID, PortalType: it.PortalType, Path: it.Path, ParentUID: it.ParentUID,
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

// Input is one comparison: source objects (as their destination selves),
// the destination's copies, and what verify knows of both labs.
type Input struct {
	Source []Object
	Copies []Object
	// Replicas maps source UIDs to their copies' UIDs (the identity
	// table), for every UID the source objects mention.
	Replicas map[string]string
	// Exists tells whether a UID names an object of the destination; nil
	// trusts every UID the destination shows.
	Exists func(destUID string) bool
	// LeftOut are source UIDs the remote leaves out on purpose (skipped,
	// gone at the source); Foreign are destination UIDs of objects the
	// source has no copy of (the destination's own, in two-way topologies).
	// A value that mentions either is partial by design: not compared.
	LeftOut, Foreign map[string]bool
	// Own are destination UIDs of objects that are not copies this
	// source's import created — the object's origin is the destination,
	// or an existing object was linked (a natural-key merge): their ids
	// are the destination's own, not compared.
	Own map[string]bool
	// Merged are source UIDs the import linked to the destination object
	// that held their natural key (another lab's copy, or the
	// destination's own): that object keeps its values. Verify checks the
	// key, the type and the container; the rest is the merge's, listed
	// with its differences for a person to decide.
	Merged map[string]bool
	// Taken tells whether, in a destination gathering several labs'
	// objects of the type, another object holds id: a copy could not keep
	// its source's id there (one counter numbers them all). nil: none.
	Taken func(portalType, id string) bool
	// Labelled are the portal types whose copies the remote labels with
	// their origin (its prefixable types): at the destination they are
	// numbered by its own ID server, by design, and the label says where
	// they came from — their ids are not compared.
	Labelled map[string]bool
}

// Report is the outcome of a comparison.
type Report struct {
	// Source and Destination count objects per portal type; Destination
	// counts only replicas of compared source objects.
	Source      map[string]int `json:"source"`
	Destination map[string]int `json:"destination"`
	Differences []Difference   `json:"differences"`
	// NotCompared counts, per class, the values left out, with the reason.
	NotCompared map[string]Tally `json:"not_compared,omitempty"`
}

// Tally is how many values a class left out of a comparison, and why.
type Tally struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// Clean tells whether the destination holds every source object as it is.
func (r Report) Clean() bool { return len(r.Differences) == 0 }

func (r *Report) skip(c Class) {
	if r.NotCompared == nil {
		r.NotCompared = map[string]Tally{}
	}
	t := r.NotCompared[c.Name]
	t.Reason = c.Reason
	t.Count++
	r.NotCompared[c.Name] = t
}

// unreadableKey marks an item the source could not show completely
// (fetcher.Unreadable).
const unreadableKey = "_unreadable"

// PortalUID is the UID senaite.jsonapi gives the site itself, the parent
// of top-level folders; it is the same on every lab.
const PortalUID = "0"

// Compare checks every source object against its replica.
func Compare(in Input) Report {
	rep := Report{Source: map[string]int{}, Destination: map[string]int{}}
	byUID := make(map[string]Object, len(in.Copies))
	for _, o := range in.Copies {
		byUID[o.UID] = o
	}
	exists := in.Exists
	if exists == nil {
		exists = func(string) bool { return true }
	}
	for _, s := range in.Source {
		rep.Source[s.PortalType]++
		diff := Difference{PortalType: s.PortalType, SourceUID: s.UID, SourcePath: s.Path}
		dUID, ok := in.Replicas[s.UID]
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
		if _, bad := s.Fields[unreadableKey]; bad {
			rep.skip(ClassUnreadable)
			continue
		}
		if in.Merged[s.UID] {
			compareMerged(&rep, s, d, in, add)
			continue
		}
		if s.State != d.State {
			add(KindState, "", s.State, d.State)
		}
		if schema.Structural(s.PortalType, s.Path) && !Singleton(s.PortalType) {
			// the portal's and the setup's folders are the destination's own,
			// mapped by path (or by type where a release moved them)
			rep.skip(ClassFolders)
			continue
		}
		ownID := in.Own[d.UID]
		if !schema.Structural(s.PortalType, s.Path) {
			switch {
			case ownID:
				rep.skip(ClassOwnIDs)
			case in.Labelled[s.PortalType]:
				rep.skip(ClassLabelled)
			case s.ID != d.ID && in.Taken != nil && in.Taken(d.PortalType, s.ID):
				rep.skip(ClassIDTaken)
			case s.ID != d.ID:
				add(KindID, "id", s.ID, d.ID)
			}
			if p, ok := translateUID(s.ParentUID, in.Replicas); !ok || p != d.ParentUID {
				add(KindParent, "", s.ParentUID+" → "+p, d.ParentUID)
			}
		}
		compareFields(&rep, s, d, in, exists, add, s.ID != d.ID)
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

// compareFields compares every value either side shows, but the classes
// verify cannot compare (classes.go).
func compareFields(rep *Report, s, d Object, in Input, exists func(string) bool,
	add func(kind, field, a, b string), idsDiffer bool) {
	keys := make([]string, 0, len(s.Fields)+len(d.Fields))
	for k := range s.Fields {
		keys = append(keys, k)
	}
	for k := range d.Fields {
		if _, ok := s.Fields[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if c, skip := classOf(s.PortalType, k); skip {
			rep.skip(c)
			continue
		}
		sraw, inSource := s.Fields[k]
		draw, inDest := d.Fields[k]
		if !inSource || !inDest {
			// the whole item of one side lacks the key: a field of one
			// release only (a 1.x source's, a 2.x destination's)
			rep.skip(ClassOneRelease)
			continue
		}
		if k == "title" && idsDiffer && titleIsID(sraw, s.ID) && titleIsID(draw, d.ID) {
			// the title is the id (samples, worksheets): judged with it
			rep.skip(ClassTitleIsID)
			continue
		}
		sv, dv := decode(s.Fields[k]), decode(d.Fields[k])
		for _, u := range uidsIn(dv) {
			if u != PortalUID && !exists(u) {
				what := u
				if _, isSource := in.Replicas[u]; isSource {
					what += " (a source UID, untranslated)"
				}
				add(KindDangling, k, "", what)
			}
		}
		if mentions(sv, in.LeftOut) || mentions(dv, in.Foreign) {
			rep.skip(ClassLeftOut)
			continue
		}
		a := canonical(resolve(sv, in.Replicas))
		b := canonical(resolve(dv, nil))
		if !equal(a, b) {
			add(KindField, k, show(s.Fields[k]), show(d.Fields[k]))
		}
	}
}

// compareMerged judges an object linked by its natural key: the same type
// (checked by the caller), the same key, the same container; its other
// values and its review state are the destination object's own.
func compareMerged(rep *Report, s, d Object, in Input, add func(kind, field, a, b string)) {
	rule, ok := schema.Identity(s.PortalType)
	if !ok {
		add(KindField, "", "linked by a natural key", "its type has no identity rule")
		return
	}
	a, b := keyValue(s.Fields[rule.Field]), keyValue(d.Fields[rule.Field])
	if a == "" || a != b {
		add(KindField, rule.Field, show(s.Fields[rule.Field]), show(d.Fields[rule.Field]))
	}
	if p, ok := translateUID(s.ParentUID, in.Replicas); !ok || p != d.ParentUID {
		add(KindParent, "", s.ParentUID+" → "+p, d.ParentUID)
	}
	rep.skip(ClassMerged)
}

// keyValue is a natural key's value as the destination's validators
// compare it (surrounding blanks are not part of it).
func keyValue(raw json.RawMessage) string {
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	return strings.TrimSpace(v)
}

// titleIsID tells whether a title shown is the object's id.
func titleIsID(raw json.RawMessage, id string) bool {
	var s string
	return json.Unmarshal(raw, &s) == nil && s == id
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
