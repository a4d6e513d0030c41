package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/console"
	"github.com/senaite-sync/senaite-sync/internal/coordinator"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/secret"
	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

type browser struct {
	t    *testing.T
	base string
	hc   *http.Client
}

// get and post answer the status, the final URL and the page, following
// redirects as a browser does.
func (b *browser) get(path string) (int, string, string) {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil, nil)
}

func (b *browser) post(path string, form url.Values, header http.Header) (int, string, string) {
	b.t.Helper()
	return b.do(http.MethodPost, path, form, header)
}

func (b *browser) do(method, path string, form url.Values, header http.Header) (int, string, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Request.URL.Path, string(raw)
}

func setup(t *testing.T, token string) (*browser, *store.Store, store.Remote) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Migrated(t)
	for _, n := range []string{"lab_a", "lab_b"} {
		if _, err := st.CreateInstance(ctx, store.Instance{Name: n, URL: "http://127.0.0.1:1/senaite", Username: "admin", Password: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	rm, err := st.CreateRemote(ctx, "a_to_b", "lab_a", "lab_b", remote.Options{AutoSync: remote.Interval(15 * time.Minute),
		RemotePrefix: "A-", PrefixableTypes: []string{"Client"}}.Normalize())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux := http.NewServeMux()
	key, err := secret.LoadOrCreate("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	co := &coordinator.Coordinator{Store: st, Log: log, Key: key}
	if err := (&console.Server{Store: st, Coordinator: co, Token: token, Log: log}).Routes(mux); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: hs.URL, hc: &http.Client{Jar: jar}}, st, rm
}

// TestConsoleSignInAndStartRun: with a token the console asks for it;
// signed in, the remotes page lists the remote with its auto-sync, a step
// started from it becomes a queued run whose page refreshes itself, a
// second start shows the run going, and a form posted from another site
// does nothing.
func TestConsoleSignInAndStartRun(t *testing.T) {
	b, st, _ := setup(t, "s3cret-token")
	if _, path, _ := b.get("/"); path != "/console/login" {
		t.Fatalf("unsigned: ended at %s, want the sign-in page", path)
	}
	if st, _, page := b.post("/console/login", url.Values{"token": {"wrong"}}, nil); st != http.StatusUnauthorized || !strings.Contains(page, "not the coordinator") {
		t.Fatalf("wrong token: %d", st)
	}
	if _, path, page := b.post("/console/login", url.Values{"token": {"s3cret-token"}}, nil); path != "/console/" ||
		!strings.Contains(page, "a_to_b") || !strings.Contains(page, "every 15m0s") || strings.Contains(page, "s3cret") {
		t.Fatalf("signed in: %s\n%s", path, page)
	}
	status, _, _ := b.post("/console/remotes/a_to_b/update", url.Values{}, http.Header{"Origin": {"https://evil.example"}})
	if status != http.StatusForbidden {
		t.Fatalf("a cross-site form: %d", status)
	}
	if runs, _ := st.Runs(context.Background(), "a_to_b", 10); len(runs) != 0 {
		t.Fatal("a cross-site form started a run")
	}
	_, path, page := b.post("/console/remotes/a_to_b/update", url.Values{}, nil)
	runs, _ := st.Runs(context.Background(), "a_to_b", 10)
	if len(runs) != 1 || runs[0].Kind != store.KindUpdate || path != "/console/runs/"+runs[0].ID.String() ||
		!strings.Contains(page, `http-equiv="refresh"`) || !strings.Contains(page, "queued") {
		t.Fatalf("start: %s %v\n%s", path, runs, page)
	}
	if _, path, page = b.post("/console/remotes/a_to_b/fetch", url.Values{}, nil); path != "/console/runs/"+runs[0].ID.String() ||
		!strings.Contains(page, "already has this update run going") {
		t.Fatalf("second start: %s\n%s", path, page)
	}
	if status, _, _ := b.post("/console/remotes/a_to_b/delete", url.Values{}, nil); status != http.StatusNotFound {
		t.Fatalf("an unknown step: %d", status)
	}
	if status, _, _ := b.get("/console/remotes/nope"); status != http.StatusNotFound {
		t.Fatalf("an unknown remote: %d", status)
	}
}

// TestConsoleObjectsAndConflicts: the objects page filters by state and
// shows reasons and origin labels, escaped; the conflicts page shows both
// values and refuses a side that is neither.
func TestConsoleObjectsAndConflicts(t *testing.T) {
	b, st, rm := setup(t, "")
	ctx := context.Background()
	run, _ := st.CreateRun(ctx, rm.ID, store.KindFetch)
	now := time.Now()
	objs := []store.Fetched{
		{SourceUID: "11111111111111111111111111111111", PortalType: "Client", SourcePath: "/senaite/clients/client-1",
			Modified: now, Data: []byte(`{"uid": "11111111111111111111111111111111"}`)},
		{SourceUID: "22222222222222222222222222222222", PortalType: "Client", SourcePath: "/senaite/clients/<b>client-2</b>",
			Modified: now, Data: []byte(`{"uid": "22222222222222222222222222222222"}`)},
	}
	if _, err := st.UpsertFetched(ctx, rm.ID, run.ID, objs); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkObject(ctx, rm.ID, objs[1].SourceUID, []store.ObjState{store.ObjFetched}, store.ObjFailed, "refused: <script>", ""); err != nil {
		t.Fatal(err)
	}
	status, _, page := b.get("/console/remotes/a_to_b/objects?state=failed")
	if status != 200 || strings.Contains(page, "client-1<") || !strings.Contains(page, "&lt;b&gt;client-2&lt;/b&gt;") ||
		!strings.Contains(page, "refused: &lt;script&gt;") || strings.Contains(page, "<script>") {
		t.Fatalf("objects: %d\n%s", status, page)
	}
	// a copy created under another id shows both, and the source's is its label
	renumbered, err := st.EnsureIdentity(ctx, rm.SourceID, objs[0].SourceUID, "Client")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Imported(ctx, store.Copy{RemoteID: rm.ID, SourceUID: objs[0].SourceUID, IdentityID: renumbered,
		DestInstanceID: rm.DestinationID, DestUID: "44444444444444444444444444444444", DestID: "client-9"},
		[]store.ObjState{store.ObjFetched}, store.ObjImported); err != nil {
		t.Fatal(err)
	}
	if status, _, page = b.get("/console/remotes/a_to_b/objects?id_changed=true"); status != 200 ||
		!strings.Contains(page, "<strong>client-9</strong> (source: client-1)") || strings.Contains(page, "client-2") {
		t.Fatalf("objects whose id changed: %d\n%s", status, page)
	}
	ident := renumbered
	c := store.Conflict{RemoteID: rm.ID, SourceUID: objs[0].SourceUID, IdentityID: ident, PortalType: "Client",
		DestUID: "33333333333333333333333333333333", SourceModified: &now, DestModified: &now,
		Fields: []store.FieldConflict{{Field: "Phone", Source: `"source phone"`, Destination: `"destination phone"`}}}
	if err := st.RecordConflict(ctx, c, []store.ObjState{store.ObjImported}); err != nil {
		t.Fatal(err)
	}
	if status, _, page = b.get("/console/remotes/a_to_b/conflicts"); status != 200 || !strings.Contains(page, "source phone") ||
		!strings.Contains(page, "destination phone") || !strings.Contains(page, "keep the destination") {
		t.Fatalf("conflicts: %d\n%s", status, page)
	}
	if status, _, _ = b.post("/console/remotes/a_to_b/conflicts/"+objs[0].SourceUID+"/resolve", url.Values{"take": {"both"}}, nil); status != http.StatusBadRequest {
		t.Fatalf("resolve with neither side: %d", status)
	}
}
