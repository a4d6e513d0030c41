package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/store"
)

// TestReadyPending: an import publishes what is ready — objects whose
// container is not still to bring, lowest levels first, of an ID sequence
// only its head — and what each settled object lets go; an object parked
// on an object still to bring waits for its arrival, keeps its sequence's
// turn and is woken when it settles, or by the coordinator when that wake
// was lost.
func TestReadyPending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	rm := seedRemote(t, s)
	var page []store.Fetched
	planned := map[string]store.Planned{}
	for _, o := range []struct {
		p      store.Planned
		parent string
	}{
		{store.Planned{SourceUID: "root", Level: 0}, ""},
		{store.Planned{SourceUID: "a0", Level: 1, Key: "A", Seq: 0}, "root"},
		{store.Planned{SourceUID: "a1", Level: 1, Key: "A", Seq: 1}, "root"},
		{store.Planned{SourceUID: "n0", Level: 1}, "root"},
		{store.Planned{SourceUID: "n1", Level: 1}, "root"},
		{store.Planned{SourceUID: "c0", Level: 2, Key: "C"}, "n1"},
		{store.Planned{SourceUID: "x", Level: 2}, "n1"},
		{store.Planned{SourceUID: "y", Level: 2}, "elsewhere"}, // a container this remote does not bring
		{store.Planned{SourceUID: "z", Level: 3}, "x"},
	} {
		page = append(page, store.Fetched{SourceUID: o.p.SourceUID, PortalType: "Client", SourcePath: "/senaite/" + o.p.SourceUID,
			ParentUID: o.parent, Data: []byte(`{}`)})
		planned[o.p.SourceUID] = o.p
	}
	storeFetched(t, s, rm, page)
	if err := s.SetLevels(ctx, rm.ID, len(page), func(i int) store.Planned { return planned[page[i].SourceUID] }); err != nil {
		t.Fatal(err)
	}
	uids := func(ps []store.Pending) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.SourceUID
		}
		slices.Sort(out)
		return out
	}
	ready := func(limit int) []string {
		t.Helper()
		got, err := s.ReadyPending(ctx, rm.ID, limit)
		if err != nil {
			t.Fatal(err)
		}
		return uids(got)
	}
	settle := func(uid string) []string {
		t.Helper()
		if err := s.MarkObject(ctx, rm.ID, uid, []store.ObjState{store.ObjFetched}, store.ObjImported, "", "d-"+uid); err != nil {
			t.Fatal(err)
		}
		got, err := s.Settled(ctx, rm.ID, []string{uid}, 100)
		if err != nil {
			t.Fatal(err)
		}
		return uids(got)
	}
	park := func(uid, on string, retry bool) store.WaitKind {
		t.Helper()
		kind, err := s.ParkOn(ctx, rm.ID, uid, []store.ObjState{store.ObjFetched, store.ObjWaiting}, on, "waits for "+on, retry)
		if err != nil {
			t.Fatal(err)
		}
		return kind
	}
	level := func() int {
		t.Helper()
		l, err := s.CurrentLevel(ctx, rm.ID)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}

	// only the root and what lies in a container the remote does not bring;
	// lowest levels first within the limit
	if got := ready(10); !slices.Equal(got, []string{"root", "y"}) {
		t.Errorf("ready at first: %v, want [root y]", got)
	}
	if got := ready(1); !slices.Equal(got, []string{"root"}) {
		t.Errorf("ready with a limit of 1: %v, want [root]", got)
	}
	// the root settles: its children go, of sequence A only its head
	if got := settle("root"); !slices.Equal(got, []string{"a0", "n0", "n1"}) {
		t.Errorf("the root let go %v, want [a0 n0 n1]", got)
	}
	if got := ready(10); !slices.Equal(got, []string{"a0", "n0", "n1", "y"}) {
		t.Errorf("ready after the root: %v, want [a0 n0 n1 y]", got)
	}
	// a0 meets n1, still to bring: it waits for its arrival and keeps A's turn
	if kind := park("a0", "n1", true); kind != store.WaitArrival {
		t.Errorf("a0 parked on n1 as %q, want %q", kind, store.WaitArrival)
	}
	if _, earlier, err := s.ObjectTurn(ctx, rm.ID, "a1"); err != nil || !earlier {
		t.Errorf("a1's turn: earlier %v, %v; want a0 still before it", earlier, err)
	}
	if _, ok, err := s.SequenceHead(ctx, rm.ID, "A"); err != nil || ok {
		t.Errorf("head of A: %v, %v; want none to publish while a0 waits", ok, err)
	}
	if got := ready(10); !slices.Equal(got, []string{"n0", "n1", "y"}) {
		t.Errorf("ready while a0 waits: %v, want [n0 n1 y]", got)
	}
	// what the remote does not bring is waited for until the import's end
	if kind := park("n0", "never-fetched", true); kind != store.WaitDependency {
		t.Errorf("n0 parked on what is not fetched as %q, want %q", kind, store.WaitDependency)
	}
	if l := level(); l != 1 {
		t.Errorf("current level %d, want 1 (a0 waits for an arrival)", l)
	}
	// n1 settles: a0 is woken (a new attempt: a new message id) and n1's
	// children go, of sequence C its head
	if got := settle("n1"); !slices.Equal(got, []string{"a0", "c0", "x"}) {
		t.Errorf("n1 let go %v, want [a0 c0 x]", got)
	}
	if o, err := s.Object(ctx, rm.ID, "a0"); err != nil || o.State != store.ObjFetched {
		t.Errorf("a0 after n1 settled: %q, %v; want fetched", o.State, err)
	}
	// y looked while n1 was still to bring, and parks after it settled:
	// tried again at once, or, past its retries, parked until the end
	if kind := park("y", "n1", true); kind != "" {
		t.Errorf("y parked on settled n1 as %q, want to try again", kind)
	}
	if o, err := s.Object(ctx, rm.ID, "y"); err != nil || o.State != store.ObjFetched {
		t.Errorf("y after a park that tries again: %q, %v; want fetched", o.State, err)
	}
	if kind := park("y", "n1", false); kind != store.WaitDependency {
		t.Errorf("y parked on settled n1 without retry as %q, want %q", kind, store.WaitDependency)
	}
	// a wake lost: a0 waits for x, which fails without waking it; the
	// coordinator's sweep puts a0 back
	if kind := park("a0", "x", true); kind != store.WaitArrival {
		t.Fatalf("a0 parked on x as %q, want %q", kind, store.WaitArrival)
	}
	if n, err := s.WakeStranded(ctx, rm.ID); err != nil || n != 0 {
		t.Errorf("stranded while x is to bring: %d, %v; want 0", n, err)
	}
	if err := s.MarkObject(ctx, rm.ID, "x", []store.ObjState{store.ObjFetched}, store.ObjFailed, "refused", ""); err != nil {
		t.Fatal(err)
	}
	if n, err := s.WakeStranded(ctx, rm.ID); err != nil || n != 1 {
		t.Errorf("stranded after x failed: %d, %v; want 1", n, err)
	}
	if got := ready(10); !slices.Contains(got, "a0") {
		t.Errorf("ready after the sweep: %v, want a0 among them", got)
	}
}

