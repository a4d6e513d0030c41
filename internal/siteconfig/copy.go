package siteconfig

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// Options say what a remote copies.
type Options struct{ Users, Registry, Settings bool }

// Any tells whether there is anything to copy.
func (o Options) Any() bool { return o.Users || o.Registry || o.Settings }

// Report is what a copy did and what it could not do; with no
// plone.restapi at the destination, its not-written parts are the export
// to apply by hand.
type Report struct {
	PloneREST bool          `json:"plone_rest"`
	Users     *UsersReport  `json:"users,omitempty"`
	Registry  *ValuesReport `json:"registry,omitempty"`
	Settings  *ValuesReport `json:"settings,omitempty"`
}

// UsersReport lists what import_users did with each account.
type UsersReport struct {
	// Created accounts got a random password nobody knows: each is in
	// PasswordReset, to be reset by its owner or an administrator.
	Created       []string   `json:"created"`
	PasswordReset []string   `json:"password_reset"`
	GroupsCreated []string   `json:"groups_created,omitempty"`
	Existing      []string   `json:"existing"`
	Differing     []UserDiff `json:"differing,omitempty"`
	NotCreated    []Account  `json:"not_created,omitempty"`
	Failed        []Failure  `json:"failed,omitempty"`
}

// ValuesReport lists what import_registry or import_settings did.
type ValuesReport struct {
	Written    []Change  `json:"written"`
	Equal      int       `json:"equal"`
	NotWritten []Change  `json:"not_written,omitempty"`
	Failed     []Failure `json:"failed,omitempty"`
}

// Failure is one thing the destination refused, with its message.
type Failure struct {
	Name  string `json:"name"`
	Error string `json:"error"`
}

// Problems counts what a person must look at: accounts not created or
// differing, values not written, refusals.
func (r Report) Problems() int {
	n := 0
	if u := r.Users; u != nil {
		n += len(u.Differing) + len(u.NotCreated) + len(u.Failed)
	}
	for _, v := range []*ValuesReport{r.Registry, r.Settings} {
		if v != nil {
			n += len(v.NotWritten) + len(v.Failed)
		}
	}
	return n
}

// Copy brings the destination's users, registry records and settings in
// line with the source's, as the options ask. Accounts are created with
// random passwords (never the username) and the source's roles and
// groups; existing accounts are left as they are and their differences
// reported. The error is for what stops the copy as a whole (a lab that
// cannot be read); what the destination refuses is in the report.
func Copy(ctx context.Context, src, dst *senaite.Client, o Options) (Report, error) {
	rep := Report{PloneREST: true}
	if _, err := dst.PloneGroups(ctx); errors.Is(err, senaite.ErrNoPloneREST) {
		rep.PloneREST = false
	} else if err != nil {
		return rep, fmt.Errorf("siteconfig: destination plone.restapi: %w", err)
	}
	if o.Users {
		u, err := copyUsers(ctx, src, dst, rep.PloneREST)
		if err != nil {
			return rep, err
		}
		rep.Users = u
	}
	if o.Registry {
		v, err := copyValues(ctx, "registry", registry, src, dst, rep.PloneREST,
			func(c Change) (string, string) { return "", c.Name },
			func(_ string, data map[string]any) error { return dst.PatchPloneRegistry(ctx, data) })
		if err != nil {
			return rep, err
		}
		rep.Registry = v
	}
	if o.Settings {
		v, err := copyValues(ctx, "settings", settings, src, dst, rep.PloneREST,
			func(c Change) (string, string) { key, field, _ := strings.Cut(c.Name, "/"); return key, field },
			func(key string, data map[string]any) error {
				return dst.PatchControlPanel(ctx, senaite.ControlPanelID(key), data) // one panel a patch
			})
		if err != nil {
			return rep, err
		}
		rep.Settings = v
	}
	return rep, nil
}

func accounts(users []senaite.User) []Account {
	out := make([]Account, 0, len(users))
	for _, u := range users {
		out = append(out, Account{Username: u.Username, Fullname: u.Fullname, Email: u.Email, Roles: u.Roles, Groups: u.Groups})
	}
	return out
}

