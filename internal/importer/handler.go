package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Object is the message of one object to import.
type Object struct {
	RemoteID  int64  `json:"remote_id"`
	SourceUID string `json:"source_uid"`
	RunID     string `json:"run_id"`
}

// ErrDependencyMissing means the object's container or a required
// reference has no replica on the destination yet: the message waits (it
// is re-published when the dependency lands) without spending its
// delivery budget.
var ErrDependencyMissing = errors.New("importer: dependency not imported yet")

// Clients gives a client per instance id.
type Clients func(ctx context.Context, instanceID int64) (*senaite.Client, error)

// Handler imports objects. It is idempotent: every write to the
// destination is preceded by a look-up of the identity table, and a create
// interrupted before its identity was recorded is found again through its
// intent.
type Handler struct {
	Store   *store.Store
	Clients Clients
	Log     *slog.Logger
	// Deferred tells whether a reference field of an object is set later.
	Deferred func(sourceUID, field string) bool

	keyMu sync.Mutex
	keys  map[string]map[string]string // instance/type → natural key value → UID

	remoteMu sync.Mutex
	remotes  map[int64]cachedRemote

	tr translations

	// paths are destination objects' paths seen by the workflow replay
	// (dest UID → path): the analyses of a sample are then listed by path
	paths sync.Map

	// retests are the waiting retests of a replay round by the reference
	// that names what they retest ("RetestOf:<uid>" → retest UID); set
	// between phases, read-only while a phase's tasks run
	retests map[string]string

	// held is the replay's snapshot of the deferred fields still to set
	// (source UID → fields), read once instead of once per object; nil
	// outside a replay, where each object asks the store
	held map[string][]string
}

// deferredFields are an object's reference fields the plan holds back
// and that are not set yet.
func (h *Handler) deferredFields(ctx context.Context, rm store.Remote, uid string) ([]string, error) {
	if h.held != nil {
		return h.held[uid], nil
	}
	return h.Store.DeferredFields(ctx, rm.ID, uid)
}

type cachedRemote struct {
	rm      store.Remote
	checked time.Time
}

// remote reads a remote, kept for a few seconds: every message names one,
// and its settings change rarely.
func (h *Handler) remote(ctx context.Context, id int64) (store.Remote, error) {
	h.remoteMu.Lock()
	c, ok := h.remotes[id]
	h.remoteMu.Unlock()
	if ok && time.Since(c.checked) < 5*time.Second {
		return c.rm, nil
	}
	rm, err := h.Store.RemoteByID(ctx, id)
	if err != nil {
		return store.Remote{}, err
	}
	h.remoteMu.Lock()
	if h.remotes == nil {
		h.remotes = map[int64]cachedRemote{}
	}
	h.remotes[id] = cachedRemote{rm: rm, checked: time.Now()}
	h.remoteMu.Unlock()
	return rm, nil
}

var pending = []string{store.ObjFetched, store.ObjWaiting, store.ObjFailed}

