package importer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/senaite-sync/senaite-sync/internal/ids"
	"github.com/senaite-sync/senaite-sync/internal/plan"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// PlanNodes turns stored objects into the import plan's input. A sample
// also depends on the services of its analyses (it is created with them),
// and references carry whether the destination requires them at creation
// (required; nil asks schema.RequiredRef — a 1.x source's fields are asked
// under the 2.x names they take, where a field optional in 1.2, such as a
// department's manager, became required).
func PlanNodes(objs []store.Stored, refLists [][]string, include func(store.Stored) bool,
	required func(portalType, field string) bool) []plan.Node {
	if required == nil {
		required = schema.RequiredRef
	}
	byUID := make(map[string]int, len(objs))
	firstOfType := map[string]string{}
	for i, o := range objs {
		byUID[o.SourceUID] = i
		if _, ok := firstOfType[o.PortalType]; !ok && (include == nil || include(o)) {
			firstOfType[o.PortalType] = o.SourceUID
		}
	}
	childRefs := map[string][]plan.Ref{}
	for i, o := range objs {
		if o.PortalType != "Analysis" {
			continue
		}
		if p, ok := byUID[o.ParentUID]; ok && objs[p].PortalType == "AnalysisRequest" {
			for _, r := range refLists[i] {
				if field, uid, ok := strings.Cut(r, ":"); ok && field == "AnalysisService" {
					childRefs[o.ParentUID] = append(childRefs[o.ParentUID], plan.Ref{Field: "Analyses.service", Target: uid, Required: true})
				}
			}
		}
	}
	var nodes []plan.Node
	for i, o := range objs {
		if include != nil && !include(o) {
			continue
		}
		n := plan.Node{UID: o.SourceUID, PortalType: o.PortalType, Parent: o.ParentUID,
			// the setups' fields (ID formatting!) are written before anything
			// is created; their references follow in the deferred pass
			First: o.PortalType == "BikaSetup" || o.PortalType == "Setup"}
		for _, r := range refLists[i] {
			field, uid, ok := strings.Cut(r, ":")
			if standIn, isStandIn := strings.CutPrefix(field, "~"); isStandIn {
				// a withheld reference some object of type uid stands in
				// for: after one of them, required (schema.StandIns)
				if first, ok := firstOfType[uid]; ok && first != o.SourceUID {
					n.Refs = append(n.Refs, plan.Ref{Field: standIn, Target: first, Required: true})
				}
				continue
			}
			if !ok || o.PortalType == "AnalysisRequest" && field == "Analyses" {
				// a sample's analyses are its children, made by the destination
				continue
			}
			n.Refs = append(n.Refs, plan.Ref{Field: field, Target: uid, Required: required(o.PortalType, field)})
		}
		n.Refs = append(n.Refs, childRefs[o.SourceUID]...)
		nodes = append(nodes, n)
	}
	return nodes
}

// Sequence places the objects to create in the destination's ID numbering
// (sequenceOf): nodes are PlanNodes' of objs, in memory, as tests plan.
func Sequence(nodes []plan.Node, objs []store.Stored, refLists [][]string, formats []ids.Format,
	destType func(string) string, bika bool) {
	byUID := make(map[string]int, len(objs))
	for i, o := range objs {
		byUID[o.SourceUID] = i
	}
	for n := range nodes {
		i, ok := byUID[nodes[n].UID]
		if !ok {
			continue
		}
		o := objs[i]
		po := store.PlanObject{SourceUID: o.SourceUID, PortalType: o.PortalType, SourcePath: o.SourcePath,
			ParentUID: o.ParentUID, State: o.State}
		if p, ok := byUID[o.ParentUID]; ok {
			po.ParentType = objs[p].PortalType
		}
		for _, r := range refLists[i] {
			if f, _, _ := strings.Cut(r, ":"); seqRefs[f] {
				po.Refs = append(po.Refs, r)
			}
		}
		if key, order, ok := sequenceOf(po, formats, destType, bika); ok {
			nodes[n].Sequence, nodes[n].Order = key, order
		}
	}
}