func copyUsers(ctx context.Context, src, dst *senaite.Client, rest bool) (*UsersReport, error) {
	su, err := src.Users(ctx)
	if err != nil {
		return nil, fmt.Errorf("siteconfig: source users: %w", err)
	}
	du, err := dst.Users(ctx)
	if err != nil {
		return nil, fmt.Errorf("siteconfig: destination users: %w", err)
	}
	create, differ, existing := DiffUsers(accounts(su), accounts(du))
	rep := &UsersReport{Created: []string{}, PasswordReset: []string{}, Existing: existing, Differing: differ}
	if !rest {
		rep.NotCreated = create
		return rep, nil
	}
	groups, err := dst.PloneGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("siteconfig: destination groups: %w", err)
	}
	have := map[string]bool{}
	for _, g := range groups {
		have[g.ID] = true
	}
	for _, a := range create {
		for _, g := range a.Groups {
			if have[g] {
				continue
			}
			if err := dst.CreatePloneGroup(ctx, g, g); err != nil {
				rep.Failed = append(rep.Failed, Failure{Name: "group " + g, Error: err.Error()})
				continue
			}
			have[g] = true
			rep.GroupsCreated = append(rep.GroupsCreated, g)
		}
		if a.Email == "" {
			rep.NotCreated = append(rep.NotCreated, a)
			rep.Failed = append(rep.Failed, Failure{Name: a.Username, Error: "no email address at the source, which Plone requires"})
			continue
		}
		_, err := dst.CreatePloneUser(ctx, senaite.PloneUserCreate{Username: a.Username, Email: a.Email,
			Password: randomPassword(), Fullname: a.Fullname, Roles: a.Roles, Groups: a.Groups})
		if err != nil {
			rep.NotCreated = append(rep.NotCreated, a)
			rep.Failed = append(rep.Failed, Failure{Name: a.Username, Error: err.Error()})
			continue
		}
		rep.Created = append(rep.Created, a.Username)
		rep.PasswordReset = append(rep.PasswordReset, a.Username)
	}
	return rep, nil
}

// randomPassword is 24 random bytes, never derived from anything known:
// the owner resets it.
func randomPassword() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// registry reads the SENAITE and Bika records of a lab (asked by keyword:
// a whole-registry read breaks on records senaite.jsonapi cannot show).
func registry(ctx context.Context, cl *senaite.Client) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	for _, kw := range []string{"senaite", "bika"} {
		recs, err := cl.Registry(ctx, kw)
		if err != nil {
			return nil, err
		}
		for k, v := range recs {
			if RegistryRecord(k) {
				out[k] = v
			}
		}
	}
	return out, nil
}

// settings flattens a lab's /settings into "key/field" values.
func settings(ctx context.Context, cl *senaite.Client) (map[string]json.RawMessage, error) {
	list, err := cl.Settings(ctx, "")
	if err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	for _, s := range list {
		for _, fields := range s.Schemas {
			for f, v := range fields {
				out[s.Key+"/"+f] = v
			}
		}
	}
	return out, nil
}

// copyValues reads named values (registry records, settings) at both
// ends, and applies the source's where they differ.
func copyValues(ctx context.Context, what string, read func(context.Context, *senaite.Client) (map[string]json.RawMessage, error),
	src, dst *senaite.Client, rest bool, group func(Change) (grp, field string),
	patch func(grp string, data map[string]any) error) (*ValuesReport, error) {
	s, err := read(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("siteconfig: source %s: %w", what, err)
	}
	d, err := read(ctx, dst)
	if err != nil {
		return nil, fmt.Errorf("siteconfig: destination %s: %w", what, err)
	}
	changes, equal := DiffValues(s, d)
	return apply(changes, equal, rest, group, patch), nil
}

// apply writes the changes the destination can take, one patch per group
// (the registry is one; settings go by control panel), and reports each
// change written, refused (with the message), or not written (a record
// the destination lacks, or no plone.restapi to write with).
func apply(changes []Change, equal int, rest bool, group func(Change) (grp, field string),
	patch func(grp string, data map[string]any) error) *ValuesReport {
	rep := &ValuesReport{Written: []Change{}, Equal: equal}
	byGroup := map[string][]Change{}
	var order []string
	for _, c := range changes {
		if c.Missing || !rest {
			rep.NotWritten = append(rep.NotWritten, mask(c))
			continue
		}
		g, _ := group(c)
		if _, seen := byGroup[g]; !seen {
			order = append(order, g)
		}
		byGroup[g] = append(byGroup[g], c)
	}
	for _, g := range order {
		data := map[string]any{}
		for _, c := range byGroup[g] {
			var v any
			_ = json.Unmarshal(c.Source, &v)
			_, field := group(c)
			data[field] = v
		}
		err := patch(g, data)
		for _, c := range byGroup[g] {
			if err != nil {
				rep.Failed = append(rep.Failed, Failure{Name: c.Name, Error: err.Error()})
				rep.NotWritten = append(rep.NotWritten, mask(c))
			} else {
				rep.Written = append(rep.Written, mask(c))
			}
		}
	}
	return rep
}

// mask hides a secret's values in a report.
func mask(c Change) Change {
	if Secret(c.Name) {
		c.Source = Masked
		if c.Destination != nil {
			c.Destination = Masked
		}
	}
	return c
}
