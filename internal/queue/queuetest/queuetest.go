// Package queuetest connects tests to the local nats-server
// (ARCHITECTURE.md §2), as storetest does to PostgreSQL: under CI a
// missing server fails the test, elsewhere it skips it.
package queuetest

import (
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// URL is the server the tests use: SENAITE_SYNC_TEST_NATS_URL or the
// local default.
func URL() string {
	if u := os.Getenv("SENAITE_SYNC_TEST_NATS_URL"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}

// Conn connects to the tests' server, closed when the test ends.
func Conn(t testing.TB) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(URL(), nats.Timeout(3*time.Second))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("nats-server is required under CI: %v", err)
		}
		t.Skipf("nats-server not available: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}
