package e2e

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestCoordinatorFailover runs two coordinators (one leads, by the lease
// in PostgreSQL; both serve the API) with a fetcher and two importers, and
// kills the leader with SIGKILL in the middle of an import: the other
// takes the lease over when it expires, finishes the run, and the
// destination mirrors the source — nothing lost, nothing twice.
func TestCoordinatorFailover(t *testing.T) {
	m := newMigration(t, 2000, 93)
	d := m.d
	first := d.start("coordinator")
	d.waitAPI()
	apiFirst := d.api
	addr := freeAddr(t)
	second := d.start("coordinator", "--http-addr", addr)
	apiSecond := "http://" + addr
	d.start("fetcher", "--concurrency", "4")
	for i := 0; i < 2; i++ {
		d.start("importer", "--concurrency", "6")
	}
	m.register()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.databaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	lease := func() (holder string, term int64) {
		t.Helper()
		if err := conn.QueryRow(ctx, `SELECT holder, term FROM leases WHERE name = 'coordinator'`).Scan(&holder, &term); err != nil {
			t.Fatal(err)
		}
		return holder, term
	}
	holderOf := d.holderOf
	if r := d.runStep("a_to_b", "fetch", nil); r.Run.Status != "succeeded" {
		t.Fatalf("fetch %s: %s", r.Run.Status, r.Run.Error)
	}
	var killedHolder string
	var termBefore int64
	r := d.runStep("a_to_b", "import", func(run) {
		if killedHolder != "" || m.dstLab.Total() < 300 {
			return
		}
		holder, term := lease()
		victim, survivorAPI := first, apiSecond
		if holder == holderOf(second) {
			victim, survivorAPI = second, apiFirst
		} else if holder != holderOf(first) {
			t.Fatalf("the lease is held by %q, neither coordinator (%q, %q)", holder, holderOf(first), holderOf(second))
		}
		_ = victim.Process.Kill() // SIGKILL: the lease is left to expire
		killedHolder, termBefore = holder, term
		d.api = survivorAPI
	})
	if killedHolder == "" {
		t.Fatal("the import finished before the leader could be killed")
	}
	if r.Run.Status != "succeeded" {
		d.dumpObjects()
		t.Fatalf("import after the failover: %s %s", r.Run.Status, r.Run.Error)
	}
	if holder, term := lease(); holder == killedHolder || term <= termBefore {
		t.Fatalf("lease after the failover: %s term %d (the killed leader was %s, term %d)", holder, term, killedHolder, termBefore)
	}
	m.assertMirrored()
}
