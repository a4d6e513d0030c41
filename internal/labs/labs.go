// Package labs builds senaite.jsonapi clients for stored instances,
// decrypting their passwords only to put them in the client, and sending
// their requests through the lab's gate (internal/budget), so that the
// lab's bounds hold for every client of it in the system.
package labs

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/metrics"
	"github.com/senaite-sync/senaite-sync/internal/secret"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Bounds are how a client may use its lab.
type Bounds struct {
	// Gate admits every request within the lab's bounds for the whole
	// system (budget.Registry.Gate); nil: the client bounds itself alone
	// by MaxConcurrency and RequestsPerSecond (tests, tools).
	Gate senaite.Gate
	// MaxConcurrency and RequestsPerSecond bound a client without a Gate;
	// with one, MaxConcurrency only sizes its pool of idle connections.
	MaxConcurrency    int
	RequestsPerSecond float64
	// Timeout bounds one request (SENAITE_SYNC_LAB_TIMEOUT; 0: the
	// client's 30 s): a lab that stops answering costs this per request.
	Timeout time.Duration
}

// observe records a client's requests to an instance in the process's
// metrics (both accounts count as the instance's).
func observe(instance string) func(senaite.Outcome, error) {
	return func(o senaite.Outcome, err error) {
		metrics.LabRequest(instance, o.Write, o.Overload, err, o.Latency)
	}
}

// Client returns a client for an instance's main account.
func Client(in store.Instance, key *secret.Key, b Bounds, log *slog.Logger) (*senaite.Client, error) {
	pw, err := key.Open(in.Password)
	if err != nil {
		return nil, fmt.Errorf("labs: instance %s password: %w", in.Name, err)
	}
	c, err := senaite.New(senaite.Config{URL: in.URL, Username: in.Username, Password: pw.Reveal(),
		CACertPEM: []byte(in.CACert), MaxConcurrency: b.MaxConcurrency, RequestsPerSecond: b.RequestsPerSecond,
		Gate: b.Gate, Timeout: b.Timeout, Logger: log, Name: in.Name, Observe: observe(in.Name)})
	if err != nil {
		return nil, fmt.Errorf("labs: instance %s: %w", in.Name, err)
	}
	return c, nil
}

// Verifier returns a client for the instance's verifier account, or nil
// when it has none (verification then uses the main account).
func Verifier(in store.Instance, key *secret.Key, b Bounds, log *slog.Logger) (*senaite.Client, error) {
	if in.VerifierUsername == "" {
		return nil, nil
	}
	pw, err := key.Open(in.VerifierPassword)
	if err != nil {
		return nil, fmt.Errorf("labs: instance %s verifier password: %w", in.Name, err)
	}
	c, err := senaite.New(senaite.Config{URL: in.URL, Username: in.VerifierUsername, Password: pw.Reveal(),
		CACertPEM: []byte(in.CACert), MaxConcurrency: b.MaxConcurrency, RequestsPerSecond: b.RequestsPerSecond,
		Gate: b.Gate, Timeout: b.Timeout, Logger: log, Name: in.Name + "/verifier", Observe: observe(in.Name)})
	if err != nil {
		return nil, fmt.Errorf("labs: instance %s verifier: %w", in.Name, err)
	}
	return c, nil
}
