package importer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/senaite-sync/senaite-sync/internal/fetcher"
	"github.com/senaite-sync/senaite-sync/internal/importer"
	"github.com/senaite-sync/senaite-sync/internal/plan"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/schema"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/sim"
	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

// sampleTypes are imported by the sample path.
var sampleTypes = []string{"AnalysisRequest", "Analysis", "ARReport", "Worksheet", "DuplicateAnalysis",
	"ReferenceAnalysis", "RejectAnalysis", "Invoice", "Attachment"}

// notYet are types whose import needs the workflow replay (next step).
var notYet = []string{"ARReport", "Worksheet", "DuplicateAnalysis", "ReferenceAnalysis", "RejectAnalysis", "Invoice", "Attachment"}

// TestImportSetupAndClients fetches a generated lab and imports its setup,
// clients and contacts into an empty lab, level by level, then imports
// everything a second time: the destination holds exactly the source's
// objects per type, and the second pass creates nothing.
func TestImportSetupAndClients(t *testing.T) {
	t.Parallel()
	srcLab, dstLab := migrateLab(t, sampleTypes, false)
	for _, pt := range []string{"Client", "Contact", "AnalysisService", "Department", "LabContact", "SampleType",
		"AnalysisCategory", "Method", "Instrument", "Calculation", "Supplier"} {
		if got, want := dstLab.Count(pt), srcLab.Count(pt); got != want {
			t.Errorf("%s: destination has %d, source %d", pt, got, want)
		}
	}
	if dstLab.Count("Client") == 0 || !schema.Structural("ClientFolder", "/senaite/clients") {
		t.Fatal("nothing imported")
	}
}

// TestImportSamplesAdoptsAnalyses: samples are created with their services
// and the destination's analyses are adopted, not created twice; retests
// wait for the workflow replay.
func TestImportSamplesAdoptsAnalyses(t *testing.T) {
	t.Parallel()
	srcLab, dstLab := migrateLab(t, notYet, false)
	retestSamples, retestAnalyses := 0, 0
	for _, s := range srcLab.Objects("AnalysisRequest") {
		if s.Fields["Invalidated"] != nil {
			retestSamples++
		}
	}
	for _, a := range srcLab.Objects("Analysis") {
		if a.Fields["RetestOf"] != nil {
			retestAnalyses++
		}
	}
	if got, want := dstLab.Count("AnalysisRequest"), srcLab.Count("AnalysisRequest")-retestSamples; got != want {
		t.Errorf("samples: destination %d, want %d", got, want)
	}
	if got, want := dstLab.Count("Analysis"), srcLab.Count("Analysis")-retestAnalyses-analysesOfRetests(srcLab); got != want {
		t.Errorf("analyses: destination %d, want %d (no duplicates)", got, want)
	}
}

func analysesOfRetests(l *sim.Lab) int {
	n := 0
	for _, s := range l.Objects("AnalysisRequest") {
		if s.Fields["Invalidated"] == nil {
			continue
		}
		for _, ch := range s.Children() {
			if ch.Type.Name == "Analysis" && ch.Fields["RetestOf"] == nil {
				n++
			}
		}
	}
	return n
}

// migrateLab fetches a generated lab and imports it, without the excluded
// types, into an empty one, twice (the second pass must create nothing).
func migrateLab(t *testing.T, excluded []string, replay bool) (*sim.Lab, *sim.Lab) {
	t.Helper()
	srcLab, dstLab, _ := migrateLabCut(t, excluded, replay, nil)
	return srcLab, dstLab
}

