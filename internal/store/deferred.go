package store

import (
	"context"
	"fmt"
)

// DeferredRef is a reference the import plan holds back to break a cycle.
type DeferredRef struct {
	SourceUID, Field, TargetUID string
}

// SaveDeferred records a plan's deferred references (idempotent). Those
// of an object about to be created (again) are set again; those of an
// object already settled, or with a copy on the destination, stay done:
// an existing copy gets its differing references from the update
// (importer.updateCopy), and an update must not rewrite every cycle's
// references of the lab — nor touch a copy it found equal.
func (s *Store) SaveDeferred(ctx context.Context, remoteID int64, refs []DeferredRef) error {
	if len(refs) == 0 {
		return nil
	}
	a := make([]string, len(refs))
	b := make([]string, len(refs))
	c := make([]string, len(refs))
	for i, r := range refs {
		a[i], b[i], c[i] = r.SourceUID, r.Field, r.TargetUID
	}
	_, err := s.leaderExec(ctx, `INSERT INTO deferred_refs (remote_id, source_uid, field, target_uid)
		SELECT $1, u, f, t FROM unnest($2::text[], $3::text[], $4::text[]) AS x(u, f, t)
		ON CONFLICT (remote_id, source_uid, field, target_uid) DO UPDATE SET done = false
		WHERE deferred_refs.done AND EXISTS (SELECT 1 FROM objects o WHERE o.remote_id = $1
			AND o.source_uid = deferred_refs.source_uid AND o.state IN ('fetched', 'waiting', 'failed') AND o.dest_uid IS NULL)`, remoteID, a, b, c)
	if err != nil {
		return fmt.Errorf("store: save %d deferred references: %w", len(refs), err)
	}
	return nil
}

// DeferredFields lists the fields of an object that are set later.
func (s *Store) DeferredFields(ctx context.Context, remoteID int64, sourceUID string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT field FROM deferred_refs WHERE remote_id = $1 AND source_uid = $2 AND NOT done`,
		remoteID, sourceUID)
	if err != nil {
		return nil, fmt.Errorf("store: deferred fields of %s: %w", sourceUID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, fmt.Errorf("store: deferred fields of %s: %w", sourceUID, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// PendingDeferred groups the references still to set by object.
func (s *Store) PendingDeferred(ctx context.Context, remoteID int64) (map[string][]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT source_uid, field FROM deferred_refs WHERE remote_id = $1 AND NOT done`, remoteID)
	if err != nil {
		return nil, fmt.Errorf("store: pending deferred: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var u, f string
		if err := rows.Scan(&u, &f); err != nil {
			return nil, fmt.Errorf("store: pending deferred: %w", err)
		}
		out[u] = append(out[u], f)
	}
	return out, rows.Err()
}

// DeferredDone marks an object's deferred references set.
func (s *Store) DeferredDone(ctx context.Context, remoteID int64, sourceUID string) error {
	if _, err := s.leaderExec(ctx, `UPDATE deferred_refs SET done = true WHERE remote_id = $1 AND source_uid = $2`, remoteID, sourceUID); err != nil {
		return fmt.Errorf("store: deferred done %s: %w", sourceUID, err)
	}
	return nil
}
