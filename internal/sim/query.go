package sim

import (
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// controlParams are the request parameters senaite.jsonapi consumes itself;
// every other parameter counts only when it names an index of the selected
// catalog, and is silently ignored otherwise.
var controlParams = map[string]bool{
	"limit": true, "b_start": true, "sort_on": true, "sort_order": true, "sort_limit": true,
	"complete": true, "children": true, "workflow": true, "filedata": true, "catalog": true,
	"portal_type": true, "q": true, "path": true, "depth": true, "recent_created": true,
	"recent_modified": true, "created_since": true, "modified_since": true, "uid": true,
	"__ac_name": true, "__ac_password": true, "asxml": true, "asbinary": true,
}

// searchQuery is a parsed listing request.
type searchQuery struct {
	catalog  *CatalogDef
	types    []string
	preds    []func(*Object) bool
	sortOn   string
	desc     bool
	key      string
	errorMsg string // a query senaite.jsonapi would answer with an HTTP-200 error
	// candidates narrows the objects a query looks at when an index gives
	// them directly (a UID, a container's children), as ZCatalog does: the
	// predicates still decide. Nil looks at the whole catalog.
	candidates func(l *Lab) []*Object
}

// truthy is senaite.jsonapi's is_true: yes, y, 1, true in any case.
func truthy(v string) bool {
	switch strings.ToLower(v) {
	case "yes", "y", "1", "true":
		return true
	}
	return false
}

// formInt reads a positive int parameter with senaite.jsonapi's fallbacks.
func formInt(form url.Values, name string, def int) int {
	v := form.Get(name)
	if v == "" {
		return def
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return def
		}
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def
	}
	return n
}

// selectCatalog applies senaite.jsonapi's catalog choice: an explicit
// `catalog`, else (2.5+) the catalog all requested types are mapped to, else
// uid_catalog; the 1.x flavour defaults to portal_catalog.
func (l *Lab) selectCatalog(form url.Values, types []string) *CatalogDef {
	if id := form.Get("catalog"); id != "" {
		if c := l.fl.catalogs[id]; c != nil {
			return c
		}
	}
	if l.fl.flavor == Flavor1x {
		return l.fl.catalogs[l.fl.defaultCatalog]
	}
	if len(types) > 0 {
		first := ""
		for i, tn := range types {
			t := l.fl.types[tn]
			if t == nil {
				return l.fl.catalogs["uid_catalog"]
			}
			if i == 0 {
				first = t.Catalog
			} else if t.Catalog != first {
				return l.fl.catalogs["uid_catalog"]
			}
		}
		if c := l.fl.catalogs[first]; c != nil {
			return c
		}
	}
	return l.fl.catalogs[l.fl.defaultCatalog]
}

// inCatalog tells whether o is catalogued in c.
func (l *Lab) inCatalog(o *Object, c *CatalogDef) bool {
	switch c.ID {
	case "uid_catalog":
		return true
	case "portal_catalog":
		if l.fl.flavor == Flavor1x {
			return o.Type.Catalog != "bika_analysis_catalog"
		}
	}
	return o.Type.Catalog == c.ID
}

