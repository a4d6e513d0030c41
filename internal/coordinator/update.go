package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/fetcher"
	"github.com/senaite-sync/senaite-sync/internal/queue"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// WatermarkOverlap is how far before the remote's watermark an update
// looks again: a Zope transaction commits after it set `modified`, and a
// long one may land with a time already below the watermark. Re-reading
// the overlap costs little — unchanged objects are recognised by their
// modification time and never read completely.
const WatermarkOverlap = 10 * time.Minute

// advanceUpdate drives an update (ARCHITECTURE.md §4, Update): a queued one
// is planned (what changed is found type by type), a running one scans
// until its pages are read, then imports what changed like an import run
// does, and on success moves the remote's watermark.
func (c *Coordinator) advanceUpdate(ctx context.Context, r store.Run) error {
	switch r.Status {
	case store.StatusQueued:
		if err := c.planUpdate(ctx, r); err != nil {
			return c.fail(ctx, r, err.Error())
		}
		return c.Store.TransitionRun(ctx, r.ID, []store.RunStatus{store.StatusQueued}, store.StatusRunning, "")
	case store.StatusRunning:
		switch r.Phase {
		case store.PhaseScan:
			if r.PagesDone < r.PagesTotal {
				return nil
			}
			return c.finishScan(ctx, r)
		case store.PhaseImport:
			return c.advanceImport(ctx, r)
		}
	}
	return nil
}

// planUpdate checks the source, takes its clock as the run's candidate
// watermark and publishes, per fetched type, either one 'since' page
// (the type's catalog indexes `modified`) or the light scan's pages.
func (c *Coordinator) planUpdate(ctx context.Context, r store.Run) error {
	rm, cl, err := c.runSource(ctx, r)
	if err != nil {
		return err
	}
	v, err := cl.Version(ctx)
	if err != nil {
		return fmt.Errorf("source %s: is senaite.jsonapi installed? %w", rm.Source, err)
	}
	if err := cl.CheckAuth(ctx); err != nil {
		return fmt.Errorf("source %s: %w", rm.Source, err)
	}
	watermark, ok := cl.Clock()
	if !ok {
		// a lab without a Date header: our clock, the overlap absorbs skew
		watermark = time.Now().UTC()
	}
	types, err := cl.PortalTypes(ctx)
	if err != nil {
		return err
	}
	if err := rm.Options.Validate(func(t string) bool { return slices.Contains(types, t) }); err != nil {
		var fe *remote.FieldError
		if errors.As(err, &fe) {
			return fmt.Errorf("remote %s: %s: %s at source %s", rm.Name, fe.Field, fe.Message, rm.Source)
		}
		return err
	}
	indexed, err := modifiedIndexed(ctx, cl, v)
	if err != nil {
		return err
	}
	mark, err := c.Store.Watermark(ctx, rm.ID)
	if err != nil {
		return err
	}
	var since *time.Time
	if mark != nil {
		s := mark.Add(-WatermarkOverlap)
		since = &s
	}
	pageSize := rm.Options.Normalize().PageSize
	counts := map[string]int{}
	var pages []fetcher.Page
	for _, t := range types {
		if !rm.Options.Fetches(t) {
			continue
		}
		n, err := cl.Count(ctx, senaite.Query{PortalTypes: []string{t}})
		if err != nil {
			return fmt.Errorf("source %s: count %s: %w", rm.Source, t, err)
		}
		counts[t] = n
		if n == 0 {
			continue
		}
		if since != nil && indexed[t] {
			pages = append(pages, fetcher.Page{RunID: r.ID, RemoteID: rm.ID, PortalType: t, BStart: store.SinceBStart,
				Limit: pageSize, Mode: store.ModeSince, Since: since})
			continue
		}
		pages = append(pages, scanPages(r, rm.ID, t, n, pageSize)...)
	}
	if err := c.Store.SetRunTotals(ctx, r.ID, counts); err != nil {
		return err
	}
	if err := c.copySiteConfig(ctx, r, rm); err != nil {
		return fmt.Errorf("site configuration: %w", err)
	}
	if err := c.Store.SetRunPlan(ctx, r.ID, watermark); err != nil {
		return err
	}
	if err := c.publishPages(ctx, r, rm, pages); err != nil {
		return err
	}
	c.Log.InfoContext(ctx, "update planned", "run_id", r.ID, "remote", rm.Name, "pages", len(pages), "types", len(counts),
		"since", since, "watermark", watermark)
	return nil
}

// scanPages are the light scan's pages of one type.
func scanPages(r store.Run, remoteID int64, portalType string, n, pageSize int) []fetcher.Page {
	pages := fetcher.PlanPages(r.ID, remoteID, map[string]int{portalType: n}, pageSize)
	for i := range pages {
		pages[i].Mode = store.ModeScan
	}
	return pages
}

