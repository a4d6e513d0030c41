package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/senaite-sync/senaite-sync/internal/store"
)

// pathRun is the run the request's path names; false when there is none
// (the page saying so has been written).
func (s *Server) pathRun(w http.ResponseWriter, r *http.Request) (store.Run, bool) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		s.failPage(w, fmt.Errorf("not a run id: %w", store.ErrNotFound))
		return store.Run{}, false
	}
	run, err := s.Store.Run(r.Context(), id)
	if err != nil {
		s.failPage(w, err)
		return store.Run{}, false
	}
	return run, true
}

// differencesShown bounds the differences page; the API and `run show`
// page through all of them.
const differencesShown = 2000

// differences shows what a verify run found different, on a page of its
// own: under the run's counts it sat thousands of pixels down (issue #15).
func (s *Server) differences(w http.ResponseWriter, r *http.Request) {
	run, ok := s.pathRun(w, r)
	if !ok {
		return
	}
	id := run.ID
	diffs, err := s.Store.Differences(r.Context(), id, differencesShown)
	if err != nil {
		s.failPage(w, err)
		return
	}
	left, err := s.Store.RunNotCompared(r.Context(), id)
	if err != nil {
		s.failPage(w, err)
		return
	}
	s.render(w, "differences", page{Title: "differences of " + run.Remote, Data: map[string]any{"Run": run,
		"Differences": diffs, "NotCompared": left, "Capped": len(diffs) == differencesShown}})
}

// cancel stops a queued or running run and shows it.
func (s *Server) cancel(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		s.failPage(w, fmt.Errorf("not a run id: %w", store.ErrNotFound))
		return
	}
	msg := "cancelled"
	if _, err := s.Coordinator.CancelRun(r.Context(), id); err != nil {
		if !errors.Is(err, store.ErrStaleState) {
			s.failPage(w, err)
			return
		}
		msg = "the run had already ended"
	}
	http.Redirect(w, r, "/console/runs/"+id.String()+"?msg="+url.QueryEscape(msg), http.StatusSeeOther)
}

// short is the first line of a message, cut to a table cell's width.
func short(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if r := []rune(line); len(r) > 120 {
		return string(r[:119]) + "…"
	}
	return line
}
