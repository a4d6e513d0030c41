package store

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Fetched is one object as a fetcher stores it.
type Fetched struct {
	SourceUID   string
	PortalType  string
	SourcePath  string
	ParentUID   string
	Created     time.Time
	Modified    time.Time
	ReviewState string
	// Data is the complete item (complete=yes&workflow=yes) as received.
	Data []byte
	// Refs are the object's references as "field:uid" (the import plan
	// needs both to tell required from optional edges).
	Refs []string
}

// UpsertFetched stores a page of fetched objects in one statement. A new
// object, or one whose data changed, is (back in) state `fetched`; an
// unchanged one keeps its state, so a re-fetch of an imported lab does not
// import it again; a gone one that is listed again is back. Idempotent: a redelivered page changes nothing.
// It returns how many rows were new or changed.
func (s *Store) UpsertFetched(ctx context.Context, remoteID int64, runID uuid.UUID, objs []Fetched) (int, error) {
	n := len(objs)
	if n == 0 {
		return 0, nil
	}
	uids := make([]string, n)
	types := make([]string, n)
	paths := make([]string, n)
	parents := make([]string, n)
	created := make([]time.Time, n)
	modified := make([]time.Time, n)
	states := make([]string, n)
	data := make([]string, n)
	hashes := make([][]byte, n)
	refs := make([]string, n)
	for i, o := range objs {
		uids[i], types[i], paths[i], parents[i] = o.SourceUID, o.PortalType, o.SourcePath, o.ParentUID
		created[i], modified[i], states[i] = o.Created, o.Modified, o.ReviewState
		data[i] = string(o.Data)
		h := sha256.Sum256(o.Data)
		hashes[i] = h[:]
		refs[i] = joinRefs(o.Refs)
	}
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO objects (remote_id, source_uid, portal_type, source_path, parent_uid, source_created,
			source_modified, review_state, data, data_hash, refs, state, run_id)
		SELECT $1, u, t, p, nullif(par, ''), c, m, nullif(st, ''), d::jsonb, h,
			CASE WHEN r = '' THEN '{}'::text[] ELSE string_to_array(r, ',') END, 'fetched', $2
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[],
			$9::text[], $10::text[], $11::bytea[], $12::text[]) AS x(u, t, p, par, c, m, st, d, h, r)
		ON CONFLICT (remote_id, source_uid) DO UPDATE SET
			portal_type = excluded.portal_type, source_path = excluded.source_path, parent_uid = excluded.parent_uid,
			source_created = excluded.source_created, source_modified = excluded.source_modified,
			review_state = excluded.review_state, data = excluded.data, data_hash = excluded.data_hash,
			refs = excluded.refs, run_id = excluded.run_id, updated_at = now(),
			state = 'fetched', reason = NULL, written = NULL, wait_kind = NULL, waiting_for = NULL
		WHERE objects.data_hash <> excluded.data_hash OR objects.state = 'gone'`,
		remoteID, runID, uids, types, paths, parents, created, modified, states, data, hashes, refs)
	if err != nil {
		return 0, fmt.Errorf("store: upsert %d objects: %w", n, err)
	}
	return int(tag.RowsAffected()), nil
}

func joinRefs(refs []string) string {
	out := make([]byte, 0, len(refs)*33)
	for i, r := range refs {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, r...)
	}
	return string(out)
}

// CountObjects counts a remote's stored objects per portal type: the
// "fetched data" table of the seed, visible before any import.
func (s *Store) CountObjects(ctx context.Context, remoteID int64) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT portal_type, count(*) FROM objects WHERE remote_id = $1 GROUP BY portal_type`, remoteID)
	if err != nil {
		return nil, fmt.Errorf("store: count objects: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, fmt.Errorf("store: count objects: %w", err)
		}
		out[t] = n
	}
	return out, rows.Err()
}

