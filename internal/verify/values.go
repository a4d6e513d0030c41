package verify

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
)

// Values are read the way a sceptic reads them, with no knowledge of
// which fields are references: any string of 32 hexadecimal digits is a
// UID wherever it stands (a reference dict, a list of raw UIDs, a record,
// a plain string field), and a {uid, url, api_url} dict is its uid. A
// source UID the identity table maps is replaced by its copy's; one it
// does not map stays as it is, and differs.

// decode reads a raw value, numbers kept as written.
func decode(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return string(raw)
	}
	return v
}

// isUID tells whether s looks like a Plone UID (32 hex digits).
func isUID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// refDict tells whether m is senaite.jsonapi's form of a reference.
func refDict(m map[string]any) (string, bool) {
	u, ok := m["uid"].(string)
	if !ok {
		return "", false
	}
	_, api := m["api_url"]
	_, url := m["url"]
	return u, api || url
}

// walkStrings calls f for every string inside v, a reference dict's uid
// included.
func walkStrings(v any, f func(string)) {
	switch x := v.(type) {
	case string:
		f(x)
	case []any:
		for _, e := range x {
			walkStrings(e, f)
		}
	case map[string]any:
		for _, e := range x {
			walkStrings(e, f)
		}
	}
}

// uidsIn lists the UIDs a value holds.
func uidsIn(v any) []string {
	var out []string
	walkStrings(v, func(s string) {
		if isUID(s) {
			out = append(out, s)
		}
	})
	return out
}

// mentions tells whether a value holds one of the UIDs.
func mentions(v any, uids map[string]bool) bool {
	if len(uids) == 0 {
		return false
	}
	found := false
	walkStrings(v, func(s string) { found = found || uids[s] })
	return found
}

// translateUID maps a source UID through the identity table.
func translateUID(uid string, replicas map[string]string) (string, bool) {
	if uid == PortalUID {
		return uid, true
	}
	d, ok := replicas[uid]
	return d, ok
}

// resolve returns v with reference dicts reduced to their uid and, when
// replicas is given, every mapped source UID replaced by its copy's.
func resolve(v any, replicas map[string]string) any {
	switch x := v.(type) {
	case string:
		if replicas != nil && isUID(x) {
			if d, ok := replicas[x]; ok {
				return d
			}
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = resolve(e, replicas)
		}
		return out
	case map[string]any:
		if u, ok := refDict(x); ok {
			return resolve(u, replicas)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = resolve(e, replicas)
		}
		return out
	}
	return v
}

// canonical makes the forms SENAITE shows for one value alike: every
// empty form (null, "", [], {}) is nil — a create leaves an empty field
// out, and Archetypes and Dexterity show emptiness differently — and a
// list of UIDs is a set, sorted (a multi-valued reference keeps no order
// a person relies on).
func canonical(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if x == "" {
			return nil
		}
	case []any:
		if len(x) == 0 {
			return nil
		}
		out := make([]any, len(x))
		allUIDs := true
		for i, e := range x {
			out[i] = canonical(e)
			s, ok := out[i].(string)
			allUIDs = allUIDs && ok && isUID(s)
		}
		if allUIDs {
			sort.Slice(out, func(i, j int) bool { return out[i].(string) < out[j].(string) })
		}
		return out
	case map[string]any:
		if len(x) == 0 {
			return nil
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = canonical(e)
		}
		return out
	}
	return v
}

func equal(a, b any) bool { return reflect.DeepEqual(a, b) }

// UIDsOf lists every UID the values of an item hold (its own attributes
// included), the sceptic's way: any 32-hex string anywhere.
func UIDsOf(fields map[string]json.RawMessage) []string {
	var out []string
	for _, raw := range fields {
		if bytes.IndexByte(raw, '"') < 0 {
			continue
		}
		out = append(out, uidsIn(decode(raw))...)
	}
	return out
}
