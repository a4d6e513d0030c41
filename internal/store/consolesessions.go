package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// CreateSession records a console session by the hash of its id, and
// drops the sessions that expired.
func (s *Store) CreateSession(ctx context.Context, idHash []byte, client string, ttl time.Duration) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM console_sessions WHERE expires_at < now()`); err != nil {
		return fmt.Errorf("store: expire sessions: %w", err)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO console_sessions (id_hash, client, expires_at) VALUES ($1, $2, now() + $3::interval)`,
		idHash, client, fmt.Sprintf("%d milliseconds", ttl.Milliseconds()))
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionValid tells whether a session of that hash exists and has not
// expired.
func (s *Store) SessionValid(ctx context.Context, idHash []byte) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM console_sessions WHERE id_hash = $1 AND expires_at > now())`, idHash).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: session: %w", err)
	}
	return ok, nil
}

// DeleteSession ends a session (signing out).
func (s *Store) DeleteSession(ctx context.Context, idHash []byte) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM console_sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// SignInWait is how long a client must wait before its next sign-in:
// zero while it has failed fewer than limit times within window.
func (s *Store) SignInWait(ctx context.Context, client string, limit int, window time.Duration) (time.Duration, error) {
	var failures int
	var first time.Time
	err := s.pool.QueryRow(ctx, `SELECT failures, first_at FROM console_signin_failures WHERE client = $1`, client).Scan(&failures, &first)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil // never failed
	}
	if err != nil {
		return 0, fmt.Errorf("store: sign-in failures: %w", err)
	}
	if wait := time.Until(first.Add(window)); failures >= limit && wait > 0 {
		return wait, nil
	}
	return 0, nil
}

// SignInFailed counts a failed sign-in of a client; a window that has
// passed starts again.
func (s *Store) SignInFailed(ctx context.Context, client string, window time.Duration) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO console_signin_failures (client, failures) VALUES ($1, 1)
		ON CONFLICT (client) DO UPDATE SET
			failures = CASE WHEN console_signin_failures.first_at < now() - $2::interval THEN 1 ELSE console_signin_failures.failures + 1 END,
			first_at = CASE WHEN console_signin_failures.first_at < now() - $2::interval THEN now() ELSE console_signin_failures.first_at END,
			last_at = now()`, client, fmt.Sprintf("%d milliseconds", window.Milliseconds()))
	if err != nil {
		return fmt.Errorf("store: sign-in failure: %w", err)
	}
	return nil
}

// SignInSucceeded forgets a client's failures.
func (s *Store) SignInSucceeded(ctx context.Context, client string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM console_signin_failures WHERE client = $1`, client); err != nil {
		return fmt.Errorf("store: sign-in: %w", err)
	}
	return nil
}