// MissingParents lists parent UIDs that objects of a remote point at but
// that were not fetched (outside the filters): the fetcher reads them by
// UID, as the seed does. Structural parents are filtered by the caller.
// Objects the import will leave out (leftOut) bring in nothing.
func (s *Store) MissingParents(ctx context.Context, rm Remote) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT o.parent_uid FROM objects o
		WHERE o.remote_id = $1 AND o.parent_uid IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM objects p WHERE p.remote_id = o.remote_id AND p.source_uid = o.parent_uid)
		AND NOT `+leftOut+`
		ORDER BY 1`, leftOutArgs(rm)...)
	if err != nil {
		return nil, fmt.Errorf("store: missing parents: %w", err)
	}
	return collectStrings(rows, "missing parents")
}

// leftOut is true of an object o whose container and references the
// import of remote $1 does not need: one it leaves out whatever happens
// (skipped, or of an update-only type ($2) with no copy on the
// destination ($4; the source is $3) and no id under the local prefix
// ($5) that could name one), and one read only as a container or a
// reference target — of a type the remote does not sync ($6 the synced
// types, empty for all; $7 the skipped ones) — whose copy is there
// already, which the import leaves as it is. Fetching what those point at
// would bring it — another lab's client, its batches, its lab contacts —
// to a lab that never had it.
const leftOut = `(o.state = 'skipped'
		OR o.portal_type = ANY($2::text[]) AND NOT EXISTS (SELECT 1 FROM replicas sr JOIN replicas dr
				ON dr.identity_id = sr.identity_id AND dr.instance_id = $4
			WHERE sr.instance_id = $3 AND sr.uid = o.source_uid)
			AND NOT ($5 <> '' AND starts_with(regexp_replace(o.source_path, '^.*/', ''), $5))
		OR (NOT (cardinality($6::text[]) = 0 OR o.portal_type = ANY($6::text[])) OR o.portal_type = ANY($7::text[]))
			AND EXISTS (SELECT 1 FROM replicas sr JOIN replicas dr ON dr.identity_id = sr.identity_id AND dr.instance_id = $4
			WHERE sr.instance_id = $3 AND sr.uid = o.source_uid))`

func leftOutArgs(rm Remote) []any {
	orEmpty := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	return []any{rm.ID, orEmpty(rm.Options.UpdateOnlyTypes), rm.SourceID, rm.DestinationID, rm.Options.LocalPrefix,
		orEmpty(rm.Options.FetchedTypes()), orEmpty(rm.Options.SkipTypes)}
}

// collectStrings reads a one-column text result.
func collectStrings(rows pgx.Rows, what string) ([]string, error) {
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}

// Stored is an object as the importer reads it.
type Stored struct {
	SourceUID  string
	PortalType string
	SourcePath string
	ParentUID  string
	State      ObjState
	DestUID    string
	// Modified is the source's modification time of the version stored
	// (nil when the source did not say).
	Modified *time.Time
	// Written is "updated" when an update wrote changed fields to the
	// existing copy in this object's last import.
	Written string
	// Sequence and Seq place the object in the destination's ID numbering
	// (SetLevels); "" when it is in none.
	Sequence string
	Seq      int
	// Merged: linked by its natural key to an object the destination held
	// (MarkMerged); that object keeps its own values, so nothing of this
	// one is written there.
	Merged bool
	Data   []byte
}

// storedHeads are Stored's columns but its data; storedColumns all of
// them, and storedWithoutData all of them with a null for the data, in
// scanStored's order.
const (
	storedHeads = `source_uid, portal_type, source_path, coalesce(parent_uid, ''), state, coalesce(dest_uid, ''),
		source_modified, coalesce(written, ''), coalesce(id_key, ''), coalesce(id_seq, 0), merged`
	storedColumns     = storedHeads + `, data`
	storedWithoutData = storedHeads + `, NULL::jsonb`
)

func scanStored(row pgx.Row) (Stored, error) {
	var o Stored
	err := row.Scan(&o.SourceUID, &o.PortalType, &o.SourcePath, &o.ParentUID, &o.State, &o.DestUID, &o.Modified,
		&o.Written, &o.Sequence, &o.Seq, &o.Merged, &o.Data)
	return o, err
}

func collectStored(rows pgx.Rows) ([]Stored, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Stored, error) { return scanStored(r) })
}

// Object reads one stored object.
func (s *Store) Object(ctx context.Context, remoteID int64, uid string) (Stored, error) {
	return s.object(ctx, remoteID, uid, storedColumns)
}

// FirstOfType reads a remote's first stored object of a type (by path):
// a singleton's data (the source's bika_setup, whose ID formats the
// import plan reads).
func (s *Store) FirstOfType(ctx context.Context, remoteID int64, portalType string) (Stored, bool, error) {
	o, err := scanStored(s.pool.QueryRow(ctx, `SELECT `+storedColumns+` FROM objects
		WHERE remote_id = $1 AND portal_type = $2 ORDER BY source_path LIMIT 1`, remoteID, portalType))
	if errors.Is(err, pgx.ErrNoRows) {
		return Stored{}, false, nil
	}
	if err != nil {
		return Stored{}, false, fmt.Errorf("store: first %s: %w", portalType, err)
	}
	return o, true, nil
}

// ObjectHead reads one stored object without its fetched data: what an
// import asks of a container (its state, type, copy) for every object it
// imports, where the container's data would cost a detoast and a transfer.
func (s *Store) ObjectHead(ctx context.Context, remoteID int64, uid string) (Stored, error) {
	return s.object(ctx, remoteID, uid, storedWithoutData)
}

func (s *Store) object(ctx context.Context, remoteID int64, uid, columns string) (Stored, error) {
	o, err := scanStored(s.pool.QueryRow(ctx, `SELECT `+columns+` FROM objects
		WHERE remote_id = $1 AND source_uid = $2`, remoteID, uid))
	if err != nil {
		return Stored{}, fmt.Errorf("store: object %s: %w", uid, notFound(err))
	}
	return o, nil
}

// Partial is a stored object with a few top-level fields of its data.
type Partial struct {
	SourceUID string
	State     ObjState
	Fields    map[string]json.RawMessage
}

// ChildFields reads the given top-level fields of a container's children
// of one type, not their whole data: a sample's analyses are read for
// every sample imported, and only their keyword, service and retest
// reference matter there. Fields a child lacks (or holds null) are absent
// from its map. Each field is one extraction in the select list — an
// aggregate over the names detoasted every object's data once per name.
func (s *Store) ChildFields(ctx context.Context, remoteID int64, parentUID, portalType string, fields []string) ([]Partial, error) {
	args := []any{remoteID, parentUID, portalType}
	pairs := make([]string, len(fields))
	for i, f := range fields {
		args = append(args, f)
		pairs[i] = fmt.Sprintf("$%d::text, o.data -> $%d::text", len(args), len(args))
	}
	rows, err := s.pool.Query(ctx, `SELECT source_uid, state, jsonb_strip_nulls(jsonb_build_object(`+strings.Join(pairs, ", ")+`))
		FROM objects o WHERE remote_id = $1 AND parent_uid = $2 AND portal_type = $3 ORDER BY source_path`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s children of %s: %w", portalType, parentUID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Partial, error) {
		var p Partial
		var raw []byte
		if err := r.Scan(&p.SourceUID, &p.State, &raw); err != nil {
			return p, err
		}
		return p, json.Unmarshal(raw, &p.Fields)
	})
	if err != nil {
		return nil, fmt.Errorf("store: %s children of %s: %w", portalType, parentUID, err)
	}
	return out, nil
}

// ObjectsByUID reads several objects with their data in one query; UIDs
// the remote does not have are absent from the result.
func (s *Store) ObjectsByUID(ctx context.Context, remoteID int64, uids []string) ([]Stored, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+storedColumns+` FROM objects WHERE remote_id = $1 AND source_uid = ANY($2)`,
		remoteID, uids)
	if err != nil {
		return nil, fmt.Errorf("store: %d objects: %w", len(uids), err)
	}
	out, err := collectStored(rows)
	if err != nil {
		return nil, fmt.Errorf("store: %d objects: %w", len(uids), err)
	}
	return out, nil
}

// WaitingReferrers maps, for a remote's waiting objects, each of their
// references through one of fields ("RetestOf:<target uid>") to the
// waiting object's UID: how the workflow replay finds the source's retest
// of an analysis (RetestOf) or of a sample (Invalidated) when a transition
// made its counterpart on the destination. One query a replay round, on
// the stored references, never the objects' data.
func (s *Store) WaitingReferrers(ctx context.Context, remoteID int64, fields []string) (map[string]string, error) {
	prefixes := make([]string, len(fields))
	for i, f := range fields {
		prefixes[i] = f + ":%"
	}
	rows, err := s.pool.Query(ctx, `SELECT r, source_uid FROM objects o, unnest(o.refs) AS r
		WHERE o.remote_id = $1 AND o.state = 'waiting' AND r LIKE ANY($2)
		ORDER BY o.source_created DESC`, remoteID, prefixes)
	if err != nil {
		return nil, fmt.Errorf("store: waiting referrers: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var ref, uid string
		if err := rows.Scan(&ref, &uid); err != nil {
			return nil, fmt.Errorf("store: waiting referrers: %w", err)
		}
		out[ref] = uid // the earliest created wins
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: waiting referrers: %w", err)
	}
	return out, nil
}

// MarkRetests1x gives the retests of a Bika-era (1.x) source the RetestOf
// reference SENAITE 2 has: 1.x marked the original (Retested) and left the
// retest unlinked, a later analysis of the same keyword in the same
// sample. The latest earlier one is the original, so that the workflow
// replay adopts the retest its retraction makes at the destination.
// Idempotent (an analysis with RetestOf is left alone).
func (s *Store) MarkRetests1x(ctx context.Context, remoteID int64) (int, error) {
	tag, err := s.pool.Exec(ctx, `WITH pairs AS (
			SELECT o.source_uid, (SELECT p.source_uid FROM objects p WHERE p.remote_id = o.remote_id
				AND p.parent_uid = o.parent_uid AND p.portal_type = o.portal_type
				AND p.data->>'Keyword' = o.data->>'Keyword' AND p.source_created < o.source_created
				ORDER BY p.source_created DESC LIMIT 1) AS orig
			FROM objects o WHERE o.remote_id = $1 AND o.portal_type = 'Analysis' AND NOT o.data ? 'RetestOf')
		UPDATE objects o SET data = jsonb_set(o.data, '{RetestOf}', jsonb_build_object('uid', pairs.orig)),
			refs = array_append(o.refs, 'RetestOf:' || pairs.orig)
		FROM pairs WHERE o.remote_id = $1 AND o.source_uid = pairs.source_uid AND pairs.orig IS NOT NULL`, remoteID)
	if err != nil {
		return 0, fmt.Errorf("store: 1.x retests of remote %d: %w", remoteID, err)
	}
	return int(tag.RowsAffected()), nil
}

// MarkObject moves an object from one of the states in from to state
// (compare-and-set), with a reason for skipped/failed/state-mismatch and
// the destination UID when known.
func (s *Store) MarkObject(ctx context.Context, remoteID int64, uid string, from []ObjState, state ObjState, reason, destUID string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE objects SET state = $4, reason = nullif($5, ''),
		dest_uid = coalesce(nullif($6, ''), dest_uid), attempts = attempts + 1, updated_at = now(),
		wait_kind = NULL, waiting_for = NULL
		WHERE remote_id = $1 AND source_uid = $2 AND state = ANY($3)`, remoteID, uid, stateStrings(from), state, reason, destUID)
	if err != nil {
		return fmt.Errorf("store: mark %s %s: %w", uid, state, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: mark %s %s: %w", uid, state, ErrStaleState)
	}
	return nil
}

