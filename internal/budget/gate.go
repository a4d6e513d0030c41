package budget

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
)

// ErrClosed is what a request waiting in a gate answers once its process
// gave its slots back (Registry.Close).
var ErrClosed = errors.New("budget: this process gave its slots back")

// Gate admits one process's requests to one lab within the lab's bounds
// (senaite.Gate). Acquire takes a slot the process leases, without a round
// trip to PostgreSQL; a maintainer goroutine, running while the gate
// holds or wants slots, does the leasing.
type Gate struct {
	r   *Registry
	lab int64

	mu      sync.Mutex
	n       int     // the lab's slots; 0 until its bounds are known
	rps     float64 // the lab's rate; 0: none
	leases  map[int]*lease
	inUse   int           // leases a request uses now
	adapt   *Adaptive     // how many of the slots the lab takes at once, as found
	waiting int           // Acquire calls without a slot yet
	urgent  int           // of them, those of urgent requests (senaite.Urgent): the others wait while any does
	changed chan struct{} // closed (and replaced) whenever a slot may have become free
	wake    chan struct{} // nudges the maintainer
	running bool          // a maintainer goroutine is at work
	limiter *rate.Limiter // this process's share of the lab's rate; nil without one

	// the maintainer's own state (one maintainer at a time)
	ensured   int       // slots known to exist in lab_slots
	waiter    bool      // recorded in lab_waiters
	stopped   time.Time // when it last stopped waiting
	renewedAt time.Time
	sharedAt  time.Time
	latencyAt time.Time // last shared what it learnt of the lab's latency
	rateAt    time.Time // last claim of free slots for their rate
	failures  int
}

// lease is one slot this process holds.
type lease struct {
	slot int
	// until is the moment on this process's clock before which the lease
	// is known to hold: its time to live, less a margin, from the start of
	// the claim or renewal that last extended it.
	until time.Time
	since time.Time // held since (a slot rotates after a term)
	used  time.Time // last given back by a request
	inUse bool
	owed  bool // to be given back as soon as its request ends
	lost  bool // the store no longer has it as this process's
}

func newGate(r *Registry, lab int64) *Gate {
	return &Gate{r: r, lab: lab, leases: map[int]*lease{}, adapt: NewAdaptive(1), changed: make(chan struct{}), wake: make(chan struct{}, 1)}
}

// Base is what this process learnt of the lab's latency without load
// (reads, writes; 0 unknown).
func (g *Gate) Base() [2]time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.adapt.Base()
}

// Limit is how many requests this process sends the lab at once now: the
// lab's capacity as the gate found it (Adaptive), within its bound.
func (g *Gate) Limit() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.adapt.Limit()
}

// Acquire waits for a slot of the lab this process leases and trusts, then
// for this process's share of the lab's rate, and returns the function
// that gives the slot back to the process (not to the store: the slot
// serves the process's next request). A request marked senaite.Urgent
// takes a slot before the others waiting. It fails only when ctx ends or
// the process is shutting down.
func (g *Gate) Acquire(ctx context.Context) (func(senaite.Outcome), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	urgent := 0
	if senaite.IsUrgent(ctx) {
		urgent = 1
	}
	g.mu.Lock()
	g.waiting++
	g.urgent += urgent
	for {
		now := time.Now()
		if l := g.pickLocked(now); l != nil && (urgent == 1 || g.spareLocked(now) > g.urgent) {
			g.waiting--
			if urgent == 1 {
				g.urgent--
				if g.waiting > g.urgent {
					g.broadcastLocked() // those it kept waiting look again
				}
			}
			l.inUse = true
			g.inUse++
			lim := g.limiter
			g.mu.Unlock()
			if lim != nil {
				if err := lim.Wait(ctx); err != nil {
					g.giveBack(l, false)
					return nil, err
				}
			}
			g.mu.Lock()
			if g.trustedLocked(l, time.Now()) {
				g.mu.Unlock()
				return g.releaser(l), nil
			}
			// its lease may have lapsed while the rate held the request back
			g.putLocked(l, false)
			g.waiting++
			g.urgent += urgent
			continue
		}
		if g.r.ctx.Err() != nil || !g.startLocked() {
			g.waiting--
			g.urgent -= urgent
			g.broadcastLocked() // the others may go
			g.mu.Unlock()
			return nil, fmt.Errorf("budget: lab %d: %w", g.lab, ErrClosed)
		}
		g.nudgeLocked()
		ch := g.changed
		g.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			g.mu.Lock()
			g.waiting--
			if urgent == 1 {
				g.urgent--
				g.broadcastLocked() // the others may go
			}
			g.mu.Unlock()
			return nil, ctx.Err()
		case <-g.r.ctx.Done():
		}
		g.mu.Lock()
	}
}

