package store

import (
	"context"
	"fmt"
	"time"
)

// ObjectRow is an object as operators list it: where it stands, why.
type ObjectRow struct {
	SourceUID   string    `json:"source_uid"`
	PortalType  string    `json:"portal_type"`
	SourcePath  string    `json:"source_path"`
	ReviewState string    `json:"review_state"`
	State       string    `json:"state"`
	Reason      string    `json:"reason,omitempty"`
	DestUID     string    `json:"destination_uid,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ObjectFilter narrows a listing; empty fields match everything. Q matches
// the source path, UID or reason, case-insensitively.
type ObjectFilter struct {
	State      string
	PortalType string
	Q          string
	// After is the cursor: the last source UID of the previous page.
	After string
	Limit int
}

// ListObjects pages through a remote's objects in source UID order (keyset
// pagination: stable while the import writes).
func (s *Store) ListObjects(ctx context.Context, remoteID int64, f ObjectFilter) ([]ObjectRow, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	rows, err := s.pool.Query(ctx, `SELECT source_uid, portal_type, source_path, coalesce(review_state, ''), state,
		coalesce(reason, ''), coalesce(dest_uid, ''), updated_at FROM objects
		WHERE remote_id = $1 AND ($2 = '' OR state = $2) AND ($3 = '' OR portal_type = $3)
		AND ($4 = '' OR source_path ILIKE '%' || $4 || '%' OR source_uid = $4 OR reason ILIKE '%' || $4 || '%')
		AND source_uid > $5 ORDER BY source_uid LIMIT $6`,
		remoteID, f.State, f.PortalType, f.Q, f.After, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("store: list objects of remote %d: %w", remoteID, err)
	}
	defer rows.Close()
	out := []ObjectRow{}
	for rows.Next() {
		var o ObjectRow
		if err := rows.Scan(&o.SourceUID, &o.PortalType, &o.SourcePath, &o.ReviewState, &o.State, &o.Reason,
			&o.DestUID, &o.UpdatedAt); err != nil {
			return nil, fmt.Errorf("store: list objects: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// ImportProgress counts a remote's objects an import has settled (any
// state but fetched or waiting) against all of them: the progress bar.
func (s *Store) ImportProgress(ctx context.Context, remoteID int64) (done, total int, err error) {
	err = s.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state NOT IN ('fetched', 'waiting')), count(*)
		FROM objects WHERE remote_id = $1`, remoteID).Scan(&done, &total)
	if err != nil {
		return 0, 0, fmt.Errorf("store: import progress of remote %d: %w", remoteID, err)
	}
	return done, total, nil
}