// migrateLabCut is migrateLab whose first replay pass is stopped right
// after the destination served a write cut names (a process killed, a
// leader that stepped down); it tells whether the cut happened.
func migrateLabCut(t *testing.T, excluded []string, replay bool, cut func(body string) bool) (*sim.Lab, *sim.Lab, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	var (
		cutMu  sync.Mutex
		stop   context.CancelFunc // set while the pass to stop runs
		cutted bool
	)
	users := []sim.User{{Username: "admin", Password: "secret"}}
	srcLab, _ := sim.NewLab(sim.Options{Seed: 31, Users: users})
	if err := sim.Generate(srcLab, 500); err != nil {
		t.Fatal(err)
	}
	dstLab, _ := sim.NewLab(sim.Options{Seed: 32, Users: append(users, sim.User{Username: "verifier", Password: "pw"})})
	srcHS := httptest.NewServer(sim.NewServer(srcLab, nil, nil))
	defer srcHS.Close()
	dstSrv := sim.NewServer(dstLab, nil, nil)
	dstHS := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if cut != nil && r.Method == http.MethodPost {
			body, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		rec := httptest.NewRecorder()
		dstSrv.ServeHTTP(rec, r)
		cutMu.Lock()
		if stop != nil && !cutted && cut(string(body)) {
			cutted = true
			stop() // the lab did it; the pass stops before it hears of it
		}
		cutMu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	defer dstHS.Close()
	src, _ := senaite.New(senaite.Config{URL: srcHS.URL + "/senaite", Username: "admin", Password: "secret"})
	dst, _ := senaite.New(senaite.Config{URL: dstHS.URL + "/senaite", Username: "admin", Password: "secret"})

	st := storetest.Migrated(t)
	a, _ := st.CreateInstance(ctx, store.Instance{Name: "a", URL: srcHS.URL + "/senaite", Username: "admin", Password: []byte("x")})
	b, _ := st.CreateInstance(ctx, store.Instance{Name: "b", URL: dstHS.URL + "/senaite", Username: "admin", Password: []byte("x")})
	rm, err := st.CreateRemote(ctx, "ab", "a", "b", remote.Options{}.Normalize())
	if err != nil {
		t.Fatal(err)
	}
	run, _ := st.CreateRun(ctx, rm.ID, store.KindFetch)

	// fetch everything
	counts := map[string]int{}
	for pt, n := range srcLab.Stats(nil).ByType {
		counts[pt] = n
	}
	fh := &fetcher.Handler{Store: st, Source: func(context.Context, int64) (*senaite.Client, error) { return src, nil }}
	pages := fetcher.PlanPages(run.ID, rm.ID, counts, 100)
	var sp []store.Page
	for _, p := range pages {
		sp = append(sp, store.Page{PortalType: p.PortalType, BStart: p.BStart, PageSize: p.Limit})
	}
	_ = st.PlanPages(ctx, run.ID, sp)
	for _, p := range pages {
		if _, err := fh.Handle(ctx, p); err != nil {
			t.Fatal(err)
		}
	}

	// plan the import of everything but the sample side
	objs, refLists, err := st.ObjectsForPlan(ctx, rm.ID)
	if err != nil {
		t.Fatal(err)
	}
	nodes := importer.PlanNodes(objs, refLists, func(o store.Stored) bool {
		return !(slices.Contains(excluded, o.PortalType) || slices.Equal(excluded, sampleTypes) &&
			strings.Contains(o.SourcePath, "/clients/") && o.PortalType != "Client" && o.PortalType != "Contact")
	}, nil)
	p, err := plan.Build(nodes)
	if err != nil {
		t.Fatal(err)
	}
	// as the coordinator does: the importer leaves deferred fields out
	var held []store.DeferredRef
	for _, e := range p.Deferred {
		held = append(held, store.DeferredRef{SourceUID: e.From, Field: e.Field, TargetUID: e.To})
	}
	if err := st.SaveDeferred(ctx, rm.ID, held); err != nil {
		t.Fatal(err)
	}
	ih := &importer.Handler{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clients: func(_ context.Context, id int64) (*senaite.Client, error) {
			if id == a.ID {
				return src, nil
			}
			return dst, nil
		}}
	imported := map[string]int{}
	before := 0
	for pass := 0; pass < 2; pass++ {
		if pass == 1 {
			before = dstLab.Total()
		}
		for _, level := range p.Levels {
			for _, uid := range level {
				state, err := ih.Import(ctx, importer.Object{RemoteID: rm.ID, SourceUID: uid})
				if err != nil {
					t.Fatalf("import %s: %v", uid, err)
				}
				if pass == 0 && state == store.ObjImported {
					o, _ := st.Object(ctx, rm.ID, uid)
					imported[o.PortalType]++
				}
				if state == store.ObjFailed {
					o, _ := st.Object(ctx, rm.ID, uid)
					var reason string
					_ = st.Pool().QueryRow(ctx, "SELECT coalesce(reason, '') FROM objects WHERE remote_id = $1 AND source_uid = $2", rm.ID, uid).Scan(&reason)
					t.Errorf("%s %s failed: %s", o.PortalType, o.SourcePath, reason)
				}
			}
		}
	}
	_ = b
	deferred := map[string][]string{}
	for _, e := range p.Deferred {
		deferred[e.From] = append(deferred[e.From], e.Field)
	}
	for uid, fields := range deferred {
		if err := ih.SetDeferred(ctx, rm, uid, fields); err != nil {
			t.Fatal(err)
		}
	}
	if dstLab.Total() != before {
		t.Fatalf("the second pass created %d objects", dstLab.Total()-before)
	}
	if replay {
		verifier, _ := senaite.New(senaite.Config{URL: dstHS.URL + "/senaite", Username: "verifier", Password: "pw"})
		run := uuid.New()
		if cut != nil {
			pass, stopPass := context.WithCancel(ctx)
			cutMu.Lock()
			stop = stopPass
			cutMu.Unlock()
			err := ih.ReplayAll(pass, rm, run, verifier, nil)
			cutMu.Lock()
			stop = nil
			cutMu.Unlock()
			stopPass()
			if cutted && err == nil {
				t.Fatal("the replay pass went on after it was stopped")
			}
		}
		if err := ih.ReplayAll(ctx, rm, run, verifier, nil); err != nil {
			t.Fatal(err)
		}
		// the same run's replay started again (a leader stepped down)
		// resumes after what it settled: no write at all
		writes := simWrites(t, dstHS.URL)
		before = dstLab.Total()
		if err := ih.ReplayAll(ctx, rm, run, verifier, nil); err != nil {
			t.Fatal(err)
		}
		if w := simWrites(t, dstHS.URL); w != writes {
			t.Errorf("the resumed replay sent %d writes, want none", w-writes)
		}
		// another run's replay starts from the lab's states: it creates nothing
		if err := ih.ReplayAll(ctx, rm, uuid.New(), verifier, nil); err != nil {
			t.Fatal(err)
		}
		if dstLab.Total() != before {
			t.Fatalf("a second replay created %d objects", dstLab.Total()-before)
		}
	}
	return srcLab, dstLab, cutted
}

// TestImportReproducesReviewStates: after the workflow replay, samples and
// analyses are in the source's states, per state, and the retests the
// destination created are the replicas of the source's (no duplicates).
func TestImportReproducesReviewStates(t *testing.T) {
	t.Parallel()
	srcLab, dstLab := migrateLab(t, notYet, true)
	for _, pt := range []string{"AnalysisRequest", "Analysis", "Client", "Method", "AnalysisService"} {
		src, dst := states(srcLab, pt), states(dstLab, pt)
		if !reflect.DeepEqual(src, dst) {
			t.Errorf("%s states: source %v, destination %v", pt, src, dst)
		}
	}
}

// TestReplayStoppedAfterARetract: a replay pass stopped right after the
// destination made a retest (by retract, by invalidate), before the pass
// adopted it, is resumed by the same run's next pass, which adopts the
// retest: nothing stays waiting, the states are the source's.
func TestReplayStoppedAfterARetract(t *testing.T) {
	t.Parallel()
	for _, transition := range []string{"retract", "invalidate"} {
		t.Run(transition, func(t *testing.T) {
			t.Parallel()
			srcLab, dstLab, cutted := migrateLabCut(t, notYet, true, func(body string) bool {
				return strings.Contains(body, `"transition":"`+transition+`"`)
			})
			if !cutted {
				t.Fatalf("the replay never sent %s", transition)
			}
			for _, pt := range []string{"AnalysisRequest", "Analysis"} {
				src, dst := states(srcLab, pt), states(dstLab, pt)
				if !reflect.DeepEqual(src, dst) {
					t.Errorf("%s states: source %v, destination %v", pt, src, dst)
				}
				if s, d := len(srcLab.Objects(pt)), len(dstLab.Objects(pt)); s != d {
					t.Errorf("%s: source %d, destination %d", pt, s, d)
				}
			}
		})
	}
}

func states(l *sim.Lab, pt string) map[string]int {
	m := map[string]int{}
	for _, o := range l.Objects(pt) {
		m[o.State]++
	}
	return m
}

// TestImportWholeLab migrates every type: setup, clients, samples,
// analyses, reports, attachments, worksheets with their QC analyses.
func TestImportWholeLab(t *testing.T) {
	t.Parallel()
	srcLab, dstLab := migrateLab(t, nil, true)
	for pt, n := range srcLab.Stats(nil).ByType {
		if got := dstLab.Count(pt); got != n {
			t.Errorf("%s: destination %d, source %d", pt, got, n)
		}
		if src, dst := states(srcLab, pt), states(dstLab, pt); !reflect.DeepEqual(src, dst) {
			t.Errorf("%s states: source %v, destination %v", pt, src, dst)
		}
	}
}

// TestParkedObjectImportedOnceItsParentLands: an object whose container
// has no replica yet is parked (not failed, no delivery spent) waiting for
// the container's arrival, woken when the container is imported, and
// imported then.
func TestParkedObjectImportedOnceItsParentLands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, 51)
	dstLab, st, rm, h := r.dstLab, r.st, r.rm, r.h
	client := r.srcLab.Objects("Client")[0]
	contact := client.Children()[0]
	r.fetch(t, client.UID, contact.UID)
	// the contact first: its client is not on the destination yet
	if state, err := h.Import(ctx, importer.Object{RemoteID: rm.ID, SourceUID: contact.UID}); err != nil || state != store.ObjWaiting {
		t.Fatalf("contact before its client: %s %v", state, err)
	}
	rows, err := st.ListObjects(ctx, rm.ID, store.ObjectFilter{State: store.ObjWaiting})
	if err != nil || len(rows) != 1 || rows[0].Wait != store.WaitArrival || rows[0].WaitingFor != client.UID {
		t.Fatalf("parked contact: %+v %v", rows, err)
	}
	// what the object waits for is a column, not its message: rewording
	// the message changes nothing
	if err := st.NoteObject(ctx, rm.ID, contact.UID, "reworded"); err != nil {
		t.Fatal(err)
	}
	if state, err := h.Import(ctx, importer.Object{RemoteID: rm.ID, SourceUID: client.UID}); err != nil || state != store.ObjImported {
		t.Fatalf("client: %s %v", state, err)
	}
	if o, err := st.Object(ctx, rm.ID, contact.UID); err != nil || o.State != store.ObjFetched {
		t.Fatalf("contact once its client was imported: %s %v; want woken (fetched)", o.State, err)
	}
	if state, err := h.Import(ctx, importer.Object{RemoteID: rm.ID, SourceUID: contact.UID}); err != nil || state != store.ObjImported {
		t.Fatalf("parked contact after its client landed: %s %v", state, err)
	}
	if dstLab.Count("Contact") != 1 || dstLab.Count("Client") != 1 {
		t.Fatalf("destination: %d clients, %d contacts", dstLab.Count("Client"), dstLab.Count("Contact"))
	}
}

