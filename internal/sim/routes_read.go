package sim

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// appendEnvelopeHead writes the paging keys of a listing envelope; items
// follow. route is the public URL of the route (request.URL).
func (c *reqCtx) appendEnvelopeHead(b []byte, p page, route string) []byte {
	b = appendKey(b, "count")
	b = appendInt(b, int64(p.Count))
	b = appendKey(b, "pagesize")
	b = appendInt(b, int64(p.PageSize))
	b = appendKey(b, "page")
	b = appendInt(b, int64(p.Page))
	b = appendKey(b, "pages")
	b = appendInt(b, int64(p.Pages))
	b = appendKey(b, "next")
	if p.HasNext {
		b = appendStr(b, pageURL(route, c.form, p.NextStart))
	} else {
		b = appendNull(b)
	}
	b = appendKey(b, "previous")
	if p.HasPrev {
		b = appendStr(b, pageURL(route, c.form, p.PrevStart))
	} else {
		b = appendNull(b)
	}
	return b
}

// pageURL is request.URL + "?" + urlencode(form with b_start), every
// parameter repeated.
func pageURL(route string, form url.Values, bStart int) string {
	f := url.Values{}
	for k, v := range form {
		if k == "__ac_name" || k == "__ac_password" {
			continue
		}
		f[k] = v
	}
	f.Set("b_start", strconv.Itoa(bStart))
	return route + "?" + f.Encode()
}

func (c *reqCtx) routeURL() string {
	if c.route == "" {
		return c.u.apiBase
	}
	return c.u.apiBase + "/" + c.route
}

// handleSearch answers /search and /<resource> listings.
func (s *Server) handleSearch(c *reqCtx, fixedType string) {
	l := s.lab
	l.mu.RLock()
	defer l.mu.RUnlock()
	q := l.parseSearch(c.form, fixedType)
	if q.errorMsg != "" {
		c.fail(200, q.errorMsg)
		return
	}
	var results []*Object
	if c.user != nil {
		results = l.search(q)
	}
	complete := truthy(c.form.Get("complete"))
	workflow := complete && truthy(c.form.Get("workflow"))
	children := truthy(c.form.Get("children"))
	p := paginate(len(results), formInt(c.form, "limit", defaultPageSize), formInt(c.form, "b_start", 0))
	if complete {
		// an object whose complete item raises fails the whole page
		if msg := l.completeListError(results[p.Start:p.End], children); msg != "" {
			c.fail(200, msg)
			return
		}
	}
	b := append(bigBuffer(), '{')
	b = c.appendEnvelopeHead(b, p, c.routeURL())
	b = appendKey(b, "items")
	b = append(b, '[')
	for i, o := range results[p.Start:p.End] {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = l.appendListItem(b, c, o, complete, workflow, children, q.catalog)
	}
	b = append(b, ']')
	c.finish(200, b)
}

