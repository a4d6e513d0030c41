package sim

import (
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Router-miss messages of plone.jsonapi.core ≤0.7 (werkzeug), answered with
// HTTP 200 and success:false.
const (
	msgRouterNotFound = "404 Not Found: The requested URL was not found on the server.  " +
		"If you entered the URL manually please check your spelling and try again."
	msgMethodNotAllowed = "405 Method Not Allowed: The method is not allowed for the requested URL."
)

// Server answers HTTP like a SENAITE site: senaite.jsonapi under
// /<site>/@@API/senaite/v1, the plone.restapi subset under /<site>/@…, and
// the simulator's own admin routes under /__sim/.
type Server struct {
	lab    *Lab
	faults *Faults
	log    *slog.Logger

	sessMu   sync.Mutex
	sessions map[string]string // __ac cookie → username

	// reads and writes count the requests served on the site (admin
	// routes aside), for /__sim/stats: how many requests a client's work
	// cost the lab is what a benchmark compares with the lab's capacity
	reads, writes atomic.Int64
	// routes counts the same requests by method and route (the first
	// segment after the API base, a UID shown as <uid>): which of a
	// client's requests a benchmark could spare
	routesMu sync.Mutex
	routes   map[string]int64
	// load is how hard clients use the lab (admin routes aside): what a
	// test of a lab's bounds reads in /__sim/stats
	load load
}

// NewServer wraps a lab.
func NewServer(lab *Lab, faults *Faults, log *slog.Logger) *Server {
	if faults == nil {
		faults = NewFaults(1)
	}
	if log == nil {
		log = slog.Default()
	}
	return &Server{lab: lab, faults: faults, log: log, sessions: map[string]string{}, load: load{since: time.Now()}}
}

// Lab returns the served lab.
func (s *Server) Lab() *Lab { return s.lab }

// Faults returns the fault injector, which tests adjust at run time.
func (s *Server) Faults() *Faults { return s.faults }

// reqCtx is one request being answered.
type reqCtx struct {
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	start time.Time
	user  *User // nil when anonymous
	u     urls
	form  url.Values
	route string // the path after the API base, without leading slash
	// malformed cuts the JSON answer in half (a fault being injected).
	malformed bool
}

// ServeHTTP dispatches by path prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/__sim/") {
		s.serveAdmin(w, r)
		return
	}
	defer s.load.begin(time.Now())()
	arrived := time.Now()
	release, admitted, lat, ok := s.faults.admit(r.Context())
	if !ok {
		return
	}
	var held *heldResponse
	if lat > 0 {
		// answered when the thread has been held for the latency, this
		// simulator's own work inside it
		held = &heldResponse{w: w}
		w = held
	}
	defer func() {
		if held != nil {
			until(r.Context(), admitted.Add(lat))
		}
		release()
		s.load.record(admitted.Sub(arrived), time.Since(admitted))
		if held != nil {
			held.flush()
		}
	}()
	site := "/" + s.lab.opts.Site
	p := r.URL.Path
	if !strings.HasPrefix(p, site+"/") && p != site {
		s.zopeNotFound(w)
		return
	}
	rest := strings.TrimPrefix(p, site)
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		s.reads.Add(1)
	} else {
		s.writes.Add(1)
	}
	s.countRoute(r.Method, rest)
	c := &reqCtx{s: s, w: w, r: r, start: time.Now()}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	c.u.host = scheme + "://" + r.Host
	c.u.apiBase = c.u.host + site + "/@@API/senaite/v1"
	done, malformed := s.faults.inject(w, r)
	if done {
		return
	}
	c.malformed = malformed
	switch {
	case strings.HasPrefix(rest, "/@@API/senaite/v1"):
		c.route = strings.Trim(strings.TrimPrefix(rest, "/@@API/senaite/v1"), "/")
		if err := r.ParseForm(); err != nil {
			c.fail(400, "Request Data is not JSON deserializable – Check JSON Syntax!")
			return
		}
		c.form = r.Form
		c.user = s.authenticate(r, c.form)
		s.routeAPI(c)
	case strings.HasPrefix(rest, "/@"):
		c.user = s.authenticate(r, nil)
		s.servePloneREST(c, strings.TrimPrefix(rest, "/"))
	default:
		// a content object's URL: plone.restapi's content services
		s.servePloneContent(c, rest)
	}
}

