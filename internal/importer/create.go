package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// createCopy creates an object's copy on the destination (ARCHITECTURE.md
// §4, Import 5 and 8): in its container's copy, with its fields and
// references translated, unless an unclaimed object with its natural key
// is there already (linked instead), the destination makes it itself (a
// retest), or an earlier attempt's create is found through its intent.
func (h *Handler) createCopy(ctx context.Context, rm store.Remote, o store.Stored, destType string, ident int64,
	raw map[string]json.RawMessage, dst *senaite.Client, runID string) (out outcome, err error) {
	if msg, bad := raw[unreadable]; bad {
		return failed("the source cannot show this object's fields (senaite.jsonapi: "+string(msg)+"): not created from its listing alone", ""), nil
	}
	// from here on the object is its destination self (a 1.x source's
	// renamed, remote.Options.As2x)
	_, raw, dropped, _ := rm.Options.As2x(rm.SourceFlavor, o.PortalType, o.SourcePath, raw)
	o.PortalType = destType
	if p, err := h.Store.ObjectHead(ctx, rm.ID, o.ParentUID); err == nil && (p.State == store.ObjFailed || p.State == store.ObjSkipped) {
		// a container that could not be imported: this cannot be either
		return skipped(fmt.Sprintf("its container %s (%s) was %s", p.SourcePath, p.PortalType, p.State), ""), nil
	}
	if reason, err := h.essentialSkipped(ctx, rm, o.PortalType, raw); err != nil {
		return outcome{}, err
	} else if reason != "" {
		return skipped(reason, ""), nil
	}
	parent, err := h.destParent(ctx, rm, o, dst)
	if err != nil {
		return outcome{}, err
	}
	key, rule, keyed := identityKey(rm, o.PortalType, parent, raw)
	if keyed {
		// one holder of the key at the destination, whichever lab's import
		// comes first: the lock is kept until the outcome is recorded
		release, err := h.Store.LockKey(ctx, key)
		if err != nil {
			return outcome{}, err
		}
		defer func() {
			if err == nil && out.replica != nil {
				out.unlock = release
			} else {
				release()
			}
		}()
		// a create of this very object may have reached the destination
		// (its answer lost): the key's holder may be that object, which is
		// adopted below as this object's copy, never merged into as another's
		retry, err := h.Store.HasIntent(ctx, rm.ID, o.SourceUID)
		if err != nil {
			return outcome{}, err
		}
		if !retry {
			if merged, ok, err := h.mergeByKey(ctx, rm, o, ident, key, rule, raw, dst); err != nil || ok {
				return merged, err
			}
		}
	}
	if CreatedByTransition(o.PortalType, raw) {
		// made by a transition at the destination: adopted when the
		// workflow is replayed, never created here
		return parkedForReplay("created by a transition at the destination; adopted during the workflow replay"), nil
	}
	fields, note, err := h.payload(ctx, rm, o, raw)
	if len(dropped) > 0 {
		sort.Strings(dropped)
		note = strings.TrimPrefix(note+"; 1.x fields SENAITE 2 has no place for, not carried: "+strings.Join(dropped, ", "), "; ")
	}
	var skip *skippedError
	if errors.As(err, &skip) {
		return skipped(skip.reason, ""), nil
	}
	if err != nil {
		return outcome{}, err
	}
	var analyses []sampleAnalysis
	if o.PortalType == "AnalysisRequest" {
		services, own, err := h.sampleServices(ctx, rm, o.SourceUID)
		if err != nil {
			return outcome{}, err
		}
		fields["Analyses"] = services
		analyses = own
	}
	// the intent is written only now, when nothing can park the object
	// any more: an intent means a create may have reached the destination
	intent, existed, err := h.Store.RecordIntent(ctx, rm.ID, o.SourceUID, store.Intent{PortalType: o.PortalType, DestParentUID: parent})
	if err != nil {
		return outcome{}, err
	}
	if existed {
		if found, ok, err := h.adopt(ctx, rm, o, fields, raw, dst, intent); err != nil {
			return outcome{}, err
		} else if ok {
			out := created(ident, found)
			if o.PortalType == "AnalysisRequest" {
				sample, err := dst.Get(ctx, found.UID)
				if err != nil {
					return outcome{}, err
				}
				out.sample, out.analyses = &sample, analyses
			}
			return out, nil
		}
	}
	cctx := ctx
	if o.Sequence != "" {
		// the next of its sequence waits for it: before the replay's requests
		cctx = senaite.Urgent(ctx)
	}
	prep, sent := sinceHandling(ctx), time.Now()
	item, err := dst.Create(cctx, destType, parent, fields)
	if o.Sequence != "" {
		// a step of an ID sequence: what of it was this side's (prep) and
		// the lab's (create), for the chains that bound an import's length
		h.Log.DebugContext(ctx, "sequence step", "remote", rm.Name, "uid", o.SourceUID, "sequence", o.Sequence,
			"seq", o.Seq, "prep", prep, "create", time.Since(sent), "sent_at", sent)
	}
	if err != nil {
		var se *senaite.Error
		if errors.As(err, &se) && se.Status == 400 && keyed {
			// refused, perhaps for its key: the index of this process
			// predates an object made at the destination since — look
			// again, once, and link it
			h.forgetKeys(rm.DestinationID, o.PortalType)
			if merged, ok, merr := h.mergeByKey(ctx, rm, o, ident, key, rule, raw, dst); merr != nil || ok {
				return merged, merr
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
			return failed(reason, ""), nil
		}
		return outcome{}, err
	}
	passed := h.passTurn(ctx, rm, runID, o, item.UID)
	if clear := defaultsToClear(o.PortalType, senaite.Item{PortalType: o.PortalType, Raw: raw}, item); len(clear) > 0 {
		// the destination's defaults where the source holds nothing
		if err := dst.Apply(ctx, item.UID, clear, ""); err != nil {
			note = strings.TrimPrefix(note+"; the destination's defaults of "+fieldNames(clear)+
				" stay, the source holds them empty: "+err.Error(), "; ")
		}
	}
	if keyed {
		if err := h.Store.RecordKey(ctx, key, item.UID); err != nil {
			return outcome{}, err
		}
	}
	out = created(ident, item)
	out.turnPassed = passed
	if note != "" {
		h.Log.WarnContext(ctx, "object imported with a note", "remote", rm.Name, "uid", o.SourceUID,
			"portal_type", o.PortalType, "note", note)
		out.note = note
	}
	if o.PortalType == "AnalysisRequest" {
		out.sample, out.analyses = &item, analyses
	}
	return out, nil
}

// stateOr names a target's state, or def when it has none.
func stateOr(st store.ObjState, def string) string {
	if st == "" {
		return def
	}
	return string(st)
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

// adopt looks, after an interrupted create, for the object it may have
// left: same type in the same container, created since the intent, claimed
// by no identity, with the same title.
func (h *Handler) adopt(ctx context.Context, rm store.Remote, o store.Stored, fields map[string]any, raw map[string]json.RawMessage, dst *senaite.Client, in store.Intent) (senaite.Item, bool, error) {
	depth := 1
	parentPath := ""
	for it, err := range dst.Search(ctx, senaite.Query{UIDs: []string{in.DestParentUID}, Limit: 1}) {
		if err != nil {
			return senaite.Item{}, false, err
		}
		parentPath = it.Path
	}
	if parentPath == "" {
		return senaite.Item{}, false, nil
	}
	want := senaite.Item{Raw: raw}
	for it, err := range dst.Search(ctx, senaite.Query{PortalTypes: []string{o.PortalType}, Path: parentPath, Depth: &depth,
		Complete: true, Limit: 200}) {
		if err != nil {
			return senaite.Item{}, false, err
		}
		if it.Created.Before(in.CreatedAt.Add(-2e9)) || !SameContent(fields, it) {
			continue
		}
		if key := schema.NaturalKey(o.PortalType); key != "" && it.String(key) != want.String(key) {
			continue
		}
		if _, claimed, err := h.Store.ClaimedBy(ctx, rm.DestinationID, it.UID); err != nil {
			return senaite.Item{}, false, err
		} else if claimed {
			continue
		}
		h.Log.InfoContext(ctx, "adopting the object of an interrupted create", "remote", rm.Name, "uid", o.SourceUID, "dest_uid", it.UID)
		return it, true, nil
	}
	return senaite.Item{}, false, nil
}

// payload translates the object's fields; references without a replica
// are left for the deferred-reference pass. A target that lands while the
// fields are translated (objects go as soon as their container is there,
// so one may be created meanwhile) is translated by the copy its state
// names, read in the same snapshot as the state: a reference is never
// left out for having been created a moment too late.
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
	var (
		fields         map[string]any
		unresolved     []refs.Ref
		note           string
		pendingTargets map[string]store.Position
	)
	for {
		fields, unresolved = Payload(o.PortalType, raw, translate, deferred)
		note = ""
		if hidden {
			var more []refs.Ref
			var missing string
			note, more, missing = rebuildHidden(o.PortalType, raw, fields, translate, func(pt string) (string, string, bool) {
				uid, path, ok, err := h.Store.AnyImported(ctx, rm.ID, pt)
				return uid, path, ok && err == nil
			})
			if missing != "" {
				return nil, "", waitFor(missing, "%s: no %s imported yet to stand in for its unreadable required reference",
					o.SourceUID, missing)
			}
			unresolved = append(unresolved, more...)
		}
		if len(unresolved) == 0 {
			break
		}
		targets := make([]string, len(unresolved))
		for i, u := range unresolved {
			targets[i] = u.UID
		}
		if pendingTargets, err = h.Store.ObjectStates(ctx, rm.ID, targets); err != nil {
			return nil, "", err
		}
		landed := 0
		for _, t := range targets {
			if p := pendingTargets[t]; p.Landed() {
				if _, ok := tr[t]; !ok {
					tr[t] = p.DestUID
					landed++
				}
			}
		}
		if landed == 0 {
			break
		}
	}
	var left []string
	for _, u := range unresolved {
		if o.PortalType == "AnalysisRequest" && u.Field == "Analyses" {
			continue // a sample's analyses are made by the destination
		}
		if pendingTargets[u.UID].AwaitsImport() {
			// the target is still to be imported (parked, or requeued):
			// creating now would lose the reference, or be refused. A target
			// the workflow replay makes (a retest) is not waited for: the
			// destination links it itself when the replay creates it
			return nil, "", waitFor(u.UID, "%s.%s -> %s", o.SourceUID, u.Field, u.UID)
		}
		if schema.RequiredRef(o.PortalType, u.Field) {
			if pendingTargets[u.UID].State == store.ObjSkipped {
				// left out on purpose by the remote's options: so is this
				return nil, "", &skippedError{reason: fmt.Sprintf("its required reference %s points at %s, which this remote skips",
					u.Field, u.UID)}
			}
			return nil, "", waitFor(u.UID, "%s.%s -> %s", o.SourceUID, u.Field, u.UID)
		}
		left = append(left, fmt.Sprintf("%s → %s (%s)", u.Field, u.UID, stateOr(pendingTargets[u.UID].State, "never fetched")))
	}
	if len(left) > 0 {
		// said once it is sure the object goes without them (a target
		// further on may still make it wait)
		h.Log.WarnContext(ctx, "references left out: their targets have no replica", "remote", rm.Name, "uid", o.SourceUID,
			"portal_type", o.PortalType, "references", strings.Join(left, ", "))
		// never written half: the field is left out, and the object says so
		note = strings.TrimPrefix(note+"; references left out, their targets have no copy: "+strings.Join(left, ", "), "; ")
	}
	return fields, note, nil
}
