package importer

import (
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
// (ids.Of, with the source's ID formats): the plan gives each sequence's
// objects one level, and the import creates them one at a time in the
// source's order, so that an empty destination gives back the source's ids.
// destType maps a source type to its destination self (a 1.x source's
// renamed); objects already imported, structural ones and those the
// destination makes itself are left out.
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
		if o.State != store.ObjFetched || schema.Structural(o.PortalType, o.SourcePath) {
			continue
		}
		obj := ids.Object{PortalType: destType(o.PortalType), ID: o.SourcePath[strings.LastIndexByte(o.SourcePath, '/')+1:],
			Container: o.ParentUID}
		if p, ok := byUID[o.ParentUID]; ok && o.PortalType == "Analysis" && objs[p].PortalType == "AnalysisRequest" {
			continue // made by the destination with its sample, in the order of its services
		}
		for _, r := range refLists[i] {
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
			continue
		}
		if seq, ok, _ := ids.Of(formats, obj); ok {
			nodes[n].Sequence, nodes[n].Order = seq.Key, seq.Seq
		} else if seq, ok := ids.OfBika(obj.ID); ok && bika && obj.PortalType == "AnalysisRequest" {
			nodes[n].Sequence, nodes[n].Order = seq.Key, seq.Seq
		}
	}
}