// seqRefs are the reference fields an object's ID sequence depends on
// (among store.PlanObject.Refs).
var seqRefs = map[string]bool{"ParentAnalysisRequest": true, "PrimaryAnalysisRequest": true, "Invalidated": true}

// sequenceOf places an object to create in the destination's ID numbering
// (ids.Of, with the source's ID formats): the plan gives each sequence's
// objects one level, and the import creates them one at a time in the
// source's order, so that an empty destination gives back the source's ids.
// destType maps a source type to its destination self (a 1.x source's
// renamed); objects already imported, structural ones and those the
// destination makes itself (a sample's analyses, retests) are in none.
func sequenceOf(o store.PlanObject, formats []ids.Format, destType func(string) string, bika bool) (key string, order int, ok bool) {
	if o.State != store.ObjFetched || schema.Structural(o.PortalType, o.SourcePath) {
		return "", 0, false
	}
	if o.PortalType == "Analysis" && o.ParentType == "AnalysisRequest" {
		return "", 0, false // made by the destination with its sample, in the order of its services
	}
	obj := ids.Object{PortalType: destType(o.PortalType), ID: o.SourcePath[strings.LastIndexByte(o.SourcePath, '/')+1:],
		Container: o.ParentUID}
	for _, r := range o.Refs {
		field, uid, _ := strings.Cut(r, ":")
		switch field {
		case "ParentAnalysisRequest":
			obj.Partition = uid
		case "PrimaryAnalysisRequest":
			obj.Secondary = uid
		case "Invalidated":
			obj.PortalType = "" // a retest: made by a transition at the destination
		}
	}
	if obj.PortalType == "" {
		return "", 0, false
	}
	if seq, ok, _ := ids.Of(formats, obj); ok {
		return seq.Key, seq.Seq, true
	}
	if seq, ok := ids.OfBika(obj.ID); ok && bika && obj.PortalType == "AnalysisRequest" {
		return seq.Key, seq.Seq, true
	}
	return "", 0, false
}

// Lab is a remote's import plan: its objects' source UIDs in plan order,
// numbered as the plan numbers them, and the planned graph.
type Lab struct {
	UIDs   []string
	Layout *plan.Layout
	// Edges is how many dependencies the plan weighed.
	Edges int
	// early is each object's plan.Early flags (EarlyFamilies).
	early []uint8
}

// EarlyFamilies lists the families of samples the early replay may take
// before the whole lab's objects have landed, and what each waits for
// (plan.Layout.EarlyFamilies, by UID); it returns how many there are.
func (l *Lab) EarlyFamilies(emit func(root, obj string, kind plan.EarlyKind) error) (int, error) {
	if l.Layout == nil {
		return 0, nil
	}
	return l.Layout.EarlyFamilies(l.early, func(a, b int32) bool { return l.UIDs[a] < l.UIDs[b] },
		func(root, obj int32, kind plan.EarlyKind) error { return emit(l.UIDs[root], l.UIDs[obj], kind) })
}

// PlanLab plans a remote's import from the store (PlanNodes' and
// Sequence's rules, which TestPlanLabMatchesPlanNodes holds it to),
// without holding the lab in memory: the store streams objects and
// dependencies as numbers (store.PlanGraph), and the plan keeps a UID and
// a few numbers per object and per dependency — about 150 bytes an object
// with its dependencies, where objects, maps and strings took some 2 KB
// (issue #13). required says which reference fields the lab requires at
// creation (nil: schema.RequiredRef).
func PlanLab(ctx context.Context, st *store.Store, remoteID int64, required func(portalType, field string) bool,
	formats []ids.Format, destType func(string) string, bika bool) (*Lab, error) {
	return planLab(ctx, st, remoteID, required, formats, destType, bika, nil)
}

