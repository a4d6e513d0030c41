package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The update step's state: a run's candidate watermark and phase, the
// objects its scan saw, the objects the source no longer has, and what the
// system last saw of each copy (replicas.seen_modified).

// Update phases: the scan reads what changed, then it is imported.
const (
	PhaseScan   = "scan"
	PhaseImport = "import"
)

// Page modes (run_pages.mode).
const (
	ModeComplete = "complete"
	ModeScan     = "scan"
	ModeSince    = "since"
)

// SinceBStart is the b_start of a type's 'since' page, apart from the
// scan pages the same run may plan for that type.
const SinceBStart = -1

// SetRunPlan records an update's candidate watermark (the source's clock
// when it was planned) and enters the scan phase; idempotent.
func (s *Store) SetRunPlan(ctx context.Context, id uuid.UUID, watermark time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE runs SET watermark = $2, phase = coalesce(phase, 'scan') WHERE id = $1`,
		id, watermark); err != nil {
		return fmt.Errorf("store: run %s plan: %w", id, err)
	}
	return nil
}

// SetRunPhase moves an update from one phase to the next
// (compare-and-set: two coordinators never both plan its import).
func (s *Store) SetRunPhase(ctx context.Context, id uuid.UUID, from, to string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE runs SET phase = $3 WHERE id = $1 AND phase IS NOT DISTINCT FROM nullif($2, '')`, id, from, to)
	if err != nil {
		return fmt.Errorf("store: run %s phase %s: %w", id, to, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: run %s phase %s: %w", id, to, ErrStaleState)
	}
	return nil
}

// AdvanceWatermark makes a finished update's candidate watermark the
// remote's, never moving it back: everything modified before it is
// committed on the destination (or recorded as failed, conflicting or
// gone, and retried or reported from the objects table).
func (s *Store) AdvanceWatermark(ctx context.Context, runID uuid.UUID) error {
	if _, err := s.leaderExec(ctx, `UPDATE remotes m SET watermark = r.watermark, updated_at = now()
		FROM runs r WHERE r.id = $1 AND m.id = r.remote_id AND r.watermark IS NOT NULL
		AND (m.watermark IS NULL OR m.watermark < r.watermark)`, runID); err != nil {
		return fmt.Errorf("store: advance watermark of run %s: %w", runID, err)
	}
	return nil
}

// Watermark is the remote's: everything the source modified before it has
// reached the destination. Nil until a first update finishes.
func (s *Store) Watermark(ctx context.Context, remoteID int64) (*time.Time, error) {
	var w *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT watermark FROM remotes WHERE id = $1`, remoteID).Scan(&w); err != nil {
		return nil, fmt.Errorf("store: watermark of remote %d: %w", remoteID, notFound(err))
	}
	return w, nil
}

// StoredModified returns, for the given source UIDs, the modification time
// of the version stored; gone objects and UIDs never stored are absent, so
// that a scan reads them completely.
func (s *Store) StoredModified(ctx context.Context, remoteID int64, uids []string) (map[string]time.Time, error) {
	rows, err := s.pool.Query(ctx, `SELECT source_uid, source_modified FROM objects
		WHERE remote_id = $1 AND source_uid = ANY($2) AND state <> 'gone' AND source_modified IS NOT NULL`, remoteID, uids)
	if err != nil {
		return nil, fmt.Errorf("store: stored modified of %d objects: %w", len(uids), err)
	}
	defer rows.Close()
	out := make(map[string]time.Time, len(uids))
	for rows.Next() {
		var u string
		var m time.Time
		if err := rows.Scan(&u, &m); err != nil {
			return nil, fmt.Errorf("store: stored modified: %w", err)
		}
		out[u] = m
	}
	return out, rows.Err()
}

// MarkSeen records the objects a scan page listed (idempotent).
func (s *Store) MarkSeen(ctx context.Context, runID uuid.UUID, uids []string) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO run_seen (run_id, source_uid) SELECT $1, u FROM unnest($2::text[]) AS u
		ON CONFLICT DO NOTHING`, runID, uids); err != nil {
		return fmt.Errorf("store: run %s seen: %w", runID, err)
	}
	return nil
}

