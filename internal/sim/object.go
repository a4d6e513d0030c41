package sim

import (
	"sync/atomic"
	"time"
)

// Object is one content object of the simulated lab. Field values are stored
// in their Go form (see FieldKind); references hold target UIDs, as SENAITE
// stores them.
type Object struct {
	UID         string
	ID          string
	Type        *PortalType
	Parent      *Object
	Path        string
	Title       string
	Description string
	Created     time.Time
	Modified    time.Time
	Effective   time.Time
	Author      string
	Fields      map[string]any
	// State is the review_state of the object's workflow.
	State string
	// History is the workflow's review_history, oldest first.
	History []HistoryEntry

	// rid is the catalog record id: unsorted catalog results come back in
	// rid order, which is stable but unrelated to creation order, as in a
	// real ZCatalog.
	rid uint32
	// seq is the creation sequence, a tie-breaker for sorts.
	seq uint64

	children []*Object
	childIDs map[string]*Object

	// cache holds the serialized complete item; it is dropped on any write.
	cache atomic.Pointer[itemCache]
}

// HistoryEntry is one review_history record; Action is "" for the initial
// state (senaite.jsonapi shows it as null).
type HistoryEntry struct {
	Action      string    `json:"action"`
	Actor       string    `json:"actor"`
	Comments    string    `json:"comments"`
	ReviewState string    `json:"review_state"`
	Time        time.Time `json:"time"`
}

type itemCache struct {
	host string
	// body is the complete item without its closing brace and without
	// workflow_info, so that both variants share it.
	body []byte
}

// touch records a write: SENAITE bumps `modified` on every write, and the
// serialized item must be rebuilt.
func (o *Object) touch(now time.Time) {
	o.Modified = now
	o.cache.Store(nil)
}

// Children returns the contained objects in creation order.
func (o *Object) Children() []*Object { return o.children }

// str reads a string field, "" when unset.
func (o *Object) str(name string) string {
	if v, ok := o.Fields[name].(string); ok {
		return v
	}
	return ""
}

// ref reads a single-reference field's UID, "" when unset.
func (o *Object) ref(name string) string { return o.str(name) }

// refs reads a multi-reference field's UIDs.
func (o *Object) refs(name string) []string {
	if v, ok := o.Fields[name].([]string); ok {
		return v
	}
	return nil
}

// Active tells whether the object is in an active state; is_active is a
// catalog index and deactivated setup is hidden in most listings of the UI.
func (o *Object) Active() bool {
	switch o.State {
	case "inactive", "cancelled", "invalid", "rejected", "retracted", "disposed", "expired":
		return false
	}
	return true
}
