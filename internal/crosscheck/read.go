package crosscheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Reader reads snapshots; its zero value is usable (Read uses it).
type Reader struct {
	// Client is the HTTP client (default: one with a two-minute timeout).
	Client *http.Client
	// PageSize is the listing's `limit` (default 200).
	PageSize int
	// Concurrency is how many pages are asked at once (default 6).
	Concurrency int
}

// Read takes a snapshot of the lab at siteURL (e.g.
// http://host:8080/senaite) with the default Reader.
func Read(ctx context.Context, siteURL, user, password string) (*Snapshot, error) {
	var r Reader
	return r.Read(ctx, siteURL, user, password)
}

// listing is where one portal type is read from: the catalog that lists it
// and the index its pages are sorted on.
type listing struct {
	portalType string
	catalog    string
	sortOn     string
}

// page is one answered listing page.
type page struct {
	bStart int
	count  int
	items  []*Object
}

// Read checks the credentials, asks /catalogs which portal types the lab
// holds and reads every object of each, page by page. Nothing may be
// missed: per type the objects received (distinct UIDs) must equal the
// listing's count, every page must hold what the paging arithmetic says,
// and every object's parent must have been read too.
func (r *Reader) Read(ctx context.Context, siteURL, user, password string) (*Snapshot, error) {
	c := r.client(siteURL, user, password)
	if err := c.checkAuth(ctx); err != nil {
		return nil, err
	}
	lists, err := c.listings(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		pages    = map[string][]page{}
	)
	conc := r.Concurrency
	if conc <= 0 {
		conc = 6
	}
	sem := make(chan struct{}, conc)
	size := r.PageSize
	if size <= 0 {
		size = 200
	}
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
		mu.Unlock()
	}
	fetch := func(l listing, bStart int) (page, bool) {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return page{}, false
		}
		defer func() { <-sem }()
		p, err := c.page(ctx, l, size, bStart, true)
		var refused *refusal
		if errors.As(err, &refused) {
			p, err = c.pageOneByOne(ctx, l, size, bStart)
		}
		if err != nil {
			fail(err)
			return page{}, false
		}
		mu.Lock()
		pages[l.portalType] = append(pages[l.portalType], p)
		mu.Unlock()
		return p, true
	}
	for _, l := range lists {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first, ok := fetch(l, 0)
			if !ok {
				return
			}
			// the paging arithmetic of plone.batching (senaite-jsonapi.md
			// §5.4): pages start at multiples of limit, until count
			for b := size; b < first.count; b += size {
				wg.Add(1)
				go func() {
					defer wg.Done()
					fetch(l, b)
				}()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("crosscheck: read %s: %w", siteURL, err)
	}
	return assemble(siteURL, lists, pages, size)
}

// assemble checks the pages of every type against their counts and builds
// the snapshot.
func assemble(siteURL string, lists []listing, pages map[string][]page, size int) (*Snapshot, error) {
	s := &Snapshot{URL: siteURL, Counts: map[string]int{}}
	seen := map[string]string{}
	for _, l := range lists {
		ps := pages[l.portalType]
		if len(ps) == 0 {
			return nil, fmt.Errorf("crosscheck: read %s: %s: no page was read", siteURL, l.portalType)
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i].bStart < ps[j].bStart })
		count := ps[0].count
		s.Counts[l.portalType] = count
		n := 0
		for _, p := range ps {
			if p.count != count {
				return nil, fmt.Errorf("crosscheck: read %s: %s: the count changed from %d to %d while paging (is the lab being written to?)",
					siteURL, l.portalType, count, p.count)
			}
			if want := min(size, count-p.bStart); len(p.items) != want {
				return nil, fmt.Errorf("crosscheck: read %s: %s: the page at b_start=%d holds %d items, the paging arithmetic says %d",
					siteURL, l.portalType, p.bStart, len(p.items), want)
			}
			for _, o := range p.items {
				if o.UID == "" || o.PortalType != l.portalType {
					return nil, fmt.Errorf("crosscheck: read %s: a %s listing returned an item of type %q with uid %q",
						siteURL, l.portalType, o.PortalType, o.UID)
				}
				if prev, dup := seen[o.UID]; dup {
					return nil, fmt.Errorf("crosscheck: read %s: %s %s was listed twice (%s, %s): pages overlapped",
						siteURL, o.PortalType, o.UID, prev, o.Path)
				}
				seen[o.UID] = o.Path
				s.Objects = append(s.Objects, o)
				n++
			}
		}
		if n != count {
			return nil, fmt.Errorf("crosscheck: read %s: %s: %d objects read, the listing counts %d", siteURL, l.portalType, n, count)
		}
	}
	for _, o := range s.Objects {
		if o.ParentUID == "0" {
			continue
		}
		if _, ok := seen[o.ParentUID]; !ok {
			return nil, fmt.Errorf("crosscheck: read %s: the parent %q of %s was not read: a portal type missing from /catalogs, or a parent this user cannot view",
				siteURL, o.ParentUID, o.Path)
		}
	}
	return s, nil
}

