package importer

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"sort"

	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// fieldDiff is a field an update writes: it differs between the source's
// version (references translated) and the copy, as the labs show it.
type fieldDiff struct{ Field, Source, Destination string }

// portalUID is the UID senaite.jsonapi gives the site itself, the same
// on every lab.
const portalUID = "0"

// fieldDiffs is the update's rule of what to write (ARCHITECTURE.md §4,
// Update 2): the fields a create would send (schema.Sendable) and that the
// destination does not set itself, compared with the copy's, references
// of the source translated by tr. A field empty on both sides is equal
// whatever its form. It is the importer's own notion, deliberately apart
// from verify's stricter comparison: an update must never try to write
// what it cannot write, and verify must not share its blind spots.
func fieldDiffs(src, dst senaite.Item, tr refs.Translate) []fieldDiff {
	keys := map[string]bool{}
	for k := range src.Raw {
		keys[k] = true
	}
	for k := range dst.Raw {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		if schema.Sendable(src.PortalType, k) && !schema.LabSet(src.PortalType, k) {
			sorted = append(sorted, k)
		}
	}
	sort.Strings(sorted)
	same := func(uid string) (string, bool) { return uid, true }
	var out []fieldDiff
	for _, k := range sorted {
		a, unmapped := normalizeValue(src.PortalType, k, src.Raw[k], tr)
		b, _ := normalizeValue(src.PortalType, k, dst.Raw[k], same)
		if len(unmapped) > 0 || !reflect.DeepEqual(a, b) {
			out = append(out, fieldDiff{k, shortValue(src.Raw[k]), shortValue(dst.Raw[k])})
		}
	}
	return out
}

// normalizeValue decodes a value with its UIDs mapped; every empty form
// (null, "", [], {}) is nil, as a create leaves an empty field out, and a
// multi-valued reference is a set.
func normalizeValue(portalType, field string, raw json.RawMessage, tr refs.Translate) (any, []refs.Ref) {
	if len(raw) == 0 {
		return nil, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return string(raw), nil
	}
	if refs.IsEmpty(v) || falsy(v) {
		return nil, nil
	}
	withPortal := func(uid string) (string, bool) {
		if uid == portalUID {
			return uid, true
		}
		return tr(uid)
	}
	out, missing := refs.Rewrite(portalType, field, v, withPortal)
	if list, ok := out.([]any); ok && allUIDs(list) {
		sort.Slice(list, func(i, j int) bool { return list[i].(string) < list[j].(string) })
		out = slices.CompactFunc(list, func(a, b any) bool { return a == b })
	}
	return out, missing
}

// falsy tells false and zero, which SENAITE shows as null: a written
// false reads back null.
func falsy(v any) bool {
	switch x := v.(type) {
	case bool:
		return !x
	case json.Number:
		f, err := x.Float64()
		return err == nil && f == 0
	}
	return false
}

func allUIDs(list []any) bool {
	for _, e := range list {
		if s, ok := e.(string); !ok || !refs.IsUID(s) {
			return false
		}
	}
	return true
}

// shortValue shortens a value for a conflict's record.
func shortValue(raw json.RawMessage) string {
	s := string(raw)
	if s == "" {
		s = "(absent)"
	}
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}
