package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"sort"
	"strings"
	"time"
)

// apiError is an error senaite.jsonapi answers with its envelope.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func fail(status int, format string, args ...any) *apiError {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

// readRecord reads the one record of a write request: a JSON object body
// (Content-Type application/json) updated with the form parameters, as
// senaite.jsonapi's get_request_data does.
func readRecord(c *reqCtx) (map[string]any, string) {
	rec := map[string]any{}
	ct, _, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if ct == "application/json" {
		raw, err := io.ReadAll(io.LimitReader(c.r.Body, 64<<20))
		if err != nil {
			return nil, "Request Data is not JSON deserializable – Check JSON Syntax!"
		}
		if len(strings.TrimSpace(string(raw))) > 0 {
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, "Request Data is not JSON deserializable – Check JSON Syntax!"
			}
			obj, ok := v.(map[string]any)
			if !ok {
				// the body is .update()d with the form: only a dict has that
				return nil, "'" + pyTypeName(v) + "' object has no attribute 'update'"
			}
			rec = obj
		}
	}
	for k, vs := range c.form {
		if k == "__ac_name" || k == "__ac_password" {
			continue
		}
		if len(vs) == 1 {
			rec[k] = vs[0]
		} else {
			l := make([]any, len(vs))
			for i, v := range vs {
				l[i] = v
			}
			rec[k] = l
		}
	}
	return rec, ""
}

func pyTypeName(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case string:
		return "unicode"
	case float64:
		return "float"
	case bool:
		return "bool"
	case nil:
		return "NoneType"
	}
	return "object"
}

// writeResponse answers a successful create/update/delete.
func (c *reqCtx) writeResponse(objs []*Object, action string, raw bool) {
	l := c.s.lab
	b := []byte{'{'}
	b = appendKey(b, "count")
	b = appendInt(b, int64(len(objs)))
	b = appendKey(b, "items")
	b = append(b, '[')
	for i, o := range objs {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		if raw {
			b = l.appendRawItem(b, o, c.u)
		} else {
			b = l.appendComplete(b, o, c.u)
			b = append(b, '}')
		}
	}
	b = append(b, ']')
	b = appendKey(b, "url")
	b = appendStr(b, c.u.apiBase+"/"+action)
	c.finish(200, b)
}

// appendRawItem is what delete answers: the data provider's dict without
// url, api_url and parent keys.
func (l *Lab) appendRawItem(b []byte, o *Object, u urls) []byte {
	b = append(b, '{')
	b = appendKey(b, "id")
	b = appendStr(b, o.ID)
	b = appendKey(b, "uid")
	b = appendStr(b, o.UID)
	b = appendKey(b, "title")
	b = appendStr(b, o.Title)
	b = appendKey(b, "portal_type")
	b = appendStr(b, o.Type.Name)
	b = appendKey(b, "path")
	b = appendStr(b, o.Path)
	b = appendKey(b, "created")
	b = appendStr(b, isoDate(o.Created))
	b = appendKey(b, "modified")
	b = appendStr(b, isoDate(o.Modified))
	b = l.appendFields(b, o, u)
	return append(b, '}')
}