// client is the HTTP side of a Reader for one lab.
type client struct {
	http           *http.Client
	api            string
	user, password string
}

func (r *Reader) client(siteURL, user, password string) *client {
	hc := r.Client
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	return &client{http: hc, api: strings.TrimRight(siteURL, "/") + "/@@API/senaite/v1",
		user: user, password: password}
}

// errUnauthorized is returned when /auth refuses the credentials.
var errUnauthorized = errors.New("crosscheck: the lab refuses the credentials (/auth answered 401)")

// checkAuth asks /auth: wrong Basic credentials make every other request
// anonymous, and an anonymous listing is an empty lab, not an error
// (senaite-jsonapi.md §2).
func (c *client) checkAuth(ctx context.Context) error {
	status, _, err := c.get(ctx, "/auth", nil)
	if err != nil {
		return err
	}
	switch status {
	case http.StatusOK:
		return nil
	case http.StatusUnauthorized:
		return fmt.Errorf("%w: %s as %q", errUnauthorized, c.api, c.user)
	}
	return fmt.Errorf("crosscheck: %s/auth answered HTTP %d", c.api, status)
}

// listings asks /catalogs which portal types exist and where each is
// listed. A type listed by several catalogs (1.x's portal_catalog lists
// setup types as well) is read from a specific one; 1.x analyses are in no
// default catalog, so the catalog is always named explicitly.
func (c *client) listings(ctx context.Context) ([]listing, error) {
	var env struct {
		Items []struct {
			ID          string   `json:"id"`
			Indexes     []string `json:"indexes"`
			PortalTypes []string `json:"portal_types"`
		} `json:"items"`
	}
	if err := c.getJSON(ctx, "/catalogs", nil, &env); err != nil {
		return nil, err
	}
	byType := map[string]listing{}
	for _, cat := range env.Items {
		sortOn := ""
		for _, idx := range []string{"created", "UID", "id", "path"} {
			if slices.Contains(cat.Indexes, idx) {
				sortOn = idx
				break
			}
		}
		for _, pt := range cat.PortalTypes {
			if pt == "Plone Site" {
				continue
			}
			prev, ok := byType[pt]
			if ok && (cat.ID == "portal_catalog" || prev.sortOn == "created" && sortOn != "created") {
				continue
			}
			byType[pt] = listing{portalType: pt, catalog: cat.ID, sortOn: sortOn}
		}
	}
	if len(byType) == 0 {
		return nil, fmt.Errorf("crosscheck: %s/catalogs lists no portal types", c.api)
	}
	out := make([]listing, 0, len(byType))
	for _, l := range byType {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].portalType < out[j].portalType })
	return out, nil
}