// TestInterruptedCreateAdopted: a create that reached the destination
// before its process died (the intent is recorded, the replica is not) is
// adopted by the retry instead of created twice, and a sibling created
// meanwhile in the same container with other values is not taken for it.
func TestInterruptedCreateAdopted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, 53)
	srcLab, dstLab, dst, st, rm, h := r.srcLab, r.dstLab, r.dst, r.st, r.rm, r.h
	// a client with two contacts (they refer to each other)
	var client, mine, sibling *sim.Object
	for _, c := range srcLab.Objects("Client") {
		var contacts []*sim.Object
		for _, ch := range c.Children() {
			if ch.Type.Name == "Contact" {
				contacts = append(contacts, ch)
			}
		}
		if len(contacts) >= 2 {
			client, mine, sibling = c, contacts[0], contacts[1]
			break
		}
	}
	if client == nil {
		t.Fatal("no client with two contacts")
	}
	items := r.fetch(t, client.UID, mine.UID, sibling.UID)
	if state, err := h.Import(ctx, importer.Object{RemoteID: rm.ID, SourceUID: client.UID}); err != nil || state != store.ObjImported {
		t.Fatalf("client: %s %v", state, err)
	}
	destClient, _ := st.Object(ctx, rm.ID, client.UID)
	// the interrupted attempt: intent recorded, create sent, nothing after;
	// and a sibling contact created in the same client
	if _, _, err := st.RecordIntent(ctx, rm.ID, mine.UID, store.Intent{PortalType: "Contact", DestParentUID: destClient.DestUID}); err != nil {
		t.Fatal(err)
	}
	created := map[string]string{}
	for _, o := range []*sim.Object{sibling, mine} {
		// the sibling carries mine's name (the same title), created first:
		// only its other values tell them apart
		fields, _ := importer.Payload("Contact", items[mine.UID].Raw, func(string) (string, bool) { return "", false }, nil)
		if o == sibling {
			fields["EmailAddress"] = "someone.else@example.org"
			fields["BusinessPhone"] = "+1 555 0100"
		}
		it, err := dst.Create(ctx, "Contact", destClient.DestUID, fields)
		if err != nil {
			t.Fatal(err)
		}
		created[o.UID] = it.UID
	}
	// the sibling is settled otherwise, so mine does not wait for it
	if err := st.MarkObject(ctx, rm.ID, sibling.UID, []store.ObjState{store.ObjFetched}, store.ObjSkipped, "test", ""); err != nil {
		t.Fatal(err)
	}
	before := dstLab.Count("Contact")
	if state, err := h.Import(ctx, importer.Object{RemoteID: rm.ID, SourceUID: mine.UID}); err != nil || state != store.ObjImported {
		t.Fatalf("retry: %s %v", state, err)
	}
	if dstLab.Count("Contact") != before {
		t.Fatalf("the retry created a second copy")
	}
	if got, _ := st.Object(ctx, rm.ID, mine.UID); got.DestUID != created[mine.UID] {
		t.Fatalf("adopted %s, want %s (the sibling is %s)", got.DestUID, created[mine.UID], created[sibling.UID])
	}
}

