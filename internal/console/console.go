// Package console is the coordinator's web console: the remotes, their
// runs, objects and conflicts as an operator sees them, and the buttons
// that start a step or settle a conflict. Pages are rendered on the server
// (html/template, embedded; no script), from the same store and
// coordinator as the API. When the coordinator has an API token the
// console asks for it once and exchanges it for a session (auth.go) kept
// in an HttpOnly, SameSite=Strict cookie; a form posted from another site
// is refused.
package console

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/senaite-sync/senaite-sync/internal/coordinator"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

//go:embed templates/*.html static/*.js
var files embed.FS

// csp is every page's Content-Security-Policy: no script but the
// console's own file (static/live.js), no frame, forms to this site only.
const csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'"

// Server serves the console's pages.
type Server struct {
	Store       *store.Store
	Coordinator *coordinator.Coordinator
	Token       string
	Log         *slog.Logger

	pages map[string]*template.Template
}

// kinds are the steps a person may start from the console.
var kinds = store.RunKinds

// Routes adds the console's routes to mux: / and /console/….
func (s *Server) Routes(mux *http.ServeMux) error {
	funcs := template.FuncMap{"fmtTime": fmtTime, "shortID": func(id uuid.UUID) string { return id.String()[:8] }, "short": short}
	s.pages = map[string]*template.Template{}
	for _, p := range []string{"remotes", "remote", "runs", "run", "objects", "conflicts", "login", "differences", "instances", "instance"} {
		t, err := template.New("").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/runs.html", "templates/live.html", "templates/"+p+".html")
		if err != nil {
			return fmt.Errorf("console: template %s: %w", p, err)
		}
		s.pages[p] = t
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusFound)
	})
	mux.HandleFunc("GET /console/login", func(w http.ResponseWriter, r *http.Request) { s.render(w, "login", page{Title: "sign in"}) })
	mux.HandleFunc("POST /console/login", s.login)
	mux.HandleFunc("POST /console/logout", s.logout)
	mux.Handle("GET /console/{$}", s.auth(s.remotes))
	mux.Handle("GET /console/runs", s.auth(s.runs))
	mux.Handle("GET /console/instances", s.auth(s.instances))
	mux.Handle("POST /console/remotes", s.auth(s.addRemote))
	mux.Handle("POST /console/instances", s.auth(s.addInstance))
	mux.Handle("GET /console/instances/{name}", s.auth(s.instance))
	mux.Handle("POST /console/instances/{name}", s.auth(s.editInstance))
	mux.Handle("POST /console/instances/{name}/check", s.auth(s.checkInstance))
	mux.Handle("POST /console/instances/{name}/remove", s.auth(s.removeInstance))
	mux.Handle("GET /console/runs/{id}", s.auth(s.run))
	mux.Handle("GET /console/runs/{id}/live", s.auth(s.runLive))
	mux.Handle("GET /console/runs/{id}/differences", s.auth(s.differences))
	mux.Handle("POST /console/runs/{id}/cancel", s.auth(s.cancel))
	mux.HandleFunc("GET /console/static/live.js", liveScript)
	mux.Handle("GET /console/remotes/{name}", s.auth(s.remote))
	mux.Handle("GET /console/remotes/{name}/objects", s.auth(s.objects))
	mux.Handle("GET /console/remotes/{name}/conflicts", s.auth(s.conflicts))
	mux.Handle("POST /console/remotes/{name}/conflicts/{uid}/resolve", s.auth(s.resolve))
	mux.Handle("POST /console/remotes/{name}/options", s.auth(s.editRemote))
	mux.Handle("POST /console/remotes/{name}/{kind}", s.auth(s.start))
	return nil
}

// page is what every template gets besides its own data.
type page struct {
	Title   string
	Message string
	Refresh int
	// Live pages refresh their progress themselves (static/live.js); the
	// whole page refreshes only where scripts do not run.
	Live bool
	Data any
	// Status is the HTTP status (0: 200).
	Status int
}

