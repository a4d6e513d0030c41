package sim

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The ID server of senaite.core 2.6 (src/senaite/core/idserver/idserver.py),
// which names every object a lab creates — a client may not choose an id
// through senaite.jsonapi (api.py create_object pops it). What the
// simulator reproduces:
//   - the format of a type comes from bika_setup's IDFormatting, matched
//     case-insensitively on the type id, or "<type>-{seq}" (get_config);
//   - the type id of a sample is AnalysisRequestPartition, -Retest or
//     -Secondary when it is one (get_type_id: marker interfaces);
//   - a "generated" format takes the next number of a counter kept per
//     storage key (get_generated_number: the portal type and the prefix
//     the format's first split_length segments give, make_storage_key), and
//     every call consumes one: a create that fails afterwards leaves a gap;
//   - the sample variants' formats are not generated: a partition is
//     numbered by counting its parent's partitions (get_partition_count), a
//     secondary by counting its primary's secondaries (get_secondary_count),
//     a retest by the length of its Invalidated chain (get_retest_count);
//   - the id is the format interpolated (a Python str.format subset) and
//     normalized as a file name (api.normalize_filename).
// Analyses are not named by it: generate_analysis_id (bika/lims/utils/
// analysis.py:411) takes the service keyword, then Keyword-1, -2…

// idFormatting is bika_setup's IDFormatting, or the defaults of a lab
// without it.
func (l *Lab) idFormatting() []map[string]any {
	if setup := l.byPath[l.portal.Path+"/bika_setup"]; setup != nil {
		switch v := setup.Fields["IDFormatting"].(type) {
		case []map[string]any:
			if len(v) > 0 {
				return v
			}
		case []any:
			out := make([]map[string]any, 0, len(v))
			for _, e := range v {
				if m, ok := e.(map[string]any); ok {
					out = append(out, m)
				}
			}
			if len(out) > 0 {
				return out
			}
		}
	}
	return defaultIDFormatting()
}

// idConfig is get_config: the row of typeID, or the default config.
func (l *Lab) idConfig(typeID string) map[string]any {
	for _, c := range l.idFormatting() {
		if pt, _ := c["portal_type"].(string); strings.EqualFold(pt, typeID) {
			return c
		}
	}
	return map[string]any{"form": strings.ToLower(typeID) + "-{seq}", "sequence_type": "generated",
		"prefix": strings.ToLower(typeID)}
}

// sampleTypeID is get_type_id for a new sample with these fields.
func (l *Lab) sampleTypeID(fields map[string]any) string {
	switch {
	case l.byUID[refUID(fields["ParentAnalysisRequest"])] != nil:
		return "AnalysisRequestPartition"
	case l.byUID[refUID(fields["Invalidated"])] != nil:
		return "AnalysisRequestRetest"
	case l.byUID[refUID(fields["PrimaryAnalysisRequest"])] != nil:
		return "AnalysisRequestSecondary"
	}
	return "AnalysisRequest"
}

// idVariables is get_variables for a new object of typeID in container
// with fields; counts include the new object, as upstream renames it once
// its own references are set.
func (l *Lab) idVariables(typeID string, container *Object, fields map[string]any) map[string]any {
	now := l.now()
	v := map[string]any{"portal_type": typeID, "year": now.Format("2006")[2:], "yymmdd": now.Format("060102"),
		"seq": 0}
	switch typeID {
	case "AnalysisRequest", "AnalysisRequestPartition", "AnalysisRequestRetest", "AnalysisRequestSecondary":
		client := container
		if client != nil && client.Type.Name != "Client" {
			client = nil
		}
		if client != nil {
			v["clientId"] = client.str("ClientID")
		}
		v["dateSampled"] = l.timeOr(fields["DateSampled"], now)
		v["samplingDate"] = l.timeOr(fields["SamplingDate"], now)
		if st := l.byUID[refUID(fields["SampleType"])]; st != nil {
			p := st.str("prefix")
			if p == "" {
				p = st.str("Prefix")
			}
			v["sampleType"] = p
		}
		v["test_count"] = 1
		switch typeID {
		case "AnalysisRequestPartition":
			parent := l.byUID[refUID(fields["ParentAnalysisRequest"])]
			v["parent_analysisrequest"] = parent
			v["parent_ar_id"] = parent.ID
			v["parent_base_id"] = stripSuffix(parent.ID)
			v["partition_count"] = l.countSamples(parent, "ParentAnalysisRequest") + 1
		case "AnalysisRequestRetest":
			parent := l.byUID[refUID(fields["Invalidated"])]
			v["parent_analysisrequest"] = parent
			v["parent_ar_id"] = parent.ID
			base := stripSuffix(parent.ID)
			if parent.str("ParentAnalysisRequest") != "" {
				// a partition's retest keeps the partition's whole id
				base = parent.ID
			}
			v["parent_base_id"] = base
			count := 1
			for p := l.byUID[parent.str("Invalidated")]; p != nil; p = l.byUID[p.str("Invalidated")] {
				count++
			}
			v["retest_count"] = count
			v["test_count"] = 1 + count
		case "AnalysisRequestSecondary":
			primary := l.byUID[refUID(fields["PrimaryAnalysisRequest"])]
			v["parent_analysisrequest"] = primary
			v["parent_ar_id"] = primary.ID
			v["parent_base_id"] = stripSuffix(primary.ID)
			v["secondary_count"] = l.countSamples(primary, "PrimaryAnalysisRequest") + 1
		}
	case "ARReport":
		if container != nil {
			if client := container.Parent; client != nil {
				v["clientId"] = client.str("ClientID")
			}
		}
	}
	return v
}

