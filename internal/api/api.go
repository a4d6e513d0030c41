// Package api is the coordinator's HTTP API (ARCHITECTURE.md §7): JSON
// under /api/v1 behind a bearer token, secrets write-only, errors as
// {"error": {"code", "message", "field"}}.
package api

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"

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

type progressAt struct {
	done, total int
	at          time.Time
}

// importProgress counts a remote's settled objects at most once every two
// seconds: every waiting CLI polls it, and the count reads the whole
// objects table of a remote.
func (s *Server) importProgress(ctx context.Context, remoteID int64) (int, int, error) {
	s.progressMu.Lock()
	p, ok := s.progress[remoteID]
	s.progressMu.Unlock()
	if ok && time.Since(p.at) < 2*time.Second {
		return p.done, p.total, nil
	}
	done, total, err := s.Store.ImportProgress(ctx, remoteID)
	if err != nil {
		return 0, 0, err
	}
	s.progressMu.Lock()
	if s.progress == nil {
		s.progress = map[int64]progressAt{}
	}
	s.progress[remoteID] = progressAt{done: done, total: total, at: time.Now()}
	s.progressMu.Unlock()
	return done, total, nil
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.readyz)
	// like the probes, needs no token (ARCHITECTURE.md §7): it holds counts,
	// never a secret
	mux.Handle("GET /metrics", metrics.Handler(s.Store, s.Version, s.Metrics...))
	api := http.NewServeMux()
	api.HandleFunc("GET /api/v1/instances", s.listInstances)
	api.HandleFunc("POST /api/v1/instances", s.createInstance)
	api.HandleFunc("GET /api/v1/instances/{name}", s.getInstance)
	api.HandleFunc("PUT /api/v1/instances/{name}", s.updateInstance)
	api.HandleFunc("DELETE /api/v1/instances/{name}", s.deleteInstance)
	api.HandleFunc("GET /api/v1/remotes", s.listRemotes)
	api.HandleFunc("POST /api/v1/remotes", s.createRemote)
	api.HandleFunc("GET /api/v1/remotes/{name}", s.getRemote)
	api.HandleFunc("PUT /api/v1/remotes/{name}", s.updateRemote)
	api.HandleFunc("DELETE /api/v1/remotes/{name}", s.deleteRemote)
	api.HandleFunc("POST /api/v1/remotes/{name}/{kind}", s.startRun)
	api.HandleFunc("GET /api/v1/remotes/{name}/objects", s.listObjects)
	api.HandleFunc("GET /api/v1/remotes/{name}/conflicts", s.listConflicts)
	api.HandleFunc("POST /api/v1/remotes/{name}/conflicts/{uid}/resolve", s.resolveConflict)
	api.HandleFunc("GET /api/v1/runs", s.listRuns)
	api.HandleFunc("GET /api/v1/runs/{id}", s.getRun)
	api.HandleFunc("POST /api/v1/runs/{id}/cancel", s.cancelRun)
	api.HandleFunc("GET /api/v1/runs/{id}/differences", s.listDifferences)
	api.HandleFunc("POST /api/v1/instances/{name}/check", s.checkInstance)
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
	e := map[string]any{"code": code, "message": msg}
	if field != "" {
		e["field"] = field
	}
	writeJSON(w, status, map[string]any{"error": e})
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
		writeJSON(w, http.StatusConflict, map[string]any{"error": map[string]any{"code": "run_active",
			"message": "the remote already has a " + active.Run.Status + " run"}, "run": runJSON(active.Run)})
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

type instanceIn struct {
	Name             string `json:"name"`
	URL              string `json:"url"`
	Username         string `json:"username"`
	Password         string `json:"password"`
	CACert           string `json:"ca_cert"`
	VerifierUsername string `json:"verifier_username"`
	VerifierPassword string `json:"verifier_password"`
	readOnly
	HasCACert *bool           `json:"has_ca_cert"`
	Flavor    json.RawMessage `json:"flavor"`
	Version   json.RawMessage `json:"version"`
}

// readOnly are fields a GET answers and the server sets: accepted and
// ignored, so that what a GET returned can be PUT back.
type readOnly struct {
	CreatedAt json.RawMessage `json:"created_at"`
	UpdatedAt json.RawMessage `json:"updated_at"`
}