// rig is a generated source lab of 300 objects, an empty destination, the
// store with both instances and a remote, and an importer between them.
type rig struct {
	srcLab, dstLab *sim.Lab
	src, dst       *senaite.Client
	st             *store.Store
	rm             store.Remote
	run            store.Run
	h              *importer.Handler
}

func newRig(t *testing.T, seed uint64, size ...int) *rig {
	t.Helper()
	ctx := context.Background()
	users := []sim.User{{Username: "admin", Password: "secret"}}
	r := &rig{}
	r.srcLab, _ = sim.NewLab(sim.Options{Seed: seed, Users: users})
	n := 300
	if len(size) > 0 {
		n = size[0]
	}
	if err := sim.Generate(r.srcLab, n); err != nil {
		t.Fatal(err)
	}
	r.dstLab, _ = sim.NewLab(sim.Options{Seed: seed + 1, Users: users})
	srcHS := httptest.NewServer(sim.NewServer(r.srcLab, nil, nil))
	t.Cleanup(srcHS.Close)
	dstHS := httptest.NewServer(sim.NewServer(r.dstLab, nil, nil))
	t.Cleanup(dstHS.Close)
	r.src, _ = senaite.New(senaite.Config{URL: srcHS.URL + "/senaite", Username: "admin", Password: "secret"})
	r.dst, _ = senaite.New(senaite.Config{URL: dstHS.URL + "/senaite", Username: "admin", Password: "secret"})
	st := storetest.Migrated(t)
	r.st = st
	a, _ := st.CreateInstance(ctx, store.Instance{Name: "a", URL: srcHS.URL + "/senaite", Username: "admin", Password: []byte("x")})
	_, _ = st.CreateInstance(ctx, store.Instance{Name: "b", URL: dstHS.URL + "/senaite", Username: "admin", Password: []byte("x")})
	var err error
	if r.rm, err = st.CreateRemote(ctx, "ab", "a", "b", remote.Options{}.Normalize()); err != nil {
		t.Fatal(err)
	}
	r.run, _ = st.CreateRun(ctx, r.rm.ID, store.KindFetch)
	r.h = &importer.Handler{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clients: func(_ context.Context, id int64) (*senaite.Client, error) {
			if id == a.ID {
				return r.src, nil
			}
			return r.dst, nil
		}}
	return r
}