// Import brings one object to the destination and returns its new state.
func (h *Handler) Import(ctx context.Context, m Object) (string, error) {
	o, err := h.Store.Object(ctx, m.RemoteID, m.SourceUID)
	if err != nil {
		return "", err
	}
	switch o.State {
	case store.ObjImported, store.ObjUnchanged, store.ObjSkipped, store.ObjConflict, store.ObjStateMismatch:
		return o.State, nil // done before: a redelivery changes nothing
	}
	rm, err := h.remote(ctx, m.RemoteID)
	if err != nil {
		return "", err
	}
	dst, err := h.Clients(ctx, rm.DestinationID)
	if err != nil {
		return "", err
	}
	destType, kept := rm.Options.DestinationType(rm.SourceFlavor, o.PortalType)
	if !kept {
		return store.ObjSkipped, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjSkipped,
			fmt.Sprintf("the remote's type mapping (or the built-in one of %s sources) does not carry %s", rm.SourceFlavor, o.PortalType), "")
	}
	ident, uid, ok, err := h.Store.EnsureIdentityOn(ctx, rm.SourceID, o.SourceUID, o.PortalType,
		remote.OriginLabel(rm.Options, o.PortalType, o.SourcePath), o.Modified, rm.DestinationID)
	if err != nil {
		return "", err
	}
	if slices.Contains(rm.Options.UpdateOnlyTypes, o.PortalType) {
		own, found, reason, err := h.updateOnly(ctx, rm, o, ident, uid, ok, dst)
		if err != nil {
			return "", err
		}
		if !found {
			return store.ObjSkipped, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjSkipped, reason, "")
		}
		uid, ok = own, true
	}
	if ok {
		// the destination already has it (an earlier import, its origin, or
		// another remote): bring the copy up to date (update.go)
		return h.updateCopy(ctx, rm, o, ident, uid, dst)
	}
	if o.PortalType == "Analysis" {
		if p, err := h.Store.ObjectHead(ctx, rm.ID, o.ParentUID); err == nil && p.PortalType == "AnalysisRequest" {
			// created by the destination with its sample, adopted there
			switch p.State {
			case store.ObjImported:
			case store.ObjWaiting:
				if p, err = h.Store.Object(ctx, rm.ID, o.ParentUID); err != nil {
					return "", err
				}
				var praw map[string]json.RawMessage
				if json.Unmarshal(p.Data, &praw) == nil && CreatedByTransition(p.PortalType, praw) {
					// the sample itself waits for the workflow replay
					return store.ObjWaiting, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjWaiting,
						"its sample is created by a transition at the destination", "")
				}
				// the sample is parked on a dependency: so is its analysis, and
				// both are requeued together
				return "", fmt.Errorf("%w: sample %s of analysis %s", ErrDependencyMissing, p.SourceUID, o.SourceUID)
			case store.ObjSkipped, store.ObjFailed:
				reason := fmt.Sprintf("its container %s (%s) was %s", p.SourcePath, p.PortalType, p.State)
				return store.ObjSkipped, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjSkipped, reason, "")
			default:
				return "", fmt.Errorf("%w: sample %s of analysis %s", ErrDependencyMissing, p.SourceUID, o.SourceUID)
			}
			var raw map[string]json.RawMessage
			if err := json.Unmarshal(o.Data, &raw); err != nil {
				return "", fmt.Errorf("importer: %s data: %w", o.SourceUID, err)
			}
			a, own := toSampleAnalysis(o.SourceUID, raw)
			if !own {
				return store.ObjWaiting, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjWaiting,
					"created by a transition at the destination; adopted during the workflow replay", "")
			}
			// the sample landed but its analyses were not adopted (the
			// process stopped in between): adopt this one now, by keyword
			dst, err := h.Clients(ctx, rm.DestinationID)
			if err != nil {
				return "", err
			}
			sample, err := dst.Get(ctx, p.DestUID)
			if err != nil {
				return "", err
			}
			if err := h.adoptAnalyses(ctx, rm, dst, sample, []sampleAnalysis{a}); err != nil {
				return "", err
			}
			again, err := h.Store.Object(ctx, rm.ID, o.SourceUID)
			if err != nil {
				return "", err
			}
			if slices.Contains(pending, again.State) {
				// the sample's analysis of that keyword is another object's
				// copy already: never left pending (the run would wait on it)
				reason := "its sample's analysis " + a.Keyword + " at the destination is already the copy of another analysis"
				return store.ObjFailed, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjFailed, reason, "")
			}
			return again.State, nil
		}
	}
	if schema.Structural(o.PortalType, o.SourcePath) {
		return h.mapStructural(ctx, rm, o, destType, ident, dst)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(o.Data, &raw); err != nil {
		return "", fmt.Errorf("importer: %s data: %w", o.SourceUID, err)
	}
	// from here on the object is its destination self (a 1.x source's
	// renamed, remote.Options.As2x)
	_, raw, dropped, _ := rm.Options.As2x(rm.SourceFlavor, o.PortalType, o.SourcePath, raw)
	o.PortalType = destType
	if p, err := h.Store.ObjectHead(ctx, rm.ID, o.ParentUID); err == nil && (p.State == store.ObjFailed || p.State == store.ObjSkipped) {
		// a container that could not be imported: this cannot be either
		reason := fmt.Sprintf("its container %s (%s) was %s", p.SourcePath, p.PortalType, p.State)
		return store.ObjSkipped, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjSkipped, reason, "")
	}
	if reason, err := h.essentialSkipped(ctx, rm, o.PortalType, raw); err != nil {
		return "", err
	} else if reason != "" {
		return store.ObjSkipped, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjSkipped, reason, "")
	}
	parent, err := h.destParent(ctx, rm, o, dst)
	if err != nil {
		return "", err
	}
	if uid, note, err := h.naturalKeyMatch(ctx, rm, o, raw, dst); err != nil {
		return "", err
	} else if uid != "" {
		return h.link(ctx, rm, o, ident, uid, note)
	}
	if CreatedByTransition(o.PortalType, raw) {
		// made by a transition at the destination: adopted when the
		// workflow is replayed, never created here
		return store.ObjWaiting, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjWaiting,
			"created by a transition at the destination; adopted during the workflow replay", "")
	}
	fields, note, err := h.payload(ctx, rm, o, raw)
	if len(dropped) > 0 {
		sort.Strings(dropped)
		note = strings.TrimPrefix(note+"; 1.x fields SENAITE 2 has no place for, not carried: "+strings.Join(dropped, ", "), "; ")
	}
	var skip *skippedError
	if errors.As(err, &skip) {
		return store.ObjSkipped, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjSkipped, skip.reason, "")
	}
	if err != nil {
		return "", err
	}
	var analyses []sampleAnalysis
	if o.PortalType == "AnalysisRequest" {
		services, own, err := h.sampleServices(ctx, rm, o.SourceUID)
		if err != nil {
			return "", err
		}
		fields["Analyses"] = services
		analyses = own
	}
	// the intent is written only now, when nothing can park the object
	// any more: an intent means a create may have reached the destination
	intent, existed, err := h.Store.RecordIntent(ctx, rm.ID, o.SourceUID, store.Intent{PortalType: o.PortalType, DestParentUID: parent})
	if err != nil {
		return "", err
	}
	if existed {
		if uid, ok, err := h.adopt(ctx, rm, o, fields, raw, dst, intent); err != nil {
			return "", err
		} else if ok {
			state, err := h.record(ctx, rm, o, ident, uid, false)
			if err != nil || o.PortalType != "AnalysisRequest" {
				return state, err
			}
			sample, err := dst.Get(ctx, uid)
			if err != nil {
				return "", err
			}
			return state, h.adoptAnalyses(ctx, rm, dst, sample, analyses)
		}
	}
	item, err := dst.Create(ctx, destType, parent, fields)
	if err != nil {
		var se *senaite.Error
		if errors.As(err, &se) && strings.Contains(se.Message, "is not unique") && schema.NaturalKey(o.PortalType) != "" {
			// the key index of this process predates an object made at
			// the destination since: look again, once, and link it
			h.forgetKeys(rm.DestinationID, o.PortalType)
			if uid, note, merr := h.naturalKeyMatch(ctx, rm, o, raw, dst); merr != nil {
				return "", merr
			} else if uid != "" {
				return h.link(ctx, rm, o, ident, uid, note)
			}
		}
		if errors.As(err, &se) && (se.Status == 400 || se.Status == 401 || se.Status == 403 || se.Status == 404) {
			// the destination refuses it: permanent, with its message
			reason := se.Message
			if HiddenFields(raw) {
				reason += " — the source hides this inactive object's fields: released senaite.jsonapi shows " +
					"Dexterity fields only to users who may modify the object, so activate it at the source " +
					"and fetch again, or create it by hand"
			}
			_ = h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjFailed, reason, "")
			return store.ObjFailed, nil
		}
		return "", err
	}
	state, err := h.record(ctx, rm, o, ident, item.UID, false)
	if err == nil && note != "" {
		h.Log.Warn("object rebuilt from what the source shows", "remote", rm.Name, "uid", o.SourceUID,
			"portal_type", o.PortalType, "note", note)
		err = h.Store.NoteObject(ctx, rm.ID, o.SourceUID, note)
	}
	if err != nil || o.PortalType != "AnalysisRequest" {
		return state, err
	}
	return state, h.adoptAnalyses(ctx, rm, dst, item, analyses)
}