// TestRequeueCountsItsOwn: an object parked on what the import does not
// bring is put back at the import's end three times a run, however many
// messages it had before (waits for an arrival raise its attempts).
func TestRequeueCountsItsOwn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	rm := seedRemote(t, s)
	storeFetched(t, s, rm, []store.Fetched{{SourceUID: "a", PortalType: "Client", SourcePath: "/senaite/a", Data: []byte(`{}`)}})
	if err := s.SetLevels(ctx, rm.ID, 1, func(int) store.Planned { return store.Planned{SourceUID: "a", Level: 1} }); err != nil {
		t.Fatal(err)
	}
	for range 5 { // woken five times, say
		if err := s.Bump(ctx, rm.ID, "a"); err != nil {
			t.Fatal(err)
		}
	}
	for round := 1; round <= 4; round++ {
		kind, err := s.ParkOn(ctx, rm.ID, "a", []store.ObjState{store.ObjFetched}, "never-fetched", "waits", true)
		if err != nil || kind != store.WaitDependency {
			t.Fatalf("round %d: parked as %q, %v", round, kind, err)
		}
		n, err := s.RequeueWaiting(ctx, rm.ID, 3)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 1, false: 0}[round <= 3]; n != want {
			t.Errorf("round %d: requeued %d, want %d", round, n, want)
		}
		if n == 0 {
			break
		}
	}
}

// TestTurnPassesWithTheCreatesAnswer: the next object of an ID sequence
// goes once the destination answered the create of the one before, not
// once that one's outcome is recorded; an intent without an answer keeps
// the turn (the create may not have reached the destination).
func TestTurnPassesWithTheCreatesAnswer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	rm := seedRemote(t, s)
	var page []store.Fetched
	planned := map[string]store.Planned{}
	for i, uid := range []string{"s0", "s1", "s2"} {
		page = append(page, store.Fetched{SourceUID: uid, PortalType: "AnalysisRequest", SourcePath: "/senaite/clients/c/" + uid, Data: []byte(`{}`)})
		planned[uid] = store.Planned{SourceUID: uid, Level: 1, Key: "H2O", Seq: i}
	}
	storeFetched(t, s, rm, page)
	if err := s.SetLevels(ctx, rm.ID, len(page), func(i int) store.Planned { return planned[page[i].SourceUID] }); err != nil {
		t.Fatal(err)
	}
	turn := func(uid string) (earlier bool, head string) {
		t.Helper()
		_, earlier, err := s.ObjectTurn(ctx, rm.ID, uid)
		if err != nil {
			t.Fatal(err)
		}
		p, ok, err := s.SequenceHead(ctx, rm.ID, "H2O")
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			head = p.SourceUID
		}
		return earlier, head
	}
	if earlier, head := turn("s1"); !earlier || head != "s0" {
		t.Errorf("at first: s1 after an earlier %v, head %q; want true, s0", earlier, head)
	}
	// s0's create is under way: its intent alone keeps the turn
	if _, _, err := s.RecordIntent(ctx, rm.ID, "s0", store.Intent{PortalType: "AnalysisRequest", DestParentUID: "dc"}); err != nil {
		t.Fatal(err)
	}
	if earlier, head := turn("s1"); !earlier || head != "s0" {
		t.Errorf("s0 being created: s1 after an earlier %v, head %q; want true, s0", earlier, head)
	}
	// the destination answered: s1's turn, though s0 is still in fetched
	next, ok, err := s.PassTurn(ctx, rm.ID, "s0", "d-s0", "H2O")
	if err != nil {
		t.Fatal(err)
	}
	if !ok || next.SourceUID != "s1" {
		t.Errorf("s0 answered: PassTurn's next %q (%v), want s1", next.SourceUID, ok)
	}
	if earlier, head := turn("s1"); earlier || head != "s1" {
		t.Errorf("s0 answered: s1 after an earlier %v, head %q; want false, s1", earlier, head)
	}
	if earlier, _ := turn("s2"); !earlier {
		t.Error("s0 answered: s2 goes before s1, want it to wait")
	}
	if o, err := s.Object(ctx, rm.ID, "s0"); err != nil || o.State != store.ObjFetched {
		t.Errorf("s0 after its turn passed: %q, %v; want fetched until its outcome is recorded", o.State, err)
	}
}
