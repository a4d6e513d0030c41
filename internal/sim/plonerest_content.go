package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

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
