package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/senaite-sync/senaite-sync/internal/queue"
)

// Auto-sync (ARCHITECTURE.md §3, §6): the leader publishes a tick on
// sync.tick.<remote> when a remote's interval has come round; whichever
// coordinator consumes it marks the remote pending; the leader starts an
// update from a pending remote once no step of it runs. Three
// compare-and-sets make it exact: the schedule moves once per slot
// (several leaders in turn publish the same slot, deduplicated by its
// message id), a slot is accepted once, and a pending tick becomes exactly
// one run.

// NextTick is the schedule's rule. Slots are the multiples of interval
// since the zero time (24h ticks at midnight UTC, 15m at :00, :15, …), so
// every coordinator computes the same ones. A remote not scheduled yet
// (next nil: just created, or its interval changed) is scheduled for the
// end of the current slot without a tick; a remote whose time has come
// ticks for the current slot only, however many slots passed while
// nothing ran — missed ticks make one update, not a burst.
func NextTick(now time.Time, interval time.Duration, next *time.Time) (slot, nextAt time.Time, due bool) {
	slot = now.Truncate(interval)
	nextAt = slot.Add(interval)
	if next == nil || now.Before(*next) {
		if next != nil {
			nextAt = *next
		}
		return time.Time{}, nextAt, false
	}
	return slot, nextAt, true
}

// scheduleEvery is how often the leader looks for remotes whose tick is due.
const scheduleEvery = time.Second

// tickMessage is a tick's payload; the slot makes it idempotent.
type tickMessage struct {
	Remote string    `json:"remote"`
	Slot   time.Time `json:"slot"`
}

// ScheduleTicks publishes the ticks that are due at now and moves each
// remote's schedule on. A tick that could not be published is retried at
// the next call (the schedule does not move).
func (c *Coordinator) ScheduleTicks(ctx context.Context, now time.Time) error {
	remotes, err := c.Store.Remotes(ctx)
	if err != nil {
		return err
	}
	for _, rm := range remotes {
		interval := time.Duration(rm.Options.AutoSync)
		if interval <= 0 {
			continue
		}
		slot, nextAt, due := NextTick(now, interval, rm.NextTickAt)
		if due {
			payload, _ := json.Marshal(tickMessage{Remote: rm.Name, Slot: slot})
			id := fmt.Sprintf("tick.%s.%d", rm.Name, slot.Unix())
			err := queue.Publish(ctx, c.JS, c.Names.Subject(queue.Tick, rm.Name), id, payload)
			if err != nil && !errors.Is(err, queue.ErrDuplicate) {
				c.Log.WarnContext(ctx, "auto-sync tick not published", "remote", rm.Name, "error", err)
				continue
			}
			c.Log.InfoContext(ctx, "auto-sync tick", "remote", rm.Name, "slot", slot)
		}
		if rm.NextTickAt != nil && nextAt.Equal(*rm.NextTickAt) {
			continue
		}
		if _, err := c.Store.ScheduleTick(ctx, rm.ID, rm.NextTickAt, nextAt); err != nil {
			return err
		}
	}
	return nil
}

// HandleTick accepts a tick message: the remote becomes pending (once per
// slot). A malformed tick is dropped with a log line, never retried.
func (c *Coordinator) HandleTick(ctx context.Context, msg jetstream.Msg) {
	var t tickMessage
	if err := json.Unmarshal(msg.Data(), &t); err != nil || t.Remote == "" || t.Slot.IsZero() {
		c.Log.ErrorContext(ctx, "auto-sync: malformed tick dropped", "subject", msg.Subject(), "error", err)
		_ = msg.Term()
		return
	}
	ok, err := c.Store.AcceptTick(ctx, t.Remote, t.Slot)
	if err != nil {
		c.Log.WarnContext(ctx, "auto-sync: tick not recorded; redelivered", "remote", t.Remote, "error", err)
		_ = msg.NakWithDelay(time.Second)
		return
	}
	if ok {
		c.Log.DebugContext(ctx, "auto-sync: tick accepted", "remote", t.Remote, "slot", t.Slot)
	}
	_ = msg.Ack()
}

// ServeTicks consumes ticks until ctx ends; every coordinator replica may
// run it.
func (c *Coordinator) ServeTicks(ctx context.Context) error {
	cons, err := queue.Consumer(ctx, c.JS, c.Names, queue.Tick)
	if err != nil {
		return err
	}
	return queue.Serve(ctx, cons, 2, c.HandleTick)
}

// StartPendingSyncs starts an update for every remote whose tick waits and
// that has no active run; a remote with one keeps its tick for later.
func (c *Coordinator) StartPendingSyncs(ctx context.Context) error {
	ids, err := c.Store.PendingSyncs(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		run, ok, err := c.Store.StartPendingSync(ctx, id)
		if err != nil {
			return err
		}
		if ok {
			c.Log.InfoContext(ctx, "auto-sync update queued", "remote", run.Remote, "run_id", run.ID)
		}
	}
	return nil
}

// autoSync is the leader's share of auto-sync, at most every scheduleEvery.
func (c *Coordinator) autoSync(ctx context.Context) {
	now := time.Now()
	if now.Sub(c.scheduled) < scheduleEvery {
		return
	}
	c.scheduled = now
	if err := c.ScheduleTicks(ctx, now); err != nil {
		c.Log.WarnContext(ctx, "auto-sync schedule", "error", err)
	}
	if err := c.StartPendingSyncs(ctx); err != nil {
		c.Log.WarnContext(ctx, "auto-sync start", "error", err)
	}
}
