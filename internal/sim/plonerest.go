package sim

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
)

// plone.restapi answers JSON without senaite.jsonapi's _runtime, errors as
// {"error": {"type", "message"}}. Only what a sync writes is served:
// @users, @groups, @registry, @controlpanels.

func (c *reqCtx) restJSON(status int, v any) {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(c.w).Encode(v)
	}
}

func (c *reqCtx) restError(status int, typ, msg string) {
	c.restJSON(status, map[string]any{"error": map[string]any{"type": typ, "message": msg}})
}

// controlPanelTitles names the panels /@controlpanels lists, by the
// senaite.jsonapi /settings key that shows the same settings.
var controlPanelTitles = map[string]string{"mail": "Mail", "language": "Language", "dateandtime": "Date and Time",
	"usergroups": "Users and Groups", "maintenance": "Maintenance"}

// controlPanelIDs are plone.restapi's ids of those panels where they
// differ from the /settings key (plone.restapi names its panels by their
// configlet: date-and-time, usergroup).
var controlPanelIDs = map[string]string{"dateandtime": "date-and-time", "usergroups": "usergroup"}

func controlPanelID(key string) string {
	if id, ok := controlPanelIDs[key]; ok {
		return id
	}
	return key
}

// settingsKey is the /settings key of a control panel id.
func settingsKey(id string) string {
	for k, v := range controlPanelIDs {
		if v == id {
			return k
		}
	}
	return id
}