// planLab is PlanLab telling observe, when set, every dependency it adds.
func planLab(ctx context.Context, st *store.Store, remoteID int64, required func(portalType, field string) bool,
	formats []ids.Format, destType func(string) string, bika bool,
	observe func(from, to int32, field string, ref, required bool)) (*Lab, error) {
	if required == nil {
		required = schema.RequiredRef
	}
	var (
		g      *plan.Graph
		uids   []string
		early  []uint8  // each object's plan.Early flags
		types  []uint16 // each object's portal type, interned
		typeOf = map[string]uint16{}
		names  []string              // the portal types
		first  []int32               // the first object of each type, in plan order
		fields = map[string]string{} // field names, interned
		req    = map[[2]string]bool{}
		// stand-ins: rare (withheld references of inactive objects), kept
		// by object until the dependencies reach it
		standIns = map[int32][][2]string{}
		flushed  int32
		edges    int
	)
	add := func(from, to int32, field string, ref, required bool) error {
		edges++
		if observe != nil {
			observe(from, to, field, ref, required)
		}
		return g.AddEdge(from, to, field, ref, required)
	}
	// a withheld reference waits for the first object of the type standing
	// in for it (schema.StandIns), required — added with the object's
	// other dependencies: edges come object by object
	flush := func(upTo int32) error {
		for ; flushed <= upTo; flushed++ {
			for _, si := range standIns[flushed] {
				if t, ok := typeOf[si[1]]; ok && first[t] != flushed {
					if err := add(flushed, first[t], si[0], true, true); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	objects, _, err := st.PlanGraph(ctx, remoteID, store.PlanReader{
		Size: func(n, refs int) {
			g = plan.NewGraph(n, refs+2*n)
			uids = make([]string, 0, n)
			early = make([]uint8, 0, n)
			types = make([]uint16, 0, n)
		},
		Object: func(o store.PlanObject) error {
			i := int32(len(uids))
			t, ok := typeOf[o.PortalType]
			if !ok {
				t = uint16(len(names))
				names = append(names, o.PortalType)
				first = append(first, i)
				typeOf[o.PortalType] = t
			}
			for _, r := range o.Refs {
				if field, pt, ok := strings.Cut(r, ":"); ok && strings.HasPrefix(field, "~") {
					standIns[i] = append(standIns[i], [2]string{field[1:], pt})
				}
			}
			key, order, _ := sequenceOf(o, formats, destType, bika)
			// the setups' fields (ID formatting!) are written before anything
			// is created; their references follow in the deferred pass
			g.AddNode(o.PortalType == "BikaSetup" || o.PortalType == "Setup", key, order)
			uids = append(uids, o.SourceUID)
			early = append(early, earlyFlags(o))
			types = append(types, t)
			return nil
		},
		Edge: func(from, to int32, raw []byte, kind store.PlanEdgeKind) error {
			if err := flush(from); err != nil {
				return err
			}
			if kind == store.PlanContainment {
				return add(from, to, "", false, false)
			}
			field, ok := fields[string(raw)]
			if !ok {
				field = string(raw)
				fields[field] = field
			}
			if kind != store.PlanReference {
				return add(from, to, field, true, true)
			}
			k := [2]string{names[types[from]], field}
			r, ok := req[k]
			if !ok {
				r = required(k[0], k[1])
				req[k] = r
			}
			return add(from, to, field, true, r)
		},
	})
	if err != nil {
		return nil, err
	}
	if objects == 0 {
		return &Lab{}, nil
	}
	if err := flush(int32(objects - 1)); err != nil {
		return nil, err
	}
	l, err := g.Plan()
	if err != nil {
		var ce *plan.CycleError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("plan: %s is in a containment cycle", uids[ce.Object])
		}
		return nil, err
	}
	return &Lab{UIDs: uids, Layout: l, Edges: edges, early: early}, nil
}

// earlyFlags is what the early replay's families are planned by of an
// object: a sample; one this import brings (still to import, parked, or
// failed before: the plan puts them back); one whose copy is there.
func earlyFlags(o store.PlanObject) uint8 {
	var f uint8
	if o.PortalType == "AnalysisRequest" {
		f |= plan.EarlyIsSample
	}
	switch o.State {
	case store.ObjFetched, store.ObjWaiting, store.ObjFailed:
		f |= plan.EarlyToImport
	case store.ObjImported, store.ObjUnchanged:
		f |= plan.EarlyCopied
	}
	return f
}
