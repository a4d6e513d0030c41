package sim

import (
	"sort"
	"strings"
	"time"
)

// excludedColumns are the metadata columns senaite.jsonapi's catalog data
// provider leaves out of listing items (they duplicate the attributes).
var excludedColumns = map[string]bool{
	"CreationDate": true, "Creator": true, "Date": true, "Description": true, "EffectiveDate": true,
	"ExpirationDate": true, "ModificationDate": true, "Subject": true, "Title": true, "Type": true,
	"UID": true, "cmf_uid": true, "getIcon": true, "getId": true, "getObjSize": true,
	"getRemoteUrl": true, "listCreators": true, "meta_type": true,
}

// floorDate is what Plone's effective() answers for an object never
// published (DateTime(1000, 0)).
var floorDate = time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)

// urls carries the public addresses a response is built with: SENAITE
// derives them from the request, so the simulator does too.
type urls struct {
	host    string // scheme://host:port
	apiBase string // host + /<site>/@@API/senaite/v1
}

func resourceName(portalType string) string {
	return strings.ToLower(strings.ReplaceAll(portalType, " ", ""))
}

func (u urls) objectURL(o *Object) string { return u.host + o.Path }

func (u urls) apiURL(o *Object) string {
	return u.apiBase + "/" + resourceName(o.Type.Name) + "/" + o.UID
}

// appendItem writes one item dictionary (§6 of senaite-jsonapi.md) without
// its closing brace. cat is the catalog whose metadata columns appear.
func (l *Lab) appendItem(b []byte, o *Object, u urls, complete bool, cat *CatalogDef) []byte {
	if complete {
		return l.appendComplete(b, o, u)
	}
	b = append(b, '{')
	b = l.appendMetadata(b, o, cat, nil)
	b = l.appendAttributes(b, o, u)
	return b
}

// appendComplete writes the complete item (brain ∪ attributes ∪ fields),
// from the object's cache when it is still valid.
func (l *Lab) appendComplete(b []byte, o *Object, u urls) []byte {
	if c := o.cache.Load(); c != nil && c.host == u.host {
		return append(b, c.body...)
	}
	start := len(b)
	b = append(b, '{')
	cat := l.fl.catalogs[o.Type.Catalog]
	fieldNames := make(map[string]bool, len(o.Type.Fields))
	for _, f := range o.Type.Fields {
		fieldNames[f.Name] = true
	}
	if cat != nil {
		b = l.appendMetadata(b, o, cat, fieldNames)
	}
	b = l.appendAttributes(b, o, u)
	b = l.appendFields(b, o, u)
	body := make([]byte, len(b)-start)
	copy(body, b[start:])
	o.cache.Store(&itemCache{host: u.host, body: body})
	return b
}

// appendMetadata writes the catalog columns; skip names keys that the
// complete item shows from the object instead.
func (l *Lab) appendMetadata(b []byte, o *Object, cat *CatalogDef, skip map[string]bool) []byte {
	for _, col := range cat.Columns {
		if excludedColumns[col] || skip[col] {
			continue
		}
		switch col {
		case "id", "uid", "title", "description", "created", "modified", "effective", "portal_type",
			"tags", "author", "path", "parent_path", "url", "api_url":
			continue // the attributes win
		}
		b = appendKey(b, col)
		b = l.appendMetaValue(b, o, col)
	}
	return b
}

// appendMetaValue writes a raw metadata value: empty strings and false are
// kept, a missing attribute is null (Missing.Value).
func (l *Lab) appendMetaValue(b []byte, o *Object, col string) []byte {
	switch col {
	case "review_state":
		if o.State == "" {
			return appendNull(b)
		}
		return appendStr(b, o.State)
	case "is_active":
		return appendBool(b, o.Active())
	case "CreationDate", "created":
		return appendStr(b, isoDate(o.Created))
	case "ModificationDate", "modified":
		return appendStr(b, isoDate(o.Modified))
	case "sortable_title":
		return appendStr(b, strings.ToLower(o.Title))
	case "getClientUID", "getClientID", "getClientTitle":
		return appendStr(b, stringValue(o, col))
	case "getRequestID", "getParentID":
		if o.Parent != nil {
			return appendStr(b, o.Parent.ID)
		}
	case "getRequestUID", "getParentUID":
		if o.Parent != nil {
			return appendStr(b, o.Parent.UID)
		}
	case "getParentTitle":
		if o.Parent != nil {
			return appendStr(b, o.Parent.Title)
		}
	case "getServiceUID":
		return appendStr(b, o.ref("AnalysisService"))
	}
	name := strings.TrimPrefix(col, "get")
	for _, n := range []string{col, name} {
		if f := o.Type.accessorField(n); f != nil {
			return appendRawField(b, o, f)
		}
	}
	if strings.HasSuffix(name, "UID") {
		if f := o.Type.accessorField(strings.TrimSuffix(name, "UID")); f != nil && f.Kind == KRef {
			return appendStr(b, o.ref(f.Name))
		}
	}
	for _, suffix := range []string{"FullName", "Email", "Username"} {
		if strings.HasSuffix(name, suffix) {
			if f := o.Type.accessorField(strings.TrimSuffix(name, suffix)); f != nil && f.Kind == KRef {
				t := l.byUID[o.ref(f.Name)]
				switch {
				case t == nil:
					return appendStr(b, "")
				case suffix == "FullName":
					return appendStr(b, t.Title)
				case suffix == "Email":
					return appendStr(b, t.str("EmailAddress"))
				default:
					return appendStr(b, t.str("Username"))
				}
			}
		}
	}
	if strings.HasSuffix(name, "Title") {
		if f := o.Type.accessorField(strings.TrimSuffix(name, "Title")); f != nil && f.Kind == KRef {
			if t := l.byUID[o.ref(f.Name)]; t != nil {
				return appendStr(b, t.Title)
			}
			return appendStr(b, "")
		}
	}
	return appendNull(b)
}

