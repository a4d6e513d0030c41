package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/senaite-sync/senaite-sync/internal/apitype"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/secret"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// The instances: the labs senaite-sync talks to, their passwords sealed
// and never shown again.

// instanceBody is an instance as a client gives it (apitype.InstanceIn:
// passwords in clear, sealed before they are stored), with the read-only
// fields a GET answers accepted and ignored, so that an answer can be PUT
// back.
type instanceBody struct {
	apitype.InstanceIn
	readOnly
	HasCACert *bool           `json:"has_ca_cert"`
	Flavor    json.RawMessage `json:"flavor"`
	Version   json.RawMessage `json:"version"`
}

// readOnly are fields a GET answers and the server sets: accepted and
// ignored, so that what a GET returned can be PUT back.
type readOnly struct {
	CreatedAt json.RawMessage `json:"created_at"`
	UpdatedAt json.RawMessage `json:"updated_at"`
}

// validateInstance checks an instance's settings; a new instance needs
// its password, an edited one keeps the stored passwords it is not given
// (storedVerifier: it has a verifier password already).
func validateInstance(in apitype.InstanceIn, create, storedVerifier bool) error {
	if err := checkURL("url", in.URL); err != nil {
		return err
	}
	if in.Username == "" {
		return &remote.FieldError{Field: "username", Message: "required"}
	}
	for _, f := range []struct {
		field, value string
		max          int
	}{{"username", in.Username, maxUsername}, {"verifier_username", in.VerifierUsername, maxUsername},
		{"password", in.Password, maxPassword}, {"verifier_password", in.VerifierPassword, maxPassword}} {
		if len(f.value) > f.max {
			return &remote.FieldError{Field: f.field, Message: fmt.Sprintf("too long (at most %d bytes)", f.max)}
		}
		if strings.ContainsAny(f.value, "\r\n") || strings.HasPrefix(f.field, "username") && strings.Contains(f.value, ":") {
			return &remote.FieldError{Field: f.field, Message: "must not contain line breaks, nor a user name a colon"}
		}
	}
	if err := checkCACert(in.CACert); err != nil {
		return err
	}
	if create && in.Password == "" {
		return &remote.FieldError{Field: "password", Message: "required"}
	}
	if in.VerifierUsername == "" && in.VerifierPassword != "" ||
		in.VerifierUsername != "" && in.VerifierPassword == "" && !storedVerifier {
		return &remote.FieldError{Field: "verifier_password", Message: "verifier_username and verifier_password go together"}
	}
	return nil
}

// sealInstance is what the store keeps of an instance: passwords sealed,
// and nil where none was given (an edit keeps the stored one).
func sealInstance(in apitype.InstanceIn, key *secret.Key) (store.Instance, error) {
	out := store.Instance{Name: in.Name, URL: strings.TrimRight(in.URL, "/"), Username: in.Username, CACert: in.CACert,
		VerifierUsername: in.VerifierUsername}
	var err error
	if in.Password != "" {
		if out.Password, err = key.Seal(in.Password); err != nil {
			return store.Instance{}, err
		}
	}
	if in.VerifierPassword != "" {
		if out.VerifierPassword, err = key.Seal(in.VerifierPassword); err != nil {
			return store.Instance{}, err
		}
	}
	return out, nil
}

// instanceJSON never carries a password: secrets are write-only.
func instanceJSON(in store.Instance) apitype.Instance {
	return apitype.Instance{Name: in.Name, URL: in.URL, Username: in.Username, HasCACert: in.CACert != "",
		VerifierUsername: in.VerifierUsername, Flavor: in.Flavor, Version: in.Version,
		CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt}
}

func (s *Server) createInstance(w http.ResponseWriter, r *http.Request) {
	var in instanceBody
	if err := decode(r, &in); err != nil {
		fail(w, err)
		return
	}
	out, err := CreateInstance(r.Context(), s.Store, s.Key, in.InstanceIn)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, instanceJSON(out))
}

