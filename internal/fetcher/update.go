package fetcher

import (
	"context"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// An update reads completely only what changed since the last time
// (ARCHITECTURE.md §4, Update 1). Two ways to find it, chosen per type by
// the coordinator from the catalog's indexes:
//   - scan: a light page (no complete=yes: catalog metadata and the
//     attributes, `modified` among them) compared with the versions stored;
//   - since: where the catalog indexes `modified`, light pages sorted by it,
//     newest first, down to the page's Since.
// Either way the changed and the new objects are then read completely, by
// UID, a page at a time.

// scan reads a light page, records what it listed (what it did not list is
// gone) and returns the complete items of the changed and new objects.
func (h *Handler) scan(ctx context.Context, c *senaite.Client, p Page) ([]senaite.Item, error) {
	q := senaite.Query{PortalTypes: []string{p.PortalType}, Limit: p.Limit, SortOn: "created", SortOrder: "ascending"}
	page, err := c.SearchPage(ctx, q, p.BStart)
	if err != nil {
		return nil, err
	}
	uids := make([]string, 0, len(page.Items))
	for _, it := range page.Items {
		if it.UID != "" {
			uids = append(uids, it.UID)
		}
	}
	if err := h.Store.MarkSeen(ctx, p.RunID, uids); err != nil {
		return nil, err
	}
	return h.changed(ctx, c, p, page.Items)
}

// since follows the modified index from the newest object down to p.Since
// and returns the complete items of what changed. Objects modified while
// it pages move to the front and may be missed: they are newer than the
// run's watermark, so the next update reads them.
func (h *Handler) since(ctx context.Context, c *senaite.Client, p Page) ([]senaite.Item, error) {
	q := senaite.Query{PortalTypes: []string{p.PortalType}, Limit: p.Limit, SortOn: "modified", SortOrder: "descending"}
	var candidates []senaite.Item
	for b := 0; ; b += p.Limit {
		page, err := c.SearchPage(ctx, q, b)
		if err != nil {
			return nil, err
		}
		older := false
		for _, it := range page.Items {
			if p.Since != nil && it.Modified.Before(*p.Since) {
				older = true
				break
			}
			candidates = append(candidates, it)
		}
		if older || !page.HasNext || len(page.Items) == 0 || b+p.Limit >= page.Count {
			break
		}
	}
	return h.changed(ctx, c, p, candidates)
}

// changed keeps the listed objects that are new or whose modification
// time is not the stored version's, and reads those completely.
func (h *Handler) changed(ctx context.Context, c *senaite.Client, p Page, listed []senaite.Item) ([]senaite.Item, error) {
	if len(listed) == 0 {
		return nil, nil
	}
	uids := make([]string, 0, len(listed))
	for _, it := range listed {
		uids = append(uids, it.UID)
	}
	stored, err := h.Store.StoredModified(ctx, p.RemoteID, uids)
	if err != nil {
		return nil, err
	}
	var read []string
	seen := map[string]bool{}
	for _, it := range listed {
		if m, ok := stored[it.UID]; (!ok || !m.Equal(it.Modified)) && !seen[it.UID] {
			seen[it.UID] = true
			read = append(read, it.UID)
		}
	}
	var out []senaite.Item
	for len(read) > 0 {
		n := min(len(read), max(p.Limit, 1))
		q := senaite.Query{PortalTypes: []string{p.PortalType}, UIDs: read[:n], Limit: n, Complete: true, Workflow: true}
		page, err := c.SearchPage(ctx, q, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		read = read[n:]
	}
	return out, nil
}
