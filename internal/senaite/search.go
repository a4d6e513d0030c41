package senaite

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// DefaultPageSize is the page size when a Query sets none.
const DefaultPageSize = 100

// Query is a catalog search. Parameters a catalog does not index are
// silently ignored by SENAITE: check /catalogs/<id> before relying on one.
type Query struct {
	PortalTypes    []string
	Limit          int
	SortOn         string
	SortOrder      string // "ascending" or "descending"
	Complete       bool
	Workflow       bool
	Path           string
	Depth          *int
	UIDs           []string
	ID             string
	ReviewState    string
	Q              string
	Catalog        string
	ModifiedSince  string
	CreatedSince   string
	RecentModified string
	// Extra parameters, appended as given.
	Extra url.Values
}

func (q Query) limit() int {
	if q.Limit <= 0 {
		return DefaultPageSize
	}
	return q.Limit
}

// values encodes the query for one page.
func (q Query) values(bStart, limit int) url.Values {
	v := url.Values{}
	for _, pt := range q.PortalTypes {
		v.Add("portal_type", pt)
	}
	v.Set("limit", strconv.Itoa(limit))
	v.Set("b_start", strconv.Itoa(bStart))
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("sort_on", q.SortOn)
	set("sort_order", q.SortOrder)
	if q.Complete {
		v.Set("complete", "yes")
	}
	if q.Workflow {
		v.Set("workflow", "yes")
	}
	set("path", q.Path)
	if q.Depth != nil {
		v.Set("depth", strconv.Itoa(*q.Depth))
	}
	for _, u := range q.UIDs {
		v.Add("UID", u)
	}
	set("id", q.ID)
	set("review_state", q.ReviewState)
	set("q", q.Q)
	set("catalog", q.Catalog)
	set("modified_since", q.ModifiedSince)
	set("created_since", q.CreatedSince)
	set("recent_modified", q.RecentModified)
	for k, vals := range q.Extra {
		for _, x := range vals {
			v.Add(k, x)
		}
	}
	return v
}

// Page is one listing page.
type Page struct {
	Count, PageSize, Page, Pages int
	HasNext                      bool
	Items                        []Item
}

// envelope is the listing envelope; items are decoded one by one.
type envelope struct {
	Count    int               `json:"count"`
	PageSize int               `json:"pagesize"`
	Page     int               `json:"page"`
	Pages    int               `json:"pages"`
	Next     *string           `json:"next"`
	Items    []json.RawMessage `json:"items"`
}

// decodePage parses a listing envelope and its items.
func decodePage(body []byte) (Page, error) {
	env, valid, err := splitEnvelope(body)
	if err != nil {
		return Page{}, fmt.Errorf("senaite: page: %w", err)
	}
	p := Page{Count: env.Count, PageSize: env.PageSize, Page: env.Page, Pages: env.Pages, HasNext: env.Next != nil}
	p.Items = make([]Item, 0, len(env.Items))
	for _, raw := range env.Items {
		if isEmptyJSON(raw) {
			continue // relationship objects come back as {}
		}
		it, err := decodeItemOf(raw, valid)
		if err != nil {
			return Page{}, err
		}
		p.Items = append(p.Items, it)
	}
	return p, nil
}

// envelopeKeys are the keys of a listing envelope that decodePage reads.
var envelopeKeys = []string{"count", "pagesize", "page", "pages", "next", "items"}

// splitEnvelope reads a listing envelope as json.Unmarshal(body, &env)
// does, its items split without copying; valid tells that the items were
// checked with the body. Envelopes the split cannot take exactly (not an
// object, a key in another letter case) go through the decoder.
func splitEnvelope(body []byte) (env envelope, valid bool, err error) {
	top, err := members(body)
	if err != nil {
		return env, false, err
	}
	decoded := func() (envelope, bool, error) {
		var env envelope
		return env, false, json.Unmarshal(body, &env)
	}
	if top == nil {
		return decoded()
	}
	for k := range top {
		if !slices.Contains(envelopeKeys, k) && slices.ContainsFunc(envelopeKeys, func(name string) bool { return strings.EqualFold(k, name) }) {
			return decoded() // the decoder matches names in any letter case
		}
	}
	for _, f := range []struct {
		name string
		dst  any
	}{{"count", &env.Count}, {"pagesize", &env.PageSize}, {"page", &env.Page}, {"pages", &env.Pages}, {"next", &env.Next}} {
		if raw, ok := top[f.name]; ok {
			// a null number keeps what an earlier repeat of its key set
			if string(raw) == "null" && f.name != "next" || json.Unmarshal(raw, f.dst) != nil {
				return decoded()
			}
		}
	}
	if raw, ok := top["items"]; ok {
		items, ok := elements(raw)
		if !ok {
			return decoded()
		}
		env.Items = items
	}
	return env, true, nil
}

// SearchPage reads the page starting at bStart.
func (c *Client) SearchPage(ctx context.Context, q Query, bStart int) (Page, error) {
	body, _, err := c.do(ctx, request{method: "GET", route: "/search", query: q.values(bStart, q.limit()), idempotent: true})
	if err != nil {
		return Page{}, err
	}
	p, err := decodePage(body)
	if err != nil {
		return Page{}, &Error{Method: "GET", Route: "/search", Status: 200, Kind: KindMalformed, Message: err.Error()}
	}
	return p, nil
}

// Count asks how many objects match (a one-item page).
func (c *Client) Count(ctx context.Context, q Query) (int, error) {
	body, _, err := c.do(ctx, request{method: "GET", route: "/search", query: q.values(0, 1), idempotent: true})
	if err != nil {
		return 0, err
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return 0, &Error{Method: "GET", Route: "/search", Status: 200, Kind: KindMalformed, Message: err.Error()}
	}
	return env.Count, nil
}

// Search yields every matching item, computing b_start itself in multiples
// of the page size and stopping when b_start+limit reaches the count; the
// envelope's next URL is never followed. Results are live catalog queries:
// sort on an indexed, stable key (created) so that concurrent writes at the
// source shift pages as little as possible.
func (c *Client) Search(ctx context.Context, q Query) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		limit := q.limit()
		for bStart := 0; ; bStart += limit {
			p, err := c.SearchPage(ctx, q, bStart)
			if err != nil {
				yield(Item{}, fmt.Errorf("senaite: search page b_start=%d: %w", bStart, err))
				return
			}
			for _, it := range p.Items {
				if !yield(it, nil) {
					return
				}
			}
			if bStart+limit >= p.Count || len(p.Items) == 0 {
				return
			}
		}
	}
}

// Get reads one object completely (GET /<uid>, no envelope), with its
// workflow_info.
func (c *Client) Get(ctx context.Context, uid string) (Item, error) {
	route := "/" + url.PathEscape(uid)
	body, _, err := c.do(ctx, request{method: "GET", route: route, query: url.Values{"workflow": {"yes"}}, idempotent: true})
	if err != nil {
		return Item{}, err
	}
	it, err := decodeItem(body)
	if err != nil {
		return Item{}, &Error{Method: "GET", Route: route, Status: 200, Kind: KindMalformed, Message: err.Error()}
	}
	return it, nil
}
