// Package remote holds a remote's options — the seed's configuration — and
// the rules that validate them. Pure: no I/O.
package remote

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Options are what a remote may be told (ARCHITECTURE.md §6).
type Options struct {
	ImportSettings  bool     `json:"import_settings"`
	ImportRegistry  bool     `json:"import_registry"`
	ImportUsers     bool     `json:"import_users"`
	RemotePrefix    string   `json:"remote_prefix,omitempty"`
	LocalPrefix     string   `json:"local_prefix,omitempty"`
	FullSyncTypes   []string `json:"full_sync_types,omitempty"`
	SkipTypes       []string `json:"skip_types,omitempty"`
	PrefixableTypes []string `json:"prefixable_types,omitempty"`
	ReadOnlyTypes   []string `json:"read_only_types,omitempty"`
	UpdateOnlyTypes []string `json:"update_only_types,omitempty"`
	// TypeMapping maps source type names to the destination's ("" drops
	// a type); see typemap.go for the built-in one of 1.x sources.
	TypeMapping          map[string]string `json:"type_mapping,omitempty"`
	AutoSync             Interval          `json:"auto_sync"`
	PageSize             int               `json:"page_size,omitempty"`
	MaxConcurrency       int               `json:"max_concurrency,omitempty"`
	MaxRequestsPerSecond float64           `json:"max_requests_per_second,omitempty"`
}

// Defaults of the bounds that protect the labs. max_concurrency is a
// ceiling, not a setting: within it each process finds by itself how many
// requests the lab takes at once (budget.Adaptive), starting from one, so
// the default leaves room for a lab of 16–24 Zope threads and an operator
// lowers it only to keep part of a lab for its people.
const (
	DefaultPageSize       = 100
	DefaultMaxConcurrency = 32
	MaxPageSize           = 1000
)

// Interval is an auto-sync period; zero is off. JSON: "24h", "15m", "".
type Interval time.Duration

// MarshalJSON writes "" for off, else a Go duration.
func (i Interval) MarshalJSON() ([]byte, error) {
	if i == 0 {
		return []byte(`""`), nil
	}
	return []byte(`"` + time.Duration(i).String() + `"`), nil
}

// UnmarshalJSON reads "", "off" or a duration.
func (i *Interval) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := ParseInterval(s)
	if err != nil {
		return err
	}
	*i = v
	return nil
}

// ParseInterval reads "", "off" or a duration of at least a minute.
func ParseInterval(s string) (Interval, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "off" || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, &FieldError{Field: "auto_sync", Message: fmt.Sprintf("%q is not an interval like 24h or 15m", s)}
	}
	if d < time.Minute {
		return 0, &FieldError{Field: "auto_sync", Message: "must be off or at least 1m"}
	}
	return Interval(d), nil
}

// FieldError is a validation error naming the field, as the API answers
// it ({"error": {"code", "message", "field"}}).
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

var nameRe = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

