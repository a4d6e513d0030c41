package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ModeVerify is a verify run's page: a source page compared with the
// destination's copies (fetcher.Handler.verify).
const ModeVerify = "verify"

// Difference is one thing a verify run found different between a source
// object and its copy (kinds of internal/verify: missing, field, state,
// parent, type).
type Difference struct {
	Kind           string `json:"kind"`
	PortalType     string `json:"portal_type"`
	SourceUID      string `json:"source_uid"`
	SourcePath     string `json:"source_path"`
	DestinationUID string `json:"destination_uid,omitempty"`
	Field          string `json:"field,omitempty"`
	Source         string `json:"source,omitempty"`
	Destination    string `json:"destination,omitempty"`
}

// SaveDifferences records a page's differences; a redelivered page adds
// nothing twice.
func (s *Store) SaveDifferences(ctx context.Context, runID uuid.UUID, diffs []Difference) error {
	if len(diffs) == 0 {
		return nil
	}
	cols := make([][]string, 8)
	for _, d := range diffs {
		for i, v := range []string{d.SourceUID, d.Kind, d.Field, d.PortalType, d.SourcePath, d.DestinationUID, d.Source, d.Destination} {
			cols[i] = append(cols[i], v)
		}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO run_differences (run_id, source_uid, kind, field, portal_type, source_path,
			dest_uid, source_value, dest_value)
		SELECT $1, u, k, f, t, p, nullif(d, ''), sv, dv
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
			AS x(u, k, f, t, p, d, sv, dv)
		ON CONFLICT DO NOTHING`, runID, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7])
	if err != nil {
		return fmt.Errorf("store: save %d differences of run %s: %w", len(diffs), runID, err)
	}
	return nil
}

// NotCompared is how many values a verify run left out of its comparison
// in one class, and why.
type NotCompared struct {
	Class  string `json:"class"`
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// SaveNotCompared records what a verify page left out; a redelivered page
// overwrites its own rows.
func (s *Store) SaveNotCompared(ctx context.Context, runID uuid.UUID, portalType string, bStart int, tallies []NotCompared) error {
	if len(tallies) == 0 {
		return nil
	}
	classes := make([]string, len(tallies))
	reasons := make([]string, len(tallies))
	counts := make([]int32, len(tallies))
	for i, t := range tallies {
		classes[i], reasons[i], counts[i] = t.Class, t.Reason, int32(t.Count)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO run_not_compared (run_id, portal_type, b_start, class, reason, count)
		SELECT $1, $2, $3, c, r, n FROM unnest($4::text[], $5::text[], $6::int[]) AS x(c, r, n)
		ON CONFLICT (run_id, portal_type, b_start, class) DO UPDATE SET reason = excluded.reason, count = excluded.count`,
		runID, portalType, bStart, classes, reasons, counts)
	if err != nil {
		return fmt.Errorf("store: save what run %s left out: %w", runID, err)
	}
	return nil
}

// RunNotCompared sums what a verify run left out, per class.
func (s *Store) RunNotCompared(ctx context.Context, runID uuid.UUID) ([]NotCompared, error) {
	rows, err := s.pool.Query(ctx, `SELECT class, min(reason), sum(count)::int FROM run_not_compared
		WHERE run_id = $1 GROUP BY class ORDER BY class`, runID)
	if err != nil {
		return nil, fmt.Errorf("store: what run %s left out: %w", runID, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[NotCompared])
	if err != nil {
		return nil, fmt.Errorf("store: what run %s left out: %w", runID, err)
	}
	return out, nil
}

// Differences lists a run's differences (at most limit) by type and path.
func (s *Store) Differences(ctx context.Context, runID uuid.UUID, limit int) ([]Difference, error) {
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	rows, err := s.pool.Query(ctx, `SELECT kind, portal_type, source_uid, source_path, coalesce(dest_uid, ''), field,
			coalesce(source_value, ''), coalesce(dest_value, '')
		FROM run_differences WHERE run_id = $1 ORDER BY portal_type, source_path, kind, field LIMIT $2`, runID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: differences of run %s: %w", runID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Difference, error) {
		var d Difference
		err := r.Scan(&d.Kind, &d.PortalType, &d.SourceUID, &d.SourcePath, &d.DestinationUID, &d.Field, &d.Source, &d.Destination)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: differences of run %s: %w", runID, err)
	}
	return out, nil
}

// VerifyCounts are a verify run's counters per type: total is what its
// pages compared, failed the objects with at least one difference,
// unchanged the others.
func (s *Store) VerifyCounts(ctx context.Context, runID uuid.UUID) (map[string]Counts, error) {
	rows, err := s.pool.Query(ctx, `SELECT p.portal_type, sum(coalesce(p.items, 0))::int,
			(SELECT count(DISTINCT d.source_uid) FROM run_differences d WHERE d.run_id = $1 AND d.portal_type = p.portal_type)::int
		FROM run_pages p WHERE p.run_id = $1 GROUP BY p.portal_type`, runID)
	if err != nil {
		return nil, fmt.Errorf("store: verify counts of run %s: %w", runID, err)
	}
	defer rows.Close()
	out := map[string]Counts{}
	for rows.Next() {
		var pt string
		var total, differ int
		if err := rows.Scan(&pt, &total, &differ); err != nil {
			return nil, fmt.Errorf("store: verify counts of run %s: %w", runID, err)
		}
		out[pt] = Counts{Total: total, Unchanged: total - differ, Failed: differ}
	}
	return out, rows.Err()
}
