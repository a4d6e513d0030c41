// Package senaite is the senaite.jsonapi client every senaite-sync worker
// uses to talk to one SENAITE instance. It turns every error form of the
// real API into a Go error naming the route and SENAITE's message, retries
// idempotent reads with backoff and jitter, retries a write only when the
// answer proves the lab committed nothing (Retry in errors.go), and sends
// each request within the lab's bounds: through a Gate shared by every
// client of the lab (the whole system's bounds, internal/budget), or
// without one within the client's own concurrency and rate.
package senaite

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"golang.org/x/time/rate"
)

// apiPath is senaite.jsonapi's base under the site URL.
const apiPath = "/@@API/senaite/v1"

// maxBody bounds a response read into memory.
const maxBody = 256 << 20

// Config describes one instance and how hard the client may use it.
type Config struct {
	// URL is the site URL including the site path, e.g.
	// https://192.168.1.5:8080/senaite.
	URL string
	// Username and Password authenticate every request (HTTP Basic).
	Username, Password string
	// CACertPEM is an extra CA to trust, for labs with self-signed
	// certificates; verification is never turned off.
	CACertPEM []byte
	// Timeout bounds each request (default 30s).
	Timeout time.Duration
	// MaxConcurrency bounds requests in flight (default 8) when no Gate
	// is given; with one, it only sizes the pool of idle connections.
	MaxConcurrency int
	// RequestsPerSecond bounds the request rate (0 = unlimited) when no
	// Gate is given.
	RequestsPerSecond float64
	// Gate, when set, admits every request instead of the client's own
	// concurrency and rate bounds: a lab's bounds hold for every client
	// that talks to it — other accounts, other remotes, other processes —
	// so they cannot live in one client.
	Gate Gate
	// MaxRetries bounds the retries of one request (default 5).
	MaxRetries int
	// RetryBaseDelay is the first backoff delay (default 200ms).
	RetryBaseDelay time.Duration
	// HTTPClient, if set, provides the transport (tests).
	HTTPClient *http.Client
	// Logger receives retries and failures; never credentials.
	Logger *slog.Logger
	// Name is the instance name in logs (key "remote").
	Name string
	// Observe, when set, is told every attempt's outcome and error: the
	// process's metrics of its requests to the labs.
	Observe func(Outcome, error)
}

// Gate admits requests to one lab. Acquire waits until one more request
// may be sent (a slot in flight, and its share of the lab's rate) or ctx
// ends; release is called once the answer has been read, with what the
// attempt told of the lab's load. A request holds its admission for one
// attempt only, never across a retry's backoff.
type Gate interface {
	Acquire(ctx context.Context) (release func(Outcome), err error)
}

// Outcome is what one attempt told of the lab's load, so that a gate can
// find by itself how many requests the lab takes at once (budget.Adaptive
// learns from its latency and its overload answers).
type Outcome struct {
	// Write is a POST: a lab spends more on a write than on a read, so
	// each kind has its own latency without load.
	Write bool
	// Latency is from sending the request to its answer read.
	Latency time.Duration
	// Overload is an answer of a lab past its capacity: a timeout, a
	// dropped or refused connection, 502, 503, 504 or 429.
	Overload bool
}

// overloaded tells whether an attempt's failure says the lab is past its
// capacity; a 500 is the lab's own exception, not its load.
func overloaded(err error) bool {
	var se *Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Kind {
	case KindTimeout, KindNetwork:
		return true
	case KindHTTP, KindHTML:
		return se.Status == 502 || se.Status == 503 || se.Status == 504 || se.Status == 429
	}
	return false
}

// Client talks to one SENAITE instance; safe for concurrent use.
type Client struct {
	cfg     Config
	site    string // site URL without trailing slash
	api     string // site + apiPath
	hc      *http.Client
	sem     chan struct{}
	limiter *rate.Limiter
	log     *slog.Logger
	clock   atomic.Int64 // the lab's time (Unix seconds) from its last Date header
}