// page reads one listing page, of complete items with their workflow info
// or of light ones (catalog metadata and attributes).
func (c *client) page(ctx context.Context, l listing, size, bStart int, complete bool) (page, error) {
	q := url.Values{"portal_type": {l.portalType}, "catalog": {l.catalog},
		"limit": {strconv.Itoa(size)}, "b_start": {strconv.Itoa(bStart)}}
	if complete {
		q.Set("complete", "yes")
		q.Set("workflow", "yes")
	}
	if l.sortOn != "" {
		q.Set("sort_on", l.sortOn)
	}
	var env struct {
		Count *int              `json:"count"`
		Items []json.RawMessage `json:"items"`
	}
	if err := c.getJSON(ctx, "/search", q, &env); err != nil {
		return page{}, err
	}
	if env.Count == nil {
		return page{}, fmt.Errorf("crosscheck: %s/search?%s: the answer has no count", c.api, q.Encode())
	}
	p := page{bStart: bStart, count: *env.Count, items: make([]*Object, len(env.Items))}
	for i, raw := range env.Items {
		o, err := objectFromJSON(raw)
		if err != nil {
			return page{}, fmt.Errorf("crosscheck: %s/search?%s: %w", c.api, q.Encode(), err)
		}
		p.items[i] = o
	}
	return p, nil
}

// pageOneByOne reads a page whose complete listing the lab refused: one
// object it cannot serialize fails the whole page (a fresh 2.6 site's
// Setup, whose never-saved publication body senaite.jsonapi cannot render:
// fieldmanagers.py:132-138). The page is read light, then each object
// completely on its own; one that still fails keeps its light item, marked
// Partial with the lab's message, so that the report shows it.
func (c *client) pageOneByOne(ctx context.Context, l listing, size, bStart int) (page, error) {
	light, err := c.page(ctx, l, size, bStart, false)
	if err != nil {
		return page{}, err
	}
	for i, o := range light.items {
		q := url.Values{"portal_type": {l.portalType}, "catalog": {l.catalog}, "UID": {o.UID},
			"complete": {"yes"}, "workflow": {"yes"}}
		var env struct {
			Count int               `json:"count"`
			Items []json.RawMessage `json:"items"`
		}
		err := c.getJSON(ctx, "/search", q, &env)
		var refused *refusal
		switch {
		case errors.As(err, &refused):
			o.Partial = refused.message
		case err != nil:
			return page{}, err
		case env.Count != 1 || len(env.Items) != 1:
			return page{}, fmt.Errorf("crosscheck: %s/search?%s: %d items for one UID", c.api, q.Encode(), len(env.Items))
		default:
			if light.items[i], err = objectFromJSON(env.Items[0]); err != nil {
				return page{}, err
			}
		}
	}
	return light, nil
}

// refusal is an HTTP-200 answer with success:false: plone.jsonapi.core
// swallows the handler's exception into it (senaite-jsonapi.md §3).
type refusal struct {
	where, message string
}

func (e *refusal) Error() string {
	return fmt.Sprintf("crosscheck: %s: success:false: %s", e.where, e.message)
}

// getJSON asks a route and decodes its answer; HTTP errors and HTTP-200
// answers with success:false (plone.jsonapi.core swallows exceptions into
// them, senaite-jsonapi.md §3) are errors.
func (c *client) getJSON(ctx context.Context, route string, q url.Values, out any) error {
	status, body, err := c.get(ctx, route, q)
	if err != nil {
		return err
	}
	where := c.api + route
	if len(q) > 0 {
		where += "?" + q.Encode()
	}
	if status != http.StatusOK {
		return fmt.Errorf("crosscheck: %s: HTTP %d: %.200s", where, status, body)
	}
	var head struct {
		Success *bool  `json:"success"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return fmt.Errorf("crosscheck: %s: not a JSON object: %w", where, err)
	}
	if head.Success != nil && !*head.Success {
		return &refusal{where: where, message: head.Message}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("crosscheck: %s: %w", where, err)
	}
	return nil
}

func (c *client) get(ctx context.Context, route string, q url.Values) (int, []byte, error) {
	u := c.api + route
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("crosscheck: %s: %w", u, err)
	}
	req.SetBasicAuth(c.user, c.password)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("crosscheck: %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("crosscheck: %s: %w", u, err)
	}
	return resp.StatusCode, body, nil
}
