package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// The setup singletons — the Laboratory, bika_setup and the Dexterity
// setup (senaite_setup) — exist on every lab: they are mapped by path, and
// their fields are part of the lab (its name, address and accreditation,
// its ID formatting, verification rules, currency…), written like any
// object's on import and on update (ARCHITECTURE.md §4, Import 4).
// senaite.jsonapi refuses to update them: is_update_allowed (senaite.jsonapi
// api.py) refuses the portal's children (bika_setup, setup) and
// bika_setup's (the Laboratory). They are written through plone.restapi's
// content PATCH instead, which skips the fields it may not write without
// a word, so every write is read back: a field the destination did not
// take is reported on the object and fails it (the run ends partial),
// never dropped silently.

// unreadable marks an item the source could not show completely
// (fetcher.Unreadable).
const unreadable = "_unreadable"

// Singleton tells whether a portal type is a setup singleton.
func Singleton(portalType string) bool {
	switch portalType {
	case "Laboratory", "BikaSetup", "Setup":
		return true
	}
	return false
}

// apply writes differing fields of an existing copy: through
// senaite.jsonapi's update, or for a singleton through plone.restapi. It
// returns the fields the destination did not take (a singleton's, read
// back), each with its value there.
func (h *Handler) apply(ctx context.Context, dst *senaite.Client, portalType string, cur senaite.Item,
	write map[string]any) (refused map[string]string, err error) {
	if !Singleton(portalType) {
		return nil, dst.Apply(ctx, cur.UID, write, "")
	}
	if err := dst.PatchContent(ctx, cur.Path, write); err != nil {
		return nil, err
	}
	after, err := dst.Get(ctx, cur.UID)
	var se *senaite.Error
	if errors.As(err, &se) && se.Kind == senaite.KindAPI {
		refused = map[string]string{}
		for f := range write {
			refused[f] = "unreadable: " + se.Message
		}
		return refused, nil
	}
	if err != nil {
		return nil, err
	}
	sent := senaite.Item{PortalType: portalType, Raw: map[string]json.RawMessage{}}
	for k, v := range write {
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("importer: field %s: %w", k, err)
		}
		sent.Raw[k] = raw
	}
	same := func(uid string) (string, bool) { return uid, true }
	refused = map[string]string{}
	for _, d := range fieldDiffs(sent, after, same) {
		if _, written := write[d.Field]; written {
			refused[d.Field] = d.Destination
		}
	}
	return refused, nil
}

// writeSingleton brings a singleton's copy, just mapped by path, to the
// source's version of its fields: only those that differ, references
// translated; the references the plan holds back are set by the deferred
// pass. It returns the outcome of the mapping: linked, with what was
// written as its note, or failed naming the fields the destination did
// not take (the mapping is kept either way).
func (h *Handler) writeSingleton(ctx context.Context, rm store.Remote, o store.Stored, ident int64, destUID string,
	dst *senaite.Client) (outcome, error) {
	it, err := senaite.DecodeItem(o.Data)
	if err != nil {
		return outcome{}, fmt.Errorf("importer: %s data: %w", o.SourceUID, err)
	}
	if msg, bad := it.Raw[unreadable]; bad {
		return linked(ident, destUID, "mapped only: the source cannot show its fields (senaite.jsonapi: "+string(msg)+")"), nil
	}
	o.PortalType, it.Raw, _, _ = rm.Options.As2x(rm.SourceFlavor, o.PortalType, o.SourcePath, it.Raw)
	it.PortalType = o.PortalType
	out := linked(ident, destUID, "")
	var written []string
	// a copy that could not be read is written whole, then read again:
	// what its defaults hold where the source holds nothing is seen then
	for pass := 0; pass < 2; pass++ {
		cur, err := h.readSingleton(ctx, dst, destUID)
		if err != nil {
			return outcome{}, err
		}
		write, err := h.differing(ctx, rm, o, it, cur)
		if err != nil {
			return outcome{}, err
		}
		if len(write) == 0 {
			break
		}
		if done, err := h.writeSingletonFields(ctx, dst, o, cur, write, &out); err != nil || !done {
			return out, err
		}
		for f := range write {
			written = append(written, f)
		}
		if len(cur.Raw) > 0 {
			break
		}
	}
	if len(written) > 0 {
		slices.Sort(written)
		out.note = "fields written through plone.restapi: " + strings.Join(slices.Compact(written), ", ")
		h.Log.InfoContext(ctx, "setup singleton written", "remote", rm.Name, "uid", o.SourceUID, "portal_type", o.PortalType,
			"fields", len(written))
	}
	return out, nil
}

