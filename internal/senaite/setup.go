package senaite

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
)

// User is a site account as /users shows it.
type User struct {
	Username      string
	Fullname      string
	Email         string
	Roles         []string
	Groups        []string
	Authenticated bool
	// Properties are the remaining member properties.
	Properties map[string]json.RawMessage
}

func decodeUser(raw json.RawMessage) (User, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return User{}, err
	}
	it := Item{Raw: m}
	u := User{Username: it.String("username"), Fullname: it.String("fullname"), Email: it.String("email"),
		Properties: m}
	_ = json.Unmarshal(m["roles"], &u.Roles)
	_ = json.Unmarshal(m["groups"], &u.Groups)
	_ = json.Unmarshal(m["authenticated"], &u.Authenticated)
	return u, nil
}

func (c *Client) users(ctx context.Context, route string) ([]User, error) {
	var out []User
	for bStart := 0; ; bStart += 100 {
		body, _, err := c.do(ctx, request{method: "GET", route: route, idempotent: true,
			query: url.Values{"limit": {"100"}, "b_start": {fmt.Sprint(bStart)}}})
		if err != nil {
			return nil, err
		}
		var env envelope
		if err := json.Unmarshal(body, &env); err != nil {
			return nil, &Error{Method: "GET", Route: route, Status: 200, Kind: KindMalformed, Message: err.Error()}
		}
		for _, raw := range env.Items {
			if isEmptyJSON(raw) {
				// /users/<unknown> answers items: [null]
				return nil, &Error{Method: "GET", Route: route, Status: 404, Kind: KindAPI, Message: "Not Found"}
			}
			u, err := decodeUser(raw)
			if err != nil {
				return nil, &Error{Method: "GET", Route: route, Status: 200, Kind: KindMalformed, Message: err.Error()}
			}
			out = append(out, u)
		}
		if bStart+100 >= env.Count || len(env.Items) == 0 {
			return out, nil
		}
	}
}

// Users lists the site's accounts (what import_users copies).
func (c *Client) Users(ctx context.Context) ([]User, error) { return c.users(ctx, "/users") }

// User reads one account; an unknown one is ErrNotFound.
func (c *Client) User(ctx context.Context, name string) (*User, error) {
	us, err := c.users(ctx, "/users/"+url.PathEscape(name))
	if err != nil {
		return nil, err
	}
	if len(us) == 0 {
		return nil, &Error{Method: "GET", Route: "/users/" + name, Status: 404, Kind: KindAPI, Message: "Not Found"}
	}
	return &us[0], nil
}

// CurrentUser is the account the client authenticates as (anonymous when
// the credentials are wrong).
func (c *Client) CurrentUser(ctx context.Context) (User, error) {
	us, err := c.users(ctx, "/users/current")
	if err != nil {
		return User{}, err
	}
	if len(us) == 0 {
		return User{}, &Error{Method: "GET", Route: "/users/current", Status: 200, Kind: KindMalformed, Message: "no user"}
	}
	return us[0], nil
}

// Catalog is a catalog's introspection: which indexes take effect.
type Catalog struct {
	ID          string   `json:"id"`
	Indexes     []string `json:"indexes"`
	Schema      []string `json:"schema"`
	PortalTypes []string `json:"portal_types"`
}

// HasIndex tells whether a query or sort on name takes effect.
func (c Catalog) HasIndex(name string) bool { return slices.Contains(c.Indexes, name) }

// Catalogs lists the catalogs (uid_catalog and reference_catalog excluded,
// as senaite.jsonapi does).
func (c *Client) Catalogs(ctx context.Context) ([]Catalog, error) {
	body, _, err := c.do(ctx, request{method: "GET", route: "/catalogs", idempotent: true})
	if err != nil {
		return nil, err
	}
	var env struct {
		Items []Catalog `json:"items"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, &Error{Method: "GET", Route: "/catalogs", Status: 200, Kind: KindMalformed, Message: err.Error()}
	}
	return env.Items, nil
}

// Catalog reads one catalog's indexes and metadata columns.
func (c *Client) Catalog(ctx context.Context, id string) (Catalog, error) {
	route := "/catalogs/" + url.PathEscape(id)
	body, _, err := c.do(ctx, request{method: "GET", route: route, idempotent: true})
	if err != nil {
		return Catalog{}, err
	}
	var cat Catalog
	if err := json.Unmarshal(body, &cat); err != nil {
		return Catalog{}, &Error{Method: "GET", Route: route, Status: 200, Kind: KindMalformed, Message: err.Error()}
	}
	return cat, nil
}

// Registry reads plone.registry records whose name contains keyword (all
// records for ""). A record senaite.jsonapi cannot serialize makes the
// whole answer a Zope HTML 500: ask by keyword ("senaite", "bika").
func (c *Client) Registry(ctx context.Context, keyword string) (map[string]json.RawMessage, error) {
	route := "/registry"
	if keyword != "" {
		route += "/" + url.PathEscape(keyword)
	}
	body, _, err := c.do(ctx, request{method: "GET", route: route, idempotent: true})
	if err != nil {
		return nil, err
	}
	var env struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, &Error{Method: "GET", Route: route, Status: 200, Kind: KindMalformed, Message: err.Error()}
	}
	out := map[string]json.RawMessage{}
	for _, it := range env.Items {
		for k, v := range it {
			out[k] = v
		}
	}
	return out, nil
}

// Setting is one control-panel key: schema name → field → value.
type Setting struct {
	Key     string
	Schemas map[string]map[string]json.RawMessage
}

// Settings reads /settings[/<key>].
func (c *Client) Settings(ctx context.Context, key string) ([]Setting, error) {
	route := "/settings"
	if key != "" {
		route += "/" + url.PathEscape(key)
	}
	body, _, err := c.do(ctx, request{method: "GET", route: route, idempotent: true})
	if err != nil {
		return nil, err
	}
	var env struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, &Error{Method: "GET", Route: route, Status: 200, Kind: KindMalformed, Message: err.Error()}
	}
	var out []Setting
	for _, it := range env.Items {
		for k, v := range it {
			if k == "api_url" {
				continue
			}
			s := Setting{Key: k}
			if err := json.Unmarshal(v, &s.Schemas); err != nil {
				return nil, &Error{Method: "GET", Route: route, Status: 200, Kind: KindMalformed, Message: err.Error()}
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// PortalTypes lists the types a lab's catalogs hold, the site aside,
// sorted: what a fetch or a verify walks through.
func (c *Client) PortalTypes(ctx context.Context) ([]string, error) {
	cats, err := c.Catalogs(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalogs: %w", err)
	}
	var out []string
	for _, cat := range cats {
		for _, t := range cat.PortalTypes {
			if t != "Plone Site" && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}
