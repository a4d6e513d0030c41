package coordinator

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/senaite-sync/senaite-sync/internal/siteconfig"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// copySiteConfig copies the users, registry records and settings a
// remote's options ask for (siteconfig.Copy) before the run's objects, so
// that accounts exist when contacts link to them; once per run. What the
// destination could not take is in the run's report, and makes the run
// partial when it finishes.
func (c *Coordinator) copySiteConfig(ctx context.Context, r store.Run, rm store.Remote) error {
	o := siteconfig.Options{Users: rm.Options.ImportUsers, Registry: rm.Options.ImportRegistry, Settings: rm.Options.ImportSettings}
	if !o.Any() {
		return nil
	}
	if _, _, done, err := c.Store.SiteConfig(ctx, r.ID); err != nil || done {
		return err
	}
	src, err := c.InstanceClient(ctx, rm.SourceID)
	if err != nil {
		return err
	}
	dst, err := c.InstanceClient(ctx, rm.DestinationID)
	if err != nil {
		return err
	}
	rep, err := siteconfig.Copy(ctx, src, dst, o)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("coordinator: site config report: %w", err)
	}
	if err := c.Store.SaveSiteConfig(ctx, r.ID, raw, rep.Problems()); err != nil {
		return err
	}
	attrs := []any{"run_id", r.ID, "remote", rm.Name, "plone_rest", rep.PloneREST, "problems", rep.Problems()}
	if rep.Users != nil {
		attrs = append(attrs, "users_created", len(rep.Users.Created))
	}
	c.Log.InfoContext(ctx, "site configuration copied", attrs...)
	return nil
}

// siteConfigProblems is the part of a run's end status that its site
// configuration adds ("" when nothing needs a person).
func (c *Coordinator) siteConfigProblems(ctx context.Context, r store.Run) (string, error) {
	_, n, ok, err := c.Store.SiteConfig(ctx, r.ID)
	if err != nil || !ok || n == 0 {
		return "", err
	}
	return fmt.Sprintf("%d users, registry records or settings were not carried (see `senaite-sync run show %s`)", n, r.ID), nil
}