// MarkGone turns the objects of the scanned types that the run's scan did
// not see, and that existed before it started, into `gone`; it returns how
// many per portal type.
func (s *Store) MarkGone(ctx context.Context, remoteID int64, runID uuid.UUID, types []string, before time.Time) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `UPDATE objects o SET state = 'gone', updated_at = now(), wait_kind = NULL, waiting_for = NULL,
			reason = 'no longer at the source (not listed by the update of ' || to_char(now(), 'YYYY-MM-DD HH24:MI') || ')'
		WHERE o.remote_id = $1 AND o.portal_type = ANY($3) AND o.state <> 'gone' AND o.source_created < $4
		AND NOT EXISTS (SELECT 1 FROM run_seen s WHERE s.run_id = $2 AND s.source_uid = o.source_uid)
		RETURNING o.portal_type`, remoteID, runID, types, before)
	if err != nil {
		return nil, fmt.Errorf("store: mark gone: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: mark gone: %w", err)
	}
	out := map[string]int{}
	for _, pt := range list {
		out[pt]++
	}
	return out, nil
}

// LiveCounts counts a remote's stored objects per type that the source
// still has (not gone): an update compares them with the source's counts.
func (s *Store) LiveCounts(ctx context.Context, remoteID int64) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT portal_type, count(*) FROM objects WHERE remote_id = $1 AND state <> 'gone'
		GROUP BY portal_type`, remoteID)
	if err != nil {
		return nil, fmt.Errorf("store: live counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var pt string
		var n int
		if err := rows.Scan(&pt, &n); err != nil {
			return nil, fmt.Errorf("store: live counts: %w", err)
		}
		out[pt] = n
	}
	return out, rows.Err()
}

// SetSeen records the modification time of copies on an instance as the
// system last saw them: later changes are someone else's. written says the
// versions are the system's own writes, read back after them (see
// Written); otherwise they were read there as a source.
func (s *Store) SetSeen(ctx context.Context, instanceID int64, uids []string, modified []time.Time, written bool) error {
	if _, err := s.pool.Exec(ctx, `UPDATE replicas r SET seen_modified = x.m,
			written_modified = CASE WHEN $4 THEN x.m ELSE r.written_modified END
		FROM unnest($2::text[], $3::timestamptz[]) AS x(u, m)
		WHERE r.instance_id = $1 AND r.uid = x.u
		AND (r.seen_modified IS DISTINCT FROM x.m OR $4 AND r.written_modified IS DISTINCT FROM x.m)`,
		instanceID, uids, modified, written); err != nil {
		return fmt.Errorf("store: seen on instance %d: %w", instanceID, err)
	}
	return nil
}

// CopyVersions reads, in one round trip, the two versions an update
// weighs: the version of the source's copy the system itself wrote there
// (written: a copy still as written carries nothing) and the last version
// of the destination's copy the system saw (seen: a later one is someone
// else's edit). nil is "never recorded".
func (s *Store) CopyVersions(ctx context.Context, identityID, sourceID, destID int64) (written, seen *time.Time, err error) {
	err = s.pool.QueryRow(ctx, `SELECT
			(SELECT written_modified FROM replicas WHERE identity_id = $1 AND instance_id = $2),
			(SELECT seen_modified FROM replicas WHERE identity_id = $1 AND instance_id = $3)`,
		identityID, sourceID, destID).Scan(&written, &seen)
	if err != nil {
		return nil, nil, fmt.Errorf("store: versions of identity %d: %w", identityID, err)
	}
	if seen != nil && seen.IsZero() {
		seen = nil // the placeholder a create records until its read-back
	}
	return written, seen, nil
}

// WrittenCopies calls fn with the destination UIDs of a remote's imported
// objects — and of those that failed or ended in another state after their
// copy was made, which the run wrote too (a later run retries them, and
// must not take its own half-done write for someone's edit) — all of
// them, or those a run touched (run_id), up to size at a time: the copies
// whose version after the run is read back and recorded as seen. Copies
// found unchanged are not: the system did not write them, and an edit made
// there that has not travelled yet must stay a change of that copy. Each
// batch is a query of its own (by source UID, a batch's copies once each):
// a lab's copies are never all in memory (issue #13).
func (s *Store) WrittenCopies(ctx context.Context, remoteID int64, runID *uuid.UUID, size int, fn func([]string) error) error {
	size = max(size, 1)
	for after := ""; ; {
		var last string
		var uids []string
		rows, err := s.pool.Query(ctx, `SELECT source_uid, dest_uid FROM objects WHERE remote_id = $1 AND source_uid > $3
			AND dest_uid IS NOT NULL AND state IN ('imported', 'failed', 'state-mismatch') AND ($2::uuid IS NULL OR run_id = $2)
			ORDER BY source_uid LIMIT $4`, remoteID, runID, after, size)
		if err != nil {
			return fmt.Errorf("store: written copies: %w", err)
		}
		n := 0
		seen := map[string]bool{}
		for rows.Next() {
			var dest string
			if err := rows.Scan(&last, &dest); err != nil {
				rows.Close()
				return fmt.Errorf("store: written copies: %w", err)
			}
			n++
			if !seen[dest] {
				seen[dest] = true
				uids = append(uids, dest)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: written copies: %w", err)
		}
		if len(uids) > 0 {
			if err := fn(uids); err != nil {
				return err
			}
		}
		if n < size {
			return nil
		}
		after = last
	}
}

// MarkUpdated records that an update wrote changed fields to an object's
// existing copy (compare-and-set from the states the importer expected).
func (s *Store) MarkUpdated(ctx context.Context, remoteID int64, uid string, from []ObjState, destUID, note string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE objects SET state = 'imported', written = 'updated', reason = nullif($5, ''),
		dest_uid = $4, attempts = attempts + 1, updated_at = now(), wait_kind = NULL, waiting_for = NULL
		WHERE remote_id = $1 AND source_uid = $2 AND state = ANY($3)`, remoteID, uid, stateStrings(from), destUID, note)
	if err != nil {
		return fmt.Errorf("store: mark updated %s: %w", uid, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: mark updated %s: %w", uid, ErrStaleState)
	}
	return nil
}

