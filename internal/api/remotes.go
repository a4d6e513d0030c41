package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/senaite-sync/senaite-sync/internal/apitype"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// The remotes: a source, a destination and the options of their sync.

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

func remoteJSON(rm store.Remote) apitype.Remote {
	return apitype.Remote{Name: rm.Name, Source: rm.Source, Destination: rm.Destination, Options: rm.Options,
		Watermark: rm.Watermark, NextSyncAt: rm.NextTickAt, SyncPending: rm.SyncPending,
		CreatedAt: rm.CreatedAt, UpdatedAt: rm.UpdatedAt}
}

func (s *Server) createRemote(w http.ResponseWriter, r *http.Request) {
	var in remoteIn
	if err := decode(r, &in); err != nil {
		fail(w, err)
		return
	}
	opts, err := in.options()
	if err != nil {
		fail(w, err)
		return
	}
	rm, err := CreateRemote(r.Context(), s.Store, in.Name, in.Source, in.Destination, opts)
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
	out := apitype.RemoteList{Remotes: []apitype.Remote{}}
	for _, rm := range list {
		out.Remotes = append(out.Remotes, remoteJSON(rm))
	}
	writeJSON(w, http.StatusOK, out)
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

// CreateRemote validates a new remote — its name, two different
// instances that exist, its options (a *remote.FieldError names the field
// at fault) — and stores it: the API's POST and the console's form alike.
func CreateRemote(ctx context.Context, st *store.Store, name, source, destination string, opts remote.Options) (store.Remote, error) {
	if err := remote.ValidateName("name", name); err != nil {
		return store.Remote{}, err
	}
	if source == "" || destination == "" {
		return store.Remote{}, &remote.FieldError{Field: map[bool]string{true: "source", false: "destination"}[source == ""], Message: "required"}
	}
	if source == destination {
		return store.Remote{}, &remote.FieldError{Field: "destination", Message: "must differ from source"}
	}
	for _, end := range [][2]string{{"source", source}, {"destination", destination}} {
		if _, err := st.Instance(ctx, end[1]); errors.Is(err, store.ErrNotFound) {
			return store.Remote{}, &remote.FieldError{Field: end[0], Message: fmt.Sprintf("no instance named %q (instance list)", end[1])}
		} else if err != nil {
			return store.Remote{}, err
		}
	}
	opts = opts.Normalize()
	if err := opts.Validate(nil); err != nil {
		return store.Remote{}, err
	}
	return st.CreateRemote(ctx, name, source, destination, opts)
}
