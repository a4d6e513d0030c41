// Package ids is senaite-sync's model of SENAITE's ID server, enough to
// keep a source's ids at the destination (ARCHITECTURE.md §5, Ids).
//
// senaite.jsonapi cannot choose an id: create_object pops it from the
// payload (senaite.jsonapi api.py, create_object: "Passed in ID … omitted!
// Senaite LIMS generates a proper ID"). The destination's ID server names
// every new object from bika_setup's IDFormatting (senaite.core
// src/senaite/core/idserver/idserver.py, generateUniqueId): a "generated"
// format takes the next number of a counter kept per storage key
// (make_storage_key: the portal type and the format's prefix, e.g.
// "analysisrequest-H2O" for "{sampleType}-{seq:04d}"), and a number is
// consumed by every create, a failed one too. So a destination with the
// source's formats and untouched counters gives back the source's ids
// exactly when each key's objects are created one after the other in the
// source's order — keys may proceed in parallel. Partitions and secondaries
// are numbered by counting their siblings (get_partition_count,
// get_secondary_count), so they too must be created in order, per parent.
//
// This package reads an object's id against its format and says which
// sequence it belongs to and where (Of). Pure: no I/O.
package ids

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Format is one row of bika_setup's IDFormatting.
type Format struct {
	PortalType   string
	Form         string
	SequenceType string
	// SplitLength is how many segments of Form make the counter's prefix
	// (idserver.py get_generated_number, slice()).
	SplitLength int
}

// Formats reads bika_setup's IDFormatting records as senaite.jsonapi shows
// them; a lab without the field (or with none) numbers by the defaults.
func Formats(records []map[string]any) []Format {
	if len(records) == 0 {
		return Defaults()
	}
	out := make([]Format, 0, len(records))
	for _, r := range records {
		f := Format{PortalType: str(r["portal_type"]), Form: str(r["form"]), SequenceType: str(r["sequence_type"]),
			SplitLength: 1}
		// upstream spells it "split_length", and "split-length" in the
		// defaults of the sample variants (which are not generated)
		if n, ok := toInt(r["split_length"]); ok {
			f.SplitLength = n
		}
		if f.PortalType != "" && f.Form != "" {
			out = append(out, f)
		}
	}
	return out
}

// Defaults are senaite.core 2.6's IDFormatting defaults
// (src/bika/lims/content/bikasetup.py, IDFormattingField default).
func Defaults() []Format {
	g := func(pt, form string) Format {
		return Format{PortalType: pt, Form: form, SequenceType: "generated", SplitLength: 1}
	}
	return []Format{
		g("Batch", "B-{seq:03d}"), g("DuplicateAnalysis", "D-{seq:03d}"), g("Invoice", "I-{seq:03d}"),
		g("ReferenceSample", "QC-{seq:03d}"), g("ReferenceAnalysis", "SA-{seq:03d}"), g("Worksheet", "WS-{seq:03d}"),
		g("AnalysisRequest", "{sampleType}-{seq:04d}"),
		{PortalType: "AnalysisRequestPartition", Form: "{parent_ar_id}-P{partition_count:02d}", SplitLength: 1},
		{PortalType: "AnalysisRequestRetest", Form: "{parent_base_id}-R{retest_count:02d}", SplitLength: 1},
		{PortalType: "AnalysisRequestSecondary", Form: "{parent_ar_id}-S{secondary_count:02d}", SplitLength: 1},
	}
}

// config is idserver.py's get_config: the row of a type id, matched
// case-insensitively, or "<type>-{seq}" generated.
func config(formats []Format, typeID string) Format {
	for _, f := range formats {
		if strings.EqualFold(f.PortalType, typeID) {
			return f
		}
	}
	return Format{PortalType: typeID, Form: strings.ToLower(typeID) + "-{seq}", SequenceType: "generated", SplitLength: 1}
}

// Sequence is where an object's id stands in the destination's
// numbering: objects of one Key are created one at a time, in Seq order.
type Sequence struct {
	Key string
	Seq int
}

// Object is what Of needs of an object.
type Object struct {
	PortalType string
	ID         string
	// Partition and Secondary are, for a partition or a secondary sample,
	// the source UID of the sample it is numbered after
	// (ParentAnalysisRequest, PrimaryAnalysisRequest); "" otherwise.
	Partition, Secondary string
	// Container is the source UID of the object's container: analyses are
	// numbered within it.
	Container string
}

