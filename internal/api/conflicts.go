package api

import (
	"errors"
	"net/http"

	"github.com/senaite-sync/senaite-sync/internal/apitype"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// listConflicts answers a remote's open conflicts (?all=1: resolved ones
// too), each with both modification times and the differing fields.
func (s *Server) listConflicts(w http.ResponseWriter, r *http.Request) {
	rm, err := s.Store.Remote(r.Context(), r.PathValue("name"))
	if err != nil {
		fail(w, err)
		return
	}
	list, err := s.Store.Conflicts(r.Context(), rm.ID, r.URL.Query().Get("all") != "")
	if err != nil {
		fail(w, err)
		return
	}
	out := apitype.ConflictList{Conflicts: make([]apitype.Conflict, 0, len(list))}
	for _, c := range list {
		out.Conflicts = append(out.Conflicts, conflictJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
}

// resolveConflict takes one side of a conflict: {"take": "source"} writes
// the source's version to the destination, {"take": "destination"} keeps
// the destination's.
func (s *Server) resolveConflict(w http.ResponseWriter, r *http.Request) {
	var body apitype.Resolution
	if err := decode(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error(), "")
		return
	}
	if body.Take != "source" && body.Take != "destination" {
		writeError(w, http.StatusBadRequest, "invalid", `take must be "source" or "destination"`, "take")
		return
	}
	c, err := s.Coordinator.Resolve(r.Context(), r.PathValue("name"), r.PathValue("uid"), body.Take)
	if errors.Is(err, store.ErrStaleState) {
		writeError(w, http.StatusConflict, "resolved", "the conflict was resolved meanwhile", "uid")
		return
	}
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, apitype.ConflictAnswer{Conflict: conflictJSON(c)})
}

func conflictJSON(c store.Conflict) apitype.Conflict {
	fields := make([]apitype.FieldConflict, 0, len(c.Fields))
	for _, f := range c.Fields {
		fields = append(fields, apitype.FieldConflict(f))
	}
	return apitype.Conflict{SourceUID: c.SourceUID, PortalType: c.PortalType, DestUID: c.DestUID, SourceModified: c.SourceModified,
		DestModified: c.DestModified, Fields: fields, Label: c.Label, CreatedAt: c.CreatedAt, ResolvedAt: c.ResolvedAt,
		Resolution: c.Resolution}
}
