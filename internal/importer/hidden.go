package importer

import (
	"encoding/json"
	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"sort"
	"strings"
)

// HiddenFields tells whether a fetched item is an inactive object whose
// schema fields the source left out (only senaite.jsonapi's attributes and
// catalog metadata are present).
func HiddenFields(raw map[string]json.RawMessage) bool {
	it := senaite.Item{Raw: raw}
	state := it.String("review_state")
	if wf := raw["workflow_info"]; state == "" && (strings.Contains(string(wf), `"review_state": "inactive"`) || strings.Contains(string(wf), `"review_state":"inactive"`)) {
		state = "inactive"
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	return schema.FieldsHidden(it.String("portal_type"), state, keys)
}

// rebuildHidden adds to the fields of an object whose fields the source
// withheld what its catalog metadata still tells and the defaults of its
// required fields (schema.FieldsHidden); the note says what was restored
// and what was defaulted, for the object's record.
func rebuildHidden(portalType string, raw map[string]json.RawMessage, fields map[string]any, tr refs.Translate,
	standIn func(portalType string) (uid, path string, ok bool)) (note string, unresolved []refs.Ref, missingStandIn string) {
	var restored, fromAttr, defaulted, stoodIn []string
	for field, attr := range schema.FromAttribute(portalType) {
		var v string
		if json.Unmarshal(raw[attr], &v) == nil && v != "" {
			fields[field] = v
			fromAttr = append(fromAttr, field+" from its "+attr)
		}
	}
	for field, target := range schema.StandIns(portalType) {
		if _, ok := fields[field]; ok {
			continue
		}
		uid, path, ok := standIn(target)
		if !ok {
			return "", nil, target
		}
		fields[field] = uid
		stoodIn = append(stoodIn, field+" → "+path)
	}
	for col, field := range schema.FromMetadata(portalType) {
		var v any
		if json.Unmarshal(raw[col], &v) != nil || refs.IsEmpty(v) {
			continue
		}
		if s, ok := v.(string); ok && strings.HasSuffix(col, "UID") {
			d, ok := tr(s)
			if !ok {
				unresolved = append(unresolved, refs.Ref{Field: field, UID: s})
				continue
			}
			v = d
		}
		fields[field] = v
		restored = append(restored, field)
	}
	for field, v := range schema.HiddenDefaults(portalType) {
		if _, ok := fields[field]; !ok {
			fields[field] = v
			defaulted = append(defaulted, field)
		}
	}
	sort.Strings(restored)
	sort.Strings(defaulted)
	note = "inactive at the source, which withholds its fields (senaite.jsonapi shows Dexterity fields only to " +
		"users who may modify the object): created from its title and description"
	if len(restored) > 0 {
		note += ", " + strings.Join(restored, ", ") + " from catalog metadata"
	}
	if len(fromAttr) > 0 {
		sort.Strings(fromAttr)
		note += ", " + strings.Join(fromAttr, ", ")
	}
	if len(defaulted) > 0 {
		note += "; defaults for " + strings.Join(defaulted, ", ")
	}
	if len(stoodIn) > 0 {
		sort.Strings(stoodIn)
		note += "; stand-ins, to correct: " + strings.Join(stoodIn, ", ")
	}
	return note, unresolved, ""
}