// countSamples counts the samples of sample's client that point at it
// through field (its partitions, its secondaries).
func (l *Lab) countSamples(sample *Object, field string) int {
	n := 0
	if sample.Parent == nil {
		return 0
	}
	for _, o := range sample.Parent.children {
		if o.Type.Name == "AnalysisRequest" && o.str(field) == sample.UID {
			n++
		}
	}
	return n
}

var suffixRE = regexp.MustCompile(`-[A-Z]{1}[0-9]{1,2}$`)

// stripSuffix is idserver.py's strip_suffix: an id without its -R01 or
// -P05.
func stripSuffix(id string) string { return suffixRE.ReplaceAllString(id, "") }

func (l *Lab) timeOr(v any, def time.Time) time.Time {
	if t, ok := v.(time.Time); ok {
		return t
	}
	if s, ok := v.(string); ok {
		if t, ok := parseLooseTime(s, l.opts.Location); ok {
			return t
		}
	}
	return def
}

// generateID is generateUniqueId: the id of a new object of typeID. The
// number is taken from its counter at once (every AT and Dexterity type
// is named as it is made, before its fields are set: a create that fails
// afterwards has consumed it).
func (l *Lab) generateID(typeID string, container *Object, fields map[string]any) (string, error) {
	id, take, err := l.proposeID(typeID, container, fields)
	if err == nil {
		take()
	}
	return id, err
}

// proposeID is the id generateUniqueId would give, and take, which
// consumes its number: a sample is named by renameAfterCreation at the end
// of create_analysisrequest (bika/lims/utils/analysisrequest.py), so a
// sample that fails before has consumed nothing.
func (l *Lab) proposeID(typeID string, container *Object, fields map[string]any) (string, func(), error) {
	config := l.idConfig(typeID)
	vars := l.idVariables(typeID, container, fields)
	form, _ := config["form"].(string)
	number := 0
	take := func() {}
	switch st, _ := config["sequence_type"].(string); st {
	case "counter":
		number = l.countedNumber(config, vars, container)
	case "generated":
		key, err := l.storageKey(typeID, form, config, vars)
		if err != nil {
			return "", nil, err
		}
		number = l.counters[key] + 1
		take = func() { l.counters[key] = number }
	}
	vars["seq"] = number
	vars["alpha"] = alphanumber{number: number}
	id, err := pyFormat(form, vars)
	if err != nil {
		// KeyError: a variable the format names is not known for this type
		return "", nil, fmt.Errorf("KeyError: %s not in id_template %s", err, form)
	}
	return normalizeFilename(id), take, nil
}

// storageKey is get_generated_number's key of the number generator
// (make_storage_key): the type and the prefix the format's first
// split_length segments give.
func (l *Lab) storageKey(typeID, form string, config, vars map[string]any) (string, error) {
	splitLength := 1
	if n, ok := intOf(config["split_length"]); ok {
		splitLength = n
	}
	prefix, err := pyFormat(idSlice(form, splitLength), vars)
	if err != nil {
		return "", fmt.Errorf("KeyError: %s not in id_template %s", err, form)
	}
	key := strings.ToLower(typeID)
	if prefix = normalizeFilename(prefix); prefix != "" {
		key += "-" + prefix
	}
	return key, nil
}

// countedNumber is get_counted_number: the number of objects in the
// sequence of the configured context (counter_type "contained": the
// context's children of counter_reference's meta type, the new one
// included).
func (l *Lab) countedNumber(config, vars map[string]any, container *Object) int {
	ctx := container
	if name, _ := config["context"].(string); name != "" {
		if o, ok := vars[name].(*Object); ok {
			ctx = o
		}
	}
	if ctx == nil {
		return 1
	}
	ref, _ := config["counter_reference"].(string)
	n := 1
	for _, ch := range ctx.children {
		if ref == "" || ch.Type.Name == ref {
			n++
		}
	}
	return n
}