// essentialSkipped gives the reason to skip an object whose essential
// reference field (schema.EssentialRef: a worksheet's analyses) points
// only at objects this remote leaves out (store.Excluded) — it would be
// created empty; "" when it is not so. The plan may put such an object
// before its targets (the field deferred to break a cycle), so the rule
// looks at the options, not only at what was skipped already.
func (h *Handler) essentialSkipped(ctx context.Context, rm store.Remote, portalType string, raw map[string]json.RawMessage) (string, error) {
	ef := schema.EssentialRef(portalType)
	if ef == "" {
		return "", nil
	}
	var targets []string
	for _, r := range refs.Extract(portalType, raw) {
		if r.Field == ef {
			targets = append(targets, r.UID)
		}
	}
	if len(targets) == 0 {
		return "", nil
	}
	n, err := h.Store.Excluded(ctx, rm, rm.Options.UpdateOnlyTypes, targets)
	if err != nil || n < len(targets) {
		return "", err
	}
	return fmt.Sprintf("every target of its %s is skipped by this remote", ef), nil
}

// skippedError says an object is left out on purpose (ARCHITECTURE.md
// §1, skipped): something it cannot exist without is excluded by the
// remote's options.
type skippedError struct{ reason string }

func (e *skippedError) Error() string { return "skipped: " + e.reason }

