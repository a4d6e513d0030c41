package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// identityKey is the key an object would hold at the destination under its
// type's identity rule (schema.Identity), in the container parent; ok is
// false for types without a rule and objects with an empty key.
func identityKey(rm store.Remote, portalType, parent string, raw map[string]json.RawMessage) (store.Key, schema.IdentityRule, bool) {
	rule, ok := schema.Identity(portalType)
	if !ok {
		return store.Key{}, rule, false
	}
	v := strings.TrimSpace((senaite.Item{Raw: raw}).String(rule.Field))
	if v == "" {
		return store.Key{}, rule, false
	}
	return store.Key{InstanceID: rm.DestinationID, PortalType: portalType, ParentUID: parent, Value: v}, rule, true
}

// mergeByKey links an object to the destination object that holds its key
// (ARCHITECTURE.md §5): labs that grew apart share setup, and the central
// lab must hold each key once. The caller holds the key's lock
// (store.LockKey). The holder is what this system recorded (a copy another
// remote made a moment ago) or what the destination lists. A holder no
// identity claims is linked as the destination's own object; one that is
// the copy of another lab's object joins identities with it, unless it is
// already the copy of another object of this same source (two objects of
// one lab are two objects: ok false, a copy is created). The note lists
// the fields in which the two differ, for a person to decide.
func (h *Handler) mergeByKey(ctx context.Context, rm store.Remote, o store.Stored, ident int64, k store.Key, rule schema.IdentityRule,
	raw map[string]json.RawMessage, dst *senaite.Client) (outcome, bool, error) {
	holder, err := h.Store.KeyHolder(ctx, k)
	if err != nil {
		return outcome{}, false, err
	}
	if holder == "" {
		index, err := h.naturalKeys(ctx, k.InstanceID, k.PortalType, rule.Field, dst)
		if err != nil {
			return outcome{}, false, err
		}
		holder = index[k.ParentUID+"\x00"+k.Value]
	}
	if holder == "" {
		return outcome{}, false, nil
	}
	into := ident
	if claim, claimed, err := h.Store.ClaimedBy(ctx, k.InstanceID, holder); err != nil {
		return outcome{}, false, err
	} else if claimed {
		ok, err := h.Store.MergeIdentity(ctx, ident, claim)
		if err != nil || !ok {
			return outcome{}, false, err
		}
		into = claim
	}
	if err := h.Store.RecordKey(ctx, k, holder); err != nil {
		return outcome{}, false, err
	}
	note := fmt.Sprintf("merged into the destination's %s %s, which holds the same %s %q: not created, its fields left as they are",
		o.PortalType, holder, rule.Field, k.Value)
	if diffs, err := h.mergeDiffs(ctx, rm, o.PortalType, raw, holder, dst); err != nil {
		return outcome{}, false, err
	} else if diffs != "" {
		note += "; differs in " + diffs
	}
	h.Log.InfoContext(ctx, "identity merge by natural key", "remote", rm.Name, "uid", o.SourceUID, "portal_type", o.PortalType,
		"key", rule.Field, "value", k.Value, "dest_uid", holder)
	out := linked(into, holder, note)
	out.replica.merged = into == ident // the destination's own object; else another lab's copy
	out.byKey = true
	return out, true, nil
}

// mergeDiffs names the fields an object and the destination object it
// merged into hold differently (references translated), as
// `field: "here" ≠ "there"`.
func (h *Handler) mergeDiffs(ctx context.Context, rm store.Remote, portalType string, raw map[string]json.RawMessage,
	holder string, dst *senaite.Client) (string, error) {
	there, err := dst.Get(ctx, holder)
	if err != nil {
		return "", err
	}
	var uids []string
	for _, r := range refs.Extract(portalType, raw) {
		uids = append(uids, r.UID)
	}
	tr, err := h.translate(ctx, rm.SourceID, rm.DestinationID, uids)
	if err != nil {
		return "", err
	}
	diffs := fieldDiffs(senaite.Item{PortalType: portalType, Raw: raw}, there,
		func(s string) (string, bool) { d, ok := tr[s]; return d, ok })
	parts := make([]string, 0, len(diffs))
	for _, d := range diffs {
		parts = append(parts, fmt.Sprintf("%s: %s ≠ %s", d.Field, d.Source, d.Destination))
	}
	return strings.Join(parts, ", "), nil
}

// forgetKeys drops a destination type's cached natural keys.
func (h *Handler) forgetKeys(instanceID int64, portalType string) {
	h.keyMu.Lock()
	delete(h.keys, fmt.Sprintf("%d/%s", instanceID, portalType))
	h.keyMu.Unlock()
}

// naturalKeys lists the destination's keys of a type, by container and
// value, once per process: the objects that were there before (what this
// system creates or links is in store.KeyHolder at once). One made at the
// destination since is found when its create is refused, see forgetKeys.
// Each type is listed under its own lock: the sixty setup types of a lab
// are listed at once, not one after the other behind one lock.
func (h *Handler) naturalKeys(ctx context.Context, instanceID int64, portalType, key string, dst *senaite.Client) (map[string]string, error) {
	k := fmt.Sprintf("%d/%s", instanceID, portalType)
	h.keyMu.Lock()
	if h.keys == nil {
		h.keys = map[string]*keyIndex{}
	}
	idx := h.keys[k]
	if idx == nil {
		idx = &keyIndex{}
		h.keys[k] = idx
	}
	h.keyMu.Unlock()
	idx.mu.Lock()
	defer idx.mu.Unlock()
	if idx.m != nil {
		return idx.m, nil
	}
	m := map[string]string{}
	for it, err := range dst.Search(ctx, senaite.Query{PortalTypes: []string{portalType}, Complete: true, Limit: 200}) {
		if err != nil {
			return nil, err
		}
		if v := strings.TrimSpace(it.String(key)); v != "" {
			if _, dup := m[it.ParentUID+"\x00"+v]; !dup {
				m[it.ParentUID+"\x00"+v] = it.UID
			}
		}
	}
	idx.m = m
	return m, nil
}

// keyIndex is one destination type's natural keys as listed once (m is
// nil until then), filled under its own lock.
type keyIndex struct {
	mu sync.Mutex
	m  map[string]string
}

// stillMerged is an update's outcome for an object merged by its key: the
// holder is left as it is, and the listing says again how the two differ
// now (the source may have changed since the merge).
func (h *Handler) stillMerged(ctx context.Context, rm store.Remote, o store.Stored, holder string, dst *senaite.Client) (outcome, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(o.Data, &raw); err != nil {
		return outcome{}, fmt.Errorf("importer: %s data: %w", o.SourceUID, err)
	}
	note := fmt.Sprintf("merged into the destination's %s %s by its natural key: its fields left as they are", o.PortalType, holder)
	diffs, err := h.mergeDiffs(ctx, rm, o.PortalType, raw, holder, dst)
	if err != nil {
		return outcome{}, err
	}
	if diffs != "" {
		note += "; differs in " + diffs
	}
	return unchanged(holder, note), nil
}