// New validates cfg and builds a client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("senaite: url: want http(s)://host[:port]/site, got %q", cfg.URL)
	}
	if cfg.Username == "" {
		return nil, errors.New("senaite: username: required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.MaxConcurrency <= 0 {
		cfg.MaxConcurrency = 8
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	} else if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 5
	}
	if cfg.RetryBaseDelay <= 0 {
		cfg.RetryBaseDelay = 200 * time.Millisecond
	}
	if cfg.RequestsPerSecond < 0 {
		return nil, errors.New("senaite: requests_per_second: must not be negative")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if len(cfg.CACertPEM) > 0 {
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(cfg.CACertPEM) {
				return nil, errors.New("senaite: ca_cert: no PEM certificate found")
			}
			tlsCfg.RootCAs = pool
		}
		hc = &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:     tlsCfg,
			MaxIdleConns:        cfg.MaxConcurrency * 2,
			MaxIdleConnsPerHost: cfg.MaxConcurrency * 2,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: 10 * time.Second,
		}}
	}
	c := &Client{cfg: cfg, site: strings.TrimRight(u.String(), "/"), hc: hc,
		sem: make(chan struct{}, cfg.MaxConcurrency),
		log: cfg.Logger.With("remote", cfg.Name)}
	c.api = c.site + apiPath
	if cfg.RequestsPerSecond > 0 {
		burst := max(1, int(cfg.RequestsPerSecond))
		c.limiter = rate.NewLimiter(rate.Limit(cfg.RequestsPerSecond), burst)
	}
	return c, nil
}

// SiteURL is the instance's site URL.
func (c *Client) SiteURL() string { return c.site }

// request is one call: route relative to the API base (or, for Plone REST,
// to the site), query, optional JSON body.
type request struct {
	method string
	route  string
	query  url.Values
	body   any
	plone  bool
	// idempotent reads (and writes that may be repeated) are retried on
	// every transient error; other writes only when unsent.
	idempotent bool
}

// do performs r with the instance's bounds and retries, returning the body
// of a successful answer and its status.
func (c *Client) do(ctx context.Context, r request) ([]byte, int, error) {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return nil, 0, fmt.Errorf("senaite: %s %s: encode body: %w", r.method, r.route, err)
		}
	}
	attempt := func() ([]byte, int, error) {
		body, status, err := c.once(ctx, r, payload)
		if err == nil {
			return body, status, nil
		}
		var se *Error
		if ctx.Err() != nil {
			return nil, 0, backoff.Permanent(fmt.Errorf("senaite: %s %s: %w", r.method, r.route, ctx.Err()))
		}
		if errors.As(err, &se) && (r.idempotent && se.retryable() || se.unsent()) {
			c.log.Debug("senaite: retrying", "route", r.route, "error", se.Error())
			return nil, 0, err
		}
		return nil, 0, backoff.Permanent(err)
	}
	type result struct {
		body   []byte
		status int
	}
	eb := backoff.NewExponentialBackOff()
	eb.InitialInterval = c.cfg.RetryBaseDelay
	eb.MaxInterval = 30 * c.cfg.RetryBaseDelay
	eb.RandomizationFactor = 0.5
	tries := uint(c.cfg.MaxRetries) + 1
	res, err := backoff.Retry(ctx, func() (result, error) {
		b, s, err := attempt()
		return result{b, s}, err
	}, backoff.WithBackOff(eb), backoff.WithMaxTries(tries), backoff.WithMaxElapsedTime(0))
	if err != nil {
		return nil, 0, err
	}
	return res.body, res.status, nil
}

// admit waits until a request may be sent within the lab's bounds: the
// gate's when there is one, else the client's own semaphore and limiter.
func (c *Client) admit(ctx context.Context) (release func(Outcome), err error) {
	if c.cfg.Gate != nil {
		return c.cfg.Gate.Acquire(ctx)
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			<-c.sem
			return nil, err
		}
	}
	return func(Outcome) { <-c.sem }, nil
}

