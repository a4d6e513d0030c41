package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/senaite-sync/senaite-sync/internal/api"
	"github.com/senaite-sync/senaite-sync/internal/apitype"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// The instances page (issue #15): the labs senaite-sync talks to, a form
// to add one — checked against the lab before it is kept, as `instance
// add` does, the API's field-named errors beside their field — and for
// each a check that shows the lab's answer and a remove button. It was a
// 404.

// instanceForm is what the add form shows again after an error; never the
// passwords.
type instanceForm struct {
	Name, URL, Username, VerifierUsername string
	NoCheck                               bool
}

func (s *Server) instancesPage(w http.ResponseWriter, r *http.Request, form instanceForm, errs map[string]string, status int, msg string) {
	list, err := s.Store.Instances(r.Context())
	if err != nil {
		s.failPage(w, err)
		return
	}
	if msg == "" {
		msg = r.URL.Query().Get("msg")
	}
	s.render(w, "instances", page{Title: "instances", Message: msg, Status: status,
		Data: map[string]any{"Instances": list, "Form": form, "Errors": errs}})
}

func (s *Server) instances(w http.ResponseWriter, r *http.Request) {
	s.instancesPage(w, r, instanceForm{}, nil, 0, "")
}

// addInstance registers the lab of the form; a field the API refuses is
// shown beside its field, a lab that refuses the credentials is not kept.
func (s *Server) addInstance(w http.ResponseWriter, r *http.Request) {
	form := instanceForm{Name: strings.TrimSpace(r.FormValue("name")), URL: strings.TrimSpace(r.FormValue("url")),
		Username: r.FormValue("username"), VerifierUsername: r.FormValue("verifier_username"), NoCheck: r.FormValue("no_check") == "on"}
	in := apitype.InstanceIn{Name: form.Name, URL: form.URL, Username: form.Username, Password: r.FormValue("password"),
		VerifierUsername: form.VerifierUsername, VerifierPassword: r.FormValue("verifier_password")}
	_, err := api.CreateInstance(r.Context(), s.Store, s.Coordinator.Key, in)
	var fe *remote.FieldError
	switch {
	case errors.As(err, &fe):
		s.instancesPage(w, r, form, map[string]string{fe.Field: fe.Message}, http.StatusBadRequest, "")
		return
	case errors.Is(err, store.ErrExists):
		s.instancesPage(w, r, form, map[string]string{"name": "an instance of that name exists"}, http.StatusConflict, "")
		return
	case err != nil:
		s.failPage(w, err)
		return
	}
	if !form.NoCheck {
		check, err := s.Coordinator.CheckInstance(r.Context(), form.Name)
		if err == nil && check.Error != "" {
			err = errors.New(check.Error)
		}
		if err != nil {
			if derr := s.Store.DeleteInstance(r.Context(), form.Name); derr != nil {
				s.failPage(w, derr)
				return
			}
			s.instancesPage(w, r, form, map[string]string{"url": "the lab refused: " + err.Error()}, http.StatusBadRequest,
				"Not registered: check the URL and the credentials, or tick “register without checking”.")
			return
		}
	}
	http.Redirect(w, r, "/console/instances?msg="+url.QueryEscape("instance "+form.Name+" registered"), http.StatusSeeOther)
}

// checkInstance asks the lab and shows its answer.
func (s *Server) checkInstance(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	check, err := s.Coordinator.CheckInstance(r.Context(), name)
	if err != nil {
		s.failPage(w, err)
		return
	}
	msg := fmt.Sprintf("%s answers as %s %s; the credentials work", name, check.Flavor, check.Version)
	if check.Error != "" {
		msg = fmt.Sprintf("%s refused: %s", name, check.Error)
	}
	http.Redirect(w, r, "/console/instances?msg="+url.QueryEscape(msg), http.StatusSeeOther)
}

// removeInstance forgets a lab no remote uses.
func (s *Server) removeInstance(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	msg := "instance " + name + " removed"
	if err := s.Store.DeleteInstance(r.Context(), name); err != nil {
		if !errors.Is(err, store.ErrInUse) {
			s.failPage(w, err)
			return
		}
		msg = "instance " + name + " is used by a remote: remove the remote first"
	}
	http.Redirect(w, r, "/console/instances?msg="+url.QueryEscape(msg), http.StatusSeeOther)
}