// servePloneREST answers the plone.restapi subset; path starts with "@".
func (s *Server) servePloneREST(c *reqCtx, path string) {
	if s.lab.opts.NoPloneREST {
		s.zopeNotFound(c.w)
		return
	}
	if c.user == nil {
		c.restError(401, "Unauthorized", "You are not authorized to access this resource.")
		return
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	site := c.u.host + "/" + s.lab.opts.Site
	l := s.lab
	switch segs[0] {
	case "@users":
		switch {
		case c.r.Method == http.MethodGet && len(segs) == 1:
			l.mu.RLock()
			out := []any{}
			for _, u := range l.users {
				out = append(out, restUser(site, u))
			}
			l.mu.RUnlock()
			c.restJSON(200, out)
		case c.r.Method == http.MethodGet && len(segs) == 2:
			l.mu.RLock()
			u := l.user(segs[1])
			l.mu.RUnlock()
			if u == nil {
				c.restError(404, "NotFound", "Resource not found: "+segs[1])
				return
			}
			c.restJSON(200, restUser(site, u))
		case c.r.Method == http.MethodPost && len(segs) == 1:
			var in struct {
				Username string   `json:"username"`
				Email    string   `json:"email"`
				Password string   `json:"password"`
				Fullname string   `json:"fullname"`
				Roles    []string `json:"roles"`
				Groups   []string `json:"groups"`
			}
			if err := json.NewDecoder(c.r.Body).Decode(&in); err != nil {
				c.restError(400, "Bad Request", "Invalid JSON: "+err.Error())
				return
			}
			if in.Username == "" || in.Email == "" {
				c.restError(400, "Bad Request", "Property 'username' and 'email' are required")
				return
			}
			l.mu.Lock()
			if l.user(in.Username) != nil {
				l.mu.Unlock()
				c.restError(400, "Bad Request", "The login name you selected is already in use or is not valid. Please choose another.")
				return
			}
			u := &User{Username: in.Username, Email: in.Email, Password: in.Password, Fullname: in.Fullname,
				Roles: append([]string{}, in.Roles...), Groups: append([]string{"AuthenticatedUsers"}, in.Groups...)}
			l.users = append(l.users, u)
			l.mu.Unlock()
			c.w.Header().Set("Location", site+"/@users/"+u.Username)
			c.restJSON(201, restUser(site, u))
		default:
			c.restError(405, "MethodNotAllowed", "Method not allowed")
		}
	case "@groups":
		l.mu.Lock()
		defer l.mu.Unlock()
		groups := map[string]bool{}
		for _, u := range l.users {
			for _, g := range u.Groups {
				groups[g] = true
			}
		}
		for g := range l.extraGroups {
			groups[g] = true
		}
		if c.r.Method == http.MethodPost {
			var in struct {
				Groupname string `json:"groupname"`
				Title     string `json:"title"`
			}
			if err := json.NewDecoder(c.r.Body).Decode(&in); err != nil || in.Groupname == "" {
				c.restError(400, "Bad Request", "Property 'groupname' is required")
				return
			}
			if groups[in.Groupname] {
				c.restError(400, "Bad Request", "Error occurred, could not add group "+in.Groupname+".")
				return
			}
			if l.extraGroups == nil {
				l.extraGroups = map[string]string{}
			}
			l.extraGroups[in.Groupname] = in.Title
			c.restJSON(201, map[string]any{"@id": site + "/@groups/" + in.Groupname, "id": in.Groupname,
				"groupname": in.Groupname, "title": in.Title})
			return
		}
		names := make([]string, 0, len(groups))
		for g := range groups {
			names = append(names, g)
		}
		sort.Strings(names)
		out := []any{}
		for _, g := range names {
			out = append(out, map[string]any{"@id": site + "/@groups/" + g, "id": g, "groupname": g, "title": g})
		}
		c.restJSON(200, out)
	case "@registry":
		switch {
		case c.r.Method == http.MethodGet && len(segs) == 2:
			l.mu.RLock()
			v, ok := l.registry[segs[1]]
			l.mu.RUnlock()
			if !ok {
				c.restError(404, "NotFound", "Resource not found: "+segs[1])
				return
			}
			c.restJSON(200, v)
		case c.r.Method == http.MethodPatch && len(segs) == 1:
			var in map[string]any
			if err := json.NewDecoder(c.r.Body).Decode(&in); err != nil {
				c.restError(400, "Bad Request", "Invalid JSON")
				return
			}
			l.mu.Lock()
			defer l.mu.Unlock()
			for k := range in {
				if _, ok := l.registry[k]; !ok {
					c.restError(500, "KeyError", "'"+k+"'")
					return
				}
			}
			for k, v := range in {
				l.registry[k] = v
			}
			c.restJSON(204, nil)
		default:
			c.restError(405, "MethodNotAllowed", "Method not allowed")
		}
	case "@controlpanels":
		l.mu.Lock()
		defer l.mu.Unlock()
		if len(segs) == 1 {
			keys := make([]string, 0, len(l.settings))
			for k := range l.settings {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			out := []any{}
			for _, k := range keys {
				out = append(out, map[string]any{"@id": site + "/@controlpanels/" + controlPanelID(k),
					"title": controlPanelTitles[k], "group": "General"})
			}
			c.restJSON(200, out)
			return
		}
		key := settingsKey(segs[1])
		panel, ok := l.settings[key]
		if !ok || controlPanelID(key) != segs[1] {
			c.restError(404, "NotFound", "Resource not found: "+segs[1])
			return
		}
		data := map[string]any{}
		for _, fields := range panel {
			for k, v := range fields {
				data[k] = v
			}
		}
		switch c.r.Method {
		case http.MethodGet:
			props := map[string]any{}
			for k := range data {
				props[k] = map[string]any{"title": k, "type": "string"}
			}
			c.restJSON(200, map[string]any{"@id": site + "/@controlpanels/" + segs[1],
				"title": controlPanelTitles[key], "group": "General",
				"schema": map[string]any{"fieldsets": []any{}, "properties": props, "required": []any{}},
				"data":   data})
		case http.MethodPatch:
			var in map[string]any
			if err := json.NewDecoder(c.r.Body).Decode(&in); err != nil {
				c.restError(400, "Bad Request", "Invalid JSON")
				return
			}
			for k := range in {
				if _, ok := data[k]; !ok {
					c.restError(400, "BadRequest", "Unknown field '"+k+"'")
					return
				}
			}
			for _, fields := range panel {
				for k, v := range in {
					if _, ok := fields[k]; ok {
						fields[k] = v
					}
				}
			}
			c.restJSON(204, nil)
		default:
			c.restError(405, "MethodNotAllowed", "Method not allowed")
		}
	default:
		c.restError(404, "NotFound", "Resource not found: "+segs[0])
	}
}

func restUser(site string, u *User) map[string]any {
	return map[string]any{"@id": site + "/@users/" + u.Username, "id": u.Username, "username": u.Username,
		"fullname": u.Fullname, "email": u.Email, "roles": u.Roles, "groups": u.Groups}
}
