package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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
// over at once instead of waiting for the expiry. The row stays, expired,
// so that the next term's number is higher than every earlier one.
func (s *Store) ReleaseLease(ctx context.Context, l Lease) error {
	if _, err := s.pool.Exec(ctx, `UPDATE leases SET expires_at = '-infinity'
		WHERE name = $1 AND holder = $2 AND term = $3`, l.Name, l.Holder, l.Term); err != nil {
		return fmt.Errorf("store: release lease %s: %w", l.Name, err)
	}
	return nil
}

// Fence is the term a leader-only write carries: PostgreSQL refuses the
// write (ErrFenced) unless the lease is still held in that term, so a
// leader that was paused or cut off past its lease cannot overwrite what
// its successor decided.
type Fence struct {
	Name   string
	Holder string
	Term   int64
}

// Fence is the lease's fencing token.
func (l Lease) Fence() Fence { return Fence{Name: l.Name, Holder: l.Holder, Term: l.Term} }

// ErrFenced refuses a leader-only write of a term that no longer holds its
// lease.
var ErrFenced = errors.New("store: leadership lost: the lease is held in a newer term or expired")

type fenceKey struct{}

// WithFence makes every leader-only write done with ctx carry f. The term
// travels in the context because the leader's work reaches the store
// through the coordinator and the importer alike; a write made without
// one (the API cancelling a run, a test) is not fenced.
func WithFence(ctx context.Context, f Fence) context.Context {
	return context.WithValue(ctx, fenceKey{}, f)
}

// FenceOf is the fence ctx carries, if any.
func FenceOf(ctx context.Context) (Fence, bool) {
	f, ok := ctx.Value(fenceKey{}).(Fence)
	return f, ok
}

// querier is what a write needs of the pool or of a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// leaderWrite runs a leader-only write in a transaction. Under a fence the
// transaction first locks the lease row FOR SHARE in the fence's term: a stale term finds no row (ErrFenced), and a successor's
// acquisition waits for the write to commit, so no write of an old term
// lands after a new term began.
func (s *Store) leaderWrite(ctx context.Context, fn func(q querier) error) error {
	_, fenced := FenceOf(ctx)
	// one transaction either way: what fn writes lands whole
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if fenced {
			if err := checkFence(ctx, tx); err != nil {
				return err
			}
		}
		return fn(tx)
	})
}

// leaderExec is one leader-only statement (see leaderWrite).
func (s *Store) leaderExec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	var tag pgconn.CommandTag
	err := s.leaderWrite(ctx, func(q querier) error {
		var err error
		tag, err = q.Exec(ctx, sql, args...)
		return err
	})
	return tag, err
}

// checkFence holds, in tx, the lease row of ctx's fence FOR SHARE, or
// answers ErrFenced when the term no longer holds it; without a fence it
// does nothing.
func checkFence(ctx context.Context, tx pgx.Tx) error {
	f, ok := FenceOf(ctx)
	if !ok {
		return nil
	}
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM leases WHERE name = $1 AND holder = $2 AND term = $3 AND expires_at > now()
		FOR SHARE`, f.Name, f.Holder, f.Term).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w (%s term %d)", ErrFenced, f.Name, f.Term)
	}
	if err != nil {
		return fmt.Errorf("store: fence %s: %w", f.Name, err)
	}
	return nil
}
