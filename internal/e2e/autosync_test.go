package e2e

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/store"
)

// TestAutoSyncKeepsBackupCurrent is the seed's "leave auto-sync ticking":
// a backup with auto_sync set (through the CLI) follows an edit at the
// source with no one asking, by an update the scheduler started; after
// the whole deployment was down for hours, the missed ticks make one
// update, not a burst.
func TestAutoSyncKeepsBackupCurrent(t *testing.T) {
	m := newMigration(t, 400, 77)
	d := m.d
	m.standalone()
	ctx := context.Background()

	// a slot that begins while the test runs ticks on its own (a real
	// interval came round): only those may add an update to the one the
	// missed hours make
	const interval = time.Minute
	began := time.Now()
	newSlots := func() int { return int(time.Now().Truncate(interval).Sub(began.Truncate(interval)) / interval) }
	cmd := exec.Command(binary, "remote", "edit", "a_to_b", "--auto-sync", interval.String())
	cmd.Env = d.env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("remote edit --auto-sync: %v\n%s", err, out)
	}
	src, dst := labClient(t, m.srcURL), labClient(t, m.dstURL)
	nextSecond()
	client := first(t, src, "Client", "", 1)[0]
	if _, err := src.Update(ctx, client.UID, map[string]any{"Phone": "+41 00 999 88 77"}, ""); err != nil {
		t.Fatal(err)
	}

	// the interval comes round (hours late: nothing was running): the
	// test moves the remote's schedule instead of waiting for the clock
	st, err := store.Open(ctx, d.databaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := 0; ; i++ {
		rm, err := st.Remote(ctx, "a_to_b")
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := st.ScheduleTick(ctx, rm.ID, rm.NextTickAt, time.Now().Add(-3*time.Hour)); err != nil {
			t.Fatal(err)
		} else if ok {
			break
		}
		if i == 100 {
			t.Fatal("the schedule kept moving under the test")
		}
	}

	type runList struct {
		Runs []struct {
			ID      string `json:"id"`
			Kind    string `json:"kind"`
			Status  string `json:"status"`
			Trigger string `json:"trigger"`
		} `json:"runs"`
	}
	var auto []string
	var list runList
	updated := 0
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && len(auto) == 0; time.Sleep(100 * time.Millisecond) {
		list = runList{}
		d.call("GET", "/api/v1/runs?remote=a_to_b", nil, &list)
		for _, r := range list.Runs {
			if r.Trigger == "auto" && r.Status != "queued" && r.Status != "running" {
				auto = append(auto, r.Status)
				var one run
				d.call("GET", "/api/v1/runs/"+r.ID, nil, &one)
				updated += one.Run.Counts["updated"]
				if r.Status != "succeeded" || r.Kind != "update" {
					d.dumpLogs()
					t.Fatalf("auto-sync run: %+v %+v", r, one)
				}
			}
		}
	}
	if len(auto) < 1 || len(auto) > 1+newSlots() || updated != 1 {
		d.dumpLogs()
		t.Fatalf("auto-sync runs finished: %v updating %d objects, want one updating one (%+v)", auto, updated, list)
	}
	if it, err := dst.Get(ctx, m.replicaOf(client.UID)); err != nil || it.String("Phone") != "+41 00 999 88 77" {
		t.Fatalf("the backup did not follow the edit: %q %v", it.String("Phone"), err)
	}
	// the schedule moved past now: no second update for the missed slots
	rm, err := st.Remote(ctx, "a_to_b")
	if err != nil {
		t.Fatal(err)
	}
	if rm.NextTickAt == nil || !rm.NextTickAt.After(time.Now().Add(-time.Second)) || rm.SyncPending {
		t.Fatalf("after the tick: next %v pending %v", rm.NextTickAt, rm.SyncPending)
	}
	runs, err := st.Runs(ctx, "a_to_b", 100)
	if err != nil {
		t.Fatal(err)
	}
	updates := 0
	for _, r := range runs {
		if r.Kind == store.KindUpdate {
			updates++
		}
	}
	if extra := newSlots(); updates < 1 || updates > 1+extra {
		t.Fatalf("%d update runs after hours of missed ticks, want 1 (+%d for slots begun during the test)", updates, extra)
	}
	m.assertMirrored()

	// the web console of the same process shows the remote and its
	// auto-sync
	resp, err := http.Get(d.api + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "a_to_b") || !strings.Contains(string(page), "every 1m0s") {
		t.Fatalf("console: %d\n%s", resp.StatusCode, page)
	}
}