// authenticate resolves the caller from HTTP Basic or the __ac cookie.
// Wrong credentials make the request anonymous, as Plone PAS does.
func (s *Server) authenticate(r *http.Request, form url.Values) *User {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Basic ") {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
		if err == nil {
			name, pw, _ := strings.Cut(string(raw), ":")
			if u := s.lab.checkPassword(name, pw); u != nil {
				return u
			}
		}
	}
	if form != nil && form.Get("__ac_name") != "" {
		if u := s.lab.checkPassword(form.Get("__ac_name"), form.Get("__ac_password")); u != nil {
			return u
		}
	}
	if ck, err := r.Cookie("__ac"); err == nil {
		s.sessMu.Lock()
		name := s.sessions[ck.Value]
		s.sessMu.Unlock()
		if name != "" {
			return s.lab.user(name)
		}
	}
	return nil
}

func (l *Lab) checkPassword(name, pw string) *User {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if u := l.user(name); u != nil && u.Password == pw && pw != "" {
		return u
	}
	return nil
}

// zopeNotFound answers a path outside the API the way Zope does: an HTML page.
func (s *Server) zopeNotFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("<html><head><title>Site Error</title></head><body><h2>Site Error</h2>" +
		"<p>An error was encountered while publishing this resource.</p><p><strong>Resource not found</strong></p>" +
		"</body></html>"))
}

// finish writes a JSON object whose opening part is body (an object without
// its closing brace), adding _runtime as SENAITE does on every response.
func (c *reqCtx) finish(status int, body []byte) {
	body = appendKey(body, "_runtime")
	body = appendFloat(body, time.Since(c.start).Seconds())
	body = append(body, '}')
	if c.malformed {
		body = body[:len(body)/2]
	}
	h := c.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
	if cap(body) >= 64<<10 && cap(body) <= 16<<20 {
		bufPool.Put(body[:0])
	}
}

// bufPool recycles the large buffers listing responses are built in, which
// would otherwise dominate the garbage collector's work.
var bufPool = sync.Pool{New: func() any { return make([]byte, 0, 512<<10) }}

// bigBuffer returns an empty buffer for a large response.
func bigBuffer() []byte { return bufPool.Get().([]byte)[:0] }

// fail answers senaite.jsonapi's error envelope with the given status (200
// for the errors plone.jsonapi.core ≤0.7 swallows).
func (c *reqCtx) fail(status int, msg string) {
	b := make([]byte, 0, 128+len(msg))
	b = append(b, '{')
	b = appendKey(b, "success")
	b = appendBool(b, false)
	b = appendKey(b, "message")
	b = appendStr(b, msg)
	c.finish(status, b)
}

// isUIDSegment is werkzeug's string(length=32) converter: any 32-character
// segment is taken for a UID.
func isUIDSegment(s string) bool { return len(s) == 32 && !strings.Contains(s, "/") }

// routeAPI is the senaite.jsonapi v1 URL map.
func (s *Server) routeAPI(c *reqCtx) {
	segs := []string{}
	if c.route != "" {
		segs = strings.Split(c.route, "/")
	}
	get := c.r.Method == http.MethodGet || c.r.Method == http.MethodHead
	post := c.r.Method == http.MethodPost
	if !get && !post {
		// Zope turns PUT/PATCH/DELETE into WebDAV; they never reach the API.
		c.w.Header().Set("Content-Type", "text/html; charset=utf-8")
		c.w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = c.w.Write([]byte("<html><body>Method Not Allowed</body></html>"))
		return
	}
	n := len(segs)
	head := ""
	if n > 0 {
		head = segs[0]
	}
	static := func(methodOK bool, fn func()) {
		if !methodOK {
			c.fail(200, msgMethodNotAllowed)
			return
		}
		fn()
	}
	switch {
	case n == 0 || (n == 1 && head == "version"):
		static(get, func() { s.handleVersion(c) })
	case head == "search" && n == 1:
		static(get, func() { s.handleSearch(c, "") })
	case (head == "create" || head == "update" || head == "delete") && n <= 2 && get:
		// a POST-only word asked with GET falls through to <resource>
		s.handleResource(c, head, segAt(segs, 1))
	case head == "create" && n <= 2:
		s.handleCreate(c, "", segAt(segs, 1))
	case head == "update" && n <= 2:
		s.handleUpdate(c, "", segAt(segs, 1))
	case head == "delete" && n <= 2:
		s.handleDelete(c, "", segAt(segs, 1))
	case head == "users":
		s.routeUsers(c, segs[1:], get, post)
	case (head == "login") && n == 1:
		s.handleLogin(c)
	case (head == "logout") && n == 1:
		static(get, func() { s.handleLogout(c) })
	case (head == "auth") && n == 1:
		static(get, func() { s.handleAuth(c) })
	case head == "catalogs" && n <= 2:
		static(get, func() { s.handleCatalogs(c, segAt(segs, 1)) })
	case head == "registry" && n <= 2:
		static(get, func() { s.handleRegistry(c, segAt(segs, 1)) })
	case head == "settings" && n <= 2:
		static(get, func() { s.handleSettings(c, segAt(segs, 1)) })
	case head == "push" && n == 1:
		static(post, func() { s.handlePush(c) })
	case n == 1 && isUIDSegment(head):
		if get {
			s.handleGetUID(c, head)
		} else {
			s.handleOverride(c, "", head)
		}
	case n == 1:
		static(get, func() { s.handleResource(c, head, "") })
	case n == 2 && isUIDSegment(segs[1]):
		if get {
			s.handleResource(c, head, segs[1])
		} else {
			s.handleOverride(c, head, segs[1])
		}
	case n <= 3 && (segs[1] == "create" || segs[1] == "update" || segs[1] == "delete"):
		if !post {
			c.fail(200, msgMethodNotAllowed)
			return
		}
		t := s.lab.resourceType(head)
		if t == nil {
			c.fail(404, "Not Found")
			return
		}
		switch segs[1] {
		case "create":
			s.handleCreate(c, t.Name, segAt(segs, 2))
		case "update":
			s.handleUpdate(c, t.Name, segAt(segs, 2))
		default:
			s.handleDelete(c, t.Name, segAt(segs, 2))
		}
	default:
		c.fail(200, msgRouterNotFound)
	}
}

