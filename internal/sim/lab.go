package sim

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"
)

// Options configure a simulated lab.
type Options struct {
	// Flavor is the SENAITE release to impersonate (default 2.x).
	Flavor Flavor
	// Site is the Plone site id, the first path segment (default "senaite").
	Site string
	// Users are the site's accounts; the first one is the Manager that
	// generated content is attributed to.
	Users []User
	// SelfVerification sets a fresh lab's bika_setup SelfVerificationEnabled
	// (and forces it on when loading --data): the user who submitted a
	// result may verify it, which senaite.core forbids by default. The
	// workflows read the field, not this option.
	SelfVerification bool
	// NoPloneREST turns plone.restapi off (its routes answer 404), as on a
	// lab without it.
	NoPloneREST bool
	// Location is the lab's time zone; dates are shown with its offset.
	Location *time.Location
	// Seed makes UIDs, catalog order and generated data deterministic.
	Seed uint64
}

// User is an account of the simulated site.
type User struct {
	Username string
	Password string
	Roles    []string
	Groups   []string
	Email    string
	Fullname string
}

// flavorDef bundles what differs between flavours.
type flavorDef struct {
	flavor         Flavor
	version        string
	versionDate    string
	types          map[string]*PortalType
	typeOrder      []*PortalType
	fixed          []FixedObject
	catalogs       map[string]*CatalogDef
	typeCatalog    map[string]string
	defaultCatalog string
	settingsKeys   []string
}

func loadFlavor(f Flavor) (*flavorDef, error) {
	var d flavorDef
	var types []*PortalType
	switch f {
	case Flavor2x, "":
		d = flavorDef{flavor: Flavor2x, version: "2.6.0", versionDate: "2025-04-04",
			fixed: fixed2x(), catalogs: catalogs2x(), typeCatalog: typeCatalogs2x(),
			defaultCatalog: "uid_catalog",
			settingsKeys:   []string{"mail", "language", "dateandtime", "usergroups", "maintenance"}}
		types = types2x()
	case Flavor1x:
		d = flavorDef{flavor: Flavor1x, version: "1.2.5", versionDate: "2020-04-05",
			fixed: fixed1x(), catalogs: catalogs1x(), typeCatalog: typeCatalogs1x(),
			defaultCatalog: "portal_catalog",
			settingsKeys: []string{"calendar", "editing", "filter", "language", "mail", "maintenance",
				"markup", "navigation", "ram", "search", "security", "site", "skins", "usergroups"}}
		types = types1x()
	default:
		return nil, fmt.Errorf("sim: unknown flavor %q (want 2.x or 1.x)", f)
	}
	d.types = make(map[string]*PortalType, len(types)+1)
	for _, t := range types {
		if t.Catalog == "" {
			t.Catalog = d.typeCatalog[t.Name]
		}
		if t.Catalog == "" {
			t.Catalog = "portal_catalog"
		}
		d.types[t.Name] = t
		d.typeOrder = append(d.typeOrder, t)
	}
	if _, ok := d.types["Plone Site"]; !ok {
		ps := &PortalType{Name: "Plone Site", Folderish: true, IDFormat: IDFixed, Structural: true,
			Catalog: "portal_catalog", Workflow: ""}
		d.types[ps.Name] = ps
	}
	return &d, nil
}

// Lab is one simulated SENAITE site: its objects, users, registry and
// settings. All access goes through its lock; reads share it.
type Lab struct {
	mu   sync.RWMutex
	opts Options
	fl   *flavorDef

	portal *Object
	byUID  map[string]*Object
	byPath map[string]*Object
	byType map[string][]*Object
	all    []*Object

	counters map[string]int
	seq      uint64
	rng      *mrand.Rand
	// version changes on every write; cached query results are keyed by it.
	version uint64
	// lastNow keeps generated timestamps strictly increasing.
	lastNow time.Time

	users []*User
	// extraGroups are groups created through plone.restapi.
	extraGroups map[string]string
	registry    map[string]any
	settings    map[string]map[string]map[string]any

	qcache queryCache
	// uniq indexes natural keys (unique.go).
	uniq map[uniqKey]map[string]*Object
	// dataFile is where --data loads and saves the lab.
	dataFile string
}

