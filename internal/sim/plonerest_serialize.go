package sim

import (
	"fmt"
	"strings"
	"time"
)

// plone.restapi's serialization of a content object (serializer/
// atcontent.py, atfields.py, dxcontent.py, dxfields.py, summary.py,
// converters.py).

// restSerialize is ISerializeToJson for the object (serializer/atcontent.py
// and dxcontent.py): identity, parent summary, neighbours, components and
// every field as its accessor answers it. A value with no JSON converter
// raises TypeError (converters.py default_converter), as an AT
// UIDReferenceField's objects do.
func (l *Lab) restSerialize(o *Object, c *reqCtx) (map[string]any, *restRaise) {
	u := c.u.objectURL(o)
	out := map[string]any{
		"@id": u, "id": o.ID, "@type": o.Type.Name, "UID": o.UID, "version": "current",
		"parent": l.restSummary(o.Parent, c), "review_state": nullIfEmpty(o.State),
		"is_folderish": false, "previous_item": map[string]any{}, "next_item": map[string]any{},
	}
	comps := map[string]any{}
	for _, name := range []string{"actions", "breadcrumbs", "contextnavigation", "navigation", "navroot",
		"types", "workflow"} {
		comps[name] = map[string]any{"@id": u + "/@" + name}
	}
	out["@components"] = comps
	if p := o.Parent; p != nil {
		for i, sib := range p.children {
			if sib != o {
				continue
			}
			if i > 0 {
				out["previous_item"] = l.restNeighbour(p.children[i-1], c)
			}
			if i+1 < len(p.children) {
				out["next_item"] = l.restNeighbour(p.children[i+1], c)
			}
		}
	}
	if o.Type.DX {
		out["layout"] = "view"
		out["created"] = restDate(o.Created)
		out["modified"] = restDate(o.Modified)
		out["lock"] = map[string]any{"locked": false, "stealable": true}
		out["allow_discussion"] = false
		for i := range o.Type.Fields {
			f := &o.Type.Fields[i]
			v, ok := l.dxStored(o, f.Name)
			out[f.Name] = l.restDXValue(o, f, v, ok)
		}
	} else {
		out["layout"] = "base_view"
		out["title"] = o.Title
		out["description"] = map[string]any{"content-type": "text/plain", "data": o.Description}
		for i := range o.Type.Fields {
			f := &o.Type.Fields[i]
			v, r := l.restATValue(o, f, c.u)
			if r != nil {
				return nil, r
			}
			out[f.Name] = v
		}
	}
	if o.Type.Folderish {
		out["is_folderish"] = true
		items := []any{}
		for i, ch := range o.children {
			if i == 25 {
				break // HypermediaBatch's default page
			}
			items = append(items, l.restSummary(ch, c))
		}
		out["items"] = items
		out["items_total"] = len(o.children)
		if len(o.children) > 25 {
			last := (len(o.children) - 1) / 25 * 25
			out["batching"] = map[string]any{"@id": u, "first": fmt.Sprintf("%s?b_start=0", u),
				"next": fmt.Sprintf("%s?b_start=25", u), "last": fmt.Sprintf("%s?b_start=%d", u, last)}
		}
	}
	return out, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// restDate is datetimelike_to_iso (converters.py): timezone-aware dates
// in UTC, ISO 8601 with seconds.
func restDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

// restSummary is the default summary of a content object (summary.py):
// @id, @type, description, review_state, title; the site root's has no
// review_state.
func (l *Lab) restSummary(o *Object, c *reqCtx) map[string]any {
	if o == nil {
		return map[string]any{}
	}
	if o == l.portal {
		return map[string]any{"@id": c.u.objectURL(o), "@type": "Plone Site", "title": o.Title,
			"description": o.Description}
	}
	return map[string]any{"@id": c.u.objectURL(o), "@type": o.Type.Name, "title": o.Title,
		"description": o.Description, "review_state": nullIfEmpty(o.State)}
}

// restNeighbour is NextPrevious's item info.
func (l *Lab) restNeighbour(o *Object, c *reqCtx) map[string]any {
	return map[string]any{"@id": c.u.objectURL(o), "@type": o.Type.Name, "title": o.Title,
		"description": o.Description}
}

// restATValue is an AT field's serializer (atfields.py): the accessor's
// value, text fields as {"content-type", "data"}, no converter for
// content objects (a 2.x UIDReferenceField's accessor answers objects).
func (l *Lab) restATValue(o *Object, f *Field, u urls) (any, *restRaise) {
	v := l.atAccessorValue(o, f)
	switch f.Kind {
	case KString:
		if v == nil {
			return "", nil
		}
		return v, nil
	case KFixed:
		if v == nil {
			return "0.00", nil
		}
		return v, nil
	case KText:
		s, _ := v.(string)
		ct := "text/plain"
		if strings.Contains(s, "<") && strings.Contains(s, ">") {
			ct = "text/html"
		}
		return map[string]any{"content-type": ct, "data": s}, nil
	case KBool:
		b, _ := v.(bool)
		return b, nil
	case KInt:
		return v, nil
	case KDate:
		if t, ok := v.(time.Time); ok && !t.IsZero() {
			return restDate(t), nil
		}
		return nil, nil
	case KRef, KRefs:
		var uids []string
		switch x := v.(type) {
		case string:
			if x != "" {
				uids = []string{x}
			}
		case []string:
			uids = x
		}
		var objs []*Object
		for _, uid := range uids {
			if t := l.byUID[uid]; t != nil {
				objs = append(objs, t)
			}
		}
		if len(objs) > 0 && (f.UIDRef || o.Type.Name == "AnalysisRequest") {
			t := objs[0]
			return nil, raise(500, "TypeError", "No converter for making <%s at %s> (<class '%s'>) JSON compatible.",
				t.Type.Name, t.Path, pyClass(t.Type))
		}
		refs := []any{}
		for _, t := range objs {
			refs = append(refs, u.objectURL(t))
		}
		if f.Kind == KRef {
			if len(refs) == 0 {
				return nil, nil
			}
			return refs[0], nil
		}
		return refs, nil
	case KRecords, KLines:
		if v == nil {
			return []any{}, nil
		}
		return v, nil
	case KRecord:
		if v == nil {
			return map[string]any{}, nil
		}
		return v, nil
	}
	return v, nil
}

// restDXValue is a DX field's serializer (dxfields.py): the attribute's
// value; a RichTextValue as {"content-type", "data", "encoding"}; a
// RichText field never saved answers its default as a plain string, which
// json_compatible(value, context) turns into None (converters.py:69-78).
func (l *Lab) restDXValue(o *Object, f *Field, v any, ok bool) any {
	if !ok {
		return nil
	}
	switch f.Kind {
	case KText:
		if o.Type.Name == "Setup" && f.Name == "email_body_sample_publication" {
			if !isRichTextValue(o, f.Name) {
				// a plain string has no context-aware converter: None
				return nil
			}
			return map[string]any{"content-type": "text/html", "data": v, "encoding": "utf-8"}
		}
	case KDate:
		if t, ok := v.(time.Time); ok && !t.IsZero() {
			return restDate(t)
		}
		return nil
	case KRef:
		if s, _ := v.(string); s != "" {
			return []any{s}
		}
		return []any{}
	}
	return v
}

// pyClass names a type's Python class for TypeError messages.
func pyClass(t *PortalType) string {
	mod := strings.ToLower(t.Name)
	if t.DX {
		return "senaite.core.content." + mod + "." + t.Name
	}
	return "bika.lims.content." + mod + "." + t.Name
}
