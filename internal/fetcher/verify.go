package fetcher

import (
	"bytes"
	"context"
	"fmt"

	"github.com/senaite-sync/senaite-sync/internal/refs"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/schema"
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
	uids := make([]string, 0, len(page.Items))
	for _, it := range page.Items {
		uids = append(uids, it.UID)
	}
	states, err := h.Store.ObjectStates(ctx, rm.ID, uids)
	if err != nil {
		return 0, err
	}
	var scope []verify.Object
	wanted := map[string]bool{}
	for _, it := range page.Items {
		if st := states[it.UID]; st == store.ObjSkipped || st == store.ObjGone {
			continue
		}
		o := verify.FromItem(it)
		if rm.SourceFlavor == remote.Flavor1x {
			// compared as the 2.x object it became (schema.Renamed1x)
			destType, kept := rm.Options.DestinationType(rm.SourceFlavor, o.PortalType)
			if !kept {
				continue
			}
			o.Fields, _ = schema.Renamed1x(destType, it.ID, o.Fields)
			o.PortalType = destType
		}
		scope = append(scope, o)
		wanted[it.UID] = true
		wanted[it.ParentUID] = true
		for _, r := range refs.Extract(it.Raw) {
			wanted[r.UID] = true
		}
	}
	if len(scope) == 0 {
		return 0, nil
	}
	all := make([]string, 0, len(wanted))
	for u := range wanted {
		all = append(all, u)
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
	excluded, err := h.notCarried(ctx, rm, all, dst)
	if err != nil {
		return 0, err
	}
	if len(excluded) > 0 {
		byUID := make(map[string]verify.Object, len(dst))
		for _, d := range dst {
			byUID[d.UID] = d
		}
		for _, o := range scope {
			d, hasCopy := byUID[replicas[o.UID]]
			for f := range o.Fields {
				if mentionsAny(o.Fields[f], excluded) || hasCopy && mentionsAny(d.Fields[f], excluded) {
					delete(o.Fields, f)
					if hasCopy {
						delete(d.Fields, f)
					}
				}
			}
			if hasCopy {
				for f := range d.Fields {
					if mentionsAny(d.Fields[f], excluded) {
						delete(d.Fields, f)
					}
				}
			}
		}
	}
	rep := verify.Compare(scope, dst, replicas)
	diffs := make([]store.Difference, len(rep.Differences))
	for i, d := range rep.Differences {
		diffs[i] = store.Difference(d)
	}
	return len(scope), h.Store.SaveDifferences(ctx, p.RunID, diffs)
}

// notCarried lists the UIDs a page's comparison cannot expect on the
// other side: source objects this remote skips (or that are gone), and
// objects the destination copies refer to that have no copy at the source.
func (h *Handler) notCarried(ctx context.Context, rm store.Remote, sourceUIDs []string, dst []verify.Object) ([]string, error) {
	states, err := h.Store.ObjectStates(ctx, rm.ID, sourceUIDs)
	if err != nil {
		return nil, err
	}
	var out []string
	for u, st := range states {
		if st == store.ObjSkipped || st == store.ObjGone {
			out = append(out, u)
		}
	}
	var destRefs []string
	for _, d := range dst {
		for _, r := range refs.Extract(d.Fields) {
			destRefs = append(destRefs, r.UID)
		}
	}
	if len(destRefs) == 0 {
		return out, nil
	}
	back, err := h.Store.Translate(ctx, rm.DestinationID, rm.SourceID, destRefs)
	if err != nil {
		return nil, err
	}
	for _, u := range destRefs {
		if _, ok := back[u]; !ok && u != verify.PortalUID {
			out = append(out, u)
		}
	}
	return out, nil
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
