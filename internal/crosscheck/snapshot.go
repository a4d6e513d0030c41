package crosscheck

import "strings"

// Snapshot is a lab as senaite.jsonapi shows it: every object's complete
// item (complete=yes&workflow=yes), decoded as is. Compare needs nothing
// else, so a snapshot built by hand in a test is as good as one Read.
type Snapshot struct {
	// URL is the site URL the snapshot was read from.
	URL string
	// Objects are the lab's objects, the Plone site excluded, per portal
	// type in the listing's order (sort_on=created).
	Objects []*Object
	// Counts are the listings' `count` per portal type, which Read checked
	// against the objects it received.
	Counts map[string]int
}

// Object is one item of a listing. The convenience fields are copies of the
// item's keys; Item keeps every key, values decoded by encoding/json with
// numbers as json.Number so that they compare as the lab wrote them.
type Object struct {
	UID        string
	ID         string
	PortalType string
	Path       string
	ParentUID  string
	Item       map[string]any
	// Partial is the lab's message when it refused to show the object
	// completely: Item is then its light listing item (catalog metadata
	// and attributes), and the report lists it as unreadable.
	Partial string
}

// partialKey marks, inside a light item, why the complete one was refused;
// NewObject moves it to Partial.
const partialKey = "\x00partial"

// NewObject wraps a decoded item; the convenience fields are read from its
// keys (uid, id, portal_type, path, parent_uid).
func NewObject(item map[string]any) *Object {
	s := func(k string) string {
		v, _ := item[k].(string)
		return v
	}
	o := &Object{UID: s("uid"), ID: s("id"), PortalType: s("portal_type"), Path: s("path"),
		ParentUID: s("parent_uid"), Item: item, Partial: s(partialKey)}
	delete(item, partialKey)
	return o
}

// State is the object's review_state: the one workflow_info reports (one
// per workflow, joined by "," for the parallel workflows of 1.x labs), else
// the catalog metadata's review_state. senaite.jsonapi has no review_state
// attribute of its own (senaite-jsonapi.md §6.1).
func (o *Object) State() string {
	if wi, ok := o.Item["workflow_info"].([]any); ok && len(wi) > 0 {
		var parts []string
		for _, e := range wi {
			m, _ := e.(map[string]any)
			s, _ := m["review_state"].(string)
			parts = append(parts, s)
		}
		return strings.Join(parts, ",")
	}
	s, _ := o.Item["review_state"].(string)
	return s
}

// Title is the item's title, for reports.
func (o *Object) Title() string {
	s, _ := o.Item["title"].(string)
	return s
}

// relPath is the path below the site root: the Plone site is the first
// segment of a physical path (/senaite/clients/client-1 → clients/client-1).
func relPath(p string) string {
	p = strings.TrimPrefix(p, "/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return ""
}

// siteURL is the address the lab's own URLs start with (scheme://host/site),
// derived from an object's url and path: a URL into the lab carries the
// lab's host, which cannot be equal across two labs, and is compared site
// relative.
func (s *Snapshot) siteURL() string {
	for _, o := range s.Objects {
		u, _ := o.Item["url"].(string)
		if u == "" || o.Path == "" || !strings.HasSuffix(u, o.Path) {
			continue
		}
		host := strings.TrimSuffix(u, o.Path)
		site := strings.TrimPrefix(o.Path, "/")
		if i := strings.IndexByte(site, '/'); i >= 0 {
			site = site[:i]
		}
		return host + "/" + site
	}
	return ""
}
