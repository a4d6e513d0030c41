package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Adoption is a destination object recorded as the replica of a source
// object without being created by us: a sample's analyses, which the
// destination makes from the sample's services.
type Adoption struct {
	SourceUID  string
	PortalType string
	DestUID    string
}

// AdoptAll records many adoptions in one transaction — identities, the
// replicas on both sides, the objects' state — so that a sample's
// analyses cost one commit, not one each. Adopted objects were never
// created by us, so they have no create intent to end. It
// keeps Imported's rules: an identity that already has a replica on the
// destination keeps it (a redelivery adopts what was recorded), and a
// destination object another identity claims is not taken; such objects
// stay pending and their own message settles them. It returns how many
// objects were marked imported.
func (s *Store) AdoptAll(ctx context.Context, remoteID, sourceID, destID int64, from []ObjState, list []Adoption) (int, error) {
	if len(list) == 0 {
		return 0, nil
	}
	src := make([]string, len(list))
	types := make([]string, len(list))
	dst := make([]string, len(list))
	for i, a := range list {
		src[i], types[i], dst[i] = a.SourceUID, a.PortalType, a.DestUID
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: adopt %d objects: %w", len(list), err)
	}
	defer tx.Rollback(ctx)
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		{"identities", `INSERT INTO identities (origin_instance_id, origin_uid, portal_type)
			SELECT $1, x.u, x.t FROM unnest($2::text[], $3::text[]) AS x(u, t)
			WHERE NOT EXISTS (SELECT 1 FROM replicas r WHERE r.instance_id = $1 AND r.uid = x.u)
			ON CONFLICT (origin_instance_id, origin_uid) DO NOTHING`, []any{sourceID, src, types}},
		// the source's version read by this fetch is the version seen there
		// (as EnsureIdentityOn records it for objects imported one by one):
		// on a new origin replica, and on one recorded earlier without it
		{"origin replicas", `INSERT INTO replicas (identity_id, instance_id, uid, seen_modified)
			SELECT i.id, $1, i.origin_uid, o.source_modified FROM identities i
			LEFT JOIN objects o ON o.remote_id = $3 AND o.source_uid = i.origin_uid
			WHERE i.origin_instance_id = $1 AND i.origin_uid = ANY($2)
			ON CONFLICT DO NOTHING`, []any{sourceID, src, remoteID}},
		{"first seen", `UPDATE replicas r SET seen_modified = o.source_modified FROM objects o
			WHERE o.remote_id = $3 AND o.source_uid = r.uid AND r.instance_id = $1 AND r.uid = ANY($2)
			AND r.seen_modified IS NULL AND o.source_modified IS NOT NULL`, []any{sourceID, src, remoteID}},
		{"destination replicas", `INSERT INTO replicas (identity_id, instance_id, uid, merged)
			SELECT r.identity_id, $3, x.d, false FROM unnest($2::text[], $4::text[]) AS x(u, d)
			JOIN replicas r ON r.instance_id = $1 AND r.uid = x.u
			ON CONFLICT DO NOTHING`, []any{sourceID, src, destID, dst}},
	}
	// the list drives the join (by key), whatever the statistics say about
	// how many objects of the remote are pending
	const state = `UPDATE objects o SET state = 'imported', dest_uid = m.d, reason = NULL, updated_at = now(),
		wait_kind = NULL, waiting_for = NULL
		FROM (SELECT x.u, d.uid AS d FROM unnest($2::text[]) AS x(u)
			JOIN replicas sr ON sr.instance_id = $5 AND sr.uid = x.u
			JOIN replicas d ON d.identity_id = sr.identity_id AND d.instance_id = $4) m
		WHERE o.remote_id = $1 AND o.source_uid = m.u AND o.state = ANY($3)`
	// one round trip for the whole transaction: the statements run in
	// order, each seeing what the one before wrote
	b := &pgx.Batch{}
	for _, st := range steps {
		b.Queue(st.sql, st.args...)
	}
	b.Queue(state, remoteID, src, stateStrings(from), destID, sourceID)
	res := tx.SendBatch(ctx, b)
	for _, st := range steps {
		if _, err := res.Exec(); err != nil {
			res.Close()
			return 0, fmt.Errorf("store: adopt %d objects: %s: %w", len(list), st.what, err)
		}
	}
	tag, err := res.Exec()
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("store: adopt %d objects: state: %w", len(list), err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("store: adopt %d objects: %w", len(list), err)
	}
	return int(tag.RowsAffected()), nil
}