// ObjectsForPlan lists a remote's objects with their parents and
// references, in plan order: the import plan's input held in memory, for
// tests (importer.PlanNodes); a whole lab's plan streams PlanGraph.
func (s *Store) ObjectsForPlan(ctx context.Context, remoteID int64) ([]Stored, [][]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT source_uid, portal_type, source_path, coalesce(parent_uid, ''), state,
		coalesce(dest_uid, ''), refs FROM objects WHERE remote_id = $1 ORDER BY source_path, source_uid`, remoteID)
	if err != nil {
		return nil, nil, fmt.Errorf("store: objects for plan: %w", err)
	}
	defer rows.Close()
	var objs []Stored
	var refs [][]string
	for rows.Next() {
		var o Stored
		var r []string
		if err := rows.Scan(&o.SourceUID, &o.PortalType, &o.SourcePath, &o.ParentUID, &o.State, &o.DestUID, &r); err != nil {
			return nil, nil, fmt.Errorf("store: objects for plan: %w", err)
		}
		objs = append(objs, o)
		refs = append(refs, r)
	}
	return objs, refs, rows.Err()
}

// Pending is an object waiting to be imported; Attempts changes every
// time it is parked, so that its next message gets a new id (a re-publish
// with the old id would be dropped as a duplicate).
type Pending struct {
	SourceUID string
	Attempts  int
	// Sequence is the object's ID sequence ("" for none) and its place in it.
	Sequence string
	Seq      int
}

// ObjectTurn reads one stored object, as Object does, and whether an
// earlier object of its ID sequence is still to create (in `fetched`
// without an answered create, PassTurn, or waiting for an arrival: it
// keeps its turn): then it is not this one's. One round trip for both:
// the import asks it of every object.
func (s *Store) ObjectTurn(ctx context.Context, remoteID int64, uid string) (o Stored, earlier bool, err error) {
	row := s.pool.QueryRow(ctx, `SELECT `+storedColumns+`, o.id_key IS NOT NULL AND EXISTS (SELECT 1 FROM objects e
			WHERE e.remote_id = o.remote_id AND e.id_key = o.id_key AND e.id_seq < o.id_seq AND (e.state = 'fetched' OR e.wait_kind = 'arrival')
			AND NOT `+turnPassed("e")+`)
		FROM objects o WHERE o.remote_id = $1 AND o.source_uid = $2`, remoteID, uid)
	err = row.Scan(&o.SourceUID, &o.PortalType, &o.SourcePath, &o.ParentUID, &o.State, &o.DestUID, &o.Modified,
		&o.Written, &o.Sequence, &o.Seq, &o.Merged, &o.Data, &earlier)
	if err != nil {
		return Stored{}, false, fmt.Errorf("store: object %s: %w", uid, notFound(err))
	}
	return o, earlier, nil
}

// Bump changes an object's attempts, so that the next message for it
// gets a new id (a re-publish under the old one would be dropped by the
// stream as a duplicate).
func (s *Store) Bump(ctx context.Context, remoteID int64, uid string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE objects SET attempts = attempts + 1 WHERE remote_id = $1 AND source_uid = $2`,
		remoteID, uid); err != nil {
		return fmt.Errorf("store: bump %s: %w", uid, err)
	}
	return nil
}

