package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// FieldConflict is one field that differs between the source's new
// version and the destination's edited copy.
type FieldConflict struct {
	Field       string `json:"field"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
}

// Conflict is a change at the source that met a change of the destination
// copy since the system last saw it: neither is overwritten until a person
// resolves it (ARCHITECTURE.md §4, Update 2).
type Conflict struct {
	RemoteID       int64           `json:"-"`
	SourceUID      string          `json:"source_uid"`
	IdentityID     int64           `json:"-"`
	PortalType     string          `json:"portal_type"`
	DestUID        string          `json:"destination_uid"`
	SourceModified *time.Time      `json:"source_modified"`
	DestModified   *time.Time      `json:"destination_modified"`
	Fields         []FieldConflict `json:"fields"`
	Label          string          `json:"label,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	ResolvedAt     *time.Time      `json:"resolved_at,omitempty"`
	Resolution     string          `json:"resolution,omitempty"`
}

// RecordConflict records (or refreshes, while open) a conflict and moves
// the object to `conflict` in the same transaction.
func (s *Store) RecordConflict(ctx context.Context, c Conflict, from []ObjState) error {
	fields, err := json.Marshal(c.Fields)
	if err != nil {
		return fmt.Errorf("store: conflict %s: %w", c.SourceUID, err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("store: conflict %s: %w", c.SourceUID, err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO conflicts (remote_id, source_uid, identity_id, portal_type, dest_uid,
			source_modified, dest_modified, fields)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (remote_id, source_uid) DO UPDATE SET identity_id = excluded.identity_id,
			dest_uid = excluded.dest_uid, source_modified = excluded.source_modified,
			dest_modified = excluded.dest_modified, fields = excluded.fields,
			created_at = CASE WHEN conflicts.resolved_at IS NULL THEN conflicts.created_at ELSE now() END,
			resolved_at = NULL, resolution = NULL`,
		c.RemoteID, c.SourceUID, c.IdentityID, c.PortalType, c.DestUID, c.SourceModified, c.DestModified, fields); err != nil {
		return fmt.Errorf("store: conflict %s: %w", c.SourceUID, err)
	}
	reason := fmt.Sprintf("changed at the source and on the destination (%d fields differ); resolve with `senaite-sync resolve`", len(c.Fields))
	tag, err := tx.Exec(ctx, `UPDATE objects SET state = 'conflict', reason = $4, dest_uid = $5, updated_at = now(),
		wait_kind = NULL, waiting_for = NULL
		WHERE remote_id = $1 AND source_uid = $2 AND state = ANY($3)`, c.RemoteID, c.SourceUID, stateStrings(from), reason, c.DestUID)
	if err != nil {
		return fmt.Errorf("store: conflict %s: %w", c.SourceUID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: conflict %s: %w", c.SourceUID, ErrStaleState)
	}
	return tx.Commit(ctx)
}

// OpenConflictOn tells whether an identity has an unresolved conflict on
// any remote: neither direction of a pair writes it until it is resolved,
// so that one remote never overwrites the edit the other flagged.
func (s *Store) OpenConflictOn(ctx context.Context, identityID int64) (bool, error) {
	var open bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM conflicts WHERE identity_id = $1 AND resolved_at IS NULL)`,
		identityID).Scan(&open); err != nil {
		return false, fmt.Errorf("store: open conflict of identity %d: %w", identityID, err)
	}
	return open, nil
}

const conflictSelect = `SELECT c.remote_id, c.source_uid, c.identity_id, c.portal_type, c.dest_uid, c.source_modified,
	c.dest_modified, c.fields, coalesce(i.label, ''), c.created_at, c.resolved_at, coalesce(c.resolution, '')
	FROM conflicts c JOIN identities i ON i.id = c.identity_id`

func scanConflict(row pgx.Row) (Conflict, error) {
	var c Conflict
	var fields []byte
	err := row.Scan(&c.RemoteID, &c.SourceUID, &c.IdentityID, &c.PortalType, &c.DestUID, &c.SourceModified,
		&c.DestModified, &fields, &c.Label, &c.CreatedAt, &c.ResolvedAt, &c.Resolution)
	if err == nil {
		err = json.Unmarshal(fields, &c.Fields)
	}
	return c, err
}

// Conflicts lists a remote's conflicts, open ones only unless all.
func (s *Store) Conflicts(ctx context.Context, remoteID int64, all bool) ([]Conflict, error) {
	rows, err := s.pool.Query(ctx, conflictSelect+` WHERE c.remote_id = $1 AND ($2 OR c.resolved_at IS NULL)
		ORDER BY c.created_at, c.source_uid`, remoteID, all)
	if err != nil {
		return nil, fmt.Errorf("store: conflicts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Conflict, error) { return scanConflict(r) })
	if err != nil {
		return nil, fmt.Errorf("store: conflicts: %w", err)
	}
	return out, nil
}

// OpenConflict reads one open conflict; ErrNotFound when there is none.
func (s *Store) OpenConflict(ctx context.Context, remoteID int64, sourceUID string) (Conflict, error) {
	c, err := scanConflict(s.pool.QueryRow(ctx, conflictSelect+` WHERE c.remote_id = $1 AND c.source_uid = $2
		AND c.resolved_at IS NULL`, remoteID, sourceUID))
	if err != nil {
		return Conflict{}, fmt.Errorf("store: conflict %s: %w", sourceUID, notFound(err))
	}
	return c, nil
}

// ResolveConflict closes an open conflict with the side a person took and
// moves the object to state (compare-and-set on the conflict being open).
func (s *Store) ResolveConflict(ctx context.Context, remoteID int64, sourceUID, take string, state ObjState) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("store: resolve %s: %w", sourceUID, err)
	}
	defer tx.Rollback(ctx)
	tag, err := tx.Exec(ctx, `UPDATE conflicts SET resolved_at = now(), resolution = $3
		WHERE remote_id = $1 AND source_uid = $2 AND resolved_at IS NULL`, remoteID, sourceUID, take)
	if err != nil {
		return fmt.Errorf("store: resolve %s: %w", sourceUID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: resolve %s: %w", sourceUID, ErrStaleState)
	}
	if _, err := tx.Exec(ctx, `UPDATE objects SET state = $3, reason = 'conflict resolved: kept the ' || $4 || ' version', wait_kind = NULL, waiting_for = NULL,
		written = CASE WHEN $4 = 'source' THEN 'updated' ELSE written END, updated_at = now()
		WHERE remote_id = $1 AND source_uid = $2`, remoteID, sourceUID, state, take); err != nil {
		return fmt.Errorf("store: resolve %s: %w", sourceUID, err)
	}
	return tx.Commit(ctx)
}
