package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

func migrated(t *testing.T) *store.Store { return storetest.Migrated(t) }

// storeFetched stores objects as a fetch run's page would, created and
// modified now.
func storeFetched(t *testing.T, s *store.Store, rm store.Remote, page []store.Fetched) {
	t.Helper()
	ctx := context.Background()
	run, err := s.CreateRun(ctx, rm.ID, store.KindFetch)
	if err != nil {
		t.Fatal(err)
	}
	for i := range page {
		page[i].Created, page[i].Modified = time.Now(), time.Now()
	}
	if _, err := s.UpsertFetched(ctx, rm.ID, run.ID, page); err != nil {
		t.Fatal(err)
	}
}

func seedRemote(t *testing.T, s *store.Store) store.Remote {
	t.Helper()
	ctx := context.Background()
	for _, n := range []string{"lab_a", "lab_b"} {
		if _, err := s.CreateInstance(ctx, store.Instance{Name: n, URL: "http://127.0.0.1/" + n, Username: "admin", Password: []byte("sealed")}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.CreateRemote(ctx, "a_to_b", "lab_a", "lab_b", remote.Options{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestInstancesAndRemotes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	r := seedRemote(t, s)
	if r.Source != "lab_a" || r.Destination != "lab_b" || r.Options.PageSize != 100 {
		t.Fatalf("remote %+v", r)
	}
	if _, err := s.CreateInstance(ctx, store.Instance{Name: "lab_a", URL: "x", Username: "u", Password: []byte("p")}); !errors.Is(err, store.ErrExists) {
		t.Fatalf("duplicate instance: %v", err)
	}
	if _, err := s.CreateRemote(ctx, "x", "lab_a", "nope", remote.Options{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("remote to a missing instance: %v", err)
	}
	if err := s.DeleteInstance(ctx, "lab_a"); !errors.Is(err, store.ErrInUse) {
		t.Fatalf("deleting an instance a remote uses: %v", err)
	}
	r, err := s.UpdateRemoteOptions(ctx, "a_to_b", remote.Options{PageSize: 50, SkipTypes: []string{"Method"}})
	if err != nil || r.Options.PageSize != 50 || r.Options.SkipTypes[0] != "Method" {
		t.Fatalf("edit: %+v %v", r.Options, err)
	}
	in, _ := s.Instance(ctx, "lab_a")
	if _, err := s.UpdateInstance(ctx, store.Instance{Name: "lab_a", URL: "http://new", Username: "admin"}); err != nil {
		t.Fatal(err)
	}
	again, _ := s.Instance(ctx, "lab_a")
	if again.URL != "http://new" || string(again.Password) != string(in.Password) {
		t.Fatalf("update without a password keeps it: %+v", again)
	}
}

func TestRunLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	rm := seedRemote(t, s)
	run, err := s.CreateRun(ctx, rm.ID, store.KindFetch)
	if err != nil || run.Status != store.StatusQueued || run.Remote != "a_to_b" {
		t.Fatalf("create: %+v %v", run, err)
	}
	var active *store.ActiveRunError
	if _, err := s.CreateRun(ctx, rm.ID, store.KindImport); !errors.As(err, &active) || active.Run.ID != run.ID {
		t.Fatalf("second run: %v", err)
	}
	// compare-and-set: only one of two racing coordinators starts the run
	var wg sync.WaitGroup
	results := make([]error, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.TransitionRun(ctx, run.ID, []store.RunStatus{store.StatusQueued}, store.StatusRunning, "")
		}()
	}
	wg.Wait()
	if (results[0] == nil) == (results[1] == nil) || !(errors.Is(results[0], store.ErrStaleState) || errors.Is(results[1], store.ErrStaleState)) {
		t.Fatalf("racing starts: %v / %v", results[0], results[1])
	}
	if err := s.PlanPages(ctx, run.ID, []store.Page{{PortalType: "Client", BStart: 0, PageSize: 100}, {PortalType: "Client", BStart: 100, PageSize: 100}, {PortalType: "Analysis", BStart: 0, PageSize: 100}}); err != nil {
		t.Fatal(err)
	}
	if err := s.PlanPages(ctx, run.ID, []store.Page{{PortalType: "Client", BStart: 0, PageSize: 100}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // the second time is a redelivery
		done, total, counted, err := s.PageDone(ctx, run.ID, "Client", 0, 100)
		if err != nil || done != 1 || total != 3 || counted != (i == 0) {
			t.Fatalf("page done #%d: %d/%d counted=%v %v", i, done, total, counted, err)
		}
	}
	if err := s.AddRunCounts(ctx, run.ID, "Client", store.Counts{Fetched: 100}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRunCounts(ctx, run.ID, "Client", store.Counts{Fetched: 20, Failed: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.TransitionRun(ctx, run.ID, []store.RunStatus{store.StatusRunning}, store.StatusPartial, "1 object failed"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Run(ctx, run.ID)
	if got.Status != store.StatusPartial || got.FinishedAt == nil || got.Counts().Fetched != 120 || got.ByType["Client"].Failed != 1 {
		t.Fatalf("finished run %+v", got)
	}
	if _, err := s.CreateRun(ctx, rm.ID, store.KindImport); err != nil {
		t.Fatalf("a new run after the first finished: %v", err)
	}
}

func TestUpsertFetchedIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	rm := seedRemote(t, s)
	run, _ := s.CreateRun(ctx, rm.ID, store.KindFetch)
	page := make([]store.Fetched, 250)
	for i := range page {
		page[i] = store.Fetched{SourceUID: fmt.Sprintf("%032d", i), PortalType: "Analysis",
			SourcePath: fmt.Sprintf("/senaite/clients/client-1/WB-0001/a%d", i), ParentUID: "parent-sample",
			Created: time.Now(), Modified: time.Now(), ReviewState: "published",
			Data: []byte(fmt.Sprintf(`{"uid": "%032d", "Result": "%d"}`, i, i)), Refs: []string{"svc", "cat"}}
	}
	n, err := s.UpsertFetched(ctx, rm.ID, run.ID, page)
	if err != nil || n != 250 {
		t.Fatalf("first upsert: %d %v", n, err)
	}
	n, err = s.UpsertFetched(ctx, rm.ID, run.ID, page)
	if err != nil || n != 0 {
		t.Fatalf("a redelivered page changed %d rows (%v)", n, err)
	}
	page[7].Data = []byte(`{"uid": "changed"}`)
	if n, _ := s.UpsertFetched(ctx, rm.ID, run.ID, page); n != 1 {
		t.Fatalf("one changed object: %d rows", n)
	}
	counts, _ := s.CountObjects(ctx, rm.ID)
	if counts["Analysis"] != 250 {
		t.Fatalf("counts %v", counts)
	}
	missing, _ := s.MissingParents(ctx, rm)
	if len(missing) != 1 || missing[0] != "parent-sample" {
		t.Fatalf("missing parents %v", missing)
	}
}

// TestChildFields: a container's children of one type come back with the
// asked fields only — present ones as sent, absent ones left out.
func TestChildFields(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	rm := seedRemote(t, s)
	storeFetched(t, s, rm, []store.Fetched{
		{SourceUID: "a1", PortalType: "Analysis", SourcePath: "/s/c/WB-1/Ca", ParentUID: "sample",
			Data: []byte(`{"Keyword": "Ca", "AnalysisService": {"uid": "svc-ca"}, "Result": "12"}`)},
		{SourceUID: "a2", PortalType: "Analysis", SourcePath: "/s/c/WB-1/Mg", ParentUID: "sample",
			Data: []byte(`{"Keyword": "Mg", "RetestOf": {"uid": "a1"}}`)},
		{SourceUID: "att", PortalType: "Attachment", SourcePath: "/s/c/WB-1/att", ParentUID: "sample", Data: []byte(`{"Keyword": "x"}`)},
		{SourceUID: "b1", PortalType: "Analysis", SourcePath: "/s/c/WB-2/Ca", ParentUID: "other", Data: []byte(`{"Keyword": "Ca"}`)},
	})
	got, err := s.ChildFields(ctx, rm.ID, "sample", "Analysis", []string{"Keyword", "AnalysisService", "RetestOf"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].SourceUID != "a1" || got[1].SourceUID != "a2" {
		t.Fatalf("children %+v", got)
	}
	if string(got[0].Fields["Keyword"]) != `"Ca"` || string(got[0].Fields["AnalysisService"]) != `{"uid": "svc-ca"}` ||
		got[0].Fields["Result"] != nil || got[0].Fields["RetestOf"] != nil {
		t.Fatalf("fields of a1: %v", got[0].Fields)
	}
	if string(got[1].Fields["RetestOf"]) != `{"uid": "a1"}` || got[1].Fields["AnalysisService"] != nil {
		t.Fatalf("fields of a2: %v", got[1].Fields)
	}
}

// TestTallies: the metrics' counts — runs by kind and status, objects by
// state — per remote.
func TestTallies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	rm := seedRemote(t, s)
	page := make([]store.Fetched, 3)
	for i := range page {
		page[i] = store.Fetched{SourceUID: fmt.Sprintf("%032d", i), PortalType: "Client", SourcePath: fmt.Sprintf("/s/clients/c%d", i),
			Data: []byte(`{}`)}
	}
	storeFetched(t, s, rm, page)
	if err := s.MarkObject(ctx, rm.ID, page[0].SourceUID, []store.ObjState{store.ObjFetched}, store.ObjSkipped, "test", ""); err != nil {
		t.Fatal(err)
	}
	runs, err := s.RunTallies(ctx)
	if err != nil || len(runs) != 1 || runs[0] != (store.RunTally{Remote: "a_to_b", Kind: store.KindFetch, Status: store.StatusQueued, Runs: 1}) {
		t.Fatalf("run tallies %+v %v", runs, err)
	}
	states, err := s.StateTallies(ctx)
	want := []store.StateTally{{Remote: "a_to_b", State: store.ObjFetched, Objects: 2}, {Remote: "a_to_b", State: store.ObjSkipped, Objects: 1}}
	if err != nil || fmt.Sprint(states) != fmt.Sprint(want) {
		t.Fatalf("state tallies %+v %v, want %+v", states, err, want)
	}
}
