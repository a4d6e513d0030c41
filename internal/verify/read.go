package verify

import (
	"context"
	"fmt"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// Read returns every object of a lab of the given types (all types its
// catalogs hold when none), complete and with review states.
func Read(ctx context.Context, cl *senaite.Client, types []string) ([]Object, error) {
	if len(types) == 0 {
		var err error
		if types, err = cl.PortalTypes(ctx); err != nil {
			return nil, err
		}
	}
	var out []Object
	for _, pt := range types {
		for it, err := range cl.Search(ctx, senaite.Query{PortalTypes: []string{pt}, Complete: true, Workflow: true,
			SortOn: "created", Limit: 100}) {
			if err != nil {
				return nil, fmt.Errorf("verify: read %s: %w", pt, err)
			}
			out = append(out, FromItem(it))
		}
	}
	return out, nil
}
