package console

import (
	"crypto/subtle"
	"net/http"
	"net/url"
)

// cookieName holds the API token in the browser.
const cookieName = "senaite_sync_token"

// auth lets a request through when the coordinator has no token (it then
// listens on loopback only) or the cookie carries it; a form posted from
// another site is refused whatever the cookie says.
func (s *Server) auth(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && crossSite(r) {
			http.Error(w, "a form of another site may not act here", http.StatusForbidden)
			return
		}
		if s.Token != "" {
			c, err := r.Cookie(cookieName)
			if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.Token)) != 1 {
				http.Redirect(w, r, "/console/login", http.StatusSeeOther)
				return
			}
		}
		h(w, r)
	})
}

// crossSite tells a request a page of another origin sent (browsers say
// so in Sec-Fetch-Site, or at least in Origin).
func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		return err != nil || u.Host != r.Host
	}
	return false
}

// login checks the token a person typed and keeps it in the cookie.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if crossSite(r) {
		http.Error(w, "a form of another site may not act here", http.StatusForbidden)
		return
	}
	token := r.FormValue("token")
	if s.Token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.Token)) != 1 {
		s.render(w, "login", page{Title: "sign in", Message: "That is not the coordinator's API token.", Status: http.StatusUnauthorized})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/console", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}