// NewLab creates a fresh site: the portal, its fixed folders, the setup
// folders and the Laboratory singleton (what `--empty` serves).
func NewLab(opts Options) (*Lab, error) {
	fl, err := loadFlavor(opts.Flavor)
	if err != nil {
		return nil, err
	}
	if opts.Site == "" {
		opts.Site = "senaite"
	}
	if opts.Location == nil {
		opts.Location = time.FixedZone("CET", 3600)
	}
	if len(opts.Users) == 0 {
		opts.Users = []User{{Username: "admin", Password: "secret"}}
	}
	l := &Lab{
		opts:     opts,
		fl:       fl,
		byUID:    map[string]*Object{},
		byPath:   map[string]*Object{},
		byType:   map[string][]*Object{},
		counters: map[string]int{},
		rng:      mrand.New(mrand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
	}
	for i := range opts.Users {
		u := opts.Users[i]
		if len(u.Roles) == 0 {
			if i == 0 {
				u.Roles = []string{"Manager", "Authenticated"}
			} else {
				u.Roles = []string{"LabManager", "Authenticated"}
			}
		}
		if len(u.Groups) == 0 {
			u.Groups = []string{"AuthenticatedUsers"}
			if i == 0 {
				u.Groups = append(u.Groups, "LabManagers")
			} else {
				u.Groups = append(u.Groups, "Analysts")
			}
		}
		if u.Email == "" {
			u.Email = u.Username + "@lab.example.org"
		}
		if u.Fullname == "" {
			u.Fullname = strings.ToUpper(u.Username[:1]) + u.Username[1:]
		}
		l.users = append(l.users, &u)
	}
	born := time.Date(2021, 3, 1, 9, 0, 0, 0, opts.Location)
	l.portal = &Object{UID: "0", ID: opts.Site, Type: fl.types["Plone Site"], Path: "/" + opts.Site,
		Title: "SENAITE LIMS", Created: born, Modified: born, Author: l.users[0].Username,
		Fields: map[string]any{}, State: ""}
	l.byPath[l.portal.Path] = l.portal
	for _, f := range fl.fixed {
		parentPath := l.portal.Path
		if i := strings.LastIndexByte(f.Path, '/'); i >= 0 {
			parentPath += "/" + f.Path[:i]
		}
		parent := l.byPath[parentPath]
		if parent == nil {
			return nil, fmt.Errorf("sim: fixed object %s has no parent %s", f.Path, parentPath)
		}
		t := fl.types[f.PortalType]
		if t == nil {
			return nil, fmt.Errorf("sim: fixed object %s has unknown type %s", f.Path, f.PortalType)
		}
		id := f.Path[strings.LastIndexByte(f.Path, '/')+1:]
		o := &Object{ID: id, Type: t, Title: f.Title, Created: born, Modified: born, Author: l.users[0].Username,
			Fields: map[string]any{}}
		l.attach(parent, o)
		l.initWorkflow(o, born, l.users[0].Username)
	}
	l.initRegistry()
	l.initSettings()
	l.initSingletons()
	return l, nil
}

// Flavor reports the flavour the lab impersonates.
func (l *Lab) Flavor() Flavor { return l.fl.flavor }

// Site returns the site id.
func (l *Lab) Site() string { return l.opts.Site }

// newUID returns a 32-hex-digit UID like Plone's, deterministic for a seed.
func (l *Lab) newUID() string {
	var b [16]byte
	if l.rng != nil {
		for i := 0; i < 16; i += 8 {
			v := l.rng.Uint64()
			for j := 0; j < 8; j++ {
				b[i+j] = byte(v >> (8 * j))
			}
		}
	} else {
		_, _ = rand.Read(b[:])
	}
	return hex.EncodeToString(b[:])
}

// now returns the current time, strictly after every earlier timestamp the
// lab handed out, so that `created` orders objects like SENAITE's clock.
func (l *Lab) now() time.Time {
	t := time.Now().In(l.opts.Location)
	if !t.After(l.lastNow) {
		t = l.lastNow.Add(time.Millisecond)
	}
	l.lastNow = t
	return t
}

// attach gives o its UID (if none), path and catalog entry under parent.
// The caller holds the write lock.
func (l *Lab) attach(parent, o *Object) {
	if o.UID == "" {
		o.UID = l.newUID()
	}
	o.Parent = parent
	o.Path = parent.Path + "/" + o.ID
	if parent.childIDs == nil {
		parent.childIDs = map[string]*Object{}
	}
	parent.childIDs[o.ID] = o
	parent.children = append(parent.children, o)
	if o.Fields == nil {
		o.Fields = map[string]any{}
	}
	l.seq++
	o.seq = l.seq
	o.rid = l.rng.Uint32()
	l.byUID[o.UID] = o
	l.byPath[o.Path] = o
	l.byType[o.Type.Name] = append(l.byType[o.Type.Name], o)
	l.all = append(l.all, o)
	if o.Created.After(l.lastNow) {
		l.lastNow = o.Created
	}
	l.version++
}

// nextID asks the ID server for the id of a new object of type t in
// container parent, as senaite.core's idserver would name it.
func (l *Lab) nextID(t *PortalType, parent *Object, fields map[string]any) string {
	id, _ := l.newID(t, parent, fields)
	return id
}

// newID is nextID with the ID server's failure: a format naming a
// variable the type does not have (upstream a KeyError out of
// renameAfterCreation, which senaite.jsonapi answers with HTTP 200
// success:false).
func (l *Lab) newID(t *PortalType, parent *Object, fields map[string]any) (string, error) {
	if l.fl.flavor == Flavor2x && t.IDFormat != IDKeyword && t.IDFormat != IDFixed {
		typeID := t.Name
		if t.Name == "AnalysisRequest" {
			typeID = l.sampleTypeID(fields)
		}
		return l.generateID(typeID, parent, fields)
	}
	return l.legacyID(t, parent, fields), nil
}

// legacyID names objects of the 1.x flavour (a Bika-era ID server) and
// analyses (generate_analysis_id: the keyword, then Keyword-1, -2 in the
// container).
func (l *Lab) legacyID(t *PortalType, parent *Object, fields map[string]any) string {
	seq := func(key string) int {
		l.counters[key]++
		return l.counters[key]
	}
	switch t.IDFormat {
	case IDSample:
		prefix := "XX"
		if st := l.byUID[refUID(fields["SampleType"])]; st != nil {
			if p := st.str("prefix"); p != "" {
				prefix = p
			} else if p := st.str("Prefix"); p != "" {
				prefix = p
			}
		}
		return fmt.Sprintf("%s-%04d", prefix, seq("sample:"+prefix))
	case IDSample1x:
		base := "XX-0000"
		if s := l.byUID[refUID(fields["Sample"])]; s != nil {
			base = s.ID
		}
		return fmt.Sprintf("%s-R%02d", base, seq("ar:"+base))
	case IDPartition1x:
		return fmt.Sprintf("%s-P%d", parent.ID, seq("part:"+parent.ID))
	case IDWorksheet:
		return fmt.Sprintf("WS-%03d", seq("WS"))
	case IDBatch:
		return fmt.Sprintf("B-%03d", seq("B"))
	case IDReferenceSample:
		return fmt.Sprintf("QC-%03d", seq("QC"))
	case IDInvoice:
		return fmt.Sprintf("I-%03d", seq("I"))
	case IDKeyword:
		kw, _ := fields["Keyword"].(string)
		if kw == "" {
			if svc := l.byUID[refUID(fields["AnalysisService"])]; svc != nil {
				kw = svc.str("Keyword")
			}
		}
		if kw == "" {
			kw = strings.ToLower(t.Name)
		}
		if parent.childIDs[kw] == nil {
			return kw
		}
		for i := 1; ; i++ {
			id := fmt.Sprintf("%s-%d", kw, i)
			if parent.childIDs[id] == nil {
				return id
			}
		}
	default:
		key := strings.ToLower(t.Name)
		for {
			id := fmt.Sprintf("%s-%d", key, seq(key))
			if parent.childIDs[id] == nil {
				return id
			}
		}
	}
}

// refUID extracts a UID from the forms a reference value may take.
func refUID(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []string:
		if len(x) > 0 {
			return x[0]
		}
	case map[string]any:
		if s, ok := x["uid"].(string); ok {
			return s
		}
	case []any:
		if len(x) > 0 {
			return refUID(x[0])
		}
	}
	return ""
}

// user finds an account by name.
func (l *Lab) user(name string) *User {
	for _, u := range l.users {
		if u.Username == name {
			return u
		}
	}
	return nil
}

// Lookup returns the object with the given UID (tests and the generator).
func (l *Lab) Lookup(uid string) *Object {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.byUID[uid]
}

// Count returns the number of objects of a portal type.
func (l *Lab) Count(portalType string) int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.byType[portalType])
}

// Total returns the number of content objects (the portal excluded).
func (l *Lab) Total() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.all)
}

// Objects returns the objects of a portal type in creation order (tests
// compare labs with it).
func (l *Lab) Objects(portalType string) []*Object {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return append([]*Object(nil), l.byType[portalType]...)
}
