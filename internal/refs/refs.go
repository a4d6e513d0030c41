// Package refs finds the references inside a fetched SENAITE item, the
// edges of the import plan: {uid, url, api_url} dicts (single or lists)
// and UIDs inside records (a profile's services[].uid, a worksheet
// layout's analysis_uid). Pure: no I/O.
package refs

import (
	"encoding/json"
	"sort"
	"strings"
)

// Ref is one reference found in an item.
type Ref struct {
	Field string
	UID   string
}

// attributeKeys are senaite.jsonapi's own keys, never references.
var attributeKeys = map[string]bool{
	"uid": true, "id": true, "parent_uid": true, "parent_id": true, "parent_url": true, "url": true,
	"api_url": true, "path": true, "parent_path": true, "workflow_info": true, "portal_type": true,
	"title": true, "description": true, "created": true, "modified": true, "effective": true,
	"author": true, "tags": true, "review_state": true,
}

// Extract returns the references of an item's fields, sorted, without
// duplicates. Catalog metadata columns (getXUID…) duplicate the fields and
// are skipped.
func Extract(raw map[string]json.RawMessage) []Ref {
	var out []Ref
	seen := map[Ref]bool{}
	add := func(field, uid string) {
		if !IsUID(uid) {
			return
		}
		r := Ref{Field: field, UID: uid}
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	for field, v := range raw {
		if attributeKeys[field] || isMetadataColumn(field) || len(v) == 0 {
			continue
		}
		switch v[0] {
		case '{', '[':
		default:
			continue
		}
		var x any
		if json.Unmarshal(v, &x) != nil {
			continue
		}
		walk(field, x, false, add)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Field != out[j].Field {
			return out[i].Field < out[j].Field
		}
		return out[i].UID < out[j].UID
	})
	return out
}

// walk visits a value; inRecord is true inside records, where UID-valued
// keys (uid, *_uid, service_uid, container…) count as references.
func walk(field string, x any, inRecord bool, add func(field, uid string)) {
	switch y := x.(type) {
	case map[string]any:
		if u, ok := y["uid"].(string); ok {
			if _, hasAPI := y["api_url"]; hasAPI || !inRecord {
				add(field, u)
				return
			}
		}
		for k, v := range y {
			switch vv := v.(type) {
			case string:
				if k == "uid" || strings.HasSuffix(k, "_uid") || strings.HasSuffix(k, "_ref") || IsUID(vv) {
					add(field, vv)
				}
			default:
				walk(field, vv, true, add)
			}
		}
	case []any:
		for _, e := range y {
			walk(field, e, inRecord, add)
		}
	}
}

func isMetadataColumn(k string) bool {
	return strings.HasPrefix(k, "get") && len(k) > 3 && k[3] >= 'A' && k[3] <= 'Z'
}

// IsUID tells whether s looks like a Plone UID (32 hex digits).
func IsUID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < 32; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
