package sim

import (
	"fmt"
	"regexp"
	"strings"
)

// plone.restapi's Archetypes deserializer: mutators, their conversions,
// and the validation that follows (deserializer/atcontent.py, atfields.py).

// isEmailRE is Products.validation's isEmail (validators/BaseValidators.py
// EMAIL_RE; its class [0-9a-z-A-Z] spelled for RE2).
var isEmailRE = regexp.MustCompile(`^([0-9a-zA-Z_&.'+-]+!)*[0-9a-zA-Z_&.'+-]+@(([0-9a-zA-Z]([0-9a-zA-Z-]*[0-9a-zA-Z-])?\.)+[a-zA-Z]{2,6}|([0-9]{1,3}\.){3}[0-9]{1,3})$`)

// atDeserialize is DeserializeFromJson.__call__ for AT content
// (atcontent.py): every writeable schema field named in the data goes
// through its mutator (unknown and read-only keys are ignored); if any was,
// the fields given are validated, the object reindexed (modified moves)
// and ObjectEditedEvent fired.
func (l *Lab) atDeserialize(o *Object, data map[string]any) *restRaise {
	modified := false
	var given []string
	// BaseSchema's title and description come first in the schema
	for _, name := range []string{"title", "description"} {
		v, ok := data[name]
		if !ok || o.Type.Field(name) != nil {
			continue
		}
		s := pyString(v)
		if name == "description" {
			o.Description = s
		} else if o.Type.Field("Name") != nil && (o.Type.Name == "Laboratory" || o.Type.Name == "Client" ||
			o.Type.Name == "Supplier") {
			// Organisation.setTitle sets Name (organisation.py:184-187)
			setOrDelete(o.Fields, "Name", s)
			given = append(given, "Name")
		} else {
			o.Title = s
		}
		modified = true
	}
	for i := range o.Type.Fields {
		f := &o.Type.Fields[i]
		v, ok := data[f.Name]
		if !ok || f.ReadOnly || !l.fieldWritable(o, f) {
			continue
		}
		if o.Type.Name == "AnalysisRequest" && f.Name == "Analyses" {
			continue // ARAnalysesField's mutator is not modelled here
		}
		old := o.Fields[f.Name]
		if r := l.atMutate(o, f, v); r != nil {
			return r
		}
		if f.Unique {
			l.indexUnique(o, f, old)
		}
		if f.Name == "title" {
			o.Title, _ = o.Fields["title"].(string)
		}
		if f.Name == "description" {
			o.Description, _ = o.Fields["description"].(string)
		}
		given = append(given, f.Name)
		modified = true
	}
	if !modified {
		return nil
	}
	if errs := l.atValidate(o, given); len(errs) > 0 {
		return raise(400, "BadRequest", "%s", pyRepr(errs))
	}
	switch o.Type.Name {
	case "Laboratory":
		o.Title = laboratoryTitle(o)
	default:
		if t := computedTitle(l, o); t != "" {
			o.Title = t
		}
	}
	o.touch(l.now())
	l.version++
	return nil
}

func setOrDelete(m map[string]any, k string, v any) {
	if v == nil {
		delete(m, k)
		return
	}
	if s, ok := v.(string); ok && s == "" {
		delete(m, k)
		return
	}
	m[k] = v
}

// atMutate calls a field's mutator with the JSON value as plone.restapi's
// DefaultFieldDeserializer passes it (unchanged, atfields.py:24-33): the
// Archetypes field's set() converts, and raises on what it cannot.
// bika_setup's proxies and AutoLogOff have their own mutators.
func (l *Lab) atMutate(o *Object, f *Field, v any) *restRaise {
	if o.Type.Name == "BikaSetup" {
		if dx, ok := setupProxies[f.Name]; ok {
			ss := l.senaiteSetup()
			if ss == nil {
				return nil
			}
			if f.Name == "MaxNumberOfSamplesAdd" {
				// api.to_int(value, default=10) (bikasetup.py:1300-1307)
				n, r := pyInt(v)
				if r != nil {
					n = 10
				}
				setupSetter(ss, dx, n)
				return nil
			}
			val, r := l.atConvert(f, v, o)
			if r != nil {
				return r
			}
			setupSetter(ss, dx, val)
			return nil
		}
		if f.Name == "AutoLogOff" {
			// setAutoLogOff: int(value), negatives are 0, minutes → seconds
			n, r := pyInt(v)
			if r != nil {
				return r
			}
			o.Fields[sessionTimeoutKey] = max(n, 0) * 60
			return nil
		}
	}
	val, r := l.atConvertField(o, f, v)
	if r != nil {
		return r
	}
	setOrDelete(o.Fields, f.Name, val)
	if b, ok := val.(bool); ok && !b {
		o.Fields[f.Name] = false
	}
	return nil
}