// Of tells which sequence an object's id belongs to. ok is false when the
// destination's ID server does not number the type (analyses are named
// after their keyword), or the id cannot be read against its format — a
// format with a date ({year}, {yymmdd}: the destination's today), or an id
// that does not follow the format (made under another setup) — and why.
func Of(formats []Format, o Object) (seq Sequence, ok bool, why string) {
	switch o.PortalType {
	case "Analysis", "DuplicateAnalysis", "ReferenceAnalysis", "RejectAnalysis":
		// generate_analysis_id (senaite.core bika/lims/utils/analysis.py):
		// the service keyword, then Keyword-1, Keyword-2 — the first free
		// one in the container, so creation order within it decides
		base, n := keywordID(o.ID)
		if o.Container == "" {
			return Sequence{}, false, "named after its keyword, in a container not known"
		}
		return Sequence{Key: "keyword:" + o.Container + ":" + base, Seq: n}, true, ""
	}
	typeID := o.PortalType
	switch {
	case o.PortalType == "AnalysisRequest" && o.Partition != "":
		typeID = "AnalysisRequestPartition"
	case o.PortalType == "AnalysisRequest" && o.Secondary != "":
		typeID = "AnalysisRequestSecondary"
	}
	f := config(formats, typeID)
	vars, ok := match(f.Form, o.ID)
	if !ok {
		return Sequence{}, false, fmt.Sprintf("id %q does not follow the format %q", o.ID, f.Form)
	}
	for name := range vars {
		if dated[name] {
			return Sequence{}, false, fmt.Sprintf("the format %q holds a date ({%s})", f.Form, name)
		}
	}
	switch typeID {
	case "AnalysisRequestPartition":
		if n, err := strconv.Atoi(vars["partition_count"]); err == nil {
			return Sequence{Key: "partition:" + o.Partition, Seq: n}, true, ""
		}
	case "AnalysisRequestSecondary":
		if n, err := strconv.Atoi(vars["secondary_count"]); err == nil {
			return Sequence{Key: "secondary:" + o.Secondary, Seq: n}, true, ""
		}
	}
	if f.SequenceType != "generated" {
		return Sequence{}, false, fmt.Sprintf("the format %q is not a generated sequence", f.Form)
	}
	n, ok := number(vars)
	if !ok {
		return Sequence{}, false, fmt.Sprintf("the format %q has no sequence number", f.Form)
	}
	prefix, ok := format(slice(f.Form, f.SplitLength), vars)
	if !ok {
		return Sequence{}, false, fmt.Sprintf("the format %q: prefix not read from %q", f.Form, o.ID)
	}
	// make_storage_key
	key := strings.ToLower(typeID)
	if prefix != "" {
		key += "-" + prefix
	}
	return Sequence{Key: key, Seq: n}, true, ""
}

// bikaAR is a Bika LIMS / SENAITE ≤1.2 analysis request id: its sample's
// id ({sampleType}-{seq:04d}) and the request's number in it (-R01).
var bikaAR = regexp.MustCompile(`^(.+)-([0-9]{4,})-R([0-9]{2,})$`)

// OfBika places a 1.x analysis request in the 2.x sample numbering it
// joins: a 2.x sample is numbered per sample type and cannot be called
// H2O-0001-R01 (a retest's id there), so the id changes, but the requests
// are created in their samples' order — a lab whose samples had one
// request each finds H2O-0001 where H2O-0001-R01 was.
func OfBika(id string) (Sequence, bool) {
	m := bikaAR.FindStringSubmatch(id)
	if m == nil {
		return Sequence{}, false
	}
	sample, _ := strconv.Atoi(m[2])
	req, _ := strconv.Atoi(m[3])
	return Sequence{Key: "analysisrequest-" + m[1], Seq: sample*100 + req}, true
}

var keywordSuffix = regexp.MustCompile(`^(.+)-([0-9]+)$`)

// keywordID reads an analysis id: its keyword and its repeat number (0
// for the keyword alone). A keyword that itself ends in -<digits> reads as
// a repeat: only the order of creation is at stake.
func keywordID(id string) (string, int) {
	if m := keywordSuffix.FindStringSubmatch(id); m != nil {
		n, _ := strconv.Atoi(m[2])
		return m[1], n
	}
	return id, 0
}

// dated are the variables whose value is the creation date at the
// destination (get_current_year, get_yymmdd) or a date of the sample.
var dated = map[string]bool{"year": true, "yymmdd": true, "dateSampled": true, "samplingDate": true}

var placeholder = regexp.MustCompile(`\{([A-Za-z_]+)(?::([^}]*))?\}`)

