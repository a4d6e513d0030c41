package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/senaite-sync/senaite-sync/internal/apitype"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// listObjects pages through a remote's objects: where each stands and why.
func (s *Server) listObjects(w http.ResponseWriter, r *http.Request) {
	rm, err := s.Store.Remote(r.Context(), r.PathValue("name"))
	if err != nil {
		fail(w, err)
		return
	}
	q := r.URL.Query()
	f := store.ObjectFilter{State: store.ObjState(q.Get("state")), PortalType: q.Get("portal_type"), Q: q.Get("q"),
		After: q.Get("cursor"), IDChanged: q.Get("id_changed") == "true"}
	if f.State != "" && !f.State.Valid() {
		writeError(w, http.StatusBadRequest, "invalid", "state must be one of "+joinStates(), "state")
		return
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "invalid", "limit must be a number from 1 to 1000", "limit")
			return
		}
		f.Limit = n
	}
	rows, err := s.Store.ListObjects(r.Context(), rm.ID, f)
	if errors.Is(err, store.ErrBadCursor) {
		writeError(w, http.StatusBadRequest, "invalid", "cursor must be a next_cursor this listing gave", "cursor")
		return
	}
	if err != nil {
		fail(w, err)
		return
	}
	out := apitype.ObjectsPage{Objects: make([]apitype.Object, 0, len(rows))}
	for _, o := range rows {
		out.Objects = append(out.Objects, apitype.Object{SourceUID: o.SourceUID, PortalType: o.PortalType, SourcePath: o.SourcePath,
			Label: o.Label, SourceID: o.SourceID, DestID: o.DestID, ReviewState: o.ReviewState, State: string(o.State),
			Reason: o.Reason, Wait: string(o.Wait), WaitingFor: o.WaitingFor, DestUID: o.DestUID, UpdatedAt: o.UpdatedAt})
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	if len(rows) == f.Limit {
		next := rows[len(rows)-1].Cursor()
		out.NextCursor = &next
	}
	writeJSON(w, http.StatusOK, out)
}

func joinStates() string {
	s := ""
	for i, st := range store.ListStates {
		if i > 0 {
			s += ", "
		}
		s += string(st)
	}
	return s
}
