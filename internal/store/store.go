// Package store holds senaite-sync's state in PostgreSQL: configuration,
// runs, objects, identity, leases. SQL lives here, one file per table; the
// rest of the system sees typed methods whose state changes are
// compare-and-set on the state they expect.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"

	"github.com/senaite-sync/senaite-sync/migrations"
)

// versionTable is where tern records the applied migration.
const versionTable = "schema_version"

// ErrSchemaOutdated is returned to a worker whose binary expects a newer
// schema than the database has: only the coordinator (or `migrate`)
// migrates, and workers refuse to run against an old schema.
var ErrSchemaOutdated = errors.New("store: database schema is older than this binary; run `senaite-sync migrate` or start the coordinator")

// ErrSchemaTooNew is returned when the database was migrated by a newer
// binary: this one could misread it.
var ErrSchemaTooNew = errors.New("store: database schema is newer than this binary; upgrade senaite-sync")

// Store is the PostgreSQL state.
type Store struct {
	pool *pgxpool.Pool
	// locks holds the sessions of LockObject's advisory locks, apart from
	// pool: a worker holding a lock must never wait for a connection that
	// other lock holders took, or sixteen imports on a pool of four
	// deadlock (each holds a lock, none gets a connection to work with)
	locks *pgxpool.Pool
	outageState
}

// Open connects to PostgreSQL; the URL may carry search_path to use a
// schema of its own (tests do).
func Open(ctx context.Context, url string) (*Store, error) { return OpenSized(ctx, url, 0) }

// OpenSized is Open with a pool of up to maxConns connections, sized by
// the caller to the work it runs at once (pgxpool's default is the number
// of CPUs, which starves a process running sixteen imports). A
// pool_max_conns in the URL wins.
func OpenSized(ctx context.Context, url string, maxConns int) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: database url: %w", err)
	}
	if maxConns > 0 && !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = int32(maxConns)
	}
	// a role busy a moment ago (a fetcher once the fetch is done) gives
	// its connections back soon: the database's are shared by every
	// process of every role
	cfg.MaxConnIdleTime = idleConn
	cfg.HealthCheckPeriod = idleConn / 3
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	lcfg := cfg.Copy()
	lcfg.MaxConns = max(2*cfg.MaxConns, lockConns)
	lcfg.MinConns = 0
	// a burst of imports opens many lock sessions; they close again soon
	// after it, not half an hour later (pgxpool's default): a managed
	// database's connections are few and shared
	lcfg.MaxConnIdleTime = idleConn
	lcfg.HealthCheckPeriod = idleConn / 3
	locks, err := pgxpool.NewWithConfig(ctx, lcfg) // connects on first use
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	return &Store{pool: pool, locks: locks}, nil
}

// idleConn is how long an idle connection stays open.
const idleConn = 15 * time.Second

// lockConns is the least number of sessions holding locks: an import in
// flight holds its object's (LockObject) and may wait for its key's
// (LockKey), so the pool is twice the work's, which is sized to the
// imports at once — never so small that every session holds an object
// lock and none is left for a key.
const lockConns = 32

// Close releases the connections.
func (s *Store) Close() {
	s.locks.Close()
	s.pool.Close()
}

// Pool exposes the pool to the packages of this module that batch their
// own statements (tests and benchmarks).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

func (s *Store) migrator(ctx context.Context, conn *pgx.Conn) (*migrate.Migrator, error) {
	m, err := migrate.NewMigrator(ctx, conn, versionTable)
	if err != nil {
		return nil, fmt.Errorf("store: migrator: %w", err)
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		return nil, fmt.Errorf("store: load migrations: %w", err)
	}
	return m, nil
}

// Migrate brings the schema to this binary's version. tern holds an
// advisory lock meanwhile, so coordinators starting together migrate once;
// each migration file runs in its own transaction.
func (s *Store) Migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Release()
	m, err := s.migrator(ctx, conn.Conn())
	if err != nil {
		return err
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// SchemaVersion returns the applied and the expected migration versions.
func (s *Store) SchemaVersion(ctx context.Context) (applied, expected int32, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("store: schema version: %w", err)
	}
	defer conn.Release()
	m, err := s.migrator(ctx, conn.Conn())
	if err != nil {
		return 0, 0, err
	}
	applied, err = m.GetCurrentVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("store: schema version: %w", err)
	}
	return applied, int32(len(m.Migrations)), nil
}

// CheckSchema is what workers call at start: the schema must be exactly
// the one this binary was built for.
func (s *Store) CheckSchema(ctx context.Context) error {
	applied, expected, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	switch {
	case applied < expected:
		return fmt.Errorf("%w (database at %d, binary needs %d)", ErrSchemaOutdated, applied, expected)
	case applied > expected:
		return fmt.Errorf("%w (database at %d, binary knows %d)", ErrSchemaTooNew, applied, expected)
	}
	return nil
}
