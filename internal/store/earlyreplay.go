package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The early replay of an import (issue #13): the families of samples
// that may be replayed before the whole lab's objects have landed, and
// what each waits for, are planned with the import (plan.Layout.
// EarlyFamilies) and kept in replay_blockers, one row per family and
// object it waits for: its samples (kind 1, the family's own UID naming
// it), what must have landed (kind 0), and whose deferred references must
// be set (kind 2).

// EarlyRow is one row of the early replay's plan: family sample waits for
// blocker, for reason kind (plan.EarlyKind).
type EarlyRow struct {
	Sample, Blocker string
	Kind            int16
}

// earlyCopyBatch is how many rows one COPY of SaveEarlyReplay sends: the
// plan of a large lab is hundreds of thousands of rows, never held whole.
const earlyCopyBatch = 10000

// SaveEarlyReplay replaces a remote's early replay plan by the rows fill
// adds. It is not a leader's fenced write: a fenced transaction holds the
// lease row for the whole copy, and a stale leader's plan of the same
// import lists the same rows.
func (s *Store) SaveEarlyReplay(ctx context.Context, remoteID int64, fill func(add func(EarlyRow) error) error) error {
	err := pgx.BeginFunc(ctx, s.pool, func(q pgx.Tx) error {
		if _, err := q.Exec(ctx, `DELETE FROM replay_blockers WHERE remote_id = $1`, remoteID); err != nil {
			return err
		}
		batch := make([][]any, 0, earlyCopyBatch)
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			_, err := q.CopyFrom(ctx, pgx.Identifier{"replay_blockers"}, []string{"remote_id", "sample_uid", "blocker_uid", "kind"},
				pgx.CopyFromRows(batch))
			batch = batch[:0]
			return err
		}
		if err := fill(func(r EarlyRow) error {
			batch = append(batch, []any{remoteID, r.Sample, r.Blocker, r.Kind})
			if len(batch) == cap(batch) {
				return flush()
			}
			return nil
		}); err != nil {
			return err
		}
		return flush()
	})
	if err != nil {
		return fmt.Errorf("store: save the early replay's plan of remote %d: %w", remoteID, err)
	}
	return nil
}

// EarlyReplayPlanned tells whether the plan listed families of a remote
// for the early replay.
func (s *Store) EarlyReplayPlanned(ctx context.Context, remoteID int64) (bool, error) {
	var ok bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM replay_blockers WHERE remote_id = $1)`, remoteID).Scan(&ok); err != nil {
		return false, fmt.Errorf("store: early replay planned for remote %d: %w", remoteID, err)
	}
	return ok, nil
}

// EarlyFamily lists the samples of a family the early replay takes
// together (plan.Layout.EarlyFamilies), in the order they were created.
func (s *Store) EarlyFamily(ctx context.Context, remoteID int64, root string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT b.blocker_uid FROM replay_blockers b
		JOIN objects o ON o.remote_id = b.remote_id AND o.source_uid = b.blocker_uid
		WHERE b.remote_id = $1 AND b.sample_uid = $2 AND b.kind = 1
		ORDER BY o.source_created, o.source_path, o.source_uid`, remoteID, root)
	if err != nil {
		return nil, fmt.Errorf("store: family of %s: %w", root, err)
	}
	return collectStrings(rows, "family of "+root)
}

