package schema

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode"
)

// Migration from Bika LIMS / SENAITE 1.x (design/senaite-content-model.md
// §5): SENAITE 2.6 turned many setup types into Dexterity types whose
// fields are snake_case (DepartmentID → department_id), and renamed a few
// on the way. Renamed1x gives a 1.x object's data under the names its
// type has in 2.x, so that the rest of the import sees a 2.x object.

// dx26 are the types 2.6 made Dexterity (and the renamed ones, by their
// 2.x name).
var dx26 = map[string]bool{
	"Department": true, "AnalysisCategory": true, "SampleType": true, "SampleMatrix": true, "SampleCondition": true,
	"SamplingDeviation": true, "StorageLocation": true, "SubGroup": true, "BatchLabel": true, "AttachmentType": true,
	"LabProduct": true, "Manufacturer": true, "InstrumentType": true, "ContainerType": true, "SamplePoint": true,
	"AnalysisProfile": true, "SampleTemplate": true, "SamplePreservation": true, "SampleContainer": true,
	"InstrumentLocation": true, "Supplier": true, "DynamicAnalysisSpec": true, "InterpretationTemplate": true,
	"Label": true,
}

// renamed1x are the fields whose 2.x name is not the snake_case of the
// 1.x one; "" means 2.x has no such field (the value is reported, not
// sent): an inverse relation now kept on the other side, a geolocation
// now one record, settings folded into another field.
var renamed1x = map[string]map[string]string{
	"LabProduct": {"Volume": "labproduct_volume", "Unit": "labproduct_unit", "VAT": "labproduct_vat",
		"Price": "labproduct_price"},
	"SampleType":      {"MinimumVolume": "min_volume", "SamplePoints": ""},
	"SamplePoint":     {"Latitude": "", "Longitude": ""},
	"AnalysisProfile": {"Service": "services", "AnalysisServicesSettings": "", "Remarks": ""},
	"Supplier": {"Name": "title", "EmailAddress": "email", "PhysicalAddress": "address", "PostalAddress": "",
		"BillingAddress": "", "IBN": "iban", "SWIFTcode": "swift_code"},
	"SampleContainer":    {"ContainerType": "containertype"},
	"SamplePreservation": {"RetentionPeriod": ""},
	"SampleTemplate": {"SamplePoint": "samplepoint", "SampleType": "sampletype", "Analyses": "services",
		"AnalysisProfile": "", "Remarks": "", "AnalysisServicesSettings": ""},
	"BatchLabel": {"description": ""},
	// Archetypes types that kept their schema but renamed a field
	"Attachment":    {"ReportOption": "RenderInReport"},
	"AutoImportLog": {"ImportedFile": "ImportFile", "LogTime": ""},
}

// Field2x is the 2.x name of a 1.x field of an object that is destType
// in 2.x; false when 2.x has no such field.
func Field2x(destType, field string) (string, bool) {
	if to, ok := renamed1x[destType][field]; ok {
		return to, to != ""
	}
	if !dx26[destType] || neverSent[field] || field == "title" || field == "description" || catalogColumn(field) {
		return field, true
	}
	return SnakeCase(field), true
}

// catalogColumn tells a catalog metadata key (getPrice, getPrefix) from a
// schema field: listings carry both, and only fields were renamed.
func catalogColumn(key string) bool {
	return len(key) > 3 && strings.HasPrefix(key, "get") && unicode.IsUpper(rune(key[3]))
}

