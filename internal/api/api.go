// Package api is the coordinator's HTTP API (ARCHITECTURE.md §7): JSON
// under /api/v1 behind a bearer token, secrets write-only, errors as
// {"error": {"code", "message", "field"}}.
package api

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/senaite-sync/senaite-sync/internal/apitype"
	"github.com/senaite-sync/senaite-sync/internal/coordinator"
	"github.com/senaite-sync/senaite-sync/internal/metrics"
	"github.com/senaite-sync/senaite-sync/internal/probe"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/secret"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Server serves the API.
type Server struct {
	// Version is the binary's, shown by /metrics (senaite_sync_build_info).
	Version string
	// Metrics are collectors /metrics shows besides the store's tallies
	// (the queues', metrics.QueueCollector).
	Metrics []prometheus.Collector
	// Checks are what /readyz asks besides the store (NATS, JetStream).
	Checks      probe.Checks
	Store       *store.Store
	Coordinator *coordinator.Coordinator
	Key         *secret.Key
	Token       string
	Log         *slog.Logger

	progressMu sync.Mutex
	progress   map[int64]progressAt
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.readyz)
	// like the probes, needs no token (ARCHITECTURE.md §7): it holds counts,
	// never a secret
	mux.Handle("GET /metrics", metrics.Handler(s.Store, s.Version, s.Metrics...))
	// the description of the API, like the probes, needs no token: it
	// describes routes, never data
	mux.HandleFunc("GET "+openAPIPath, serveOpenAPI)
	api := http.NewServeMux()
	for _, rt := range s.routes() {
		api.HandleFunc(rt.Method+" "+rt.Path, rt.Handler)
	}
	mux.Handle("/api/", s.auth(api))
	return mux
}

// auth checks the bearer token in constant time.
func (s *Server) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Token != "" {
			got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			if subtle.ConstantTimeCompare([]byte(got), []byte(s.Token)) != 1 {
				writeError(w, http.StatusUnauthorized, "unauthorized", "missing or wrong bearer token", "")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	checks := s.Checks
	checks.Store = s.Store
	if err := checks.Ready(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", err.Error(), "")
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg, field string) {
	writeJSON(w, status, apitype.ErrorBody{Error: apitype.Error{Code: code, Message: msg, Field: field}})
}

// plainMessage is a store error as a person reads it: without the
// packages' prefixes ("store: remote nosuch: store: not found" is "remote
// nosuch not found").
func plainMessage(err error) string {
	msg := strings.ReplaceAll(err.Error(), "store: ", "")
	for _, end := range []string{"not found", "already exists", "still in use"} {
		msg = strings.ReplaceAll(msg, ": "+end, " "+end)
	}
	return msg
}

// fail maps store and validation errors to statuses.
func fail(w http.ResponseWriter, err error) {
	var fe *remote.FieldError
	var active *store.ActiveRunError
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &fe):
		writeError(w, http.StatusBadRequest, "invalid", fe.Message, fe.Field)
	case errors.As(err, &active):
		run := runJSON(active.Run)
		writeJSON(w, http.StatusConflict, apitype.ErrorBody{Error: apitype.Error{Code: "run_active",
			Message: "the remote already has a " + string(active.Run.Status) + " run"}, Run: &run})
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", plainMessage(err), "")
	case errors.Is(err, store.ErrExists):
		writeError(w, http.StatusConflict, "exists", plainMessage(err), "name")
	case errors.Is(err, store.ErrInUse):
		writeError(w, http.StatusConflict, "in_use", plainMessage(err), "")
	case errors.Is(err, errTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", err.Error(), "body")
	case errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "22"):
		// a data exception: input a check above let through
		slog.Warn("api: input refused by the database", "error", err)
		writeError(w, http.StatusBadRequest, "invalid", "a value cannot be stored (invalid text or number)", "")
	default:
		// the database's words stay in the log: they name tables, columns
		// and sometimes values
		id := uuid.NewString()[:8]
		slog.Error("api: internal error", "error_id", id, "error", err)
		writeError(w, http.StatusInternalServerError, "internal", "internal error (logged as "+id+")", "")
	}
}