// appendRawField writes a field value the way catalog metadata keeps it.
func appendRawField(b []byte, o *Object, f *Field) []byte {
	v, ok := o.Fields[f.Name]
	if !ok {
		switch f.Kind {
		case KBool:
			return appendBool(b, false)
		case KString, KText, KFixed, KRef:
			return appendStr(b, "")
		}
		return appendNull(b)
	}
	return appendAny(b, v)
}

// appendAttributes writes the always-present keys of §6.1 and the URL and
// parent info.
func (l *Lab) appendAttributes(b []byte, o *Object, u urls) []byte {
	b = appendKey(b, "id")
	b = appendStr(b, o.ID)
	b = appendKey(b, "uid")
	b = appendStr(b, o.UID)
	b = appendKey(b, "title")
	b = appendStr(b, o.Title)
	b = appendKey(b, "description")
	b = appendStr(b, o.Description)
	b = appendKey(b, "created")
	b = appendDate(b, o.Created)
	b = appendKey(b, "modified")
	b = appendDate(b, o.Modified)
	b = appendKey(b, "effective")
	if o.Effective.IsZero() {
		b = appendStr(b, isoDate(floorDate))
	} else {
		b = appendDate(b, o.Effective)
	}
	b = appendKey(b, "portal_type")
	b = appendStr(b, o.Type.Name)
	b = appendKey(b, "tags")
	b = append(b, '[', ']')
	b = appendKey(b, "author")
	b = appendStr(b, o.Author)
	b = appendKey(b, "path")
	b = appendStr(b, o.Path)
	b = appendKey(b, "parent_path")
	if o.Parent != nil {
		b = appendStr(b, o.Parent.Path)
	} else {
		b = appendStr(b, "/")
	}
	b = appendKey(b, "url")
	b = appendStr(b, u.objectURL(o))
	b = appendKey(b, "api_url")
	b = appendStr(b, u.apiURL(o))
	if p := o.Parent; p != nil {
		b = appendKey(b, "parent_id")
		b = appendStr(b, p.ID)
		b = appendKey(b, "parent_uid")
		b = appendStr(b, p.UID)
		b = appendKey(b, "parent_url")
		b = appendStr(b, u.apiURL(p))
	}
	return b
}

// appendRef writes a reference as {uid, url, api_url}; a dangling UID (the
// target is gone) writes {}.
func (l *Lab) appendRef(b []byte, uid string, u urls) []byte {
	t := l.byUID[uid]
	if t == nil {
		return append(b, '{', '}')
	}
	b = append(b, `{"uid": `...)
	b = appendStr(b, t.UID)
	b = append(b, `, "url": `...)
	b = appendStr(b, u.objectURL(t))
	b = append(b, `, "api_url": `...)
	b = appendStr(b, u.apiURL(t))
	return append(b, '}')
}

// dxFieldsHidden reports whether a Dexterity object's fields are left out:
// released senaite.jsonapi returns DX fields only to users with Modify
// permission, which the deactivable workflow withdraws in `inactive`.
func dxFieldsHidden(o *Object) bool { return o.Type.DX && o.State == "inactive" }