// once sends one request under the concurrency and rate bounds, and tells
// the gate what the attempt said of the lab's load.
func (c *Client) once(ctx context.Context, r request, payload []byte) (body []byte, status int, err error) {
	release, err := c.admit(ctx)
	if err != nil {
		return nil, 0, err
	}
	sent := time.Now()
	defer func() {
		o := Outcome{Write: r.method != http.MethodGet && r.method != http.MethodHead, Latency: time.Since(sent),
			Overload: overloaded(err)}
		release(o)
		if c.cfg.Observe != nil {
			c.cfg.Observe(o, err)
		}
	}()
	return c.send(ctx, r, payload)
}

// send is one attempt of a request.
func (c *Client) send(ctx context.Context, r request, payload []byte) ([]byte, int, error) {
	base := c.api
	if r.plone {
		base = c.site
	}
	u := base + r.route
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	rctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(rctx, r.method, u, rd)
	if err != nil {
		return nil, 0, fmt.Errorf("senaite: %s %s: %w", r.method, r.route, err)
	}
	req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		kind := KindNetwork
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			kind = KindTimeout
		}
		return nil, 0, &Error{Method: r.method, Route: r.route, Kind: kind, Message: stripURL(err.Error(), u), cause: err, plone: r.plone}
	}
	defer resp.Body.Close()
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		c.clock.Store(d.Unix())
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		kind := KindNetwork
		if rctx.Err() != nil {
			kind = KindTimeout
		}
		return nil, 0, &Error{Method: r.method, Route: r.route, Status: resp.StatusCode, Kind: kind, Message: "reading the answer: " + err.Error(), cause: err, plone: r.plone}
	}
	if r.plone && (resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusCreated) && len(bytes.TrimSpace(body)) == 0 {
		return body, resp.StatusCode, nil
	}
	if e := classify(r.method, r.route, resp.StatusCode, resp.Header.Get("Content-Type"), body); e != nil {
		e.plone = r.plone
		return nil, resp.StatusCode, e
	}
	return body, resp.StatusCode, nil
}

// stripURL keeps the request URL (which the net/http error repeats) out of
// messages: it may hold a host the logs should not carry, never credentials
// (those travel in a header).
func stripURL(msg, u string) string { return strings.ReplaceAll(msg, u, "<url>") }

// Clock is the lab's own time as its last answer's Date header told it
// (one-second resolution): an update's watermark is the source's time, so
// that the clocks of the machines running senaite-sync do not matter.
func (c *Client) Clock() (time.Time, bool) {
	u := c.clock.Load()
	if u == 0 {
		return time.Time{}, false
	}
	return time.Unix(u, 0).UTC(), true
}

// Version is what /version answers, with the flavour derived from it.
type Version struct {
	Version string
	Date    string
	// Flavor is "2.x" for senaite.jsonapi 2 and "1.x" for the Bika-era 1.x.
	Flavor string
}

// Version detects the instance's senaite.jsonapi version (anonymous works).
func (c *Client) Version(ctx context.Context) (Version, error) {
	body, _, err := c.do(ctx, request{method: "GET", route: "/version", idempotent: true})
	if err != nil {
		return Version{}, err
	}
	var v struct {
		Version any `json:"version"`
		Date    any `json:"date"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return Version{}, &Error{Method: "GET", Route: "/version", Status: 200, Kind: KindMalformed, Message: err.Error()}
	}
	out := Version{Version: anyString(v.Version), Date: anyString(v.Date)}
	if out.Version == "" {
		return Version{}, &Error{Method: "GET", Route: "/version", Status: 200, Kind: KindAPI,
			Message: "no version in the answer: is senaite.jsonapi installed?"}
	}
	out.Flavor = "2.x"
	if strings.HasPrefix(out.Version, "1.") || strings.HasPrefix(out.Version, "0.") {
		out.Flavor = "1.x"
	}
	return out, nil
}

// CheckAuth probes the credentials: /auth answers 401 when they are wrong.
// Every other route would answer an empty lab instead.
func (c *Client) CheckAuth(ctx context.Context) error {
	_, _, err := c.do(ctx, request{method: "GET", route: "/auth", idempotent: true})
	if err != nil {
		var se *Error
		if errors.As(err, &se) && se.Status == 401 {
			return fmt.Errorf("%w: %w", ErrUnauthorized, err)
		}
		return err
	}
	return nil
}
