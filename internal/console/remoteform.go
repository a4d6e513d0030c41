package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/senaite-sync/senaite-sync/internal/api"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// The remote form (issue #15): a remote defined from the console with the
// options a person sets most — the rest through `remote edit` or the API —
// the API's field-named refusal shown beside its field.

// remoteForm is what the form shows again after an error.
type remoteForm struct {
	Name, Source, Destination, RemotePrefix, PrefixableTypes, AutoSync, PageSize, MaxConcurrency, MaxRequestsPerSecond, SkipTypes string
}

// options reads the form's options; a value that is not a number or an
// interval is an error naming its field.
func (f remoteForm) options() (remote.Options, error) {
	var o remote.Options
	o.RemotePrefix = f.RemotePrefix
	if f.AutoSync != "" {
		iv, err := remote.ParseInterval(f.AutoSync)
		if err != nil {
			return o, &remote.FieldError{Field: "auto_sync", Message: err.Error()}
		}
		o.AutoSync = iv
	}
	for _, n := range []struct {
		field, value string
		to           *int
	}{{"page_size", f.PageSize, &o.PageSize}, {"max_concurrency", f.MaxConcurrency, &o.MaxConcurrency}} {
		if n.value == "" {
			continue
		}
		v, err := strconv.Atoi(n.value)
		if err != nil {
			return o, &remote.FieldError{Field: n.field, Message: "a whole number"}
		}
		*n.to = v
	}
	if f.MaxRequestsPerSecond != "" {
		v, err := strconv.ParseFloat(f.MaxRequestsPerSecond, 64)
		if err != nil {
			return o, &remote.FieldError{Field: "max_requests_per_second", Message: "a number"}
		}
		o.MaxRequestsPerSecond = v
	}
	o.SkipTypes, o.PrefixableTypes = typeList(f.SkipTypes), typeList(f.PrefixableTypes)
	return o, nil
}

// typeList reads portal types given comma-separated.
func typeList(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// addRemote defines the remote of the form.
func (s *Server) addRemote(w http.ResponseWriter, r *http.Request) {
	f := remoteForm{Name: strings.TrimSpace(r.FormValue("name")), Source: r.FormValue("source"), Destination: r.FormValue("destination"),
		RemotePrefix: r.FormValue("remote_prefix"), PrefixableTypes: r.FormValue("prefixable_types"), AutoSync: strings.TrimSpace(r.FormValue("auto_sync")),
		PageSize: strings.TrimSpace(r.FormValue("page_size")), MaxConcurrency: strings.TrimSpace(r.FormValue("max_concurrency")),
		MaxRequestsPerSecond: strings.TrimSpace(r.FormValue("max_requests_per_second")), SkipTypes: r.FormValue("skip_types")}
	opts, err := f.options()
	if err == nil {
		_, err = api.CreateRemote(r.Context(), s.Store, f.Name, f.Source, f.Destination, opts)
	}
	var fe *remote.FieldError
	switch {
	case errors.As(err, &fe):
		s.remotesPage(w, r, f, map[string]string{fe.Field: fe.Message}, http.StatusBadRequest)
		return
	case errors.Is(err, store.ErrExists):
		s.remotesPage(w, r, f, map[string]string{"name": "a remote of that name exists"}, http.StatusConflict)
		return
	case err != nil:
		s.failPage(w, err)
		return
	}
	s.Coordinator.RemotesChanged()
	http.Redirect(w, r, "/console/?msg="+url.QueryEscape("remote "+f.Name+" defined: fetch it first"), http.StatusSeeOther)
}