// link records an existing destination object as the copy (an identity
// merge) and reports it on the object: objects -q "identity merge" lists
// every one.
func (h *Handler) link(ctx context.Context, rm store.Remote, o store.Stored, ident int64, uid, note string) (string, error) {
	state, err := h.record(ctx, rm, o, ident, uid, true)
	if err != nil {
		return "", err
	}
	return state, h.Store.NoteObject(ctx, rm.ID, o.SourceUID, note)
}

func (h *Handler) record(ctx context.Context, rm store.Remote, o store.Stored, ident int64, destUID string, merged bool) (string, error) {
	err := h.Store.Imported(ctx, rm.ID, o.SourceUID, ident, rm.DestinationID, destUID, timeZero, merged, pending, store.ObjImported)
	if errors.Is(err, store.ErrExists) {
		// another delivery recorded a replica first: adopt what it recorded
		uid, _, rerr := h.Store.Replica(ctx, ident, rm.DestinationID)
		if rerr != nil {
			return "", rerr
		}
		return store.ObjImported, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjImported, "", uid)
	}
	if err != nil {
		return "", err
	}
	return store.ObjImported, nil
}

// destPath translates a source path to the destination's site.
func destPath(srcPath, dstSiteURL string) string {
	site := dstSiteURL[strings.LastIndex(strings.TrimRight(dstSiteURL, "/"), "/"):]
	parts := strings.SplitN(strings.TrimPrefix(srcPath, "/"), "/", 2)
	if len(parts) < 2 {
		return site
	}
	return site + "/" + parts[1]
}

// byPath finds a destination object by its physical path.
func byPath(ctx context.Context, dst *senaite.Client, path string) (string, bool, error) {
	depth := 0
	for it, err := range dst.Search(ctx, senaite.Query{Path: path, Depth: &depth, Limit: 2}) {
		if err != nil {
			return "", false, err
		}
		return it.UID, true, nil
	}
	return "", false, nil
}

