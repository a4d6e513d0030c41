package coordinator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/coordinator"
	"github.com/senaite-sync/senaite-sync/internal/queue"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

func TestNextTick(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ptr := func(s string) *time.Time { v := at(s); return &v }
	for _, c := range []struct {
		name     string
		now      string
		interval time.Duration
		next     *time.Time
		slot     string // "" not due
		nextAt   string
	}{
		{"never scheduled: the end of the current slot, no tick", "2026-11-29T10:07:00Z", 15 * time.Minute, nil, "", "2026-11-29T10:15:00Z"},
		{"daily slots end at midnight UTC", "2026-11-29T10:07:00Z", 24 * time.Hour, nil, "", "2026-11-30T00:00:00Z"},
		{"not yet", "2026-11-29T10:14:59Z", 15 * time.Minute, ptr("2026-11-29T10:15:00Z"), "", "2026-11-29T10:15:00Z"},
		{"due on time", "2026-11-29T10:15:00Z", 15 * time.Minute, ptr("2026-11-29T10:15:00Z"), "2026-11-29T10:15:00Z", "2026-11-29T10:30:00Z"},
		{"due a little late", "2026-11-29T10:16:30Z", 15 * time.Minute, ptr("2026-11-29T10:15:00Z"), "2026-11-29T10:15:00Z", "2026-11-29T10:30:00Z"},
		{"down for hours: one tick for the current slot", "2026-11-29T13:40:00Z", 15 * time.Minute, ptr("2026-11-29T10:15:00Z"), "2026-11-29T13:30:00Z", "2026-11-29T13:45:00Z"},
		{"down for days with a daily interval", "2026-12-03T08:00:00Z", 24 * time.Hour, ptr("2026-11-30T00:00:00Z"), "2026-12-03T00:00:00Z", "2026-12-04T00:00:00Z"},
	} {
		t.Run(c.name, func(t *testing.T) {
			slot, nextAt, due := coordinator.NextTick(at(c.now), c.interval, c.next)
			if due != (c.slot != "") || (due && !slot.Equal(at(c.slot))) || !nextAt.Equal(at(c.nextAt)) {
				t.Fatalf("NextTick = %v %v %v, want slot %q next %s", slot, nextAt, due, c.slot, c.nextAt)
			}
		})
	}
}

// TestAutoSyncTicks drives the scheduler of two coordinators over the real
// JetStream and PostgreSQL: hours of missed ticks make one tick; a tick
// waits behind a running step and ticks that pile up meanwhile make one
// update; a tick published twice counts once.
func TestAutoSyncTicks(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.instance(t, "lab_a", "http://127.0.0.1:1/senaite", "x")
	r.instance(t, "lab_b", "http://127.0.0.1:2/senaite", "x")
	rm, err := r.st.CreateRemote(ctx, "a_to_b", "lab_a", "lab_b", remote.Options{AutoSync: remote.Interval(15 * time.Minute)}.Normalize())
	if err != nil {
		t.Fatal(err)
	}
	other := &coordinator.Coordinator{Store: r.st, JS: r.js, Names: r.names, Key: r.key, Log: r.log}
	for _, co := range []*coordinator.Coordinator{r.co, other} {
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = co.ServeTicks(sctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
	}
	reload := func() store.Remote {
		t.Helper()
		got, err := r.st.RemoteByID(ctx, rm.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// consumed waits until every published tick was handled.
	consumed := func() {
		t.Helper()
		cons, err := queue.Consumer(ctx, r.js, r.names, queue.Tick)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 500; i++ {
			info, err := cons.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if info.NumPending == 0 && info.NumAckPending == 0 {
				return
			}
			time.Sleep(10 * time.Millisecond) // poll interval of a bounded wait on observed state
		}
		t.Fatal("ticks not consumed within 5s")
	}
	runs := func() []store.Run {
		t.Helper()
		list, err := r.st.Runs(ctx, "a_to_b", 100)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}

	now := time.Now()
	if err := r.co.ScheduleTicks(ctx, now); err != nil {
		t.Fatal(err)
	}
	consumed()
	got := reload()
	if got.NextTickAt == nil || !got.NextTickAt.Equal(now.Truncate(15*time.Minute).Add(15*time.Minute)) || got.SyncPending {
		t.Fatalf("a new remote is scheduled for the end of the slot without a tick: next %v pending %v", got.NextTickAt, got.SyncPending)
	}

	// everything was down for three hours: both coordinators look, one tick
	down := now.Add(-3 * time.Hour)
	if ok, err := r.st.ScheduleTick(ctx, rm.ID, got.NextTickAt, down); err != nil || !ok {
		t.Fatalf("schedule: %v %v", ok, err)
	}
	for _, co := range []*coordinator.Coordinator{r.co, other, r.co} {
		if err := co.ScheduleTicks(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	consumed()
	if got = reload(); !got.SyncPending || !got.NextTickAt.After(now) {
		t.Fatalf("after missed ticks: pending %v next %v", got.SyncPending, got.NextTickAt)
	}

	// a step of the remote runs: the tick waits behind it, and the next
	// slot's tick joins it
	manual, err := r.st.CreateRun(ctx, rm.ID, store.KindFetch)
	if err != nil {
		t.Fatal(err)
	}
	for _, co := range []*coordinator.Coordinator{r.co, other} {
		if err := co.StartPendingSyncs(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(runs()); n != 1 {
		t.Fatalf("an update started beside a running step: %d runs", n)
	}
	later := got.NextTickAt.Add(time.Minute)
	if err := r.co.ScheduleTicks(ctx, later); err != nil {
		t.Fatal(err)
	}
	consumed()
	if !reload().SyncPending {
		t.Fatal("the tick was dropped while a step ran")
	}
	if _, err := r.co.CancelRun(ctx, manual.ID); err != nil {
		t.Fatal(err)
	}
	for _, co := range []*coordinator.Coordinator{r.co, other, r.co} {
		if err := co.StartPendingSyncs(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var updates []store.Run
	for _, run := range runs() {
		if run.Kind == store.KindUpdate {
			updates = append(updates, run)
		}
	}
	if len(updates) != 1 || updates[0].Trigger != store.TriggerAuto || updates[0].Status != store.StatusQueued {
		t.Fatalf("want one queued auto update after the step, got %+v", updates)
	}
	if reload().SyncPending {
		t.Fatal("the tick is still pending after its update started")
	}

	// the same slot's tick again (a leader that died between publishing
	// and moving the schedule, past the deduplication window) counts once
	slot := later.Truncate(15 * time.Minute)
	payload, _ := json.Marshal(map[string]any{"remote": "a_to_b", "slot": slot})
	if err := queue.Publish(ctx, r.js, r.names.Subject(queue.Tick, "a_to_b"), fmt.Sprintf("again-%d", slot.Unix()), payload); err != nil {
		t.Fatal(err)
	}
	consumed()
	if reload().SyncPending {
		t.Fatal("a tick of a slot already accepted made the remote pending again")
	}

	// auto-sync turned off: no tick, nothing scheduled
	if _, err := r.co.CancelRun(ctx, updates[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.st.UpdateRemoteOptions(ctx, "a_to_b", remote.Options{}.Normalize()); err != nil {
		t.Fatal(err)
	}
	if err := r.co.ScheduleTicks(ctx, later.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	consumed()
	if got := reload(); got.SyncPending || got.NextTickAt != nil {
		t.Fatalf("auto-sync off: pending %v next %v", got.SyncPending, got.NextTickAt)
	}
}
