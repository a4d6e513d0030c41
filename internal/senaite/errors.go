package senaite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
)

// ErrorKind tells how a SENAITE request failed: senaite.jsonapi reports
// errors in several shapes, and callers decide differently on each.
type ErrorKind int

// The error forms of senaite-jsonapi.md §3.
const (
	// KindAPI is HTTP 200 with success:false — swallowed exceptions,
	// router misses and refused transitions (fields may already be set).
	KindAPI ErrorKind = iota + 1
	// KindHTTP is a 4xx/5xx status with senaite.jsonapi's JSON envelope.
	KindHTTP
	// KindHTML is a non-JSON body: Zope's HTML error page, a proxy's page.
	KindHTML
	// KindMalformed is a 200 answer whose JSON does not parse.
	KindMalformed
	// KindTimeout is a request that got no answer in time.
	KindTimeout
	// KindNetwork is a connection that failed or was dropped.
	KindNetwork
)

func (k ErrorKind) String() string {
	switch k {
	case KindAPI:
		return "api"
	case KindHTTP:
		return "http"
	case KindHTML:
		return "html"
	case KindMalformed:
		return "malformed"
	case KindTimeout:
		return "timeout"
	case KindNetwork:
		return "network"
	}
	return "unknown"
}

// Sentinels for errors.Is; an *Error matches the ones that fit it.
var (
	// ErrNotFound: 404, or "No object found".
	ErrNotFound = errors.New("senaite: not found")
	// ErrUnauthorized: wrong or missing credentials on /auth or /login.
	ErrUnauthorized = errors.New("senaite: wrong username or password")
	// ErrForbidden: a write refused (SENAITE 2.6 answers 401 for refusals).
	ErrForbidden = errors.New("senaite: not allowed")
	// ErrValidation: 400 whose message is a JSON dict of field errors.
	ErrValidation = errors.New("senaite: validation failed")
	// ErrNoPloneREST: the lab has no plone.restapi.
	ErrNoPloneREST = errors.New("senaite: plone.restapi is not available")
	// ErrRouteNotFound: plone.jsonapi.core's HTTP-200 router miss.
	ErrRouteNotFound = errors.New("senaite: route not found")
)

// Error is a failed SENAITE request: method, route (the path after the API
// base; never the host or credentials), status and SENAITE's message.
type Error struct {
	Method  string
	Route   string
	Status  int
	Message string
	Kind    ErrorKind
	// plone marks errors of the plone.restapi routes.
	plone bool
	cause error
}

func (e *Error) Error() string {
	msg := e.Message
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	switch e.Kind {
	case KindTimeout, KindNetwork:
		return fmt.Sprintf("senaite: %s %s: %s: %s", e.Method, e.Route, e.Kind, msg)
	case KindAPI:
		return fmt.Sprintf("senaite: %s %s: %s", e.Method, e.Route, msg)
	}
	return fmt.Sprintf("senaite: %s %s: %d %s", e.Method, e.Route, e.Status, msg)
}

// Unwrap exposes the transport error behind timeouts and network errors.
func (e *Error) Unwrap() error { return e.cause }

// Is matches the sentinels.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == 404 || e.Message == "No object found" || e.Message == "Not Found"
	case ErrUnauthorized:
		return e.Status == 401 && (strings.HasSuffix(e.Route, "/auth") || strings.HasSuffix(e.Route, "/login") ||
			e.Message == "Invalid Credentials" || e.plone)
	case ErrForbidden:
		return (e.Status == 401 || e.Status == 403) && !strings.HasSuffix(e.Route, "/auth")
	case ErrValidation:
		return e.Status == 400 && e.FieldErrors() != nil
	case ErrNoPloneREST:
		return e.plone && e.Status == 404 && e.Kind == KindHTML
	case ErrRouteNotFound:
		return e.Kind == KindAPI && strings.HasPrefix(e.Message, "404 Not Found: The requested URL was not found")
	}
	return false
}

