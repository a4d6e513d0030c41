package refs

import "strings"

// Translate maps a source UID to its counterpart; ok is false when there
// is none (yet).
type Translate func(uid string) (string, bool)

// Rewrite returns v with every UID it holds mapped by tr: a reference
// dict {uid, url, api_url} becomes the mapped UID string, UIDs inside
// records are replaced in place. The import sends what it returns, and
// verify compares it, so both read references the same way. UIDs tr
// cannot map are returned and left out.
func Rewrite(field string, v any, tr Translate) (any, []Ref) {
	switch x := v.(type) {
	case map[string]any:
		if u, ok := x["uid"].(string); ok {
			// a reference is {uid, url, api_url}; a record merely has a uid key
			if _, isRef := x["api_url"]; isRef || len(x) == 1 {
				d, ok := tr(u)
				if !ok {
					return nil, []Ref{{Field: field, UID: u}}
				}
				return d, nil
			}
		}
		out := make(map[string]any, len(x))
		var missing []Ref
		for k, e := range x {
			if s, ok := e.(string); ok && isUIDKey(k) && IsUID(s) {
				d, ok := tr(s)
				if !ok {
					missing = append(missing, Ref{Field: field, UID: s})
					continue
				}
				out[k] = d
				continue
			}
			t, m := Rewrite(field, e, tr)
			missing = append(missing, m...)
			out[k] = t
		}
		return out, missing
	case []any:
		out := make([]any, 0, len(x))
		var missing []Ref
		for _, e := range x {
			t, m := Rewrite(field, e, tr)
			missing = append(missing, m...)
			if len(m) == 0 {
				out = append(out, t)
			}
		}
		return out, missing
	}
	return v, nil
}

// isUIDKey names record keys that hold UIDs (services[].uid,
// Layout[].analysis_uid, WorksheetTemplate Layout blank_ref, partitions'
// container / preservation / sampletype).
func isUIDKey(k string) bool {
	switch k {
	case "uid", "container", "preservation", "sampletype":
		return true
	}
	return strings.HasSuffix(k, "_uid") || strings.HasSuffix(k, "_ref")
}

// IsEmpty tells the values SENAITE shows for an unset field — null, "",
// [] and {} — which a create leaves out and a comparison treats alike.
func IsEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}
