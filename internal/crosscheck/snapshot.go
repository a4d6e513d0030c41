package crosscheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Snapshot is a lab as senaite.jsonapi shows it: every object's complete
// item (complete=yes&workflow=yes), as the lab wrote it. Compare needs
// nothing else, so a snapshot built by hand in a test is as good as one
// Read.
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

// Object is one item of a listing. The fields are copies of the item's
// keys; the item itself is kept as the JSON the lab wrote (a decoded item
// takes four times the memory, and a lab holds 50,000 of them) and decoded
// by Item.
type Object struct {
	UID        string
	ID         string
	PortalType string
	Path       string
	ParentUID  string
	// State is the object's review_state: the one workflow_info reports
	// (one per workflow, joined by "," for the parallel workflows of 1.x
	// labs), else the catalog metadata's review_state. senaite.jsonapi has
	// no review_state attribute of its own (senaite-jsonapi.md §6.1).
	State string
	Title string
	// Partial is the lab's message when it refused to show the object
	// completely: the item is then its light listing item (catalog
	// metadata and attributes), and the report lists it as unreadable.
	Partial string

	raw  []byte
	item map[string]any
}

// head is what an Object copies out of its item.
type head struct {
	UID          string `json:"uid"`
	ID           string `json:"id"`
	PortalType   string `json:"portal_type"`
	Path         string `json:"path"`
	ParentUID    string `json:"parent_uid"`
	Title        string `json:"title"`
	ReviewState  string `json:"review_state"`
	WorkflowInfo []struct {
		ReviewState string `json:"review_state"`
	} `json:"workflow_info"`
}

func (h *head) object() *Object {
	o := &Object{UID: h.UID, ID: h.ID, PortalType: h.PortalType, Path: h.Path, ParentUID: h.ParentUID,
		Title: h.Title, State: h.ReviewState}
	if len(h.WorkflowInfo) > 0 {
		parts := make([]string, len(h.WorkflowInfo))
		for i, w := range h.WorkflowInfo {
			parts[i] = w.ReviewState
		}
		o.State = strings.Join(parts, ",")
	}
	return o
}

// NewObject wraps a decoded item (a test's, or a light one); the fields
// are read from its keys.
func NewObject(item map[string]any) *Object {
	raw, err := json.Marshal(item)
	if err != nil {
		raw = []byte("{}")
	}
	var h head
	_ = json.Unmarshal(raw, &h)
	o := h.object()
	o.item = item
	return o
}

// objectFromJSON wraps an item as the lab wrote it.
func objectFromJSON(raw []byte) (*Object, error) {
	var h head
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, fmt.Errorf("crosscheck: an item: %w", err)
	}
	o := h.object()
	o.raw = raw
	return o, nil
}

// Item is the object's item, decoded with numbers as json.Number so that
// they compare as the lab wrote them. Each call decodes it afresh, except
// for an object built from a decoded item, which returns that item.
func (o *Object) Item() map[string]any {
	if o.item != nil || o.raw == nil {
		return o.item
	}
	dec := json.NewDecoder(bytes.NewReader(o.raw))
	dec.UseNumber()
	var item map[string]any
	if err := dec.Decode(&item); err != nil {
		return nil
	}
	return item
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
		var u struct {
			URL string `json:"url"`
		}
		if o.raw != nil {
			_ = json.Unmarshal(o.raw, &u)
		} else {
			u.URL, _ = o.item["url"].(string)
		}
		if u.URL == "" || o.Path == "" || !strings.HasSuffix(u.URL, o.Path) {
			continue
		}
		host := strings.TrimSuffix(u.URL, o.Path)
		site := strings.TrimPrefix(o.Path, "/")
		if i := strings.IndexByte(site, '/'); i >= 0 {
			site = site[:i]
		}
		return host + "/" + site
	}
	return ""
}
