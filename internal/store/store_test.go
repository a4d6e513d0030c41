package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

func open(t *testing.T) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	s, err := store.Open(ctx, storetest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// TestMigrationsUpOnEmptyDatabase: the schema builds from nothing, twice
// is a no-op, and then a worker accepts it.
func TestMigrationsUpOnEmptyDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t)
	if err := s.CheckSchema(ctx); !errors.Is(err, store.ErrSchemaOutdated) {
		t.Fatalf("a worker on an empty database: %v, want ErrSchemaOutdated", err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrating twice: %v", err)
	}
	if err := s.CheckSchema(ctx); err != nil {
		t.Fatalf("after migrate: %v", err)
	}
	var tables int
	err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name IN
		('instances','remotes','runs','run_counts','objects','identities','replicas','create_intents','deferred_refs','leases')`).Scan(&tables)
	if err != nil || tables != 10 {
		t.Fatalf("tables: %d %v", tables, err)
	}
}

// TestConcurrentMigrate: coordinators starting together migrate once.
func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.Schema(t)
	errs := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() {
			s, err := store.Open(ctx, url)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			errs <- s.Migrate(ctx)
		}()
	}
	for i := 0; i < 3; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestOneActiveRunPerRemote: the database itself refuses a second running
// run of a remote, whatever process asks.
func TestOneActiveRunPerRemote(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	p := s.Pool()
	mustExec := func(sql string, args ...any) error {
		_, err := p.Exec(ctx, sql, args...)
		return err
	}
	if err := mustExec(`INSERT INTO instances (name, url, username, password_enc) VALUES ('a','http://a','u','x'),('b','http://b','u','x')`); err != nil {
		t.Fatal(err)
	}
	if err := mustExec(`INSERT INTO remotes (name, source_id, destination_id) VALUES ('ab', 1, 2)`); err != nil {
		t.Fatal(err)
	}
	if err := mustExec(`INSERT INTO remotes (name, source_id, destination_id) VALUES ('aa', 1, 1)`); err == nil {
		t.Fatal("a remote from an instance to itself was accepted")
	}
	if err := mustExec(`INSERT INTO runs (id, remote_id, kind, status) VALUES (gen_random_uuid(), 1, 'fetch', 'running')`); err != nil {
		t.Fatal(err)
	}
	if err := mustExec(`INSERT INTO runs (id, remote_id, kind, status) VALUES (gen_random_uuid(), 1, 'import', 'queued')`); err == nil {
		t.Fatal("a second active run of the same remote was accepted")
	}
	if err := mustExec(`INSERT INTO runs (id, remote_id, kind, status) VALUES (gen_random_uuid(), 1, 'import', 'succeeded')`); err != nil {
		t.Fatalf("finished runs do not count: %v", err)
	}
}