// fetch reads objects from the source by UID and stores them, as a fetch
// run would; it returns the items read.
func (r *rig) fetch(t *testing.T, uids ...string) map[string]senaite.Item {
	t.Helper()
	ctx := context.Background()
	items := map[string]senaite.Item{}
	var objs []store.Fetched
	for _, uid := range uids {
		it, err := r.src.Get(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		items[uid] = it
		f, err := fetcher.ToFetched(it)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, f)
	}
	if _, err := r.st.UpsertFetched(ctx, r.rm.ID, r.run.ID, objs); err != nil {
		t.Fatal(err)
	}
	return items
}

// TestUpdateOnlyTypes: an update-only type's object is never created at
// the destination; one that originated there by the local prefix (its id
// at the source is the prefix and the destination's own id, as the
// original add-on named copies) is linked to the destination's object and
// updates it, without a second one.
func TestUpdateOnlyTypes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, 71)
	opts := remote.Options{UpdateOnlyTypes: []string{"Client"}, LocalPrefix: "B-"}.Normalize()
	rm, err := r.st.CreateRemote(ctx, "ab_update_only", "a", "b", opts)
	if err != nil {
		t.Fatal(err)
	}
	run, err := r.st.CreateRun(ctx, rm.ID, store.KindImport)
	if err != nil {
		t.Fatal(err)
	}
	folder, err := r.dst.SearchPage(ctx, senaite.Query{PortalTypes: []string{"ClientFolder"}, Limit: 1}, 0)
	if err != nil || len(folder.Items) != 1 {
		t.Fatalf("client folder: %v", err)
	}
	own, err := r.dst.Create(ctx, "Client", folder.Items[0].UID, map[string]any{"Name": "Own lab", "ClientID": "OWN"})
	if err != nil {
		t.Fatal(err)
	}
	clients := r.srcLab.Objects("Client")
	var stored []store.Fetched
	for i, c := range clients[:2] {
		it, err := r.src.Get(ctx, c.UID)
		if err != nil {
			t.Fatal(err)
		}
		f, err := fetcher.ToFetched(it)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			// the source's copy of the destination's own client
			f.SourcePath = f.SourcePath[:strings.LastIndex(f.SourcePath, "/")+1] + "B-" + own.ID
		}
		stored = append(stored, f)
	}
	if _, err := r.st.UpsertFetched(ctx, rm.ID, run.ID, stored); err != nil {
		t.Fatal(err)
	}
	state, err := r.h.Import(ctx, importer.Object{RemoteID: rm.ID, SourceUID: clients[0].UID})
	rows, _ := r.st.ListObjects(ctx, rm.ID, store.ObjectFilter{Q: clients[0].UID})
	if err != nil || state != store.ObjSkipped || len(rows) != 1 || !strings.Contains(rows[0].Reason, "update-only") {
		t.Fatalf("a client that did not originate at the destination: %s %v %+v", state, err, rows)
	}
	state, err = r.h.Import(ctx, importer.Object{RemoteID: rm.ID, SourceUID: clients[1].UID})
	if err != nil || state != store.ObjImported {
		t.Fatalf("the destination's own client: %s %v", state, err)
	}
	if n := r.dstLab.Count("Client"); n != 1 {
		t.Fatalf("the destination holds %d clients, want its own one", n)
	}
	got, err := r.dst.Get(ctx, own.UID)
	if err != nil || got.String("Name") != clients[1].Fields["Name"] {
		t.Fatalf("the own client was not updated from the source: %q %v", got.String("Name"), err)
	}
}

