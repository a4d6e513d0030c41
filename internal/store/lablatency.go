package store

import (
	"context"
	"fmt"
	"time"
)

// ShareLatency records what this process learnt of a lab's latency
// without load (base, by kind: reads, writes; 0 unknown) and answers what
// the lab's users learnt together: the least of each kind confirmed within
// fresh. A process that joins a busy lab takes it from there instead of
// learning another's queue as the lab's time (budget.Adaptive.Teach).
func (s *Store) ShareLatency(ctx context.Context, instanceID int64, base [2]time.Duration, fresh time.Duration) ([2]time.Duration, error) {
	var out [2]time.Duration
	kinds := make([]int16, 0, 2)
	us := make([]int64, 0, 2)
	for k, b := range base {
		if b > 0 {
			kinds = append(kinds, int16(k))
			us = append(us, max(b.Microseconds(), 1))
		}
	}
	if len(kinds) > 0 {
		if _, err := s.pool.Exec(ctx, `INSERT INTO lab_latency (instance_id, kind, base_us, confirmed_at)
			SELECT $1, k, b, now() FROM unnest($2::smallint[], $3::bigint[]) AS x (k, b)
			ON CONFLICT (instance_id, kind) DO UPDATE SET
				base_us = CASE WHEN lab_latency.confirmed_at < now() - $4 * interval '1 millisecond'
					THEN excluded.base_us ELSE least(lab_latency.base_us, excluded.base_us) END,
				confirmed_at = CASE WHEN lab_latency.confirmed_at < now() - $4 * interval '1 millisecond'
					OR excluded.base_us * 10 <= lab_latency.base_us * 11 THEN now() ELSE lab_latency.confirmed_at END`,
			instanceID, kinds, us, ms(fresh)); err != nil {
			return out, fmt.Errorf("store: share the latency of instance %d: %w", instanceID, err)
		}
	}
	rows, err := s.pool.Query(ctx, `SELECT kind, base_us FROM lab_latency
		WHERE instance_id = $1 AND confirmed_at >= now() - $2 * interval '1 millisecond'`, instanceID, ms(fresh))
	if err != nil {
		return out, fmt.Errorf("store: latency of instance %d: %w", instanceID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k int16
		var b int64
		if err := rows.Scan(&k, &b); err != nil {
			return out, fmt.Errorf("store: latency of instance %d: %w", instanceID, err)
		}
		if k == 0 || k == 1 {
			out[k] = time.Duration(b) * time.Microsecond
		}
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("store: latency of instance %d: %w", instanceID, err)
	}
	return out, nil
}