// EarlyReplayReady lists up to limit families (by their least sample's
// UID) whose replay may start now: every sample of theirs and every other
// object they wait for landed — created, linked, skipped or failed; a
// retest waiting to be made by the replay itself (an analysis of a
// retraction, the sample of an invalidation) does not hold them back.
// except are families being replayed. The largest go first (their
// samples' children, analyses above all, stand for their requests one
// after the other): the last families in hand, when nothing else is left
// for the lab, are then the short ones.
//
// What landed holds nothing back any more, and its rows go first
// (pruneEarlyBlockers): each listing then reads only what still waits.
func (s *Store) EarlyReplayReady(ctx context.Context, remoteID int64, except []string, limit int) ([]string, error) {
	if except == nil {
		except = []string{}
	}
	if err := s.pruneEarlyBlockers(ctx, remoteID); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT b.sample_uid FROM replay_blockers b
		JOIN objects s ON s.remote_id = b.remote_id AND s.source_uid = b.sample_uid
		WHERE b.remote_id = $1 AND b.blocker_uid = b.sample_uid AND b.kind = 1 AND NOT s.merged
		AND NOT (b.sample_uid = ANY($2))
		AND NOT EXISTS (SELECT 1 FROM replay_blockers x
			JOIN objects o ON o.remote_id = x.remote_id AND o.source_uid = x.blocker_uid
			WHERE x.remote_id = b.remote_id AND x.sample_uid = b.sample_uid AND x.kind IN (0, 1)
			AND `+stillToLand("o")+`)
		AND NOT EXISTS (SELECT 1 FROM replay_blockers x
			JOIN deferred_refs d ON d.remote_id = x.remote_id AND d.source_uid = x.blocker_uid AND NOT d.done
			WHERE x.remote_id = b.remote_id AND x.sample_uid = b.sample_uid AND x.kind = 2)
		ORDER BY (SELECT count(*) FROM replay_blockers m JOIN objects c ON c.remote_id = m.remote_id AND c.parent_uid = m.blocker_uid
			WHERE m.remote_id = b.remote_id AND m.sample_uid = b.sample_uid AND m.kind = 1) DESC,
			b.sample_uid
		LIMIT $3`, remoteID, except, limit)
	if err != nil {
		return nil, fmt.Errorf("store: samples ready for an early replay: %w", err)
	}
	return collectStrings(rows, "samples ready for an early replay")
}

// stillToLand is the condition of an object a family waits for that has
// not landed: still to import, or parked on anything but the replay (a
// retest the replay itself makes holds nothing back).
func stillToLand(alias string) string {
	return fmt.Sprintf(`(%[1]s.state = 'fetched' OR (%[1]s.state = 'waiting' AND %[1]s.wait_kind <> 'replay'))`, alias)
}

// pruneEarlyBlockers drops what families wait for (kind 0) that landed:
// every listing of ready families read the whole plan again, a row for
// each object a family touches — 1 to 4 s a listing while a
// 22,562-object import went on, the lab idle while the last families
// finished. Landing is for good within an import, so the rows go as the
// listing would have passed them; like the plan it is not a fenced write
// (a stale leader drops only what no longer holds anything back), and a
// family's own samples (kind 1) stay: they name the family.
func (s *Store) pruneEarlyBlockers(ctx context.Context, remoteID int64) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM replay_blockers x USING objects o
		WHERE x.remote_id = $1 AND x.kind = 0 AND o.remote_id = x.remote_id AND o.source_uid = x.blocker_uid
		AND NOT `+stillToLand("o"), remoteID); err != nil {
		return fmt.Errorf("store: prune what landed from the early replay's plan: %w", err)
	}
	return nil
}

// DeferredReady lists up to limit objects whose deferred references can
// be set now, with their fields: the object and every target its deferred
// fields name have their copy. Set early, they let go the samples they touch
// (plan.Layout.EarlyFamilies) instead of holding them for the whole lab's replay.
func (s *Store) DeferredReady(ctx context.Context, remoteID int64, limit int) (map[string][]string, error) {
	// every target a deferred field names, not only the one whose edge the
	// plan held back: the field is written whole (a worksheet's analyses)
	rows, err := s.pool.Query(ctx, `SELECT f.source_uid, array_agg(f.field ORDER BY f.field) FROM (
			SELECT DISTINCT d.source_uid, d.field FROM deferred_refs d
			JOIN objects o ON o.remote_id = d.remote_id AND o.source_uid = d.source_uid AND o.state = 'imported'
			WHERE d.remote_id = $1 AND NOT d.done
			AND NOT EXISTS (SELECT 1 FROM unnest(o.refs) AS r
				JOIN objects t ON t.remote_id = d.remote_id AND t.source_uid = split_part(r, ':', 2)
				WHERE split_part(r, ':', 1) = d.field AND t.state NOT IN ('imported', 'unchanged'))
		) f GROUP BY f.source_uid
		HAVING count(*) = (SELECT count(DISTINCT x.field) FROM deferred_refs x
			WHERE x.remote_id = $1 AND x.source_uid = f.source_uid AND NOT x.done)
		ORDER BY 1 LIMIT $2`, remoteID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: deferred references ready: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var uid string
		var fields []string
		if err := rows.Scan(&uid, &fields); err != nil {
			return nil, fmt.Errorf("store: deferred references ready: %w", err)
		}
		out[uid] = fields
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: deferred references ready: %w", err)
	}
	return out, nil
}

