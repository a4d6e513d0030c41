package importer

import (
	"context"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
	"strings"
)

// destPath translates a source path to the destination's site.
func destPath(srcPath, dstSiteURL string) string {
	site := dstSiteURL[strings.LastIndex(strings.TrimRight(dstSiteURL, "/"), "/"):]
	parts := strings.SplitN(strings.TrimPrefix(srcPath, "/"), "/", 2)
	if len(parts) < 2 {
		return site
	}
	return site + "/" + parts[1]
}

// byPath finds a destination object by its physical path.
func byPath(ctx context.Context, dst *senaite.Client, path string) (string, bool, error) {
	depth := 0
	for it, err := range dst.Search(ctx, senaite.Query{Path: path, Depth: &depth, Limit: 2}) {
		if err != nil {
			return "", false, err
		}
		return it.UID, true, nil
	}
	return "", false, nil
}

// mapStructural links a fixed folder or singleton to the destination's.
func (h *Handler) mapStructural(ctx context.Context, rm store.Remote, o store.Stored, destType string, ident int64, dst *senaite.Client) (outcome, error) {
	uid, ok, err := byPath(ctx, dst, destPath(o.SourcePath, dst.SiteURL()))
	if err != nil {
		return outcome{}, err
	}
	if !ok {
		// moved between releases (bika_setup/bika_analysiscategories is
		// setup/analysiscategories in 2.6): a folder type the destination
		// has exactly once is that folder
		if uid, ok, err = onlyOne(ctx, dst, destType); err != nil {
			return outcome{}, err
		}
	}
	if !ok {
		return skipped("structural object with no counterpart on the destination at "+destPath(o.SourcePath, dst.SiteURL()), ""), nil
	}
	if Singleton(destType) && rm.Options.Fetches(o.PortalType) {
		// a remote that skips the type (a collaborator's Laboratory at the
		// master: each lab keeps its own name) only maps it
		return h.writeSingleton(ctx, rm, o, ident, uid, dst)
	}
	return linked(ident, uid, ""), nil
}

// onlyOne finds the destination's single object of a type (false when it
// has none or several).
func onlyOne(ctx context.Context, dst *senaite.Client, portalType string) (string, bool, error) {
	page, err := dst.SearchPage(ctx, senaite.Query{PortalTypes: []string{portalType}, Limit: 2}, 0)
	if err != nil {
		return "", false, err
	}
	if page.Count != 1 || len(page.Items) != 1 {
		return "", false, nil
	}
	return page.Items[0].UID, true, nil
}

// destParent is the container on the destination: a structural parent by
// path, any other by identity.
func (h *Handler) destParent(ctx context.Context, rm store.Remote, o store.Stored, dst *senaite.Client) (string, error) {
	parentPath := o.SourcePath[:strings.LastIndex(o.SourcePath, "/")]
	if got, err := h.translate(ctx, rm.SourceID, rm.DestinationID, []string{o.ParentUID}); err != nil {
		return "", err
	} else if uid, ok := got[o.ParentUID]; ok {
		return uid, nil
	}
	if p, err := h.Store.ObjectHead(ctx, rm.ID, o.ParentUID); err == nil && !schema.Structural(p.PortalType, p.SourcePath) {
		return "", waitFor(o.ParentUID, "container %s of %s", o.ParentUID, o.SourceUID)
	}
	uid, ok, err := byPath(ctx, dst, destPath(parentPath, dst.SiteURL()))
	if err != nil {
		return "", err
	}
	if !ok {
		return "", waitFor(parentPath, "container %s of %s", parentPath, o.SourceUID)
	}
	return uid, nil
}
