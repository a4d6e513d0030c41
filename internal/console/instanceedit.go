package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/senaite-sync/senaite-sync/internal/api"
	"github.com/senaite-sync/senaite-sync/internal/apitype"
	"github.com/senaite-sync/senaite-sync/internal/remote"
)

// An instance edited from the console (issue #15): its address and
// accounts, shown as they are (never the passwords: one left empty keeps
// the stored one, but not for another address or account), checked
// against the lab before they are kept, as `instance edit` does — a lab
// that refuses them leaves the instance as it was.

// instancePage renders the edit form of an instance.
func (s *Server) instancePage(w http.ResponseWriter, r *http.Request, form instanceForm, errs map[string]string, status int, msg string) {
	s.render(w, "instance", page{Title: "instance " + form.Name, Message: msg, Status: status,
		Data: map[string]any{"Form": form, "Errors": errs}})
}

func (s *Server) instance(w http.ResponseWriter, r *http.Request) {
	in, err := s.Store.Instance(r.Context(), r.PathValue("name"))
	if err != nil {
		s.failPage(w, err)
		return
	}
	s.instancePage(w, r, instanceForm{Name: in.Name, URL: in.URL, Username: in.Username, VerifierUsername: in.VerifierUsername}, nil, 0, "")
}

// editInstance stores the form's settings once the lab accepts them.
func (s *Server) editInstance(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	prev, err := s.Store.Instance(r.Context(), name)
	if err != nil {
		s.failPage(w, err)
		return
	}
	form := instanceForm{Name: name, URL: strings.TrimSpace(r.FormValue("url")), Username: r.FormValue("username"),
		VerifierUsername: r.FormValue("verifier_username"), NoCheck: r.FormValue("no_check") == "on"}
	in := apitype.InstanceIn{URL: form.URL, Username: form.Username, Password: r.FormValue("password"),
		VerifierUsername: form.VerifierUsername, VerifierPassword: r.FormValue("verifier_password")}
	out, err := api.UpdateInstance(r.Context(), s.Store, s.Coordinator.Key, name, in)
	var fe *remote.FieldError
	switch {
	case errors.As(err, &fe):
		s.instancePage(w, r, form, map[string]string{fe.Field: fe.Message}, http.StatusBadRequest, "")
		return
	case err != nil:
		s.failPage(w, err)
		return
	}
	s.Coordinator.ForgetInstance(out.ID)
	if !form.NoCheck {
		check, err := s.Coordinator.CheckInstance(r.Context(), name)
		if err == nil && check.Error != "" {
			err = errors.New(check.Error)
		}
		if err != nil {
			// the lab refused: the instance stays as it was
			if _, rerr := s.Store.UpdateInstance(r.Context(), prev); rerr != nil {
				s.failPage(w, rerr)
				return
			}
			s.Coordinator.ForgetInstance(prev.ID)
			s.instancePage(w, r, form, map[string]string{"url": "the lab refused: " + err.Error()}, http.StatusBadRequest,
				"Not saved: check the URL and the credentials, or tick “save without checking”.")
			return
		}
	}
	http.Redirect(w, r, "/console/instances?msg="+url.QueryEscape("instance "+name+" saved"), http.StatusSeeOther)
}
