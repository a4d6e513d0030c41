package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/store"
)

// TestRemotesBoard (issue #15): the remotes page is a health board — the
// last success, the last trouble with its reason, the objects that need a
// person (failed, parked, in conflict) linked to their list — and offers a
// step only where it makes sense: nothing to import before a fetch,
// nothing to update or verify before an import.
func TestRemotesBoard(t *testing.T) {
	b, st, rm := setup(t, "")
	ctx := context.Background()
	_, _, page := b.get("/console/")
	if !strings.Contains(page, `action="/console/remotes/a_to_b/fetch"`) || strings.Contains(page, `action="/console/remotes/a_to_b/import"`) ||
		strings.Contains(page, `action="/console/remotes/a_to_b/verify"`) || !strings.Contains(page, "never") {
		t.Errorf("a remote that never fetched:\n%s", page)
	}
	end := func(kind store.RunKind, status store.RunStatus, reason string) store.Run {
		run, err := st.CreateRun(ctx, rm.ID, kind)
		if err != nil {
			t.Fatal(err)
		}
		_ = st.TransitionRun(ctx, run.ID, []store.RunStatus{store.StatusQueued}, store.StatusRunning, "")
		if err := st.TransitionRun(ctx, run.ID, []store.RunStatus{store.StatusRunning}, status, reason); err != nil {
			t.Fatal(err)
		}
		return run
	}
	fetch := end(store.KindFetch, store.StatusSucceeded, "")
	now := time.Now()
	objs := []store.Fetched{
		{SourceUID: strings.Repeat("1", 32), PortalType: "Client", SourcePath: "/senaite/clients/client-1", Modified: now, Data: []byte(`{}`)},
		{SourceUID: strings.Repeat("2", 32), PortalType: "Client", SourcePath: "/senaite/clients/client-2", Modified: now, Data: []byte(`{}`)},
	}
	if _, err := st.UpsertFetched(ctx, rm.ID, fetch.ID, objs); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkObject(ctx, rm.ID, objs[0].SourceUID, []store.ObjState{store.ObjFetched}, store.ObjFailed, "refused", ""); err != nil {
		t.Fatal(err)
	}
	end(store.KindImport, store.StatusFailed, "the destination refused the credentials")
	_, _, page = b.get("/console/")
	if !strings.Contains(page, `action="/console/remotes/a_to_b/import"`) || strings.Contains(page, `action="/console/remotes/a_to_b/verify"`) ||
		!strings.Contains(page, "the destination refused the credentials") || !strings.Contains(page, `href="/console/remotes/a_to_b/objects?state=failed">1</a>`) {
		t.Errorf("after a fetch and a failed import:\n%s", page)
	}
	end(store.KindImport, store.StatusSucceeded, "")
	if _, _, page = b.get("/console/"); !strings.Contains(page, `action="/console/remotes/a_to_b/verify"`) ||
		!strings.Contains(page, `action="/console/remotes/a_to_b/update"`) {
		t.Errorf("after an import:\n%s", page)
	}
}
