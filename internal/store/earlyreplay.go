package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The workflow replay of a sample need not wait for the whole lab's
// objects (issue #13): the ID sequences keep an import's objects phase
// long while the lab's threads sit idle, and the replay — most of an
// import's requests — could fill them. A sample goes early once
// everything its replay touches or could be touched by has landed: the
// sample's children (its analyses; its reports, which a verified sample
// no longer takes), what refers to the
// sample or its children (a worksheet that assigns its analyses), and
// what they refer to (the method an analysis' fields name). Samples linked
// to another sample (partitions, invalidated samples and their retests)
// or with deferred references from or to them (a worksheet whose analyses
// are assigned in the deferred pass) go with the whole lab's replay, as
// before.

// PlanEarlyReplay lists, once the import is planned (levels and deferred
// references saved), the samples that may be replayed early and what each
// waits for (table replay_blockers); it returns how many samples may.
func (s *Store) PlanEarlyReplay(ctx context.Context, remoteID int64) (int, error) {
	var n int
	err := s.leaderWrite(ctx, func(q querier) error {
		if _, err := q.Exec(ctx, `DELETE FROM replay_blockers WHERE remote_id = $1`, remoteID); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `
		WITH samples AS (
			SELECT source_uid FROM objects
			WHERE remote_id = $1 AND portal_type = 'AnalysisRequest' AND state IN ('fetched', 'waiting')
		), members AS (
			SELECT source_uid AS sample, source_uid AS member FROM samples
			UNION ALL
			SELECT c.parent_uid, c.source_uid FROM objects c JOIN samples s ON c.parent_uid = s.source_uid
			WHERE c.remote_id = $1
		), refs AS (
			SELECT o.source_uid AS src, split_part(r, ':', 2) AS dst FROM objects o, unnest(o.refs) AS r
			WHERE o.remote_id = $1
		), blocked AS (
			SELECT sample, member AS blocker FROM members WHERE member <> sample
			UNION
			SELECT m.sample, r.src FROM members m JOIN refs r ON r.dst = m.member WHERE r.src <> m.sample
			UNION
			SELECT m.sample, r.dst FROM members m JOIN refs r ON r.src = m.member WHERE r.dst <> m.sample
		), late AS (
			SELECT b.sample FROM blocked b JOIN objects o ON o.remote_id = $1 AND o.source_uid = b.blocker
			WHERE o.portal_type = 'AnalysisRequest'
			UNION
			SELECT m.sample FROM members m JOIN deferred_refs d ON d.remote_id = $1
			AND (d.source_uid = m.member OR d.target_uid = m.member)
			WHERE NOT d.done
		)
		INSERT INTO replay_blockers (remote_id, sample_uid, blocker_uid)
		SELECT $1, source_uid, source_uid FROM samples WHERE source_uid NOT IN (SELECT sample FROM late)
		UNION ALL
		SELECT $1, sample, blocker FROM blocked WHERE sample NOT IN (SELECT sample FROM late)`, remoteID); err != nil {
			return err
		}
		return q.QueryRow(ctx, `SELECT count(*) FROM replay_blockers WHERE remote_id = $1 AND blocker_uid = sample_uid`,
			remoteID).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("store: plan early replay of remote %d: %w", remoteID, err)
	}
	return n, nil
}

// EarlyReplayReady lists up to limit samples whose replay may start now:
// imported, and every object they wait for landed — created, linked,
// skipped or failed; a retest waiting to be made by the replay itself
// does not hold its sample back. except are samples being replayed.
func (s *Store) EarlyReplayReady(ctx context.Context, remoteID int64, except []string, limit int) ([]string, error) {
	if except == nil {
		except = []string{}
	}
	rows, err := s.pool.Query(ctx, `SELECT b.sample_uid FROM replay_blockers b
		JOIN objects s ON s.remote_id = b.remote_id AND s.source_uid = b.sample_uid
		WHERE b.remote_id = $1 AND b.blocker_uid = b.sample_uid AND s.state = 'imported' AND NOT s.merged
		AND NOT (b.sample_uid = ANY($2))
		AND NOT EXISTS (SELECT 1 FROM replay_blockers x
			JOIN objects o ON o.remote_id = x.remote_id AND o.source_uid = x.blocker_uid
			WHERE x.remote_id = b.remote_id AND x.sample_uid = b.sample_uid AND x.blocker_uid <> x.sample_uid
			AND (o.state = 'fetched' OR (o.state = 'waiting' AND o.wait_kind <> 'replay')))
		ORDER BY b.sample_uid LIMIT $3`, remoteID, except, limit)
	if err != nil {
		return nil, fmt.Errorf("store: samples ready for an early replay: %w", err)
	}
	return collectStrings(rows, "samples ready for an early replay")
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

// ReplayGroup is a sample and its children, without their data, with how
// far run's replay took each: the sample first, then its children in the
// order they were created.
func (s *Store) ReplayGroup(ctx context.Context, remoteID int64, run uuid.UUID, sampleUID string) ([]ReplayObject, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+replayCols+` FROM objects
		WHERE remote_id = $1 AND (source_uid = $3 OR parent_uid = $3)
		ORDER BY source_uid = $3 DESC, source_created, source_path, source_uid`, remoteID, run, sampleUID)
	if err != nil {
		return nil, fmt.Errorf("store: replay group of %s: %w", sampleUID, err)
	}
	out, err := pgx.CollectRows(rows, scanReplayObject)
	if err != nil {
		return nil, fmt.Errorf("store: replay group of %s: %w", sampleUID, err)
	}
	if len(out) == 0 || out[0].SourceUID != sampleUID {
		return nil, fmt.Errorf("store: replay group of %s: %w", sampleUID, ErrNotFound)
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
