package senaite

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2024-01-03T10:00:00+01:00", time.Date(2024, 1, 3, 9, 0, 0, 0, time.UTC)},
		{"2024-01-03T10:00:00Z", time.Date(2024, 1, 3, 10, 0, 0, 0, time.UTC)},
		{"2024-01-03T10:00:00", time.Date(2024, 1, 3, 10, 0, 0, 0, time.UTC)},
		{"2024-01-03T10:00:00.123456", time.Date(2024, 1, 3, 10, 0, 0, 123456000, time.UTC)},
		{"2024-01-03T10:00:00.5-05:00", time.Date(2024, 1, 3, 15, 0, 0, 500000000, time.UTC)},
		{"2024-01-03 10:00:00", time.Date(2024, 1, 3, 10, 0, 0, 0, time.UTC)},
		{"2024-01-03", time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)},
		{" 2024-01-03 ", time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2024-13-45"} {
		if _, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}

func TestItemNullRules(t *testing.T) {
	t.Parallel()
	it, err := decodeItem([]byte(`{"uid": "u1", "Contact": {"uid": "c1", "url": "x", "api_url": "y"},
		"Empty": {}, "Null": null, "Blank": "", "List": [], "CC": [{"uid": "a"}, {"uid": "b"}],
		"Plain": "0123456789abcdef0123456789abcdef", "Count": 3, "Flag": true,
		"workflow_info": [{"workflow": "w", "review_state": "published", "review_history": [
		  {"action": null, "actor": "admin", "review_state": "sample_due", "time": "2024-01-03 10:00:00", "comments": ""},
		  {"action": "publish", "actor": "admin", "review_state": "published", "time": "2024-01-05 10:00:00", "comments": ""}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if uid, ok := it.Ref("Contact"); !ok || uid != "c1" {
		t.Errorf("Ref(dict) = %q %v", uid, ok)
	}
	for _, k := range []string{"Empty", "Null", "Blank", "List", "Missing"} {
		if !it.IsEmpty(k) {
			t.Errorf("%s is empty", k)
		}
		if _, ok := it.Ref(k); ok {
			t.Errorf("Ref(%s) found a reference", k)
		}
	}
	if refs := it.Refs("CC"); len(refs) != 2 || refs[1] != "b" {
		t.Errorf("Refs(list) = %v", refs)
	}
	if uid, _ := it.Ref("Plain"); uid != "0123456789abcdef0123456789abcdef" {
		t.Errorf("Ref(uid string) = %q", uid)
	}
	if it.String("Count") != "3" || it.String("Flag") != "true" {
		t.Errorf("scalars as strings: %q %q", it.String("Count"), it.String("Flag"))
	}
	if it.ReviewState != "published" || len(it.Workflow[0].History) != 2 || it.Workflow[0].History[0].Action != "" {
		t.Errorf("workflow: %+v", it.Workflow)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		ct, body string
		kind     ErrorKind
		is       error
	}{
		{"ok", 200, "application/json", `{"count": 0, "items": []}`, 0, nil},
		{"http 200 error", 200, "application/json", `{"success": false, "message": "ConflictError: x", "_runtime": 0.1}`, KindAPI, nil},
		{"router miss", 200, "application/json", `{"success": false, "message": "404 Not Found: The requested URL was not found on the server.  If you entered the URL manually please check your spelling and try again."}`, KindAPI, ErrRouteNotFound},
		{"not found", 404, "application/json", `{"success": false, "message": "No object found"}`, KindHTTP, ErrNotFound},
		{"refused", 401, "application/json", `{"success": false, "message": "Creation of 'Client' in '/senaite/bika_setup' is not allowed"}`, KindHTTP, ErrForbidden},
		{"validation", 400, "application/json", `{"success": false, "message": "{\"ClientID\": \"Validation failed: 'HH' is not unique\"}"}`, KindHTTP, ErrValidation},
		{"html 500", 500, "text/html", `<html><body><h2>Site Error</h2><p>TypeError</p></body></html>`, KindHTML, nil},
		{"malformed", 200, "application/json", `{"count": 3, "items": [{"uid"`, KindMalformed, nil},
		{"empty body", 200, "application/json", ``, KindMalformed, nil},
		{"proxy 503", 503, "text/html", `<h1>503 Service Unavailable</h1>`, KindHTML, nil},
	}
	for _, tt := range tests {
		e := classify("GET", "/search", tt.status, tt.ct, []byte(tt.body))
		if tt.kind == 0 {
			if e != nil {
				t.Errorf("%s: unexpected error %v", tt.name, e)
			}
			continue
		}
		if e == nil || e.Kind != tt.kind {
			t.Errorf("%s: got %v, want kind %v", tt.name, e, tt.kind)
			continue
		}
		if tt.is != nil && !errors.Is(e, tt.is) {
			t.Errorf("%s: %v is not %v", tt.name, e, tt.is)
		}
		if !strings.Contains(e.Error(), "/search") {
			t.Errorf("%s: message without route: %v", tt.name, e)
		}
	}
	e := classify("POST", "/create", 400, "application/json", []byte(`{"success": false, "message": "{\"ClientID\": \"dup\", \"Name\": \"Name is required, please correct.\"}"}`))
	if fe := e.FieldErrors(); fe["ClientID"] != "dup" || fe["Name"] == "" {
		t.Errorf("field errors %v", fe)
	}
}

func newTestClient(t *testing.T, h http.Handler, cfg Config) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg.URL = srv.URL + "/senaite"
	if cfg.Username == "" {
		cfg.Username, cfg.Password = "admin", "secret"
	}
	if cfg.RetryBaseDelay == 0 {
		cfg.RetryBaseDelay = time.Millisecond
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func TestReadsAreRetried(t *testing.T) {
	t.Parallel()
	var gets atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gets.Add(1) < 3 {
			w.WriteHeader(503)
			return
		}
		_, _ = io.WriteString(w, `{"version": "2.6.0", "date": "2025-04-04", "url": "x", "_runtime": 0.001}`)
	}), Config{})
	v, err := c.Version(context.Background())
	if err != nil || v.Version != "2.6.0" || gets.Load() != 3 {
		t.Fatalf("version after two 503s: %+v %v (%d requests)", v, err, gets.Load())
	}
}

// TestWritesAreRetriedWhenSafe: a write is sent again on a transient
// error only when the lab certainly did nothing (an error page: Zope
// aborted) or when sending it twice equals sending it once (fields only).
func TestWritesAreRetriedWhenSafe(t *testing.T) {
	t.Parallel()
	const uid = "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		write    func(c *Client) error
		requests int32
	}{
		{"create, Zope's error page", 500, "<html>Site Error</html>", func(c *Client) error {
			_, err := c.Create(context.Background(), "Client", uid, map[string]any{"Name": "x"})
			return err
		}, 6},
		{"create, a proxy's 503", 503, "<html>503 Service Unavailable</html>", func(c *Client) error {
			_, err := c.Create(context.Background(), "Client", uid, map[string]any{"Name": "x"})
			return err
		}, 6},
		{"create, a proxy's 504 (may still run)", 504, "<html>504 Gateway Timeout</html>", func(c *Client) error {
			_, err := c.Create(context.Background(), "Client", uid, map[string]any{"Name": "x"})
			return err
		}, 1},
		{"create, senaite.jsonapi's 500 (committed what it did)", 500, `{"success": false, "message": "boom"}`, func(c *Client) error {
			_, err := c.Create(context.Background(), "Client", uid, map[string]any{"Name": "x"})
			return err
		}, 1},
		{"create, HTTP-200 ConflictError", 200, `{"success": false, "message": "ConflictError: database conflict error"}`, func(c *Client) error {
			_, err := c.Create(context.Background(), "Client", uid, map[string]any{"Name": "x"})
			return err
		}, 1},
		{"fields only, HTTP-200 ConflictError", 200, `{"success": false, "message": "ConflictError: database conflict error"}`, func(c *Client) error {
			return c.Apply(context.Background(), uid, map[string]any{"Phone": "1"}, "")
		}, 6},
		{"fields with Remarks (appended)", 200, `{"success": false, "message": "ConflictError: database conflict error"}`, func(c *Client) error {
			return c.Apply(context.Background(), uid, map[string]any{"Remarks": "r"}, "")
		}, 1},
		{"a transition", 200, `{"success": false, "message": "ConflictError: database conflict error"}`, func(c *Client) error {
			_, err := c.Update(context.Background(), uid, nil, "receive")
			return err
		}, 1},
		{"a transition, Zope's error page", 500, "<html>Site Error</html>", func(c *Client) error {
			return c.Apply(context.Background(), uid, nil, "receive")
		}, 6},
		{"a validation error", 400, `{"success": false, "message": "{\"Name\": \"required\"}"}`, func(c *Client) error {
			return c.Apply(context.Background(), uid, map[string]any{"Name": ""}, "")
		}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var posts atomic.Int32
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				posts.Add(1)
				if strings.HasPrefix(tc.body, "{") {
					w.Header().Set("Content-Type", "application/json")
				} else {
					w.Header().Set("Content-Type", "text/html")
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}), Config{})
			if err := tc.write(c); err == nil {
				t.Fatal("no error")
			}
			if n := posts.Load(); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
		})
	}
}

func TestTimeoutAndCancellation(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}), Config{Timeout: 50 * time.Millisecond, MaxRetries: 1, MaxConcurrency: 1})
	_, err := c.Version(context.Background())
	var se *Error
	if !errors.As(err, &se) || se.Kind != KindTimeout {
		t.Fatalf("timeout: %v", err)
	}
	// a cancelled context stops waiting for the (busy) instance at once
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Version(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestSearchComputesBStartItself(t *testing.T) {
	t.Parallel()
	var starts []string
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bs := r.URL.Query().Get("b_start")
		starts = append(starts, bs)
		items := map[string]string{"0": `{"uid": "a"}, {"uid": "b"}`, "2": `{"uid": "c"}, {"uid": "d"}`, "4": `{"uid": "e"}`}[bs]
		// next points somewhere wrong: the client must not follow it
		_, _ = io.WriteString(w, `{"count": 5, "pagesize": 2, "page": 1, "pages": 3, "next": "http://evil.example/x?b_start=1", "previous": null, "items": [`+items+`], "_runtime": 0.1}`)
	}), Config{MaxConcurrency: 1})
	var uids []string
	for it, err := range c.Search(context.Background(), Query{PortalTypes: []string{"Client"}, Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		uids = append(uids, it.UID)
	}
	if strings.Join(uids, "") != "abcde" || strings.Join(starts, ",") != "0,2,4" {
		t.Fatalf("uids %v, b_starts %v", uids, starts)
	}
}

func TestCheckAuth(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pw, _ := r.BasicAuth(); pw != "secret" {
			w.Header().Set("WWW-Authenticate", `basic realm="JSONAPI AUTH"`)
			w.WriteHeader(401)
		}
		_, _ = io.WriteString(w, `{"_runtime": 0.001}`)
	}), Config{Password: "wrong", Username: "admin"})
	if err := c.CheckAuth(context.Background()); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{URL: "", Username: "a"},
		{URL: "ftp://lab/senaite", Username: "a"},
		{URL: "http://lab/senaite"},
		{URL: "http://lab/senaite", Username: "a", CACertPEM: []byte("nope")},
		{URL: "http://lab/senaite", Username: "a", RequestsPerSecond: -1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("accepted %+v", cfg)
		}
	}
	_, err := New(Config{URL: "http://lab/senaite", Username: "a", Password: "hunter2", CACertPEM: []byte("x")})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error leaks or misses: %v", err)
	}
}

// countingGate admits at most one request at a time and counts what it
// admitted, released and refused.
type countingGate struct {
	slot                        chan struct{}
	acquired, released, refused atomic.Int32
	overloads, writes           atomic.Int32
}

func (g *countingGate) Acquire(ctx context.Context) (func(Outcome), error) {
	select {
	case g.slot <- struct{}{}:
	case <-ctx.Done():
		g.refused.Add(1)
		return nil, ctx.Err()
	}
	g.acquired.Add(1)
	return func(o Outcome) {
		g.released.Add(1)
		if o.Overload {
			g.overloads.Add(1)
		}
		if o.Write {
			g.writes.Add(1)
		}
		<-g.slot
	}, nil
}

// TestGateAdmitsEveryAttempt: with a Gate, every attempt — retries
// included — is admitted by it and given back once answered, whatever the
// client's own MaxConcurrency says; a request the gate does not admit
// before its context ends is not sent.
func TestGateAdmitsEveryAttempt(t *testing.T) {
	t.Parallel()
	g := &countingGate{slot: make(chan struct{}, 1)}
	var sent, inFlight, peak atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if sent.Add(1) == 1 {
			w.WriteHeader(503) // the first attempt fails: the retry is admitted again
			return
		}
		time.Sleep(5 * time.Millisecond) // a lab's latency, so that requests would overlap without the gate
		_, _ = io.WriteString(w, `{"version": "2.6.0", "date": "2025-04-04", "url": "x", "_runtime": 0.001}`)
	}), Config{MaxConcurrency: 8, Gate: g})
	done := make(chan error, 4)
	for range 4 {
		go func() { _, err := c.Version(context.Background()); done <- err }()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if a, r, s := g.acquired.Load(), g.released.Load(), sent.Load(); a != 5 || r != 5 || s != 5 {
		t.Fatalf("acquired %d, released %d, sent %d: want 5 each (4 requests and one retry)", a, r, s)
	}
	if p := peak.Load(); p != 1 {
		t.Fatalf("%d requests in flight at once through a gate of one", p)
	}
	// the 503 told the gate the lab was past its capacity; reads are no writes
	if o, w := g.overloads.Load(), g.writes.Load(); o != 1 || w != 0 {
		t.Fatalf("the gate heard of %d overloads and %d writes, want 1 and 0", o, w)
	}
	g.slot <- struct{}{} // the lab is busy elsewhere: nothing is admitted
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Version(ctx); !errors.Is(err, context.DeadlineExceeded) || sent.Load() != 5 || g.refused.Load() != 1 {
		t.Fatalf("not admitted: %v, %d sent", err, sent.Load())
	}
}

// TestSwallowedExceptionsRetried: an HTTP-200 error is asked again only
// when the database failed (a conflict, a ZEO disconnection); the code's
// own exceptions answer the same every time.
func TestSwallowedExceptionsRetried(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		message string
		retry   bool
	}{
		{"ConflictError: database conflict error (oid 0x2f3a)", true},
		{"ReadConflictError: database read conflict error", true},
		{"ClientDisconnected: ZEO client disconnected", true},
		{"AttributeError: 'str' object has no attribute 'output'", false},
		{"KeyError: 'Analyses'", false},
		{"404 Not Found: The requested URL was not found on the server.", false},
		{"No object found for UID 0123", false},
		{"ValueError: invalid literal for int()", false},
	} {
		body, _ := json.Marshal(map[string]any{"success": false, "message": tt.message})
		e := classify("GET", "/search", 200, "application/json", body)
		if e == nil || e.Kind != KindAPI {
			t.Fatalf("%s: classified %v, want an API error", tt.message, e)
		}
		if got := e.retryable(); got != tt.retry {
			t.Errorf("%s: retried %v, want %v", tt.message, got, tt.retry)
		}
	}
}
