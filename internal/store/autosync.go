package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The auto-sync schedule of a remote lives on its row (migration 006):
// next_tick_at, tick_slot and sync_pending. Ticks travel on JetStream;
// these are the compare-and-set steps that make a tick count once.

// ScheduleTick moves a remote's next tick from prev (nil: never scheduled)
// to next; false when another coordinator moved it first.
func (s *Store) ScheduleTick(ctx context.Context, remoteID int64, prev *time.Time, next time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE remotes SET next_tick_at = $3
		WHERE id = $1 AND next_tick_at IS NOT DISTINCT FROM $2`, remoteID, prev, next)
	if err != nil {
		return false, fmt.Errorf("store: schedule tick of remote %d: %w", remoteID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// AcceptTick records a tick of slot for the named remote and marks it
// pending; a tick of a slot already accepted (published twice) or of a
// remote gone or no longer auto-synced is refused (false).
func (s *Store) AcceptTick(ctx context.Context, remote string, slot time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE remotes SET tick_slot = $2, sync_pending = true
		WHERE name = $1 AND (tick_slot IS NULL OR tick_slot < $2) AND coalesce(options->>'auto_sync', '') <> ''`,
		remote, slot)
	if err != nil {
		return false, fmt.Errorf("store: accept tick of %s: %w", remote, err)
	}
	return tag.RowsAffected() == 1, nil
}

// PendingSyncs lists the remotes whose accepted tick waits and that have
// no queued or running run: their update can start now.
func (s *Store) PendingSyncs(ctx context.Context) ([]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT m.id FROM remotes m WHERE m.sync_pending
		AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.remote_id = m.id AND r.status IN ('queued', 'running'))`)
	if err != nil {
		return nil, fmt.Errorf("store: pending syncs: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("store: pending syncs: %w", err)
	}
	return ids, nil
}

// StartPendingSync turns a remote's waiting tick into a queued update run
// in one transaction: the tick is consumed exactly when the run exists.
// ok is false when no tick waits (another coordinator took it) or a run of
// the remote is active (the tick keeps waiting behind it).
func (s *Store) StartPendingSync(ctx context.Context, remoteID int64) (run Run, ok bool, err error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return Run{}, false, fmt.Errorf("store: start pending sync of remote %d: %w", remoteID, err)
	}
	defer tx.Rollback(ctx)
	tag, err := tx.Exec(ctx, `UPDATE remotes SET sync_pending = false WHERE id = $1 AND sync_pending`, remoteID)
	if err != nil {
		return Run{}, false, fmt.Errorf("store: start pending sync of remote %d: %w", remoteID, err)
	}
	if tag.RowsAffected() == 0 {
		return Run{}, false, nil
	}
	id := uuid.New()
	_, err = tx.Exec(ctx, `INSERT INTO runs (id, remote_id, kind, status, trigger) VALUES ($1, $2, $3, 'queued', $4)`,
		id, remoteID, KindUpdate, TriggerAuto)
	if isUniqueViolation(err) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, fmt.Errorf("store: start pending sync of remote %d: %w", remoteID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Run{}, false, fmt.Errorf("store: start pending sync of remote %d: %w", remoteID, err)
	}
	run, err = s.Run(ctx, id)
	return run, true, err // the run exists even if reading it back failed
}
