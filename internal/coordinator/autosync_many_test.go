package coordinator_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/coordinator"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// TestFiftyTicksInOneMinuteAllStart (issue #13, many remotes at once):
// fifty remotes of several intervals whose ticks fall due in the same
// minute each get exactly one queued update (trigger auto) — none lost,
// none doubled — while two coordinators schedule the ticks, consume them
// and start the pending updates at the same time.
func TestFiftyTicksInOneMinuteAllStart(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.instance(t, "lab_a", "http://127.0.0.1:1/senaite", "x")
	r.instance(t, "lab_b", "http://127.0.0.1:2/senaite", "x")
	const n = 50
	now := time.Now()
	due := now.Add(-time.Minute) // every remote's next tick, in the same minute
	intervals := []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 24 * time.Hour}
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("lab_%02d", i)
		rm, err := r.st.CreateRemote(ctx, names[i], "lab_a", "lab_b",
			remote.Options{AutoSync: remote.Interval(intervals[i%len(intervals)])}.Normalize())
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := r.st.ScheduleTick(ctx, rm.ID, nil, due); err != nil || !ok {
			t.Fatalf("schedule %s: %v %v", names[i], ok, err)
		}
	}
	other := &coordinator.Coordinator{Store: r.st, JS: r.js, Names: r.names, Key: r.key, Log: r.log}
	cos := []*coordinator.Coordinator{r.co, other}
	for _, co := range cos {
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = co.ServeTicks(sctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
	}
	// round is what the leader does every second, by both coordinators at
	// once (a leader and one that still thinks it leads), ticks scheduled
	// as pending ones start
	round := func(at time.Time) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, 2*len(cos))
		for _, co := range cos {
			wg.Go(func() { errs <- co.ScheduleTicks(ctx, at) })
			wg.Go(func() { errs <- co.StartPendingSyncs(ctx) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	updates := func() map[string][]store.Run {
		t.Helper()
		out := map[string][]store.Run{}
		for _, name := range names {
			list, err := r.st.Runs(ctx, name, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, run := range list {
				if run.Kind == store.KindUpdate {
					out[name] = append(out[name], run)
				}
			}
		}
		return out
	}

	started := 0
	for i, deadline := 0, time.Now().Add(20*time.Second); started < n; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d remotes got their update within 20s", started, n)
		}
		round(now.Add(time.Duration(i) * 10 * time.Millisecond)) // the same minute
		started = len(updates())
	}
	round(now.Add(time.Second)) // and once more: nothing more
	for _, name := range names {
		got := updates()[name]
		if len(got) != 1 || got[0].Trigger != store.TriggerAuto || got[0].Status != store.StatusQueued {
			t.Errorf("%s: want one queued auto update, got %+v", name, got)
		}
		rm, err := r.st.Remote(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if rm.SyncPending || rm.NextTickAt == nil || !rm.NextTickAt.After(now) {
			t.Errorf("%s after its update started: pending %v, next tick %v", name, rm.SyncPending, rm.NextTickAt)
		}
	}
}
