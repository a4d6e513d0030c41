package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Key is a type's identity key in a container of an instance
// (schema.IdentityRule): at most one object holds it.
type Key struct {
	InstanceID int64
	PortalType string
	ParentUID  string
	Value      string
}

// LockKey makes one worker at a time create or link the holder of a key,
// across processes: two labs importing the same new sample matrix at once
// would otherwise both find none and make two (a vocabulary the
// destination does not check). It waits for the lock (the holder is at
// most one create away from done); release must be called. Like
// LockObject it is a session lock on a connection of its own.
func (s *Store) LockKey(ctx context.Context, k Key) (release func(), err error) {
	const key = `-1 - $1::int, hashtext(current_schema() || '/' || $2 || '/' || $3 || '/' || $4)`
	release, _, err = s.sessionLock(ctx, `SELECT true FROM pg_advisory_lock(`+key+`)`, `SELECT pg_advisory_unlock(`+key+`)`,
		int32(k.InstanceID), k.PortalType, k.ParentUID, k.Value)
	if err != nil {
		return nil, fmt.Errorf("store: lock key %s %q: %w", k.PortalType, k.Value, err)
	}
	return release, nil
}

// KeyHolder returns the object recorded as holding k ("" when none is).
func (s *Store) KeyHolder(ctx context.Context, k Key) (string, error) {
	var uid string
	err := s.pool.QueryRow(ctx, `SELECT uid FROM natural_keys WHERE instance_id = $1 AND portal_type = $2
		AND parent_uid = $3 AND value = $4`, k.InstanceID, k.PortalType, k.ParentUID, k.Value).Scan(&uid)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: holder of %s %q: %w", k.PortalType, k.Value, err)
	}
	return uid, nil
}

// RecordKey records uid as the holder of k (the first holder stays).
func (s *Store) RecordKey(ctx context.Context, k Key, uid string) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO natural_keys (instance_id, portal_type, parent_uid, value, uid)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, k.InstanceID, k.PortalType, k.ParentUID, k.Value, uid); err != nil {
		return fmt.Errorf("store: record holder of %s %q: %w", k.PortalType, k.Value, err)
	}
	return nil
}

// MergeIdentity makes the identity from part of into: the objects from
// knew on every instance become into's, for they are one object that two
// labs made apart (a merge by natural key). It refuses (false) when both
// have an object on the same instance — two objects of one lab are two
// objects — and does nothing when from is into.
func (s *Store) MergeIdentity(ctx context.Context, from, into int64) (bool, error) {
	if from == into {
		return true, nil
	}
	var moved, clash int
	err := s.pool.QueryRow(ctx, `WITH clash AS (
			SELECT 1 FROM replicas a JOIN replicas b ON b.instance_id = a.instance_id
			WHERE a.identity_id = $1 AND b.identity_id = $2),
		mv AS (
			UPDATE replicas SET identity_id = $2 WHERE identity_id = $1 AND NOT EXISTS (SELECT 1 FROM clash)
			RETURNING 1)
		SELECT (SELECT count(*) FROM mv), (SELECT count(*) FROM clash)`, from, into).Scan(&moved, &clash)
	if err != nil {
		return false, fmt.Errorf("store: merge identity %d into %d: %w", from, into, err)
	}
	return clash == 0, nil
}

// MarkMerged says that a source object was linked to an object that
// existed at the destination, with what differs between them.
func (s *Store) MarkMerged(ctx context.Context, remoteID int64, sourceUID, note string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE objects SET merged = true, reason = nullif($3, '') WHERE remote_id = $1 AND source_uid = $2`,
		remoteID, sourceUID, note); err != nil {
		return fmt.Errorf("store: mark %s merged: %w", sourceUID, err)
	}
	return nil
}