// parseSearch turns request parameters into a query against the selected
// catalog. fixedType is the portal type of a /<resource> route.
func (l *Lab) parseSearch(form url.Values, fixedType string) *searchQuery {
	q := &searchQuery{}
	if fixedType != "" {
		q.types = []string{fixedType}
	} else {
		for _, v := range form["portal_type"] {
			// senaite.jsonapi's to_list also parses a Python list repr
			// ("['Client', 'Batch']"), which the original add-on sends.
			for _, p := range splitPyList(v) {
				if p != "" {
					q.types = append(q.types, p)
				}
			}
		}
	}
	c := l.selectCatalog(form, q.types)
	q.catalog = c
	if len(q.types) > 0 {
		set := map[string]bool{}
		for _, t := range q.types {
			set[t] = true
		}
		q.preds = append(q.preds, func(o *Object) bool { return set[o.Type.Name] })
	}
	// path + depth
	if p := form.Get("path"); p != "" {
		if _, ok := c.Indexes["path"]; ok {
			depth := 0
			if d := form.Get("depth"); d != "" {
				if n, err := strconv.Atoi(d); err == nil {
					depth = n
				}
			}
			p = strings.TrimRight(p, "/")
			q.preds = append(q.preds, pathPredicate(p, depth))
			if depth == 0 || depth == 1 {
				q.candidates = func(l *Lab) []*Object {
					o := l.byPath[p]
					if o == nil {
						return nil
					}
					if depth == 0 {
						return []*Object{o}
					}
					return o.children
				}
			}
		}
	}
	// lower-case uid is accepted beside the UID index
	if uids := form["uid"]; len(uids) > 0 {
		set := setOf(uids)
		q.preds = append(q.preds, func(o *Object) bool { return set[o.UID] })
	}
	if uids := append(append([]string{}, form["uid"]...), form["UID"]...); len(uids) > 0 && q.candidates == nil {
		// the UID index answers directly; its own predicate still applies
		q.candidates = func(l *Lab) []*Object {
			var out []*Object
			for _, u := range uids {
				if o := l.byUID[u]; o != nil && !slices.Contains(out, o) {
					out = append(out, o)
				}
			}
			return out
		}
	}
	// full text
	if text := strings.TrimSpace(form.Get("q")); text != "" {
		if idx := textIndex(c); idx != "" {
			q.preds = append(q.preds, textPredicate(text))
		}
	}
	// dates
	for _, spec := range []struct{ param, index string }{
		{"recent_created", "created"}, {"recent_modified", "modified"},
	} {
		if v := form.Get(spec.param); v != "" {
			if _, ok := c.Indexes[spec.index]; ok {
				q.preds = append(q.preds, dateMin(spec.index, recentLiteral(v, time.Now().In(l.opts.Location))))
			}
		}
	}
	for _, spec := range []struct{ param, index string }{
		{"created_since", "created"}, {"modified_since", "modified"},
	} {
		if v := form.Get(spec.param); v != "" {
			if _, ok := c.Indexes[spec.index]; ok {
				if t, ok := parseSince(v, time.Now().In(l.opts.Location), l.opts.Location); ok {
					q.preds = append(q.preds, dateMin(spec.index, t))
				}
			}
		}
	}
	// any parameter naming an index
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		if controlParams[name] {
			continue
		}
		kind, ok := c.Indexes[name]
		if !ok {
			// id/getId are interchangeable where only one is indexed
			alt := map[string]string{"id": "getId", "getId": "id"}[name]
			if kind, ok = c.Indexes[alt]; !ok {
				continue
			}
		}
		vals := form[name]
		switch kind {
		case KeywordIndex:
			if len(vals) > 1 {
				q.errorMsg = "'list' object has no attribute 'split'"
				continue
			}
			want := setOf(strings.Split(vals[0], ","))
			q.preds = append(q.preds, func(o *Object) bool {
				for _, v := range keywordValues(o, name) {
					if want[v] {
						return true
					}
				}
				return false
			})
		case BooleanIndex:
			// bool(value): any non-empty string is True, even "0" and "False"
			want := vals[0] != ""
			q.preds = append(q.preds, func(o *Object) bool { return boolValue(o, name) == want })
		case DateIndex:
			t, ok := parseLooseTime(vals[0], l.opts.Location)
			if !ok {
				q.errorMsg = "DateTimeError: Invalid date: '" + vals[0] + "'"
				continue
			}
			q.preds = append(q.preds, func(o *Object) bool {
				v, ok := timeValue(o, name)
				return ok && v.Truncate(time.Second).Equal(t.Truncate(time.Second))
			})
		case ZCTextIndex:
			q.preds = append(q.preds, textPredicate(vals[0]))
		case PathIndex:
			q.preds = append(q.preds, pathPredicate(strings.TrimRight(vals[0], "/"), -1))
		default:
			want := setOf(vals)
			q.preds = append(q.preds, func(o *Object) bool { return want[stringValue(o, name)] })
		}
	}
	if s := form.Get("sort_on"); s != "" {
		if _, ok := c.Indexes[s]; ok {
			q.sortOn = s
		}
	}
	switch form.Get("sort_order") {
	case "desc", "descending", "d", "DESC", "down", "low", "reverse":
		q.desc = true
	}
	// the cache key: everything but the paging and rendering parameters
	kf := url.Values{}
	for k, v := range form {
		switch k {
		case "b_start", "limit", "complete", "workflow", "children", "filedata", "__ac_name", "__ac_password":
			continue
		}
		kf[k] = v
	}
	q.key = c.ID + "|" + fixedType + "|" + kf.Encode()
	return q
}

func splitPyList(v string) []string {
	s := strings.TrimSpace(v)
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
		var out []string
		for _, p := range strings.Split(s, ",") {
			p = strings.TrimSpace(p)
			p = strings.TrimPrefix(p, "u")
			p = strings.Trim(p, `'"`)
			out = append(out, p)
		}
		return out
	}
	return strings.Split(s, ",")
}

func setOf(vals []string) map[string]bool {
	m := make(map[string]bool, len(vals))
	for _, v := range vals {
		m[v] = true
	}
	return m
}