// CreateInstance validates a new instance (a *remote.FieldError names the
// field at fault), seals its passwords and stores it: the API's POST and
// the console's form alike.
func CreateInstance(ctx context.Context, st *store.Store, key *secret.Key, in apitype.InstanceIn) (store.Instance, error) {
	if err := remote.ValidateName("name", in.Name); err != nil {
		return store.Instance{}, err
	}
	if err := validateInstance(in, true, false); err != nil {
		return store.Instance{}, err
	}
	inst, err := sealInstance(in, key)
	if err != nil {
		return store.Instance{}, err
	}
	return st.CreateInstance(ctx, inst)
}

// updateInstance replaces an instance's settings (PUT: url and username
// required); a password left out keeps the stored one, so that nobody
// has to know it to move a lab to another address. The name stays.
func (s *Server) updateInstance(w http.ResponseWriter, r *http.Request) {
	var in instanceBody
	if err := decode(r, &in); err != nil {
		fail(w, err)
		return
	}
	out, err := UpdateInstance(r.Context(), s.Store, s.Key, r.PathValue("name"), in.InstanceIn)
	if err != nil {
		fail(w, err)
		return
	}
	s.Coordinator.ForgetInstance(out.ID)
	writeJSON(w, http.StatusOK, instanceJSON(out))
}

// UpdateInstance validates an instance's new settings (a
// *remote.FieldError names the field at fault) and stores them: the API's
// PUT and the console's form alike. A password left out keeps the stored
// one, but never for another address or account.
func UpdateInstance(ctx context.Context, st *store.Store, key *secret.Key, name string, in apitype.InstanceIn) (store.Instance, error) {
	if in.Name != "" && in.Name != name {
		return store.Instance{}, &remote.FieldError{Field: "name", Message: "an instance keeps its name; add another one instead"}
	}
	cur, err := st.Instance(ctx, name)
	if err != nil {
		return store.Instance{}, err
	}
	if err := validateInstance(in, false, len(cur.VerifierPassword) > 0); err != nil {
		return store.Instance{}, err
	}
	// the stored passwords go only where they were given for: a new
	// address or account needs them again
	moved := strings.TrimRight(in.URL, "/") != cur.URL
	if in.Password == "" && (moved || in.Username != cur.Username) {
		return store.Instance{}, &remote.FieldError{Field: "password", Message: "required when url or username changes: the stored one is never sent to another address or account"}
	}
	if in.VerifierPassword == "" && in.VerifierUsername != "" && (moved || in.VerifierUsername != cur.VerifierUsername) {
		return store.Instance{}, &remote.FieldError{Field: "verifier_password", Message: "required when url or verifier_username changes"}
	}
	in.Name = name
	up, err := sealInstance(in, key)
	if err != nil {
		return store.Instance{}, err
	}
	return st.UpdateInstance(ctx, up)
}

func (s *Server) listInstances(w http.ResponseWriter, r *http.Request) {
	list, err := s.Store.Instances(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	out := apitype.InstanceList{Instances: []apitype.Instance{}}
	for _, in := range list {
		out.Instances = append(out.Instances, instanceJSON(in))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getInstance(w http.ResponseWriter, r *http.Request) {
	in, err := s.Store.Instance(r.Context(), r.PathValue("name"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, instanceJSON(in))
}

func (s *Server) deleteInstance(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.DeleteInstance(r.Context(), r.PathValue("name")); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// checkInstance reports whether a lab answers as senaite.jsonapi and takes
// the stored credentials; a lab that does not is a 200 with the reason, the
// check itself having worked.
func (s *Server) checkInstance(w http.ResponseWriter, r *http.Request) {
	c, err := s.Coordinator.CheckInstance(r.Context(), r.PathValue("name"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, apitype.CheckAnswer{Check: apitype.InstanceCheck(c)})
}
