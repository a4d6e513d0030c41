package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The slots of a lab (migration 018, lab_slots): a lab bounded to N
// requests in flight has slots 0..N-1, and a process sends a request only
// on a slot it leases (internal/budget). Every lease expires: a process
// renews its own on a timer and trusts one only until its time to live has
// passed on its own clock since the renewal began (as the elector trusts
// its lease), so the slots of a process that died come back by
// themselves.

// ms is a duration as PostgreSQL's milliseconds ($n * interval '1 ms').
func ms(d time.Duration) int64 { return d.Milliseconds() }

// EnsureSlots makes a lab's slots 0..n-1 exist (free); slots beyond n
// stay as they are and are no longer claimed.
func (s *Store) EnsureSlots(ctx context.Context, instanceID int64, n int) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO lab_slots (instance_id, slot)
		SELECT $1, g FROM generate_series(0, $2::int - 1) g ON CONFLICT DO NOTHING`, instanceID, n); err != nil {
		return fmt.Errorf("store: ensure %d slots of instance %d: %w", n, instanceID, err)
	}
	return nil
}

// ClaimSlots leases to holder, for ttl, up to want of the lab's slots
// below n whose lease expired (or that were never held), lowest first,
// plus every unexpired slot below n another holder handed to it (GiveSlot)
// that is not among known, the slots it already counts as its own. Slots
// another claim is taking at the same moment are skipped, never waited
// for. It answers the slots leased by this call; each lease was taken no
// earlier than the call began.
func (s *Store) ClaimSlots(ctx context.Context, instanceID int64, n int, holder string, want int, known []int, ttl time.Duration) ([]int, error) {
	if known == nil {
		known = []int{}
	}
	rows, err := s.pool.Query(ctx, `WITH handed AS (
			SELECT slot FROM lab_slots
			WHERE instance_id = $1 AND slot < $2 AND holder = $3 AND expires_at >= now() AND NOT slot = ANY($5::int[])
			FOR UPDATE SKIP LOCKED
		), free AS (
			SELECT slot FROM lab_slots
			WHERE instance_id = $1 AND slot < $2 AND expires_at < now()
			ORDER BY slot LIMIT $4
			FOR UPDATE SKIP LOCKED
		)
		UPDATE lab_slots SET holder = $3, expires_at = now() + $6 * interval '1 millisecond'
		WHERE instance_id = $1 AND (slot IN (SELECT slot FROM handed) OR slot IN (SELECT slot FROM free))
		RETURNING slot`, instanceID, n, holder, max(want, 0), known, ms(ttl))
	if err != nil {
		return nil, fmt.Errorf("store: claim slots of instance %d: %w", instanceID, err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("store: claim slots of instance %d: %w", instanceID, err)
	}
	return got, nil
}

// RenewSlots extends, for ttl, every unexpired lease holder has on the
// lab's slots, and answers those slots — including any handed to it that
// it did not know of. A slot whose lease expired is not renewed (another
// holder may have claimed it since): it is missing from the answer, and
// the holder must stop using it.
func (s *Store) RenewSlots(ctx context.Context, instanceID int64, holder string, ttl time.Duration) ([]int, error) {
	rows, err := s.pool.Query(ctx, `UPDATE lab_slots SET expires_at = now() + $3 * interval '1 millisecond'
		WHERE instance_id = $1 AND holder = $2 AND expires_at >= now() RETURNING slot`, instanceID, holder, ms(ttl))
	if err != nil {
		return nil, fmt.Errorf("store: renew slots of instance %d: %w", instanceID, err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("store: renew slots of instance %d: %w", instanceID, err)
	}
	return got, nil
}

// GiveSlot gives back a slot holder leases: to the process that has
// waited for the lab's slots (lab_waiters, seen within window) while
// holding the fewest, longest first — leased to it for ttl, so that it
// finds the slot its own at its next claim —, or free when nobody waits.
// It answers the new holder ("" when freed). A slot holder no longer
// leases is left alone.
func (s *Store) GiveSlot(ctx context.Context, instanceID int64, holder string, slot int, ttl, window time.Duration) (string, error) {
	var to string
	err := s.pool.QueryRow(ctx, `WITH target AS (
			SELECT w.holder FROM lab_waiters w
			WHERE w.instance_id = $1 AND w.holder <> $2 AND w.seen_at > now() - $5 * interval '1 millisecond'
			ORDER BY (SELECT count(*) FROM lab_slots s WHERE s.instance_id = $1 AND s.holder = w.holder AND s.expires_at >= now()),
				w.since, w.holder
			LIMIT 1
		)
		UPDATE lab_slots SET holder = (SELECT holder FROM target),
			expires_at = CASE WHEN EXISTS (SELECT FROM target) THEN now() + $4 * interval '1 millisecond' ELSE '-infinity' END
		WHERE instance_id = $1 AND slot = $3 AND holder = $2
		RETURNING coalesce(holder, '')`, instanceID, holder, slot, ms(ttl), ms(window)).Scan(&to)
	if err == pgx.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: give slot %d of instance %d: %w", slot, instanceID, err)
	}
	return to, nil
}

// SlotPeer is another process using a lab: the slots it leases, and
// whether it waits for more.
type SlotPeer struct {
	Holder  string
	Held    int
	Waiting bool
}

// SlotPeers lists the processes other than holder that lease a slot of the
// lab or waited for one within window: what a holder's fair share is
// measured against.
func (s *Store) SlotPeers(ctx context.Context, instanceID int64, holder string, window time.Duration) ([]SlotPeer, error) {
	rows, err := s.pool.Query(ctx, `SELECT holder, sum(held)::int, bool_or(waiting) FROM (
			SELECT holder, 1 AS held, false AS waiting FROM lab_slots
			WHERE instance_id = $1 AND holder IS NOT NULL AND holder <> $2 AND expires_at >= now()
			UNION ALL
			SELECT holder, 0, true FROM lab_waiters
			WHERE instance_id = $1 AND holder <> $2 AND seen_at > now() - $3 * interval '1 millisecond'
		) p GROUP BY holder ORDER BY holder`, instanceID, holder, ms(window))
	if err != nil {
		return nil, fmt.Errorf("store: peers on the slots of instance %d: %w", instanceID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SlotPeer, error) {
		var p SlotPeer
		err := r.Scan(&p.Holder, &p.Held, &p.Waiting)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: peers on the slots of instance %d: %w", instanceID, err)
	}
	return out, nil
}
