package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Lease is a term-scoped leadership (River's leadership model): the pair
// (Holder, Term) identifies one leadership, so a holder whose lease expired
// and was taken over cannot renew by mistake.
type Lease struct {
	Name    string
	Holder  string
	Term    int64
	Expires time.Time
}

// AcquireLease takes the named lease for ttl if it is free, expired, or
// already held by holder (then it is renewed within the same term). ok is
// false when another holder has it.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (Lease, bool, error) {
	var l Lease
	err := s.pool.QueryRow(ctx, `INSERT INTO leases (name, holder, term, expires_at) VALUES ($1, $2, 1, now() + $3::interval)
		ON CONFLICT (name) DO UPDATE SET
			term = CASE WHEN leases.holder = excluded.holder THEN leases.term ELSE leases.term + 1 END,
			holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.expires_at < now() OR leases.holder = excluded.holder
		RETURNING name, holder, term, expires_at`, name, holder, ttl.String()).Scan(&l.Name, &l.Holder, &l.Term, &l.Expires)
	if err == pgx.ErrNoRows {
		return Lease{}, false, nil
	}
	if err != nil {
		return Lease{}, false, fmt.Errorf("store: lease %s: %w", name, err)
	}
	return l, true, nil
}

// RenewLease extends a lease of a known term; false means it was lost.
func (s *Store) RenewLease(ctx context.Context, l Lease, ttl time.Duration) (Lease, bool, error) {
	err := s.pool.QueryRow(ctx, `UPDATE leases SET expires_at = now() + $4::interval
		WHERE name = $1 AND holder = $2 AND term = $3 AND expires_at >= now() RETURNING expires_at`,
		l.Name, l.Holder, l.Term, ttl.String()).Scan(&l.Expires)
	if err == pgx.ErrNoRows {
		return Lease{}, false, nil
	}
	if err != nil {
		return Lease{}, false, fmt.Errorf("store: renew lease %s: %w", l.Name, err)
	}
	return l, true, nil
}

// ReleaseLease gives a lease up at shutdown so another coordinator takes
// over at once instead of waiting for the expiry.
func (s *Store) ReleaseLease(ctx context.Context, l Lease) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2 AND term = $3`, l.Name, l.Holder, l.Term); err != nil {
		return fmt.Errorf("store: release lease %s: %w", l.Name, err)
	}
	return nil
}
