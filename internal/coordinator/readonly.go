package coordinator

import (
	"context"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// rewriteReadOnly is the other half of read_only_types (ARCHITECTURE.md
// §4, Update 2): the source is authoritative, so an update also
// light-scans the destination's objects of those types (non-complete
// pages: uid and modified) and puts back into the run every object whose
// copy was edited there since the system last saw it. The import then
// overwrites the copy with the source's version and reports it on the
// object; an edit at the source needs nothing of this (the scan of the
// source found it).
func (c *Coordinator) rewriteReadOnly(ctx context.Context, r store.Run, rm store.Remote) error {
	if len(rm.Options.ReadOnlyTypes) == 0 {
		return nil
	}
	dst, err := c.InstanceClient(ctx, rm.DestinationID)
	if err != nil {
		return err
	}
	// a page of copies at a time: those of a lab's read-only types are
	// never all in memory (issue #13)
	var uids []string
	var modified []time.Time
	requeued := 0
	check := func() error {
		edited, err := c.Store.EditedCopies(ctx, rm, uids, modified)
		if err == nil && len(edited) > 0 {
			err = c.Store.Requeue(ctx, rm.ID, r.ID, edited)
			requeued += len(edited)
		}
		uids, modified = uids[:0], modified[:0]
		return err
	}
	q := senaite.Query{PortalTypes: rm.Options.ReadOnlyTypes, Limit: rm.Options.Normalize().PageSize, SortOn: "created"}
	for it, err := range dst.Search(ctx, q) {
		if err != nil {
			return err
		}
		if it.UID != "" && !it.Modified.IsZero() {
			uids = append(uids, it.UID)
			modified = append(modified, it.Modified)
		}
		if len(uids) >= readOnlyBatch {
			if err := check(); err != nil {
				return err
			}
		}
	}
	if len(uids) > 0 {
		if err := check(); err != nil {
			return err
		}
	}
	if requeued > 0 {
		c.Log.WarnContext(ctx, "update: read-only objects edited on the destination are written back", "run_id", r.ID,
			"remote", rm.Name, "objects", requeued)
	}
	return nil
}

// readOnlyBatch is how many destination copies of read-only types are
// checked for edits at a time.
const readOnlyBatch = 1000
