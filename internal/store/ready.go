package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// What an import may publish now (issue #13). An object goes once its
// container has settled, not once its whole level has: a level whose last
// objects are one long ID sequence (a lab's reports, created one at a time
// so that they keep their ids) no longer holds back the levels above it.
// An object that then meets a reference still to be imported waits for
// that object's arrival (WaitArrival, ParkOn) and is woken when it settles
// (Settled); the levels stay the order in which objects are listed, and
// the plan's guarantee that what an object needs comes first.

// pendingSQL is the condition of an object this import still brings: in
// `fetched`, or waiting for an arrival itself.
const pendingSQL = `(%[1]s.state = 'fetched' OR %[1]s.wait_kind = 'arrival')`

func pending(alias string) string { return fmt.Sprintf(pendingSQL, alias) }

// CurrentLevel is the lowest level that still has objects this import
// brings (in `fetched`, or waiting for an arrival); -1 when none is left
// and the import's objects are through. It reads the state/level index
// only, so the leader asks it on every tick.
func (s *Store) CurrentLevel(ctx context.Context, remoteID int64) (int, error) {
	var level *int32
	if err := s.pool.QueryRow(ctx, `SELECT least(
			(SELECT min(level) FROM objects WHERE remote_id = $1 AND state = 'fetched' AND level IS NOT NULL),
			(SELECT min(level) FROM objects WHERE remote_id = $1 AND state = 'waiting' AND wait_kind = 'arrival' AND level IS NOT NULL))`,
		remoteID).Scan(&level); err != nil {
		return 0, fmt.Errorf("store: current level: %w", err)
	}
	if level == nil {
		return -1, nil
	}
	return int(*level), nil
}

// ReadyPending lists what an import may publish: the head of each ID
// sequence (its lowest object still to bring) when it is in `fetched`, and,
// lowest levels first, at most limit other objects in `fetched`; of both,
// only those whose container is not itself still to bring. A lab of a
// hundred thousand objects is published as those before settle, not
// listed and queued whole; the coordinator lists again every few seconds,
// and the importers publish what each settled object lets go (Settled).
func (s *Store) ReadyPending(ctx context.Context, remoteID int64, limit int) ([]Pending, error) {
	// the heads by a skip scan of the sequence index, one descent per
	// sequence: DISTINCT ON read every object still to bring, a quarter
	// of a second per listing at 50,000 objects and five times that at
	// 250,000, listed every few seconds for the whole import
	rows, err := s.pool.Query(ctx, `WITH RECURSIVE seqs AS (
			(SELECT id_key FROM objects o WHERE remote_id = $1 AND id_key IS NOT NULL AND `+pending("o")+`
				AND level IS NOT NULL ORDER BY id_key LIMIT 1)
			UNION ALL
			SELECT (SELECT o.id_key FROM objects o WHERE o.remote_id = $1 AND o.id_key > s.id_key AND `+pending("o")+`
				AND o.level IS NOT NULL ORDER BY o.id_key LIMIT 1)
			FROM seqs s WHERE s.id_key IS NOT NULL
		)
		SELECT h.source_uid, h.attempts, h.id_key, h.id_seq FROM seqs s CROSS JOIN LATERAL (
			SELECT source_uid, attempts, id_key, id_seq, parent_uid, state
			FROM objects o WHERE o.remote_id = $1 AND o.id_key = s.id_key AND `+pending("o")+` AND o.level IS NOT NULL
			ORDER BY id_seq, source_uid LIMIT 1) h
		WHERE s.id_key IS NOT NULL AND h.state = 'fetched' AND NOT EXISTS (SELECT 1 FROM objects p
			WHERE p.remote_id = $1 AND p.source_uid = h.parent_uid AND `+pending("p")+`)
		UNION ALL
		(SELECT o.source_uid, o.attempts, '', 0 FROM objects o
			WHERE o.remote_id = $1 AND o.state = 'fetched' AND o.level IS NOT NULL AND o.id_key IS NULL
			AND NOT EXISTS (SELECT 1 FROM objects p WHERE p.remote_id = o.remote_id AND p.source_uid = o.parent_uid AND `+pending("p")+`)
			ORDER BY o.level LIMIT $2)`, remoteID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: objects ready to import: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Pending])
	if err != nil {
		return nil, fmt.Errorf("store: objects ready to import: %w", err)
	}
	return out, nil
}

