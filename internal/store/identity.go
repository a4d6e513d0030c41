package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Identity rows say which objects on different instances are the same
// object: one origin, at most one replica per instance (the origin is
// recorded as its own replica, so that every lookup is by (instance, uid)).

// EnsureIdentity returns the identity of the object uid on instance,
// creating it with that object as origin if none exists. Concurrent
// callers get the same identity.
func (s *Store) EnsureIdentity(ctx context.Context, instanceID int64, uid, portalType string) (int64, error) {
	id, _, _, err := s.EnsureIdentityOn(ctx, instanceID, uid, portalType, "", nil, 0)
	return id, err
}

// EnsureIdentityOn is EnsureIdentity that also returns the identity's
// replica on the instance other (if it has one) in the same round trip:
// the question every import asks first. modified, when known, is the
// version of the object being read: a new origin replica, or a copy
// whose version was never recorded (an identity made first for a sample's
// analyses), records it as seen (a later edit there is a change of that
// copy). label, when not
// empty, is the origin label of an object that originated on instance
// (remote prefix + its id there): set once, never changed, and only on an
// identity whose origin that instance is.
func (s *Store) EnsureIdentityOn(ctx context.Context, instanceID int64, uid, portalType, label string, modified *time.Time, other int64) (id int64, otherUID string, ok bool, err error) {
	// one round trip: the existing identity, or a new one with its origin
	// replica; a concurrent caller that won the race is read back after
	const ensure = `WITH existing AS (
			SELECT identity_id FROM replicas WHERE instance_id = $1 AND uid = $2),
		ins AS (
			INSERT INTO identities (origin_instance_id, origin_uid, portal_type, label)
			SELECT $1, $2, $3, nullif($6, '') WHERE NOT EXISTS (SELECT 1 FROM existing)
			ON CONFLICT (origin_instance_id, origin_uid) DO UPDATE SET portal_type = excluded.portal_type
			RETURNING id),
		first_seen AS (
			UPDATE replicas SET seen_modified = $5 WHERE instance_id = $1 AND uid = $2
			AND seen_modified IS NULL AND $5::timestamptz IS NOT NULL),
		labelled AS (
			UPDATE identities SET label = $6 WHERE $6 <> '' AND label IS NULL AND origin_instance_id = $1
			AND id IN (SELECT identity_id FROM existing)),
		rep AS (
			INSERT INTO replicas (identity_id, instance_id, uid, seen_modified) SELECT id, $1, $2, $5 FROM ins
			ON CONFLICT DO NOTHING RETURNING identity_id),
		ident AS (SELECT identity_id FROM existing UNION ALL SELECT identity_id FROM rep LIMIT 1)
		SELECT i.identity_id, coalesce(o.uid, '') FROM ident i
		LEFT JOIN replicas o ON o.identity_id = i.identity_id AND o.instance_id = $4`
	err = s.pool.QueryRow(ctx, ensure, instanceID, uid, portalType, other, modified, label).Scan(&id, &otherUID)
	if err == pgx.ErrNoRows {
		// a concurrent caller linked (instance, uid) first
		err = s.pool.QueryRow(ctx, `SELECT r.identity_id, coalesce(o.uid, '') FROM replicas r
			LEFT JOIN replicas o ON o.identity_id = r.identity_id AND o.instance_id = $3
			WHERE r.instance_id = $1 AND r.uid = $2`, instanceID, uid, other).Scan(&id, &otherUID)
	}
	if err != nil {
		return 0, "", false, fmt.Errorf("store: identity of %s: %w", uid, err)
	}
	return id, otherUID, otherUID != "", nil
}

// Origin is the instance an identity's object originated on.
func (s *Store) Origin(ctx context.Context, identityID int64) (int64, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `SELECT origin_instance_id FROM identities WHERE id = $1`, identityID).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: origin of identity %d: %w", identityID, notFound(err))
	}
	return id, nil
}

