// Package elector chooses the one coordinator that leads, as River's
// elector does: every process campaigns for a named lease in PostgreSQL;
// the holder renews it on its own timer well inside its time to live,
// steps down — cancelling the leader's context — the moment a renewal
// fails or can no longer succeed in time, and releases the lease on
// shutdown so that a standby takes over at once instead of waiting for
// the lease to expire.
//
// Leading is a term: every write the leader makes carries it (a
// store.Fence in the context), and PostgreSQL refuses the writes of a
// term that no longer holds the lease.
package elector

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Leases is what the elector needs of the store.
type Leases interface {
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (store.Lease, bool, error)
	RenewLease(ctx context.Context, l store.Lease, ttl time.Duration) (store.Lease, bool, error)
	ReleaseLease(ctx context.Context, l store.Lease) error
}

// Defaults: a lease lives 15 s and is renewed every 5 s, so two renewals
// may fail (a slow database, a long pause) before it is lost; a standby
// asks for it every second.
const (
	DefaultTTL      = 15 * time.Second
	DefaultRenew    = 5 * time.Second
	DefaultCampaign = time.Second
)

// Elector campaigns for one lease on behalf of one process.
type Elector struct {
	Leases Leases
	// Name is the lease ("coordinator"); Holder this process (unique).
	Name, Holder string
	// TTL, Renew and Campaign default to DefaultTTL, DefaultRenew and
	// DefaultCampaign; Renew must be well below TTL.
	TTL, Renew, Campaign time.Duration
	Log                  *slog.Logger
}

// Term is one leadership: its fence, and the local deadline before which
// the lease is known to be held (measured from the start of the last
// successful renewal, so that a pause of this process counts against it).
type Term struct {
	fence store.Fence
	mu    *sync.Mutex
	until *time.Time
}

// Fence is the token the term's writes carry.
func (t Term) Fence() store.Fence { return t.fence }

// Valid tells whether the lease is still known to be held: false once its
// time to live passed since the last renewal began, whether or not the
// renewal timer has noticed yet (a process resumed after SIGSTOP checks
// this before writing to a lab).
func (t Term) Valid() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return time.Now().Before(*t.until)
}

// ErrNotLeader is what work of a term answers once the term is over.
var ErrNotLeader = errors.New("elector: this process no longer leads")

// Check is Valid as an error, for loops that stop at the first write they
// may no longer make.
func (t Term) Check() error {
	if !t.Valid() {
		return ErrNotLeader
	}
	return nil
}

func (e *Elector) defaults() {
	if e.TTL <= 0 {
		e.TTL = DefaultTTL
	}
	if e.Renew <= 0 || e.Renew >= e.TTL {
		e.Renew = e.TTL / 3
	}
	if e.Campaign <= 0 {
		e.Campaign = DefaultCampaign
	}
	if e.Log == nil {
		e.Log = slog.Default()
	}
}

// Run campaigns until ctx ends. Each time this process wins, lead runs
// with a context that carries the term's fence and is cancelled when the
// term ends; Run waits for lead to return before campaigning again, and
// releases the lease when ctx ends.
func (e *Elector) Run(ctx context.Context, lead func(ctx context.Context, t Term)) {
	e.defaults()
	failures := 0
	for {
		l, ok, err := e.acquire(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			failures++
			if failures == 1 || failures%60 == 0 { // one line, then one a minute
				e.Log.Warn("elector: cannot reach the lease", "lease", e.Name, "failures", failures, "error", err)
			}
		case ok:
			if failures > 0 {
				e.Log.Info("elector: lease reachable again", "lease", e.Name, "failures", failures)
				failures = 0
			}
			e.hold(ctx, l, lead)
			if ctx.Err() != nil {
				return
			}
			continue // campaign at once: a lost renewal may be a blip
		default:
			if failures > 0 {
				e.Log.Info("elector: lease reachable again", "lease", e.Name, "failures", failures)
				failures = 0
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(e.Campaign):
		}
	}
}

func (e *Elector) acquire(ctx context.Context) (store.Lease, bool, error) {
	actx, cancel := context.WithTimeout(ctx, e.Renew)
	defer cancel()
	return e.Leases.AcquireLease(actx, e.Name, e.Holder, e.TTL)
}

// hold leads for one term: it renews on its timer and ends the term when
// a renewal is refused or the local deadline passes without one.
func (e *Elector) hold(ctx context.Context, l store.Lease, lead func(ctx context.Context, t Term)) {
	// the lease was taken at the latest now, so it holds for TTL from a
	// moment before now; a margin covers the clocks' rates
	until := time.Now().Add(e.TTL - e.margin())
	t := Term{fence: l.Fence(), mu: &sync.Mutex{}, until: &until}
	lctx, stop := context.WithCancel(withTerm(store.WithFence(ctx, t.fence), t))
	done := make(chan struct{})
	e.Log.Info("elector: leading", "lease", e.Name, "holder", e.Holder, "term", l.Term)
	go func() {
		defer close(done)
		lead(lctx, t)
	}()
	renew := time.NewTicker(e.Renew)
	defer renew.Stop()
	expire := time.NewTimer(time.Until(t.deadline()))
	defer expire.Stop()
	reason := ""
	for reason == "" {
		select {
		case <-ctx.Done():
			reason = "shutting down"
		case <-done:
			reason = "the leader's work ended"
		case <-expire.C:
			reason = "no renewal within the lease's time to live"
		case <-renew.C:
			if !t.Valid() {
				reason = "no renewal within the lease's time to live"
				break
			}
			started := time.Now()
			rctx, cancel := context.WithTimeout(ctx, time.Until(t.deadline()))
			nl, ok, err := e.Leases.RenewLease(rctx, l, e.TTL)
			cancel()
			switch {
			case err != nil && ctx.Err() == nil:
				e.Log.Warn("elector: renewal failed; still leading until the lease's deadline", "lease", e.Name,
					"term", l.Term, "left", time.Until(t.deadline()).Round(time.Millisecond), "error", err)
			case err == nil && !ok:
				reason = "the lease was taken over"
			case err == nil:
				l = nl
				t.extend(started.Add(e.TTL - e.margin()))
				expire.Reset(time.Until(t.deadline()))
			}
		}
	}
	stop()
	<-done // the leader's work has stopped before anyone else may start it
	e.Log.Info("elector: stepped down", "lease", e.Name, "term", l.Term, "reason", reason)
	if ctx.Err() != nil || reason == "the leader's work ended" {
		// hand over at once; a fresh context, as ctx may be done
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := e.Leases.ReleaseLease(rctx, l); err != nil {
			e.Log.Warn("elector: release failed; the standby waits for the expiry", "lease", e.Name, "error", err)
		}
	}
}

// margin is kept off the lease's time to live on the local clock.
func (e *Elector) margin() time.Duration { return e.TTL / 10 }

func (t Term) deadline() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return *t.until
}

func (t Term) extend(until time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if until.After(*t.until) {
		*t.until = until
	}
}

type termKey struct{}

// withTerm makes ctx carry the term, for Check.
func withTerm(ctx context.Context, t Term) context.Context {
	return context.WithValue(ctx, termKey{}, t)
}

// Check answers ErrNotLeader when ctx belongs to a term that is over (even
// before its context is cancelled: a process resumed after a pause learns
// it here, before its next write to a lab), ctx's error when it is done,
// and nil otherwise — also for work that no elector started.
func Check(ctx context.Context) error {
	if t, ok := ctx.Value(termKey{}).(Term); ok && !t.Valid() {
		return ErrNotLeader
	}
	return ctx.Err()
}
