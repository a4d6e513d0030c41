package importer

import (
	"context"
	"fmt"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Resolve settles a conflict the way a person chose. "source" writes the
// source's values of the differing fields to the destination copy and
// replays its workflow; "destination" keeps the copy as it is. Either
// way both copies' current versions become the ones the system saw, so
// the next update starts from the choice (and, in a pair of remotes, the
// kept destination edit travels back by the reverse remote).
func (h *Handler) Resolve(ctx context.Context, rm store.Remote, c store.Conflict, take string, verifier *senaite.Client) error {
	o, err := h.Store.Object(ctx, rm.ID, c.SourceUID)
	if err != nil {
		return err
	}
	dst, err := h.Clients(ctx, rm.DestinationID)
	if err != nil {
		return err
	}
	state := store.ObjUnchanged
	if take == "source" {
		it, err := senaite.DecodeItem(o.Data)
		if err != nil {
			return fmt.Errorf("importer: %s data: %w", o.SourceUID, err)
		}
		fields, _, err := h.payload(ctx, rm, o, it.Raw)
		if err != nil {
			return err
		}
		diffs := make([]fieldDiff, len(c.Fields))
		for i, f := range c.Fields {
			diffs[i] = fieldDiff{Field: f.Field}
		}
		cur, err := dst.Get(ctx, c.DestUID)
		if err != nil {
			return err
		}
		write := changedFields(diffs, fields, it, cur)
		if len(write) > 0 {
			if err := dst.Apply(ctx, c.DestUID, write, ""); err != nil {
				return err
			}
		}
		state = store.ObjImported
	}
	if err := h.Store.ResolveConflict(ctx, rm.ID, c.SourceUID, take, state); err != nil {
		return err
	}
	if take == "source" {
		o.State, o.DestUID = store.ObjImported, c.DestUID
		if err := h.ReplayWorkflow(ctx, rm, o, verifier, false); err != nil {
			return err
		}
	}
	// read after every write of ours: a later change there is someone else's
	cur, err := dst.Get(ctx, c.DestUID)
	if err != nil {
		return err
	}
	// taken from the source, the copy is the system's write; kept, it is a
	// person's edit, which a reverse remote still carries back
	if err := h.Store.SetSeen(ctx, rm.DestinationID, []string{c.DestUID}, []time.Time{cur.Modified}, take == "source"); err != nil {
		return err
	}
	return h.sawSource(ctx, rm, o)
}