// StateCounts counts a remote's objects per type and state: a run's
// counters and its outcome.
func (s *Store) StateCounts(ctx context.Context, remoteID int64) (map[string]map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT portal_type, state, count(*) FROM objects WHERE remote_id = $1 GROUP BY 1, 2`, remoteID)
	if err != nil {
		return nil, fmt.Errorf("store: state counts: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var pt, st string
		var n int
		if err := rows.Scan(&pt, &st, &n); err != nil {
			return nil, fmt.Errorf("store: state counts: %w", err)
		}
		if out[pt] == nil {
			out[pt] = map[string]int{}
		}
		out[pt][st] = n
	}
	return out, rows.Err()
}

// Park puts an object in `waiting` with what it waits for (WaitKind, and
// for a dependency the source UID or path of what has no copy yet), from
// one of the states it is expected in. A parked object costs no delivery:
// the import publishes it again once the levels are through.
func (s *Store) Park(ctx context.Context, remoteID int64, uid string, from []ObjState, kind WaitKind, waitingFor, reason string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE objects SET state = 'waiting', wait_kind = $4, waiting_for = nullif($5, ''),
		reason = nullif($6, ''), attempts = attempts + 1, updated_at = now()
		WHERE remote_id = $1 AND source_uid = $2 AND state = ANY($3)`, remoteID, uid, stateStrings(from), kind, waitingFor, reason)
	if err != nil {
		return fmt.Errorf("store: park %s on %s %s: %w", uid, kind, waitingFor, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: park %s on %s %s: %w", uid, kind, waitingFor, ErrStaleState)
	}
	return nil
}

