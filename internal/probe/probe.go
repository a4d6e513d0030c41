// Package probe serves what a platform asks of a worker process (fetcher,
// importer): /healthz (the process answers), /readyz (what it works with
// answers: PostgreSQL, NATS and its JetStream) and /metrics (its version,
// the Go runtime's and the process's own). Without them a container
// platform cannot tell a wedged worker from a busy one, nor a scaler see
// which build runs where (issue #14). The coordinator serves the same
// paths beside its API (internal/api); both show the process's own
// instruments (internal/metrics: lab requests, messages, leadership).
package probe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/senaite-sync/senaite-sync/internal/metrics"
	"github.com/senaite-sync/senaite-sync/internal/queue"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Checks are what a process needs to do its work; nil fields are not
// checked.
type Checks struct {
	Store *store.Store
	NATS  *nats.Conn
	JS    jetstream.JetStream
	// Queue asks whether this process's publishes or pulls have failed
	// for longer than queue.TroubleGrace (a stream without a leader answers
	// the account's info while it refuses every message).
	Queue bool
}

// checkTimeout bounds one readiness question to a dependency.
const checkTimeout = 3 * time.Second

// Ready answers nil when every dependency answers, else an error naming
// the first that does not.
func (c Checks) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if c.Store != nil {
		if err := c.Store.Pool().Ping(ctx); err != nil {
			return fmt.Errorf("database: %w", err)
		}
	}
	if c.NATS != nil && !c.NATS.IsConnected() {
		return fmt.Errorf("nats: %s", c.NATS.Status())
	}
	if c.JS != nil {
		// a round trip to JetStream: a server without it, or a cluster
		// without a meta leader, answers an error here
		if _, err := c.JS.AccountInfo(ctx); err != nil {
			return fmt.Errorf("jetstream: %w", err)
		}
	}
	if c.Queue {
		if since, err := queue.Trouble(); err != nil && time.Since(since) >= queue.TroubleGrace {
			return fmt.Errorf("jetstream: work not moving for %s: %w", time.Since(since).Round(time.Second), err)
		}
	}
	return nil
}

// Handler serves /healthz, /readyz and /metrics for a process of role
// running version; more are collectors of its own (its queue's).
func Handler(role, version string, checks Checks, more ...prometheus.Collector) http.Handler {
	reg := metrics.NewRegistry(version, role)
	reg.MustRegister(more...)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := checks.Ready(r.Context()); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

// Serve listens on addr and serves h until ctx ends. It answers once the
// address is bound (or could not be): a worker told to serve its probes
// on an address in use stops with an error naming it, before any work.
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http_addr: %w (each process needs an address of its own; port 0 picks a free one)", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("probes stopped", "error", err)
		}
	}()
	return ln.Addr(), nil
}
