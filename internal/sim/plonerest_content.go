package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// isEmailRE is Products.validation's isEmail (validators/BaseValidators.py
// EMAIL_RE; its class [0-9a-z-A-Z] spelled for RE2).
var isEmailRE = regexp.MustCompile(`^([0-9a-zA-Z_&.'+-]+!)*[0-9a-zA-Z_&.'+-]+@(([0-9a-zA-Z]([0-9a-zA-Z-]*[0-9a-zA-Z-])?\.)+[a-zA-Z]{2,6}|([0-9]{1,3}\.){3}[0-9]{1,3})$`)

// dxEmailRE is plone.schema 1.x Email's pattern, matched at the start only
// (re.match, plone/schema/email.py).
var dxEmailRE = regexp.MustCompile(`^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,4}`)

// plone.restapi's content services on any content object's URL, with
// Accept: application/json: GET (the object's serialization) and PATCH
// (update), as plone.restapi 7.x ships for Plone 5.2 on Python 2 (the last
// line with Archetypes support; 8.3.0 dropped it). A sync needs PATCH for
// what senaite.jsonapi refuses to update: bika_setup, the Laboratory and
// senaite_setup (jsonapi api.py:1104-1127).
//
// Sources (plone/plone.restapi tag 7.9.1): services/content/update.py,
// get.py; deserializer/__init__.py, atcontent.py, atfields.py,
// dxcontent.py, dxfields.py; serializer/atcontent.py, atfields.py,
// dxcontent.py, dxfields.py, summary.py, converters.py; plone.rest
// errors.py (exceptions rendered as {"type", "message"} plus "traceback"
// for users with "Manage portal").
//
// Not modelled: the portal itself, renaming through "id", the ordering and
// layout keys, locking, versions, Dublin Core metadata fields of AT types,
// and a sample's Analyses field (its mutator creates analyses).

// restRaise is a Python exception raised inside a plone.restapi service:
// plone.rest's error view answers it and Zope aborts the transaction.
type restRaise struct {
	status int
	typ    string
	msg    string
}

func raise(status int, typ, format string, args ...any) *restRaise {
	return &restRaise{status: status, typ: typ, msg: fmt.Sprintf(format, args...)}
}

// servePloneContent answers a request for a content object's URL. Only
// requests plone.rest claims (Accept: application/json) reach the REST
// services; the rest stays what Zope answers.
func (s *Server) servePloneContent(c *reqCtx, rest string) {
	if s.lab.opts.NoPloneREST || !acceptsJSON(c.r) {
		if c.r.Method == http.MethodPatch && !s.lab.opts.NoPloneREST {
			c.w.Header().Set("Content-Type", "text/html; charset=utf-8")
			c.w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = c.w.Write([]byte("<html><body>Method Not Allowed</body></html>"))
			return
		}
		s.zopeNotFound(c.w)
		return
	}
	l := s.lab
	c.user = s.authenticate(c.r, nil)
	p := strings.TrimRight(l.portal.Path+rest, "/")
	if p == l.portal.Path {
		s.zopeNotFound(c.w) // the site root's own services are not modelled
		return
	}
	switch c.r.Method {
	case http.MethodGet:
		l.mu.RLock()
		defer l.mu.RUnlock()
		o := l.byPath[p]
		if r := l.restAccess(c, o, false); r != nil {
			c.restRaised(r)
			return
		}
		data, r := l.restSerialize(o, c)
		if r != nil {
			c.restRaised(r)
			return
		}
		c.pyJSON(200, data)
	case http.MethodPatch:
		l.mu.Lock()
		defer l.mu.Unlock()
		o := l.byPath[p]
		if r := l.restAccess(c, o, true); r != nil {
			c.restRaised(r)
			return
		}
		l.restPatch(c, o)
	default:
		c.pyJSON(405, map[string]any{"error": map[string]any{"type": "MethodNotAllowed",
			"message": "Method not allowed"}})
	}
}

// acceptsJSON: plone.rest marks a request as an API request when its
// Accept header names application/json.
func acceptsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// restAccess refuses what Zope refuses before the service runs: a missing
// object (NotFound), an anonymous caller, a caller without "Modify portal
// content" for PATCH (Manager and LabManager have it on setup and
// content).
func (l *Lab) restAccess(c *reqCtx, o *Object, write bool) *restRaise {
	if c.user == nil {
		return raise(401, "Unauthorized", "You are not authorized to access this resource.")
	}
	if o == nil {
		return raise(404, "NotFound", "Resource not found: %s", c.u.host+c.r.URL.Path)
	}
	if write && !contains(c.user.Roles, "Manager") && !contains(c.user.Roles, "LabManager") {
		return raise(401, "Unauthorized", "You are not authorized to access this resource.")
	}
	return nil
}

