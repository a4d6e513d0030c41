package importer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// updateOnly applies a remote's update_only_types (ARCHITECTURE.md §6):
// an object of such a type is updated only when it originated at the
// destination, and never created there. The identity table says where an
// object originated; where it does not know (labs synced before, by the
// original add-on, whose ids carry the destination's local prefix: A-WB-0001
// at the master is A's WB-0001), an object whose id starts with the
// remote's local_prefix is linked to the destination's object with the id
// that follows the prefix, if no identity claims it.
//
// It returns the destination copy to update (ok) or the reason the object
// is skipped.
func (h *Handler) updateOnly(ctx context.Context, rm store.Remote, o store.Stored, ident int64, destUID string, hasCopy bool, dst *senaite.Client) (uid string, ok bool, reason string, err error) {
	origin, err := h.Store.Origin(ctx, ident)
	if err != nil {
		return "", false, "", err
	}
	if origin == rm.DestinationID && hasCopy {
		return destUID, true, "", nil
	}
	if own, found := strings.CutPrefix(remote.IDOf(o.SourcePath), rm.Options.LocalPrefix); rm.Options.LocalPrefix != "" && found && own != "" {
		if hasCopy {
			// linked by its local prefix before (an earlier attempt that
			// then waited for a reference, or stopped): the destination's own
			return destUID, true, "", nil
		}
		uid, modified, err := h.findOwn(ctx, o.PortalType, own, dst)
		if err != nil {
			return "", false, "", err
		}
		if uid != "" {
			linked, err := h.Store.Link(ctx, ident, rm.DestinationID, uid)
			if err != nil {
				return "", false, "", err
			}
			if linked {
				// the source's copy came from this version (the original
				// add-on sent it): the source's changes update it
				if err := h.Store.SetSeen(ctx, rm.DestinationID, []string{uid}, []time.Time{modified}, false); err != nil {
					return "", false, "", err
				}
				h.Log.InfoContext(ctx, "update-only: linked by the local prefix", "remote", rm.Name, "uid", o.SourceUID,
					"portal_type", o.PortalType, "dest_uid", uid, "id", own)
				return uid, true, "", nil
			}
		}
	}
	return "", false, fmt.Sprintf("update-only type at this remote: only objects that originated at %s are updated, none created",
		rm.Destination), nil
}

// findOwn looks for the destination's object of a type with an id, and
// its version.
func (h *Handler) findOwn(ctx context.Context, portalType, id string, dst *senaite.Client) (string, time.Time, error) {
	// uid_catalog indexes id and portal_type on every release
	for it, err := range dst.Search(ctx, senaite.Query{PortalTypes: []string{portalType}, ID: id, Catalog: "uid_catalog", Limit: 10}) {
		if err != nil {
			return "", time.Time{}, err
		}
		if it.ID != id || it.PortalType != portalType {
			continue
		}
		if it.Modified.IsZero() {
			// not among that catalog's columns: read the object
			full, err := dst.Get(ctx, it.UID)
			if err != nil {
				return "", time.Time{}, err
			}
			return it.UID, full.Modified, nil
		}
		return it.UID, it.Modified, nil
	}
	return "", time.Time{}, nil
}
