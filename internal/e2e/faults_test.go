package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/senaite-sync/senaite-sync/internal/sim"
)

// TestImportUnderRoutineFaults imports into a destination that fails now
// and then as labs do — 5 % 503 pages, 2 % timeouts, 1 % answers cut in
// half, 1 % dropped connections, 1 % HTTP-200 ConflictErrors — with a
// coordinator, two fetchers and two importers as processes: the import
// ends succeeded, in one workflow replay, and the labs are equal (issue
// #12, point 2: each replay pass used to die on one 503 and start over).
func TestImportUnderRoutineFaults(t *testing.T) {
	m := newMigration(t, 600, 81)
	m.d.env = append(m.d.env, "SENAITE_SYNC_LAB_TIMEOUT=1s")
	m.distributed(2)
	if err := m.dstFaults.Set(sim.FaultConfig{ErrorRate: 0.05, TimeoutRate: 0.02, MalformedRate: 0.01,
		DropRate: 0.01, APIErrorRate: 0.01}); err != nil {
		t.Fatal(err)
	}
	m.migrate(nil)
	injected := m.dstFaults.Counts()
	if err := m.dstFaults.Set(sim.FaultConfig{}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{sim.Fault5xx, sim.FaultTimeout, sim.FaultMalformed, sim.FaultDrop, sim.FaultAPIError} {
		if injected[k] == 0 {
			t.Errorf("no %s fault was injected (%v): the test proves nothing", k, injected)
		}
	}
	passes := 0
	for name, b := range m.d.logs {
		if strings.HasPrefix(name, "coordinator-") {
			passes += strings.Count(b.String(), "replaying workflows")
		}
	}
	if passes != 1 {
		t.Errorf("%d workflow replay passes, want 1", passes)
	}
	m.assertMirrored()
}

// TestTransientErrorOnDeferredReference fails the write of an object's
// deferred references with more 503s than the client retries: the end of
// the import is tried again and sets them, the import succeeds, and the
// next update finds nothing to call a conflict (issue #12, point 3).
func TestTransientErrorOnDeferredReference(t *testing.T) {
	m := newMigration(t, 600, 82)
	m.distributed(1)
	d := m.d
	if r := d.runStep("a_to_b", "fetch", nil); r.Run.Status != "succeeded" {
		t.Fatalf("fetch %s: %s", r.Run.Status, r.Run.Error)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.databaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	target := ""
	r := d.runStep("a_to_b", "import", func(run) {
		if target != "" {
			return
		}
		// the first object with a deferred reference still to set, once its
		// copy exists: the next write to it is that reference's
		_ = conn.QueryRow(ctx, `SELECT o.dest_uid FROM deferred_refs r JOIN objects o
			ON o.remote_id = r.remote_id AND o.source_uid = r.source_uid
			WHERE NOT r.done AND o.dest_uid IS NOT NULL ORDER BY o.dest_uid LIMIT 1`).Scan(&target)
		if target == "" {
			return
		}
		if err := m.dstFaults.Set(sim.FaultConfig{PathContains: "/update/" + target,
			FailNext: []string{sim.Fault5xx, sim.Fault5xx, sim.Fault5xx, sim.Fault5xx, sim.Fault5xx, sim.Fault5xx, sim.Fault5xx}}); err != nil {
			t.Fatal(err)
		}
	})
	if target == "" {
		t.Fatal("no deferred reference was seen pending")
	}
	if r.Run.Status != "succeeded" {
		d.dumpObjects()
		t.Fatalf("import %s: %s", r.Run.Status, r.Run.Error)
	}
	if n := m.dstFaults.Counts()[sim.Fault5xx]; n != 7 {
		t.Errorf("%d 503s injected on the deferred write, want 7 (more than the client's retries)", n)
	}
	var pending int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM deferred_refs WHERE NOT done`).Scan(&pending); err != nil || pending != 0 {
		t.Errorf("%d deferred references left unset (%v)", pending, err)
	}
	if err := m.dstFaults.Set(sim.FaultConfig{}); err != nil {
		t.Fatal(err)
	}
	u := d.runStep("a_to_b", "update", nil)
	if u.Run.Status != "succeeded" || u.Run.Counts["conflicts"] != 0 {
		t.Errorf("update after the import: %s %s, counts %v; want succeeded without conflicts", u.Run.Status, u.Run.Error, u.Run.Counts)
	}
	m.assertMirrored()
}
