// Package budget makes a lab's bounds hold for the whole system
// (ARCHITECTURE.md §2; issue #13): at most max_concurrency requests in
// flight and max_requests_per_second a second, counted over every
// fetcher, importer and coordinator process, every remote and every
// account (main and verifier) that talks to the lab. The bounds come from
// the remotes that name the lab (remote.LabBounds).
//
// A lab bounded to N requests in flight has N slots in PostgreSQL
// (store.ClaimSlots, lab_slots). Each process keeps one Gate per lab,
// shared by every client of that lab in the process (senaite.Config.Gate);
// a request is sent only on a slot the process leases, taken from what it
// holds locally — the fast path makes no round trip to PostgreSQL. A
// maintainer goroutine per gate claims slots while requests wait for one,
// renews the leases on a timer (a third of their time to live) and trusts
// each only until its time to live has passed on the process's own clock
// since the renewal began, less a margin (as internal/elector trusts its
// lease), gives back slots it has not used for a while, and, when other
// processes wait (lab_waiters), keeps only its fair share and hands the
// rest to them (Share.GiveBack): with N=1 the slot changes hands every
// term. A process killed while holding slots holds them until their leases
// expire; then others claim them.
//
// Rate: every slot carries rps/N of the lab's rate, so a process holding k
// slots sends through a local limiter of k·rps/N (burst 1), adjusted as k
// changes: the sum over processes never exceeds the lab's rate.
package budget

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// Slots is what the gates need of the store: the slots' leases and
// waiters (store/labslots.go, store/labwaiters.go) and the remotes the
// bounds come from.
type Slots interface {
	EnsureSlots(ctx context.Context, instanceID int64, n int) error
	ClaimSlots(ctx context.Context, instanceID int64, n int, holder string, want int, known []int, ttl time.Duration) ([]int, error)
	RenewSlots(ctx context.Context, instanceID int64, holder string, ttl time.Duration) ([]int, error)
	GiveSlot(ctx context.Context, instanceID int64, holder string, slot int, ttl, window time.Duration) (string, error)
	SlotPeers(ctx context.Context, instanceID int64, holder string, window time.Duration) ([]store.SlotPeer, error)
	WaitForSlots(ctx context.Context, instanceID int64, holder string) error
	StopWaitingForSlots(ctx context.Context, instanceID int64, holder string) error
	ShareLatency(ctx context.Context, instanceID int64, base [2]time.Duration, fresh time.Duration) ([2]time.Duration, error)
	Remotes(ctx context.Context) ([]store.Remote, error)
}

// Defaults of a Registry's timing: a lease lives 10 s and is renewed every
// third of that; a slot changes hands among waiting processes every
// second; a process short of slots asks every 100 ms; a slot unused for
// 3 s goes back; the bounds are read again every 5 s.
const (
	DefaultTTL         = 10 * time.Second
	DefaultTerm        = time.Second
	DefaultPoll        = 100 * time.Millisecond
	DefaultIdle        = 3 * time.Second
	DefaultBoundsCache = 5 * time.Second
)

// Registry holds this process's gates, one per lab, so that every client
// of a lab in the process shares it. Set the exported fields before the
// first Gate; Close gives the slots back.
type Registry struct {
	Store Slots
	// Holder names this process in lab_slots (NewHolder); unique.
	Holder string
	Log    *slog.Logger
	// TTL, Term, Poll, Idle and BoundsCache default to the constants
	// above.
	TTL, Term, Poll, Idle, BoundsCache time.Duration
	// Bounds, when set, replaces the rule over the stored remotes.
	Bounds func(ctx context.Context, labID int64) (remote.Bounds, error)

	init   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	gates  map[int64]*Gate
	closed bool
	// crashed makes Close leave the slots to expire, as a killed process
	// does (tests)
	crashed bool

	boundsMu sync.Mutex
	bounds   map[int64]remote.Bounds
	boundsAt time.Time
}

// NewHolder names a process for its leases: host, pid and a random part,
// so that an operator reading lab_slots (or a test) knows which process
// holds what, and a restarted process with the same pid is another
// holder.
func NewHolder() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), uuid.NewString()[:8])
}

func (r *Registry) start() {
	r.init.Do(func() {
		if r.TTL <= 0 {
			r.TTL = DefaultTTL
		}
		if r.Term <= 0 {
			r.Term = DefaultTerm
		}
		if r.Poll <= 0 {
			r.Poll = DefaultPoll
		}
		if r.Idle <= 0 {
			r.Idle = DefaultIdle
		}
		if r.BoundsCache <= 0 {
			r.BoundsCache = DefaultBoundsCache
		}
		if r.Holder == "" {
			r.Holder = NewHolder()
		}
		if r.Log == nil {
			r.Log = slog.Default()
		}
		r.ctx, r.cancel = context.WithCancel(context.Background())
		r.gates = map[int64]*Gate{}
	})
}

// Gate is the lab's gate in this process, made at its first use.
func (r *Registry) Gate(labID int64) *Gate {
	r.start()
	r.mu.Lock()
	defer r.mu.Unlock()
	g, ok := r.gates[labID]
	if !ok {
		g = newGate(r, labID)
		r.gates[labID] = g
	}
	return g
}

// Close stops every gate's maintainer: each gives its slots back (waiting
// briefly for requests still in flight) and stops waiting, so that other
// processes take them at once instead of after their leases expire.
// Requests still waiting in a gate fail with context.Canceled.
func (r *Registry) Close() {
	r.start()
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}

// spawn runs fn in a goroutine Close waits for; false once closed.
func (r *Registry) spawn(fn func()) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		fn()
	}()
	return true
}

// Forget makes the next request of every gate read the bounds again: the
// remotes were changed by this process. Other processes see a change
// within BoundsCache.
func (r *Registry) Forget() {
	r.boundsMu.Lock()
	r.boundsAt = time.Time{}
	r.boundsMu.Unlock()
}

// labBounds is a lab's bounds by the rule over every stored remote,
// read again every BoundsCache.
func (r *Registry) labBounds(ctx context.Context, labID int64) (remote.Bounds, error) {
	if r.Bounds != nil {
		return r.Bounds(ctx, labID)
	}
	r.boundsMu.Lock()
	defer r.boundsMu.Unlock()
	if r.bounds == nil || time.Since(r.boundsAt) >= r.BoundsCache {
		rms, err := r.Store.Remotes(ctx)
		if err != nil {
			if r.bounds != nil { // the last known bounds until the store answers
				return remote.BoundsOf(r.bounds, labID), nil
			}
			return remote.Bounds{}, err
		}
		links := make([]remote.Link, len(rms))
		for i, rm := range rms {
			links[i] = remote.Link{SourceID: rm.SourceID, DestinationID: rm.DestinationID, Options: rm.Options}
		}
		r.bounds, r.boundsAt = remote.LabBounds(links), time.Now()
	}
	return remote.BoundsOf(r.bounds, labID), nil
}