func pathPredicate(p string, depth int) func(*Object) bool {
	base := strings.Count(p, "/")
	return func(o *Object) bool {
		if o.Path == p {
			return depth <= 0
		}
		if !strings.HasPrefix(o.Path, p+"/") {
			return false
		}
		if depth < 0 {
			return true
		}
		if depth == 0 {
			return false
		}
		return strings.Count(o.Path, "/")-base <= depth
	}
}

func textIndex(c *CatalogDef) string {
	for _, n := range []string{"listing_searchable_text", "SearchableText", "Title"} {
		if k, ok := c.Indexes[n]; ok && k == ZCTextIndex {
			return n
		}
	}
	for n, k := range c.Indexes {
		if k == ZCTextIndex {
			return n
		}
	}
	return ""
}

var wordRe = regexp.MustCompile(`[\pL\pN]+`)

// textPredicate matches every word of text as a prefix of some word of the
// object's searchable text, as senaite.core's to_searchable_text_qs builds
// wildcard terms.
func textPredicate(text string) func(*Object) bool {
	terms := wordRe.FindAllString(strings.ToLower(text), -1)
	return func(o *Object) bool {
		if len(terms) == 0 {
			return false
		}
		words := wordRe.FindAllString(strings.ToLower(searchableText(o)), -1)
		for _, t := range terms {
			found := false
			for _, w := range words {
				if strings.HasPrefix(w, t) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
}

func searchableText(o *Object) string {
	var b strings.Builder
	b.WriteString(o.ID)
	b.WriteByte(' ')
	b.WriteString(o.Title)
	b.WriteByte(' ')
	b.WriteString(o.Description)
	for _, f := range o.Type.Fields {
		if f.Kind == KString || f.Kind == KText {
			if s := o.str(f.Name); s != "" {
				b.WriteByte(' ')
				b.WriteString(s)
			}
		}
	}
	return b.String()
}

func dateMin(index string, min time.Time) func(*Object) bool {
	return func(o *Object) bool {
		v, ok := timeValue(o, index)
		return ok && !v.Before(min)
	}
}

// recentLiteral is senaite.jsonapi's calculate_delta_date: midnight today
// minus 0/1/7/30/365 days; an unknown literal means today.
func recentLiteral(v string, now time.Time) time.Time {
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	days := map[string]int{"today": 0, "yesterday": 1, "this-week": 7, "this-month": 30, "this-year": 365}[v]
	return midnight.AddDate(0, 0, -days)
}

var durationRe = regexp.MustCompile(`^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$`)

// parseSince reads created_since/modified_since: a date, a date-time, or a
// duration back from now such as 2d, 1d6h, 3m, 1h.
func parseSince(v string, now time.Time, loc *time.Location) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if m := durationRe.FindStringSubmatch(v); m != nil && v != "" {
		var d time.Duration
		for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second} {
			if m[i+1] != "" {
				n, _ := strconv.Atoi(m[i+1])
				d += time.Duration(n) * unit
			}
		}
		return now.Add(-d), true
	}
	return parseLooseTime(v, loc)
}

var looseLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05",
	"2006-01-02 15:04:05Z07:00", "2006-01-02 15:04", "2006/01/02 15:04:05", "2006-01-02", "20060102",
	"2006/01/02",
}

