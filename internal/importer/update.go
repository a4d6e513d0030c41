package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// updateCopy brings an object's existing copy on the destination up to
// the source's version (ARCHITECTURE.md §4, Update 2): only the fields
// that differ are written, so a copy already equal costs one read and no
// write — which is what lets A→B and B→A settle. A copy that changed on
// the destination since the system last saw it (its own write, or the
// version read from it as a source) is a conflict, not overwritten,
// unless the type is read-only there (the source is authoritative).
func (h *Handler) updateCopy(ctx context.Context, rm store.Remote, o store.Stored, ident int64, destUID string, dst *senaite.Client) (outcome, error) {
	if schema.Structural(o.PortalType, o.SourcePath) && !(Singleton(o.PortalType) && rm.Options.Fetches(o.PortalType)) {
		// fixed folders and singletons are the destination's own: a
		// changed modified date there (a child added) is nothing to write
		return unchanged(destUID, ""), nil
	}
	if o.Merged {
		// linked by its natural key to another lab's object or the
		// destination's own: that object keeps its values, and the merge
		// lists how they differ (mergeByKey), as they stand now
		return h.stillMerged(ctx, rm, o, destUID, dst)
	}
	readOnly := slices.Contains(rm.Options.ReadOnlyTypes, o.PortalType)
	if open, err := h.Store.OpenConflictOn(ctx, ident); err != nil {
		return outcome{}, err
	} else if open && !readOnly {
		// flagged by this or the reverse remote: nobody writes it until a
		// person resolves it
		return outcome{state: store.ObjConflict, reason: "an open conflict of this object waits for `senaite-sync resolve`",
			destUID: destUID}, nil
	}
	var cur senaite.Item
	var err error
	if Singleton(o.PortalType) {
		cur, err = h.readSingleton(ctx, dst, destUID)
	} else {
		cur, err = dst.Get(ctx, destUID)
	}
	if errors.Is(err, senaite.ErrNotFound) {
		return failed("its copy "+destUID+" is no longer on the destination", destUID), nil
	}
	if err != nil {
		return outcome{}, err
	}
	it, err := senaite.DecodeItem(o.Data)
	if err != nil {
		return outcome{}, fmt.Errorf("importer: %s data: %w", o.SourceUID, err)
	}
	// compared and written as its destination self (remote.Options.As2x)
	o.PortalType, it.Raw, _, _ = rm.Options.As2x(rm.SourceFlavor, o.PortalType, o.SourcePath, it.Raw)
	it.PortalType = o.PortalType
	var uids []string
	for _, r := range refs.Extract(o.PortalType, it.Raw) {
		uids = append(uids, r.UID)
	}
	tr, err := h.translate(ctx, rm.SourceID, rm.DestinationID, uids)
	if err != nil {
		return outcome{}, err
	}
	diffs := fieldDiffs(it, cur, func(s string) (string, bool) { d, ok := tr[s]; return d, ok })
	if len(diffs) == 0 {
		if err := h.sawSource(ctx, rm, o); err != nil {
			return outcome{}, err
		}
		if cur.ReviewState != it.ReviewState {
			// the workflow replay takes it on
			return outcome{state: store.ObjImported, updated: true, destUID: destUID}, nil
		}
		return unchanged(destUID, ""), nil
	}
	written, seen, err := h.Store.CopyVersions(ctx, ident, rm.SourceID, rm.DestinationID)
	if err != nil {
		return outcome{}, err
	}
	if !readOnly && written != nil && o.Modified != nil && !o.Modified.Truncate(time.Second).After(written.Truncate(time.Second)) {
		// the source's copy is exactly as the system wrote it there:
		// nothing originated at the source to carry. The difference is the
		// destination's, or what the source's copy never held (references
		// to what that lab was never sent) — never a reason to write over
		// the destination
		return unchanged(destUID, "the source's copy is as the system wrote it; the destination's differing fields are left alone"), nil
	}
	changedThere := seen == nil || cur.Modified.Truncate(time.Second).After(seen.Truncate(time.Second))
	if changedThere && !readOnly {
		c := store.Conflict{RemoteID: rm.ID, SourceUID: o.SourceUID, IdentityID: ident, PortalType: o.PortalType,
			DestUID: destUID, SourceModified: o.Modified, DestModified: &cur.Modified}
		for _, d := range diffs {
			c.Fields = append(c.Fields, store.FieldConflict{Field: d.Field, Source: d.Source, Destination: d.Destination})
		}
		h.Log.WarnContext(ctx, "conflict: changed at the source and on the destination", "remote", rm.Name, "uid", o.SourceUID,
			"portal_type", o.PortalType, "dest_uid", destUID, "fields", len(diffs))
		return outcome{state: store.ObjConflict, conflict: &c, destUID: destUID}, nil
	}
	fields, _, err := h.payload(ctx, rm, o, it.Raw)
	var skip *skippedError
	if errors.As(err, &skip) {
		return skipped(skip.reason, destUID), nil
	}
	if err != nil {
		return outcome{}, err
	}
	write := changedFields(diffs, fields, it, cur)
	if len(write) > 0 {
		refused, err := h.apply(ctx, dst, o.PortalType, cur, write)
		if errors.Is(err, senaite.ErrNoPloneREST) {
			return failed(fmt.Sprintf("senaite.jsonapi cannot update the %s and the destination has no plone.restapi: "+
				"its fields %s differ from the source's and were not written", o.PortalType, fieldNames(write)), destUID), nil
		}
		if err != nil {
			var se *senaite.Error
			if errors.As(err, &se) && !senaite.Transient(err) {
				// locked in its state there, or refused: kept, with the reason
				return outcome{state: store.ObjStateMismatch, destUID: destUID,
					reason: fmt.Sprintf("update refused in state %s at the destination: %s", cur.ReviewState, se.Message)}, nil
			}
			return outcome{}, err
		}
		if len(refused) > 0 {
			return failed(refusedReason(o.PortalType, refused), destUID), nil
		}
	}
	note := ""
	if len(write) > 0 {
		h.Log.InfoContext(ctx, "copy updated", "remote", rm.Name, "uid", o.SourceUID, "portal_type", o.PortalType,
			"dest_uid", destUID, "fields", fieldNames(write))
	}
	if changedThere && len(write) > 0 {
		// read-only: the source is authoritative, and the user is told
		note = fmt.Sprintf("read-only type edited on the destination (%s): overwritten with the source's version of %s",
			cur.Modified.Format(time.RFC3339), fieldNames(write))
		h.Log.WarnContext(ctx, "read-only type edited on the destination: overwritten with the source's version",
			"remote", rm.Name, "uid", o.SourceUID, "portal_type", o.PortalType, "dest_uid", destUID, "fields", len(write))
	}
	if err := h.sawSource(ctx, rm, o); err != nil {
		return outcome{}, err
	}
	return outcome{state: store.ObjImported, updated: true, destUID: destUID, note: note}, nil
}

