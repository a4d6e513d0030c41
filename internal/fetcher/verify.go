package fetcher

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/verify"
)

// verify compares one source page with the destination's copies (a verify
// run's page): the source's complete items, their copies read by UID from
// the destination in one listing, compared field by field with references
// translated through the identity table. Objects the remote leaves out on
// purpose (skipped, or gone at the source) are not compared; an object the
// remote never carried and the destination lacks is missing. It returns
// how many objects it compared.
func (h *Handler) verify(ctx context.Context, src *senaite.Client, p Page) (int, error) {
	if h.Destination == nil {
		return 0, fmt.Errorf("fetcher: no destination client for verify pages")
	}
	rm, err := h.Store.RemoteByID(ctx, p.RemoteID)
	if err != nil {
		return 0, err
	}
	page, err := src.SearchPage(ctx, p.Query(), p.BStart)
	if err != nil {
		return 0, err
	}
	// one look at the remote's states: the page's objects (skipped or gone
	// are not compared) and what they refer to (fields pointing at what the
	// remote leaves out are not either)
	wanted := map[string]bool{}
	for _, it := range page.Items {
		wanted[it.UID], wanted[it.ParentUID] = true, true
		for _, r := range refs.Extract(it.PortalType, it.Raw) {
			wanted[r.UID] = true
		}
	}
	all := make([]string, 0, len(wanted))
	for u := range wanted {
		all = append(all, u)
	}
	states, err := h.Store.ObjectStates(ctx, rm.ID, all)
	if err != nil {
		return 0, err
	}
	left := func(uid string) bool { st := states[uid]; return st == store.ObjSkipped || st == store.ObjGone }
	var scope []verify.Object
	for _, it := range page.Items {
		if left(it.UID) {
			continue
		}
		o := verify.FromItem(it)
		// compared as its destination self (a 1.x source's renamed)
		var kept bool
		if o.PortalType, o.Fields, _, kept = rm.Options.As2x(rm.SourceFlavor, o.PortalType, it.Path, o.Fields); kept {
			scope = append(scope, o)
		}
	}
	if len(scope) == 0 {
		return 0, nil
	}
	replicas, err := h.Store.Translate(ctx, rm.SourceID, rm.DestinationID, all)
	if err != nil {
		return 0, err
	}
	var copies []string
	for _, o := range scope {
		if d, ok := replicas[o.UID]; ok {
			copies = append(copies, d)
		}
	}
	var dst []verify.Object
	if len(copies) > 0 {
		dc, err := h.Destination(ctx, p.RemoteID)
		if err != nil {
			return 0, err
		}
		dpage, err := dc.SearchPage(ctx, senaite.Query{UIDs: copies, Limit: len(copies), Complete: true, Workflow: true}, 0)
		if err != nil {
			return 0, fmt.Errorf("destination copies: %w", err)
		}
		for _, it := range dpage.Items {
			dst = append(dst, verify.FromItem(it))
		}
	}
	// a field pointing at objects this remote leaves out on purpose (a
	// master's worksheet at a collaborator that was never sent the
	// master's own analyses), or at destination objects the source never
	// received (the same worksheet verified in the other direction), is
	// partial by design: not compared
	var excluded []string
	for _, u := range all {
		if left(u) {
			excluded = append(excluded, u)
		}
	}
	unknown, err := h.unknownAtSource(ctx, rm, dst)
	if err != nil {
		return 0, err
	}
	if excluded = append(excluded, unknown...); len(excluded) > 0 {
		byUID := make(map[string]verify.Object, len(dst))
		for _, d := range dst {
			byUID[d.UID] = d
		}
		for _, o := range scope {
			dropPartial(o, byUID[replicas[o.UID]], excluded)
		}
	}
	rep := verify.Compare(scope, dst, replicas)
	diffs := make([]store.Difference, len(rep.Differences))
	for i, d := range rep.Differences {
		diffs[i] = store.Difference(d)
	}
	return len(scope), h.Store.SaveDifferences(ctx, p.RunID, diffs)
}

// unknownAtSource lists the objects the destination copies refer to that
// have no copy at the source.
func (h *Handler) unknownAtSource(ctx context.Context, rm store.Remote, dst []verify.Object) ([]string, error) {
	var destRefs []string
	for _, d := range dst {
		for _, r := range refs.Extract(d.PortalType, d.Fields) {
			destRefs = append(destRefs, r.UID)
		}
	}
	if len(destRefs) == 0 {
		return nil, nil
	}
	back, err := h.Store.Translate(ctx, rm.DestinationID, rm.SourceID, destRefs)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range destRefs {
		if _, ok := back[u]; !ok && u != verify.PortalUID {
			out = append(out, u)
		}
	}
	return out, nil
}

// dropPartial leaves out of a comparison, on both sides, every field that
// mentions one of the excluded UIDs on either side (d may be the zero
// Object: the copy is missing).
func dropPartial(o, d verify.Object, excluded []string) {
	for _, fields := range []map[string]json.RawMessage{o.Fields, d.Fields} {
		for f, raw := range fields {
			if mentionsAny(raw, excluded) {
				delete(o.Fields, f)
				delete(d.Fields, f)
			}
		}
	}
}

// mentionsAny tells whether a raw JSON value contains one of the UIDs.
func mentionsAny(raw []byte, uids []string) bool {
	for _, u := range uids {
		if bytes.Contains(raw, []byte(u)) {
			return true
		}
	}
	return false
}
