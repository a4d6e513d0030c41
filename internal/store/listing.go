package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ObjectRow is an object as operators list it: where it stands, why.
type ObjectRow struct {
	SourceUID  string `json:"source_uid"`
	PortalType string `json:"portal_type"`
	SourcePath string `json:"source_path"`
	// Label is the origin label (remote prefix + id at the origin) of a
	// prefixable type's object, whichever remote gave it.
	Label string `json:"label,omitempty"`
	// SourceID is the object's id at the source; DestID its copy's at the
	// destination, where one was created or linked (they differ where the
	// destination's ID server could not give the source's id back).
	SourceID    string   `json:"source_id"`
	DestID      string   `json:"destination_id,omitempty"`
	ReviewState string   `json:"review_state"`
	State       ObjState `json:"state"`
	Reason      string   `json:"reason,omitempty"`
	// Wait and WaitingFor say, of a parked object, on what it waits.
	Wait       WaitKind  `json:"wait,omitempty"`
	WaitingFor string    `json:"waiting_for,omitempty"`
	DestUID    string    `json:"destination_uid,omitempty"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ObjectFilter narrows a listing; empty fields match everything. Q matches
// the source path, UID, origin label or reason, case-insensitively.
type ObjectFilter struct {
	State      ObjState
	PortalType string
	Q          string
	// IDChanged keeps only copies created under another id than the source's.
	IDChanged bool
	// After is the cursor: the previous page's last row's Cursor.
	After string
	Limit int
}

// Cursor is where the page after this row starts. Objects are listed by
// source path, as a person reads a lab (a client's samples under it, a
// sample's analyses under it), then UID; the cursor carries both, opaque.
func (o ObjectRow) Cursor() string {
	return base64.RawURLEncoding.EncodeToString([]byte(o.SourcePath + "\x00" + o.SourceUID))
}

// ErrBadCursor is a cursor no listing gave.
var ErrBadCursor = errors.New("store: not a cursor of this listing")

func parseCursor(c string) (path, uid string, err error) {
	if c == "" {
		return "", "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", "", ErrBadCursor
	}
	path, uid, ok := strings.Cut(string(raw), "\x00")
	if !ok {
		return "", "", ErrBadCursor
	}
	return path, uid, nil
}

// ListObjects pages through a remote's objects by source path, then UID
// (keyset pagination: stable while the import writes).
func (s *Store) ListObjects(ctx context.Context, remoteID int64, f ObjectFilter) ([]ObjectRow, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	afterPath, afterUID, err := parseCursor(f.After)
	if err != nil {
		return nil, fmt.Errorf("store: list objects of remote %d: cursor %q: %w", remoteID, f.After, err)
	}
	rows, err := s.pool.Query(ctx, `SELECT o.source_uid, o.portal_type, o.source_path, coalesce(i.label, ''),
			coalesce(o.review_state, ''), CASE WHEN o.merged AND o.state = 'imported' THEN 'merged' ELSE o.state END, coalesce(o.reason, ''), coalesce(o.dest_uid, ''), o.updated_at,
			coalesce(o.wait_kind, ''), coalesce(o.waiting_for, ''), regexp_replace(o.source_path, '^.*/', ''),
			coalesce(o.dest_id, '')
		FROM objects o
		LEFT JOIN replicas r ON r.instance_id = (SELECT source_id FROM remotes WHERE id = $1) AND r.uid = o.source_uid
		LEFT JOIN identities i ON i.id = r.identity_id
		WHERE o.remote_id = $1 AND ($2 = '' OR o.state = $2 OR $2 = 'merged' AND o.state = 'imported' AND o.merged) AND ($3 = '' OR o.portal_type = $3)
		AND ($4 = '' OR o.source_path ILIKE '%' || $4 || '%' OR o.source_uid = $4 OR o.reason ILIKE '%' || $4 || '%'
			OR i.label ILIKE '%' || $4 || '%')
		AND (NOT $7 OR o.dest_id <> regexp_replace(o.source_path, '^.*/', ''))
		AND (o.source_path, o.source_uid) > ($5, $8) ORDER BY o.source_path, o.source_uid LIMIT $6`,
		remoteID, f.State, f.PortalType, f.Q, afterPath, f.Limit, f.IDChanged, afterUID)
	if err != nil {
		return nil, fmt.Errorf("store: list objects of remote %d: %w", remoteID, err)
	}
	defer rows.Close()
	out := []ObjectRow{}
	for rows.Next() {
		var o ObjectRow
		if err := rows.Scan(&o.SourceUID, &o.PortalType, &o.SourcePath, &o.Label, &o.ReviewState, &o.State, &o.Reason,
			&o.DestUID, &o.UpdatedAt, &o.Wait, &o.WaitingFor,
			&o.SourceID, &o.DestID); err != nil {
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
