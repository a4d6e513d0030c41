// Package labs builds senaite.jsonapi clients for stored instances,
// decrypting their passwords only to put them in the client, and applying
// a remote's bounds (concurrency, request rate) per instance.
package labs

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/secret"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Bounds protect a lab from the whole system.
type Bounds struct {
	MaxConcurrency    int
	RequestsPerSecond float64
	// Timeout bounds one request (SENAITE_SYNC_LAB_TIMEOUT; 0: the
	// client's 30 s): a lab that stops answering costs this per request.
	Timeout time.Duration
}

// Client returns a client for an instance.
func Client(in store.Instance, key *secret.Key, b Bounds, log *slog.Logger) (*senaite.Client, error) {
	pw, err := key.Open(in.Password)
	if err != nil {
		return nil, fmt.Errorf("labs: instance %s password: %w", in.Name, err)
	}
	c, err := senaite.New(senaite.Config{URL: in.URL, Username: in.Username, Password: pw.Reveal(),
		CACertPEM: []byte(in.CACert), MaxConcurrency: b.MaxConcurrency, RequestsPerSecond: b.RequestsPerSecond,
		Timeout: b.Timeout, Logger: log, Name: in.Name})
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
		Timeout: b.Timeout, Logger: log, Name: in.Name + "/verifier"})
	if err != nil {
		return nil, fmt.Errorf("labs: instance %s verifier: %w", in.Name, err)
	}
	return c, nil
}
