package importer

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/schema"
)

// Translate maps a source UID to its replica on the destination; ok is
// false while the referenced object has no replica there.
type Translate func(sourceUID string) (destUID string, ok bool)

// Payload builds the fields of a create (or update) from a fetched item:
// only writable fields (schema.Sendable), empty values left out,
// references translated to destination UIDs — single, multiple, or inside
// records — and deferred fields omitted (set later, once their targets
// exist). References that cannot be translated are returned, and their
// field is left out rather than sent half-translated.
func Payload(portalType string, raw map[string]json.RawMessage, translate Translate, deferred func(field string) bool) (map[string]any, []refs.Ref) {
	fields := map[string]any{}
	var unresolved []refs.Ref
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !schema.Sendable(portalType, k) || (deferred != nil && deferred(k)) {
			continue
		}
		var v any
		if err := json.Unmarshal(raw[k], &v); err != nil || empty(v) {
			continue
		}
		out, missing := translateValue(k, v, translate)
		if len(missing) > 0 {
			unresolved = append(unresolved, missing...)
			continue
		}
		fields[k] = out
	}
	return fields, unresolved
}

func empty(v any) bool {
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

// translateValue rewrites the UIDs in a value.
func translateValue(field string, v any, tr Translate) (any, []refs.Ref) {
	switch x := v.(type) {
	case map[string]any:
		if u, ok := x["uid"].(string); ok {
			// a reference is {uid, url, api_url}; a record merely has a uid key
			if _, isRef := x["api_url"]; isRef || len(x) == 1 {
				d, ok := tr(u)
				if !ok {
					return nil, []refs.Ref{{Field: field, UID: u}}
				}
				return d, nil
			}
		}
		out := make(map[string]any, len(x))
		var missing []refs.Ref
		for k, e := range x {
			if s, ok := e.(string); ok && isUIDKey(k) && refs.IsUID(s) {
				d, ok := tr(s)
				if !ok {
					missing = append(missing, refs.Ref{Field: field, UID: s})
					continue
				}
				out[k] = d
				continue
			}
			t, m := translateValue(field, e, tr)
			missing = append(missing, m...)
			out[k] = t
		}
		return out, missing
	case []any:
		out := make([]any, 0, len(x))
		var missing []refs.Ref
		for _, e := range x {
			t, m := translateValue(field, e, tr)
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
