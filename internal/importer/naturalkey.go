package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

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