// pickLocked is a trusted slot no request uses, or nil; nil too while
// the requests in flight are at the limit the gate found for the lab.
func (g *Gate) pickLocked(now time.Time) *lease {
	if g.inUse >= g.adapt.Limit() {
		return nil
	}
	for _, l := range g.leases {
		if !l.inUse && g.trustedLocked(l, now) {
			return l
		}
	}
	return nil
}

// spareLocked counts the slots a request could take now: a request not
// urgent takes one only while more are spare than urgent ones wait.
func (g *Gate) spareLocked(now time.Time) int {
	_, free := g.usableLocked(now)
	return min(free, g.adapt.Limit()-g.inUse)
}

// trustedLocked tells whether a request may be sent on l now: the store
// has it as this process's within its time to live by this process's own
// clock, it is within the lab's bound, and it is not being given back.
func (g *Gate) trustedLocked(l *lease, now time.Time) bool {
	return !l.lost && !l.owed && l.slot < g.n && now.Before(l.until)
}

// releaser gives l back to the process once its request is answered,
// and learns from the answer how much the lab takes.
func (g *Gate) releaser(l *lease) func(senaite.Outcome) {
	var once sync.Once
	return func(o senaite.Outcome) {
		once.Do(func() {
			g.mu.Lock()
			before := g.adapt.Limit()
			if g.adapt.Observe(o, g.inUse+g.waiting) {
				g.r.Log.Debug("budget: the lab's concurrency", "lab_id", g.lab, "limit", g.adapt.Limit(), "was", before)
				if g.adapt.Limit() > before && g.waiting > 0 {
					g.nudgeLocked() // more slots may be claimed
				}
			}
			g.putLocked(l, true)
			g.mu.Unlock()
		})
	}
}

func (g *Gate) giveBack(l *lease, used bool) {
	g.mu.Lock()
	g.putLocked(l, used)
	g.mu.Unlock()
}

func (g *Gate) putLocked(l *lease, used bool) {
	l.inUse = false
	g.inUse--
	if used {
		now := time.Now()
		l.used = now
		if g.rps > 0 { // every slot held lent its share of the rate
			for _, o := range g.leases {
				o.used = now
			}
		}
	}
	g.broadcastLocked()
	if !g.trustedLocked(l, time.Now()) {
		g.nudgeLocked() // it goes back to the store
	}
}

// broadcastLocked wakes every Acquire waiting for a slot.
func (g *Gate) broadcastLocked() {
	close(g.changed)
	g.changed = make(chan struct{})
}

func (g *Gate) nudgeLocked() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// startLocked makes sure the maintainer runs; false once the registry is
// closed.
func (g *Gate) startLocked() bool {
	if g.running {
		return true
	}
	if !g.r.spawn(g.run) {
		return false
	}
	g.running = true
	return true
}

// usableLocked counts the trusted slots, and of them those no request
// uses.
func (g *Gate) usableLocked(now time.Time) (usable, free int) {
	for _, l := range g.leases {
		if g.trustedLocked(l, now) {
			usable++
			if !l.inUse {
				free++
			}
		}
	}
	return usable, free
}

// retuneLocked sets the process's share of the lab's rate: rps/N for each
// trusted slot it holds.
func (g *Gate) retuneLocked(now time.Time) {
	if g.rps <= 0 || g.n <= 0 {
		g.limiter = nil
		return
	}
	k, _ := g.usableLocked(now)
	limit := rate.Limit(float64(max(k, 1)) * g.rps / float64(g.n))
	if g.limiter == nil {
		g.limiter = rate.NewLimiter(limit, 1)
	} else if g.limiter.Limit() != limit {
		g.limiter.SetLimitAt(now, limit)
	}
}