// portalTypeRe is the form of a portal type name (a Python class name):
// anything else would reach a lab's catalog query or a path.
var portalTypeRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,99}$`)

// ValidateName checks a remote's or an instance's name.
func ValidateName(field, name string) error {
	if !nameRe.MatchString(name) {
		return &FieldError{Field: field, Message: fmt.Sprintf("%q must be 1-64 of a-z, 0-9, _ and -", name)}
	}
	return nil
}

// Normalize trims and de-duplicates the type lists (order kept) and fills
// the default bounds.
func (o Options) Normalize() Options {
	clean := func(list []string) []string {
		var out []string
		for _, t := range list {
			t = strings.TrimSpace(t)
			if t != "" && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
		return out
	}
	o.FullSyncTypes = clean(o.FullSyncTypes)
	o.SkipTypes = clean(o.SkipTypes)
	o.PrefixableTypes = clean(o.PrefixableTypes)
	o.ReadOnlyTypes = clean(o.ReadOnlyTypes)
	o.UpdateOnlyTypes = clean(o.UpdateOnlyTypes)
	o.RemotePrefix = strings.TrimSpace(o.RemotePrefix)
	o.LocalPrefix = strings.TrimSpace(o.LocalPrefix)
	if o.PageSize == 0 {
		o.PageSize = DefaultPageSize
	}
	if o.MaxConcurrency == 0 {
		o.MaxConcurrency = DefaultMaxConcurrency
	}
	return o
}

// Validate checks the options; knownType tells whether a portal type name
// exists (case-sensitive, as SENAITE's are). The first problem is
// returned as a *FieldError.
func (o Options) Validate(knownType func(string) bool) error {
	lists := []struct {
		field string
		types []string
	}{
		{"full_sync_types", o.FullSyncTypes}, {"skip_types", o.SkipTypes},
		{"prefixable_types", o.PrefixableTypes}, {"read_only_types", o.ReadOnlyTypes},
		{"update_only_types", o.UpdateOnlyTypes},
	}
	for _, l := range lists {
		for _, t := range l.types {
			if !portalTypeRe.MatchString(t) {
				return &FieldError{Field: l.field, Message: fmt.Sprintf("%q: a portal type name is letters, digits and _", t)}
			}
			if knownType != nil && !knownType(t) {
				return &FieldError{Field: l.field, Message: fmt.Sprintf("unknown portal type %q", t)}
			}
		}
	}
	for from, to := range o.TypeMapping {
		if !portalTypeRe.MatchString(from) || to != "" && !portalTypeRe.MatchString(to) {
			return &FieldError{Field: "type_mapping", Message: fmt.Sprintf("%q → %q: a portal type name is letters, digits and _", from, to)}
		}
		if knownType != nil && !knownType(from) {
			return &FieldError{Field: "type_mapping", Message: fmt.Sprintf("unknown portal type %q", from)}
		}
	}
	// a type cannot be both skipped and required, nor both authoritative
	// at the source and updated only from the destination
	exclusive := [][2]int{{0, 1}, {3, 4}, {1, 3}, {1, 4}, {1, 2}}
	for _, pair := range exclusive {
		a, b := lists[pair[0]], lists[pair[1]]
		for _, t := range a.types {
			if slices.Contains(b.types, t) {
				return &FieldError{Field: b.field, Message: fmt.Sprintf("%q is also in %s", t, a.field)}
			}
		}
	}
	if len(o.PrefixableTypes) > 0 && o.RemotePrefix == "" {
		return &FieldError{Field: "remote_prefix", Message: "required with prefixable_types"}
	}
	if o.RemotePrefix != "" && len(o.PrefixableTypes) == 0 {
		return &FieldError{Field: "prefixable_types", Message: "required with remote_prefix"}
	}
	if len(o.UpdateOnlyTypes) > 0 && o.LocalPrefix == "" {
		// update-only objects must be recognisable as the destination's own
		return &FieldError{Field: "local_prefix", Message: "required with update_only_types"}
	}
	if o.PageSize < 1 || o.PageSize > MaxPageSize {
		return &FieldError{Field: "page_size", Message: fmt.Sprintf("must be between 1 and %d", MaxPageSize)}
	}
	if o.MaxConcurrency < 1 || o.MaxConcurrency > 64 {
		return &FieldError{Field: "max_concurrency", Message: "must be between 1 and 64"}
	}
	if o.MaxRequestsPerSecond < 0 {
		return &FieldError{Field: "max_requests_per_second", Message: "must not be negative"}
	}
	return nil
}

// FetchedTypes is the portal-type filter of the fetch step: nil means
// every type; otherwise full-sync types widened by the prefixable,
// update-only and read-only types, as the seed does.
func (o Options) FetchedTypes() []string {
	if len(o.FullSyncTypes) == 0 {
		return nil
	}
	set := map[string]bool{}
	for _, l := range [][]string{o.FullSyncTypes, o.PrefixableTypes, o.UpdateOnlyTypes, o.ReadOnlyTypes} {
		for _, t := range l {
			set[t] = true
		}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Fetches tells whether objects of a type are read by the fetch step
// (skip types are not, though they are still imported when referenced).
func (o Options) Fetches(portalType string) bool {
	if slices.Contains(o.SkipTypes, portalType) {
		return false
	}
	ft := o.FetchedTypes()
	return ft == nil || slices.Contains(ft, portalType)
}

// OriginLabel is the label of an object of portalType at sourcePath when
// it comes through a remote with these options: the remote prefix and the
// object's id at the source (A-WB-0001), for prefixable types; "" for
// others. senaite.jsonapi cannot choose an object's id, so the prefix is
// a label kept with the object's identity, not part of the new id.
func OriginLabel(o Options, portalType, sourcePath string) string {
	if o.RemotePrefix == "" || !slices.Contains(o.PrefixableTypes, portalType) {
		return ""
	}
	return o.RemotePrefix + IDOf(sourcePath)
}
