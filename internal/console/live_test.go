package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/store"
)

// TestRunningImportShowsItsProgress (issue #15: for the whole of an import
// the run's page said "pages 0/0" over an empty table): a running import's
// page shows the objects done of the total, overall and per type, its
// failures so far with a link, and keeps itself current through its
// progress fragment and the console's own script, which the page's
// Content-Security-Policy allows (and nothing else).
func TestRunningImportShowsItsProgress(t *testing.T) {
	b, st, rm := setup(t, "")
	ctx := context.Background()
	fetch, _ := st.CreateRun(ctx, rm.ID, store.KindFetch)
	now := time.Now()
	var objs []store.Fetched
	for i := range 10 {
		pt := "Client"
		if i >= 4 {
			pt = "SampleType"
		}
		objs = append(objs, store.Fetched{SourceUID: fmt.Sprintf("%032x", i+1), PortalType: pt,
			SourcePath: fmt.Sprintf("/senaite/x/%d", i), Modified: now, Data: []byte(`{}`)})
	}
	if _, err := st.UpsertFetched(ctx, rm.ID, fetch.ID, objs); err != nil {
		t.Fatal(err)
	}
	for i, state := range map[int]store.ObjState{0: store.ObjSkipped, 1: store.ObjSkipped, 2: store.ObjFailed, 4: store.ObjSkipped} {
		if err := st.MarkObject(ctx, rm.ID, objs[i].SourceUID, []store.ObjState{store.ObjFetched}, state, "why", ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.TransitionRun(ctx, fetch.ID, []store.RunStatus{store.StatusQueued}, store.StatusSucceeded, ""); err != nil {
		t.Fatal(err)
	}
	imp, err := st.CreateRun(ctx, rm.ID, store.KindImport)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.TransitionRun(ctx, imp.ID, []store.RunStatus{store.StatusQueued}, store.StatusRunning, ""); err != nil {
		t.Fatal(err)
	}
	if err := st.SetRunStage(ctx, imp.ID, store.StageObjects); err != nil {
		t.Fatal(err)
	}
	status, _, page := b.get("/console/runs/" + imp.ID.String())
	for _, want := range []string{`id="live"`, `data-done="4"`, `data-total="10"`, "<b>4</b> of 10 objects", "now: objects",
		"1 failed so far", `href="/console/remotes/a_to_b/objects?state=failed"`,
		"<td>SampleType</td><td class=\"n\">1</td><td class=\"n\">6</td>", `<script src="/console/static/live.js" defer></script>`,
		`<noscript><meta http-equiv="refresh"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the running import's page lacks %q:\n%s", want, page)
		}
	}
	if status != 200 || strings.Contains(page, "pages 0/0") {
		t.Errorf("status %d; the page says pages 0/0", status)
	}
	// the fragment the script asks for
	status, _, frag := b.get("/console/runs/" + imp.ID.String() + "/live")
	if status != 200 || !strings.HasPrefix(frag, `<section id="live"`) || !strings.Contains(frag, `data-final="0"`) || strings.Contains(frag, "<html") {
		t.Errorf("live fragment: %d\n%s", status, frag)
	}
	resp, err := http.Get(b.base + "/console/static/live.js")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(string(js), "/live") {
		t.Errorf("live.js: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, err = http.Get(b.base + "/console/runs/" + imp.ID.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := resp.Header.Get("Content-Security-Policy"); !strings.Contains(c, "script-src 'self'") || strings.Contains(c, "unsafe-eval") ||
		strings.Contains(c, "script-src 'self' 'unsafe-inline'") {
		t.Errorf("CSP: %s", c)
	}
	// ended: the fragment says so, and the page shows the final counts
	if err := st.TransitionRun(ctx, imp.ID, []store.RunStatus{store.StatusRunning}, store.StatusPartial, ""); err != nil {
		t.Fatal(err)
	}
	if _, _, frag = b.get("/console/runs/" + imp.ID.String() + "/live"); !strings.Contains(frag, `data-final="1"`) {
		t.Errorf("the fragment of an ended run: %s", frag)
	}
	if _, _, page = b.get("/console/runs/" + imp.ID.String()); strings.Contains(page, "live.js") || strings.Contains(page, "refresh") {
		t.Errorf("an ended run's page still refreshes:\n%s", page)
	}
}