func (g *Gate) setBoundsLocked(b remote.Bounds, now time.Time) {
	n := max(b.MaxConcurrency, 1)
	if n == g.n && b.RequestsPerSecond == g.rps {
		return
	}
	if g.n != 0 {
		g.r.Log.Info("budget: the lab's bounds changed", "lab_id", g.lab, "max_concurrency", n,
			"max_requests_per_second", b.RequestsPerSecond, "was_max_concurrency", g.n, "was_max_requests_per_second", g.rps)
	}
	g.n, g.rps = n, b.RequestsPerSecond
	g.adapt.SetCeiling(n)
	g.retuneLocked(now)
	g.broadcastLocked()
}

// run is the maintainer: it steps until the gate neither holds nor wants
// slots, or the registry closes.
func (g *Gate) run() {
	ctx := g.r.ctx
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next, done := g.step(ctx)
		if done {
			return
		}
		if ctx.Err() != nil {
			g.shutdown()
			return
		}
		timer.Reset(next)
		select {
		case <-ctx.Done():
			g.shutdown()
			return
		case <-g.wake:
		case <-timer.C:
		}
	}
}

// window is how recently a waiter must have asked to be counted.
func (r *Registry) window() time.Duration { return 2 * r.Term }

// margin is kept off a lease's time to live on this process's clock, for
// the clocks' rates.
func (r *Registry) margin() time.Duration { return r.TTL / 10 }

// latencyFresh is how long a lab's least latency, not seen again, is
// taught to its users (store.ShareLatency): a lab that grew slower for good
// is learnt again.
const latencyFresh = 10 * time.Minute

