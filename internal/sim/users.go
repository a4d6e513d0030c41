package sim

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// routeUsers answers /users, /users/<name>, /users/current and the
// login/logout/auth aliases under /users.
func (s *Server) routeUsers(c *reqCtx, segs []string, get, post bool) {
	name := segAt(segs, 0)
	if len(segs) > 1 {
		c.fail(200, msgRouterNotFound)
		return
	}
	switch name {
	case "login":
		s.handleLogin(c)
		return
	case "logout", "auth":
		if !get {
			c.fail(200, msgMethodNotAllowed)
			return
		}
		if name == "logout" {
			s.handleLogout(c)
		} else {
			s.handleAuth(c)
		}
		return
	}
	if !get {
		c.fail(200, msgMethodNotAllowed)
		return
	}
	l := s.lab
	l.mu.RLock()
	defer l.mu.RUnlock()
	var items []*User
	unknown := false
	switch {
	case c.user == nil || name == "current":
		// anonymous callers always get `current`
		items = []*User{c.user}
	case name == "":
		items = append(items, l.users...)
	default:
		u := l.user(name)
		if u == nil {
			unknown = true
		}
		items = []*User{u}
	}
	p := paginate(len(items), formInt(c.form, "limit", defaultPageSize), formInt(c.form, "b_start", 0))
	b := []byte{'{'}
	b = c.appendEnvelopeHead(b, p, c.routeURL())
	b = appendKey(b, "items")
	b = append(b, '[')
	for i, u := range items[p.Start:p.End] {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		if unknown {
			b = appendNull(b)
			continue
		}
		b = s.appendUser(b, c, u)
	}
	b = append(b, ']')
	c.finish(200, b)
}

// appendUser writes a user item; u nil is the anonymous user.
func (s *Server) appendUser(b []byte, c *reqCtx, u *User) []byte {
	if u == nil {
		b = append(b, `{"username": "Anonymous User", "authenticated": false, "roles": ["Anonymous"], "api_url": `...)
		b = appendStr(b, c.u.apiBase+"/users/current")
		return append(b, '}')
	}
	b = append(b, '{')
	b = appendKey(b, "username")
	b = appendStr(b, u.Username)
	b = appendKey(b, "roles")
	b = appendAny(b, u.Roles)
	b = appendKey(b, "groups")
	b = appendAny(b, u.Groups)
	b = appendKey(b, "authenticated")
	b = appendBool(b, c.user != nil && c.user.Username == u.Username)
	b = appendKey(b, "api_url")
	b = appendStr(b, c.u.apiBase+"/users/"+u.Username)
	b = appendKey(b, "email")
	b = appendStr(b, u.Email)
	b = appendKey(b, "fullname")
	b = appendStr(b, u.Fullname)
	for _, k := range []string{"description", "location", "home_page", "language", "wysiwyg_editor", "portal_skin"} {
		b = appendKey(b, k)
		b = appendStr(b, "")
	}
	b = appendKey(b, "listed")
	b = appendBool(b, true)
	b = appendKey(b, "ext_editor")
	b = appendBool(b, false)
	b = appendKey(b, "visible_ids")
	b = appendBool(b, false)
	b = appendKey(b, "error_log_update")
	b = append(b, "0.0"...)
	b = appendKey(b, "login_time")
	b = appendStr(b, "2000-01-01T00:00:00")
	b = appendKey(b, "last_login_time")
	b = appendStr(b, "2000-01-01T00:00:00")
	if s.lab.fl.flavor == Flavor2x {
		b = appendKey(b, "linked_contact_uid")
		b = appendStr(b, "")
	}
	return append(b, '}')
}

// handleLogin answers /login: credentials come only from form or query
// parameters (the PAS cookie plugin reads them during traversal).
func (s *Server) handleLogin(c *reqCtx) {
	name := c.form.Get("__ac_name")
	pw := c.form.Get("__ac_password")
	if name == "" {
		c.fail(400, "__ac_name is missing")
		return
	}
	if pw == "" {
		c.fail(400, "__ac_password is missing")
		return
	}
	u := s.lab.checkPassword(name, pw)
	if u == nil {
		c.fail(401, "Invalid Credentials")
		return
	}
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	token := hex.EncodeToString(raw[:])
	s.sessMu.Lock()
	s.sessions[token] = u.Username
	s.sessMu.Unlock()
	http.SetCookie(c.w, &http.Cookie{Name: "__ac", Value: token, Path: "/" + s.lab.opts.Site, HttpOnly: true})
	c.user = u
	s.routeUsers(c, []string{"current"}, true, false)
}

// handleLogout answers /logout and forgets the session.
func (s *Server) handleLogout(c *reqCtx) {
	if ck, err := c.r.Cookie("__ac"); err == nil {
		s.sessMu.Lock()
		delete(s.sessions, ck.Value)
		s.sessMu.Unlock()
		http.SetCookie(c.w, &http.Cookie{Name: "__ac", Value: "", Path: "/" + s.lab.opts.Site, MaxAge: -1})
	}
	b := []byte{'{'}
	b = appendKey(b, "url")
	b = appendStr(b, c.u.apiBase+"/users")
	if s.lab.fl.flavor == Flavor2x {
		b = appendKey(b, "authenticated")
		b = appendBool(b, false)
	}
	b = appendKey(b, "success")
	b = appendBool(b, true)
	c.finish(200, b)
}

// handleAuth is the authentication probe: 401 when anonymous, which is
// the only way to tell a wrong password from an empty lab.
func (s *Server) handleAuth(c *reqCtx) {
	if c.user == nil {
		c.w.Header().Set("WWW-Authenticate", `basic realm="JSONAPI AUTH"`)
		c.finish(401, []byte{'{'})
		return
	}
	c.finish(200, []byte{'{'})
}
