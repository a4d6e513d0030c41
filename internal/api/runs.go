package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/senaite-sync/senaite-sync/internal/apitype"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// The runs: steps started on a remote, their progress, counts and
// differences.

type progressAt struct {
	done, total int
	at          time.Time
	took        time.Duration // the count's own time
}

// importProgress counts a remote's settled objects at most once every two
// seconds, or every ten times the count's own time where that is more:
// every waiting CLI and console page polls it, and the count reads the
// whole objects table of a remote (0.35 s at 250,000 objects, where a
// count every two seconds was a sixth of a core of PostgreSQL — the
// largest share of its time in that import).
func (s *Server) importProgress(ctx context.Context, remoteID int64) (int, int, error) {
	s.progressMu.Lock()
	p, ok := s.progress[remoteID]
	s.progressMu.Unlock()
	if ok && time.Since(p.at) < max(2*time.Second, 10*p.took) {
		return p.done, p.total, nil
	}
	started := time.Now()
	done, total, err := s.Store.ImportProgress(ctx, remoteID)
	if err != nil {
		return 0, 0, err
	}
	s.progressMu.Lock()
	if s.progress == nil {
		s.progress = map[int64]progressAt{}
	}
	s.progress[remoteID] = progressAt{done: done, total: total, at: time.Now(), took: time.Since(started)}
	s.progressMu.Unlock()
	return done, total, nil
}

func runJSON(run store.Run) apitype.Run {
	byType := map[string]apitype.Counts{}
	for k, v := range run.ByType {
		byType[k] = apitype.Counts(v)
	}
	return apitype.Run{ID: run.ID.String(), Remote: run.Remote, Kind: string(run.Kind), Status: string(run.Status),
		CreatedAt: run.CreatedAt, StartedAt: run.StartedAt, FinishedAt: run.FinishedAt, Error: run.Error,
		Pages:  apitype.Pages{Total: run.PagesTotal, Done: run.PagesDone},
		Counts: apitype.Counts(run.Counts()), ByType: byType, Phase: run.Phase, Watermark: run.Watermark, Trigger: run.Trigger,
		Note: run.Note, Stage: run.Stage}
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
	writeJSON(w, http.StatusAccepted, apitype.RunAnswer{Run: runJSON(run)})
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	list, err := s.Store.Runs(r.Context(), r.URL.Query().Get("remote"), 100)
	if err != nil {
		fail(w, err)
		return
	}
	out := apitype.RunList{Runs: []apitype.Run{}}
	for _, run := range list {
		out.Runs = append(out.Runs, runJSON(run))
	}
	writeJSON(w, http.StatusOK, out)
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
	out := apitype.Differences{Differences: make([]apitype.Difference, 0, len(diffs)), NotCompared: make([]apitype.NotCompared, 0, len(left))}
	for _, d := range diffs {
		out.Differences = append(out.Differences, apitype.Difference(d))
	}
	for _, n := range left {
		out.NotCompared = append(out.NotCompared, apitype.NotCompared(n))
	}
	writeJSON(w, http.StatusOK, out)
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
		out.SiteConfig = report
	}
	if run.Status == store.StatusRunning && (run.Kind == store.KindImport || run.Phase == store.PhaseImport) {
		// objects settled so far, for progress bars
		if done, total, err := s.importProgress(r.Context(), run.RemoteID); err == nil {
			out.Progress = &apitype.Progress{Done: done, Total: total}
		}
	}
	writeJSON(w, http.StatusOK, apitype.RunAnswer{Run: out})
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
	writeJSON(w, http.StatusOK, apitype.RunAnswer{Run: runJSON(run)})
}
