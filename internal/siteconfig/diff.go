// Package siteconfig copies what senaite.jsonapi reads but cannot write —
// users, registry records, control-panel settings — through the
// destination's plone.restapi (ARCHITECTURE.md §6, import_users,
// import_registry, import_settings), and where the destination has none,
// reports every difference with an export of what to apply by hand:
// never a silent skip. The rules here are pure; copy.go does the I/O.
package siteconfig

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strings"
)

// Change is one record or setting whose value differs: the source's value
// goes to the destination. Secret values (passwords) are shown masked.
type Change struct {
	Name        string          `json:"name"`
	Source      json.RawMessage `json:"source"`
	Destination json.RawMessage `json:"destination,omitempty"`
	// Missing says the destination has no such record or field (an add-on
	// it lacks): it cannot be written there.
	Missing bool `json:"missing,omitempty"`
}

// RegistryRecord tells whether import_registry copies a record: those of
// SENAITE and Bika (the seed's rule: the name contains bika or senaite).
func RegistryRecord(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "bika") || strings.Contains(n, "senaite")
}

// DiffValues compares named values of the source and the destination:
// the changes to make (sorted by name) and how many are equal already.
// Values are compared as JSON, whatever their formatting.
func DiffValues(src, dst map[string]json.RawMessage) (changes []Change, equal int) {
	names := make([]string, 0, len(src))
	for n := range src {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		d, ok := dst[n]
		switch {
		case !ok:
			changes = append(changes, Change{Name: n, Source: src[n], Missing: true})
		case sameJSON(src[n], d):
			equal++
		default:
			changes = append(changes, Change{Name: n, Source: src[n], Destination: d})
		}
	}
	return changes, equal
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(bytes.TrimSpace(a), bytes.TrimSpace(b))
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// Secret tells whether a setting or record holds a secret (a mail
// server's password): copied, but never shown in a report or a log.
func Secret(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "pass") || strings.Contains(n, "secret") || strings.Contains(n, "token")
}

// Masked is how a secret value appears in reports.
var Masked = json.RawMessage(`"***"`)

// UserDiff is an account both labs have with other roles or groups: the
// destination's are kept (a person decides), and the difference reported.
type UserDiff struct {
	Username    string   `json:"username"`
	Field       string   `json:"field"`
	Source      []string `json:"source"`
	Destination []string `json:"destination"`
}

// Account is a user as both ends show it: what import_users carries.
type Account struct {
	Username string   `json:"username"`
	Fullname string   `json:"fullname,omitempty"`
	Email    string   `json:"email,omitempty"`
	Roles    []string `json:"roles,omitempty"`
	Groups   []string `json:"groups,omitempty"`
}

// automaticRoles and automaticGroups are given by Zope and Plone to every
// account: never created, never compared.
var (
	automaticRoles  = []string{"Authenticated", "Anonymous"}
	automaticGroups = []string{"AuthenticatedUsers"}
)

// DiffUsers splits the source's accounts into those the destination lacks
// (to create) and those it has with other roles or groups (reported).
func DiffUsers(src, dst []Account) (create []Account, differ []UserDiff, existing []string) {
	byName := make(map[string]Account, len(dst))
	for _, u := range dst {
		byName[u.Username] = u
	}
	for _, u := range src {
		u.Roles, u.Groups = without(u.Roles, automaticRoles), without(u.Groups, automaticGroups)
		d, ok := byName[u.Username]
		if !ok {
			create = append(create, u)
			continue
		}
		existing = append(existing, u.Username)
		if r := without(d.Roles, automaticRoles); !slices.Equal(u.Roles, r) {
			differ = append(differ, UserDiff{Username: u.Username, Field: "roles", Source: u.Roles, Destination: r})
		}
		if g := without(d.Groups, automaticGroups); !slices.Equal(u.Groups, g) {
			differ = append(differ, UserDiff{Username: u.Username, Field: "groups", Source: u.Groups, Destination: g})
		}
	}
	return create, differ, existing
}

// without returns list sorted, without the given entries.
func without(list, drop []string) []string {
	out := []string{}
	for _, x := range list {
		if !slices.Contains(drop, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}
