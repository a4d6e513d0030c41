package coordinator

import (
	"context"
	"fmt"

	"github.com/senaite-sync/senaite-sync/internal/labs"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Resolve closes a remote's open conflict on the side a person took
// (importer.Handler.Resolve) and returns it as resolved.
func (c *Coordinator) Resolve(ctx context.Context, remoteName, sourceUID, take string) (store.Conflict, error) {
	rm, err := c.Store.Remote(ctx, remoteName)
	if err != nil {
		return store.Conflict{}, err
	}
	conflict, err := c.Store.OpenConflict(ctx, rm.ID, sourceUID)
	if err != nil {
		return store.Conflict{}, err
	}
	dst, err := c.Store.InstanceByID(ctx, rm.DestinationID)
	if err != nil {
		return store.Conflict{}, err
	}
	verifier, err := labs.Verifier(dst, c.Key, c.labBounds(dst.ID), c.Log)
	if err != nil {
		return store.Conflict{}, err
	}
	if err := c.importHandler().Resolve(ctx, rm, conflict, take, verifier); err != nil {
		return store.Conflict{}, fmt.Errorf("resolve %s: %w", sourceUID, err)
	}
	c.Log.InfoContext(ctx, "conflict resolved", "remote", rm.Name, "uid", sourceUID, "portal_type", conflict.PortalType, "take", take)
	list, err := c.Store.Conflicts(ctx, rm.ID, true)
	if err != nil {
		return store.Conflict{}, err
	}
	for _, x := range list {
		if x.SourceUID == sourceUID {
			return x, nil
		}
	}
	return conflict, nil
}