// FieldErrors parses a validation message (a JSON-encoded dict string such
// as "{\"ClientID\": \"…\"}") into field → message; nil if it is not one.
func (e *Error) FieldErrors() map[string]string {
	m := strings.TrimSpace(e.Message)
	if !strings.HasPrefix(m, "{") {
		return nil
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(m), &raw); err != nil {
		return nil
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// Transient tells whether err is a failure of the moment — a 5xx, a Zope
// conflict error, a timeout, a dropped connection, a cut or malformed
// answer, 429 — after which the same request may succeed; validation
// errors, refusals, 401 and 404 are not. A transient failure of a write
// may still have been committed (all but unsent ones): re-read before
// sending it again.
func Transient(err error) bool {
	var se *Error
	if !errors.As(err, &se) {
		return false
	}
	if se.Kind == KindAPI {
		// an HTTP-200 error is a refusal (a transition not available, a
		// validation) unless it is ZODB's conflict, which the next try
		// does not meet
		return strings.Contains(se.Message, "ConflictError")
	}
	return se.retryable()
}

// unsent tells whether a failed write certainly changed nothing, so that
// sending it again is safe whatever it does: the connection was never
// made, or a 5xx error page came back instead of senaite.jsonapi's JSON
// (Zope aborts the transaction of a request whose exception escapes to its
// error page, and a proxy's 502/503 never reached Zope) — except 504,
// whose request may still be running behind the proxy. Timeouts, dropped
// connections, malformed bodies and senaite.jsonapi's own errors, HTTP 200
// or not, are not: its handler swallows the exception and Zope commits
// the work done before it (senaite-jsonapi.md §3, "No rollback").
func (e *Error) unsent() bool {
	switch e.Kind {
	case KindNetwork:
		var op *net.OpError
		return errors.As(e.cause, &op) && op.Op == "dial"
	case KindHTML:
		return e.Status >= 500 && e.Status != 504 || e.Status == 429
	}
	return false
}

// retryable tells whether an idempotent request may be tried again.
// transientExceptions are the Python exceptions a senaite.jsonapi error
// message names when the database, not the request, failed.
var transientExceptions = []string{"ConflictError", "ClientDisconnected", "DisconnectedError"}

func (e *Error) retryable() bool {
	switch e.Kind {
	case KindTimeout, KindNetwork, KindMalformed, KindHTML:
		return e.Status == 0 || e.Status >= 500 || e.Status == 200 || e.Status == 429
	case KindHTTP:
		return e.Status >= 500 || e.Status == 429
	case KindAPI:
		// an exception the route swallowed: transient when the database was
		// behind it (a ZODB conflict Zope did not retry away, a ZEO client
		// cut from its server); any other is the code's answer to this
		// request, and asking again only waits (a fresh 2.6 site's setup
		// answered its AttributeError four times, three seconds of backoff)
		return slices.ContainsFunc(transientExceptions, func(x string) bool { return strings.Contains(e.Message, x) })
	}
	return false
}

// classify turns a response into nil or an *Error. body is the whole body.
func classify(method, route string, status int, contentType string, body []byte) *Error {
	if status < 400 && !mentionsSuccess(body) {
		// an answer without a success key is a success once it is JSON:
		// the check every write answer gets, without decoding it
		if b := bytes.TrimSpace(body); len(b) > 0 && (b[0] == '{' || b[0] == '[') && json.Valid(b) {
			return nil
		}
	}
	return classifyDecoded(method, route, status, contentType, body)
}

// classifyDecoded is classify by decoding the answer's envelope.
func classifyDecoded(method, route string, status int, contentType string, body []byte) *Error {
	trimmed := strings.TrimSpace(string(body))
	isJSON := strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")
	if !isJSON {
		if status == 200 && len(trimmed) == 0 {
			return &Error{Method: method, Route: route, Status: status, Kind: KindMalformed, Message: "empty body"}
		}
		if status == 200 && !strings.Contains(contentType, "html") {
			return &Error{Method: method, Route: route, Status: status, Kind: KindMalformed, Message: excerpt(trimmed)}
		}
		return &Error{Method: method, Route: route, Status: status, Kind: KindHTML, Message: htmlText(trimmed)}
	}
	var env struct {
		Success *bool `json:"success"`
		Message any   `json:"message"`
		Error   any   `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		if strings.HasPrefix(trimmed, "[") && status < 400 {
			var probe []json.RawMessage
			if json.Unmarshal(body, &probe) == nil {
				return nil
			}
		}
		kind := KindMalformed
		if status >= 400 {
			kind = KindHTTP
		}
		return &Error{Method: method, Route: route, Status: status, Kind: kind, Message: "malformed JSON: " + excerpt(trimmed)}
	}
	msg := ""
	switch m := env.Message.(type) {
	case string:
		msg = m
	case nil:
	default:
		raw, _ := json.Marshal(m)
		msg = string(raw)
	}
	if e, ok := env.Error.(map[string]any); ok && msg == "" {
		// plone.restapi: {"error": {"type", "message"}}
		t, _ := e["type"].(string)
		m, _ := e["message"].(string)
		msg = strings.TrimSpace(t + ": " + m)
	}
	if status >= 400 {
		if msg == "" {
			msg = excerpt(trimmed)
		}
		return &Error{Method: method, Route: route, Status: status, Kind: KindHTTP, Message: msg}
	}
	if env.Success != nil && !*env.Success {
		return &Error{Method: method, Route: route, Status: status, Kind: KindAPI, Message: msg}
	}
	return nil
}

// mentionsSuccess tells whether a body may hold a "success" key: the
// word in quotes in any letter case (the decoder matches names so, the
// long s 'ſ' folding to 's'), or any \u escape, which could spell it.
func mentionsSuccess(body []byte) bool {
	if bytes.Contains(body, []byte(`\u`)) || bytes.Contains(body, []byte("ſ")) {
		return true
	}
	const key = `success"`
	for i := 0; ; {
		j := bytes.IndexByte(body[i:], '"')
		if j < 0 {
			return false
		}
		i += j + 1
		if len(body)-i >= len(key) && bytes.EqualFold(body[i:i+len(key)], []byte(key)) {
			return true
		}
	}
}

func excerpt(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// htmlText keeps the readable part of an HTML error page.
func htmlText(s string) string {
	var b strings.Builder
	in := false
	space := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
			if !space {
				b.WriteByte(' ')
				space = true
			}
		case !in:
			if r == '\n' || r == '\t' || r == ' ' {
				if !space {
					b.WriteByte(' ')
					space = true
				}
				continue
			}
			b.WriteRune(r)
			space = false
		}
	}
	return excerpt(strings.TrimSpace(b.String()))
}