// mapStructural links a fixed folder or singleton to the destination's.
func (h *Handler) mapStructural(ctx context.Context, rm store.Remote, o store.Stored, destType string, ident int64, dst *senaite.Client) (string, error) {
	uid, ok, err := byPath(ctx, dst, destPath(o.SourcePath, dst.SiteURL()))
	if err != nil {
		return "", err
	}
	if !ok {
		// moved between releases (bika_setup/bika_analysiscategories is
		// setup/analysiscategories in 2.6): a folder type the destination
		// has exactly once is that folder
		if uid, ok, err = onlyOne(ctx, dst, destType); err != nil {
			return "", err
		}
	}
	if !ok {
		_ = h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjSkipped,
			"structural object with no counterpart on the destination at "+destPath(o.SourcePath, dst.SiteURL()), "")
		return store.ObjSkipped, nil
	}
	return h.record(ctx, rm, o, ident, uid, true)
}

// onlyOne finds the destination's single object of a type (false when it
// has none or several).
func onlyOne(ctx context.Context, dst *senaite.Client, portalType string) (string, bool, error) {
	page, err := dst.SearchPage(ctx, senaite.Query{PortalTypes: []string{portalType}, Limit: 2}, 0)
	if err != nil {
		return "", false, err
	}
	if page.Count != 1 || len(page.Items) != 1 {
		return "", false, nil
	}
	return page.Items[0].UID, true, nil
}

// destParent is the container on the destination: a structural parent by
// path, any other by identity.
func (h *Handler) destParent(ctx context.Context, rm store.Remote, o store.Stored, dst *senaite.Client) (string, error) {
	parentPath := o.SourcePath[:strings.LastIndex(o.SourcePath, "/")]
	if got, err := h.translate(ctx, rm.SourceID, rm.DestinationID, []string{o.ParentUID}); err != nil {
		return "", err
	} else if uid, ok := got[o.ParentUID]; ok {
		return uid, nil
	}
	if p, err := h.Store.ObjectHead(ctx, rm.ID, o.ParentUID); err == nil && !schema.Structural(p.PortalType, p.SourcePath) {
		return "", fmt.Errorf("%w: container %s of %s", ErrDependencyMissing, o.ParentUID, o.SourceUID)
	}
	uid, ok, err := byPath(ctx, dst, destPath(parentPath, dst.SiteURL()))
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("%w: container %s of %s", ErrDependencyMissing, parentPath, o.SourceUID)
	}
	return uid, nil
}

// naturalKeyMatch finds an unclaimed destination object with the same
// natural key (a service's Keyword, a client's ClientID): labs that grew
// apart share them, and such objects are linked, never duplicated.
func (h *Handler) naturalKeyMatch(ctx context.Context, rm store.Remote, o store.Stored, raw map[string]json.RawMessage, dst *senaite.Client) (uid, note string, err error) {
	key := schema.NaturalKey(o.PortalType)
	if key == "" {
		return "", "", nil
	}
	value := (senaite.Item{Raw: raw}).String(key)
	if value == "" {
		return "", "", nil
	}
	index, err := h.naturalKeys(ctx, rm.DestinationID, o.PortalType, key, dst)
	if err != nil {
		return "", "", err
	}
	uid, ok := index[value]
	if !ok {
		return "", "", nil
	}
	if _, claimed, err := h.Store.ClaimedBy(ctx, rm.DestinationID, uid); err != nil || claimed {
		return "", "", err
	}
	h.Log.Info("natural key merge", "remote", rm.Name, "uid", o.SourceUID, "portal_type", o.PortalType,
		"key", key, "value", value, "dest_uid", uid)
	return uid, fmt.Sprintf("linked to the destination's %s %s with the same %s %q (identity merge: not created, its fields left as they are)",
		o.PortalType, uid, key, value), nil
}

