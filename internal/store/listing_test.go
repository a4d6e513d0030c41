package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/store"
)

// TestListObjectsByPath: objects are listed as a person reads a lab —
// by source path, a sample's analyses under it — and the cursor of one
// page starts the next without skipping or repeating a row, whatever the
// UIDs' order; a cursor no listing gave is refused by name.
func TestListObjectsByPath(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	rm := seedRemote(t, s)
	paths := []string{"/senaite/clients/client-2", "/senaite/clients/client-1/W-0002",
		"/senaite/clients/client-1", "/senaite/clients/client-1/W-0001/Ca", "/senaite/clients/client-1/W-0001",
		"/senaite/bika_setup/bika_methods/method-1", "/senaite/clients/client-1/W-0001/Cu"}
	var page []store.Fetched
	for i, p := range paths {
		// UIDs in the reverse order of the paths they sit at
		page = append(page, store.Fetched{SourceUID: fmt.Sprintf("uid%02d", len(paths)-i), PortalType: "Client",
			SourcePath: p, Data: []byte(`{}`)})
	}
	storeFetched(t, s, rm, page)
	var got []string
	cursor := ""
	for range len(paths) + 1 {
		rows, err := s.ListObjects(ctx, rm.ID, store.ObjectFilter{After: cursor, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			got = append(got, r.SourcePath)
		}
		if len(rows) < 3 {
			break
		}
		cursor = rows[len(rows)-1].Cursor()
	}
	want := slices.Clone(paths)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("listed in pages of three:\n%q\nwant by path:\n%q", got, want)
	}
	for _, bad := range []string{"uid03", "!!"} {
		if _, err := s.ListObjects(ctx, rm.ID, store.ObjectFilter{After: bad}); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("cursor %q: %v, want ErrBadCursor", bad, err)
		}
	}
}