// Link records an existing object on an instance as an identity's replica
// there (an identity merge, reported as such): false when the identity has
// a replica there already or the object belongs to another identity.
func (s *Store) Link(ctx context.Context, identityID, instanceID int64, uid string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO replicas (identity_id, instance_id, uid, merged) VALUES ($1, $2, $3, true)
		ON CONFLICT DO NOTHING`, identityID, instanceID, uid)
	if err != nil {
		return false, fmt.Errorf("store: link %s to identity %d: %w", uid, identityID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Label is an identity's origin label ("" when its type is not prefixed).
func (s *Store) Label(ctx context.Context, identityID int64) (string, error) {
	var label *string
	if err := s.pool.QueryRow(ctx, `SELECT label FROM identities WHERE id = $1`, identityID).Scan(&label); err != nil {
		return "", fmt.Errorf("store: label of identity %d: %w", identityID, notFound(err))
	}
	if label == nil {
		return "", nil
	}
	return *label, nil
}

// Replica returns the UID of an identity's copy on an instance.
func (s *Store) Replica(ctx context.Context, identityID, instanceID int64) (string, bool, error) {
	var uid string
	err := s.pool.QueryRow(ctx, `SELECT uid FROM replicas WHERE identity_id = $1 AND instance_id = $2`, identityID, instanceID).Scan(&uid)
	if err == pgx.ErrNoRows {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: replica of %d: %w", identityID, err)
	}
	return uid, true, nil
}

// ClaimedBy tells which identity already claims (instance, uid), if any:
// a natural-key merge must not link an object another identity owns.
func (s *Store) ClaimedBy(ctx context.Context, instanceID int64, uid string) (int64, bool, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `SELECT identity_id FROM replicas WHERE instance_id = $1 AND uid = $2`, instanceID, uid).Scan(&id)
	if err == pgx.ErrNoRows {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: claim of %s: %w", uid, err)
	}
	return id, true, nil
}

// Translate maps source UIDs to their replicas on the destination, in one
// query; UIDs without a replica are absent from the result.
func (s *Store) Translate(ctx context.Context, sourceID, destID int64, uids []string) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT src.uid, dst.uid FROM replicas src
		JOIN replicas dst ON dst.identity_id = src.identity_id AND dst.instance_id = $2
		WHERE src.instance_id = $1 AND src.uid = ANY($3)`, sourceID, destID, uids)
	if err != nil {
		return nil, fmt.Errorf("store: translate %d uids: %w", len(uids), err)
	}
	defer rows.Close()
	out := make(map[string]string, len(uids))
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return nil, fmt.Errorf("store: translate: %w", err)
		}
		out[a] = b
	}
	return out, rows.Err()
}

// KnownOn tells which of uids are objects of an instance the identity
// table knows (a copy there, or an object that originated there).
func (s *Store) KnownOn(ctx context.Context, instanceID int64, uids []string) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT uid FROM replicas WHERE instance_id = $1 AND uid = ANY($2)`, instanceID, uids)
	if err != nil {
		return nil, fmt.Errorf("store: known on instance %d: %w", instanceID, err)
	}
	defer rows.Close()
	out := make(map[string]bool, len(uids))
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("store: known on instance %d: %w", instanceID, err)
		}
		out[u] = true
	}
	return out, rows.Err()
}

// Copy is a source object's copy on a destination, as Imported records it.
type Copy struct {
	RemoteID       int64
	SourceUID      string
	IdentityID     int64
	DestInstanceID int64
	DestUID        string
	// DestID is the id the destination gave it ("" when unknown): where it
	// is not the source's, the identity keeps the source's as its label.
	DestID string
	// DestModified is the copy's version the system wrote (zero: unknown).
	DestModified time.Time
	// Merged: an existing destination object was linked, not created.
	Merged bool
}

// GatheredTypes tells which of types the instance holds objects of that
// originated on a third lab (neither source nor the instance itself): a
// destination gathering several labs, where ids numbered by one counter
// for all of them cannot all be kept.
func (s *Store) GatheredTypes(ctx context.Context, instanceID, sourceID int64, types []string) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT i.portal_type FROM replicas r JOIN identities i ON i.id = r.identity_id
		WHERE r.instance_id = $1 AND i.portal_type = ANY($3) AND i.origin_instance_id NOT IN ($1, $2)`,
		instanceID, sourceID, types)
	if err != nil {
		return nil, fmt.Errorf("store: types gathered on instance %d: %w", instanceID, err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: types gathered on instance %d: %w", instanceID, err)
	}
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = true
	}
	return out, nil
}