// validate checks an instance's settings; a new instance needs its
// password, an edited one keeps the stored passwords it is not given
// (storedVerifier: it has a verifier password already).
func (in instanceIn) validate(create, storedVerifier bool) error {
	if err := checkURL("url", in.URL); err != nil {
		return err
	}
	if in.Username == "" {
		return &remote.FieldError{Field: "username", Message: "required"}
	}
	for _, f := range []struct {
		field, value string
		max          int
	}{{"username", in.Username, maxUsername}, {"verifier_username", in.VerifierUsername, maxUsername},
		{"password", in.Password, maxPassword}, {"verifier_password", in.VerifierPassword, maxPassword}} {
		if len(f.value) > f.max {
			return &remote.FieldError{Field: f.field, Message: fmt.Sprintf("too long (at most %d bytes)", f.max)}
		}
		if strings.ContainsAny(f.value, "\r\n") || strings.HasPrefix(f.field, "username") && strings.Contains(f.value, ":") {
			return &remote.FieldError{Field: f.field, Message: "must not contain line breaks, nor a user name a colon"}
		}
	}
	if err := checkCACert(in.CACert); err != nil {
		return err
	}
	if create && in.Password == "" {
		return &remote.FieldError{Field: "password", Message: "required"}
	}
	if in.VerifierUsername == "" && in.VerifierPassword != "" ||
		in.VerifierUsername != "" && in.VerifierPassword == "" && !storedVerifier {
		return &remote.FieldError{Field: "verifier_password", Message: "verifier_username and verifier_password go together"}
	}
	return nil
}

// instance is what the store keeps of an instance: passwords sealed, and
// nil where none was given (an edit keeps the stored one).
func (in instanceIn) instance(key *secret.Key) (store.Instance, error) {
	out := store.Instance{Name: in.Name, URL: strings.TrimRight(in.URL, "/"), Username: in.Username, CACert: in.CACert,
		VerifierUsername: in.VerifierUsername}
	var err error
	if in.Password != "" {
		if out.Password, err = key.Seal(in.Password); err != nil {
			return store.Instance{}, err
		}
	}
	if in.VerifierPassword != "" {
		if out.VerifierPassword, err = key.Seal(in.VerifierPassword); err != nil {
			return store.Instance{}, err
		}
	}
	return out, nil
}

// instanceJSON never carries a password: secrets are write-only.
func instanceJSON(in store.Instance) map[string]any {
	return map[string]any{"name": in.Name, "url": in.URL, "username": in.Username, "has_ca_cert": in.CACert != "",
		"verifier_username": in.VerifierUsername, "flavor": in.Flavor, "version": in.Version,
		"created_at": in.CreatedAt, "updated_at": in.UpdatedAt}
}

func (s *Server) createInstance(w http.ResponseWriter, r *http.Request) {
	var in instanceIn
	if err := decode(r, &in); err != nil {
		fail(w, err)
		return
	}
	if err := remote.ValidateName("name", in.Name); err != nil {
		fail(w, err)
		return
	}
	if err := in.validate(true, false); err != nil {
		fail(w, err)
		return
	}
	inst, err := in.instance(s.Key)
	if err != nil {
		fail(w, err)
		return
	}
	out, err := s.Store.CreateInstance(r.Context(), inst)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, instanceJSON(out))
}

// updateInstance replaces an instance's settings (PUT: url and username
// required); a password left out keeps the stored one, so that nobody
// has to know it to move a lab to another address. The name stays.
func (s *Server) updateInstance(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var in instanceIn
	if err := decode(r, &in); err != nil {
		fail(w, err)
		return
	}
	if in.Name != "" && in.Name != name {
		fail(w, &remote.FieldError{Field: "name", Message: "an instance keeps its name; add another one instead"})
		return
	}
	cur, err := s.Store.Instance(r.Context(), name)
	if err != nil {
		fail(w, err)
		return
	}
	if err := in.validate(false, len(cur.VerifierPassword) > 0); err != nil {
		fail(w, err)
		return
	}
	// the stored passwords go only where they were given for: a new
	// address or account needs them again
	moved := strings.TrimRight(in.URL, "/") != cur.URL
	if in.Password == "" && (moved || in.Username != cur.Username) {
		fail(w, &remote.FieldError{Field: "password", Message: "required when url or username changes: the stored one is never sent to another address or account"})
		return
	}
	if in.VerifierPassword == "" && in.VerifierUsername != "" && (moved || in.VerifierUsername != cur.VerifierUsername) {
		fail(w, &remote.FieldError{Field: "verifier_password", Message: "required when url or verifier_username changes"})
		return
	}
	in.Name = name
	up, err := in.instance(s.Key)
	if err != nil {
		fail(w, err)
		return
	}
	out, err := s.Store.UpdateInstance(r.Context(), up)
	if err != nil {
		fail(w, err)
		return
	}
	s.Coordinator.ForgetInstance(out.ID)
	writeJSON(w, http.StatusOK, instanceJSON(out))
}

