// Package plan orders an import: containment (parent before child) and
// references (target before referrer) make a dependency graph, real labs
// make it cyclic (Department ↔ LabContact, Contact.CCContact, AnalysisService
// ↔ Calculation, Worksheet ↔ its analyses), and cycles are broken by
// deferring reference edges — optional ones first, containment never — to
// an update once their targets exist. Pure functions: no I/O.
package plan

import (
	"errors"
	"fmt"
	"slices"
	"sort"
)

// Node is one object to import.
type Node struct {
	UID        string
	PortalType string
	// Parent is the container's UID; a parent outside the plan (already on
	// the destination, or structural) adds no edge.
	Parent string
	Refs   []Ref
	// Sequence names the ID sequence the object is numbered in at the
	// destination (ids.Sequence.Key), "" for none: the objects of one
	// sequence are created one at a time in Order, so they must share a
	// level (a later one waiting for an earlier one in a higher level
	// would wait forever).
	Sequence string
	Order    int
	// First: every reference of the object is deferred, so that it comes
	// before everything it does not contain — bika_setup, whose ID
	// formatting must be in place before the first object is numbered.
	First bool
}

// Ref is one reference the object holds.
type Ref struct {
	Field  string
	Target string
	// Required references must be set at creation (the lab validates
	// them); they are deferred only when a cycle leaves no other way.
	Required bool
}

// Edge is a deferred reference: set by an update once Target exists.
type Edge struct {
	From, Field, To string
	// Required marks a required reference that had to be deferred: the
	// create of From will be refused unless the importer supplies a value.
	Required bool
}

// Plan is the import order.
type Plan struct {
	// Level of each object: every dependency that is not deferred has a
	// lower level, so objects of one level can be imported concurrently.
	Level map[string]int
	// Levels lists the objects of each level, sorted by UID.
	Levels [][]string
	// Deferred are the reference edges set after creation, sorted.
	Deferred []Edge
	// Sequences lists, per ID sequence kept, its objects in Order; all of
	// them share a level.
	Sequences map[string][]string
	// Unsequenced are the objects whose sequence could not share a level
	// (one of them depends on another): created as their level comes,
	// their ids may change.
	Unsequenced []string
}

// IsDeferred tells whether the reference from→field→to is set later.
func (p Plan) IsDeferred(from, field, to string) bool {
	_, ok := slices.BinarySearchFunc(p.Deferred, Edge{From: from, Field: field, To: to}, compareEdge)
	return ok
}

func compareEdge(a, b Edge) int {
	if a.From != b.From {
		return cmpString(a.From, b.From)
	}
	if a.Field != b.Field {
		return cmpString(a.Field, b.Field)
	}
	return cmpString(a.To, b.To)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Build plans the import of nodes. A duplicate UID is an error; references
// to objects outside the plan are ignored here (the importer resolves them
// on the destination or imports them on demand). It is Graph.Plan over
// strings and maps: the form tests and small plans read best; a whole
// lab is planned on a Graph built straight from the store.
func Build(nodes []Node) (Plan, error) {
	index := make(map[string]int32, len(nodes))
	for i, n := range nodes {
		if n.UID == "" {
			return Plan{}, fmt.Errorf("plan: node %d has no UID", i)
		}
		if _, dup := index[n.UID]; dup {
			return Plan{}, fmt.Errorf("plan: UID %s appears twice", n.UID)
		}
		index[n.UID] = int32(i)
	}
	g := NewGraph(len(nodes), 0)
	for _, n := range nodes {
		g.AddNode(n.First, n.Sequence, n.Order)
	}
	for i, n := range nodes {
		if p, ok := index[n.Parent]; ok && p != int32(i) {
			if err := g.AddEdge(int32(i), p, "", false, false); err != nil {
				return Plan{}, err
			}
		}
		for _, r := range n.Refs {
			if t, ok := index[r.Target]; ok {
				if err := g.AddEdge(int32(i), t, r.Field, true, r.Required); err != nil {
					return Plan{}, err
				}
			}
		}
	}
	l, err := g.Plan()
	if err != nil {
		var ce *CycleError
		if errors.As(err, &ce) {
			return Plan{}, fmt.Errorf("plan: %s is in a containment cycle", nodes[ce.Object].UID)
		}
		return Plan{}, err
	}
	p := Plan{Level: make(map[string]int, len(nodes)), Levels: make([][]string, l.Levels),
		Sequences: map[string][]string{}}
	for i, n := range nodes {
		lv := int(l.Level[i])
		p.Level[n.UID] = lv
		p.Levels[lv] = append(p.Levels[lv], n.UID)
		if key, pos, ok := l.Sequence(int32(i)); ok {
			seq := p.Sequences[key]
			for len(seq) <= pos {
				seq = append(seq, "")
			}
			seq[pos] = n.UID
			p.Sequences[key] = seq
		} else if l.Unsequenced(int32(i)) {
			p.Unsequenced = append(p.Unsequenced, n.UID)
		}
	}
	for _, lv := range p.Levels {
		sort.Strings(lv)
	}
	sort.Strings(p.Unsequenced)
	_ = l.EachDeferred(func(from, to int32, field string, required bool) error {
		p.Deferred = append(p.Deferred, Edge{From: nodes[from].UID, Field: field, To: nodes[to].UID, Required: required})
		return nil
	})
	slices.SortFunc(p.Deferred, compareEdge)
	p.Deferred = slices.CompactFunc(p.Deferred, func(a, b Edge) bool { return compareEdge(a, b) == 0 })
	return p, nil
}