// writeSingletonFields writes fields of a singleton's copy; done is false
// when the outcome became a failure (named in out).
func (h *Handler) writeSingletonFields(ctx context.Context, dst *senaite.Client, o store.Stored, cur senaite.Item,
	write map[string]any, out *outcome) (done bool, err error) {
	refused, err := h.apply(ctx, dst, o.PortalType, cur, write)
	if errors.Is(err, senaite.ErrNoPloneREST) {
		out.state, out.reason = store.ObjFailed, fmt.Sprintf("senaite.jsonapi cannot update the %s and the destination has no "+
			"plone.restapi: its fields %s differ from the source's and were not written", o.PortalType, fieldNames(write))
		return false, nil
	}
	var se *senaite.Error
	if errors.As(err, &se) && !senaite.Transient(err) {
		out.state, out.reason = store.ObjFailed, fmt.Sprintf("the destination refused the %s's fields %s: %s",
			o.PortalType, fieldNames(write), se.Message)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if len(refused) > 0 {
		out.state, out.reason = store.ObjFailed, refusedReason(o.PortalType, refused)
		return false, nil
	}
	return true, nil
}

// readSingleton reads a singleton's copy. A fresh 2.6 site's Dexterity
// setup cannot be read completely: its publication e-mail body was never
// saved, so Dexterity answers its default factory's plain string and
// senaite.jsonapi's RichTextFieldManager fails on value.output (an HTTP-200
// error). Its fields are then taken as unknown — every field of the
// source's is written — and writing the body through plone.restapi makes
// it readable.
func (h *Handler) readSingleton(ctx context.Context, dst *senaite.Client, uid string) (senaite.Item, error) {
	cur, err := dst.Get(ctx, uid)
	var se *senaite.Error
	if !errors.As(err, &se) || se.Kind != senaite.KindAPI {
		return cur, err
	}
	for it, err := range dst.Search(ctx, senaite.Query{UIDs: []string{uid}, Limit: 1}) {
		if err != nil {
			return senaite.Item{}, err
		}
		return senaite.Item{UID: it.UID, PortalType: it.PortalType, Path: it.Path, Raw: map[string]json.RawMessage{}}, nil
	}
	return senaite.Item{}, fmt.Errorf("importer: singleton %s: %w", uid, err)
}

// differing are the translated source fields of an object that differ on
// its copy (fieldDiffs), those the plan holds back left out.
func (h *Handler) differing(ctx context.Context, rm store.Remote, o store.Stored, it, cur senaite.Item) (map[string]any, error) {
	fields, _, err := h.payload(ctx, rm, o, it.Raw)
	if err != nil {
		return nil, err
	}
	uids := refUIDs(o.PortalType, it.Raw)
	tr, err := h.translate(ctx, rm.SourceID, rm.DestinationID, uids)
	if err != nil {
		return nil, err
	}
	held, err := h.deferredFields(ctx, rm, o.SourceUID)
	if err != nil {
		return nil, err
	}
	diffs := fieldDiffs(it, cur, func(s string) (string, bool) { d, ok := tr[s]; return d, ok })
	write := changedFields(diffs, fields, it, cur)
	for _, f := range held {
		delete(write, f)
	}
	return write, nil
}

// refusedReason names the fields a destination did not take.
func refusedReason(portalType string, refused map[string]string) string {
	names := make([]string, 0, len(refused))
	for f := range refused {
		names = append(names, f)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, f := range names {
		parts[i] = fmt.Sprintf("%s (still %s)", f, refused[f])
	}
	return fmt.Sprintf("the destination did not take the %s's fields %s", portalType, strings.Join(parts, ", "))
}

// refUIDs lists the UIDs an item's references name.
func refUIDs(portalType string, raw map[string]json.RawMessage) []string {
	var uids []string
	for _, r := range refs.Extract(portalType, raw) {
		uids = append(uids, r.UID)
	}
	slices.Sort(uids)
	return slices.Compact(uids)
}