func segAt(segs []string, i int) string {
	if i < len(segs) {
		return segs[i]
	}
	return ""
}

// resourceType resolves a case-insensitive resource name to a portal type.
func (l *Lab) resourceType(resource string) *PortalType {
	r := resourceName(resource)
	for _, t := range l.fl.typeOrder {
		if resourceName(t.Name) == r {
			return t
		}
	}
	return nil
}

// handleOverride dispatches POST /<uid> by X-HTTP-Method-Override.
func (s *Server) handleOverride(c *reqCtx, resource, uid string) {
	typ := ""
	if resource != "" {
		t := s.lab.resourceType(resource)
		if t == nil {
			c.fail(404, "Not Found")
			return
		}
		typ = t.Name
	}
	switch strings.ToUpper(c.r.Header.Get("X-HTTP-Method-Override")) {
	case "PUT", "PATCH":
		s.handleUpdate(c, typ, uid)
	case "DELETE":
		s.handleDelete(c, typ, uid)
	case "CREATE":
		s.handleCreate(c, typ, uid)
	default:
		c.fail(200, msgMethodNotAllowed)
	}
}

// handleVersion answers GET /version; anonymous callers may ask.
func (s *Server) handleVersion(c *reqCtx) {
	b := []byte{'{'}
	b = appendKey(b, "url")
	b = appendStr(b, c.u.apiBase+"/version")
	b = appendKey(b, "date")
	b = appendStr(b, s.lab.fl.versionDate)
	b = appendKey(b, "version")
	b = appendStr(b, s.lab.fl.version)
	c.finish(200, b)
}

// handlePush answers POST /push; the simulator registers no consumer.
func (s *Server) handlePush(c *reqCtx) {
	if c.user == nil {
		c.fail(401, "Anonymous user")
		return
	}
	data, errMsg := readRecord(c)
	if errMsg != "" {
		c.fail(400, errMsg)
		return
	}
	name, _ := data["consumer"].(string)
	if name == "" {
		c.fail(500, "No consumer name provided")
		return
	}
	c.fail(500, "No consumer registered for name="+name)
}

// countRoute counts a request under its method and route class.
func (s *Server) countRoute(method, rest string) {
	route := strings.TrimPrefix(rest, "/@@API/senaite/v1")
	if route == rest {
		route = "(plone) " + strings.SplitN(strings.TrimPrefix(rest, "/"), "/", 2)[0]
	} else {
		route = strings.SplitN(strings.Trim(route, "/"), "/", 2)[0]
		if isUID(route) {
			route = "<uid>"
		}
	}
	key := method + " " + route
	s.routesMu.Lock()
	if s.routes == nil {
		s.routes = map[string]int64{}
	}
	s.routes[key]++
	s.routesMu.Unlock()
}

// routeCounts copies the counts of countRoute.
func (s *Server) routeCounts() map[string]int64 {
	s.routesMu.Lock()
	defer s.routesMu.Unlock()
	out := make(map[string]int64, len(s.routes))
	for k, v := range s.routes {
		out[k] = v
	}
	return out
}