func (l *Lab) atConvertField(o *Object, f *Field, v any) (any, *restRaise) {
	switch f.Kind {
	case KRef, KRefs:
		return l.atReference(f, v), nil
	}
	return l.atConvert(f, v, o)
}

// atConvert is an Archetypes field's set() conversion.
func (l *Lab) atConvert(f *Field, v any, o *Object) (any, *restRaise) {
	switch f.Kind {
	case KString, KText:
		if v == nil {
			return nil, nil
		}
		return pyString(v), nil
	case KBool:
		// BooleanField.set: not value, '0' and 'False' are False
		switch x := v.(type) {
		case string:
			return !(x == "" || x == "0" || x == "False"), nil
		default:
			return pyTruthy(v), nil
		}
	case KInt:
		// IntegerField.set: '' is None, else int(value)
		if v == nil {
			return nil, nil
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, nil
		}
		n, r := pyInt(v)
		if r != nil {
			return nil, r
		}
		return n, nil
	case KFixed:
		return atFixedPoint(f, v, o)
	case KDate:
		if !pyTruthy(v) {
			return nil, nil
		}
		s, ok := v.(string)
		if !ok {
			return nil, raise(500, "SyntaxError", "%s", pyRepr(pyAny(v)))
		}
		t, ok := parseLooseTime(s, l.opts.Location)
		if !ok {
			return nil, raise(500, "SyntaxError", "%s", s)
		}
		return t, nil
	case KLines:
		// LinesField.set: a string is split at line breaks; items stripped,
		// empty ones dropped
		var items []any
		switch x := v.(type) {
		case nil:
			return nil, nil
		case string:
			for _, p := range strings.Split(x, "\n") {
				items = append(items, p)
			}
		case []any:
			items = x
		default:
			return nil, raise(500, "TypeError", "'%s' object is not iterable", pyType(v))
		}
		var out []string
		for _, it := range items {
			s, ok := it.(string)
			if !ok {
				if !pyTruthy(it) {
					continue
				}
				return nil, raise(500, "AttributeError", "'%s' object has no attribute 'strip'", pyType(it))
			}
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	case KRecords:
		var items []any
		switch x := v.(type) {
		case nil:
			return nil, nil
		case map[string]any:
			items = []any{x}
		case []any:
			items = x
		default:
			return nil, raise(500, "TypeError", "'%s' object is not iterable", pyType(v))
		}
		var out []map[string]any
		for _, it := range items {
			m, ok := it.(map[string]any)
			if !ok || len(m) == 0 {
				continue // RecordsField drops what is not a filled record
			}
			out = append(out, plainNumbers(m).(map[string]any))
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	case KRecord:
		switch x := v.(type) {
		case nil:
			return nil, nil
		case map[string]any:
			if len(x) == 0 {
				return nil, nil
			}
			return plainNumbers(x), nil
		case string:
			if x == "" {
				return nil, nil
			}
		}
		return nil, raise(500, "TypeError", "'%s' object is not a mapping", pyType(v))
	}
	return v, nil
}

// atFixedPoint is FixedPointField._to_tuple + get: an empty value is the
// default, a string is parsed at '.' or ',' (precision 2), anything else
// fails on value.replace.
func atFixedPoint(f *Field, v any, o *Object) (any, *restRaise) {
	if !pyTruthy(v) {
		if o != nil && o.Type.Name == "BikaSetup" {
			switch f.Name {
			case "MemberDiscount":
				return "33.33", nil
			case "VAT":
				return "19.00", nil
			}
		}
		return "0.00", nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, raise(500, "AttributeError", "'%s' object has no attribute 'replace'", pyType(v))
	}
	parts := strings.Split(strings.ReplaceAll(s, ",", "."), ".")
	if parts[0] == "" && len(parts) > 1 {
		parts[0] = "0"
	}
	whole, r := pyInt(parts[0])
	if r != nil {
		return nil, r
	}
	frac := int64(0)
	if len(parts) > 1 {
		fs := parts[1]
		if len(fs) > 2 {
			fs = fs[:2]
		}
		fs += strings.Repeat("0", 2-len(fs))
		if frac, r = pyInt(fs); r != nil {
			return nil, r
		}
	}
	return fmt.Sprintf("%d.%02d", whole, frac), nil
}

// atReference is what a 2.x UIDReferenceField.set keeps (bika
// uidreferencefield.py set/get_uid): strings of UID form (32 characters,
// existing or not); anything else resolves to nothing and is dropped. A
// 1.x ReferenceField is given objects by URL (atfields.py:83-101) or UID.
func (l *Lab) atReference(f *Field, v any) any {
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case nil:
	default:
		items = []any{x}
	}
	var uids []string
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			continue
		}
		if isUID(s) {
			uids = append(uids, s)
			continue
		}
		if !f.UIDRef {
			if t := l.byURLPath(s); t != nil {
				uids = append(uids, t.UID)
			}
		}
	}
	if f.Kind == KRef {
		if len(uids) == 0 {
			return nil
		}
		return uids[0]
	}
	if len(uids) == 0 {
		return nil
	}
	return uids
}

