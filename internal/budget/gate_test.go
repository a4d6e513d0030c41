package budget

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/senaite"
	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

// labs stores lab_a and lab_b and the remote a_to_b with opts, and
// answers lab_b's id.
func labs(t *testing.T, st *store.Store, opts remote.Options) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	for _, n := range []string{"lab_a", "lab_b"} {
		in, err := st.CreateInstance(ctx, store.Instance{Name: n, URL: "http://127.0.0.1/" + n, Username: "admin", Password: []byte("sealed")})
		if err != nil {
			t.Fatal(err)
		}
		id = in.ID
	}
	if _, err := st.CreateRemote(ctx, "a_to_b", "lab_a", "lab_b", opts.Normalize()); err != nil {
		t.Fatal(err)
	}
	return id
}

// process is one process's registry on st, with the tests' quick timing.
func process(t *testing.T, st *store.Store, name string) *Registry {
	t.Helper()
	r := &Registry{Store: st, Holder: name, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		TTL: time.Second, Term: 200 * time.Millisecond, Poll: 20 * time.Millisecond, Idle: 300 * time.Millisecond}
	t.Cleanup(r.Close)
	return r
}

// lab counts what is in flight at a lab and the most ever.
type lab struct {
	inFlight, peak atomic.Int32
	served         atomic.Int64
}

func (l *lab) request(latency time.Duration) {
	n := l.inFlight.Add(1)
	for p := l.peak.Load(); n > p && !l.peak.CompareAndSwap(p, n); p = l.peak.Load() {
	}
	time.Sleep(latency) // the lab's latency, not synchronisation
	l.served.Add(1)
	l.inFlight.Add(-1)
}

// hammer sends requests through g from workers goroutines until ctx ends
// and answers how many each goroutine sent.
func hammer(ctx context.Context, t *testing.T, g *Gate, l *lab, workers int, latency time.Duration) *atomic.Int64 {
	var sent atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				release, err := g.Acquire(ctx)
				if err != nil {
					// the limiter refuses early a wait that would pass ctx's deadline
					if ctx.Err() == nil && !strings.Contains(err.Error(), "would exceed context deadline") {
						t.Errorf("acquire: %v", err)
					}
					return
				}
				began := time.Now()
				l.request(latency)
				sent.Add(1)
				release(senaite.Outcome{Latency: time.Since(began)})
			}
		})
	}
	t.Cleanup(wg.Wait)
	return &sent
}

// TestGateBoundsConcurrencyAcrossProcesses: three processes, each with
// eight requests wanting to go at once to a lab bounded to 2 in flight by
// its remote: never more than 2 at the lab, and every process gets its
// turns.
func TestGateBoundsConcurrencyAcrossProcesses(t *testing.T) {
	t.Parallel()
	st := storetest.Migrated(t)
	id := labs(t, st, remote.Options{MaxConcurrency: 2})
	var l lab
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	var sent []*atomic.Int64
	for _, name := range []string{"p1", "p2", "p3"} {
		sent = append(sent, hammer(ctx, t, process(t, st, name).Gate(id), &l, 8, 5*time.Millisecond))
	}
	<-ctx.Done()
	if p := l.peak.Load(); p > 2 {
		t.Errorf("%d requests in flight at once, the bound is 2", p)
	}
	for i, s := range sent {
		if s.Load() < 10 {
			t.Errorf("process %d sent %d requests in 2.5 s: starved", i+1, s.Load())
		}
	}
	// two slots of 5 ms requests for 2.5 s: at most ~1000; expect a good share
	if n := l.served.Load(); n < 300 {
		t.Errorf("%d requests served in 2.5 s on 2 slots of 5 ms: the slots sit idle", n)
	}
	t.Logf("served %d, per process %d %d %d", l.served.Load(), sent[0].Load(), sent[1].Load(), sent[2].Load())
}

// TestGateOneSlotRotates: two processes that both want a lab bounded to
// one request in flight take turns: the slot changes hands every term.
func TestGateOneSlotRotates(t *testing.T) {
	t.Parallel()
	st := storetest.Migrated(t)
	id := labs(t, st, remote.Options{MaxConcurrency: 1})
	var l lab
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	a := hammer(ctx, t, process(t, st, "a").Gate(id), &l, 4, time.Millisecond)
	b := hammer(ctx, t, process(t, st, "b").Gate(id), &l, 4, time.Millisecond)
	<-ctx.Done()
	if p := l.peak.Load(); p > 1 {
		t.Errorf("%d requests in flight at once, the bound is 1", p)
	}
	if a.Load() < 50 || b.Load() < 50 {
		t.Errorf("a sent %d, b %d in 2 s: the slot did not rotate", a.Load(), b.Load())
	}
}