// forgetKeys drops a destination type's cached natural keys.
func (h *Handler) forgetKeys(instanceID int64, portalType string) {
	h.keyMu.Lock()
	delete(h.keys, fmt.Sprintf("%d/%s", instanceID, portalType))
	h.keyMu.Unlock()
}

// naturalKeys lists the destination's natural keys of a type once per
// process (objects this process creates are claimed by identities, so a
// stale index never links them twice; one made at the destination since
// is found when its create is refused as not unique, see forgetKeys).
func (h *Handler) naturalKeys(ctx context.Context, instanceID int64, portalType, key string, dst *senaite.Client) (map[string]string, error) {
	h.keyMu.Lock()
	defer h.keyMu.Unlock()
	k := fmt.Sprintf("%d/%s", instanceID, portalType)
	if m, ok := h.keys[k]; ok {
		return m, nil
	}
	m := map[string]string{}
	for it, err := range dst.Search(ctx, senaite.Query{PortalTypes: []string{portalType}, Complete: true, Limit: 200}) {
		if err != nil {
			return nil, err
		}
		if v := it.String(key); v != "" {
			m[v] = it.UID
		}
	}
	if h.keys == nil {
		h.keys = map[string]map[string]string{}
	}
	h.keys[k] = m
	return m, nil
}

// adopt looks, after an interrupted create, for the object it may have
// left: same type in the same container, created since the intent, claimed
// by no identity, with the same title.
func (h *Handler) adopt(ctx context.Context, rm store.Remote, o store.Stored, fields map[string]any, raw map[string]json.RawMessage, dst *senaite.Client, in store.Intent) (string, bool, error) {
	depth := 1
	parentPath := ""
	for it, err := range dst.Search(ctx, senaite.Query{UIDs: []string{in.DestParentUID}, Limit: 1}) {
		if err != nil {
			return "", false, err
		}
		parentPath = it.Path
	}
	if parentPath == "" {
		return "", false, nil
	}
	want := senaite.Item{Raw: raw}
	for it, err := range dst.Search(ctx, senaite.Query{PortalTypes: []string{o.PortalType}, Path: parentPath, Depth: &depth,
		Complete: true, Limit: 200}) {
		if err != nil {
			return "", false, err
		}
		if it.Created.Before(in.CreatedAt.Add(-2e9)) || !SameContent(fields, it) {
			continue
		}
		if key := schema.NaturalKey(o.PortalType); key != "" && it.String(key) != want.String(key) {
			continue
		}
		if _, claimed, err := h.Store.ClaimedBy(ctx, rm.DestinationID, it.UID); err != nil {
			return "", false, err
		} else if claimed {
			continue
		}
		h.Log.Info("adopting the object of an interrupted create", "remote", rm.Name, "uid", o.SourceUID, "dest_uid", it.UID)
		return it.UID, true, nil
	}
	return "", false, nil
}

