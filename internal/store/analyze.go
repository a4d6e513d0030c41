package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// bulkTables are the tables a run fills by the ten thousand.
var bulkTables = []string{"objects", "identities", "replicas"}

// Analyze refreshes the planner's statistics of the tables a run fills in
// bulk. A fetch writes tens of thousands of objects in seconds, faster
// than autovacuum looks (and many servers run without it): with the
// statistics of an empty table the planner reads a batch of objects
// through the state index or scans every replica — for each batch — and
// the import slows down with the square of the lab's size.
func (s *Store) Analyze(ctx context.Context) error {
	if _, err := s.pool.Exec(ctx, "ANALYZE "+strings.Join(bulkTables, ", ")); err != nil {
		return fmt.Errorf("store: analyze: %w", err)
	}
	return nil
}

// GrowingTables are the tables an import grows from nothing: their
// statistics go stale within seconds of a run's start.
var GrowingTables = []string{"identities", "replicas"}

// AnalyzeStale analyzes those of tables (bulk tables of this package; all
// of them when none is named) that changed by more than a tenth since
// their last analysis (autovacuum's own rule, which a server without
// autovacuum never applies); it returns the tables it analyzed.
func (s *Store) AnalyzeStale(ctx context.Context, tables ...string) ([]string, error) {
	if len(tables) == 0 {
		tables = bulkTables
	}
	for _, t := range tables {
		if !slices.Contains(bulkTables, t) {
			return nil, fmt.Errorf("store: analyze %s: not a bulk table", t) // the name goes into SQL below
		}
	}
	rows, err := s.pool.Query(ctx, `SELECT t.name FROM unnest($1::text[]) AS t(name)
		JOIN pg_stat_user_tables st ON st.relid = to_regclass(t.name)
		WHERE st.n_mod_since_analyze > 500 + 0.1 * st.n_live_tup`, tables)
	if err != nil {
		return nil, fmt.Errorf("store: stale statistics: %w", err)
	}
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: stale statistics: %w", err)
	}
	for _, t := range stale {
		if _, err := s.pool.Exec(ctx, "ANALYZE "+pgx.Identifier{t}.Sanitize()); err != nil {
			return nil, fmt.Errorf("store: analyze %s: %w", t, err)
		}
	}
	return stale, nil
}

// VacuumWithoutAutovacuum vacuums and analyzes the bulk tables when the
// server runs without autovacuum, and does nothing otherwise. An import
// rewrites every object row several times (each state change is a new row
// version): without vacuum the state index fills with dead entries and the
// workflow replay's look-ups slow down with every level imported. It
// reports whether it vacuumed.
func (s *Store) VacuumWithoutAutovacuum(ctx context.Context) (bool, error) {
	var on string
	if err := s.pool.QueryRow(ctx, `SHOW autovacuum`).Scan(&on); err != nil {
		return false, fmt.Errorf("store: autovacuum setting: %w", err)
	}
	if on == "on" {
		return false, nil
	}
	if _, err := s.pool.Exec(ctx, "VACUUM (ANALYZE) "+strings.Join(bulkTables, ", ")); err != nil {
		return false, fmt.Errorf("store: vacuum: %w", err)
	}
	return true, nil
}