// pyJSON answers a plone.restapi service's reply.
func (c *reqCtx) pyJSON(status int, v any) {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(pyIndentJSON(v))
}

// restRaised answers an exception the way plone.rest's ErrorHandling view
// does: {"message", "type"} and, for users with "Manage portal", the
// traceback.
func (c *reqCtx) restRaised(r *restRaise) {
	body := map[string]any{"type": r.typ, "message": r.msg}
	if c.user != nil && contains(c.user.Roles, "Manager") {
		body["traceback"] = []any{
			`File "/home/senaite/eggs/Zope-4.8.9-py2.7.egg/ZPublisher/WSGIPublisher.py", line 162, in transaction_pubevents`,
			`    yield`,
			`File "/home/senaite/eggs/plone.rest-1.6.2-py2.7.egg/plone/rest/service.py", line 22, in __call__`,
			`    return self.render()`,
			`File "/home/senaite/eggs/plone.restapi-7.9.1-py2.7.egg/plone/restapi/services/__init__.py", line 21, in render`,
			`    content = self.reply()`,
		}
	}
	c.pyJSON(r.status, body)
}

// restPatch is ContentPatch.reply (update.py): deserialize, then 204, or
// 200 with the serialization when the client prefers a representation.
// Any exception rolls the object back, as Zope aborts the transaction.
func (l *Lab) restPatch(c *reqCtx, o *Object) {
	raw, err := io.ReadAll(io.LimitReader(c.r.Body, 64<<20))
	if err != nil {
		c.restRaised(raise(400, "BadRequest", "%v", err))
		return
	}
	data, msg := restBody(raw)
	if msg != "" {
		c.pyJSON(400, map[string]any{"error": map[string]any{"type": "DeserializationError", "message": msg}})
		return
	}
	undo := l.restSnapshot(o)
	var r *restRaise
	if o.Type.DX {
		r = l.dxDeserialize(o, data)
	} else {
		r = l.atDeserialize(o, data)
	}
	if r == nil && c.r.Header.Get("Prefer") == "return=representation" {
		var out map[string]any
		if out, r = l.restSerialize(o, c); r == nil {
			c.pyJSON(200, out)
			return
		}
	}
	if r != nil {
		undo()
		c.restRaised(r)
		return
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// restBody is json_body (deserializer/__init__.py): an empty body is {},
// anything but a JSON object is refused. Numbers keep whether they were
// integers, as Python's json does.
func restBody(raw []byte) (map[string]any, string) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return map[string]any{}, ""
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, "No JSON object could be decoded"
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, "Malformed body"
	}
	return m, ""
}

// restSnapshot saves what a PATCH may change — the object, and the
// senaite_setup bika_setup's proxies write through — and returns the
// rollback.
func (l *Lab) restSnapshot(o *Object) func() {
	type saved struct {
		o        *Object
		fields   map[string]any
		title    string
		desc     string
		modified time.Time
	}
	var snaps []saved
	for _, x := range []*Object{o, l.senaiteSetup()} {
		if x == nil {
			continue
		}
		f := make(map[string]any, len(x.Fields))
		for k, v := range x.Fields {
			f[k] = v
		}
		snaps = append(snaps, saved{o: x, fields: f, title: x.Title, desc: x.Description, modified: x.Modified})
	}
	version := l.version
	return func() {
		for _, s := range snaps {
			current := s.o.Fields
			s.o.Fields, s.o.Title, s.o.Description, s.o.Modified = s.fields, s.title, s.desc, s.modified
			for i := range s.o.Type.Fields {
				if f := &s.o.Type.Fields[i]; f.Unique {
					l.indexUnique(s.o, f, current[f.Name])
				}
			}
			s.o.cache.Store(nil)
		}
		l.version = version + 1
	}
}

// --- Archetypes -----------------------------------------------------------

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

// --- Dexterity ------------------------------------------------------------