// SnakeCase is how 2.6 named a migrated field: RetentionPeriod →
// retention_period, CommercialID → commercial_id, AnalysisProfileVAT →
// analysis_profile_vat.
func SnakeCase(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i, c := range r {
		if unicode.IsUpper(c) {
			prevLower := i > 0 && (unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1]))
			nextLower := i > 0 && i+1 < len(r) && unicode.IsLower(r[i+1]) && unicode.IsUpper(r[i-1])
			if prevLower || nextLower {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(c))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Renamed1x returns a 1.x object's data under its 2.x field names, the
// fields 2.x has no place for listed apart (reported by the caller), and
// the values 2.x requires that 1.x never had filled in: a department's id
// is its 1.x object id.
func Renamed1x(destType, sourceID string, raw map[string]json.RawMessage) (map[string]json.RawMessage, []string) {
	out := make(map[string]json.RawMessage, len(raw))
	var dropped []string
	for k, v := range raw {
		to, ok := Field2x(destType, k)
		if !ok {
			if len(v) > 0 && string(v) != "null" && string(v) != `""` && string(v) != "[]" {
				dropped = append(dropped, k)
			}
			continue
		}
		out[to] = v
	}
	if destType == "Department" && isEmptyRaw(out["department_id"]) {
		out["department_id"], _ = json.Marshal(sourceID)
	}
	switch destType {
	case "Attachment":
		// "r": render in the report; "i" ignore, "a" attach: not rendered
		if v, ok := out["RenderInReport"]; ok {
			var opt string
			_ = json.Unmarshal(v, &opt)
			if opt == "r" {
				out["RenderInReport"] = json.RawMessage("true")
			} else {
				delete(out, "RenderInReport") // unset is not rendered
			}
		}
	case "Supplier":
		// one list of typed addresses instead of three fields
		var addrs []map[string]any
		for _, a := range []struct{ field, kind string }{{"PhysicalAddress", "physical"}, {"PostalAddress", "postal"},
			{"BillingAddress", "billing"}} {
			var m map[string]any
			if json.Unmarshal(raw[a.field], &m) == nil && len(m) > 0 {
				m["type"] = a.kind
				addrs = append(addrs, m)
			}
		}
		dropped = slices.DeleteFunc(dropped, func(f string) bool { return f == "PostalAddress" || f == "BillingAddress" })
		if addrs != nil {
			out["address"], _ = json.Marshal(addrs)
		} else {
			delete(out, "address")
		}
	case "AnalysisProfile", "SampleTemplate":
		// services became records {uid, hidden[, part_id]}; the hidden
		// flags were a separate list
		hidden := map[string]bool{}
		var settings []map[string]any
		if json.Unmarshal(raw["AnalysisServicesSettings"], &settings) == nil {
			for _, r := range settings {
				if u, _ := r["uid"].(string); u != "" {
					hidden[u], _ = r["hidden"].(bool)
				}
			}
		}
		dropped = slices.DeleteFunc(dropped, func(f string) bool { return f == "AnalysisServicesSettings" })
		var rows []map[string]any
		for _, e := range rawList(out["services"]) {
			u, part := "", ""
			switch v := e.(type) {
			case string:
				u = v
			case map[string]any:
				u, _ = v["uid"].(string)
				if u == "" {
					u, _ = v["service_uid"].(string)
				}
				part, _ = v["partition"].(string)
			}
			if u == "" {
				continue
			}
			row := map[string]any{"uid": u, "hidden": hidden[u]}
			if destType == "SampleTemplate" {
				row["part_id"] = part
			}
			rows = append(rows, row)
		}
		if rows != nil {
			out["services"], _ = json.Marshal(rows)
		}
		if destType == "SampleTemplate" {
			// partitions: container and preservation by UID now
			var parts []map[string]any
			for _, e := range rawList(out["partitions"]) {
				if v, ok := e.(map[string]any); ok {
					// 1.3 rows also name the partition's sample type
					// (senaite.core v1.3.5 artemplate.py:125 sampletype_uid)
					st, _ := v["sampletype_uid"].(string)
					parts = append(parts, map[string]any{"part_id": v["part_id"], "container": v["container_uid"],
						"preservation": v["preservation_uid"], "sampletype": st})
				}
			}
			if parts != nil {
				out["partitions"], _ = json.Marshal(parts)
			}
		}
	}
	return out, dropped
}

// rawList decodes a JSON list (nil for anything else).
func rawList(v json.RawMessage) []any {
	var list []any
	_ = json.Unmarshal(v, &list)
	return list
}

func isEmptyRaw(v json.RawMessage) bool {
	s := strings.TrimSpace(string(v))
	return s == "" || s == "null" || s == `""`
}