// match reads an id against a format: the values of its variables.
func match(form, id string) (map[string]string, bool) {
	c := compiled(form)
	if c.rx == nil {
		return nil, false
	}
	sub := c.rx.FindStringSubmatch(id)
	if sub == nil {
		return nil, false
	}
	vars := make(map[string]string, len(c.names))
	for i, n := range c.names {
		vars[n] = sub[i+1]
	}
	return vars, true
}

// compiledForm is a format as a regular expression, with its variables'
// names in order; rx is nil for a format that makes none.
type compiledForm struct {
	rx    *regexp.Regexp
	names []string
}

// forms keeps each format compiled: an import plan reads every object's
// id against its format, and compiling it each time was half of the
// planning's allocations. A lab has a few dozen formats; past maxForms
// (labs' formats that keep changing) they are compiled each time.
var forms struct {
	sync.Mutex
	m map[string]compiledForm
}

const maxForms = 1000

func compiled(form string) compiledForm {
	forms.Lock()
	c, ok := forms.m[form]
	forms.Unlock()
	if ok {
		return c
	}
	var re strings.Builder
	re.WriteString("^")
	var names []string
	last := 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(form, -1) {
		re.WriteString(regexp.QuoteMeta(form[last:m[0]]))
		name := form[m[2]:m[3]]
		spec := ""
		if m[4] >= 0 {
			spec = form[m[4]:m[5]]
		}
		names = append(names, name)
		switch {
		case name == "alpha":
			re.WriteString(`([A-Z]+[0-9]+)`)
		case strings.HasSuffix(spec, "d"):
			width, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(spec, "0"), "d"))
			if width < 1 {
				width = 1
			}
			fmt.Fprintf(&re, `([0-9]{%d,})`, width)
		case name == "seq":
			re.WriteString(`([0-9]+)`)
		default:
			re.WriteString(`(.+?)`)
		}
		last = m[1]
	}
	re.WriteString(regexp.QuoteMeta(form[last:]))
	re.WriteString("$")
	c = compiledForm{names: names}
	c.rx, _ = regexp.Compile(re.String())
	forms.Lock()
	if forms.m == nil {
		forms.m = map[string]compiledForm{}
	}
	if len(forms.m) < maxForms {
		forms.m[form] = c
	}
	forms.Unlock()
	return c
}

// number is the sequence number of an id's variables: {seq}, or {alpha}
// read as letters then digits (Alphanumber: AA001 < AA999 < AB001).
func number(vars map[string]string) (int, bool) {
	if s, ok := vars["seq"]; ok {
		n, err := strconv.Atoi(s)
		return n, err == nil
	}
	a, ok := vars["alpha"]
	if !ok {
		return 0, false
	}
	i := strings.IndexFunc(a, func(r rune) bool { return r >= '0' && r <= '9' })
	letters, digits := a[:i], a[i:]
	n := 0
	for _, c := range letters {
		n = n*26 + int(c-'A')
	}
	d, err := strconv.Atoi(digits)
	if err != nil {
		return 0, false
	}
	width := 1
	for range digits {
		width *= 10
	}
	return n*width + d, true
}

// slice is idserver.py's slice() with separator "-": the first n segments
// of a format, placeholders counted as segments.
func slice(form string, n int) string {
	if n < 1 {
		n = 1
	}
	var segs []string
	last := 0
	for _, m := range placeholder.FindAllStringIndex(form, -1) {
		segs = append(segs, splitSeparators(form[last:m[0]])...)
		segs = append(segs, form[m[0]:m[1]])
		last = m[1]
	}
	segs = append(segs, splitSeparators(form[last:])...)
	var out strings.Builder
	kept := 0
	for _, s := range segs {
		if s == "-" {
			if kept > 0 && kept < n {
				out.WriteString(s)
			}
			continue
		}
		if kept == n {
			break
		}
		out.WriteString(s)
		kept++
	}
	return out.String()
}

// splitSeparators splits literal text into segments and "-" separators.
func splitSeparators(s string) []string {
	var out []string
	for i, part := range strings.Split(s, "-") {
		if i > 0 {
			out = append(out, "-")
		}
		if part != "" {
			out = append(out, part)
		}
	}
	return out
}

// format interpolates a prefix template with an id's variables; a
// variable the id did not show cannot be known.
func format(tmpl string, vars map[string]string) (string, bool) {
	ok := true
	out := placeholder.ReplaceAllStringFunc(tmpl, func(p string) string {
		name := placeholder.FindStringSubmatch(p)[1]
		v, found := vars[name]
		ok = ok && found
		return v
	})
	return out, ok
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), true
	case int:
		return x, true
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}