func (l *Lab) appendListItem(b []byte, c *reqCtx, o *Object, complete, workflow, children bool, cat *CatalogDef) []byte {
	b = l.appendItem(b, o, c.u, complete, cat)
	if workflow {
		b = l.appendWorkflowInfo(b, o, c.u, c.user)
	}
	if children && o.Type.Folderish {
		b = appendKey(b, "children_count")
		b = appendInt(b, int64(len(o.children)))
		b = appendKey(b, "children")
		b = append(b, '[')
		for i, ch := range o.children {
			if i > 0 {
				b = append(b, ',', ' ')
			}
			b = l.appendItem(b, ch, c.u, complete, l.fl.catalogs[ch.Type.Catalog])
			if workflow {
				b = l.appendWorkflowInfo(b, ch, c.u, c.user)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// handleResource answers GET /<resource> and GET /<resource>/<uid>. The
// resource of the second form is not checked against the object's type.
func (s *Server) handleResource(c *reqCtx, resource, uid string) {
	t := s.lab.resourceType(resource)
	if t == nil {
		c.fail(404, "Not Found")
		return
	}
	if uid == "" {
		s.handleSearch(c, t.Name)
		return
	}
	l := s.lab
	l.mu.RLock()
	defer l.mu.RUnlock()
	var found []*Object
	if o := l.byUID[uid]; o != nil && c.user != nil {
		found = append(found, o)
	}
	if msg := l.completeListError(found, false); msg != "" {
		c.fail(200, msg)
		return
	}
	p := paginate(len(found), formInt(c.form, "limit", defaultPageSize), 0)
	b := []byte{'{'}
	b = c.appendEnvelopeHead(b, p, c.routeURL())
	b = appendKey(b, "items")
	b = append(b, '[')
	for _, o := range found {
		b = l.appendListItem(b, c, o, true, truthy(c.form.Get("workflow")), false, nil)
	}
	b = append(b, ']')
	c.finish(200, b)
}

// handleGetUID answers GET /<uid>: the bare complete record, no envelope.
func (s *Server) handleGetUID(c *reqCtx, uid string) {
	l := s.lab
	l.mu.RLock()
	defer l.mu.RUnlock()
	o := l.byUID[uid]
	if o == nil || c.user == nil {
		c.fail(404, "No object found")
		return
	}
	if msg := l.completeItemError(o); msg != "" {
		c.fail(200, msg)
		return
	}
	b := l.appendComplete(make([]byte, 0, 4096), o, c.u)
	if truthy(c.form.Get("workflow")) {
		b = l.appendWorkflowInfo(b, o, c.u, c.user)
	}
	c.finish(200, b)
}

// handleCatalogs answers /catalogs and /catalogs/<id>.
func (s *Server) handleCatalogs(c *reqCtx, id string) {
	l := s.lab
	if id != "" {
		cat := l.fl.catalogs[id]
		if cat == nil {
			c.fail(200, "KeyError: '"+id+"'")
			return
		}
		b := l.appendCatalog([]byte{'{'}, cat)
		c.finish(200, b)
		return
	}
	var ids []string
	for cid := range l.fl.catalogs {
		if cid == "uid_catalog" || cid == "reference_catalog" {
			continue
		}
		ids = append(ids, cid)
	}
	sort.Strings(ids)
	p := paginate(len(ids), len(ids), 0)
	b := []byte{'{'}
	b = c.appendEnvelopeHead(b, p, c.routeURL())
	b = appendKey(b, "items")
	b = append(b, '[')
	for i, cid := range ids {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = l.appendCatalog(append(b, '{'), l.fl.catalogs[cid])
		b = append(b, '}')
	}
	b = append(b, ']')
	b = appendKey(b, "url")
	b = appendStr(b, c.u.apiBase+"/catalogs")
	c.finish(200, b)
}

func (l *Lab) appendCatalog(b []byte, cat *CatalogDef) []byte {
	b = appendKey(b, "id")
	b = appendStr(b, cat.ID)
	idx := make([]string, 0, len(cat.Indexes))
	for k := range cat.Indexes {
		idx = append(idx, k)
	}
	sort.Strings(idx)
	b = appendKey(b, "indexes")
	b = appendAny(b, idx)
	cols := append([]string(nil), cat.Columns...)
	sort.Strings(cols)
	b = appendKey(b, "schema")
	b = appendAny(b, cols)
	var types []string
	for _, t := range l.fl.typeOrder {
		if t.Catalog == cat.ID || cat.ID == "uid_catalog" ||
			(cat.ID == "portal_catalog" && l.fl.flavor == Flavor1x && t.Catalog != "bika_analysis_catalog") {
			types = append(types, t.Name)
		}
	}
	sort.Strings(types)
	if types == nil {
		types = []string{}
	}
	b = appendKey(b, "portal_types")
	b = appendAny(b, types)
	return b
}

// lowerKeys is used by tests to compare key sets regardless of case.
func lowerKeys(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = strings.ToLower(k)
	}
	return out
}