// TestGateBoundsRateAcrossProcesses: the lab's rate is split among the
// slots, so three processes together stay within it (each process's
// limiter lets one request through at once: a burst of one each).
func TestGateBoundsRateAcrossProcesses(t *testing.T) {
	t.Parallel()
	st := storetest.Migrated(t)
	id := labs(t, st, remote.Options{MaxConcurrency: 3, MaxRequestsPerSecond: 30})
	var l lab
	const span = 2 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), span)
	defer cancel()
	for _, name := range []string{"p1", "p2", "p3"} {
		hammer(ctx, t, process(t, st, name).Gate(id), &l, 4, 0)
	}
	<-ctx.Done()
	if n, most := l.served.Load(), int64(30*span/time.Second)+3; n > most || n < 20 {
		t.Errorf("%d requests in %v at 30 a second: want at most %d (and some)", n, span, most)
	}
}

// TestGateSlotsOfAKilledProcess: a process that dies holding the lab's
// only slot (nothing given back) holds it until its lease expires; then
// another takes it. One that stops cleanly gives it back at once.
func TestGateSlotsOfAKilledProcess(t *testing.T) {
	t.Parallel()
	st := storetest.Migrated(t)
	id := labs(t, st, remote.Options{MaxConcurrency: 1})
	ctx := context.Background()
	for _, crash := range []bool{true, false} {
		dying := process(t, st, "dying")
		dying.Holder = dying.Holder + map[bool]string{true: "-killed", false: "-stopped"}[crash]
		release, err := dying.Gate(id).Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		release(senaite.Outcome{})
		dying.crashed = crash
		dying.Close()
		started := time.Now()
		other := process(t, st, "other")
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		release, err = other.Gate(id).Acquire(actx)
		cancel()
		if err != nil {
			t.Fatalf("crashed %v: the slot never came back: %v", crash, err)
		}
		release(senaite.Outcome{})
		waited := time.Since(started)
		if crash && waited < 500*time.Millisecond {
			t.Errorf("the killed process's slot was taken after %v, before its lease (1 s) could expire", waited)
		}
		if !crash && waited > 500*time.Millisecond {
			t.Errorf("a slot given back at shutdown was taken only after %v", waited)
		}
		other.Close()
	}
}

// TestGateGivesIdleSlotsBack: a slot unused for a while goes back to the
// store, and the maintainer stops.
func TestGateGivesIdleSlotsBack(t *testing.T) {
	t.Parallel()
	st := storetest.Migrated(t)
	id := labs(t, st, remote.Options{MaxConcurrency: 2})
	r := process(t, st, "p")
	g := r.Gate(id)
	release, err := g.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	release(senaite.Outcome{})
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) { // poll interval of a bounded wait
		g.mu.Lock()
		held, running := len(g.leases), g.running
		g.mu.Unlock()
		got, err := st.ClaimSlots(context.Background(), id, 2, "probe", 0, nil, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		peers, _ := st.SlotPeers(context.Background(), id, "probe", time.Minute)
		if held == 0 && !running && len(got) == 0 && len(peers) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s the gate holds %d slots (maintainer running %v), the store shows %v", held, running, peers)
		}
	}
}

// TestGateFollowsTheBounds: a lab's bound read again (the remote was
// edited) applies to the next requests: slots beyond it are given back.
func TestGateFollowsTheBounds(t *testing.T) {
	t.Parallel()
	st := storetest.Migrated(t)
	id := labs(t, st, remote.Options{MaxConcurrency: 3})
	var n atomic.Int32
	n.Store(3)
	r := process(t, st, "p")
	r.Bounds = func(context.Context, int64) (remote.Bounds, error) {
		return remote.Bounds{MaxConcurrency: int(n.Load())}, nil
	}
	var l lab
	ctx, cancel := context.WithCancel(context.Background())
	hammer(ctx, t, r.Gate(id), &l, 6, 2*time.Millisecond)
	defer cancel()
	for deadline := time.Now().Add(5 * time.Second); l.peak.Load() < 3; time.Sleep(10 * time.Millisecond) { // bounded wait
		if time.Now().After(deadline) {
			t.Fatalf("the bound of 3 was never used: peak %d", l.peak.Load())
		}
	}
	n.Store(1)
	// once every request admitted under the old bound has ended, one at a time
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) { // bounded wait
		r.Gate(id).mu.Lock()
		k := len(r.Gate(id).leases)
		r.Gate(id).mu.Unlock()
		if k == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d slots held after the bound fell to 1", k)
		}
	}
	l.peak.Store(l.inFlight.Load())
	served := l.served.Load()
	<-time.After(time.Second) // a second of work under the new bound, measured
	if p := l.peak.Load(); p > 1 {
		t.Errorf("%d in flight under a bound of 1", p)
	}
	if l.served.Load() == served {
		t.Error("nothing served under the new bound")
	}
}

