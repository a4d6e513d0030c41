package store

import (
	"context"
	"fmt"
)

// WaitForSlots records that holder wants more of a lab's slots than it
// could claim (migration 018, lab_waiters): holders then keep only their
// fair share and hand what they give back to the waiter that has waited
// longest (GiveSlot). A waiter asks again while it waits; since is kept
// from its first ask.
func (s *Store) WaitForSlots(ctx context.Context, instanceID int64, holder string) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO lab_waiters (instance_id, holder, since, seen_at) VALUES ($1, $2, now(), now())
		ON CONFLICT (instance_id, holder) DO UPDATE SET seen_at = excluded.seen_at`, instanceID, holder); err != nil {
		return fmt.Errorf("store: wait for slots of instance %d: %w", instanceID, err)
	}
	return nil
}

// StopWaitingForSlots records that holder has what it wants of a lab's
// slots (or wants none): nobody hands it slots any more.
func (s *Store) StopWaitingForSlots(ctx context.Context, instanceID int64, holder string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM lab_waiters WHERE instance_id = $1 AND holder = $2`, instanceID, holder); err != nil {
		return fmt.Errorf("store: stop waiting for slots of instance %d: %w", instanceID, err)
	}
	return nil
}