// step is one round of the maintainer: the lab's bounds, slots given back
// (lost, beyond the bound, owed, idle), slots claimed for the requests
// waiting, renewal, fairness. It answers when to step again, or done when
// the maintainer may stop.
func (g *Gate) step(ctx context.Context) (next time.Duration, done bool) {
	r := g.r
	octx, cancel := context.WithTimeout(ctx, r.TTL/3)
	defer cancel()
	ok := true
	fail := func(what string, err error) {
		if ctx.Err() != nil {
			return
		}
		ok = false
		g.failures++
		if g.failures == 1 || g.failures%100 == 0 { // one line, then one every hundred failures
			r.Log.Warn("budget: "+what, "lab_id", g.lab, "holder", r.Holder, "failures", g.failures, "error", err)
		}
	}
	b, err := r.labBounds(octx, g.lab)
	now := time.Now()
	g.mu.Lock()
	if err != nil {
		fail("cannot read the lab's bounds", err)
	} else {
		g.setBoundsLocked(b, now)
	}
	n := g.n
	if n == 0 {
		g.mu.Unlock()
		return r.Poll, false
	}
	if now.Sub(g.latencyAt) >= r.Term {
		// what this process learnt of the lab's latency, and what the others did
		g.latencyAt = now
		base := g.adapt.Base()
		g.mu.Unlock()
		shared, err := r.Store.ShareLatency(octx, g.lab, base, latencyFresh)
		g.mu.Lock()
		if err != nil {
			fail("cannot share the lab's latency", err)
		} else {
			g.adapt.Teach(shared)
		}
	}
	// what goes back: slots no request uses that the store took back, that
	// are no longer trusted, beyond the bound, owed to others, or idle
	var give []int
	for s, l := range g.leases {
		if l.inUse {
			continue
		}
		if l.lost {
			delete(g.leases, s)
			continue
		}
		if l.owed || l.slot >= n || !now.Before(l.until) || now.Sub(l.used) >= r.Idle {
			give = append(give, s)
			delete(g.leases, s)
		}
	}
	usable, free := g.usableLocked(now)
	want := min(usable-free+g.waiting, n, g.adapt.Limit()) - usable
	known := make([]int, 0, len(g.leases))
	for s := range g.leases {
		known = append(known, s)
	}
	g.retuneLocked(now)
	g.mu.Unlock()

	for _, s := range give {
		if _, err := r.Store.GiveSlot(octx, g.lab, r.Holder, s, r.TTL, r.window()); err != nil {
			fail("cannot give a slot back", err) // it expires by itself
		}
	}
	ensure := func() {
		if g.ensured < n {
			if err := r.Store.EnsureSlots(octx, g.lab, n); err != nil {
				fail("cannot make the lab's slots", err)
			} else {
				g.ensured = n
			}
		}
	}
	short := false
	if want > 0 {
		ensure()
		started := time.Now()
		got, err := r.Store.ClaimSlots(octx, g.lab, n, r.Holder, want, known, r.TTL)
		if err != nil {
			fail("cannot claim slots", err)
		}
		short = g.adopt(got, started, true) < want
	}
	switch {
	case short:
		if err := r.Store.WaitForSlots(octx, g.lab, r.Holder); err != nil {
			fail("cannot wait for slots", err)
		} else {
			g.waiter = true
		}
	case g.waiter:
		if err := r.Store.StopWaitingForSlots(octx, g.lab, r.Holder); err != nil {
			fail("cannot stop waiting for slots", err)
		} else {
			g.waiter, g.stopped = false, time.Now()
		}
	}

	// the rate: every slot carries rps/N of the lab's rate, so work that
	// sends one request at a time would crawl at rps/N on the one slot it
	// needs. While it sends, a process also takes the lab's free slots for
	// their rate — not as a waiter: they are spare, and go to the first
	// process that waits for one (Share.GiveBack)
	if !short && time.Since(g.rateAt) >= r.Term {
		g.mu.Lock()
		now := time.Now()
		usable, _ := g.usableLocked(now)
		busy := g.waiting > 0
		known = known[:0]
		for s, l := range g.leases {
			known = append(known, s)
			busy = busy || l.inUse || now.Sub(l.used) < r.Term
		}
		more, rated := g.n-usable, g.rps > 0
		g.mu.Unlock()
		if rated && busy && more > 0 {
			g.rateAt = now
			ensure()
			got, err := r.Store.ClaimSlots(octx, g.lab, n, r.Holder, more, known, r.TTL)
			if err != nil {
				fail("cannot claim slots", err)
			}
			g.adopt(got, now, true)
		}
	}

	g.mu.Lock()
	held, idle := len(g.leases), g.waiting == 0
	g.mu.Unlock()
	// a slot handed over just as this process stopped waiting is found by
	// a last renewal before the maintainer stops
	last := held == 0 && idle && !g.waiter && time.Since(g.stopped) >= r.window()
	lastSwept := false
	if held > 0 && time.Since(g.renewedAt) >= r.TTL/3 || last {
		started := time.Now()
		got, err := r.Store.RenewSlots(octx, g.lab, r.Holder, r.TTL)
		if err != nil {
			fail("cannot renew slots", err) // each is trusted until its own deadline
		} else {
			g.renewed(got, started)
			lastSwept = last
		}
	}
	// who else uses the lab is asked every term (rotation), and every poll
	// while a slot is spare: a process waiting for one should not wait a
	// term for a slot nobody uses
	again := false
	if held > 0 && time.Since(g.sharedAt) >= g.shareEvery() {
		g.sharedAt = time.Now()
		peers, err := r.Store.SlotPeers(octx, g.lab, r.Holder, r.window())
		if err != nil {
			fail("cannot read who else uses the lab", err)
		} else {
			again = g.share(peers)
		}
	}
	if ok && g.failures > 0 {
		r.Log.Info("budget: the lab's slots are reachable again", "lab_id", g.lab, "failures", g.failures)
		g.failures = 0
	}

	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case again:
		return 0, false
	case short || g.waiting > 0:
		return r.Poll, false
	case len(g.leases) > 0:
		return max(min(g.shareEveryLocked(), time.Until(g.renewedAt.Add(r.TTL/3))), 0), false
	case lastSwept && g.waiting == 0:
		g.running = false // Acquire starts another when it needs one
		return 0, true
	}
	return r.Term, false
}

// shareEvery is how often a holder asks who else uses the lab: every
// poll while one of its slots is spare, else every term.
func (g *Gate) shareEvery() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.shareEveryLocked()
}

func (g *Gate) shareEveryLocked() time.Duration {
	usable, free := g.usableLocked(time.Now())
	if usable > 0 && free > g.waiting {
		return g.r.Poll
	}
	return g.r.Term
}

