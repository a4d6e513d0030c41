package probe_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/senaite-sync/senaite-sync/internal/probe"
	"github.com/senaite-sync/senaite-sync/internal/queue/queuetest"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

func get(t *testing.T, base, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestWorkerProbes: a worker's probes say it lives, that it is ready while
// PostgreSQL and NATS answer and not once NATS is gone (naming it), and
// which build and role it is.
func TestWorkerProbes(t *testing.T) {
	st := storetest.Migrated(t)
	nc := queuetest.Conn(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := probe.Serve(ctx, "127.0.0.1:0", probe.Handler("importer", "v-test", probe.Checks{Store: st, NATS: nc, JS: js}),
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + addr.String()
	if code, _ := get(t, base, "/healthz"); code != 200 {
		t.Errorf("healthz: %d", code)
	}
	if code, body := get(t, base, "/readyz"); code != 200 {
		t.Errorf("readyz with PostgreSQL and NATS up: %d %s", code, body)
	}
	code, body := get(t, base, "/metrics")
	if code != 200 || !strings.Contains(body, `senaite_sync_build_info{goversion="go`) ||
		!strings.Contains(body, `role="importer",version="v-test"} 1`) || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics: %d\n%s", code, body)
	}
	// the address is this process's: a second server on it is refused,
	// naming the setting
	if _, err := probe.Serve(ctx, addr.String(), probe.Handler("fetcher", "v-test", probe.Checks{}), slog.Default()); err == nil ||
		!strings.Contains(err.Error(), "http_addr") {
		t.Errorf("a second server on %s: %v, want an error naming http_addr", addr, err)
	}
	nc.Close()
	if code, body := get(t, base, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "nats") {
		t.Errorf("readyz with NATS closed: %d %q, want 503 naming nats", code, body)
	}
	if code, _ := get(t, base, "/healthz"); code != 200 {
		t.Errorf("healthz with NATS closed: %d, want 200 (the process lives)", code)
	}
}