// TestGateSequentialWorkGetsTheRate: work that sends one request at a time
// is not held to the rate of the one slot it needs: while nobody else
// wants them it holds the free slots for their rate; a process that then
// waits for a slot gets one of them.
func TestGateSequentialWorkGetsTheRate(t *testing.T) {
	t.Parallel()
	st := storetest.Migrated(t)
	id := labs(t, st, remote.Options{MaxConcurrency: 4, MaxRequestsPerSecond: 40})
	var l lab
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	alone := hammer(ctx, t, process(t, st, "alone").Gate(id), &l, 1, 0)
	<-ctx.Done()
	// one slot's rate is 10 a second; the lab's 40, reached once the free
	// slots are held (within a term)
	if n := alone.Load(); n < 45 || n > 83 {
		t.Errorf("one request at a time sent %d in 2 s under 40 a second on 4 slots: want the lab's rate, not a slot's", n)
	}
	// the first process holds the lab's 4 slots, unused for less than Idle
	started := time.Now()
	actx, acancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer acancel()
	release, err := process(t, st, "newcomer").Gate(id).Acquire(actx)
	if err != nil {
		t.Fatalf("a process waiting for a slot never got one of the spare: %v", err)
	}
	release(senaite.Outcome{})
	t.Logf("alone: %d requests in 2 s; the newcomer waited %v", alone.Load(), time.Since(started).Round(time.Millisecond))
}

// threadedLab is a lab of a fixed number of threads: a request beyond
// them waits for one, as behind Zope, and the lab counts the wait.
type threadedLab struct {
	threads        chan struct{}
	waited, served atomic.Int64 // nanoseconds waited in all; requests served
}

func (l *threadedLab) request(latency time.Duration) {
	arrived := time.Now()
	l.threads <- struct{}{}
	l.waited.Add(int64(time.Since(arrived)))
	time.Sleep(latency) // the lab's latency, not synchronisation
	<-l.threads
	l.served.Add(1)
}

// TestGateFindsTheLab: within a generous bound (32), a process whose work
// wants 24 requests at once finds a lab of 4 threads by itself: it keeps
// the threads busy (a queue, however short) and the lab's queue wait
// below one latency; the bound of 32 would have queued each request
// seven latencies.
func TestGateFindsTheLab(t *testing.T) {
	t.Parallel()
	st := storetest.Migrated(t)
	id := labs(t, st, remote.Options{MaxConcurrency: 32})
	g := process(t, st, "p").Gate(id)
	lab := &threadedLab{threads: make(chan struct{}, 4)}
	const latency = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 24 {
		wg.Go(func() {
			for ctx.Err() == nil {
				release, err := g.Acquire(ctx)
				if err != nil {
					return
				}
				began := time.Now()
				lab.request(latency)
				release(senaite.Outcome{Latency: time.Since(began)})
			}
		})
	}
	defer wg.Wait()
	defer cancel()
	// the limit settles within a few hundred answers: the first 400 are
	// its search, the next 400 are measured
	for deadline := time.Now().Add(20 * time.Second); lab.served.Load() < 400; time.Sleep(10 * time.Millisecond) { // bounded wait
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests served in 20 s", lab.served.Load())
		}
	}
	served, waited := lab.served.Load(), lab.waited.Load()
	for deadline := time.Now().Add(20 * time.Second); lab.served.Load() < served+400; time.Sleep(10 * time.Millisecond) { // bounded wait
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests served in 20 s", lab.served.Load()-served)
		}
	}
	n := lab.served.Load() - served
	wait := time.Duration((lab.waited.Load() - waited) / n)
	limit := g.Limit()
	t.Logf("limit %d, mean queue wait %s over %d requests", limit, wait, n)
	if limit < 4 || limit >= 8 {
		t.Errorf("limit %d for a lab of 4 threads: want at least its threads and less than twice them", limit)
	}
	if wait >= latency {
		t.Errorf("mean queue wait %s, want below one latency (%s)", wait, latency)
	}
}

// TestGateAdmitsUrgentFirst: five requests wait for a lab's one slot, then
// an urgent one (senaite.Urgent: the next create of an ID sequence) comes;
// the slot given back goes to the urgent one, and the others all follow.
func TestGateAdmitsUrgentFirst(t *testing.T) {
	t.Parallel()
	st := storetest.Migrated(t)
	id := labs(t, st, remote.Options{MaxConcurrency: 1})
	g := process(t, st, "p1").Gate(id)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hold, err := g.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitFor := func(n int) {
		t.Helper()
		for ctx.Err() == nil {
			g.mu.Lock()
			w := g.waiting
			g.mu.Unlock()
			if w == n {
				return
			}
			time.Sleep(time.Millisecond) // polling the gate's count, bounded by ctx
		}
		t.Fatalf("never %d requests waiting", n)
	}
	order := make(chan string, 6)
	var wg sync.WaitGroup
	send := func(ctx context.Context, name string) {
		wg.Go(func() {
			release, err := g.Acquire(ctx)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			order <- name
			release(senaite.Outcome{Latency: time.Millisecond})
		})
	}
	for i := range 5 {
		send(ctx, "plain"+string(rune('1'+i)))
	}
	waitFor(5)
	send(senaite.Urgent(ctx), "urgent")
	waitFor(6)
	hold(senaite.Outcome{Latency: time.Millisecond})
	wg.Wait()
	close(order)
	var got []string
	for name := range order {
		got = append(got, name)
	}
	if len(got) != 6 || got[0] != "urgent" {
		t.Errorf("admitted in the order %v: the urgent request should go first, then the five others", got)
	}
}
