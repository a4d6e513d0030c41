package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// PlanObject is one object as the import plan reads it: no data, and of
// its references only those an ID sequence depends on.
type PlanObject struct {
	SourceUID, PortalType, SourcePath, ParentUID string
	State                                        ObjState
	// ParentType is the container's portal type when the remote holds the
	// container, "" otherwise.
	ParentType string
	// Refs are those of its references the plan reads by name
	// ("field:uid"): the ones its ID sequence depends on
	// (ParentAnalysisRequest, PrimaryAnalysisRequest, Invalidated), and
	// stand-ins ("~field:portal type": a reference senaite.jsonapi
	// withholds, which the first object of that type stands in for).
	Refs []string
}

// PlanEdgeKind says what makes one object wait for another.
type PlanEdgeKind int32

const (
	// PlanContainment: the object's container.
	PlanContainment PlanEdgeKind = 0
	// PlanReference: a reference field of the object (the content model
	// says whether the lab requires it at creation).
	PlanReference PlanEdgeKind = 1
	// PlanSampleService: a sample is created with its analyses' services;
	// required.
	PlanSampleService PlanEdgeKind = 3
)

// PlanReader receives what PlanGraph reads.
type PlanReader struct {
	// Size, when set, is told first how many objects there are and how
	// many references they hold (at most that many reference edges, plus
	// one containment edge and one sample's service an object or so).
	Size func(objects, references int)
	// Object is called with each object in plan order: the i-th call is
	// object number i.
	Object func(PlanObject) error
	// Edge is called with each dependency, by the number of the object
	// that waits; field is valid only during the call.
	Edge func(from, to int32, field []byte, kind PlanEdgeKind) error
}

// PlanGraph streams a remote's objects and their dependencies to the
// import plan, so that the plan holds numbers, not the lab's strings
// (issue #13). Objects come first, numbered from 0 in plan order (path,
// then UID), then the dependencies between them by the number of the
// object that waits: containment, reference fields (a sample's Analyses
// excepted: its analyses are its children, made by the destination), and
// a sample's analyses' services; stand-ins are the caller's (PlanObject.
// Refs). References to objects the remote does not hold are left out.
// Both reads see one snapshot: the numbers agree. It returns how many
// objects and edges it read.
func (s *Store) PlanGraph(ctx context.Context, remoteID int64, r PlanReader) (objects, edges int, err error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, 0, fmt.Errorf("store: plan graph of remote %d: %w", remoteID, err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	// the dependencies are joined by UID twice over a numbering PostgreSQL
	// cannot know is unique: its estimate runs to trillions of rows and it
	// sorts everything to disk for merge joins (17 s for 270,000 objects);
	// hash joins with room for the numbering take 5 s, and compiling the
	// query (JIT) costs more than it saves
	if _, err := tx.Exec(ctx, `SET LOCAL enable_mergejoin = off; SET LOCAL work_mem = '64MB'; SET LOCAL jit = off`); err != nil {
		return 0, 0, fmt.Errorf("store: plan graph of remote %d: %w", remoteID, err)
	}
	if r.Size != nil {
		var n, refs int
		if err := tx.QueryRow(ctx, `SELECT count(*), coalesce(sum(cardinality(refs)), 0) FROM objects WHERE remote_id = $1`,
			remoteID).Scan(&n, &refs); err != nil {
			return 0, 0, fmt.Errorf("store: plan size of remote %d: %w", remoteID, err)
		}
		r.Size(n, refs)
	}
	rows, err := tx.Query(ctx, `SELECT o.source_uid, o.portal_type, o.source_path, coalesce(o.parent_uid, ''), o.state,
			coalesce(p.portal_type, ''),
			ARRAY(SELECT r FROM unnest(o.refs) AS r
				WHERE r LIKE ANY ('{ParentAnalysisRequest:%,PrimaryAnalysisRequest:%,Invalidated:%,~%}'))
		FROM objects o LEFT JOIN objects p ON p.remote_id = o.remote_id AND p.source_uid = o.parent_uid
		WHERE o.remote_id = $1
		ORDER BY o.source_path, o.source_uid`, remoteID)
	if err != nil {
		return 0, 0, fmt.Errorf("store: plan objects of remote %d: %w", remoteID, err)
	}
	for rows.Next() {
		var o PlanObject
		if err := rows.Scan(&o.SourceUID, &o.PortalType, &o.SourcePath, &o.ParentUID, &o.State, &o.ParentType, &o.Refs); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("store: plan objects of remote %d: %w", remoteID, err)
		}
		if err := r.Object(o); err != nil {
			rows.Close()
			return 0, 0, err
		}
		objects++
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("store: plan objects of remote %d: %w", remoteID, err)
	}
	// n numbers the objects as the listing above did
	rows, err = tx.Query(ctx, `WITH n AS MATERIALIZED (
			SELECT source_uid, portal_type, (row_number() OVER (ORDER BY source_path, source_uid) - 1)::int AS idx
			FROM objects WHERE remote_id = $1)
		SELECT f.idx, t.idx, e.field, e.kind FROM (
			SELECT source_uid AS from_uid, parent_uid AS to_uid, '' AS field, 0 AS kind
			FROM objects WHERE remote_id = $1 AND parent_uid <> source_uid
			UNION ALL
			SELECT o.source_uid, substr(x.r, strpos(x.r, ':') + 1), split_part(x.r, ':', 1), 1
			FROM objects o, unnest(o.refs) AS x(r)
			WHERE o.remote_id = $1 AND x.r LIKE '%:%' AND x.r NOT LIKE '~%'
				AND NOT (o.portal_type = 'AnalysisRequest' AND x.r LIKE 'Analyses:%')
			UNION ALL
			SELECT o.parent_uid, substr(x.r, length('AnalysisService:') + 1), 'Analyses.service', 3
			FROM objects o, unnest(o.refs) AS x(r)
			WHERE o.remote_id = $1 AND o.portal_type = 'Analysis' AND x.r LIKE 'AnalysisService:%'
		) AS e JOIN n f ON f.source_uid = e.from_uid JOIN n t ON t.source_uid = e.to_uid
		WHERE e.kind <> 3 OR f.portal_type = 'AnalysisRequest'
		ORDER BY f.idx`, remoteID)
	if err != nil {
		return 0, 0, fmt.Errorf("store: plan edges of remote %d: %w", remoteID, err)
	}
	defer rows.Close()
	var from, to int32
	var field pgtype.DriverBytes // the driver's buffer: no copy per edge
	var kind PlanEdgeKind
	for rows.Next() {
		if err := rows.Scan(&from, &to, &field, &kind); err != nil {
			return 0, 0, fmt.Errorf("store: plan edges of remote %d: %w", remoteID, err)
		}
		if int(from) >= objects || int(to) >= objects {
			return 0, 0, errors.New("store: plan edges: an object the listing did not have")
		}
		if err := r.Edge(from, to, field, kind); err != nil {
			return 0, 0, err
		}
		edges++
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("store: plan edges of remote %d: %w", remoteID, err)
	}
	return objects, edges, nil
}