// appendFields writes the schema fields with SENAITE's null rules: falsy
// values become null, an empty UID reference becomes {}, a DX multi-valued
// reference is not serializable in released versions and becomes null.
func (l *Lab) appendFields(b []byte, o *Object, u urls) []byte {
	if dxFieldsHidden(o) {
		return b
	}
	for i := range o.Type.Fields {
		f := &o.Type.Fields[i]
		switch f.Name {
		case "title", "description", "id":
			continue // shown by the attributes
		}
		b = appendKey(b, f.Name)
		v := o.Fields[f.Name]
		if o.Type.DX {
			// Dexterity answers a computed default for a field never set
			v, _ = l.dxStored(o, f.Name)
		}
		switch f.Kind {
		case KString, KText, KFixed:
			s, _ := v.(string)
			if s == "" {
				b = appendNull(b)
			} else {
				b = appendStr(b, s)
			}
		case KBool:
			if x, _ := v.(bool); x {
				b = appendBool(b, true)
			} else {
				b = appendNull(b)
			}
		case KInt:
			if x, _ := v.(int64); x != 0 {
				b = appendInt(b, x)
			} else {
				b = appendNull(b)
			}
		case KDate:
			t, _ := v.(time.Time)
			switch {
			case !t.IsZero():
				b = appendStr(b, isoDate(t))
			case o.Type.DX:
				b = appendStr(b, "")
			default:
				b = appendNull(b)
			}
		case KRef:
			s, _ := v.(string)
			switch {
			case s != "":
				b = l.appendRef(b, s, u)
			case f.UIDRef && !o.Type.DX:
				b = append(b, '{', '}')
			default:
				b = appendNull(b)
			}
		case KRefs:
			list, _ := v.([]string)
			switch {
			case f.Name == "Analyses" && o.Type.Name == "AnalysisRequest":
				// ARAnalysesField: the contained analyses, [] when none
				b = l.appendRefList(b, list, u)
			case o.Type.DX && len(list) > 0:
				b = appendNull(b)
			case len(list) > 0:
				b = l.appendRefList(b, list, u)
			case f.UIDRef && !o.Type.DX:
				b = append(b, '{', '}')
			default:
				b = appendNull(b)
			}
		case KRecords:
			recs, _ := v.([]map[string]any)
			if len(recs) == 0 {
				b = appendNull(b)
			} else {
				b = appendAny(b, recs)
			}
		case KLines:
			lines, _ := v.([]string)
			if len(lines) == 0 {
				b = appendNull(b)
			} else {
				b = appendAny(b, lines)
			}
		case KRecord:
			rec, _ := v.(map[string]any)
			if len(rec) == 0 {
				b = appendNull(b)
			} else {
				b = appendAny(b, rec)
			}
		default:
			b = appendNull(b)
		}
	}
	return b
}

func (l *Lab) appendRefList(b []byte, uids []string, u urls) []byte {
	b = append(b, '[')
	n := 0
	for _, uid := range uids {
		if l.byUID[uid] == nil {
			continue
		}
		if n > 0 {
			b = append(b, ',', ' ')
		}
		b = l.appendRef(b, uid, u)
		n++
	}
	return append(b, ']')
}

// appendWorkflowInfo writes `workflow_info` for workflow=yes.
func (l *Lab) appendWorkflowInfo(b []byte, o *Object, u urls, user *User) []byte {
	b = appendKey(b, "workflow_info")
	wf := o.Type.Workflow
	if wf == "" {
		return append(b, '[', ']')
	}
	b = append(b, `[{"workflow": `...)
	b = appendStr(b, wf)
	b = append(b, `, "status": `...)
	b = appendStr(b, stateTitle(o.State))
	b = append(b, `, "review_state": `...)
	b = appendStr(b, o.State)
	b = append(b, `, "transitions": [`...)
	for i, t := range l.availableTransitions(o, user) {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = append(b, `{"title": `...)
		b = appendStr(b, transitionTitle(t))
		b = append(b, `, "value": `...)
		b = appendStr(b, t)
		b = append(b, `, "display": true, "url": `...)
		b = appendStr(b, u.objectURL(o)+"/content_status_modify?workflow_action="+t)
		b = append(b, '}')
	}
	b = append(b, `], "review_history": [`...)
	for i, h := range o.History {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = append(b, `{"action": `...)
		if h.Action == "" {
			b = appendNull(b)
		} else {
			b = appendStr(b, h.Action)
		}
		b = append(b, `, "actor": `...)
		b = appendStr(b, h.Actor)
		b = append(b, `, "comments": `...)
		b = appendStr(b, h.Comments)
		b = append(b, `, "review_state": `...)
		b = appendStr(b, h.ReviewState)
		b = append(b, `, "time": "`...)
		b = h.Time.In(l.opts.Location).AppendFormat(b, "2006-01-02 15:04:05")
		b = append(b, '"')
		b = append(b, '}')
	}
	return append(b, "]}]"...)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// stateTitle is the state's title as the workflow definition names it.
func stateTitle(s string) string {
	if s == "" {
		return ""
	}
	w := strings.ReplaceAll(s, "_", " ")
	return strings.ToUpper(w[:1]) + w[1:]
}

func transitionTitle(t string) string { return stateTitle(t) }