// WrittenUpdated is objects.written of an imported object whose existing
// copy an update wrote (apart from the created ones).
const WrittenUpdated = "updated"

// CountUpdated is the key RunStateCounts gives such objects, beside the
// real states.
const CountUpdated ObjState = "updated"

// RunStateCounts counts objects per type and state — a remote's, or only
// those a run touched — with updated copies apart from created ones.
func (s *Store) RunStateCounts(ctx context.Context, remoteID int64, runID *uuid.UUID) (map[string]map[ObjState]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT portal_type,
			CASE WHEN state = 'imported' AND written = 'updated' THEN 'updated' ELSE state END, count(*)
		FROM objects WHERE remote_id = $1 AND ($2::uuid IS NULL OR run_id = $2) GROUP BY 1, 2`, remoteID, runID)
	if err != nil {
		return nil, fmt.Errorf("store: state counts: %w", err)
	}
	defer rows.Close()
	out := map[string]map[ObjState]int{}
	for rows.Next() {
		var pt string
		var st ObjState
		var n int
		if err := rows.Scan(&pt, &st, &n); err != nil {
			return nil, fmt.Errorf("store: state counts: %w", err)
		}
		if out[pt] == nil {
			out[pt] = map[ObjState]int{}
		}
		out[pt][st] = n
	}
	return out, rows.Err()
}

// IDsChanged counts, per type, the copies a run (or, with no run, the
// remote) created under another id than their source's; linked objects
// (a natural-key merge, a structural folder) are the destination's own.
func (s *Store) IDsChanged(ctx context.Context, remoteID int64, runID *uuid.UUID) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT o.portal_type, count(*) FROM objects o
		JOIN remotes m ON m.id = o.remote_id
		JOIN replicas r ON r.instance_id = m.destination_id AND r.uid = o.dest_uid AND NOT r.merged
		WHERE o.remote_id = $1 AND ($2::uuid IS NULL OR o.run_id = $2) AND o.dest_id IS NOT NULL
		AND o.dest_id <> regexp_replace(o.source_path, '^.*/', '') GROUP BY 1`, remoteID, runID)
	if err != nil {
		return nil, fmt.Errorf("store: ids changed: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var pt string
		var n int
		if err := rows.Scan(&pt, &n); err != nil {
			return nil, fmt.Errorf("store: ids changed: %w", err)
		}
		out[pt] = n
	}
	return out, rows.Err()
}

