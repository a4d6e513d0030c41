package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
)

// Unavailable tells whether err may be PostgreSQL being out of reach — a
// refused or broken connection, a server shutting down or starting, a
// timeout — rather than a fault of the statement. Workers then ask the
// database itself (WaitAvailable) before they count a failure: a lab's
// own network errors look alike.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", "57P02", "57P03", "53300": // shutdown, crash, starting up, too many connections
			return true
		}
		return len(pe.Code) == 5 && pe.Code[:2] == "08" // connection exceptions
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}

// WaitAvailable waits until PostgreSQL answers again. It reports whether
// the database was out of reach at all: false means it answered at once,
// so the error that sent the caller here was not an outage. The first
// waiter of an outage logs it, and the first to see the end logs that,
// with how long it lasted: one line each, whatever the number of workers.
func (s *Store) WaitAvailable(ctx context.Context, log *slog.Logger) (bool, error) {
	if s.ping(ctx) == nil {
		// a statement cut by an outage that is ending, or ended a moment
		// ago, fails as the database answers again: the outage's, too
		// (an importer counted a failure as a test's outage ended)
		ended := s.endedAt.Load()
		return s.down.Load() || ended != 0 && time.Since(time.Unix(0, ended)) < outageAftermath, nil
	}
	started := time.Now()
	if s.down.CompareAndSwap(false, true) {
		log.Warn("database unavailable; work waits for it without spending its delivery budget")
	}
	delay := 200 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case <-time.After(delay):
		}
		if err := s.ping(ctx); err == nil {
			if s.down.CompareAndSwap(true, false) {
				s.endedAt.Store(time.Now().UnixNano())
				log.Info("database available again", "waited", time.Since(started).Round(time.Millisecond))
			}
			return true, nil
		}
		delay = min(2*delay, 2*time.Second)
	}
}

func (s *Store) ping(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.pool.Ping(pctx)
}

// outageState is what WaitAvailable shares between waiters: whether the
// database is out of reach, and when it last came back.
type outageState struct {
	down    atomic.Bool
	endedAt atomic.Int64 // unix nanoseconds; 0: never
}

// outageAftermath is how long after an outage's end an error of a broken
// connection is still the outage's.
const outageAftermath = 5 * time.Second

// ObjectFailed counts a failure of an object's import and returns the
// count: what the importer dead-letters on, instead of the message's
// deliveries.
func (s *Store) ObjectFailed(ctx context.Context, remoteID int64, uid string) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `UPDATE objects SET failures = failures + 1 WHERE remote_id = $1 AND source_uid = $2
		RETURNING failures`, remoteID, uid).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count failure of %s: %w", uid, notFound(err))
	}
	return n, nil
}

// PageFailed counts a failure of a page's read and returns the count.
func (s *Store) PageFailed(ctx context.Context, runID uuid.UUID, portalType string, bStart int) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `UPDATE run_pages SET failures = failures + 1
		WHERE run_id = $1 AND portal_type = $2 AND b_start = $3 RETURNING failures`, runID, portalType, bStart).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count failure of page %s %d: %w", portalType, bStart, notFound(err))
	}
	return n, nil
}
