package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/store"
)

// TestRunActionsAndObjectFilters (issue #15): a running run has a cancel
// button that cancels it; a verify run's differences are on a page of
// their own, linked from the run; objects filter by type, and a long
// reason shows its first line with the whole text behind it.
func TestRunActionsAndObjectFilters(t *testing.T) {
	b, st, rm := setup(t, "")
	ctx := context.Background()
	verify, _ := st.CreateRun(ctx, rm.ID, store.KindVerify)
	_ = st.TransitionRun(ctx, verify.ID, []store.RunStatus{store.StatusQueued}, store.StatusRunning, "")
	if err := st.SaveDifferences(ctx, verify.ID, []store.Difference{{Kind: "field", PortalType: "Client", SourceUID: "u1",
		SourcePath: "/senaite/clients/client-1", Field: "Phone", Source: `"1"`, Destination: `"2"`}}); err != nil {
		t.Fatal(err)
	}
	_, _, page := b.get("/console/runs/" + verify.ID.String())
	if !strings.Contains(page, `action="/console/runs/`+verify.ID.String()+`/cancel"`) ||
		!strings.Contains(page, `href="/console/runs/`+verify.ID.String()+`/differences">1 differences found`) || strings.Contains(page, "<td>Phone</td>") {
		t.Errorf("a running verify's page:\n%s", page)
	}
	if _, _, page = b.get("/console/runs/" + verify.ID.String() + "/differences"); !strings.Contains(page, "<td>Phone</td>") ||
		!strings.Contains(page, "/senaite/clients/client-1") {
		t.Errorf("differences page:\n%s", page)
	}
	_, path, page := b.post("/console/runs/"+verify.ID.String()+"/cancel", url.Values{}, nil)
	if run, _ := st.Run(ctx, verify.ID); run.Status != store.StatusCancelled || path != "/console/runs/"+verify.ID.String() ||
		!strings.Contains(page, "cancelled") || strings.Contains(page, "cancel this run") {
		t.Errorf("cancel: %s %s\n%s", run.Status, path, page)
	}

	fetch, _ := st.CreateRun(ctx, rm.ID, store.KindFetch)
	now := time.Now()
	long := "Validation failed: the sample type's prefix is not unique\n" + strings.Repeat("detail ", 40)
	objs := []store.Fetched{
		{SourceUID: strings.Repeat("1", 32), PortalType: "Client", SourcePath: "/senaite/clients/client-1", Modified: now, Data: []byte(`{}`)},
		{SourceUID: strings.Repeat("2", 32), PortalType: "SampleType", SourcePath: "/senaite/setup/st-1", Modified: now, Data: []byte(`{}`)},
	}
	if _, err := st.UpsertFetched(ctx, rm.ID, fetch.ID, objs); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkObject(ctx, rm.ID, objs[1].SourceUID, []store.ObjState{store.ObjFetched}, store.ObjFailed, long, ""); err != nil {
		t.Fatal(err)
	}
	_, _, page = b.get("/console/remotes/a_to_b/objects?type=SampleType")
	if !strings.Contains(page, "/senaite/setup/st-1") || strings.Contains(page, "/senaite/clients/client-1") ||
		!strings.Contains(page, "<option selected>SampleType</option>") ||
		!strings.Contains(page, "<details><summary>Validation failed: the sample type&#39;s prefix is not unique</summary>") {
		t.Errorf("objects of one type:\n%s", page)
	}
}