// handleCreate answers the create routes.
func (s *Server) handleCreate(c *reqCtx, portalType, containerUID string) {
	rec, msg := readRecord(c)
	if msg != "" {
		c.fail(400, msg)
		return
	}
	l := s.lab
	l.mu.Lock()
	o, err := l.create(rec, portalType, containerUID, c.user)
	l.mu.Unlock()
	if err != nil {
		c.fail(err.status, err.msg)
		return
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	c.writeResponse([]*Object{o}, "create", false)
}

// create makes one object from a record; the caller holds the write lock.
func (l *Lab) create(rec map[string]any, portalType, containerUID string, user *User) (*Object, *apiError) {
	if user == nil {
		return nil, fail(401, "You are not allowed to create this content")
	}
	var container *Object
	if containerUID == "" {
		if s, _ := rec["parent_uid"].(string); s != "" {
			containerUID = s
		}
	}
	parentPath, _ := rec["parent_path"].(string)
	if portalType == "" {
		portalType, _ = rec["portal_type"].(string)
	}
	delete(rec, "parent_uid")
	delete(rec, "parent_path")
	delete(rec, "portal_type")
	if (containerUID == "" && parentPath == "") || portalType == "" {
		return nil, fail(400, "Please provide a container path/uid and portal_type")
	}
	if containerUID != "" {
		if containerUID == "0" {
			container = l.portal
		} else {
			container = l.byUID[containerUID]
		}
	} else {
		container = l.byPath[strings.TrimRight(parentPath, "/")]
	}
	if container == nil {
		return nil, fail(404, "No target container found")
	}
	t := l.fl.types[portalType]
	if container == l.portal || (container.Type.Name == "BikaSetup") || t == nil || t.Structural ||
		!container.Type.Allows(portalType) {
		return nil, fail(401, "Creation of '%s' in '%s' is not allowed", portalType, container.Path)
	}
	if !l.writable(container) {
		return nil, fail(401, "You are not allowed to create this content")
	}
	if (t.Name == "AnalysisRequest" && l.fl.flavor == Flavor2x) || (t.Name == "AnalysisRequest" && l.fl.flavor == Flavor1x) {
		return l.createSample(container, t, rec, user)
	}
	now := l.now()
	// the ID server is asked before anything is validated: the number is
	// consumed even when the create fails.
	fields := map[string]any{}
	for k, v := range rec {
		fields[k] = v
	}
	// bika.lims.api.create (src/bika/lims/api/__init__.py ~150-190) makes
	// the object and renames it through the ID server before
	// senaite.jsonapi's create_object (api.py ~1368-1417) sets the record's
	// fields: a format cannot use them, and a create that fails validation
	// afterwards has consumed its number. Analyses are named after their
	// keyword (generate_analysis_id).
	idFields := map[string]any{}
	if t.IDFormat == IDKeyword || l.fl.flavor != Flavor2x {
		idFields = normalizedRefs(l, fields)
	}
	id, ierr := l.newID(t, container, idFields)
	if ierr != nil {
		return nil, fail(200, "%s", ierr.Error())
	}
	if container.childIDs[id] != nil {
		// OFS's _checkId, raised by manage_renameObject: senaite.jsonapi
		// answers it as any swallowed exception (the object upstream keeps
		// its temporary id; the simulator does not keep it)
		return nil, fail(200, "The id \"%s\" is invalid - it is already in use.", id)
	}
	o := &Object{ID: id, Type: t, Created: now, Modified: now, Author: user.Username, Fields: map[string]any{}}
	l.attach(container, o)
	if err := l.setFields(o, rec, true); err != nil {
		l.remove(o)
		return nil, err
	}
	if err := l.validate(o); err != nil {
		l.remove(o)
		return nil, err
	}
	l.initWorkflow(o, now, user.Username)
	l.afterWrite(o)
	if tr, _ := rec["transition"].(string); tr != "" {
		if err := l.doTransition(o, tr, user); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// normalizedRefs turns reference values into plain UIDs so that the ID
// server can read SampleType or AnalysisService from a create payload.
func normalizedRefs(l *Lab, fields map[string]any) map[string]any {
	out := make(map[string]any, len(fields))
	for k, v := range fields {
		if s := refUID(v); s != "" {
			if l.byUID[s] == nil {
				if o := l.byPath[s]; o != nil {
					s = o.UID
				}
			}
			out[k] = s
			continue
		}
		out[k] = v
	}
	return out
}

// remove takes a half-made object out again (create + APIError), as
// senaite.jsonapi's container._delObject does.
func (l *Lab) remove(o *Object) {
	l.unindexUnique(o)
	p := o.Parent
	delete(p.childIDs, o.ID)
	p.children = removeObj(p.children, o)
	delete(l.byUID, o.UID)
	delete(l.byPath, o.Path)
	l.byType[o.Type.Name] = removeObj(l.byType[o.Type.Name], o)
	l.all = removeObj(l.all, o)
	for _, ch := range append([]*Object(nil), o.children...) {
		l.remove(ch)
	}
	l.version++
}

func removeObj(list []*Object, o *Object) []*Object {
	for i := len(list) - 1; i >= 0; i-- {
		if list[i] == o {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

// setFields writes the record's keys that name schema fields, in a fixed
// order, stopping at the first refused one (earlier ones stay written, as
// senaite.jsonapi does not roll back).
func (l *Lab) setFields(o *Object, rec map[string]any, creating bool) *apiError {
	keys := make([]string, 0, len(rec))
	for k := range rec {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "id" || k == "transition" {
			continue
		}
		f := o.Type.Field(k)
		if f == nil && !o.Type.DX && (k == "title" || k == "description") {
			// every AT type has BaseSchema's title and description, even
			// where the type table lists no field of its own
			if str, ok := rec[k].(string); ok {
				if k == "title" {
					o.Title = str
				} else {
					o.Description = str
				}
			}
			continue
		}
		if f == nil {
			continue // unknown keys are ignored silently
		}
		if f.ReadOnly || !l.fieldWritable(o, f) {
			return fail(401, "Not allowed to set the field '%s'", k)
		}
		v, err := l.convert(o, f, rec[k])
		if err != nil {
			return fail(400, "%s", err.Error())
		}
		old := o.Fields[f.Name]
		if v == nil {
			delete(o.Fields, f.Name)
		} else {
			o.Fields[f.Name] = v
		}
		l.indexUnique(o, f, old)
		if k == "title" {
			s, _ := v.(string)
			o.Title = s
		}
		if k == "description" {
			s, _ := v.(string)
			o.Description = s
		}
	}
	return nil
}

// convert turns a JSON value into a field's stored form, accepting what
// senaite.jsonapi's field managers accept.
func (l *Lab) convert(o *Object, f *Field, v any) (any, error) {
	switch f.Kind {
	case KString, KText:
		switch x := v.(type) {
		case nil:
			return nil, nil
		case string:
			if x == "" {
				return nil, nil
			}
			return x, nil
		case float64:
			return trimFloat(x), nil
		case bool:
			if x {
				return "True", nil
			}
			return "False", nil
		case []any:
			parts := make([]string, 0, len(x))
			for _, e := range x {
				parts = append(parts, fmt.Sprint(e))
			}
			return strings.Join(parts, "\n"), nil
		}
		return nil, fmt.Errorf("ValueError: invalid value for field %s", f.Name)
	case KBool:
		switch x := v.(type) {
		case nil:
			return false, nil
		case bool:
			return x, nil
		case float64:
			return x != 0, nil
		case string:
			switch strings.ToLower(x) {
			case "true", "1", "on", "yes", "y":
				return true, nil
			}
			return false, nil
		}
		return false, nil
	case KInt:
		switch x := v.(type) {
		case nil:
			return nil, nil
		case float64:
			return int64(x), nil
		case string:
			if x == "" {
				return nil, nil
			}
			var n int64
			if _, err := fmt.Sscan(x, &n); err != nil {
				return nil, fmt.Errorf("ValueError: invalid literal for int() with base 10: '%s'", x)
			}
			return n, nil
		}
		return nil, fmt.Errorf("ValueError: invalid value for field %s", f.Name)
	case KFixed:
		switch x := v.(type) {
		case nil:
			return nil, nil
		case float64:
			return fmt.Sprintf("%.2f", x), nil
		case string:
			if x == "" {
				return nil, nil
			}
			var n float64
			if _, err := fmt.Sscan(x, &n); err != nil {
				return nil, fmt.Errorf("ValueError: could not convert string to float: %s", x)
			}
			return fmt.Sprintf("%.2f", n), nil
		}
		return nil, fmt.Errorf("ValueError: invalid value for field %s", f.Name)
	case KDate:
		switch x := v.(type) {
		case nil:
			return nil, nil
		case string:
			if x == "" {
				return nil, nil
			}
			t, ok := parseLooseTime(x, l.opts.Location)
			if !ok {
				return nil, fmt.Errorf("DateTimeError: Invalid date: %s", x)
			}
			return t.In(l.opts.Location), nil
		}
		return nil, fmt.Errorf("DateTimeError: Invalid date: %v", v)
	case KRef:
		uids, err := l.resolveRefs(f, v)
		if err != nil {
			return nil, err
		}
		if len(uids) == 0 {
			return nil, nil
		}
		return uids[0], nil
	case KRefs:
		uids, err := l.resolveRefs(f, v)
		if err != nil {
			return nil, err
		}
		if len(uids) == 0 {
			return nil, nil
		}
		return uids, nil
	case KRecords:
		switch x := v.(type) {
		case nil:
			return nil, nil
		case []any:
			out := make([]map[string]any, 0, len(x))
			for _, e := range x {
				m, ok := e.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("ValueError: records of field %s must be objects", f.Name)
				}
				out = append(out, m)
			}
			if len(out) == 0 {
				return nil, nil
			}
			return out, nil
		case map[string]any:
			return []map[string]any{x}, nil
		case string:
			if x == "" {
				return nil, nil
			}
		}
		return nil, fmt.Errorf("ValueError: invalid records for field %s", f.Name)
	case KLines:
		switch x := v.(type) {
		case nil:
			return nil, nil
		case string:
			if x == "" {
				return nil, nil
			}
			return strings.Split(x, "\n"), nil
		case []any:
			out := make([]string, 0, len(x))
			for _, e := range x {
				out = append(out, fmt.Sprint(e))
			}
			if len(out) == 0 {
				return nil, nil
			}
			return out, nil
		}
		return nil, fmt.Errorf("ValueError: invalid lines for field %s", f.Name)
	case KRecord:
		switch x := v.(type) {
		case nil:
			return nil, nil
		case map[string]any:
			if len(x) == 0 {
				return nil, nil
			}
			return x, nil
		}
		return nil, fmt.Errorf("ValueError: invalid record for field %s", f.Name)
	}
	return nil, nil
}

func trimFloat(x float64) string {
	if x == float64(int64(x)) {
		return fmt.Sprintf("%d", int64(x))
	}
	return fmt.Sprintf("%g", x)
}

// isUID is senaite's api.is_uid without validation: 32 hex digits or "0".
// A well-formed UID of an object that does not exist is stored anyway, a
// dangling reference the destination keeps.
func isUID(s string) bool {
	if s == "0" {
		return true
	}
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// resolveRefs reads reference values in every form the field managers take:
// UID strings, lists, {"uid": …} dicts, physical paths, catalog queries.
func (l *Lab) resolveRefs(f *Field, v any) ([]string, error) {
	var out []string
	var add func(x any) error
	add = func(x any) error {
		switch y := x.(type) {
		case nil:
			return nil
		case string:
			if y == "" {
				return nil
			}
			if isUID(y) {
				out = append(out, y)
				return nil
			}
			if o := l.byPath[strings.TrimRight(y, "/")]; o != nil {
				out = append(out, o.UID)
				return nil
			}
			return fmt.Errorf("ValueError: Could not get UID for %s", y)
		case []any:
			for _, e := range y {
				if err := add(e); err != nil {
					return err
				}
			}
			return nil
		case []string:
			for _, e := range y {
				if err := add(e); err != nil {
					return err
				}
			}
			return nil
		case map[string]any:
			if len(y) == 0 {
				return nil
			}
			if u, ok := y["uid"].(string); ok {
				return add(u)
			}
			if u, ok := y["UID"].(string); ok {
				return add(u)
			}
			// a catalog query: every match of the allowed types
			for _, o := range l.all {
				if len(f.Targets) > 0 && !contains(f.Targets, o.Type.Name) {
					continue
				}
				match := true
				for k, want := range y {
					if k == "portal_type" {
						if fmt.Sprint(want) != o.Type.Name {
							match = false
						}
						continue
					}
					if stringValue(o, k) != fmt.Sprint(want) {
						match = false
					}
				}
				if match {
					out = append(out, o.UID)
				}
			}
			return nil
		}
		return fmt.Errorf("ValueError: invalid reference value for field %s", f.Name)
	}
	if err := add(v); err != nil {
		return nil, err
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validate checks required fields and natural keys of the whole object, as
// AT's obj.validate() does after every write; the message is a JSON-encoded
// dict string.
func (l *Lab) validate(o *Object) *apiError {
	errs := map[string]string{}
	for i := range o.Type.Fields {
		f := &o.Type.Fields[i]
		v, ok := o.Fields[f.Name]
		if f.Required && !f.ReadOnly && (!ok || isEmptyValue(v)) {
			if f.Name == "title" && o.Title != "" {
				continue
			}
			if o.Type.DX {
				errs[f.Name] = "Required input is missing."
			} else {
				errs[f.Name] = f.Name + " is required, please correct."
			}
			continue
		}
		if f.Unique && ok && !isEmptyValue(v) {
			s := scalarString(v)
			if other := l.uniqIndex(o.Type, f.Name)[s]; other != nil && other != o {
				errs[f.Name] = fmt.Sprintf("Validation failed: '%s' is not unique", s)
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	raw, _ := json.Marshal(errs)
	return fail(400, "%s", string(raw))
}

func isEmptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []string:
		return len(x) == 0
	case []map[string]any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	case time.Time:
		return x.IsZero()
	}
	return false
}

// afterWrite recomputes derived values and marks the object changed.
func (l *Lab) afterWrite(o *Object) {
	if t := computedTitle(l, o); t != "" {
		o.Title = t
	}
	o.touch(l.now())
	l.version++
}

// computedTitle is the title senaite.core derives for types whose title is
// not entered (a client's Name, a contact's full name, a sample's id).
func computedTitle(l *Lab, o *Object) string {
	switch o.Type.Name {
	case "Client", "Supplier", "Laboratory":
		return o.str("Name")
	case "Contact", "LabContact", "SupplierContact":
		return strings.TrimSpace(o.str("Firstname") + " " + o.str("Surname"))
	case "AnalysisRequest", "Sample", "Worksheet", "ReferenceSample", "Invoice", "SamplePartition":
		return o.ID
	case "Analysis", "DuplicateAnalysis", "ReferenceAnalysis", "RejectAnalysis":
		if svc := l.byUID[o.ref("AnalysisService")]; svc != nil {
			return svc.Title
		}
		if o.Title == "" {
			return o.str("Keyword")
		}
	case "Batch":
		if o.Title == "" {
			return o.ID
		}
	}
	return ""
}

// handleUpdate answers the update routes.
func (s *Server) handleUpdate(c *reqCtx, portalType, uid string) {
	rec, msg := readRecord(c)
	if msg != "" {
		c.fail(400, msg)
		return
	}
	l := s.lab
	l.mu.Lock()
	o, err := l.update(rec, uid, c.user)
	l.mu.Unlock()
	if err != nil {
		c.fail(err.status, err.msg)
		return
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	c.writeResponse([]*Object{o}, "update", false)
}

// findTarget resolves the object of an update or delete: the URL's UID,
// else the record's uid, path, or parent_path + id.
func (l *Lab) findTarget(rec map[string]any, uid string) (*Object, *apiError) {
	if uid == "" {
		uid, _ = rec["uid"].(string)
		if uid == "" {
			uid, _ = rec["UID"].(string)
		}
	}
	if uid != "" {
		if uid == "0" {
			return l.portal, nil
		}
		return l.byUID[uid], nil
	}
	if p, _ := rec["path"].(string); p != "" {
		o := l.byPath[strings.TrimRight(p, "/")]
		if o == nil {
			return nil, fail(404, "No object could be found at %s", p)
		}
		return o, nil
	}
	pp, _ := rec["parent_path"].(string)
	id, _ := rec["id"].(string)
	if pp != "" && id != "" {
		p := strings.TrimRight(pp, "/") + "/" + id
		o := l.byPath[p]
		if o == nil {
			return nil, fail(404, "No object could be found at %s", p)
		}
		return o, nil
	}
	return nil, nil
}

// update writes the record's fields and runs its transition; the caller
// holds the write lock.
func (l *Lab) update(rec map[string]any, uid string, user *User) (*Object, *apiError) {
	o, err := l.findTarget(rec, uid)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, fail(400, "No Objects could be updated")
	}
	if user == nil || o == l.portal || o.Parent == l.portal ||
		(o.Parent != nil && o.Parent.Type.Name == "BikaSetup") {
		return nil, fail(401, "Update of %s is not allowed", o.Path)
	}
	delete(rec, "uid")
	delete(rec, "UID")
	delete(rec, "path")
	delete(rec, "parent_path")
	analyses, hasAnalyses := rec["Analyses"]
	if o.Type.Name == "AnalysisRequest" {
		// the services of a sample are added as analyses, not stored
		delete(rec, "Analyses")
	}
	ferr := l.setFields(o, rec, false)
	if ferr == nil {
		ferr = l.validate(o)
	}
	if ferr == nil && o.Type.Name == "AnalysisRequest" && hasAnalyses {
		ferr = l.addSampleAnalyses(o, analyses, user)
	}
	// whatever was set stays set: the transaction is committed either way
	l.afterWrite(o)
	if ferr != nil {
		return nil, ferr
	}
	if tr, _ := rec["transition"].(string); tr != "" {
		if err := l.doTransition(o, tr, user); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// handleDelete answers the delete routes: deactivation, never deletion.
func (s *Server) handleDelete(c *reqCtx, portalType, uid string) {
	rec, msg := readRecord(c)
	if msg != "" {
		c.fail(400, msg)
		return
	}
	l := s.lab
	l.mu.Lock()
	o, err := l.findTarget(rec, uid)
	if err == nil && o == nil {
		err = fail(404, "No Objects could be found")
	}
	if err == nil && o == l.portal {
		err = fail(400, "Can not delete the portal object")
	}
	if err == nil && c.user == nil {
		err = fail(401, "Not allowed to deactivate object '%s'", o.ID)
	}
	if err == nil {
		err = l.doTransition(o, "deactivate", c.user)
	}
	l.mu.Unlock()
	if err != nil {
		c.fail(err.status, err.msg)
		return
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	c.writeResponse([]*Object{o}, "delete", true)
}
