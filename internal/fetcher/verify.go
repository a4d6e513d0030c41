package fetcher

import (
	"context"
	"fmt"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/verify"
)

// verify compares one source page with the destination's copies (a verify
// run's page): the source's complete items, their copies read by UID from
// the destination in one listing, compared value by value with every UID
// resolved through the identity table (verify.Compare). Objects the remote
// leaves out on purpose (skipped, or gone at the source) are not compared;
// an object the remote never carried and the destination lacks is missing.
// It returns how many objects it compared.
func (h *Handler) verify(ctx context.Context, src *senaite.Client, p Page) (int, error) {
	if h.Destination == nil {
		return 0, fmt.Errorf("fetcher: no destination client for verify pages")
	}
	rm, err := h.Store.RemoteByID(ctx, p.RemoteID)
	if err != nil {
		return 0, err
	}
	items, err := readPage(ctx, src, p.Query(), p.BStart)
	if err != nil {
		return 0, err
	}
	page := senaite.Page{Items: items}
	// every UID the page's objects mention, found the sceptic's way: any
	// 32-hex string (verify.UIDsOf), not the importer's reference rules
	mentioned := map[string]bool{}
	for _, it := range page.Items {
		mentioned[it.UID], mentioned[it.ParentUID] = true, true
		for _, u := range verify.UIDsOf(it.Raw) {
			mentioned[u] = true
		}
	}
	all := keys(mentioned)
	states, err := h.Store.ObjectStates(ctx, rm.ID, all)
	if err != nil {
		return 0, err
	}
	left := func(uid string) bool { st := states[uid].State; return st == store.ObjSkipped || st == store.ObjGone }
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
	in := verify.Input{Source: scope, Replicas: replicas, LeftOut: map[string]bool{}, Labelled: map[string]bool{},
		Merged: map[string]bool{}}
	for _, o := range scope {
		if states[o.UID].Merged {
			in.Merged[o.UID] = true
		}
	}
	for _, pt := range rm.Options.PrefixableTypes {
		in.Labelled[pt] = true
	}
	for _, u := range all {
		if left(u) {
			in.LeftOut[u] = true
		}
	}
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
			in.Copies = append(in.Copies, verify.FromItem(it))
		}
		if in.Exists, in.Foreign, err = h.destinationUIDs(ctx, rm, dc, in.Copies); err != nil {
			return 0, err
		}
		if in.Own, err = h.Store.OwnOn(ctx, rm.DestinationID, copies); err != nil {
			return 0, err
		}
		if in.Taken, err = h.takenIDs(ctx, rm, dc, in); err != nil {
			return 0, err
		}
	}
	rep := verify.Compare(in)
	diffs := make([]store.Difference, len(rep.Differences))
	for i, d := range rep.Differences {
		diffs[i] = store.Difference(d)
	}
	if err := h.Store.SaveDifferences(ctx, p.RunID, diffs); err != nil {
		return 0, err
	}
	tallies := make([]store.NotCompared, 0, len(rep.NotCompared))
	for class, t := range rep.NotCompared {
		tallies = append(tallies, store.NotCompared{Class: class, Reason: t.Reason, Count: t.Count})
	}
	return len(scope), h.Store.SaveNotCompared(ctx, p.RunID, p.PortalType, p.BStart, tallies)
}

// destinationUIDs looks at every UID the copies' values hold: whether it
// names an object of the destination at all (the identity table knows
// most; the others are asked of the destination), and which of those the
// source has no copy of (the destination's own objects, which a value may
// mention in two-way topologies: partial by design).
func (h *Handler) destinationUIDs(ctx context.Context, rm store.Remote, dc *senaite.Client, copies []verify.Object) (exists func(string) bool, foreign map[string]bool, err error) {
	held := map[string]bool{}
	for _, d := range copies {
		for _, u := range verify.UIDsOf(d.Fields) {
			held[u] = true
		}
	}
	delete(held, verify.PortalUID)
	found, err := h.Store.KnownOn(ctx, rm.DestinationID, keys(held))
	if err != nil {
		return nil, nil, err
	}
	var unknown []string
	for u := range held {
		if !found[u] {
			unknown = append(unknown, u)
		}
	}
	for start := 0; start < len(unknown); start += 100 {
		batch := unknown[start:min(start+100, len(unknown))]
		page, err := dc.SearchPage(ctx, senaite.Query{UIDs: batch, Limit: len(batch)}, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("destination objects referred to: %w", err)
		}
		for _, it := range page.Items {
			found[it.UID] = true
		}
	}
	back, err := h.Store.Translate(ctx, rm.DestinationID, rm.SourceID, keys(held))
	if err != nil {
		return nil, nil, err
	}
	foreign = map[string]bool{}
	for u := range held {
		if _, ok := back[u]; found[u] && !ok {
			foreign[u] = true
		}
	}
	return func(u string) bool { return found[u] }, foreign, nil
}

// takenIDs asks the destination, for every copy whose id is not its
// source's, whether another object of its type holds the source's id
// there — in its container, or anywhere for the types the ID server
// numbers with one counter for the whole lab (contacts, reports) —,
// through the catalog and without the importer's records; only an item
// showing that very id counts, so a catalog that ignores the id index
// proves nothing. The id counts as taken only where the destination
// gathers several labs' objects of the type (the identity table knows
// copies from a third lab there): one counter numbers them all, and the
// first lab to arrive takes the low numbers. A copy renumbered in a
// destination fed by this source alone stays a difference.
func (h *Handler) takenIDs(ctx context.Context, rm store.Remote, dc *senaite.Client, in verify.Input) (func(portalType, id string) bool, error) {
	byUID := make(map[string]verify.Object, len(in.Copies))
	for _, d := range in.Copies {
		byUID[d.UID] = d
	}
	type renumbered struct{ sourceType, destType, id, copyUID string }
	var todo []renumbered
	types := map[string]bool{}
	for _, s := range in.Source {
		d, ok := byUID[in.Replicas[s.UID]]
		if !ok || d.ID == s.ID || d.ID == "" || s.ID == "" || in.Labelled[s.PortalType] || in.Own[d.UID] || in.Merged[s.UID] {
			continue
		}
		todo = append(todo, renumbered{s.PortalType, d.PortalType, s.ID, d.UID})
		types[s.PortalType] = true
	}
	if len(todo) == 0 {
		return nil, nil
	}
	gathered, err := h.Store.GatheredTypes(ctx, rm.DestinationID, rm.SourceID, keys(types))
	if err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	for _, r := range todo {
		key := r.destType + "/" + r.id
		if _, asked := taken[key]; asked || !gathered[r.sourceType] {
			continue
		}
		taken[key] = false
		page, err := dc.SearchPage(ctx, senaite.Query{PortalTypes: []string{r.destType}, ID: r.id, Limit: 50}, 0)
		if err != nil {
			return nil, fmt.Errorf("destination objects holding a source's id: %w", err)
		}
		for _, it := range page.Items {
			if it.ID == r.id && it.UID != r.copyUID {
				taken[key] = true
			}
		}
	}
	return func(portalType, id string) bool { return taken[portalType+"/"+id] }, nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
