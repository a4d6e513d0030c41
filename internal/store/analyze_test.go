package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

// TestAnalyzeStaleAfterBulkFetch: a fetched page of thousands of objects
// makes the objects table's statistics stale, and AnalyzeStale refreshes
// them once — whether or not the server runs autovacuum.
func TestAnalyzeStaleAfterBulkFetch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// one connection, so that the statistics this session counts can be
	// flushed on demand (pg_stat_force_next_flush acts on its own backend)
	s, err := store.Open(ctx, storetest.Schema(t)+"&pool_max_conns=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	rm := seedRemote(t, s)
	page := make([]store.Fetched, 3000)
	for i := range page {
		page[i] = store.Fetched{SourceUID: fmt.Sprintf("%032d", i), PortalType: "Analysis",
			SourcePath: fmt.Sprintf("/senaite/clients/client-1/WB-0001/a%d", i), ParentUID: "parent-sample", Data: []byte(`{}`)}
	}
	storeFetched(t, s, rm, page)
	if _, err := s.Pool().Exec(ctx, `SELECT pg_stat_force_next_flush()`); err != nil {
		t.Fatal(err)
	}
	// the flush happens when the session next goes idle: a statement later
	if _, err := s.Pool().Exec(ctx, `SELECT 1`); err != nil {
		t.Fatal(err)
	}
	analyzed, err := s.AnalyzeStale(ctx, "objects", "replicas")
	if err != nil || !slices.Contains(analyzed, "objects") {
		t.Fatalf("after 3,000 new objects: analyzed %v (%v), want objects", analyzed, err)
	}
	var tuples float64
	if err := s.Pool().QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = to_regclass('objects')`).Scan(&tuples); err != nil || tuples != 3000 {
		t.Fatalf("planner's row estimate %v (%v), want 3000", tuples, err)
	}
	again, err := s.AnalyzeStale(ctx, "objects", "replicas")
	if err != nil || slices.Contains(again, "objects") {
		t.Fatalf("fresh statistics analyzed again: %v (%v)", again, err)
	}
}

// TestVacuumWithoutAutovacuum: the vacuum runs exactly when the server's
// autovacuum is off, and leaves the tables' statistics fresh.
func TestVacuumWithoutAutovacuum(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := migrated(t)
	var on string
	if err := s.Pool().QueryRow(ctx, `SHOW autovacuum`).Scan(&on); err != nil {
		t.Fatal(err)
	}
	vacuumed, err := s.VacuumWithoutAutovacuum(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if vacuumed != (on == "off") {
		t.Fatalf("autovacuum %s, vacuumed %v", on, vacuumed)
	}
	if !vacuumed {
		return
	}
	var analyzed bool
	if err := s.Pool().QueryRow(ctx, `SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relid = to_regclass('objects')`).Scan(&analyzed); err != nil || !analyzed {
		t.Fatalf("objects not analyzed by the vacuum: %v %v", analyzed, err)
	}
}
