// Package refs finds the references inside a fetched SENAITE item, the
// edges of the import plan, and translates them for a destination. Which
// fields hold references, and in which form, comes from the content model
// (schema.RefField): reference dicts and lists of them, LinesFields of raw
// UIDs (a Batch's BatchLabels), strings holding a UID, the UID-valued keys
// of records (a profile's services[].uid, a worksheet layout's
// analysis_uid). A field the table does not know (a custom add-on field)
// holds references only where senaite.jsonapi itself marks them: its
// serializer emits a {uid, url, api_url} dict (api.get_url_info,
// senaite.jsonapi api.py:360) for a reference and for nothing else. A
// string that merely looks like a UID is never taken for one. Pure: no
// I/O.
package refs

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/senaite-sync/senaite-sync/internal/schema"
)

// Ref is one reference found in an item: the field holding it and the
// UID it points at (for one that cannot be translated, the value found).
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

// Extract returns the references of an item of portalType, sorted,
// without duplicates: the UIDs in every reference position the content
// model gives its fields (schema.RefField), and the reference dicts of
// fields it does not know. Catalog metadata columns (getClientUID…) are
// not fields and are skipped; so is a value that is no UID (an empty
// string, a catalog query), which Rewrite reports as untranslatable.
func Extract(portalType string, raw map[string]json.RawMessage) []Ref {
	var out []Ref
	seen := map[Ref]bool{}
	for field, v := range raw {
		if attributeKeys[field] || isMetadataColumn(field) || len(v) == 0 {
			continue
		}
		spec, known := schema.RefField(portalType, field)
		if !known && v[0] != '{' && v[0] != '[' {
			continue // only a dict or a list of them can be a reference
		}
		if known && v[0] != '{' && v[0] != '[' && v[0] != '"' {
			continue
		}
		var x any
		if json.Unmarshal(v, &x) != nil {
			continue
		}
		w := rewriter{field: field, tr: func(s string) (string, bool) {
			if r := (Ref{Field: field, UID: s}); IsUID(s) && !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
			return s, true
		}}
		if known {
			w.known(spec, x)
		} else {
			w.unknown(x)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Field != out[j].Field {
			return out[i].Field < out[j].Field
		}
		return out[i].UID < out[j].UID
	})
	return out
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