func (s *Server) listInstances(w http.ResponseWriter, r *http.Request) {
	list, err := s.Store.Instances(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	out := []any{}
	for _, in := range list {
		out = append(out, instanceJSON(in))
	}
	writeJSON(w, http.StatusOK, map[string]any{"instances": out})
}

func (s *Server) getInstance(w http.ResponseWriter, r *http.Request) {
	in, err := s.Store.Instance(r.Context(), r.PathValue("name"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, instanceJSON(in))
}

func (s *Server) deleteInstance(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.DeleteInstance(r.Context(), r.PathValue("name")); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type remoteIn struct {
	Name        string `json:"name"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
	remote.Options
	// Nested are the options as a GET shows them ("options": {…}), so
	// that a remote's own answer can be PUT back.
	Nested *remote.Options `json:"options"`
	readOnly
	Watermark   json.RawMessage `json:"watermark"`
	NextSyncAt  json.RawMessage `json:"next_sync_at"`
	SyncPending json.RawMessage `json:"sync_pending"`
}

// options are the remote's options, given flat or nested (not both),
// normalized and validated.
func (in remoteIn) options() (remote.Options, error) {
	given := in.Options
	if in.Nested != nil {
		flat, _ := json.Marshal(in.Options)
		empty, _ := json.Marshal(remote.Options{})
		if !bytes.Equal(flat, empty) {
			return remote.Options{}, &remote.FieldError{Field: "options", Message: "give the options either flat or under options, not both"}
		}
		given = *in.Nested
	}
	opts := given.Normalize()
	if err := opts.Validate(nil); err != nil {
		return remote.Options{}, err
	}
	return opts, nil
}

func remoteJSON(rm store.Remote) map[string]any {
	return map[string]any{"name": rm.Name, "source": rm.Source, "destination": rm.Destination, "options": rm.Options,
		"watermark": rm.Watermark, "next_sync_at": rm.NextTickAt, "sync_pending": rm.SyncPending,
		"created_at": rm.CreatedAt, "updated_at": rm.UpdatedAt}
}

func (s *Server) createRemote(w http.ResponseWriter, r *http.Request) {
	var in remoteIn
	if err := decode(r, &in); err != nil {
		fail(w, err)
		return
	}
	if err := remote.ValidateName("name", in.Name); err != nil {
		fail(w, err)
		return
	}
	if in.Source == "" || in.Destination == "" {
		fail(w, &remote.FieldError{Field: map[bool]string{true: "source", false: "destination"}[in.Source == ""], Message: "required"})
		return
	}
	if in.Source == in.Destination {
		fail(w, &remote.FieldError{Field: "destination", Message: "must differ from source"})
		return
	}
	for _, end := range [][2]string{{"source", in.Source}, {"destination", in.Destination}} {
		if _, err := s.Store.Instance(r.Context(), end[1]); errors.Is(err, store.ErrNotFound) {
			fail(w, &remote.FieldError{Field: end[0], Message: fmt.Sprintf("no instance named %q (instance list)", end[1])})
			return
		} else if err != nil {
			fail(w, err)
			return
		}
	}
	opts, err := in.options()
	if err != nil {
		fail(w, err)
		return
	}
	rm, err := s.Store.CreateRemote(r.Context(), in.Name, in.Source, in.Destination, opts)
	if err != nil {
		fail(w, err)
		return
	}
	s.Coordinator.RemotesChanged() // the labs' bounds may be stricter now
	writeJSON(w, http.StatusCreated, remoteJSON(rm))
}

// updateRemote replaces a remote's options (PUT: the body is the whole
// set, as at creation; `remote edit` merges flags into the current one).
// Name and endpoints stay: the identity of what was imported hangs on
// them, so changing them is another remote.
func (s *Server) updateRemote(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var in remoteIn
	if err := decode(r, &in); err != nil {
		fail(w, err)
		return
	}
	cur, err := s.Store.Remote(r.Context(), name)
	if err != nil {
		fail(w, err)
		return
	}
	for _, c := range []struct{ field, given, have string }{
		{"name", in.Name, cur.Name}, {"source", in.Source, cur.Source}, {"destination", in.Destination, cur.Destination},
	} {
		if c.given != "" && c.given != c.have {
			fail(w, &remote.FieldError{Field: c.field, Message: "cannot change (it is " + c.have + "): define another remote"})
			return
		}
	}
	opts, err := in.options()
	if err != nil {
		fail(w, err)
		return
	}
	rm, err := s.Store.UpdateRemoteOptions(r.Context(), name, opts)
	if err != nil {
		fail(w, err)
		return
	}
	s.Coordinator.RemotesChanged()
	writeJSON(w, http.StatusOK, remoteJSON(rm))
}

func (s *Server) listRemotes(w http.ResponseWriter, r *http.Request) {
	list, err := s.Store.Remotes(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	out := []any{}
	for _, rm := range list {
		out = append(out, remoteJSON(rm))
	}
	writeJSON(w, http.StatusOK, map[string]any{"remotes": out})
}

func (s *Server) getRemote(w http.ResponseWriter, r *http.Request) {
	rm, err := s.Store.Remote(r.Context(), r.PathValue("name"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, remoteJSON(rm))
}

func (s *Server) deleteRemote(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.DeleteRemote(r.Context(), r.PathValue("name")); err != nil {
		fail(w, err)
		return
	}
	s.Coordinator.RemotesChanged()
	w.WriteHeader(http.StatusNoContent)
}

func runJSON(run store.Run) map[string]any {
	byType := map[string]store.Counts{}
	for k, v := range run.ByType {
		byType[k] = v
	}
	return map[string]any{"id": run.ID, "remote": run.Remote, "kind": run.Kind, "status": run.Status,
		"created_at": run.CreatedAt, "started_at": run.StartedAt, "finished_at": run.FinishedAt, "error": run.Error,
		"pages":  map[string]int{"total": run.PagesTotal, "done": run.PagesDone},
		"counts": run.Counts(), "by_type": byType, "phase": run.Phase, "watermark": run.Watermark, "trigger": run.Trigger,
		"note": run.Note, "stage": run.Stage}
}

func (s *Server) startRun(w http.ResponseWriter, r *http.Request) {
	kind := store.RunKind(r.PathValue("kind"))
	if !slices.Contains(store.RunKinds, kind) {
		writeError(w, http.StatusNotFound, "not_found", "no such step "+string(kind), "kind")
		return
	}
	run, err := s.Coordinator.StartRun(r.Context(), r.PathValue("name"), kind)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"run": runJSON(run)})
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	list, err := s.Store.Runs(r.Context(), r.URL.Query().Get("remote"), 100)
	if err != nil {
		fail(w, err)
		return
	}
	out := []any{}
	for _, run := range list {
		out = append(out, runJSON(run))
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": out})
}

// listDifferences lists what a verify run found different (?limit=, at
// most 10,000, by type and path) and, per class, what it did not compare
// and why.
func (s *Server) listDifferences(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", "not a run id", "id")
		return
	}
	if _, err := s.Store.Run(r.Context(), id); err != nil {
		fail(w, err)
		return
	}
	limit := 1000
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			writeError(w, http.StatusBadRequest, "invalid", "limit must be between 1 and 10000", "limit")
			return
		}
		limit = n
	}
	diffs, err := s.Store.Differences(r.Context(), id, limit)
	if err != nil {
		fail(w, err)
		return
	}
	left, err := s.Store.RunNotCompared(r.Context(), id)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"differences": diffs, "not_compared": left})
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", "not a run id", "id")
		return
	}
	run, err := s.Store.Run(r.Context(), id)
	if err != nil {
		fail(w, err)
		return
	}
	out := runJSON(run)
	if report, _, ok, err := s.Store.SiteConfig(r.Context(), id); err != nil {
		fail(w, err)
		return
	} else if ok {
		// users, registry, settings: what was copied, and the export of
		// what was not (secrets masked)
		out["site_config"] = report
	}
	if run.Status == store.StatusRunning && (run.Kind == store.KindImport || run.Phase == store.PhaseImport) {
		// objects settled so far, for progress bars
		if done, total, err := s.importProgress(r.Context(), run.RemoteID); err == nil {
			out["progress"] = map[string]int{"done": done, "total": total}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"run": out})
}

func (s *Server) cancelRun(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", "not a run id", "id")
		return
	}
	if _, err := s.Store.Run(r.Context(), id); err != nil {
		fail(w, err) // an unknown run is a 404, not a finished one
		return
	}
	run, err := s.Coordinator.CancelRun(r.Context(), id)
	if errors.Is(err, store.ErrStaleState) {
		writeError(w, http.StatusConflict, "finished", "the run is not queued or running", "id")
		return
	}
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"run": runJSON(run)})
}

// checkInstance reports whether a lab answers as senaite.jsonapi and takes
// the stored credentials; a lab that does not is a 200 with the reason, the
// check itself having worked.
func (s *Server) checkInstance(w http.ResponseWriter, r *http.Request) {
	c, err := s.Coordinator.CheckInstance(r.Context(), r.PathValue("name"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"check": c})
}