// simWrites is how many writes the simulator at base has served.
func simWrites(t *testing.T, base string) int64 {
	t.Helper()
	resp, err := http.Get(base + "/__sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Requests map[string]int64 `json:"requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st.Requests["writes"]
}

// TestInterruptedCreateOfAKeyedObjectIsNotAMerge: a create of an object
// with a natural key that reached the destination before its answer was
// lost is adopted by the retry as this object's copy — not merged into
// as if another lab held the key, which would leave its own references
// unwritten (a merged object's holder is never written).
func TestInterruptedCreateOfAKeyedObjectIsNotAMerge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, 54)
	srcLab, dstLab, dst, st, rm, h := r.srcLab, r.dstLab, r.dst, r.st, r.rm, r.h
	matrices := srcLab.Objects("SampleMatrix")
	if len(matrices) == 0 {
		t.Fatal("no sample matrix in the generated lab")
	}
	mine := matrices[0]
	items := r.fetch(t, mine.UID)
	page, err := dst.SearchPage(ctx, senaite.Query{PortalTypes: []string{"SampleMatrices"}, Limit: 1}, 0)
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("the destination's sample matrices folder: %v", err)
	}
	folder := page.Items[0].UID
	if _, _, err := st.RecordIntent(ctx, rm.ID, mine.UID, store.Intent{PortalType: "SampleMatrix", DestParentUID: folder}); err != nil {
		t.Fatal(err)
	}
	fields, _ := importer.Payload("SampleMatrix", items[mine.UID].Raw, func(string) (string, bool) { return "", false }, nil)
	lost, err := dst.Create(ctx, "SampleMatrix", folder, fields)
	if err != nil {
		t.Fatal(err)
	}
	before := dstLab.Count("SampleMatrix")
	if state, err := h.Import(ctx, importer.Object{RemoteID: rm.ID, SourceUID: mine.UID}); err != nil || state != store.ObjImported {
		t.Fatalf("retry: %s %v", state, err)
	}
	got, err := st.Object(ctx, rm.ID, mine.UID)
	if err != nil {
		t.Fatal(err)
	}
	if dstLab.Count("SampleMatrix") != before || got.DestUID != lost.UID {
		t.Fatalf("the retry made %d matrices (want %d) and took %s for its copy, want %s", dstLab.Count("SampleMatrix"), before, got.DestUID, lost.UID)
	}
	if got.Merged {
		t.Fatal("the retry took its own lost create for another lab's object (merged)")
	}
}