// turnPassedSQL is the condition of an object of an ID sequence whose
// create the destination answered (PassTurn): its id is taken, and the
// next object may go, though its outcome is still being recorded.
const turnPassedSQL = `EXISTS (SELECT 1 FROM create_intents ci
	WHERE ci.remote_id = %[1]s.remote_id AND ci.source_uid = %[1]s.source_uid AND ci.dest_uid IS NOT NULL)`

func turnPassed(alias string) string { return fmt.Sprintf(turnPassedSQL, alias) }

// PassTurn records that the destination answered an object's create with
// destUID: the next object of its ID sequence may go now (SequenceHead,
// ObjectTurn), while this one's outcome — a sample's analyses adopted, its
// copy recorded — is still being written. The intent, and with it this
// record, goes when the outcome is recorded (Imported); an importer
// killed before that finds the copy through it (adopt). It answers the
// sequence's new head as SequenceHead would, in the same round trip: a
// step of an ID chain waits for these two and nothing else of the store
// before its successor's message goes.
func (s *Store) PassTurn(ctx context.Context, remoteID int64, uid, destUID, key string) (next Pending, ok bool, err error) {
	// the update is not visible to the select of the same statement: the
	// object passing its turn is left out by its UID, the only row the
	// update changes the turn of
	return s.headOf(ctx, "pass the turn of "+uid, `WITH passed AS (
			UPDATE create_intents SET dest_uid = $3 WHERE remote_id = $1 AND source_uid = $2)
		`+headSQL("$4", "source_uid <> $2"), remoteID, uid, destUID, key)
}

// SequenceHead is the next object of an ID sequence to create: the
// lowest in the sequence still to bring whose create was not answered
// yet (PassTurn); ok is false when none is left,
// or when the head waits for an arrival (its wake publishes it). The
// importer that settles a sequence's object publishes it.
func (s *Store) SequenceHead(ctx context.Context, remoteID int64, key string) (p Pending, ok bool, err error) {
	return s.headOf(ctx, "head of sequence "+key, headSQL("$2", "true"), remoteID, key)
}

// headSQL selects the head of the ID sequence whose key is the parameter
// key, among the objects also meeting cond: the lowest still to bring
// whose create was not answered, and whether it is fetched (not waiting
// for an arrival).
func headSQL(key, cond string) string {
	return `SELECT source_uid, attempts, id_key, id_seq, state = 'fetched' FROM objects o
		WHERE remote_id = $1 AND id_key = ` + key + ` AND ` + cond + ` AND ` + pending("o") + ` AND NOT ` + turnPassed("o") + `
		ORDER BY id_seq, source_uid LIMIT 1`
}

// headOf reads the head a headSQL query selects; none is no error (ok
// false), and neither is a head that waits for an arrival.
func (s *Store) headOf(ctx context.Context, what, query string, args ...any) (p Pending, ok bool, err error) {
	var fetched bool
	err = s.pool.QueryRow(ctx, query, args...).Scan(&p.SourceUID, &p.Attempts, &p.Sequence, &p.Seq, &fetched)
	if errors.Is(err, pgx.ErrNoRows) {
		return Pending{}, false, nil
	}
	if err != nil {
		return Pending{}, false, fmt.Errorf("store: %s: %w", what, err)
	}
	return p, fetched, nil
}