// payload translates the object's fields; references without a replica
// are left for the deferred-reference pass.
func (h *Handler) payload(ctx context.Context, rm store.Remote, o store.Stored, raw map[string]json.RawMessage) (map[string]any, string, error) {
	var uids []string
	for _, r := range refs.Extract(o.PortalType, raw) {
		uids = append(uids, r.UID)
	}
	hidden := HiddenFields(raw)
	if hidden {
		for col := range schema.FromMetadata(o.PortalType) {
			var s string
			if json.Unmarshal(raw[col], &s) == nil && refs.IsUID(s) {
				uids = append(uids, s)
			}
		}
	}
	tr, err := h.translate(ctx, rm.SourceID, rm.DestinationID, uids)
	if err != nil {
		return nil, "", err
	}
	held, err := h.deferredFields(ctx, rm, o.SourceUID)
	if err != nil {
		return nil, "", err
	}
	deferred := func(field string) bool {
		return slices.Contains(held, field) || h.Deferred != nil && h.Deferred(o.SourceUID, field)
	}
	translate := func(s string) (string, bool) { d, ok := tr[s]; return d, ok }
	fields, unresolved := Payload(o.PortalType, raw, translate, deferred)
	note := ""
	if hidden {
		var more []refs.Ref
		var missing string
		note, more, missing = rebuildHidden(o.PortalType, raw, fields, translate, func(pt string) (string, string, bool) {
			uid, path, ok, err := h.Store.AnyImported(ctx, rm.ID, pt)
			return uid, path, ok && err == nil
		})
		if missing != "" {
			return nil, "", fmt.Errorf("%w: %s: no %s imported yet to stand in for its unreadable required reference",
				ErrDependencyMissing, o.SourceUID, missing)
		}
		unresolved = append(unresolved, more...)
	}
	var pendingTargets map[string]string
	if len(unresolved) > 0 {
		targets := make([]string, len(unresolved))
		for i, u := range unresolved {
			targets[i] = u.UID
		}
		if pendingTargets, err = h.Store.ObjectStates(ctx, rm.ID, targets); err != nil {
			return nil, "", err
		}
	}
	for _, u := range unresolved {
		if o.PortalType == "AnalysisRequest" && u.Field == "Analyses" {
			continue // a sample's analyses are made by the destination
		}
		if st := pendingTargets[u.UID]; st == store.ObjFetched || st == store.ObjWaiting {
			// the target is still to be imported (parked, or requeued):
			// creating now would lose the reference, or be refused. A target
			// the workflow replay makes (a retest) is not waited for: the
			// destination links it itself when the replay creates it
			return nil, "", fmt.Errorf("%w: %s.%s -> %s", ErrDependencyMissing, o.SourceUID, u.Field, u.UID)
		}
		if schema.RequiredRef(o.PortalType, u.Field) {
			if st := pendingTargets[u.UID]; st == store.ObjSkipped {
				// left out on purpose by the remote's options: so is this
				return nil, "", &skippedError{reason: fmt.Sprintf("its required reference %s points at %s, which this remote skips",
					u.Field, u.UID)}
			}
			return nil, "", fmt.Errorf("%w: %s.%s -> %s", ErrDependencyMissing, o.SourceUID, u.Field, u.UID)
		}
		h.Log.Warn("reference left out: its target has no replica", "remote", rm.Name, "uid", o.SourceUID,
			"portal_type", o.PortalType, "field", u.Field, "target", u.UID)
	}
	return fields, note, nil
}