// RunChanged counts per type the objects a run stored new or changed.
func (s *Store) RunChanged(ctx context.Context, remoteID int64, runID uuid.UUID) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT portal_type, count(*) FROM objects WHERE remote_id = $1 AND run_id = $2
		GROUP BY 1`, remoteID, runID)
	if err != nil {
		return nil, fmt.Errorf("store: run changed: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var pt string
		var n int
		if err := rows.Scan(&pt, &n); err != nil {
			return nil, fmt.Errorf("store: run changed: %w", err)
		}
		out[pt] = n
	}
	return out, rows.Err()
}

// RunPageTypes lists the types a run scanned and those it read through
// their modified index.
func (s *Store) RunPageTypes(ctx context.Context, runID uuid.UUID) (scanned, since []string, err error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT portal_type, mode FROM run_pages WHERE run_id = $1 ORDER BY 1`, runID)
	if err != nil {
		return nil, nil, fmt.Errorf("store: run %s page types: %w", runID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var pt, mode string
		if err := rows.Scan(&pt, &mode); err != nil {
			return nil, nil, fmt.Errorf("store: run %s page types: %w", runID, err)
		}
		switch mode {
		case ModeSince:
			since = append(since, pt)
		default:
			scanned = append(scanned, pt)
		}
	}
	return scanned, since, rows.Err()
}

// EditedCopies returns which of this remote's objects have a copy among
// destUIDs (with their modified dates on the destination, one-second
// resolution as SENAITE keeps it) that changed there after the version of
// it the system last saw: read-only types' copies to write back.
func (s *Store) EditedCopies(ctx context.Context, rm Remote, destUIDs []string, modified []time.Time) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT o.source_uid FROM unnest($4::text[], $5::timestamptz[]) AS d(uid, modified)
		JOIN replicas dr ON dr.instance_id = $3 AND dr.uid = d.uid
		JOIN replicas sr ON sr.identity_id = dr.identity_id AND sr.instance_id = $2
		JOIN objects o ON o.remote_id = $1 AND o.source_uid = sr.uid
		WHERE o.state <> 'gone' AND (dr.seen_modified IS NULL
			OR date_trunc('second', d.modified) > date_trunc('second', dr.seen_modified))`,
		rm.ID, rm.SourceID, rm.DestinationID, destUIDs, modified)
	if err != nil {
		return nil, fmt.Errorf("store: edited copies of remote %s: %w", rm.Name, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: edited copies of remote %s: %w", rm.Name, err)
	}
	return out, nil
}

// Requeue puts stored objects back into a run as if the source had
// changed them: the import brings their copies to the stored version.
func (s *Store) Requeue(ctx context.Context, remoteID int64, runID uuid.UUID, uids []string) error {
	_, err := s.pool.Exec(ctx, `UPDATE objects SET state = 'fetched', run_id = $2, reason = NULL, written = NULL, wait_kind = NULL, waiting_for = NULL, failures = 0,
		requeued = 0, updated_at = now() WHERE remote_id = $1 AND source_uid = ANY($3) AND state <> 'gone'`, remoteID, runID, uids)
	if err != nil {
		return fmt.Errorf("store: requeue %d objects: %w", len(uids), err)
	}
	return nil
}

// ClaimPending puts the objects still to import from earlier runs (failed,
// parked) into an update run: it retries them, and its counters say so.
func (s *Store) ClaimPending(ctx context.Context, remoteID int64, runID uuid.UUID) (int, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE objects SET run_id = $2 WHERE remote_id = $1
		AND state IN ('fetched', 'waiting', 'failed') AND run_id IS DISTINCT FROM $2`, remoteID, runID)
	if err != nil {
		return 0, fmt.Errorf("store: claim pending objects for run %s: %w", runID, err)
	}
	return int(tag.RowsAffected()), nil
}