// dxDeserialize is DeserializeFromJson.__call__ for DX content
// (dxcontent.py): for each schema field (read-only ones skipped) named in
// the data, null clears an optional field and is an error on a required
// one, the value is deserialized and validated, set when it differs; any
// error fails the whole request with BadRequest. ObjectModifiedEvent (and
// so a new modification date) only when something changed.
func (l *Lab) dxDeserialize(o *Object, data map[string]any) *restRaise {
	names := make([]string, 0, len(o.Type.Fields))
	for _, f := range o.Type.Fields {
		names = append(names, f.Name)
	}
	var errs []any
	changed := false
	for _, name := range py2DictOrder(names) {
		f := o.Type.Field(name)
		v, ok := data[name]
		if !ok || f.ReadOnly || !l.fieldWritable(o, f) {
			continue
		}
		if v == nil {
			if f.Required {
				d := newPyDict("field", pyStr(name), "message",
					pyTuple{pyStr(name + " is a required field."), pyStr("Setting it to null is not allowed.")})
				d.set("error", pyStr("ValidationError"))
				errs = append(errs, d)
				continue
			}
			if _, had := o.Fields[name]; had {
				changed = true
			}
			delete(o.Fields, name)
			delete(o.Fields, richTextKey(name))
			continue
		}
		val, msg := l.dxConvert(o, f, v)
		if msg != "" {
			errs = append(errs, newPyDict("message", pyUnicode(msg), "field", pyStr(name),
				"error", pyStr("ValidationError")))
			continue
		}
		if f.Kind == KText && o.Type.Name == "Setup" && !isRichTextValue(o, name) {
			// a RichTextValue replaces a plain string even of equal text
			o.Fields[richTextKey(name)] = true
			changed = true
		}
		if cur, _ := l.dxStored(o, name); !sameValue(cur, val) {
			old := o.Fields[name]
			setOrDelete(o.Fields, name, val)
			if b, ok := val.(bool); ok && !b {
				o.Fields[name] = false
			}
			if f.Unique {
				l.indexUnique(o, f, old)
			}
			if name == "title" {
				o.Title, _ = o.Fields["title"].(string)
			}
			if name == "description" {
				o.Description, _ = o.Fields["description"].(string)
			}
			changed = true
		}
	}
	if len(errs) > 0 {
		return raise(400, "BadRequest", "%s", pyRepr(errs))
	}
	if changed {
		o.touch(l.now())
		l.version++
	}
	return nil
}

// dxConvert deserializes one value for a DX field (dxfields.py): unicode
// goes through IFromUnicode (TextLine stripped, "" is None), other JSON
// types are validated as they are. The message is what plone.restapi puts
// in the error: str(ValueError) or the ValidationError's doc().
func (l *Lab) dxConvert(o *Object, f *Field, v any) (any, string) {
	const wrongType = "Object is of wrong type."
	const missing = "Required input is missing."
	switch f.Kind {
	case KString:
		s, ok := v.(string)
		if !ok {
			return nil, wrongType
		}
		if o.Type.Name == "Setup" && f.Name == "email_from_sample_publication" {
			// plone.schema Email (a NativeStringLine): str(value.strip()),
			// then a prefix match of its pattern; "" is not an email
			s = strings.TrimSpace(s)
			if !dxEmailRE.MatchString(s) {
				return nil, "The specified email is not valid."
			}
			return s, ""
		}
		if s = strings.TrimSpace(s); s == "" {
			if f.Required {
				return nil, missing
			}
			return nil, ""
		}
		return s, ""
	case KText:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case map[string]any:
			// RichText {"data", "content-type", "encoding"}
			s, _ = x["data"].(string)
		default:
			return nil, wrongType
		}
		if o.Type.Name == "Setup" {
			// RichTextFieldDeserializer: raw=html_parser.unescape(data)
			s = html.UnescapeString(s)
		}
		return s, ""
	case KBool:
		switch x := v.(type) {
		case bool:
			return x, ""
		case string:
			return x == "True" || x == "true" || x == "on", ""
		}
		return nil, wrongType
	case KInt:
		switch x := v.(type) {
		case json.Number:
			n, err := x.Int64()
			if err != nil {
				return nil, wrongType
			}
			return n, ""
		case bool:
			if x {
				return int64(1), ""
			}
			return int64(0), ""
		case string:
			n, r := pyInt(x)
			if r != nil {
				return nil, r.msg
			}
			return n, ""
		}
		return nil, wrongType
	case KFixed:
		s := pyString(v)
		return s, ""
	case KDate:
		s, ok := v.(string)
		if !ok {
			return nil, wrongType
		}
		t, ok := parseLooseTime(s, l.opts.Location)
		if !ok {
			return nil, "Invalid date: " + s
		}
		return t, ""
	case KRef, KRefs:
		uids := l.atReference(&Field{Kind: KRefs, UIDRef: true}, v)
		list, _ := uids.([]string)
		if f.Kind == KRef {
			if len(list) == 0 {
				return nil, ""
			}
			return list[0], ""
		}
		if len(list) == 0 {
			return nil, ""
		}
		return list, ""
	case KRecords, KRecord, KLines:
		val, r := l.atConvert(f, v, o)
		if r != nil {
			return nil, wrongType
		}
		return val, ""
	}
	return v, ""
}