var placeholderRE = regexp.MustCompile(`\{([A-Za-z_]+)(?::([^}]*))?\}`)

// idSlice is idserver.py's slice() with separator "-": the first n
// segments of a format (placeholders are segments), separators between
// them kept.
func idSlice(form string, n int) string {
	if n < 1 {
		n = 1
	}
	var segs []string
	split := func(s string) {
		for i, part := range strings.Split(s, "-") {
			if i > 0 {
				segs = append(segs, "-")
			}
			if part != "" {
				segs = append(segs, part)
			}
		}
	}
	last := 0
	for _, m := range placeholderRE.FindAllStringIndex(form, -1) {
		split(form[last:m[0]])
		segs = append(segs, form[m[0]:m[1]])
		last = m[1]
	}
	split(form[last:])
	var b strings.Builder
	kept := 0
	for _, s := range segs {
		if s == "-" {
			if kept > 0 && kept < n {
				b.WriteString(s)
			}
			continue
		}
		if kept == n {
			break
		}
		b.WriteString(s)
		kept++
	}
	return b.String()
}

// pyFormat interpolates an id template the way Python's str.format does
// for the specs the ID server meets: {name}, {name:03d}, {name:d},
// {alpha:2a3d}, and strftime specs of dates ({dateSampled:%Y%m%d}). An
// unknown name is an error, as upstream's KeyError.
func pyFormat(form string, vars map[string]any) (string, error) {
	var missing error
	out := placeholderRE.ReplaceAllStringFunc(form, func(p string) string {
		m := placeholderRE.FindStringSubmatch(p)
		v, ok := vars[m[1]]
		if !ok {
			missing = fmt.Errorf("'%s'", m[1])
			return ""
		}
		return formatValue(v, m[2])
	})
	return out, missing
}

func formatValue(v any, spec string) string {
	switch x := v.(type) {
	case int:
		if strings.HasSuffix(spec, "d") {
			width, _ := strconv.Atoi(strings.TrimSuffix(spec, "d"))
			if strings.HasPrefix(spec, "0") {
				return fmt.Sprintf("%0*d", width, x)
			}
			return fmt.Sprintf("%*d", width, x)
		}
		return strconv.Itoa(x)
	case alphanumber:
		if spec == "" {
			spec = "3a3d"
		}
		return x.format(spec)
	case time.Time:
		if spec == "" {
			return x.Format("2006-01-02 15:04:05")
		}
		return strftime(x, spec)
	case *Object:
		if x == nil {
			return "None"
		}
		return x.ID
	case nil:
		return "None"
	}
	return fmt.Sprint(v)
}

// strftime renders the common directives of Python's strftime.
func strftime(t time.Time, spec string) string {
	r := strings.NewReplacer("%Y", t.Format("2006"), "%y", t.Format("06"), "%m", t.Format("01"), "%d", t.Format("02"),
		"%H", t.Format("15"), "%M", t.Format("04"), "%S", t.Format("05"), "%%", "%")
	return r.Replace(spec)
}

// alphanumber is senaite.core's Alphanumber (idserver/alphanumber.py):
// a number written as letters then digits, "2a3d" → AA001 … AA999, AB001.
type alphanumber struct{ number int }

func (a alphanumber) format(spec string) string {
	var chars, digits int
	if _, err := fmt.Sscanf(spec, "%da%dd", &chars, &digits); err != nil || chars < 1 || digits < 1 {
		chars, digits = 3, 3
	}
	// to_alpha: the digits part runs 1…10^digits-1, then the letters move on
	max := 1
	for i := 0; i < digits; i++ {
		max *= 10
	}
	max--
	n := a.number
	num := n % max
	letters := n / max
	if num == 0 && n > 0 {
		num = max
		letters--
	}
	lb := make([]byte, chars)
	for i := chars - 1; i >= 0; i-- {
		lb[i] = byte('A' + letters%26)
		letters /= 26
	}
	return fmt.Sprintf("%s%0*d", lb, digits, num)
}

var (
	dangerousChars = regexp.MustCompile("[!#$%&()*+,/:;<=>?@\\\\^{|}\\[\\]~`]+")
	multipleDashes = regexp.MustCompile(`-{2,}`)
)

// normalizeFilename is api.normalize_filename (plone.i18n's
// FileNameNormalizer): characters unsafe in a file name become dashes,
// runs of dashes one, leading dots dropped; case is kept.
func normalizeFilename(s string) string {
	s = strings.TrimLeft(s, ".")
	s = dangerousChars.ReplaceAllString(s, "-")
	s = multipleDashes.ReplaceAllString(s, "-")
	return strings.Trim(s, "-")
}

func intOf(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case float64:
		return int(x), true
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}
