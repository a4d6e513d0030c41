package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/senaite-sync/senaite-sync/internal/remote"
)

// Remote is a directed link source → destination with its options.
type Remote struct {
	ID            int64
	Name          string
	SourceID      int64
	DestinationID int64
	Source        string
	Destination   string
	// SourceFlavor is what the source's last check found ("1.x", "2.x";
	// "" before any): a 1.x source's types are mapped (remote.TypeMapping).
	SourceFlavor string
	Options      remote.Options
	Watermark    *time.Time
	// NextTickAt is when auto-sync next ticks (nil: off, or not scheduled
	// yet); SyncPending says a tick waits for the running step to end.
	NextTickAt  *time.Time
	SyncPending bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

const remoteSelect = `SELECT r.id, r.name, r.source_id, r.destination_id, s.name, d.name, coalesce(s.flavor, ''), r.options, r.watermark,
	r.next_tick_at, r.sync_pending, r.created_at, r.updated_at FROM remotes r JOIN instances s ON s.id = r.source_id JOIN instances d ON d.id = r.destination_id`

func scanRemote(row pgx.Row) (Remote, error) {
	var r Remote
	var opts []byte
	err := row.Scan(&r.ID, &r.Name, &r.SourceID, &r.DestinationID, &r.Source, &r.Destination, &r.SourceFlavor, &opts, &r.Watermark,
		&r.NextTickAt, &r.SyncPending, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return Remote{}, err
	}
	if err := json.Unmarshal(opts, &r.Options); err != nil {
		return Remote{}, fmt.Errorf("options: %w", err)
	}
	return r, nil
}

// CreateRemote stores a remote between two instances named by name.
func (s *Store) CreateRemote(ctx context.Context, name, source, destination string, opts remote.Options) (Remote, error) {
	raw, err := json.Marshal(opts)
	if err != nil {
		return Remote{}, fmt.Errorf("store: create remote %s: %w", name, err)
	}
	var id int64
	err = s.pool.QueryRow(ctx, `INSERT INTO remotes (name, source_id, destination_id, options)
		SELECT $1, s.id, d.id, $4 FROM instances s, instances d WHERE s.name = $2 AND d.name = $3 RETURNING id`,
		name, source, destination, raw).Scan(&id)
	switch {
	case isUniqueViolation(err):
		return Remote{}, fmt.Errorf("store: create remote %s: %w", name, ErrExists)
	case err == pgx.ErrNoRows:
		return Remote{}, fmt.Errorf("store: create remote %s: instance %s or %s: %w", name, source, destination, ErrNotFound)
	case err != nil:
		return Remote{}, fmt.Errorf("store: create remote %s: %w", name, err)
	}
	return s.Remote(ctx, name)
}

// Remote reads one remote by name.
func (s *Store) Remote(ctx context.Context, name string) (Remote, error) {
	r, err := scanRemote(s.pool.QueryRow(ctx, remoteSelect+` WHERE r.name = $1`, name))
	if err != nil {
		return Remote{}, fmt.Errorf("store: remote %s: %w", name, notFound(err))
	}
	return r, nil
}

// RemoteByID reads one remote by id.
func (s *Store) RemoteByID(ctx context.Context, id int64) (Remote, error) {
	r, err := scanRemote(s.pool.QueryRow(ctx, remoteSelect+` WHERE r.id = $1`, id))
	if err != nil {
		return Remote{}, fmt.Errorf("store: remote %d: %w", id, notFound(err))
	}
	return r, nil
}

// Remotes lists every remote by name.
func (s *Store) Remotes(ctx context.Context) ([]Remote, error) {
	rows, err := s.pool.Query(ctx, remoteSelect+` ORDER BY r.name`)
	if err != nil {
		return nil, fmt.Errorf("store: remotes: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Remote, error) { return scanRemote(r) })
	if err != nil {
		return nil, fmt.Errorf("store: remotes: %w", err)
	}
	return out, nil
}

// UpdateRemoteOptions replaces a remote's options — not while it has a
// queued or running run, which planned its pages and levels with the old
// ones (*ActiveRunError names that run). The remote's row is locked for the
// change: a run created meanwhile waits for it (its foreign key shares the
// row), and a run created just before is seen.
func (s *Store) UpdateRemoteOptions(ctx context.Context, name string, opts remote.Options) (Remote, error) {
	raw, err := json.Marshal(opts)
	if err != nil {
		return Remote{}, fmt.Errorf("store: update remote %s: %w", name, err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return Remote{}, fmt.Errorf("store: update remote %s: %w", name, err)
	}
	defer tx.Rollback(ctx)
	var id int64
	if err := tx.QueryRow(ctx, `SELECT id FROM remotes WHERE name = $1 FOR UPDATE`, name).Scan(&id); err != nil {
		return Remote{}, fmt.Errorf("store: update remote %s: %w", name, notFound(err))
	}
	active, err := scanRun(tx.QueryRow(ctx, runSelect+` WHERE r.remote_id = $1 AND r.status IN ('queued', 'running')`, id))
	if err == nil {
		return Remote{}, &ActiveRunError{Run: active}
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return Remote{}, fmt.Errorf("store: update remote %s: %w", name, err)
	}
	// a changed interval is scheduled afresh; auto-sync turned off drops a
	// waiting tick
	if _, err := tx.Exec(ctx, `UPDATE remotes SET options = $2, updated_at = now(),
			next_tick_at = CASE WHEN options->>'auto_sync' IS DISTINCT FROM $2::jsonb->>'auto_sync' THEN NULL ELSE next_tick_at END,
			sync_pending = sync_pending AND coalesce($2::jsonb->>'auto_sync', '') <> ''
		WHERE id = $1`, id, raw); err != nil {
		return Remote{}, fmt.Errorf("store: update remote %s: %w", name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Remote{}, fmt.Errorf("store: update remote %s: %w", name, err)
	}
	return s.Remote(ctx, name)
}

// DeleteRemote removes a remote with its runs and fetched objects; the
// identity of what it imported stays (it belongs to the instances).
func (s *Store) DeleteRemote(ctx context.Context, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM remotes WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("store: delete remote %s: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: delete remote %s: %w", name, ErrNotFound)
	}
	return nil
}
