package elector_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/senaite-sync/senaite-sync/internal/elector"
	"github.com/senaite-sync/senaite-sync/internal/remote"
	"github.com/senaite-sync/senaite-sync/internal/store"
	"github.com/senaite-sync/senaite-sync/internal/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// campaign runs an elector in the background and reports its terms.
type campaign struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	terms  []int64
	lead   chan context.Context
}

func start(t *testing.T, st *store.Store, holder string, ttl time.Duration) *campaign {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &campaign{cancel: cancel, done: make(chan struct{}), lead: make(chan context.Context, 16)}
	el := &elector.Elector{Leases: st, Name: "coordinator", Holder: holder, TTL: ttl, Renew: ttl / 4,
		Campaign: 50 * time.Millisecond, Log: quiet}
	go func() {
		defer close(c.done)
		el.Run(ctx, func(ctx context.Context, term elector.Term) {
			c.mu.Lock()
			c.terms = append(c.terms, term.Fence().Term)
			c.mu.Unlock()
			c.lead <- ctx
			<-ctx.Done()
		})
	}()
	t.Cleanup(func() { cancel(); <-c.done })
	return c
}

// leading waits (bounded) for the campaign to lead and returns the
// leader's context.
func (c *campaign) leading(t *testing.T, within time.Duration) context.Context {
	t.Helper()
	select {
	case ctx := <-c.lead:
		return ctx
	case <-time.After(within):
		t.Fatalf("did not lead within %s", within)
		return nil
	}
}

func TestOneLeaderRenewsAndHandsOverOnShutdown(t *testing.T) {
	t.Parallel()
	st := storetest.Migrated(t)
	ttl := 800 * time.Millisecond
	a := start(t, st, "a", ttl)
	actx := a.leading(t, 5*time.Second)
	b := start(t, st, "b", ttl)
	// a keeps leading across several lease lifetimes: it renews by itself
	select {
	case <-b.lead:
		t.Fatal("b leads while a holds the lease")
	case <-actx.Done():
		t.Fatal("a stepped down while renewing")
	case <-time.After(4 * ttl):
	}
	// a shuts down: it releases the lease — once it has stopped, the lease
	// is no longer a's to hold (released, or already b's), whatever the
	// machine's load: a wall-clock bound on the take-over flaked under a
	// parallel test run — and b takes over
	a.cancel()
	<-a.done
	var holder string
	var live bool
	if err := st.Pool().QueryRow(context.Background(),
		`SELECT holder, expires_at > now() FROM leases WHERE name = 'coordinator'`).Scan(&holder, &live); err != nil {
		t.Fatal(err)
	}
	if holder == "a" && live {
		t.Error("a stopped without releasing the lease: b would wait for it to expire")
	}
	b.leading(t, 5*time.Second)
	b.mu.Lock()
	defer b.mu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.terms) != 1 || len(b.terms) != 1 || b.terms[0] <= a.terms[0] {
		t.Errorf("terms: a %v, b %v; want one each, b's newer", a.terms, b.terms)
	}
}

func TestLeaderStepsDownWhenTheLeaseIsTakenAndItsWritesAreFenced(t *testing.T) {
	t.Parallel()
	st := storetest.Migrated(t)
	ctx := context.Background()
	if _, err := st.CreateInstance(ctx, store.Instance{Name: "a", URL: "http://127.0.0.1/a", Username: "u", Password: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateInstance(ctx, store.Instance{Name: "b", URL: "http://127.0.0.1/b", Username: "u", Password: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	rm, err := st.CreateRemote(ctx, "a_to_b", "a", "b", remote.Options{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	run, err := st.CreateRun(ctx, rm.ID, store.KindImport)
	if err != nil {
		t.Fatal(err)
	}
	a := start(t, st, "a", 800*time.Millisecond)
	actx := a.leading(t, 5*time.Second)
	// the leader's own writes pass its fence
	if err := st.TransitionRun(actx, run.ID, []store.RunStatus{store.StatusQueued}, store.StatusRunning, ""); err != nil {
		t.Fatalf("the leader's write: %v", err)
	}
	// another process takes the lease in a newer term (as after a pause
	// of a: its lease expired and a standby won)
	if _, err := st.Pool().Exec(ctx, `UPDATE leases SET holder = 'z', term = term + 1, expires_at = now() + interval '1 hour'
		WHERE name = 'coordinator'`); err != nil {
		t.Fatal(err)
	}
	// a's write in its old term is refused by PostgreSQL, whatever a knows
	err = st.TransitionRun(actx, run.ID, []store.RunStatus{store.StatusRunning}, store.StatusSucceeded, "")
	if !errors.Is(err, store.ErrFenced) {
		t.Fatalf("a stale leader's write: %v, want ErrFenced", err)
	}
	if r, _ := st.Run(ctx, run.ID); r.Status != store.StatusRunning {
		t.Errorf("run is %s after a fenced write, want running", r.Status)
	}
	// and a notices at its next renewal: its context is cancelled
	select {
	case <-actx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a did not step down after losing the lease")
	}
	if err := elector.Check(actx); err == nil {
		t.Error("Check passes in a term that ended")
	}
}

func TestTermIsInvalidOnceItsLeaseCouldHaveExpired(t *testing.T) {
	t.Parallel()
	st := storetest.Migrated(t)
	// a renewal that never answers (the database is gone): the term ends
	// at its local deadline, not at the renewal's error
	a := start(t, st, "a", 600*time.Millisecond)
	actx := a.leading(t, 5*time.Second)
	if err := elector.Check(actx); err != nil {
		t.Fatalf("Check in a fresh term: %v", err)
	}
	tx, err := st.Pool().Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(context.Background(), `LOCK TABLE leases IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	select {
	case <-actx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a leader whose renewals hang kept leading past its lease")
	}
	if err := elector.Check(actx); err == nil {
		t.Error("Check passes after the term's deadline")
	}
}