// adopt records slots the store leased to this process in a call begun
// at started, and answers how many are new; slots found by a claim were
// wanted (their idle time starts now), others are given back when unused.
func (g *Gate) adopt(slots []int, started time.Time, wanted bool) int {
	if len(slots) == 0 {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	until := started.Add(g.r.TTL - g.r.margin())
	for _, s := range slots {
		if l, ok := g.leases[s]; ok {
			l.until, l.lost, l.owed = until, false, false
			continue
		}
		l := &lease{slot: s, until: until, since: started}
		if wanted {
			l.used = started
		}
		g.leases[s] = l
	}
	now := time.Now()
	g.retuneLocked(now)
	g.broadcastLocked()
	return len(slots)
}

// renewed records a renewal begun at started: the slots it answered are
// trusted anew (a slot handed to this process among them is adopted), the
// others were lost.
func (g *Gate) renewed(slots []int, started time.Time) {
	g.renewedAt = started
	var handed []int
	g.mu.Lock()
	until := started.Add(g.r.TTL - g.r.margin())
	for s, l := range g.leases {
		if slices.Contains(slots, s) {
			l.until = until
			continue
		}
		l.lost = true
		if !l.inUse {
			delete(g.leases, s)
		}
	}
	for _, s := range slots {
		if _, ok := g.leases[s]; !ok {
			handed = append(handed, s)
		}
	}
	g.retuneLocked(time.Now())
	g.mu.Unlock()
	g.adopt(handed, started, false)
}

// share applies the rule of fairness (Share.GiveBack) to what the store
// says of the lab's other users: the slots to give back are marked owed,
// unused ones first, then those held longest; it answers whether some can
// go back at once.
func (g *Gate) share(peers []store.SlotPeer) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now()
	var mine []*lease
	sh := Share{N: g.n}
	for _, l := range g.leases {
		if !g.trustedLocked(l, now) {
			continue
		}
		mine = append(mine, l)
		sh.Held++
		if !l.inUse {
			sh.Spare++
		}
		if now.Sub(l.since) >= g.r.Term {
			sh.Rotatable++
		}
	}
	sh.Spare = max(sh.Spare-g.waiting, 0)
	for _, p := range peers {
		sh.Peers = append(sh.Peers, Peer{Held: p.Held, Waiting: p.Waiting})
	}
	g.adapt.SetUsers(1 + len(peers))
	k := sh.GiveBack()
	if k == 0 {
		return false
	}
	slices.SortFunc(mine, func(a, b *lease) int {
		if a.inUse != b.inUse {
			if a.inUse {
				return 1
			}
			return -1
		}
		return a.since.Compare(b.since)
	})
	soon := false
	for _, l := range mine[:k] {
		l.owed = true
		soon = soon || !l.inUse
	}
	g.retuneLocked(now)
	return soon
}

// shutdown gives every slot back — waiting a little for requests still in
// flight — and stops waiting, so that other processes need not wait for
// the leases to expire.
func (g *Gate) shutdown() {
	r := g.r
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	deadline := time.Now().Add(2 * time.Second)
	for {
		g.mu.Lock()
		var give []int
		busy := 0
		for s, l := range g.leases {
			if l.inUse {
				busy++
				continue
			}
			delete(g.leases, s)
			if !l.lost {
				give = append(give, s)
			}
		}
		g.broadcastLocked() // waiting requests learn that the registry closed
		ch := g.changed
		g.mu.Unlock()
		if !r.crashed {
			for _, s := range give {
				if _, err := r.Store.GiveSlot(ctx, g.lab, r.Holder, s, r.TTL, r.window()); err != nil {
					r.Log.Warn("budget: cannot give a slot back at shutdown; it expires by itself", "lab_id", g.lab, "slot", s, "error", err)
				}
			}
		}
		if busy == 0 || time.Now().After(deadline) {
			break
		}
		select {
		case <-ch:
		case <-time.After(time.Until(deadline)):
		}
	}
	if g.waiter && !r.crashed {
		_ = r.Store.StopWaitingForSlots(ctx, g.lab, r.Holder)
	}
	g.mu.Lock()
	g.running = false
	g.mu.Unlock()
}
