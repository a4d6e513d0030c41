package store

import (
	"context"
	"fmt"
)

// LockObject makes one worker at a time work on an object: JetStream may
// deliver a message again while its first delivery is still being worked
// on (heartbeats lost while nats-server restarted, a worker paused past
// its AckWait), and two importers creating the same object at once would
// make two copies — the second finds the first's intent but not yet its
// object. The lock is a session advisory lock on a connection of its own,
// so that it goes with the process: a worker killed mid-create releases it
// at once, as its connection closes. That connection comes from a pool of
// its own (Store.locks), never the one the work itself needs. ok is false when another worker holds
// it; release must be called when ok. (Advisory locks are the
// database's: the key holds the schema, so that deployments or tests
// sharing a database in schemas of their own do not meet.)
func (s *Store) LockObject(ctx context.Context, remoteID int64, sourceUID string) (release func(), ok bool, err error) {
	const key = `$1::int, hashtext(current_schema() || '/' || $2)`
	release, ok, err = s.sessionLock(ctx, `SELECT pg_try_advisory_lock(`+key+`)`, `SELECT pg_advisory_unlock(`+key+`)`,
		int32(remoteID), sourceUID)
	if err != nil {
		return nil, false, fmt.Errorf("store: lock object %s: %w", sourceUID, err)
	}
	return release, ok, nil
}

// sessionLock takes an advisory lock on a connection of the lock pool and
// keeps that connection until release: lock is a query answering whether
// it was taken (false: held elsewhere, nothing kept), unlock the statement
// that gives it back; both take args. A lock that cannot be given back
// goes with its session, which is closed.
func (s *Store) sessionLock(ctx context.Context, lock, unlock string, args ...any) (release func(), ok bool, err error) {
	conn, err := s.locks.Acquire(ctx)
	if err != nil {
		return nil, false, err
	}
	if err := conn.QueryRow(ctx, lock, args...).Scan(&ok); err != nil || !ok {
		conn.Release()
		return nil, false, err
	}
	return func() {
		// a fresh context: the work's may have ended, the lock must not
		// outlive it on a pooled connection
		ctx := context.WithoutCancel(ctx)
		if _, err := conn.Exec(ctx, unlock, args...); err != nil {
			_ = conn.Conn().Close(ctx) // closing the session releases it
		}
		conn.Release()
	}, true, nil
}
