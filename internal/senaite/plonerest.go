package senaite

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// plone.restapi writes what senaite.jsonapi only reads: users, registry
// records, control panels. A lab without it answers 404 at the portal:
// ErrNoPloneREST, and the caller reports instead of skipping silently.

// PloneUser is a user as plone.restapi shows it.
type PloneUser struct {
	ID       string   `json:"id"`
	Username string   `json:"username"`
	Fullname string   `json:"fullname"`
	Email    string   `json:"email"`
	Roles    []string `json:"roles"`
	Groups   any      `json:"groups,omitempty"`
}

// PloneUserCreate is what POST @users takes.
type PloneUserCreate struct {
	Username string   `json:"username"`
	Email    string   `json:"email"`
	Password string   `json:"password"`
	Fullname string   `json:"fullname,omitempty"`
	Roles    []string `json:"roles,omitempty"`
	Groups   []string `json:"groups,omitempty"`
}

// ControlPanel is one control panel's data.
type ControlPanel struct {
	ID    string                     `json:"@id"`
	Title string                     `json:"title"`
	Group string                     `json:"group"`
	Data  map[string]json.RawMessage `json:"data"`
}

func (c *Client) plone(ctx context.Context, method, route string, body any, out any) error {
	raw, _, err := c.do(ctx, request{method: method, route: "/" + route, body: body, plone: true,
		idempotent: method == "GET"})
	if err != nil {
		return err
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return &Error{Method: method, Route: "/" + route, Status: 200, Kind: KindMalformed, Message: err.Error(), plone: true}
		}
	}
	return nil
}

// PloneUsers lists users through plone.restapi.
func (c *Client) PloneUsers(ctx context.Context) ([]PloneUser, error) {
	var out []PloneUser
	return out, c.plone(ctx, "GET", "@users", nil, &out)
}

// CreatePloneUser creates a user (POST @users); never retried.
func (c *Client) CreatePloneUser(ctx context.Context, u PloneUserCreate) (PloneUser, error) {
	var out PloneUser
	return out, c.plone(ctx, "POST", "@users", u, &out)
}

// PloneRegistryGet reads one registry record's value.
func (c *Client) PloneRegistryGet(ctx context.Context, record string) (json.RawMessage, error) {
	var out json.RawMessage
	return out, c.plone(ctx, "GET", "@registry/"+url.PathEscape(record), nil, &out)
}

// PatchPloneRegistry sets registry records (PATCH @registry → 204).
func (c *Client) PatchPloneRegistry(ctx context.Context, records map[string]any) error {
	return c.plone(ctx, "PATCH", "@registry", records, nil)
}

// ControlPanel reads a control panel.
func (c *Client) ControlPanel(ctx context.Context, name string) (ControlPanel, error) {
	var out ControlPanel
	return out, c.plone(ctx, "GET", "@controlpanels/"+url.PathEscape(name), nil, &out)
}

// PatchControlPanel sets control-panel fields (PATCH → 204).
func (c *Client) PatchControlPanel(ctx context.Context, name string, data map[string]any) error {
	return c.plone(ctx, "PATCH", "@controlpanels/"+url.PathEscape(name), data, nil)
}

// ControlPanelID is plone.restapi's id of the control panel that shows
// the settings of a senaite.jsonapi /settings key: the configlet's name,
// which differs for some (dateandtime → date-and-time).
func ControlPanelID(settingsKey string) string {
	switch settingsKey {
	case "dateandtime":
		return "date-and-time"
	case "usergroups":
		return "usergroup"
	}
	return settingsKey
}

// PloneGroup is a group as plone.restapi lists it.
type PloneGroup struct {
	ID        string `json:"id"`
	Groupname string `json:"groupname"`
	Title     string `json:"title"`
}

// PloneGroups lists groups (GET @groups).
func (c *Client) PloneGroups(ctx context.Context) ([]PloneGroup, error) {
	var out []PloneGroup
	return out, c.plone(ctx, "GET", "@groups", nil, &out)
}

// CreatePloneGroup creates a group (POST @groups); never retried.
func (c *Client) CreatePloneGroup(ctx context.Context, name, title string) error {
	return c.plone(ctx, "POST", "@groups", map[string]string{"groupname": name, "title": title}, nil)
}

// PatchContent writes fields of a content object through plone.restapi
// (PATCH <object url> → 204): the way to objects senaite.jsonapi refuses
// to update (the portal's and bika_setup's children: the Laboratory,
// bika_setup itself, the Dexterity setup). plone.restapi sets only the
// fields the user may write and ignores the others silently, so the
// caller reads the object back to see what took. path is the object's
// physical path (/senaite/bika_setup/laboratory), under the site URL
// whatever the site's id. Never retried.
func (c *Client) PatchContent(ctx context.Context, path string, fields map[string]any) error {
	parts := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2)
	if len(parts) < 2 || parts[1] == "" {
		return fmt.Errorf("senaite: patch content: %q is no object inside a site", path)
	}
	return c.plone(ctx, "PATCH", parts[1], fields, nil)
}
