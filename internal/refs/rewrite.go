package refs

import (
	"encoding/json"

	"github.com/senaite-sync/senaite-sync/internal/schema"
)

// Translate maps a source UID to its counterpart; ok is false when there
// is none (yet).
type Translate func(uid string) (string, bool)

// Rewrite returns the value v of field of a portalType item with every
// reference mapped by tr, in the form senaite.jsonapi accepts on write
// (senaite-jsonapi.md §8.1), as the content model says the field holds
// them (schema.RefField):
//   - a single or multi reference: each {uid, url, api_url} dict becomes
//     the mapped UID string, a list stays a list;
//   - lines of UIDs and a string holding a UID stay strings, mapped;
//   - records keep every row and every key, only their UID-valued keys
//     mapped ("" and null left as they are);
//   - a field the table does not know: only its reference dicts (alone or
//     in a list) are mapped, the rest is data and left alone, UID-looking
//     or not.
//
// Whatever cannot be mapped is returned (with the field), and the value
// is nil: the caller leaves the field out rather than send it half
// translated, so a source UID never reaches a destination. The import
// sends what it returns, and verify compares it, so both read references
// the same way.
//
// senaite.jsonapi also takes a catalog-query dict ({"portal_type": …,
// "getKeyword": …}) as a reference on write; a read never shows one, so
// the sync never produces one. Met in a reference position (a field, or a
// record's UID-valued key), such a dict is left to the field's rule: it
// holds no UID to map, so it is reported as untranslatable, never sent.
func Rewrite(portalType, field string, v any, tr Translate) (any, []Ref) {
	w := rewriter{field: field, tr: tr}
	var out any
	if spec, known := schema.RefField(portalType, field); known {
		out = w.known(spec, v)
	} else {
		out = w.unknown(v)
	}
	if len(w.missing) > 0 {
		return nil, w.missing
	}
	return out, nil
}

// rewriter maps the references of one field's value, collecting what it
// cannot map.
type rewriter struct {
	field   string
	tr      Translate
	missing []Ref
}

// known rewrites a value by the form the content model gives its field.
func (w *rewriter) known(spec schema.Reference, v any) any {
	if spec.Kind == schema.RefRecords {
		switch x := v.(type) {
		case []any:
			out := make([]any, len(x))
			for i, row := range x {
				out[i] = w.record(spec, row)
			}
			return out
		case map[string]any:
			return w.record(spec, x) // a RecordField: one record
		}
		return v // no record, nothing to map
	}
	// single, multi, lines, string: every element is a reference
	return w.each(v)
}

// record maps the UID-valued keys of one row, copying it.
func (w *rewriter) record(spec schema.Reference, row any) any {
	m, ok := row.(map[string]any)
	if !ok {
		return row
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		if _, isUIDKey := spec.Key(k); isUIDKey {
			out[k] = w.each(e)
		} else {
			out[k] = e
		}
	}
	return out
}

// each maps a value in a reference position, element by element when it
// is a list.
func (w *rewriter) each(v any) any {
	list, ok := v.([]any)
	if !ok {
		return w.uid(v)
	}
	out := make([]any, len(list))
	for i, e := range list {
		out[i] = w.uid(e)
	}
	return out
}

// uid maps one reference: a UID string, or a dict carrying one (the
// {uid, url, api_url} of a read, the {uid} senaite.jsonapi also takes).
// Empty forms stay as they are.
func (w *rewriter) uid(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if x == "" {
			return x
		}
		d, ok := w.tr(x)
		if !ok {
			w.missing = append(w.missing, Ref{Field: w.field, UID: x})
			return nil
		}
		return d
	case map[string]any:
		if len(x) == 0 {
			return x // an empty UIDReferenceField
		}
		if u, ok := x["uid"].(string); ok {
			return w.uid(u)
		}
	}
	// a catalog query, a number: nothing to map
	b, _ := json.Marshal(v)
	w.missing = append(w.missing, Ref{Field: w.field, UID: string(b)})
	return nil
}

// unknown maps the reference dicts of a field the content model does not
// know, alone or as list elements, and leaves everything else alone.
func (w *rewriter) unknown(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if isRefDict(x) {
			return w.uid(x)
		}
	case []any:
		var out []any
		for i, e := range x {
			if m, ok := e.(map[string]any); ok && isRefDict(m) {
				if out == nil {
					out = make([]any, len(x))
					copy(out, x)
				}
				out[i] = w.uid(m)
			}
		}
		if out != nil {
			return out
		}
	}
	return v
}

// isRefDict tells senaite.jsonapi's reference dict: exactly uid, url and
// api_url (api.get_url_info, senaite.jsonapi api.py:379).
func isRefDict(m map[string]any) bool {
	if len(m) != 3 {
		return false
	}
	_, u := m["uid"].(string)
	_, url := m["url"]
	_, api := m["api_url"]
	return u && url && api
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
