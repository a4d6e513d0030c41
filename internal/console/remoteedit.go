package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// The remote's options edited from its page (issue #15): the options a
// person sets most, shown as they are; the others stay as they were, as
// `remote edit` merges its flags into them. A refused value is shown beside
// its field, with what was typed kept. Name and endpoints stay: what was
// imported hangs on them (another pair is another remote).

// formOf is a remote's current options as the form shows them.
func formOf(rm store.Remote) remoteForm {
	o := rm.Options
	f := remoteForm{Name: rm.Name, Source: rm.Source, Destination: rm.Destination, RemotePrefix: o.RemotePrefix,
		PrefixableTypes: strings.Join(o.PrefixableTypes, ", "), SkipTypes: strings.Join(o.SkipTypes, ", ")}
	if o.AutoSync != 0 {
		f.AutoSync = time.Duration(o.AutoSync).String()
	}
	if o.PageSize != 0 {
		f.PageSize = fmt.Sprint(o.PageSize)
	}
	if o.MaxConcurrency != 0 {
		f.MaxConcurrency = fmt.Sprint(o.MaxConcurrency)
	}
	if o.MaxRequestsPerSecond != 0 {
		f.MaxRequestsPerSecond = fmt.Sprint(o.MaxRequestsPerSecond)
	}
	return f
}

// mergeInto sets the form's options on cur, the others kept; an empty
// field is the option's default.
func (f remoteForm) mergeInto(cur remote.Options) (remote.Options, error) {
	given, err := f.options()
	if err != nil {
		return cur, err
	}
	cur.RemotePrefix, cur.PrefixableTypes, cur.AutoSync = given.RemotePrefix, given.PrefixableTypes, given.AutoSync
	cur.PageSize, cur.MaxConcurrency, cur.MaxRequestsPerSecond = given.PageSize, given.MaxConcurrency, given.MaxRequestsPerSecond
	cur.SkipTypes = given.SkipTypes
	cur = cur.Normalize()
	return cur, cur.Validate(nil)
}

// remotePage renders a remote with its runs and the form of its options.
func (s *Server) remotePage(w http.ResponseWriter, r *http.Request, rm store.Remote, form remoteForm, errs map[string]string, status int) {
	runs, err := s.Store.Runs(r.Context(), rm.Name, 50)
	if err != nil {
		s.failPage(w, err)
		return
	}
	opts, _ := json.MarshalIndent(rm.Options, "", "  ")
	s.render(w, "remote", page{Title: rm.Name, Message: r.URL.Query().Get("msg"), Status: status,
		Data: map[string]any{"Remote": rm, "Runs": runs, "Options": string(opts), "Form": form, "Errors": errs}})
}

func (s *Server) remote(w http.ResponseWriter, r *http.Request) {
	rm, err := s.Store.Remote(r.Context(), r.PathValue("name"))
	if err != nil {
		s.failPage(w, err)
		return
	}
	s.remotePage(w, r, rm, formOf(rm), nil, 0)
}

// editRemote stores the options of the form.
func (s *Server) editRemote(w http.ResponseWriter, r *http.Request) {
	rm, err := s.Store.Remote(r.Context(), r.PathValue("name"))
	if err != nil {
		s.failPage(w, err)
		return
	}
	f := remoteForm{Name: rm.Name, Source: rm.Source, Destination: rm.Destination, RemotePrefix: r.FormValue("remote_prefix"),
		PrefixableTypes: r.FormValue("prefixable_types"), AutoSync: strings.TrimSpace(r.FormValue("auto_sync")),
		PageSize: strings.TrimSpace(r.FormValue("page_size")), MaxConcurrency: strings.TrimSpace(r.FormValue("max_concurrency")),
		MaxRequestsPerSecond: strings.TrimSpace(r.FormValue("max_requests_per_second")), SkipTypes: r.FormValue("skip_types")}
	opts, err := f.mergeInto(rm.Options)
	if err == nil {
		_, err = s.Store.UpdateRemoteOptions(r.Context(), rm.Name, opts)
	}
	var fe *remote.FieldError
	switch {
	case errors.As(err, &fe):
		s.remotePage(w, r, rm, f, map[string]string{fe.Field: fe.Message}, http.StatusBadRequest)
		return
	case err != nil:
		s.failPage(w, err)
		return
	}
	s.Coordinator.RemotesChanged()
	http.Redirect(w, r, "/console/remotes/"+url.PathEscape(rm.Name)+"?msg="+url.QueryEscape("options of "+rm.Name+" saved"), http.StatusSeeOther)
}
