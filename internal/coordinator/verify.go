package coordinator

import (
	"context"
	"fmt"

	"github.com/senaite-sync/senaite-sync/internal/fetcher"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// advanceVerify drives a verify run: a queued one is planned as one
// message per source page (the types the remote fetches), which fetchers
// compare with the destination (fetcher.Handler.verify); when every page is
// done the run ends succeeded when nothing differs, partial when something
// does — `verify --wait` exits 2 then — with every difference listed under
// the run.
func (c *Coordinator) advanceVerify(ctx context.Context, r store.Run) error {
	return c.advancePaged(ctx, r, c.planVerify, c.finishVerify)
}

func (c *Coordinator) planVerify(ctx context.Context, r store.Run) error {
	rm, cl, err := c.runSource(ctx, r)
	if err != nil {
		return err
	}
	if err := cl.CheckAuth(ctx); err != nil {
		return fmt.Errorf("source %s: %w", rm.Source, err)
	}
	counts, err := c.sourceCounts(ctx, rm, cl)
	if err != nil {
		return err
	}
	pages := fetcher.PlanPages(r.ID, rm.ID, counts, rm.Options.Normalize().PageSize)
	for i := range pages {
		pages[i].Mode = store.ModeVerify
	}
	if err := c.publishPages(ctx, r, rm, pages); err != nil {
		return err
	}
	c.Log.InfoContext(ctx, "verify planned", "run_id", r.ID, "remote", rm.Name, "pages", len(pages), "types", len(counts))
	return nil
}

func (c *Coordinator) finishVerify(ctx context.Context, r store.Run) error {
	counts, err := c.Store.VerifyCounts(ctx, r.ID)
	if err != nil {
		return err
	}
	differ := 0
	for pt, cnt := range counts {
		if err := c.Store.SetRunCounts(ctx, r.ID, pt, cnt); err != nil {
			return err
		}
		differ += cnt.Failed
	}
	status, reason := store.StatusSucceeded, ""
	if differ > 0 {
		status, reason = store.StatusPartial, fmt.Sprintf("%d objects differ between source and destination", differ)
	}
	c.Log.InfoContext(ctx, "verify finished", "run_id", r.ID, "remote", r.Remote, "status", status, "differ", differ)
	return c.Store.TransitionRun(ctx, r.ID, []store.RunStatus{store.StatusRunning}, status, reason)
}
