package api

import (
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// maxQueryValue bounds a query parameter's value.
const maxQueryValue = 1024

// crossOrigin is the standard library's CSRF check: a state-changing
// request whose Sec-Fetch-Site is not same-origin, or whose Origin names
// another host than the request's, is refused.
var crossOrigin = http.NewCrossOriginProtection()

// Guard closes the coordinator's HTTP server to other websites: a page in
// the operator's browser can send requests to a loopback address too.
//   - Host must be an IP address, localhost, the listen address's host, or
//     a name of allowed (SENAITE_SYNC_ALLOWED_HOSTS): a name the server was
//     not given is DNS rebinding (an attacker's name resolving to us), and
//     would let that page read the API and the console.
//   - A state-changing request that names its Origin must come from this
//     server's own; to /api/ it must also be application/json, which a
//     cross-site form or a simple fetch cannot send without a preflight.
//   - The path and the query are valid UTF-8 without NUL, values bounded.
//
// The probes and /metrics answer any Host: orchestrators call them by IP
// or by a service name nobody configured.
func Guard(next http.Handler, listen string, allowed []string, log *slog.Logger) http.Handler {
	names := map[string]bool{"localhost": true}
	if h, _, err := net.SplitHostPort(listen); err == nil && h != "" {
		names[strings.ToLower(h)] = true
	}
	for _, a := range allowed {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			if h, _, err := net.SplitHostPort(a); err == nil {
				a = h
			}
			names[a] = true
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz", "/readyz", "/metrics":
			next.ServeHTTP(w, r)
			return
		}
		if !hostAllowed(r.Host, names) {
			log.Warn("api: request for a host name this server was not given", "host", r.Host, "path", r.URL.Path)
			writeError(w, http.StatusMisdirectedRequest, "host", "this server does not answer for host "+
				strings.ToValidUTF8(r.Host, "?")+"; add it to SENAITE_SYNC_ALLOWED_HOSTS", "Host")
			return
		}
		if field, msg := badRequestText(r); field != "" {
			writeError(w, http.StatusBadRequest, "invalid", msg, field)
			return
		}
		if err := crossOrigin.Check(r); err != nil {
			writeError(w, http.StatusForbidden, "origin", "cross-site request refused: "+err.Error(), "Origin")
			return
		}
		if stateChanging(r.Method) {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
				if err != nil || mt != "application/json" {
					writeError(w, http.StatusUnsupportedMediaType, "content_type",
						"state-changing requests must be sent as Content-Type: application/json", "Content-Type")
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

func stateChanging(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// hostAllowed: IP literals cannot be rebound; names must be known.
func hostAllowed(host string, names map[string]bool) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.ToLower(strings.Trim(h, "[]"))
	if h == "" {
		return false
	}
	if net.ParseIP(h) != nil {
		return true
	}
	return names[h]
}

// badRequestText finds a path or query text the API cannot take: invalid
// UTF-8 (PostgreSQL refuses it), NUL, or a value beyond maxQueryValue.
func badRequestText(r *http.Request) (field, msg string) {
	if !cleanText(r.URL.Path) {
		return "path", "the path must be valid UTF-8 without NUL"
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "query", "malformed query: " + err.Error()
	}
	for k, vs := range q {
		if !cleanText(k) {
			return "query", "a query parameter name must be valid UTF-8 without NUL"
		}
		for _, v := range vs {
			if !cleanText(v) {
				return k, "must be valid UTF-8 without NUL"
			}
			if len(v) > maxQueryValue {
				return k, "too long (at most 1024 bytes)"
			}
		}
	}
	return "", ""
}

func cleanText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