// SetDeferred writes, once their targets exist, the reference fields the
// plan held back to break cycles (ARCHITECTURE.md §4, Import 6). The whole
// field is written, translated, so that multi-valued references keep every
// target.
func (h *Handler) SetDeferred(ctx context.Context, rm store.Remote, sourceUID string, fieldNames []string) error {
	o, err := h.Store.Object(ctx, rm.ID, sourceUID)
	if err != nil {
		return err
	}
	if o.State != store.ObjImported || o.DestUID == "" {
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(o.Data, &raw); err != nil {
		return fmt.Errorf("importer: %s data: %w", o.SourceUID, err)
	}
	only := make(map[string]json.RawMessage, len(fieldNames))
	for _, f := range fieldNames {
		if v, ok := raw[f]; ok {
			only[f] = v
		}
	}
	if rm.SourceFlavor == remote.Flavor1x {
		// the plan named the fields as the 1.x source does
		o.PortalType, only, _, _ = rm.Options.As2x(rm.SourceFlavor, o.PortalType, o.SourcePath, only)
		delete(only, "department_id") // Renamed1x's default, not a deferred reference
	}
	var uids []string
	for _, r := range refs.Extract(o.PortalType, only) {
		uids = append(uids, r.UID)
	}
	tr, err := h.translate(ctx, rm.SourceID, rm.DestinationID, uids)
	if err != nil {
		return err
	}
	fields, unresolved := Payload(o.PortalType, only, func(s string) (string, bool) { d, ok := tr[s]; return d, ok }, nil)
	if len(unresolved) > 0 {
		h.Log.Warn("deferred references still unresolved", "remote", rm.Name, "uid", o.SourceUID,
			"portal_type", o.PortalType, "missing", len(unresolved))
	}
	if len(fields) == 0 {
		return nil
	}
	dst, err := h.Clients(ctx, rm.DestinationID)
	if err != nil {
		return err
	}
	if err := dst.Apply(ctx, o.DestUID, fields, ""); err != nil {
		var se *senaite.Error
		if errors.As(err, &se) && se.Kind != senaite.KindTimeout && se.Kind != senaite.KindNetwork {
			return h.Store.MarkObject(ctx, rm.ID, o.SourceUID, []string{store.ObjImported}, store.ObjFailed,
				"setting deferred references: "+se.Message, "")
		}
		return err
	}
	return nil
}

// HiddenFields tells whether a fetched item is an inactive object whose
// schema fields the source left out (only senaite.jsonapi's attributes and
// catalog metadata are present).
func HiddenFields(raw map[string]json.RawMessage) bool {
	it := senaite.Item{Raw: raw}
	state := it.String("review_state")
	if wf := raw["workflow_info"]; state == "" && (strings.Contains(string(wf), `"review_state": "inactive"`) || strings.Contains(string(wf), `"review_state":"inactive"`)) {
		state = "inactive"
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	return schema.FieldsHidden(it.String("portal_type"), state, keys)
}

// rebuildHidden adds to the fields of an object whose fields the source
// withheld what its catalog metadata still tells and the defaults of its
// required fields (schema.FieldsHidden); the note says what was restored
// and what was defaulted, for the object's record.
func rebuildHidden(portalType string, raw map[string]json.RawMessage, fields map[string]any, tr refs.Translate,
	standIn func(portalType string) (uid, path string, ok bool)) (note string, unresolved []refs.Ref, missingStandIn string) {
	var restored, fromAttr, defaulted, stoodIn []string
	for field, attr := range schema.FromAttribute(portalType) {
		var v string
		if json.Unmarshal(raw[attr], &v) == nil && v != "" {
			fields[field] = v
			fromAttr = append(fromAttr, field+" from its "+attr)
		}
	}
	for field, target := range schema.StandIns(portalType) {
		if _, ok := fields[field]; ok {
			continue
		}
		uid, path, ok := standIn(target)
		if !ok {
			return "", nil, target
		}
		fields[field] = uid
		stoodIn = append(stoodIn, field+" → "+path)
	}
	for col, field := range schema.FromMetadata(portalType) {
		var v any
		if json.Unmarshal(raw[col], &v) != nil || refs.IsEmpty(v) {
			continue
		}
		if s, ok := v.(string); ok && strings.HasSuffix(col, "UID") {
			d, ok := tr(s)
			if !ok {
				unresolved = append(unresolved, refs.Ref{Field: field, UID: s})
				continue
			}
			v = d
		}
		fields[field] = v
		restored = append(restored, field)
	}
	for field, v := range schema.HiddenDefaults(portalType) {
		if _, ok := fields[field]; !ok {
			fields[field] = v
			defaulted = append(defaulted, field)
		}
	}
	sort.Strings(restored)
	sort.Strings(defaulted)
	note = "inactive at the source, which withholds its fields (senaite.jsonapi shows Dexterity fields only to " +
		"users who may modify the object): created from its title and description"
	if len(restored) > 0 {
		note += ", " + strings.Join(restored, ", ") + " from catalog metadata"
	}
	if len(fromAttr) > 0 {
		sort.Strings(fromAttr)
		note += ", " + strings.Join(fromAttr, ", ")
	}
	if len(defaulted) > 0 {
		note += "; defaults for " + strings.Join(defaulted, ", ")
	}
	if len(stoodIn) > 0 {
		sort.Strings(stoodIn)
		note += "; stand-ins, to correct: " + strings.Join(stoodIn, ", ")
	}
	return note, unresolved, ""
}
