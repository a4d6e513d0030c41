package console

import (
	"bytes"
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/senaite-sync/senaite-sync/internal/store"
)

// A running import's page shows where it stands — its stage, objects done
// of the total overall and per portal type, failures so far with a link —
// and keeps itself current without reloading (static/live.js asks for the
// fragment below every two seconds and works out the rate and the time
// left from what it saw). Its counts table stayed empty until the end, and
// the page looked hung for the whole of an import (issue #15).

// liveType is one portal type's progress.
type liveType struct {
	Type                string
	Done, Total, Failed int
}

// live is a running import's progress, as its page shows it.
type live struct {
	RunID               uuid.UUID
	Remote              string
	Stage               string
	Note                string
	Done, Total, Failed int
	Types               []liveType
	At                  int64 // unix milliseconds of the reading
	Final               bool  // the run ended: the page reloads in full
}

// settled tells whether an object in state st counts as done.
func settled(st store.ObjState) bool {
	switch st {
	case store.ObjFailed, store.ObjGone, store.ObjMerged, "updated":
		return true
	}
	return st.Final()
}

// liveProgress reads a run's progress; nil when the run is not importing.
func (s *Server) liveProgress(ctx context.Context, run store.Run) (*live, error) {
	importing := run.Kind == store.KindImport || run.Kind == store.KindUpdate && run.Phase == store.PhaseImport
	if !importing {
		return nil, nil
	}
	var scope *uuid.UUID
	if run.Kind == store.KindUpdate {
		scope = &run.ID
	}
	counts, err := s.Store.RunStateCounts(ctx, run.RemoteID, scope)
	if err != nil {
		return nil, err
	}
	l := &live{RunID: run.ID, Remote: run.Remote, Stage: run.Stage, Note: run.Note, At: time.Now().UnixMilli(),
		Final: run.Status != store.StatusQueued && run.Status != store.StatusRunning}
	for pt, m := range counts {
		t := liveType{Type: pt}
		for st, n := range m {
			t.Total += n
			if settled(st) {
				t.Done += n
			}
			if st == store.ObjFailed || st == store.ObjStateMismatch {
				t.Failed += n
			}
		}
		l.Done, l.Total, l.Failed = l.Done+t.Done, l.Total+t.Total, l.Failed+t.Failed
		if t.Total > 0 {
			l.Types = append(l.Types, t)
		}
	}
	// what is still moving first, then by name
	sort.Slice(l.Types, func(i, j int) bool {
		a, b := l.Types[i], l.Types[j]
		if (a.Done < a.Total) != (b.Done < b.Total) {
			return a.Done < a.Total
		}
		return a.Type < b.Type
	})
	return l, nil
}

// runLive serves a run's progress fragment.
func (s *Server) runLive(w http.ResponseWriter, r *http.Request) {
	run, ok := s.pathRun(w, r)
	if !ok {
		return
	}
	l, err := s.liveProgress(r.Context(), run)
	if err != nil {
		s.failPage(w, err)
		return
	}
	if l == nil { // a fetch or verify: its page's counts and pages move
		l = &live{RunID: run.ID, Remote: run.Remote, At: time.Now().UnixMilli(),
			Final: run.Status != store.StatusQueued && run.Status != store.StatusRunning}
	}
	var buf bytes.Buffer
	if err := s.pages["run"].ExecuteTemplate(&buf, "live", l); err != nil {
		s.Log.Error("console: render", "page", "live", "error", err)
		http.Error(w, "the progress could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", csp)
	_, _ = buf.WriteTo(w)
}

// liveScript serves static/live.js.
func liveScript(w http.ResponseWriter, _ *http.Request) {
	raw, err := files.ReadFile("static/live.js")
	if err != nil {
		http.NotFound(w, nil)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(raw)
}