// EarlyReplayDone forgets what samples waited for: their early replay was
// tried (what it did not settle, the whole lab's replay takes up).
func (s *Store) EarlyReplayDone(ctx context.Context, remoteID int64, samples []string) error {
	if len(samples) == 0 {
		return nil
	}
	if _, err := s.leaderExec(ctx, `DELETE FROM replay_blockers WHERE remote_id = $1 AND sample_uid = ANY($2)`,
		remoteID, samples); err != nil {
		return fmt.Errorf("store: early replay of %d samples done: %w", len(samples), err)
	}
	return nil
}

// EarlyReplayLeft describes, for the log, up to limit families the early
// replay left to the whole lab's replay and what each still waited for.
func (s *Store) EarlyReplayLeft(ctx context.Context, remoteID int64, limit int) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT b.sample_uid || ': ' || string_agg(DISTINCT
			CASE WHEN x.kind = 2 THEN 'deferred references of ' || x.blocker_uid
			ELSE o.portal_type || ' ' || x.blocker_uid || ' ' || o.state || coalesce(' (' || o.wait_kind || ')', '') END, ', ')
		FROM replay_blockers b
		JOIN replay_blockers x ON x.remote_id = b.remote_id AND x.sample_uid = b.sample_uid
		LEFT JOIN objects o ON o.remote_id = x.remote_id AND o.source_uid = x.blocker_uid
		WHERE b.remote_id = $1 AND b.kind = 1 AND b.blocker_uid = b.sample_uid
		AND ((x.kind IN (0, 1) AND `+stillToLand("o")+`)
			OR (x.kind = 2 AND EXISTS (SELECT 1 FROM deferred_refs d WHERE d.remote_id = x.remote_id
				AND d.source_uid = x.blocker_uid AND NOT d.done)))
		GROUP BY b.sample_uid ORDER BY 1 LIMIT $2`, remoteID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: families left by the early replay: %w", err)
	}
	return collectStrings(rows, "families left by the early replay")
}

// ForgetEarlyReplay drops what a remote's samples waited for once its
// objects have all landed: what did not go early goes with the whole
// lab's replay.
func (s *Store) ForgetEarlyReplay(ctx context.Context, remoteID int64) error {
	if _, err := s.leaderExec(ctx, `DELETE FROM replay_blockers WHERE remote_id = $1`, remoteID); err != nil {
		return fmt.Errorf("store: forget the early replay of remote %d: %w", remoteID, err)
	}
	return nil
}

// ReplayGroup is samples and their children, without their data, with
// how far run's replay took each: the samples first, in the order given,
// then the children, container by container in that order, each
// container's in the order they were created.
func (s *Store) ReplayGroup(ctx context.Context, remoteID int64, run uuid.UUID, samples []string) ([]ReplayObject, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+replayCols+` FROM objects o
		LEFT JOIN unnest($3::text[]) WITH ORDINALITY AS p (uid, n) ON p.uid = o.parent_uid
		LEFT JOIN unnest($3::text[]) WITH ORDINALITY AS q (uid, n) ON q.uid = o.source_uid
		WHERE o.remote_id = $1 AND (o.source_uid = ANY($3) OR o.parent_uid = ANY($3))
		ORDER BY q.n NULLS LAST, p.n, o.source_created, o.source_path, o.source_uid`, remoteID, run, samples)
	if err != nil {
		return nil, fmt.Errorf("store: replay group of %v: %w", samples, err)
	}
	out, err := pgx.CollectRows(rows, scanReplayObject)
	if err != nil {
		return nil, fmt.Errorf("store: replay group of %v: %w", samples, err)
	}
	if len(out) < len(samples) {
		return nil, fmt.Errorf("store: replay group of %v: %w", samples, ErrNotFound)
	}
	return out, nil
}

// replayCols are a ReplayObject's columns; $2 is the run whose marks are
// read.
const replayCols = storedWithoutData + `, CASE WHEN replayed_run = $2 THEN replay_mark ELSE 0 END`

func scanReplayObject(r pgx.CollectableRow) (ReplayObject, error) {
	var o ReplayObject
	err := r.Scan(&o.SourceUID, &o.PortalType, &o.SourcePath, &o.ParentUID, &o.State, &o.DestUID, &o.Modified,
		&o.Written, &o.Sequence, &o.Seq, &o.Merged, &o.Data, &o.Mark)
	return o, err
}
