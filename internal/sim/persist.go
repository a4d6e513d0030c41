package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// savedLab is the --data file format: every object with its fields, the ID
// server's counters, the accounts, registry and settings. UIDs are kept, so
// a saved lab comes back as the same lab.
type savedLab struct {
	Flavor   Flavor                               `json:"flavor"`
	Site     string                               `json:"site"`
	Counters map[string]int                       `json:"counters"`
	Users    []User                               `json:"users"`
	Registry map[string]any                       `json:"registry"`
	Settings map[string]map[string]map[string]any `json:"settings"`
	Objects  []savedObject                        `json:"objects"`
}

type savedObject struct {
	UID         string         `json:"uid"`
	ID          string         `json:"id"`
	PortalType  string         `json:"portal_type"`
	ParentUID   string         `json:"parent_uid"`
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Created     time.Time      `json:"created"`
	Modified    time.Time      `json:"modified"`
	Effective   time.Time      `json:"effective,omitzero"`
	Author      string         `json:"author"`
	State       string         `json:"state"`
	History     []HistoryEntry `json:"history"`
	Fields      map[string]any `json:"fields"`
}

// SaveFile writes the lab to path (or to the file it was loaded from),
// atomically: a crash mid-save leaves the previous file intact.
func (l *Lab) SaveFile(path string) error {
	l.mu.RLock()
	if path == "" {
		path = l.dataFile
	}
	if path == "" {
		l.mu.RUnlock()
		return errors.New("sim: save: no --data file configured")
	}
	s := savedLab{Flavor: l.fl.flavor, Site: l.opts.Site, Counters: l.counters, Registry: l.registry,
		Settings: l.settings}
	for _, u := range l.users {
		s.Users = append(s.Users, *u)
	}
	// parents before children: l.all is in creation order
	for _, o := range l.all {
		so := savedObject{UID: o.UID, ID: o.ID, PortalType: o.Type.Name, Title: o.Title,
			Description: o.Description, Created: o.Created, Modified: o.Modified, Effective: o.Effective,
			Author: o.Author, State: o.State, History: o.History, Fields: o.Fields}
		if o.Parent != nil {
			so.ParentUID = o.Parent.UID
		}
		s.Objects = append(s.Objects, so)
	}
	raw, err := json.Marshal(s)
	l.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("sim: save %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".senaite-sim-*")
	if err != nil {
		return fmt.Errorf("sim: save %s: %w", path, err)
	}
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("sim: save %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("sim: save %s: %w", path, err)
	}
	tmp.Close()
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("sim: save %s: %w", path, err)
	}
	return nil
}

// LoadFile reads a lab saved by SaveFile into a fresh lab built with opts
// (whose flavour must match the file's).
func LoadFile(path string, opts Options) (*Lab, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sim: load %s: %w", path, err)
	}
	var s savedLab
	// numbers stay json.Number so that integers come back as integers
	// (a record's split_length 1, not 1.0)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("sim: load %s: %w", path, err)
	}
	if s.Flavor != "" {
		opts.Flavor = s.Flavor
	}
	if s.Site != "" {
		opts.Site = s.Site
	}
	if len(s.Users) > 0 && len(opts.Users) == 0 {
		opts.Users = s.Users
	}
	l, err := NewLab(opts)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dataFile = path
	for k, v := range s.Counters {
		l.counters[k] = v
	}
	if s.Registry != nil {
		l.registry = plainNumbers(s.Registry).(map[string]any)
	}
	if s.Settings != nil {
		for _, panel := range s.Settings {
			for name, fields := range panel {
				panel[name] = plainNumbers(fields).(map[string]any)
			}
		}
		l.settings = s.Settings
	}
	for _, so := range s.Objects {
		if existing := l.byUID[so.UID]; existing != nil {
			if existing.Type.Structural && existing.ID == so.ID {
				// the fresh site made it with the same UID (same seed)
				l.restoreFixed(existing, so)
			}
			continue
		}
		parent := l.byUID[so.ParentUID]
		if so.ParentUID == "0" || so.ParentUID == "" {
			parent = l.portal
		}
		t := l.fl.types[so.PortalType]
		if parent == nil || t == nil {
			return nil, fmt.Errorf("sim: load %s: object %s (%s) has unknown parent or type", path, so.UID, so.PortalType)
		}
		if fixed := parent.childIDs[so.ID]; fixed != nil {
			// a fixed object of the fresh site: keep its saved UID and what
			// was written to it (the singletons' settings, the Laboratory)
			delete(l.byUID, fixed.UID)
			fixed.UID = so.UID
			l.byUID[fixed.UID] = fixed
			l.restoreFixed(fixed, so)
			continue
		}
		o := &Object{UID: so.UID, ID: so.ID, Type: t, Title: so.Title, Description: so.Description,
			Created: so.Created.In(l.opts.Location), Modified: so.Modified.In(l.opts.Location),
			Effective: so.Effective, Author: so.Author, State: so.State, History: so.History,
			Fields: decodeFields(t, so.Fields, l.opts.Location)}
		l.attach(parent, o)
	}
	if opts.SelfVerification {
		// the flag asks for self-verification whatever the file says
		if bs := l.bikaSetup(); bs != nil && bs.Type.Field("SelfVerificationEnabled") != nil {
			bs.Fields["SelfVerificationEnabled"] = true
			bs.cache.Store(nil)
		}
	}
	return l, nil
}

// restoreFixed puts back what was written to a fixed object: the
// singletons' settings, the Laboratory's identity, titles and dates.
func (l *Lab) restoreFixed(fixed *Object, so savedObject) {
	fixed.Title, fixed.Description = so.Title, so.Description
	fixed.Modified = so.Modified.In(l.opts.Location)
	if so.State != "" {
		fixed.State, fixed.History = so.State, so.History
	}
	if so.Fields != nil {
		fixed.Fields = decodeFields(fixed.Type, so.Fields, l.opts.Location)
	}
	fixed.cache.Store(nil)
}

// decodeFields restores Go types that JSON flattened (dates, UID lists,
// records, integers).
func decodeFields(t *PortalType, in map[string]any, loc *time.Location) map[string]any {
	out := make(map[string]any, len(in))
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := plainNumbers(in[k])
		f := t.Field(k)
		if f == nil {
			out[k] = v
			continue
		}
		switch f.Kind {
		case KDate:
			if s, ok := v.(string); ok {
				if tm, err := time.Parse(time.RFC3339Nano, s); err == nil {
					out[k] = tm.In(loc)
				}
			}
		case KInt:
			switch n := v.(type) {
			case int64:
				out[k] = n
			case float64:
				out[k] = int64(n)
			}
		case KRefs, KLines:
			if list, ok := v.([]any); ok {
				ss := make([]string, 0, len(list))
				for _, e := range list {
					if s, ok := e.(string); ok {
						ss = append(ss, s)
					}
				}
				out[k] = ss
			}
		case KRecords:
			if list, ok := v.([]any); ok {
				recs := make([]map[string]any, 0, len(list))
				for _, e := range list {
					if m, ok := e.(map[string]any); ok {
						recs = append(recs, m)
					}
				}
				out[k] = recs
			}
		default:
			out[k] = v
		}
	}
	return out
}

// SetDataFile names the file SaveFile("") and the admin save route use.
func (l *Lab) SetDataFile(path string) {
	l.mu.Lock()
	l.dataFile = path
	l.mu.Unlock()
}

// plainNumbers turns the json.Number values of a decoded document into
// int64 (integers) or float64, the forms the serializer writes back as
// they were.
func plainNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = plainNumbers(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = plainNumbers(e)
		}
		return x
	}
	return v
}
