package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The workflow replay of a sample need not wait for the whole lab's
// objects (issue #13): the ID sequences keep an import's objects phase
// long while the lab's threads sit idle, and the replay — most of an
// import's requests — could fill them. A family of samples (a sample with
// its partitions, an invalidated sample with its retest, the samples of
// one report: samples that name each other, or whose children do) goes
// early once everything its replay touches or could
// be touched by has landed: its samples, their children (analyses;
// reports, which a verified sample no longer takes), what refers to them
// (a worksheet that assigns an analysis), and what they refer to (the
// method an analysis' fields name), and once the deferred references from
// or to any of those are set (a worksheet whose analyses are assigned in
// the deferred pass: set early, as soon as both ends exist). Families
// naming a sample of another family (a report of several samples), or
// with a sample an earlier import brought go with the whole lab's replay,
// as before.

// PlanEarlyReplay lists, once the import is planned (levels and deferred
// references saved), the families of samples that may be replayed early,
// their samples and what each waits for (table replay_blockers); it
// returns how many families may. It may run while the import goes on: a
// sample to import is one still pending, or one that settled since the
// import started (since); a family with any other sample (one an earlier
// run imported) is left to the whole lab's replay.
//
// It is not a leader's fenced write: a fenced transaction holds the lease
// row, and a plan of tens of thousands of objects would hold it past the
// lease's renewal (the leader lost its term again and again at 50,000). A
// stale leader's plan of the same import lists the same rows.
func (s *Store) PlanEarlyReplay(ctx context.Context, remoteID int64, since time.Time) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, s.pool, func(q pgx.Tx) error {
		if _, err := q.Exec(ctx, `DELETE FROM replay_blockers WHERE remote_id = $1`, remoteID); err != nil {
			return err
		}
		// the recursive family walk is estimated at millions of rows where
		// it meets a few dozen: JIT compiled it for most of a second; and
		// the estimates of the walks chose nested loops over sets of a
		// hundred thousand rows (over 40 s at 50,000 objects, 4.8 s with
		// hash joins)
		if _, err := q.Exec(ctx, `SET LOCAL jit = off; SET LOCAL enable_nestloop = off`); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `
		WITH RECURSIVE all_samples AS (
			SELECT source_uid, state IN ('fetched', 'waiting') OR updated_at >= $2 AS to_import FROM objects
			WHERE remote_id = $1 AND portal_type = 'AnalysisRequest'
		), refs AS (
			SELECT o.source_uid AS src, split_part(r, ':', 1) AS field, split_part(r, ':', 2) AS dst
			FROM objects o, unnest(o.refs) AS r
			WHERE o.remote_id = $1
		), owner AS (
			SELECT source_uid AS uid, source_uid AS sample FROM all_samples
			UNION ALL
			SELECT c.source_uid, c.parent_uid FROM objects c JOIN all_samples s ON c.parent_uid = s.source_uid
			WHERE c.remote_id = $1
		), links AS (
			-- a sample, or something inside it (a report of several samples),
			-- naming another sample
			SELECT o.sample AS a, r.dst AS b FROM refs r JOIN owner o ON o.uid = r.src
			JOIN all_samples s ON s.source_uid = r.dst WHERE r.dst <> o.sample
		), edges AS (
			SELECT a, b FROM links UNION SELECT b, a FROM links
		), reach (uid, root) AS (
			SELECT source_uid, source_uid FROM all_samples WHERE to_import
			UNION
			SELECT e.b, r.root FROM reach r JOIN edges e ON e.a = r.uid
		), family AS (
			SELECT uid, min(root) AS root FROM reach GROUP BY uid
		), members AS (
			SELECT root AS sample, uid AS member FROM family
			UNION ALL
			SELECT f.root, c.source_uid FROM objects c JOIN family f ON c.parent_uid = f.uid
			WHERE c.remote_id = $1
		), blocked AS (
			SELECT sample, member AS blocker FROM members WHERE member <> sample
			UNION
			SELECT m.sample, r.src FROM members m JOIN refs r ON r.dst = m.member WHERE r.src <> m.sample
			UNION
			SELECT m.sample, r.dst FROM members m JOIN refs r ON r.src = m.member WHERE r.dst <> m.sample
		), touched AS (
			SELECT sample, member AS uid FROM members UNION SELECT sample, blocker FROM blocked
		), deferred AS (
			-- a deferred field is written whole: every target it names waits
			-- for it, not only the one whose edge the plan held back
			SELECT DISTINCT t.sample, d.source_uid FROM touched t JOIN deferred_refs d ON d.remote_id = $1
			AND d.source_uid = t.uid
			WHERE NOT d.done
			UNION
			SELECT DISTINCT t.sample, d.source_uid FROM touched t JOIN refs r ON r.dst = t.uid
			JOIN deferred_refs d ON d.remote_id = $1 AND d.source_uid = r.src AND d.field = r.field
			WHERE NOT d.done
		), late AS (
			SELECT b.sample FROM blocked b JOIN objects o ON o.remote_id = $1 AND o.source_uid = b.blocker
			WHERE o.portal_type = 'AnalysisRequest'
			AND NOT EXISTS (SELECT 1 FROM family f WHERE f.root = b.sample AND f.uid = b.blocker)
			UNION
			SELECT f.root FROM family f JOIN all_samples a ON a.source_uid = f.uid WHERE NOT a.to_import
		)
		INSERT INTO replay_blockers (remote_id, sample_uid, blocker_uid, kind)
		SELECT $1, root, uid, 1 FROM family WHERE root NOT IN (SELECT sample FROM late)
		UNION ALL
		SELECT $1, b.sample, b.blocker, 0 FROM blocked b WHERE b.sample NOT IN (SELECT sample FROM late)
		AND NOT EXISTS (SELECT 1 FROM family f WHERE f.root = b.sample AND f.uid = b.blocker)
		-- one that has its copy already (planned while the import goes on:
		-- the setup every family names) holds nothing back
		AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.remote_id = $1 AND o.source_uid = b.blocker
			AND o.state IN ('imported', 'unchanged'))
		UNION ALL
		SELECT $1, sample, source_uid, 2 FROM deferred WHERE sample NOT IN (SELECT sample FROM late)
		ON CONFLICT DO NOTHING`, remoteID, since); err != nil {
			return err
		}
		return q.QueryRow(ctx, `SELECT count(*) FROM replay_blockers WHERE remote_id = $1 AND blocker_uid = sample_uid AND kind = 1`,
			remoteID).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("store: plan early replay of remote %d: %w", remoteID, err)
	}
	return n, nil
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
// together (PlanEarlyReplay), in the order they were created.
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
// (PlanEarlyReplay) instead of holding them for the whole lab's replay.
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
