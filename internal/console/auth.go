package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// cookieName holds the console session's id in the browser: a random id
// the coordinators know by its hash (store.CreateSession), never the API
// token, which a stolen cookie would have given away for good (issue #15).
const cookieName = "senaite_sync_session"

// Sessions last sessionTTL; failed sign-ins are throttled per client
// address: signInLimit failures within signInWindow make it wait for the
// rest of the window.
const (
	sessionTTL   = 12 * time.Hour
	signInLimit  = 5
	signInWindow = 15 * time.Minute
)

// auth lets a request through when the coordinator has no token (it then
// listens on loopback only) or the cookie names a live session; a form
// posted from another site is refused whatever the cookie says.
func (s *Server) auth(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && crossSite(r) {
			http.Error(w, "a form of another site may not act here", http.StatusForbidden)
			return
		}
		if s.Token != "" && !s.signedIn(r) {
			http.Redirect(w, r, "/console/login", http.StatusSeeOther)
			return
		}
		h(w, r)
	})
}

// signedIn tells whether the request's cookie names a live session.
func (s *Server) signedIn(r *http.Request) bool {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return false
	}
	ok, err := s.Store.SessionValid(r.Context(), sessionHash(c.Value))
	if err != nil {
		s.Log.Warn("console: session not checked", "error", err)
	}
	return ok
}

func sessionHash(id string) []byte {
	sum := sha256.Sum256([]byte(id))
	return sum[:]
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

// client is the address a sign-in is counted against.
func client(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// login exchanges the token a person typed for a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if crossSite(r) {
		http.Error(w, "a form of another site may not act here", http.StatusForbidden)
		return
	}
	if s.Token == "" {
		http.Redirect(w, r, "/console/", http.StatusSeeOther) // loopback only: no sign-in
		return
	}
	from := client(r)
	wait, err := s.Store.SignInWait(r.Context(), from, signInLimit, signInWindow)
	if err != nil {
		s.failPage(w, err)
		return
	}
	if wait > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		s.render(w, "login", page{Title: "sign in", Status: http.StatusTooManyRequests,
			Message: fmt.Sprintf("Too many wrong tokens from your address: try again in %s.", wait.Round(time.Second))})
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.FormValue("token")), []byte(s.Token)) != 1 {
		if err := s.Store.SignInFailed(r.Context(), from, signInWindow); err != nil {
			s.failPage(w, err)
			return
		}
		s.Log.Warn("console: wrong token", "client", from)
		s.render(w, "login", page{Title: "sign in", Message: "That is not the coordinator's API token.", Status: http.StatusUnauthorized})
		return
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		s.failPage(w, err)
		return
	}
	id := base64.RawURLEncoding.EncodeToString(raw[:])
	if err := s.Store.CreateSession(r.Context(), sessionHash(id), from, sessionTTL); err != nil {
		s.failPage(w, err)
		return
	}
	_ = s.Store.SignInSucceeded(r.Context(), from)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: "/console", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: int(sessionTTL.Seconds())})
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}

// logout ends the session and forgets the cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if crossSite(r) {
		http.Error(w, "a form of another site may not act here", http.StatusForbidden)
		return
	}
	if c, err := r.Cookie(cookieName); err == nil && c.Value != "" {
		if err := s.Store.DeleteSession(r.Context(), sessionHash(c.Value)); err != nil {
			s.failPage(w, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/console", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}