// sameValue compares a stored value with a deserialized one.
func sameValue(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// --- serialization --------------------------------------------------------

// restSerialize is ISerializeToJson for the object (serializer/atcontent.py
// and dxcontent.py): identity, parent summary, neighbours, components and
// every field as its accessor answers it. A value with no JSON converter
// raises TypeError (converters.py default_converter), as an AT
// UIDReferenceField's objects do.
func (l *Lab) restSerialize(o *Object, c *reqCtx) (map[string]any, *restRaise) {
	u := c.u.objectURL(o)
	out := map[string]any{
		"@id": u, "id": o.ID, "@type": o.Type.Name, "UID": o.UID, "version": "current",
		"parent": l.restSummary(o.Parent, c), "review_state": nullIfEmpty(o.State),
		"is_folderish": false, "previous_item": map[string]any{}, "next_item": map[string]any{},
	}
	comps := map[string]any{}
	for _, name := range []string{"actions", "breadcrumbs", "contextnavigation", "navigation", "navroot",
		"types", "workflow"} {
		comps[name] = map[string]any{"@id": u + "/@" + name}
	}
	out["@components"] = comps
	if p := o.Parent; p != nil {
		for i, sib := range p.children {
			if sib != o {
				continue
			}
			if i > 0 {
				out["previous_item"] = l.restNeighbour(p.children[i-1], c)
			}
			if i+1 < len(p.children) {
				out["next_item"] = l.restNeighbour(p.children[i+1], c)
			}
		}
	}
	if o.Type.DX {
		out["layout"] = "view"
		out["created"] = restDate(o.Created)
		out["modified"] = restDate(o.Modified)
		out["lock"] = map[string]any{"locked": false, "stealable": true}
		out["allow_discussion"] = false
		for i := range o.Type.Fields {
			f := &o.Type.Fields[i]
			v, ok := l.dxStored(o, f.Name)
			out[f.Name] = l.restDXValue(o, f, v, ok)
		}
	} else {
		out["layout"] = "base_view"
		out["title"] = o.Title
		out["description"] = map[string]any{"content-type": "text/plain", "data": o.Description}
		for i := range o.Type.Fields {
			f := &o.Type.Fields[i]
			v, r := l.restATValue(o, f, c.u)
			if r != nil {
				return nil, r
			}
			out[f.Name] = v
		}
	}
	if o.Type.Folderish {
		out["is_folderish"] = true
		items := []any{}
		for i, ch := range o.children {
			if i == 25 {
				break // HypermediaBatch's default page
			}
			items = append(items, l.restSummary(ch, c))
		}
		out["items"] = items
		out["items_total"] = len(o.children)
		if len(o.children) > 25 {
			last := (len(o.children) - 1) / 25 * 25
			out["batching"] = map[string]any{"@id": u, "first": fmt.Sprintf("%s?b_start=0", u),
				"next": fmt.Sprintf("%s?b_start=25", u), "last": fmt.Sprintf("%s?b_start=%d", u, last)}
		}
	}
	return out, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// restDate is datetimelike_to_iso (converters.py): timezone-aware dates
// in UTC, ISO 8601 with seconds.
func restDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

// restSummary is the default summary of a content object (summary.py):
// @id, @type, description, review_state, title; the site root's has no
// review_state.
func (l *Lab) restSummary(o *Object, c *reqCtx) map[string]any {
	if o == nil {
		return map[string]any{}
	}
	if o == l.portal {
		return map[string]any{"@id": c.u.objectURL(o), "@type": "Plone Site", "title": o.Title,
			"description": o.Description}
	}
	return map[string]any{"@id": c.u.objectURL(o), "@type": o.Type.Name, "title": o.Title,
		"description": o.Description, "review_state": nullIfEmpty(o.State)}
}

// restNeighbour is NextPrevious's item info.
func (l *Lab) restNeighbour(o *Object, c *reqCtx) map[string]any {
	return map[string]any{"@id": c.u.objectURL(o), "@type": o.Type.Name, "title": o.Title,
		"description": o.Description}
}

// restATValue is an AT field's serializer (atfields.py): the accessor's
// value, text fields as {"content-type", "data"}, no converter for
// content objects (a 2.x UIDReferenceField's accessor answers objects).
func (l *Lab) restATValue(o *Object, f *Field, u urls) (any, *restRaise) {
	v := l.atAccessorValue(o, f)
	switch f.Kind {
	case KString:
		if v == nil {
			return "", nil
		}
		return v, nil
	case KFixed:
		if v == nil {
			return "0.00", nil
		}
		return v, nil
	case KText:
		s, _ := v.(string)
		ct := "text/plain"
		if strings.Contains(s, "<") && strings.Contains(s, ">") {
			ct = "text/html"
		}
		return map[string]any{"content-type": ct, "data": s}, nil
	case KBool:
		b, _ := v.(bool)
		return b, nil
	case KInt:
		return v, nil
	case KDate:
		if t, ok := v.(time.Time); ok && !t.IsZero() {
			return restDate(t), nil
		}
		return nil, nil
	case KRef, KRefs:
		var uids []string
		switch x := v.(type) {
		case string:
			if x != "" {
				uids = []string{x}
			}
		case []string:
			uids = x
		}
		var objs []*Object
		for _, uid := range uids {
			if t := l.byUID[uid]; t != nil {
				objs = append(objs, t)
			}
		}
		if len(objs) > 0 && (f.UIDRef || o.Type.Name == "AnalysisRequest") {
			t := objs[0]
			return nil, raise(500, "TypeError", "No converter for making <%s at %s> (<class '%s'>) JSON compatible.",
				t.Type.Name, t.Path, pyClass(t.Type))
		}
		refs := []any{}
		for _, t := range objs {
			refs = append(refs, u.objectURL(t))
		}
		if f.Kind == KRef {
			if len(refs) == 0 {
				return nil, nil
			}
			return refs[0], nil
		}
		return refs, nil
	case KRecords, KLines:
		if v == nil {
			return []any{}, nil
		}
		return v, nil
	case KRecord:
		if v == nil {
			return map[string]any{}, nil
		}
		return v, nil
	}
	return v, nil
}

// restDXValue is a DX field's serializer (dxfields.py): the attribute's
// value; a RichTextValue as {"content-type", "data", "encoding"}; a
// RichText field never saved answers its default as a plain string, which
// json_compatible(value, context) turns into None (converters.py:69-78).
func (l *Lab) restDXValue(o *Object, f *Field, v any, ok bool) any {
	if !ok {
		return nil
	}
	switch f.Kind {
	case KText:
		if o.Type.Name == "Setup" && f.Name == "email_body_sample_publication" {
			if !isRichTextValue(o, f.Name) {
				// a plain string has no context-aware converter: None
				return nil
			}
			return map[string]any{"content-type": "text/html", "data": v, "encoding": "utf-8"}
		}
	case KDate:
		if t, ok := v.(time.Time); ok && !t.IsZero() {
			return restDate(t)
		}
		return nil
	case KRef:
		if s, _ := v.(string); s != "" {
			return []any{s}
		}
		return []any{}
	}
	return v
}

// pyClass names a type's Python class for TypeError messages.
func pyClass(t *PortalType) string {
	mod := strings.ToLower(t.Name)
	if t.DX {
		return "senaite.core.content." + mod + "." + t.Name
	}
	return "bika.lims.content." + mod + "." + t.Name
}

// --- Python value semantics -------------------------------------------------

// pyTruthy is Python's truth value of a decoded JSON value.
func pyTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case json.Number:
		f, _ := x.Float64()
		return f != 0
	case float64:
		return x != 0
	case int64:
		return x != 0
	case int:
		return x != 0
	case []any:
		return len(x) > 0
	case []string:
		return len(x) > 0
	case []map[string]any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// pyInt is int(value) for a decoded JSON value.
func pyInt(v any) (int64, *restRaise) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, nil
		}
		f, _ := x.Float64()
		return int64(f), nil
	case float64:
		return int64(x), nil
	case string:
		// int() takes surrounding blanks, a sign and leading zeros
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return 0, raise(500, "ValueError", "invalid literal for int() with base 10: %s", reprString(x, false))
		}
		return n, nil
	case nil:
		return 0, raise(500, "TypeError", "int() argument must be a string or a number, not 'NoneType'")
	}
	return 0, raise(500, "TypeError", "int() argument must be a string or a number, not '%s'", pyType(v))
}

// pyString is what a StringField stores for a JSON value.
func pyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "True"
		}
		return "False"
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// pyType is type(value).__name__ of a decoded JSON value in Python 2.
func pyType(v any) string {
	switch x := v.(type) {
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return "int"
		}
		return "float"
	case map[string]any:
		return "dict"
	case int64, int:
		return "int"
	}
	return pyTypeName(v)
}

// pyAny turns a decoded JSON value into the repr-able Python values.
func pyAny(v any) any {
	switch x := v.(type) {
	case string:
		return pyUnicode(x)
	case json.Number:
		return x.String()
	}
	return v
}
