package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/senaite-sync/senaite-sync/internal/store"
)

// TestEarlyReplayWaitsForWhatTheSampleTouches: a sample goes to the early
// replay once it and everything its replay touches have landed — its
// analyses and reports, the worksheet that assigns one of them, the
// method another names — while a retest that the replay itself makes does
// not hold it back; a primary and its partition go together, as one
// family; a sample whose analysis holds a deferred reference or is named
// by one waits until it is set; a report of two samples makes them one
// family.
func TestEarlyReplayWaitsForWhatTheSampleTouches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	rm := seedRemote(t, s)
	page := []store.Fetched{
		{SourceUID: "client", PortalType: "Client"},
		{SourceUID: "method", PortalType: "Method"},
		{SourceUID: "s1", PortalType: "AnalysisRequest", ParentUID: "client", Refs: []string{"Client:client"}},
		{SourceUID: "a1", PortalType: "Analysis", ParentUID: "s1", Refs: []string{"Method:method"}},
		{SourceUID: "a2", PortalType: "Analysis", ParentUID: "s1"},
		{SourceUID: "a1-retest", PortalType: "Analysis", ParentUID: "s1", Refs: []string{"RetestOf:a1"}},
		{SourceUID: "r1", PortalType: "ARReport", ParentUID: "s1", Refs: []string{"AnalysisRequest:s1"}},
		{SourceUID: "ws", PortalType: "Worksheet", Refs: []string{"Analyses:a2"}},
		// a primary and its partition
		{SourceUID: "s2", PortalType: "AnalysisRequest", ParentUID: "client"},
		{SourceUID: "s3", PortalType: "AnalysisRequest", ParentUID: "client", Refs: []string{"ParentAnalysisRequest:s2"}},
		// a sample whose analysis holds a deferred reference
		{SourceUID: "s4", PortalType: "AnalysisRequest", ParentUID: "client"},
		{SourceUID: "a4", PortalType: "Analysis", ParentUID: "s4", Refs: []string{"Method:method2"}},
		{SourceUID: "method2", PortalType: "Method", Refs: []string{"Instrument:x"}},
		// a sample whose analysis a deferred reference names (a worksheet
		// assigns it once every object is there)
		{SourceUID: "s5", PortalType: "AnalysisRequest", ParentUID: "client"},
		{SourceUID: "a5", PortalType: "Analysis", ParentUID: "s5"},
		{SourceUID: "ws5", PortalType: "Worksheet", Refs: []string{"Analyses:a5", "Analyses:a9"}},
		{SourceUID: "a9", PortalType: "ReferenceAnalysis", ParentUID: "refsample"},
		// a report of two samples, inside the first
		{SourceUID: "s6", PortalType: "AnalysisRequest", ParentUID: "client"},
		{SourceUID: "s7", PortalType: "AnalysisRequest", ParentUID: "client"},
		{SourceUID: "r6", PortalType: "ARReport", ParentUID: "s6", Refs: []string{"AnalysisRequest:s6", "ContainedAnalysisRequests:s7"}},
		// an invalidated sample and its retest, which the replay makes (its
		// UID the family's least)
		{SourceUID: "s8", PortalType: "AnalysisRequest", ParentUID: "client"},
		{SourceUID: "s0-retest", PortalType: "AnalysisRequest", ParentUID: "client", Refs: []string{"Invalidated:s8"}},
	}
	for i := range page {
		page[i].SourcePath = "/senaite/" + page[i].SourceUID
		page[i].Data = []byte(`{}`)
	}
	storeFetched(t, s, rm, page)
	if err := s.SetLevels(ctx, rm.ID, len(page), func(i int) store.Planned {
		return store.Planned{SourceUID: page[i].SourceUID, Level: i}
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDeferred(ctx, rm.ID, []store.DeferredRef{{SourceUID: "a4", Field: "Method", TargetUID: "method2"},
		{SourceUID: "ws5", Field: "Analyses", TargetUID: "a5"}}); err != nil {
		t.Fatal(err)
	}
	// the plan of these objects (plan.Layout.EarlyFamilies; its rules are
	// plan.TestEarlyFamilies'): what each family waits for
	plan := map[string][3][]string{ // family: {what it waits for, its samples, deferred}
		"s1":        {{"a1", "a2", "a1-retest", "r1", "ws", "method", "client"}, {"s1"}},
		"s2":        {nil, {"s2", "s3"}},
		"s4":        {{"a4", "method2"}, {"s4"}, {"a4"}},
		"s5":        {{"a5", "ws5"}, {"s5"}, {"ws5"}},
		"s6":        {{"r6"}, {"s6", "s7"}},
		"s0-retest": {nil, {"s0-retest", "s8"}},
	}
	save := func() {
		t.Helper()
		if err := s.SaveEarlyReplay(ctx, rm.ID, func(add func(store.EarlyRow) error) error {
			for family, rows := range plan {
				for kind, uids := range rows {
					for _, uid := range uids {
						if err := add(store.EarlyRow{Sample: family, Blocker: uid, Kind: int16(kind)}); err != nil {
							return err
						}
					}
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	save()
	if ok, err := s.EarlyReplayPlanned(ctx, rm.ID); err != nil || !ok {
		t.Fatalf("planned = %v, %v; want true", ok, err)
	}
	if fam, err := s.EarlyFamily(ctx, rm.ID, "s2"); err != nil || !slices.Equal(fam, []string{"s2", "s3"}) {
		t.Fatalf("family of s2 = %v, %v; want [s2 s3]", fam, err)
	}
	if fam, err := s.EarlyFamily(ctx, rm.ID, "s6"); err != nil || !slices.Equal(fam, []string{"s6", "s7"}) {
		t.Fatalf("family of s6 = %v, %v; want [s6 s7]", fam, err)
	}
	ready := func(except ...string) []string {
		t.Helper()
		got, err := s.EarlyReplayReady(ctx, rm.ID, except, 10)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got) // which families, whatever their order (below)
		return got
	}
	land := func(uids ...string) {
		t.Helper()
		for _, uid := range uids {
			if err := s.MarkObject(ctx, rm.ID, uid, []store.ObjState{store.ObjFetched}, store.ObjImported, "", "dest-"+uid); err != nil {
				t.Fatal(err)
			}
		}
	}
	// every other sample lands at once: none of them goes early
	land("client", "s1", "s2", "s3", "s4", "a4", "method2", "s5", "a5", "ws5", "s6", "s7", "s8")
	if err := s.Park(ctx, rm.ID, "s0-retest", []store.ObjState{store.ObjFetched}, store.WaitReplay, "", "made by an invalidation"); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		land []string
		want []string
	}{
		{nil, []string{"s0-retest", "s2"}},                                    // s1's analyses, report, worksheet and method are still to come; s6 with s7 waits for r6
		{[]string{"a1", "a2", "r1", "r6"}, []string{"s0-retest", "s2", "s6"}}, // the method a1 names, the worksheet a2 is on
		{[]string{"method"}, []string{"s0-retest", "s2", "s6"}},
		{[]string{"ws"}, []string{"s0-retest", "s2", "s6"}}, // its retest is still to import
	} {
		land(step.land...)
		if got := ready(); !slices.Equal(got, step.want) {
			t.Fatalf("after %v landed: ready = %v, want %v", step.land, got, step.want)
		}
	}
	// the retest is made by the replay itself: parked for it, it holds
	// nothing back
	if err := s.Park(ctx, rm.ID, "a1-retest", []store.ObjState{store.ObjFetched}, store.WaitReplay, "", "made by a retraction"); err != nil {
		t.Fatal(err)
	}
	if got := ready(); !slices.Equal(got, []string{"s0-retest", "s1", "s2", "s6"}) {
		t.Fatalf("with its retest parked for the replay: ready = %v, want [s0-retest s1 s2 s6]", got)
	}
	// the largest family first — its replay is the longest chain of
	// requests, and the last in hand should be short ones: s1 with its
	// analyses, report, worksheet and method, not s0-retest by its UID
	if got, err := s.EarlyReplayReady(ctx, rm.ID, nil, 1); err != nil || !slices.Equal(got, []string{"s1"}) {
		t.Fatalf("one family asked for: %v, %v; want [s1], the one holding the most objects", got, err)
	}
	// the deferred references s4 and s5 wait for can be set once every
	// target their fields name has landed (ws5's Analyses is written
	// whole: a9 too, though the plan held back only its edge to a5)
	if deferred, err := s.DeferredReady(ctx, rm.ID, 10); err != nil || len(deferred) != 1 || deferred["a4"] == nil {
		t.Fatalf("deferred references ready = %v, %v; want a4's alone (ws5's Analyses names a9, still to come)", deferred, err)
	}
	land("a9")
	deferred, err := s.DeferredReady(ctx, rm.ID, 10)
	if err != nil || len(deferred) != 2 || !slices.Equal(deferred["a4"], []string{"Method"}) || !slices.Equal(deferred["ws5"], []string{"Analyses"}) {
		t.Fatalf("deferred references ready = %v, %v; want a4's Method and ws5's Analyses", deferred, err)
	}
	for uid := range deferred {
		if err := s.DeferredDone(ctx, rm.ID, uid); err != nil {
			t.Fatal(err)
		}
	}
	if got := ready(); !slices.Equal(got, []string{"s0-retest", "s1", "s2", "s4", "s5", "s6"}) {
		t.Fatalf("with the deferred references set: ready = %v, want [s0-retest s1 s2 s4 s5 s6]", got)
	}
	// in hand or done, a sample is not listed again
	if got := ready("s1", "s4", "s6"); !slices.Equal(got, []string{"s0-retest", "s2", "s5"}) {
		t.Fatalf("s1, s4 and s6 in hand: ready = %v, want [s0-retest s2 s5]", got)
	}
	run := uuid.New()
	if err := s.MarkReplayed(ctx, rm.ID, run, []string{"a2"}, store.ReplaySettled); err != nil {
		t.Fatal(err)
	}
	group, err := s.ReplayGroup(ctx, rm.ID, run, []string{"s1"})
	if err != nil {
		t.Fatal(err)
	}
	var uids []string
	marks := map[string]store.ReplayMark{}
	for _, o := range group {
		uids = append(uids, o.SourceUID)
		marks[o.SourceUID] = o.Mark
	}
	if uids[0] != "s1" || len(uids) != 5 || marks["a2"] != store.ReplaySettled || marks["a1"] != 0 {
		t.Fatalf("replay group of s1 = %v with marks %v, want s1 first, its four children, a2 settled", uids, marks)
	}
	if err := s.EarlyReplayDone(ctx, rm.ID, []string{"s0-retest", "s1", "s2", "s4", "s5", "s6"}); err != nil {
		t.Fatal(err)
	}
	if got := ready(); len(got) != 0 {
		t.Fatalf("after its early replay: ready = %v, want none", got)
	}
	// planned again (the next import), it starts over: saved whole
	save()
	if got := ready(); !slices.Equal(got, []string{"s0-retest", "s1", "s2", "s4", "s5", "s6"}) {
		t.Fatalf("planned again: ready = %v, want every family", got)
	}
	if err := s.ForgetEarlyReplay(ctx, rm.ID); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.EarlyReplayPlanned(ctx, rm.ID); err != nil || ok {
		t.Fatalf("forgotten: planned = %v, %v; want false", ok, err)
	}
}
