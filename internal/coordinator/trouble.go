package coordinator

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/senaite-sync/senaite-sync/internal/queue"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// A run's step that fails — NATS without a leader for its stream, a lab or
// PostgreSQL away — used to be stepped again on the next tick, five times a
// second, with an error line each time and nothing on the run to tell the
// operator why it stood still (issue #14). Now the run waits, doubling
// from one tick to stepBackoffMax, its note says what fails and since when
// (the API, `--wait` and the console show it), the log says so once and
// then once a minute, and the first step that succeeds clears the note and
// says how long it lasted.

// stepBackoffMax bounds the wait between two steps of a troubled run: a
// stream leader elected again, or a lab back, is seen within it.
const stepBackoffMax = 10 * time.Second

// troubleLogEvery is how often a trouble that lasts is logged again.
const troubleLogEvery = time.Minute

// stepBackoff is the wait before the next step of a run whose last
// failures steps failed in a row.
func stepBackoff(failures int) time.Duration {
	if failures <= 0 {
		return 0
	}
	d := tickEvery
	for i := 1; i < failures && d < stepBackoffMax; i++ {
		d *= 2
	}
	return min(d, stepBackoffMax)
}

// troubleNote is what a troubled run's note says.
func troubleNote(since time.Time, err error) string {
	return fmt.Sprintf("not advancing since %s, retried with backoff: %v", since.UTC().Format("15:04:05Z"), err)
}

// streamsAskedEvery is how often this process asks the streams whether
// they answer, whatever the number of active runs.
const streamsAskedEvery = 2 * time.Second

// streamsAnswer tells whether the work streams answer (queue.Answer),
// asked at most every streamsAskedEvery: a run's step fails with its
// answer, so that a run whose workers cannot pull says why, though its
// step itself might have nothing to publish.
func (c *Coordinator) streamsAnswer(ctx context.Context) error {
	if c.JS == nil {
		return nil
	}
	c.askMu.Lock()
	defer c.askMu.Unlock()
	if time.Since(c.askedAt) < streamsAskedEvery {
		return c.askErr
	}
	c.askErr = queue.Answer(ctx, c.JS, c.Names, queue.Fetch, queue.Import)
	c.askedAt = time.Now()
	return c.askErr
}

// stepTrouble is a run whose steps fail in a row.
type stepTrouble struct {
	since    time.Time
	failures int
	retryAt  time.Time
	loggedAt time.Time
	note     string
}

// waiting tells whether a troubled run's next step is not due yet.
func (c *Coordinator) waiting(id uuid.UUID, now time.Time) bool {
	t := c.troubles[id]
	return t != nil && now.Before(t.retryAt)
}

// stepFailed backs the run off, notes why and logs it once in a while.
func (c *Coordinator) stepFailed(ctx context.Context, r store.Run, err error) {
	now := time.Now()
	c.stepMu.Lock()
	if c.troubles == nil {
		c.troubles = map[uuid.UUID]*stepTrouble{}
	}
	t := c.troubles[r.ID]
	if t == nil {
		t = &stepTrouble{since: now}
		c.troubles[r.ID] = t
	}
	t.failures++
	t.retryAt = now.Add(stepBackoff(t.failures))
	logIt := now.Sub(t.loggedAt) >= troubleLogEvery
	if logIt {
		t.loggedAt = now
	}
	note := troubleNote(t.since, err)
	write := note != t.note
	t.note = note
	failures, since := t.failures, t.since
	c.stepMu.Unlock()
	if logIt {
		c.Log.WarnContext(ctx, "run step failed; retried with backoff", "run_id", r.ID, "remote", r.Remote,
			"failures", failures, "since", since, "error", err)
	}
	if write {
		if nerr := c.Store.SetRunNote(ctx, r.ID, note); nerr != nil {
			c.Log.DebugContext(ctx, "run note not written", "run_id", r.ID, "remote", r.Remote, "error", nerr)
		}
	}
}

// stepSucceeded clears a troubled run's note and says how long it lasted.
func (c *Coordinator) stepSucceeded(ctx context.Context, r store.Run) {
	c.stepMu.Lock()
	t := c.troubles[r.ID]
	delete(c.troubles, r.ID)
	c.stepMu.Unlock()
	if t == nil && r.Note == "" {
		return
	}
	if t != nil {
		c.Log.InfoContext(ctx, "run advances again", "run_id", r.ID, "remote", r.Remote, "failures", t.failures,
			"lasted", time.Since(t.since).Round(time.Millisecond))
	}
	if err := c.Store.SetRunNote(ctx, r.ID, ""); err != nil {
		c.Log.DebugContext(ctx, "run note not cleared", "run_id", r.ID, "remote", r.Remote, "error", err)
	}
}

// forgetTroubles drops what is kept of runs no longer active (finished,
// cancelled, or led by another process now).
func (c *Coordinator) forgetTroubles(active []store.Run) {
	c.stepMu.Lock()
	defer c.stepMu.Unlock()
	if len(c.troubles) == 0 {
		return
	}
	keep := make(map[uuid.UUID]bool, len(active))
	for _, r := range active {
		keep[r.ID] = true
	}
	for id := range c.troubles {
		if !keep[id] {
			delete(c.troubles, id)
		}
	}
}