// Planned is an object's place in the import plan: its level, and its
// place in an ID sequence (Key "" for none).
type Planned struct {
	SourceUID string
	Level     int
	Key       string
	Seq       int
}

// setLevelsBatch is how many objects one statement of SetLevels places:
// the statement's arrays, and the buffer the connection keeps after it,
// stay small whatever the lab's size.
const setLevelsBatch = 5000

// SetLevels records the import plan's level of each of n objects (at(i)
// says the i-th; the import run's order) and its place in an ID sequence,
// and marks what is to be imported in this run: objects not yet imported
// go back to `fetched`. It writes in batches: a planning stopped midway
// leaves the run queued, and the next planning writes every object again.
func (s *Store) SetLevels(ctx context.Context, remoteID int64, n int, at func(i int) Planned) error {
	size := min(n, setLevelsBatch)
	uids := make([]string, 0, size)
	lv := make([]int32, 0, size)
	keys := make([]string, 0, size)
	nums := make([]int32, 0, size)
	for start := 0; start < n; start += setLevelsBatch {
		uids, lv, keys, nums = uids[:0], lv[:0], keys[:0], nums[:0]
		for i := start; i < min(n, start+setLevelsBatch); i++ {
			p := at(i)
			uids = append(uids, p.SourceUID)
			lv = append(lv, int32(p.Level))
			keys = append(keys, p.Key)
			nums = append(nums, int32(p.Seq))
		}
		_, err := s.leaderExec(ctx, `UPDATE objects o SET level = x.l, id_key = nullif(x.k, ''),
			id_seq = CASE WHEN x.k = '' THEN NULL ELSE x.n END,
			state = CASE WHEN o.state IN ('waiting', 'failed') THEN 'fetched' ELSE o.state END,
			failures = CASE WHEN o.state IN ('waiting', 'failed') THEN 0 ELSE o.failures END,
			wait_kind = CASE WHEN o.state IN ('waiting', 'failed') THEN NULL ELSE o.wait_kind END,
			waiting_for = CASE WHEN o.state IN ('waiting', 'failed') THEN NULL ELSE o.waiting_for END,
			requeued = 0
			FROM unnest($2::text[], $3::int[], $4::text[], $5::int[]) AS x(u, l, k, n)
			WHERE o.remote_id = $1 AND o.source_uid = x.u`, remoteID, uids, lv, keys, nums)
		if err != nil {
			return fmt.Errorf("store: set levels: %w", err)
		}
	}
	return nil
}
