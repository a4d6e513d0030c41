package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ErrOtherKey reports a process whose secret key is not the one the
// stored passwords were encrypted with.
var ErrOtherKey = errors.New("store: the secret key is not the one this database's passwords were encrypted with")

// ClaimKeyFingerprint checks a process's key against the fingerprint
// recorded in the database, recording it when there is none yet. opens
// tells whether the key opens what is already stored (called only then,
// so that a first process with a wrong key cannot claim the database):
// two processes starting at once with different keys cannot both win.
func (s *Store) ClaimKeyFingerprint(ctx context.Context, fingerprint string, opens func(sealed []byte) bool) error {
	var stored string
	err := s.pool.QueryRow(ctx, `SELECT fingerprint FROM key_fingerprint WHERE id = 1`).Scan(&stored)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		var sealed []byte
		err := s.pool.QueryRow(ctx, `SELECT password_enc FROM instances ORDER BY id LIMIT 1`).Scan(&sealed)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("store: key fingerprint: %w", err)
		}
		if sealed != nil && !opens(sealed) {
			return fmt.Errorf("%w (it cannot open the stored lab passwords)", ErrOtherKey)
		}
		if _, err := s.pool.Exec(ctx, `INSERT INTO key_fingerprint (fingerprint) VALUES ($1) ON CONFLICT (id) DO NOTHING`, fingerprint); err != nil {
			return fmt.Errorf("store: key fingerprint: %w", err)
		}
		if err := s.pool.QueryRow(ctx, `SELECT fingerprint FROM key_fingerprint WHERE id = 1`).Scan(&stored); err != nil {
			return fmt.Errorf("store: key fingerprint: %w", err)
		}
	case err != nil:
		return fmt.Errorf("store: key fingerprint: %w", err)
	}
	if stored != fingerprint {
		return ErrOtherKey
	}
	return nil
}
