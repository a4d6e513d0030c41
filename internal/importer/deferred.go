package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/senaite-sync/senaite-sync/internal/elector"
	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// SetDeferred writes, once their targets exist, the reference fields the
// plan held back to break cycles (ARCHITECTURE.md §4, Import 6). The whole
// field is written, translated, so that multi-valued references keep every
// target.
func (h *Handler) SetDeferred(ctx context.Context, rm store.Remote, sourceUID string, names []string) error {
	if err := elector.Check(ctx); err != nil {
		return err // the leader's term ended: its successor sets them
	}
	o, err := h.Store.Object(ctx, rm.ID, sourceUID)
	if err != nil {
		return err
	}
	if o.State != store.ObjImported || o.DestUID == "" || o.Merged {
		// a merged object's holder keeps its own references (mergeByKey)
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(o.Data, &raw); err != nil {
		return fmt.Errorf("importer: %s data: %w", o.SourceUID, err)
	}
	only := make(map[string]json.RawMessage, len(names))
	for _, f := range names {
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
		h.Log.WarnContext(ctx, "deferred references still unresolved", "remote", rm.Name, "uid", o.SourceUID,
			"portal_type", o.PortalType, "missing", len(unresolved))
	}
	if len(fields) == 0 {
		return nil
	}
	dst, err := h.Clients(ctx, rm.DestinationID)
	if err != nil {
		return err
	}
	cur := senaite.Item{UID: o.DestUID}
	if Singleton(o.PortalType) {
		if cur, err = h.readSingleton(ctx, dst, o.DestUID); err != nil {
			return err
		}
	}
	refused, err := h.apply(ctx, dst, o.PortalType, cur, fields)
	if errors.Is(err, senaite.ErrNoPloneREST) {
		return h.Store.MarkObject(ctx, rm.ID, o.SourceUID, []store.ObjState{store.ObjImported}, store.ObjFailed,
			"setting deferred references: the destination has no plone.restapi to write the "+o.PortalType+"'s "+fieldNames(fields), "")
	}
	if err != nil {
		var se *senaite.Error
		if errors.As(err, &se) && !senaite.Transient(err) {
			return h.Store.MarkObject(ctx, rm.ID, o.SourceUID, []store.ObjState{store.ObjImported}, store.ObjFailed,
				"setting deferred references: "+se.Message, "")
		}
		return err
	}
	if len(refused) > 0 {
		return h.Store.MarkObject(ctx, rm.ID, o.SourceUID, []store.ObjState{store.ObjImported}, store.ObjFailed,
			"setting deferred references: "+refusedReason(o.PortalType, refused), "")
	}
	return nil
}
