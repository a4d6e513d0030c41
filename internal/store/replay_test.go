package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/senaite-sync/senaite-sync/internal/store"
)

// TestReplayBatches: a replay walk lists a phase's objects a batch at a
// time — by container, a container never split and its objects in the
// order they were created, one larger than a batch alone, objects without
// a container first; otherwise by UID — with the marks the run's replay
// gave them, and only the state and types asked (or every other type).
func TestReplayBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	rm := seedRemote(t, s)
	run, err := s.CreateRun(ctx, rm.ID, store.KindFetch)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var objs []store.Fetched
	add := func(uid, pt, parent string, minute int) {
		objs = append(objs, store.Fetched{SourceUID: uid, PortalType: pt, SourcePath: "/senaite/" + uid, ParentUID: parent,
			Created: base.Add(time.Duration(minute) * time.Minute), Modified: base, Data: []byte(`{}`)})
	}
	// containers a (3 analyses), b (5: more than a batch), c (1); created
	// out of UID order
	for i, m := range []int{3, 1, 2} {
		add(fmt.Sprintf("a%d", i), "Analysis", "sample-a", m)
	}
	for i := range 5 {
		add(fmt.Sprintf("b%d", i), "Analysis", "sample-b", 10-i)
	}
	add("c0", "Analysis", "sample-c", 0)
	add("loose", "ReferenceAnalysis", "", 0)
	add("ws", "Worksheet", "", 0)
	add("client", "Client", "", 0)
	add("notyet", "Analysis", "sample-c", 0) // stays fetched
	if _, err := s.UpsertFetched(ctx, rm.ID, run.ID, objs); err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.SourceUID != "notyet" {
			if err := s.MarkObject(ctx, rm.ID, o.SourceUID, []store.ObjState{store.ObjFetched}, store.ObjImported, "", "d-"+o.SourceUID); err != nil {
				t.Fatal(err)
			}
		}
	}
	replay := uuid.New()
	if err := s.MarkReplayed(ctx, rm.ID, replay, []string{"b3", "ws"}, store.ReplaySettled); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkReplayed(ctx, rm.ID, uuid.New(), []string{"a0"}, store.ReplaySettled); err != nil {
		t.Fatal(err) // another run's mark: not this replay's
	}
	walk := func(w store.ReplayWalk) [][]string {
		t.Helper()
		w.Run, w.State = replay, store.ObjImported
		var out [][]string
		if err := s.ReplayBatches(ctx, rm.ID, w, func(batch []store.ReplayObject) error {
			var uids []string
			for _, o := range batch {
				uids = append(uids, o.SourceUID)
				if want := map[string]store.ReplayMark{"b3": store.ReplaySettled, "ws": store.ReplaySettled}[o.SourceUID]; o.Mark != want {
					t.Errorf("%s: mark %d, want %d", o.SourceUID, o.Mark, want)
				}
				if o.DestUID != "d-"+o.SourceUID || o.Data != nil {
					t.Errorf("%s listed as %+v", o.SourceUID, o.Stored)
				}
			}
			out = append(out, uids)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := walk(store.ReplayWalk{Types: []string{"Analysis", "ReferenceAnalysis"}, ByContainer: true, Batch: 4})
	want := [][]string{{"loose"}, {"a1", "a2", "a0"}, {"b4", "b3", "b2", "b1", "b0"}, {"c0"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("by container: %v, want %v", got, want)
	}
	got = walk(store.ReplayWalk{Types: []string{"Analysis", "ReferenceAnalysis"}, Except: true, Batch: 1})
	if want := [][]string{{"client"}, {"ws"}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("every other type, one by one: %v, want %v", got, want)
	}
	got = walk(store.ReplayWalk{Types: []string{"Analysis"}, Batch: 100})
	if want := [][]string{{"a0", "a1", "a2", "b0", "b1", "b2", "b3", "b4", "c0"}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("by UID: %v, want %v", got, want)
	}
	if n, err := s.CountReplayed(ctx, rm.ID, replay); err != nil || n != 2 {
		t.Errorf("replayed %d, %v; want 2", n, err)
	}
	if n, err := s.CountInState(ctx, rm.ID, store.ObjFetched, nil); err != nil || n != 1 {
		t.Errorf("fetched %d, %v; want 1", n, err)
	}
}