// parseLooseTime reads what Zope's DateTime() accepts in practice; naive
// values are in the lab's time zone.
func parseLooseTime(v string, loc *time.Location) (time.Time, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range looseLayouts {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// queryCache keeps recent result sets so that paging through a listing does
// not filter the whole lab for every page. Entries die with the lab version.
type queryCache struct {
	mu      sync.Mutex
	version uint64
	entries map[string][]*Object
}

// search runs q; the caller holds the read lock.
func (l *Lab) search(q *searchQuery) []*Object {
	l.qcache.mu.Lock()
	if l.qcache.version != l.version || l.qcache.entries == nil {
		l.qcache.entries = map[string][]*Object{}
		l.qcache.version = l.version
	}
	if r, ok := l.qcache.entries[q.key]; ok {
		l.qcache.mu.Unlock()
		return r
	}
	l.qcache.mu.Unlock()

	var src []*Object
	switch {
	case q.candidates != nil:
		src = q.candidates(l)
	case len(q.types) == 1:
		src = l.byType[q.types[0]]
	default:
		src = l.all
	}
	out := make([]*Object, 0, len(src))
next:
	for _, o := range src {
		if !l.inCatalog(o, q.catalog) {
			continue
		}
		for _, p := range q.preds {
			if !p(o) {
				continue next
			}
		}
		out = append(out, o)
	}
	if q.sortOn != "" {
		key := q.sortOn
		sort.SliceStable(out, func(i, j int) bool {
			c := compareIndex(out[i], out[j], key)
			if c == 0 {
				return out[i].rid < out[j].rid
			}
			if q.desc {
				return c > 0
			}
			return c < 0
		})
	} else {
		slices.SortFunc(out, func(a, b *Object) int {
			if a.rid != b.rid {
				if a.rid < b.rid {
					return -1
				}
				return 1
			}
			return int(a.seq) - int(b.seq)
		})
	}
	l.qcache.mu.Lock()
	if l.qcache.version == l.version {
		if len(l.qcache.entries) > 128 {
			l.qcache.entries = map[string][]*Object{}
		}
		l.qcache.entries[q.key] = out
	}
	l.qcache.mu.Unlock()
	return out
}

// compareIndex orders two objects by an index value.
func compareIndex(a, b *Object, index string) int {
	if ta, ok := timeValue(a, index); ok {
		tb, _ := timeValue(b, index)
		return ta.Compare(tb)
	}
	return strings.Compare(sortString(a, index), sortString(b, index))
}

func sortString(o *Object, index string) string {
	if index == "sortable_title" {
		return strings.ToLower(o.Title)
	}
	return stringValue(o, index)
}

// timeValue reads a date index.
func timeValue(o *Object, index string) (time.Time, bool) {
	switch index {
	case "created":
		return o.Created, true
	case "modified":
		return o.Modified, true
	case "effective":
		return o.Effective, true
	}
	name := strings.TrimPrefix(index, "get")
	if t, ok := o.Fields[name].(time.Time); ok {
		return t, true
	}
	if t, ok := o.Fields[index].(time.Time); ok {
		return t, true
	}
	return time.Time{}, false
}

func boolValue(o *Object, index string) bool {
	switch index {
	case "is_active":
		return o.Active()
	case "is_folderish":
		return o.Type.Folderish
	}
	name := strings.TrimPrefix(index, "get")
	if b, ok := o.Fields[name].(bool); ok {
		return b
	}
	b, _ := o.Fields[index].(bool)
	return b
}

func keywordValues(o *Object, index string) []string {
	switch index {
	case "Subject":
		return nil
	case "allowedRolesAndUsers":
		return []string{"Manager", "LabManager", "Authenticated"}
	}
	name := strings.TrimPrefix(index, "get")
	if strings.HasSuffix(name, "UIDs") {
		if v := o.refs(strings.TrimSuffix(name, "UIDs")); v != nil {
			return v
		}
	}
	if v := o.refs(name); v != nil {
		return v
	}
	if v, ok := o.Fields[name].([]string); ok {
		return v
	}
	if s := stringValue(o, index); s != "" {
		return []string{s}
	}
	return nil
}

// stringValue computes a FieldIndex (and metadata) value by senaite.core's
// naming conventions: getX is field X, getXUID the UID field X refers to,
// getXTitle its title.
func stringValue(o *Object, index string) string {
	switch index {
	case "UID":
		return o.UID
	case "id", "getId":
		return o.ID
	case "portal_type", "Type", "meta_type":
		return o.Type.Name
	case "Title", "title":
		return o.Title
	case "sortable_title":
		return strings.ToLower(o.Title)
	case "Description", "description":
		return o.Description
	case "review_state":
		return o.State
	case "Creator":
		return o.Author
	case "path":
		return o.Path
	case "getClientUID":
		if c := o.client(); c != nil {
			return c.UID
		}
		return ""
	case "getClientID":
		if c := o.client(); c != nil {
			return c.str("ClientID")
		}
		return ""
	case "getClientTitle":
		if c := o.client(); c != nil {
			return c.Title
		}
		return ""
	}
	if v, ok := o.Fields[index]; ok {
		return scalarString(v)
	}
	name := strings.TrimPrefix(index, "get")
	if v, ok := o.Fields[name]; ok {
		return scalarString(v)
	}
	if strings.HasSuffix(name, "UID") {
		if v, ok := o.Fields[strings.TrimSuffix(name, "UID")].(string); ok {
			return v
		}
	}
	return ""
}

func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case time.Time:
		return x.Format(time.RFC3339)
	case []string:
		return strings.Join(x, ",")
	}
	return ""
}

// client returns the Client an object belongs to (by containment).
func (o *Object) client() *Object {
	for p := o; p != nil; p = p.Parent {
		if p.Type.Name == "Client" {
			return p
		}
	}
	return nil
}