// stateStrings is states as a text[] argument.
func stateStrings(states []ObjState) []string {
	out := make([]string, len(states))
	for i, st := range states {
		out[i] = string(st)
	}
	return out
}

// RequeueWaiting puts objects parked on a missing dependency back in
// `fetched` so the import tries them again, each at most maxRequeues times
// a run (objects.requeued, not the attempts that waits for an arrival
// raise too): their dependency may have landed since. Objects waiting for
// the replay (retests) are left alone. It returns how many were requeued.
func (s *Store) RequeueWaiting(ctx context.Context, remoteID int64, maxRequeues int) (int, error) {
	tag, err := s.leaderExec(ctx, `UPDATE objects SET state = 'fetched', wait_kind = NULL, waiting_for = NULL,
			requeued = requeued + 1, updated_at = now()
		WHERE remote_id = $1 AND state = 'waiting' AND wait_kind = 'dependency' AND requeued < $2`,
		remoteID, maxRequeues)
	if err != nil {
		return 0, fmt.Errorf("store: requeue waiting: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// SkipWaitingOnSkipped skips the parked objects whose awaited dependency
// (waiting_for) or container this remote skipped meanwhile: they were
// parked before the target was settled, and can never be imported without
// it (ARCHITECTURE.md §1, skipped).
func (s *Store) SkipWaitingOnSkipped(ctx context.Context, remoteID int64) (int, error) {
	tag, err := s.leaderExec(ctx, `UPDATE objects o SET state = 'skipped', updated_at = now(),
		wait_kind = NULL, waiting_for = NULL,
		reason = 'what it requires was skipped by this remote: ' || coalesce(o.reason, o.waiting_for)
		WHERE o.remote_id = $1 AND o.state = 'waiting' AND o.wait_kind = 'dependency'
		AND (EXISTS (SELECT 1 FROM objects t WHERE t.remote_id = o.remote_id AND t.source_uid = o.waiting_for
			AND t.state = 'skipped')
		OR EXISTS (SELECT 1 FROM objects p WHERE p.remote_id = o.remote_id AND p.source_uid = o.parent_uid
			AND p.state = 'skipped'))`, remoteID)
	if err != nil {
		return 0, fmt.Errorf("store: skip waiting objects of remote %d: %w", remoteID, err)
	}
	return int(tag.RowsAffected()), nil
}

// FailWaiting fails the objects still parked at the end of an import,
// keeping what they waited for in the reason.
func (s *Store) FailWaiting(ctx context.Context, remoteID int64) (int64, error) {
	tag, err := s.leaderExec(ctx, `UPDATE objects SET state = 'failed',
		reason = 'its dependency was never imported: ' || coalesce(reason, waiting_for, '?'), updated_at = now(),
		wait_kind = NULL, waiting_for = NULL
		WHERE remote_id = $1 AND state = 'waiting'`, remoteID)
	if err != nil {
		return 0, fmt.Errorf("store: fail waiting objects of remote %d: %w", remoteID, err)
	}
	return tag.RowsAffected(), nil
}

// NoteObject records a remark on an object without changing its state:
// what an import had to rebuild or leave out.
func (s *Store) NoteObject(ctx context.Context, remoteID int64, uid, note string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE objects SET reason = $3, updated_at = now()
		WHERE remote_id = $1 AND source_uid = $2`, remoteID, uid, note); err != nil {
		return fmt.Errorf("store: note object %s: %w", uid, err)
	}
	return nil
}

// Position is where an object stands: its state and, parked, on what.
type Position struct {
	State ObjState
	Wait  WaitKind
	// Merged: linked to the destination object that holds its natural
	// key (MarkMerged), not created.
	Merged bool
	// DestUID is its copy on the destination, where it has one.
	DestUID string
}

// Landed tells whether an object in this position has its copy on the
// destination: imported, or found unchanged there.
func (p Position) Landed() bool {
	return (p.State == ObjImported || p.State == ObjUnchanged) && p.DestUID != ""
}

// AwaitsImport tells whether an object in this position is still to be
// imported by the levels (fetched, or parked on a dependency); one the
// workflow replay makes is not: the destination creates it itself.
func (p Position) AwaitsImport() bool {
	return p.State == ObjFetched || p.State == ObjWaiting && p.Wait != WaitReplay
}

// ObjectStates returns the position of the given source objects of a
// remote; UIDs that were never fetched are absent.
func (s *Store) ObjectStates(ctx context.Context, remoteID int64, uids []string) (map[string]Position, error) {
	rows, err := s.pool.Query(ctx, `SELECT source_uid, state, coalesce(wait_kind, ''), merged, coalesce(dest_uid, '')
		FROM objects WHERE remote_id = $1 AND source_uid = ANY($2)`, remoteID, uids)
	if err != nil {
		return nil, fmt.Errorf("store: object states: %w", err)
	}
	defer rows.Close()
	out := make(map[string]Position, len(uids))
	for rows.Next() {
		var u string
		var p Position
		if err := rows.Scan(&u, &p.State, &p.Wait, &p.Merged, &p.DestUID); err != nil {
			return nil, fmt.Errorf("store: object states: %w", err)
		}
		out[u] = p
	}
	return out, rows.Err()
}

// Excluded counts which of uids this remote leaves out: skipped, or of
// one of updateOnly types without a copy on the destination (which an
// update-only type never creates there) — whether or not the import has
// reached them yet.
func (s *Store) Excluded(ctx context.Context, rm Remote, updateOnly []string, uids []string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM objects o WHERE o.remote_id = $1 AND o.source_uid = ANY($2)
		AND (o.state = 'skipped' OR o.portal_type = ANY($3) AND NOT EXISTS (SELECT 1 FROM replicas sr
			JOIN replicas dr ON dr.identity_id = sr.identity_id AND dr.instance_id = $5
			WHERE sr.instance_id = $4 AND sr.uid = o.source_uid))`,
		rm.ID, uids, updateOnly, rm.SourceID, rm.DestinationID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: excluded of %d objects: %w", len(uids), err)
	}
	return n, nil
}

// AnyImported returns one imported object of a type (its destination UID
// and source path), the oldest first: a stand-in for a reference the
// source does not show.
func (s *Store) AnyImported(ctx context.Context, remoteID int64, portalType string) (destUID, sourcePath string, ok bool, err error) {
	err = s.pool.QueryRow(ctx, `SELECT dest_uid, source_path FROM objects WHERE remote_id = $1 AND portal_type = $2
		AND state = 'imported' AND dest_uid IS NOT NULL ORDER BY source_created, source_path LIMIT 1`,
		remoteID, portalType).Scan(&destUID, &sourcePath)
	if err == pgx.ErrNoRows {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("store: an imported %s: %w", portalType, err)
	}
	return destUID, sourcePath, true, nil
}

// MissingReferenced lists UIDs that fetched objects refer to but that were
// not fetched (a type the filters left out, an object outside every
// catalog listing): the fetch reads them by UID so that the import can
// create them on demand.
func (s *Store) MissingReferenced(ctx context.Context, rm Remote) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT split_part(r, ':', 2) AS uid FROM objects o, unnest(o.refs) AS r
		WHERE o.remote_id = $1 AND r NOT LIKE '~%' AND NOT EXISTS (SELECT 1 FROM objects t
			WHERE t.remote_id = o.remote_id AND t.source_uid = split_part(r, ':', 2))
		AND NOT `+leftOut+`
		ORDER BY 1`, leftOutArgs(rm)...)
	if err != nil {
		return nil, fmt.Errorf("store: missing referenced objects: %w", err)
	}
	return collectStrings(rows, "missing referenced objects")
}

// ReplayObject is an object as the workflow replay lists it: without its
// fetched data, and how far the run's replay took it (0 for not at all).
type ReplayObject struct {
	Stored
	Mark ReplayMark
}

// ReplayWalk says which objects ReplayBatches lists, and how.
type ReplayWalk struct {
	// Run is the replay's run: its marks are read (ReplayObject.Mark).
	Run uuid.UUID
	// Scope, when set, keeps the objects a run (an update) stored.
	Scope *uuid.UUID
	State ObjState
	// Types are the portal types listed; with Except, every other type.
	Types  []string
	Except bool
	// ByContainer lists objects container by container, each container's
	// in the order they were created, and never splits a container
	// between batches; otherwise they come in UID order.
	ByContainer bool
	// Batch is how many objects a batch holds (a container with more
	// makes a batch of its own).
	Batch int
}

// ReplayBatches calls fn with the objects w names, a batch at a time: a
// walk over a whole lab (the workflow replay) holds a batch, not the lab
// (issue #13). Each batch is a query of its own, resuming after the last
// key (UID, or container) of the one before; objects that move into the
// walk meanwhile are listed when their key comes (the replay is made to
// be run again: it starts from the destination's states).
func (s *Store) ReplayBatches(ctx context.Context, remoteID int64, w ReplayWalk, fn func([]ReplayObject) error) error {
	types := w.Types
	if types == nil {
		types = []string{}
	}
	size := max(w.Batch, 1)
	const cols = replayCols
	const where = `remote_id = $1 AND state = $3 AND (portal_type = ANY($4)) <> $5 AND ($6::uuid IS NULL OR run_id = $6)`
	args := []any{remoteID, w.Run, w.State, types, w.Except, w.Scope}
	query := func(what, sql string, more ...any) ([]ReplayObject, error) {
		rows, err := s.pool.Query(ctx, sql, append(args, more...)...)
		if err != nil {
			return nil, fmt.Errorf("store: replay batch %s: %w", what, err)
		}
		out, err := pgx.CollectRows(rows, scanReplayObject)
		if err != nil {
			return nil, fmt.Errorf("store: replay batch %s: %w", what, err)
		}
		return out, nil
	}
	if !w.ByContainer {
		for after := ""; ; {
			batch, err := query("by UID", `SELECT `+cols+` FROM objects WHERE `+where+` AND source_uid > $7
				ORDER BY source_uid LIMIT $8`, after, size)
			if err != nil {
				return err
			}
			if len(batch) > 0 {
				if err := fn(batch); err != nil {
					return err
				}
				after = batch[len(batch)-1].SourceUID
			}
			if len(batch) < size {
				return nil
			}
		}
	}
	// objects in no container first, as one
	batch, err := query("without container", `SELECT `+cols+` FROM objects WHERE `+where+` AND parent_uid IS NULL
		ORDER BY source_created, source_path, source_uid`)
	if err != nil {
		return err
	}
	if len(batch) > 0 {
		if err := fn(batch); err != nil {
			return err
		}
	}
	for after := ""; ; {
		batch, err := query("by container", `SELECT `+cols+` FROM objects WHERE `+where+` AND parent_uid > $7
			ORDER BY parent_uid, source_created, source_path, source_uid LIMIT $8`, after, size+1)
		if err != nil {
			return err
		}
		last := len(batch) <= size
		if !last {
			// the last container may go on past the limit: it comes whole
			// in the next batch, or alone when it fills one by itself
			end := batch[len(batch)-1].ParentUID
			keep := len(batch)
			for keep > 0 && batch[keep-1].ParentUID == end {
				keep--
			}
			if keep > 0 {
				batch = batch[:keep]
			} else if batch, err = query("of a container", `SELECT `+cols+` FROM objects WHERE `+where+` AND parent_uid = $7
				ORDER BY source_created, source_path, source_uid`, end); err != nil {
				return err
			}
		}
		if len(batch) > 0 {
			if err := fn(batch); err != nil {
				return err
			}
			after = batch[len(batch)-1].ParentUID
		}
		if last {
			return nil
		}
	}
}

// CountInState counts a remote's objects in a state (a run's, when scope
// is set): whether a replay round moved anything.
func (s *Store) CountInState(ctx context.Context, remoteID int64, state ObjState, scope *uuid.UUID) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM objects WHERE remote_id = $1 AND state = $2
		AND ($3::uuid IS NULL OR run_id = $3)`, remoteID, state, scope).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: objects %s: %w", state, err)
	}
	return n, nil
}