// unchanged: the copy holds what the source holds.
func unchanged(destUID, note string) outcome {
	return outcome{state: store.ObjUnchanged, destUID: destUID, reason: note}
}

// sawSource records the version of the source's copy that this import
// carried: an edit there after it is a change of that copy, one before it
// is not (it travelled here).
func (h *Handler) sawSource(ctx context.Context, rm store.Remote, o store.Stored) error {
	if o.Modified == nil {
		return nil
	}
	return h.Store.SetSeen(ctx, rm.SourceID, []string{o.SourceUID}, []time.Time{*o.Modified}, false)
}

// changedFields picks from an object's translated fields those that
// differ on the copy cur. A field the payload left out is written empty
// only when the source holds it empty: otherwise it is set later (a
// deferred reference) or cannot be sent (a reference without a replica,
// which the payload logged).
func changedFields(diffs []fieldDiff, fields map[string]any, it, cur senaite.Item) map[string]any {
	write := map[string]any{}
	for _, d := range diffs {
		if v, ok := fields[d.Field]; ok {
			write[d.Field] = v
		} else if _, sent := it.Raw[d.Field]; sent && it.IsEmpty(d.Field) {
			write[d.Field] = emptyLike(cur.Raw[d.Field]) // emptied at the source
		}
	}
	return write
}

// emptyLike is the empty value of the kind a lab shows in raw: false for a
// boolean, 0 for a number, "" for a string, [] and {} — SENAITE shows
// every falsy value as null, so only the copy's value tells what "empty"
// is to write (null is refused by a required Dexterity field, and sets an
// Archetypes boolean to nothing rather than to false).
func emptyLike(raw json.RawMessage) any {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case 't', 'f':
		return false
	case '"':
		return ""
	case '[':
		return []any{}
	case '{':
		return map[string]any{}
	case 'n':
		return nil
	}
	return 0
}

// defaultsToClear are the fields a new copy holds that its source holds
// empty: the destination's schema defaults (a Dexterity Bool defaulting to
// true, a number defaulting to 7), which a create cannot avoid since
// senaite.jsonapi shows the source's false, 0 or "" as null and a create
// leaves empty fields out. They are written empty right after the create.
func defaultsToClear(portalType string, src, created senaite.Item) map[string]any {
	out := map[string]any{}
	for k, v := range created.Raw {
		if !schema.Sendable(portalType, k) || schema.LabSet(portalType, k) || created.IsEmpty(k) {
			continue
		}
		if sv, shown := src.Raw[k]; shown && src.IsEmpty(k) && len(sv) > 0 {
			out[k] = emptyLike(v)
		}
	}
	return out
}

// fieldNames lists a write's fields, sorted, for a note.
func fieldNames(write map[string]any) string {
	names := make([]string, 0, len(write))
	for k := range write {
		names = append(names, k)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