// publishPages records a run's fetch pages (a fetch's, an update's) and
// publishes them, waking the fetchers (both idempotent: page rows and
// message ids are keyed).
func (c *Coordinator) publishPages(ctx context.Context, r store.Run, rm store.Remote, pages []fetcher.Page) error {
	sp := make([]store.Page, len(pages))
	for i, p := range pages {
		sp[i] = store.Page{PortalType: p.PortalType, BStart: p.BStart, PageSize: p.Limit, Mode: p.Mode, Since: p.Since}
	}
	if err := c.Store.PlanPages(ctx, r.ID, sp); err != nil {
		return err
	}
	subject := c.Names.Subject(queue.Fetch, rm.Name)
	for _, p := range pages {
		raw, _ := json.Marshal(p)
		if err := queue.Publish(ctx, c.JS, subject, p.MsgID(), raw); err != nil && !errors.Is(err, queue.ErrDuplicate) {
			return err
		}
	}
	queue.Wake(c.JS, c.Names, queue.Fetch, rm.Name)
	return nil
}

// modifiedIndexed tells, per portal type, whether the catalog a query of
// that type goes to indexes `modified` (senaite.jsonapi-2.5+ picks the
// type's own catalog; an unindexed sort or filter is silently ignored, so
// this is read from /catalogs, never assumed). 1.x labs always scan.
func modifiedIndexed(ctx context.Context, cl *senaite.Client, v senaite.Version) (map[string]bool, error) {
	out := map[string]bool{}
	if v.Flavor != "2.x" || !atLeast(v.Version, 2, 5) {
		return out, nil
	}
	cats, err := cl.Catalogs(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalogs: %w", err)
	}
	for _, cat := range cats {
		if cat.ID == "portal_catalog" || cat.ID == "uid_catalog" {
			continue
		}
		for _, t := range cat.PortalTypes {
			if _, seen := out[t]; !seen {
				out[t] = cat.HasIndex("modified")
			}
		}
	}
	return out, nil
}

// atLeast compares a dotted version with major.minor.
func atLeast(version string, major, minor int) bool {
	var a, b int
	if n, _ := fmt.Sscanf(version, "%d.%d", &a, &b); n < 1 {
		return false
	}
	return a > major || a == major && b >= minor
}

// finishScan closes an update's scan: a type read through its index whose
// stored count does not match the source's is scanned after all (an
// object removed, or one the index did not show); then the objects the
// scan did not list are marked gone, the containers of new objects are
// fetched, and the import phase starts.
func (c *Coordinator) finishScan(ctx context.Context, r store.Run) error {
	full, err := c.Store.Run(ctx, r.ID)
	if err != nil {
		return err
	}
	rm, err := c.Store.RemoteByID(ctx, r.RemoteID)
	if err != nil {
		return err
	}
	scanned, since, err := c.Store.RunPageTypes(ctx, r.ID)
	if err != nil {
		return err
	}
	live, err := c.Store.LiveCounts(ctx, rm.ID)
	if err != nil {
		return err
	}
	pageSize := rm.Options.Normalize().PageSize
	var more []fetcher.Page
	for _, t := range since {
		if n := full.ByType[t].Total; live[t] != n && !slices.Contains(scanned, t) {
			c.Log.InfoContext(ctx, "update: counts differ after the index query; scanning the type", "run_id", r.ID,
				"remote", rm.Name, "portal_type", t, "source", n, "stored", live[t])
			more = append(more, scanPages(full, rm.ID, t, n, pageSize)...)
		}
	}
	if len(more) > 0 {
		return c.publishPages(ctx, r, rm, more)
	}
	// every type the source counted, and every stored type it no longer
	// has, was listed whole unless it went through its index
	var whole []string
	for t := range live {
		if !slices.Contains(since, t) || slices.Contains(scanned, t) {
			whole = append(whole, t)
		}
	}
	sort.Strings(whole)
	if r.Watermark != nil {
		gone, err := c.Store.MarkGone(ctx, rm.ID, r.ID, whole, *r.Watermark)
		if err != nil {
			return err
		}
		for t, n := range gone {
			c.Log.WarnContext(ctx, "objects gone at the source", "run_id", r.ID, "remote", rm.Name, "portal_type", t, "objects", n)
		}
	}
	if err := c.rewriteReadOnly(ctx, r, rm); err != nil {
		return c.fail(ctx, r, "read-only types on the destination: "+err.Error())
	}
	if err := c.fetchMissingParents(ctx, r); err != nil {
		return c.Store.TransitionRun(ctx, r.ID, []store.RunStatus{store.StatusRunning}, store.StatusFailed, err.Error())
	}
	changed, err := c.Store.RunChanged(ctx, rm.ID, r.ID)
	if err != nil {
		return err
	}
	if err := c.Store.SetRunFetched(ctx, r.ID, changed); err != nil {
		return err
	}
	if n, err := c.Store.ClaimPending(ctx, rm.ID, r.ID); err != nil {
		return err
	} else if n > 0 {
		c.Log.InfoContext(ctx, "update: retrying objects earlier runs left failed or parked", "run_id", r.ID, "remote", rm.Name, "objects", n)
	}
	if err := c.planImport(ctx, r, rm); err != nil && !errors.Is(err, errNothingFetched) {
		return c.fail(ctx, r, err.Error())
	}
	c.Log.InfoContext(ctx, "update: scan finished; importing what changed", "run_id", r.ID, "remote", rm.Name, "changed", changed)
	return c.Store.SetRunPhase(ctx, r.ID, store.PhaseScan, store.PhaseImport)
}