func (s *Server) render(w http.ResponseWriter, name string, p page) {
	var buf bytes.Buffer
	// the page's data is flattened into the template's dot with the
	// layout's fields, so templates say .Remotes rather than .Data.Remotes
	dot := map[string]any{"Title": p.Title, "Message": p.Message, "Refresh": p.Refresh, "Live": p.Live, "Kinds": kinds,
		"SignOut": s.Token != "" && name != "login"}
	if m, ok := p.Data.(map[string]any); ok {
		for k, v := range m {
			dot[k] = v
		}
	}
	if err := s.pages[name].ExecuteTemplate(&buf, name+".html", dot); err != nil {
		s.Log.Error("console: render", "page", name, "error", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", csp)
	w.Header().Set("X-Frame-Options", "DENY")
	if p.Status != 0 {
		w.WriteHeader(p.Status)
	}
	_, _ = buf.WriteTo(w)
}

// failPage answers an error as a page: 404 for what does not exist.
func (s *Server) failPage(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	if errors.Is(err, store.ErrNotFound) {
		status = http.StatusNotFound
	}
	s.render(w, "remotes", page{Title: "error", Message: err.Error(), Status: status})
}

type remoteRow struct {
	Remote   store.Remote
	AutoSync string
	Last     *store.Run
	// the remote's health (issue #15): its last success and last trouble,
	// what needs a person, and which steps make sense now
	LastSuccess, LastTrouble  *store.Run
	Failed, Parked, Conflicts int
	Steps                     []store.RunKind
}

func (s *Server) remotes(w http.ResponseWriter, r *http.Request) {
	s.remotesPage(w, r, remoteForm{}, nil, 0)
}

// remotesPage shows the board and the form to define a remote (again,
// with errs beside their fields, after a refusal).
func (s *Server) remotesPage(w http.ResponseWriter, r *http.Request, form remoteForm, errs map[string]string, status int) {
	list, err := s.Store.Remotes(r.Context())
	if err != nil {
		s.failPage(w, err)
		return
	}
	runs, err := s.Store.Runs(r.Context(), "", 500)
	if err != nil {
		s.failPage(w, err)
		return
	}
	tallies, err := s.Store.StateTallies(r.Context())
	if err != nil {
		s.failPage(w, err)
		return
	}
	rows := make([]remoteRow, 0, len(list))
	for _, rm := range list {
		row := remoteRow{Remote: rm}
		fetched, imported := false, false
		for i := range runs {
			run := &runs[i]
			if run.Remote != rm.Name {
				continue
			}
			if row.Last == nil {
				row.Last = run
			}
			switch run.Status {
			case store.StatusSucceeded:
				if row.LastSuccess == nil {
					row.LastSuccess = run
				}
			case store.StatusFailed, store.StatusPartial:
				if row.LastTrouble == nil {
					row.LastTrouble = run
				}
			}
			ok := run.Status == store.StatusSucceeded || run.Status == store.StatusPartial
			fetched = fetched || ok && run.Kind == store.KindFetch
			imported = imported || ok && (run.Kind == store.KindImport || run.Kind == store.KindUpdate)
		}
		for _, t := range tallies {
			if t.Remote != rm.Name {
				continue
			}
			fetched = fetched || t.Objects > 0
			switch t.State {
			case store.ObjFailed, store.ObjStateMismatch:
				row.Failed += t.Objects
			case store.ObjWaiting:
				row.Parked += t.Objects
			case store.ObjConflict:
				row.Conflicts += t.Objects
			}
		}
		// a step only where it makes sense: nothing to import before a
		// fetch, nothing to update or verify before an import
		row.Steps = []store.RunKind{store.KindFetch}
		if fetched {
			row.Steps = append(row.Steps, store.KindImport)
		}
		if imported {
			row.Steps = append(row.Steps, store.KindUpdate, store.KindVerify)
		}
		if d := time.Duration(rm.Options.AutoSync); d > 0 {
			row.AutoSync = d.String()
		}
		rows = append(rows, row)
	}
	instances, err := s.Store.Instances(r.Context())
	if err != nil {
		s.failPage(w, err)
		return
	}
	s.render(w, "remotes", page{Title: "remotes", Message: r.URL.Query().Get("msg"), Status: status,
		Data: map[string]any{"Remotes": rows, "Instances": instances, "Form": form, "Errors": errs}})
}

func (s *Server) runs(w http.ResponseWriter, r *http.Request) {
	runs, err := s.Store.Runs(r.Context(), "", 100)
	if err != nil {
		s.failPage(w, err)
		return
	}
	s.render(w, "runs", page{Title: "runs", Data: map[string]any{"Runs": runs}})
}

type typeCounts struct {
	Type string
	C    store.Counts
}

func (s *Server) run(w http.ResponseWriter, r *http.Request) {
	run, ok := s.pathRun(w, r)
	if !ok {
		return
	}
	id := run.ID
	byType := make([]typeCounts, 0, len(run.ByType))
	for t, c := range run.ByType {
		byType = append(byType, typeCounts{t, c})
	}
	sort.Slice(byType, func(i, j int) bool { return byType[i].Type < byType[j].Type })
	// totals first; types with nothing to show folded into a count
	var shown []typeCounts
	var total store.Counts
	for _, tc := range byType {
		total = total.Add(tc.C)
		if tc.C != (store.Counts{}) {
			shown = append(shown, tc)
		}
	}
	data := map[string]any{"Run": run, "ByType": shown, "Total": total, "Folded": len(byType) - len(shown)}
	if run.StartedAt != nil {
		end := time.Now()
		if run.FinishedAt != nil {
			end = *run.FinishedAt
		}
		data["Duration"] = end.Sub(*run.StartedAt).Round(time.Second).String()
	}
	active := run.Status == store.StatusQueued || run.Status == store.StatusRunning
	if active {
		l, err := s.liveProgress(r.Context(), run)
		if err != nil {
			s.failPage(w, err)
			return
		}
		data["Live"] = l
	}
	if run.Kind == store.KindVerify {
		diffs, err := s.Store.Differences(r.Context(), id, 200)
		if err != nil {
			s.failPage(w, err)
			return
		}
		data["Differences"] = diffs
		left, err := s.Store.RunNotCompared(r.Context(), id)
		if err != nil {
			s.failPage(w, err)
			return
		}
		data["NotCompared"] = left
	}
	if report, _, ok, err := s.Store.SiteConfig(r.Context(), id); err != nil {
		s.failPage(w, err)
		return
	} else if ok {
		var pretty bytes.Buffer
		_ = json.Indent(&pretty, report, "", "  ")
		data["SiteConfig"] = pretty.String()
	}
	p := page{Title: string(run.Kind) + " " + run.Remote, Message: r.URL.Query().Get("msg"), Data: data}
	if active {
		p.Refresh, p.Live = 2, true
	}
	s.render(w, "run", p)
}

func (s *Server) objects(w http.ResponseWriter, r *http.Request) {
	rm, err := s.Store.Remote(r.Context(), r.PathValue("name"))
	if err != nil {
		s.failPage(w, err)
		return
	}
	q := r.URL.Query()
	f := store.ObjectFilter{State: store.ObjState(q.Get("state")), PortalType: q.Get("type"), Q: q.Get("q"), After: q.Get("cursor"), Limit: 200,
		IDChanged: q.Get("id_changed") == "true"}
	counts, err := s.Store.RunStateCounts(r.Context(), rm.ID, nil)
	if err != nil {
		s.failPage(w, err)
		return
	}
	types := make([]string, 0, len(counts))
	for pt := range counts {
		types = append(types, pt)
	}
	sort.Strings(types)
	rows, err := s.Store.ListObjects(r.Context(), rm.ID, f)
	if err != nil {
		s.failPage(w, err)
		return
	}
	next := ""
	if len(rows) == f.Limit {
		next = rows[len(rows)-1].Cursor()
	}
	s.render(w, "objects", page{Title: "objects of " + rm.Name, Data: map[string]any{"Remote": rm, "Objects": rows,
		"States": store.ListStates, "State": f.State, "Types": types, "Type": f.PortalType, "Q": f.Q, "IDChanged": f.IDChanged, "Next": next}})
}

func (s *Server) conflicts(w http.ResponseWriter, r *http.Request) {
	rm, err := s.Store.Remote(r.Context(), r.PathValue("name"))
	if err != nil {
		s.failPage(w, err)
		return
	}
	list, err := s.Store.Conflicts(r.Context(), rm.ID, false)
	if err != nil {
		s.failPage(w, err)
		return
	}
	s.render(w, "conflicts", page{Title: "conflicts of " + rm.Name, Message: r.URL.Query().Get("msg"),
		Data: map[string]any{"Remote": rm, "Conflicts": list}})
}

// start starts a step, as POST /api/v1/remotes/{name}/{kind} does, and
// shows its run; a remote with a run going says so.
func (s *Server) start(w http.ResponseWriter, r *http.Request) {
	name, kind := r.PathValue("name"), store.RunKind(r.PathValue("kind"))
	if !slices.Contains(kinds, kind) {
		http.NotFound(w, r)
		return
	}
	run, err := s.Coordinator.StartRun(r.Context(), name, kind)
	var active *store.ActiveRunError
	if errors.As(err, &active) {
		redirect(w, r, "/console/runs/"+active.Run.ID.String(), fmt.Sprintf("%s already has this %s run going", name, active.Run.Kind))
		return
	}
	if err != nil {
		s.failPage(w, err)
		return
	}
	s.Log.Info("console: run started", "remote", name, "kind", kind, "run_id", run.ID)
	redirect(w, r, "/console/runs/"+run.ID.String(), "")
}

// resolve settles a conflict the way the person chose.
func (s *Server) resolve(w http.ResponseWriter, r *http.Request) {
	name, uid, take := r.PathValue("name"), r.PathValue("uid"), r.FormValue("take")
	if take != "source" && take != "destination" {
		http.Error(w, `take must be "source" or "destination"`, http.StatusBadRequest)
		return
	}
	_, err := s.Coordinator.Resolve(r.Context(), name, uid, take)
	msg := "resolved: " + take + "'s version kept"
	if errors.Is(err, store.ErrStaleState) {
		msg = "that conflict was resolved meanwhile"
	} else if err != nil {
		s.failPage(w, err)
		return
	}
	redirect(w, r, "/console/remotes/"+name+"/conflicts", msg)
}

func redirect(w http.ResponseWriter, r *http.Request, to, msg string) {
	if msg != "" {
		to += "?msg=" + template.URLQueryEscaper(msg)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// fmtTime shows a time (or a *time.Time, or nothing) in UTC to the second.
func fmtTime(v any) string {
	switch t := v.(type) {
	case time.Time:
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	case *time.Time:
		if t == nil {
			return ""
		}
		return fmtTime(*t)
	}
	return ""
}