// ParkOn parks an object on what it cannot be created without (a source
// UID, or a structural container's path), deciding how in one transaction
// with that dependency's row locked, so that its settling cannot slip
// between the decision and the park (a lost wake-up):
//   - the dependency is still to bring (pending): WaitArrival, woken when
//     it settles;
//   - it has settled since the importer looked and retry is set: nothing is
//     recorded and "" is returned: try the object again now;
//   - otherwise (it failed or waits itself, or is no object of the
//     remote): WaitDependency, published again once the import's objects
//     are through.
func (s *Store) ParkOn(ctx context.Context, remoteID int64, uid string, from []ObjState, waitingFor, reason string, retry bool) (WaitKind, error) {
	var kind WaitKind
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var state ObjState
		var isPending bool
		err := tx.QueryRow(ctx, `SELECT state, coalesce(`+pending("o")+`, false) FROM objects o WHERE remote_id = $1 AND source_uid = $2 FOR SHARE`,
			remoteID, waitingFor).Scan(&state, &isPending)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			kind = WaitDependency
		case err != nil:
			return err
		case isPending:
			kind = WaitArrival
		case retry && state.Final():
			kind = ""
			return nil
		default:
			kind = WaitDependency
		}
		tag, err := tx.Exec(ctx, `UPDATE objects SET state = 'waiting', wait_kind = $4, waiting_for = nullif($5, ''),
			reason = nullif($6, ''), attempts = attempts + 1, updated_at = now()
			WHERE remote_id = $1 AND source_uid = $2 AND state = ANY($3)`, remoteID, uid, stateStrings(from), kind, waitingFor, reason)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrStaleState
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("store: park %s on %s: %w", uid, waitingFor, err)
	}
	return kind, nil
}

// Settled is what settled objects let go, to publish: the objects that
// waited for their arrival (put back in `fetched`, under a new message
// id), and their children in `fetched` (at most limit) that are free to go
// — outside an ID sequence, or its head.
func (s *Store) Settled(ctx context.Context, remoteID int64, uids []string, limit int) ([]Pending, error) {
	rows, err := s.pool.Query(ctx, `WITH woken AS (
			UPDATE objects SET state = 'fetched', wait_kind = NULL, waiting_for = NULL, attempts = attempts + 1, updated_at = now()
			WHERE remote_id = $1 AND wait_kind = 'arrival' AND waiting_for = ANY($2)
			RETURNING source_uid, attempts, coalesce(id_key, ''), coalesce(id_seq, 0))
		SELECT * FROM woken
		UNION ALL
		(SELECT c.source_uid, c.attempts, coalesce(c.id_key, ''), coalesce(c.id_seq, 0) FROM objects c
			WHERE c.remote_id = $1 AND c.parent_uid = ANY($2) AND c.state = 'fetched' AND c.level IS NOT NULL
			AND (c.id_key IS NULL OR NOT EXISTS (SELECT 1 FROM objects e WHERE e.remote_id = $1 AND e.id_key = c.id_key
				AND e.id_seq < c.id_seq AND `+pending("e")+`))
			LIMIT $3)`, remoteID, uids, limit)
	if err != nil {
		return nil, fmt.Errorf("store: what %d settled objects let go: %w", len(uids), err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Pending])
	if err != nil {
		return nil, fmt.Errorf("store: what %d settled objects let go: %w", len(uids), err)
	}
	return out, nil
}

// WakeStranded puts back in `fetched` the objects waiting for the arrival
// of an object that is no longer to bring: their wake was lost (the
// importer that settled it stopped before Settled, or the arrival was
// requeued). The coordinator publishes them with its next listing.
func (s *Store) WakeStranded(ctx context.Context, remoteID int64) (int, error) {
	tag, err := s.leaderExec(ctx, `UPDATE objects o SET state = 'fetched', wait_kind = NULL, waiting_for = NULL,
			attempts = attempts + 1, updated_at = now()
		WHERE o.remote_id = $1 AND o.wait_kind = 'arrival'
		AND NOT EXISTS (SELECT 1 FROM objects d WHERE d.remote_id = $1 AND d.source_uid = o.waiting_for AND `+pending("d")+`)`,
		remoteID)
	if err != nil {
		return 0, fmt.Errorf("store: wake stranded objects of remote %d: %w", remoteID, err)
	}
	return int(tag.RowsAffected()), nil
}