// byURLPath finds an object by its absolute URL.
func (l *Lab) byURLPath(u string) *Object {
	if i := strings.Index(u, l.portal.Path+"/"); i >= 0 {
		return l.byPath[strings.TrimRight(u[i:], "/")]
	}
	return nil
}

// atValidate is the validation plone.restapi runs after setting
// (atcontent.py validate): the whole schema through Archetypes'
// Schema.validate on the accessors' values, errors kept only for the
// fields given. Checked here: required fields ("<label> is required,
// please correct."; numbers pass when int() takes them), the isEmail
// validator, natural keys.
func (l *Lab) atValidate(o *Object, given []string) []any {
	in := map[string]bool{}
	for _, g := range given {
		in[g] = true
	}
	msgs := map[string]string{}
	var order []string
	add := func(name, msg string) {
		if _, ok := msgs[name]; !ok {
			order = append(order, name)
		}
		msgs[name] = msg
	}
	for i := range o.Type.Fields {
		f := &o.Type.Fields[i]
		v := l.atAccessorValue(o, f)
		if f.Required && !f.ReadOnly {
			missing := false
			switch f.Kind {
			case KInt, KFixed:
				_, r := pyInt(v)
				if s, ok := v.(string); ok && f.Kind == KFixed {
					_, r = pyInt(strings.SplitN(s, ".", 2)[0])
				}
				missing = r != nil
			default:
				missing = !pyTruthy(v)
			}
			if missing {
				label := atLabels[f.Name]
				if label == "" {
					label = f.Name
				}
				add(f.Name, label+" is required, please correct.")
				continue
			}
		}
		if atEmailFields[f.Name] {
			if s, _ := v.(string); s != "" && !isEmailRE.MatchString(s) {
				add(f.Name, fmt.Sprintf("Validation failed(isEmail): '%s' is not a valid email address.", s))
				continue
			}
		}
		if f.Unique {
			if s := scalarString(v); s != "" {
				if other := l.uniqIndex(o.Type, f.Name)[s]; other != nil && other != o {
					add(f.Name, fmt.Sprintf("Validation failed: '%s' is not unique", s))
				}
			}
		}
	}
	// the errors dict, then the comprehension keeping the given fields,
	// each iterated in CPython 2.7's order
	var kept []string
	for _, name := range py2DictOrder(order) {
		if in[name] {
			kept = append(kept, name)
		}
	}
	var out []any
	for _, name := range py2DictOrder(kept) {
		out = append(out, newPyDict("message", pyUnicode(msgs[name]), "field", pyStr(name),
			"error", pyStr("ValidationError")))
	}
	return out
}