// StateTally is how many of a remote's objects are in a state.
type StateTally struct {
	Remote  string
	State   ObjState
	Objects int
}

// StateTallies counts every remote's objects by state (one pass over the
// objects table: the metrics endpoint's most expensive question).
func (s *Store) StateTallies(ctx context.Context) ([]StateTally, error) {
	rows, err := s.pool.Query(ctx, `SELECT m.name, o.state, count(*) FROM objects o JOIN remotes m ON m.id = o.remote_id
		GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("store: state tallies: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (StateTally, error) {
		var t StateTally
		err := r.Scan(&t.Remote, &t.State, &t.Objects)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: state tallies: %w", err)
	}
	return out, nil
}

// ReplayMark is how far a run's workflow replay took an object; a pass of
// the same run started again skips what an earlier one did.
type ReplayMark int16

const (
	// ReplayFields: an analysis' own fields are written.
	ReplayFields ReplayMark = 1
	// ReplayFirstPart: a sample is replayed up to what its analyses cause.
	ReplayFirstPart ReplayMark = 2
	// ReplaySettled: the object reached the source's state (or a recorded
	// mismatch).
	ReplaySettled ReplayMark = 3
)

// CountReplayed counts the objects a run's replay marked: what an
// earlier pass of the run did.
func (s *Store) CountReplayed(ctx context.Context, remoteID int64, runID uuid.UUID) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM objects WHERE remote_id = $1 AND replayed_run = $2`,
		remoteID, runID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: replayed objects of run %s: %w", runID, err)
	}
	return n, nil
}

// MarkReplayed records that a run's replay took these objects as far as
// mark (a leader-only write, fenced); a mark never goes back within a run.
func (s *Store) MarkReplayed(ctx context.Context, remoteID int64, runID uuid.UUID, uids []string, mark ReplayMark) error {
	if len(uids) == 0 {
		return nil
	}
	if _, err := s.leaderExec(ctx, `UPDATE objects SET
		replay_mark = CASE WHEN replayed_run = $2 THEN greatest(replay_mark, $4) ELSE $4 END,
		replayed_run = $2
		WHERE remote_id = $1 AND source_uid = ANY($3)`,
		remoteID, runID, uids, mark); err != nil {
		return fmt.Errorf("store: mark %d objects replayed: %w", len(uids), err)
	}
	return nil
}
