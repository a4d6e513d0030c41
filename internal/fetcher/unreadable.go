package fetcher

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/senaite-sync/senaite-sync/internal/senaite"
)

// Unreadable is the key senaite-sync adds to an item the source could not
// show completely (senaite-sync's own, like senaite.jsonapi's _runtime):
// its value is the source's message. The import creates no such object
// from the little it has (it fails naming the message; a singleton is only
// mapped), and verify counts it apart.
const Unreadable = "_unreadable"

// readPage reads a page of complete items. senaite.jsonapi answers a
// whole page with an HTTP-200 error when one object on it cannot be
// serialized (a fresh 2.6 site's Dexterity setup: its publication e-mail
// body was never saved, and RichTextFieldManager fails on value.output);
// the page is then read light, and each object completely on its own,
// those that still fail kept as their listing shows them, marked
// Unreadable — one broken object must not stop a lab's migration.
func readPage(ctx context.Context, c *senaite.Client, q senaite.Query, bStart int) ([]senaite.Item, error) {
	page, err := c.SearchPage(ctx, q, bStart)
	var se *senaite.Error
	if err == nil || !errors.As(err, &se) || se.Kind != senaite.KindAPI {
		return page.Items, err
	}
	light := q
	light.Complete, light.Workflow = false, false
	lpage, lerr := c.SearchPage(ctx, light, bStart)
	if lerr != nil {
		return nil, err
	}
	out := make([]senaite.Item, 0, len(lpage.Items))
	for _, it := range lpage.Items {
		full, gerr := c.Get(ctx, it.UID)
		var ge *senaite.Error
		switch {
		case gerr == nil:
			out = append(out, full)
		case errors.As(gerr, &ge) && ge.Kind == senaite.KindAPI:
			msg, _ := json.Marshal(ge.Message)
			raw := make(map[string]json.RawMessage, len(it.Raw)+1)
			for k, v := range it.Raw {
				raw[k] = v
			}
			raw[Unreadable] = msg
			it.Raw, it.Body = raw, nil
			out = append(out, it)
		default:
			return nil, gerr
		}
	}
	return out, nil
}