// OwnOn tells which of an instance's uids are its own objects rather than
// copies a sync created there: the identity originated on that instance,
// or the replica was linked to an existing object (a merge).
func (s *Store) OwnOn(ctx context.Context, instanceID int64, uids []string) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.uid FROM replicas r JOIN identities i ON i.id = r.identity_id
		WHERE r.instance_id = $1 AND r.uid = ANY($2)
		AND (r.merged OR (i.origin_instance_id = r.instance_id AND i.origin_uid = r.uid))`, instanceID, uids)
	if err != nil {
		return nil, fmt.Errorf("store: own objects of instance %d: %w", instanceID, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("store: own objects of instance %d: %w", instanceID, err)
		}
		out[u] = true
	}
	return out, rows.Err()
}

// Imported records, in one statement, that a source object now has a
// replica on the destination: the replica row, the object's state
// (compare-and-set from the states the importer expected), the id it got
// and the end of its create intent. A copy created under another id than
// the source's keeps the source's id as its identity's label (unless the
// identity has one: a prefixable type's origin label). A replica already
// recorded for the identity is ErrExists: a redelivery must adopt it,
// never create a second copy.
func (s *Store) Imported(ctx context.Context, c Copy, from []ObjState, state ObjState) error {
	// one statement, so one round trip and atomic: the state moves (or
	// nothing happens), and with it the replica and the end of the intent
	var prior, moved int
	err := s.pool.QueryRow(ctx, `WITH prior AS (
			SELECT 1 FROM replicas WHERE identity_id = $6 AND instance_id = $7),
		upd AS (
			UPDATE objects SET state = $4, dest_uid = $5, dest_id = nullif($10, ''), reason = NULL, updated_at = now(),
				wait_kind = NULL, waiting_for = NULL
			WHERE remote_id = $1 AND source_uid = $2 AND state = ANY($3) AND NOT EXISTS (SELECT 1 FROM prior)
			RETURNING regexp_replace(source_path, '^.*/', '') AS source_id),
		rep AS (
			INSERT INTO replicas (identity_id, instance_id, uid, seen_modified, merged)
			SELECT $6, $7, $5, $8, $9 WHERE EXISTS (SELECT 1 FROM upd) RETURNING 1),
		lbl AS (
			UPDATE identities SET label = (SELECT source_id FROM upd)
			WHERE id = $6 AND label IS NULL AND NOT $9 AND $10 <> '' AND $10 <> (SELECT source_id FROM upd)),
		del AS (
			DELETE FROM create_intents WHERE remote_id = $1 AND source_uid = $2 AND EXISTS (SELECT 1 FROM upd))
		SELECT (SELECT count(*) FROM prior), (SELECT count(*) FROM upd)`,
		c.RemoteID, c.SourceUID, stateStrings(from), state, c.DestUID, c.IdentityID, c.DestInstanceID, c.DestModified,
		c.Merged, c.DestID).Scan(&prior, &moved)
	if prior > 0 || isUniqueViolation(err) {
		return fmt.Errorf("store: imported %s: replica: %w", c.SourceUID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("store: imported %s: %w", c.SourceUID, err)
	}
	if moved == 0 {
		return fmt.Errorf("store: imported %s: %w", c.SourceUID, ErrStaleState)
	}
	return nil
}

// Intent is a create about to be sent: after a crash, the retry looks for
// an object the lost create left behind instead of creating another.
type Intent struct {
	PortalType    string
	DestParentUID string
	CreatedAt     time.Time
}

// HasIntent tells whether a create of the object may have reached the
// destination already (its intent is recorded and not yet ended).
func (s *Store) HasIntent(ctx context.Context, remoteID int64, sourceUID string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM create_intents WHERE remote_id = $1 AND source_uid = $2)`,
		remoteID, sourceUID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: intent of %s: %w", sourceUID, err)
	}
	return ok, nil
}

// RecordIntent writes (or keeps) the intent of a create.
func (s *Store) RecordIntent(ctx context.Context, remoteID int64, sourceUID string, in Intent) (Intent, bool, error) {
	var out Intent
	var existed bool
	err := s.pool.QueryRow(ctx, `WITH ins AS (
			INSERT INTO create_intents (remote_id, source_uid, portal_type, dest_parent_uid) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING RETURNING portal_type, dest_parent_uid, created_at, false)
		SELECT * FROM ins UNION ALL
		SELECT portal_type, dest_parent_uid, created_at, true FROM create_intents WHERE remote_id = $1 AND source_uid = $2
		LIMIT 1`, remoteID, sourceUID, in.PortalType, in.DestParentUID).Scan(&out.PortalType, &out.DestParentUID, &out.CreatedAt, &existed)
	if err != nil {
		return Intent{}, false, fmt.Errorf("store: intent %s: %w", sourceUID, err)
	}
	return out, existed, nil
}

// ReplicaMap maps every source UID that has a replica on the destination
// to it: what verify walks.
func (s *Store) ReplicaMap(ctx context.Context, sourceID, destID int64) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT src.uid, dst.uid FROM replicas src
		JOIN replicas dst ON dst.identity_id = src.identity_id AND dst.instance_id = $2
		WHERE src.instance_id = $1`, sourceID, destID)
	if err != nil {
		return nil, fmt.Errorf("store: replica map %d→%d: %w", sourceID, destID, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return nil, fmt.Errorf("store: replica map: %w", err)
		}
		out[a] = b
	}
	return out, rows.Err()
}
