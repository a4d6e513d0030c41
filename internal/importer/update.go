package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/verify"
)

// updateCopy brings an object's existing copy on the destination up to
// the source's version (ARCHITECTURE.md §4, Update 2): only the fields
// that differ are written, so a copy already equal costs one read and no
// write — which is what lets A→B and B→A settle. A copy that changed on
// the destination since the system last saw it (its own write, or the
// version read from it as a source) is a conflict, not overwritten,
// unless the type is read-only there (the source is authoritative).
func (h *Handler) updateCopy(ctx context.Context, rm store.Remote, o store.Stored, ident int64, destUID string, dst *senaite.Client) (string, error) {
	if schema.Structural(o.PortalType, o.SourcePath) {
		// fixed folders and singletons are the destination's own: a
		// changed modified date there (a child added) is nothing to write
		return store.ObjUnchanged, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjUnchanged, "", destUID)
	}
	readOnly := slices.Contains(rm.Options.ReadOnlyTypes, o.PortalType)
	if open, err := h.Store.OpenConflictOn(ctx, ident); err != nil {
		return "", err
	} else if open && !readOnly {
		// flagged by this or the reverse remote: nobody writes it until a
		// person resolves it
		return store.ObjConflict, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjConflict,
			"an open conflict of this object waits for `senaite-sync resolve`", destUID)
	}
	cur, err := dst.Get(ctx, destUID)
	if errors.Is(err, senaite.ErrNotFound) {
		return store.ObjFailed, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjFailed,
			"its copy "+destUID+" is no longer on the destination", destUID)
	}
	if err != nil {
		return "", err
	}
	it, err := senaite.DecodeItem(o.Data)
	if err != nil {
		return "", fmt.Errorf("importer: %s data: %w", o.SourceUID, err)
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
		return "", err
	}
	diffs := verify.FieldDiffs(verify.FromItem(it), verify.FromItem(cur), func(s string) (string, bool) {
		if s == verify.PortalUID {
			return s, true
		}
		d, ok := tr[s]
		return d, ok
	})
	if len(diffs) == 0 {
		if err := h.sawSource(ctx, rm, o); err != nil {
			return "", err
		}
		if cur.ReviewState != it.ReviewState {
			// the workflow replay takes it on
			return store.ObjImported, h.Store.MarkUpdated(ctx, rm.ID, o.SourceUID, pending, destUID, "")
		}
		return store.ObjUnchanged, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjUnchanged, "", destUID)
	}
	written, seen, err := h.Store.CopyVersions(ctx, ident, rm.SourceID, rm.DestinationID)
	if err != nil {
		return "", err
	}
	if !readOnly && written != nil && o.Modified != nil && !o.Modified.Truncate(time.Second).After(written.Truncate(time.Second)) {
		// the source's copy is exactly as the system wrote it there:
		// nothing originated at the source to carry. The difference is the
		// destination's, or what the source's copy never held (references
		// to what that lab was never sent) — never a reason to write over
		// the destination
		return store.ObjUnchanged, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjUnchanged,
			"the source's copy is as the system wrote it; the destination's differing fields are left alone", destUID)
	}
	changedThere := seen == nil || cur.Modified.Truncate(time.Second).After(seen.Truncate(time.Second))
	if changedThere && !readOnly {
		c := store.Conflict{RemoteID: rm.ID, SourceUID: o.SourceUID, IdentityID: ident, PortalType: o.PortalType,
			DestUID: destUID, SourceModified: o.Modified, DestModified: &cur.Modified}
		for _, d := range diffs {
			c.Fields = append(c.Fields, store.FieldConflict{Field: d.Field, Source: d.Source, Destination: d.Destination})
		}
		h.Log.Warn("conflict: changed at the source and on the destination", "remote", rm.Name, "uid", o.SourceUID,
			"portal_type", o.PortalType, "dest_uid", destUID, "fields", len(diffs))
		return store.ObjConflict, h.Store.RecordConflict(ctx, c, pending)
	}
	fields, _, err := h.payload(ctx, rm, o, it.Raw)
	var skip *skippedError
	if errors.As(err, &skip) {
		return store.ObjSkipped, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjSkipped, skip.reason, destUID)
	}
	if err != nil {
		return "", err
	}
	write := changedFields(diffs, fields, it)
	if len(write) > 0 {
		if err := dst.Apply(ctx, destUID, write, ""); err != nil {
			var se *senaite.Error
			if errors.As(err, &se) && se.Kind != senaite.KindTimeout && se.Kind != senaite.KindNetwork {
				// locked in its state there, or refused: kept, with the reason
				return store.ObjStateMismatch, h.Store.MarkObject(ctx, rm.ID, o.SourceUID, pending, store.ObjStateMismatch,
					fmt.Sprintf("update refused in state %s at the destination: %s", cur.ReviewState, se.Message), destUID)
			}
			return "", err
		}
	}
	note := ""
	if len(write) > 0 {
		h.Log.Info("copy updated", "remote", rm.Name, "uid", o.SourceUID, "portal_type", o.PortalType,
			"dest_uid", destUID, "fields", fieldNames(write))
	}
	if changedThere && len(write) > 0 {
		// read-only: the source is authoritative, and the user is told
		note = fmt.Sprintf("read-only type edited on the destination (%s): overwritten with the source's version of %s",
			cur.Modified.Format(time.RFC3339), fieldNames(write))
		h.Log.Warn("read-only type edited on the destination: overwritten with the source's version",
			"remote", rm.Name, "uid", o.SourceUID, "portal_type", o.PortalType, "dest_uid", destUID, "fields", len(write))
	}
	if err := h.sawSource(ctx, rm, o); err != nil {
		return "", err
	}
	return store.ObjImported, h.Store.MarkUpdated(ctx, rm.ID, o.SourceUID, pending, destUID, note)
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
// differ on the destination. A field the payload left out is written
// empty only when the source holds it empty: otherwise it is set later
// (a deferred reference) or cannot be sent (a reference without a
// replica, which the payload logged).
func changedFields(diffs []verify.FieldDiff, fields map[string]any, it senaite.Item) map[string]any {
	write := map[string]any{}
	for _, d := range diffs {
		if v, ok := fields[d.Field]; ok {
			write[d.Field] = v
		} else if _, sent := it.Raw[d.Field]; sent && it.IsEmpty(d.Field) {
			write[d.Field] = nil // emptied at the source
		}
	}
	return write
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
